// magnerve: progressive enhancement only; every page works without this file.
// Food autocomplete: fills the <datalist> of an input marked data-food-autocomplete with
// results of GET /api/v1/foods/suggest (same origin, the session cookie is not needed).
"use strict";
(function () {
  var AMOUNT = /^\s*((?:[0-9]+(?:[.,][0-9]+)?|[0-9]+\/[0-9]+|[½¼¾⅓⅔])\s*(?:[a-zA-Z]+\.?\s+)?)/;
  var DELAY_MS = 200; // wait this long after the last key before searching

  function attach(input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) { return; }
    var timer = null;
    var last = "";
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var text = input.value;
        var m = AMOUNT.exec(text);
        var prefix = m ? m[1] : "";
        var query = text.slice(prefix.length).trim();
        if (query.length < 2 || query === last) { return; }
        last = query;
        fetch("/api/v1/foods/suggest?limit=8&q=" + encodeURIComponent(query), {
          headers: { "Accept": "application/json" }, credentials: "same-origin"
        }).then(function (r) { return r.ok ? r.json() : { hits: [] }; })
          .then(function (data) {
            list.replaceChildren();
            data.hits.forEach(function (h) {
              var opt = document.createElement("option");
              opt.value = prefix + h.description; // textContent only: never parsed as HTML
              opt.textContent = h.food_group;
              list.appendChild(opt);
            });
          }).catch(function () { /* offline or server error: typing still works */ });
      }, DELAY_MS);
    });
  }

  function init() {
    document.querySelectorAll("input[data-food-autocomplete]").forEach(attach);
    document.querySelectorAll("form[data-goto-day] input[type=date]").forEach(function (el) {
      el.addEventListener("change", function () { if (el.value) { el.form.submit(); } });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else { init(); }
})();
