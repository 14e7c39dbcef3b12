"""Pages of web slice 3 and later: supplements and drinking water, supplement doses of a
diary day, food aliases, diary import, the report (HTML, PDF) with the simulation chart and
the nerves section, and a professional's read-only report and plan of a client.

The same helpers as :mod:`magnerve.web.pages` (sign-in check, CSRF, errors at their field);
the work is done by the same functions as the API's.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from magnerve import report as core_report
from magnerve.errors import InputError
from magnerve.profile import Supplement, Water
from magnerve.report import charts
from magnerve.web import crud
from magnerve.web.api.routes import aliases as alias_routes
from magnerve.web.api.routes import analysis as analysis_routes
from magnerve.web.api.routes import imports as import_routes
from magnerve.web.api.routes import reports as report_routes
from magnerve.web.api.routes import supplements as supp_routes
from magnerve.web.models import User
from magnerve.web.pages import (
    DOSE_FIELDS,
    FormStr,
    SignedIn,
    SignedInForm,
    _account,
    _client,
    _day,
    _diary,
    _errors,
    _forbidden,
    _not_found,
    _positive_id,
    _redirect,
    _render,
    _signed_in,
    _Who,
)
from magnerve.web.schemas import AliasIn, SupplementDoseIn

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

#: The supplement and water forms: (field, label, hint). Checks are the core's models'.
SUPPLEMENT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("name", "Product name", "As on the label, e.g. Magnesium glycinate 200."),
    ("form", "Form (salt)", "glycinate, citrate, oxide, chloride … (needed with the salt mass)."),
    (
        "elemental_mg",
        "Elemental magnesium per dose [mg]",
        "From the label; or the salt mass below.",
    ),
    ("salt_mg", "Salt per dose [mg]", "The compound's mass, when the label gives only that."),
    ("times_per_day", "Doses a day", ""),
)
WATER_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("liters_per_day", "Water drunk [L/day]", ""),
    ("magnesium_mg_per_l", "Magnesium [mg/L]", "From the bottle's label or the water report."),
    ("calcium_mg_per_l", "Calcium [mg/L]", ""),
    ("hardness", "Or: hardness", "With its unit, e.g. 120 mg/L CaCO3, 7 °dH."),
    ("calcium_share", "Calcium share of hardness (0-1)", "Needed with the hardness."),
)
_NUMBERS = {"elemental_mg", "salt_mg", "times_per_day", "liters_per_day", "magnesium_mg_per_l",
            "calcium_mg_per_l", "calcium_share"}  # fmt: skip


def _values(form: dict[str, str], fields: tuple[tuple[str, str, str], ...]) -> dict[str, Any]:
    """Filled form fields as the core's model input (numbers as numbers; the core refuses
    anything else with its own message)."""
    out: dict[str, Any] = {}
    for name, _, _ in fields:
        raw = form.get(name, "").strip()
        if not raw:
            continue
        if name in _NUMBERS:
            try:
                out[name] = float(raw)
            except ValueError:
                out[name] = raw
        else:
            out[name] = raw
    return out


def _supplements_page(who: _Who, status_code: int = 200, **context: Any) -> HTMLResponse:
    assert who.user is not None
    with who.request.app.state.sessionmaker() as db:
        supps = [supp_routes.supplement_out(r) for r in crud.list_supplements(db, who.user)]
        water = supp_routes.water_out(crud.get_water(db, who.user))
    if "water_form" not in context:
        w = water.water.model_dump(exclude_none=True) if water.water else {}
        context["water_form"] = {
            k: f"{v:g}" if isinstance(v, float) else str(v) for k, v in w.items()
        }
    context.setdefault("supp_form", {"times_per_day": "1"})
    return _render(
        who,
        "supplements.html",
        status_code,
        supplements=supps,
        water=water,
        supp_fields=SUPPLEMENT_FIELDS,
        water_fields=WATER_FIELDS,
        **context,
    )


@router.get("/supplements", response_class=HTMLResponse)
def supplements_page(request: Request, who: SignedIn) -> Response:
    """The person's supplements and drinking water."""
    return _supplements_page(who)


@router.post("/supplements", response_class=HTMLResponse)
async def supplements_add(request: Request, who: SignedInForm) -> Response:
    """Add a supplement (checked by the core's profile model)."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    try:
        s = Supplement.model_validate(_values(form, SUPPLEMENT_FIELDS))
        with request.app.state.sessionmaker() as db:
            data = supp_routes.validate_supplement(s)
            crud.add_supplement(db, who.user, data, supp_routes.MAX_SUPPLEMENTS)
    except (ValidationError, crud.FieldError) as e:
        return _supplements_page(who, 422, supp_form=form, errors=_errors(e))
    return _redirect("/supplements")


@router.post("/supplements/{supplement_id}/delete", response_class=HTMLResponse)
def supplements_delete(request: Request, who: SignedInForm, supplement_id: str) -> Response:
    """Delete one of the person's supplements."""
    sid = _positive_id(supplement_id)
    with request.app.state.sessionmaker() as db:
        done = sid is not None and crud.delete_supplement(db, who.user, sid)
    return _redirect("/supplements") if done else _not_found(who, "supplement")


@router.post("/water", response_class=HTMLResponse)
async def water_save(request: Request, who: SignedInForm) -> Response:
    """Save (or, with ``clear``, remove) the drinking water (checked by the core's model)."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    try:
        with request.app.state.sessionmaker() as db:
            if form.get("clear"):
                crud.save_water(db, who.user, None)
            else:
                w = Water.model_validate(_values(form, WATER_FIELDS))
                crud.save_water(db, who.user, supp_routes.validate_water(w))
    except ValidationError as e:
        errs = {f"w_{k}": v for k, v in _errors(e).items()}
        return _supplements_page(who, 422, water_form=form, errors=errs)
    return _redirect("/supplements")


# --- supplement doses of a diary day -----------------------------------------------------------


@router.post("/diary/{day}/supplements", response_class=HTMLResponse)
async def dose_add(request: Request, who: SignedInForm, day: str) -> Response:
    """Log a supplement taken on the day (checked by the core's profile supplement model)."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    d = _day(day)
    if d is None:
        return _not_found(who, "day")
    try:
        body = SupplementDoseIn.model_validate({"date": d, **_values(form, DOSE_FIELDS)})
        with request.app.state.sessionmaker() as db:
            when, data = supp_routes.validate_dose(body)
            crud.add_dose(db, who.user, when, data, supp_routes.MAX_DOSES_PER_DAY)
    except (ValidationError, crud.FieldError) as e:
        errs = {f"d_{k}": v for k, v in _errors(e).items()}
        return _diary(who, d, 422, dose_form=form, errors=errs)
    return _redirect(f"/diary/{d.isoformat()}")


@router.post("/diary/supplements/{dose_id}/delete", response_class=HTMLResponse)
def dose_delete(request: Request, who: SignedInForm, dose_id: str) -> Response:
    """Delete one of the person's supplement doses (back to its day)."""
    did = _positive_id(dose_id)
    with request.app.state.sessionmaker() as db:
        row = None if did is None else crud.get_dose(db, who.user, did)
        if row is None:
            return _not_found(who, "supplement dose")
        day = row.date
        crud.delete_dose(db, who.user, row.id)
    return _redirect(f"/diary/{day.isoformat()}")


# --- food aliases --------------------------------------------------------------------------------


@router.post("/account/aliases", response_class=HTMLResponse)
def alias_add(
    request: Request, who: SignedInForm, alias_text: FormStr = "", alias_food: FormStr = ""
) -> Response:
    """Remember that a food text means an SR28 food (for this account only)."""
    form = {"alias_text": alias_text, "alias_food": alias_food}
    try:
        body = AliasIn.model_validate({"text": alias_text, "food_id": alias_food.strip()})
        with request.app.state.sessionmaker() as db:
            crud.save_alias(db, who.user, body.text, body.food_id, alias_routes.MAX_ALIASES)
    except (ValidationError, crud.FieldError) as e:
        names = {"text": "alias_text", "food_id": "alias_food"}
        errs = {names.get(k, k): v for k, v in _errors(e).items()}
        return _account(who, 422, alias_form=form, errors=errs)
    return _redirect("/account#aliases-h")


@router.post("/account/aliases/{alias_id}/delete", response_class=HTMLResponse)
def alias_delete(request: Request, who: SignedInForm, alias_id: str) -> Response:
    """Forget one of the person's food aliases."""
    aid = _positive_id(alias_id)
    with request.app.state.sessionmaker() as db:
        done = aid is not None and crud.delete_alias(db, who.user, aid)
    return _redirect("/account#aliases-h") if done else _not_found(who, "alias")


# --- import ------------------------------------------------------------------------------------


def _import_page(who: _Who, status_code: int = 200, **context: Any) -> HTMLResponse:
    return _render(
        who, "import.html", status_code, formats=import_routes.FORMATS,
        max_bytes=import_routes.MAX_BYTES, **context,
    )  # fmt: skip


@router.get("/import", response_class=HTMLResponse)
def import_page(request: Request, who: SignedIn) -> Response:
    """Upload a diary file (Cronometer servings.csv, CSV or JSON)."""
    return _import_page(who)


@router.post("/import", response_class=HTMLResponse)
async def import_upload(request: Request) -> Response:
    """Read the upload with the core and show every entry and problem with its line
    (``confirm``: store the entries)."""
    who, away = _signed_in(request)
    if away:
        return away
    assert who.user is not None
    limit = import_routes.MAX_BYTES
    form = await request.form(max_part_size=limit + 1, max_files=1, max_fields=10)
    if not who.csrf_ok(str(form.get("csrf_token", ""))):
        return _forbidden(who)
    fmt = str(form.get("format", "auto"))
    if fmt not in import_routes.FORMATS:
        return _import_page(who, 422, errors={"format": "choose one of the formats listed"})
    upload = form.get("file")
    name: str | None
    if isinstance(upload, str) or upload is None:  # confirm: the previewed file's text
        content, name = str(form.get("content", "")).encode("utf-8"), str(form.get("name", ""))
    else:
        content, name = await upload.read(limit + 1), upload.filename
    if not content:
        return _import_page(who, 422, errors={"file": "choose a file"})
    commit = bool(form.get("confirm"))
    try:
        with request.app.state.sessionmaker() as db:
            result = import_routes.run_import(db, who.user, content, name, fmt, commit)
    except crud.FieldError as e:
        return _import_page(who, 422, errors={"file": str(e)})
    text = "" if commit else content.decode("utf-8", errors="replace")
    return _import_page(who, result=result, content=text, source=result.source, fmt=fmt)


# --- report and simulation ------------------------------------------------------------------


def _period(who: _Who, owner: User) -> tuple[date, date] | str:
    q = who.request.query_params
    try:
        start = date.fromisoformat(q["from"]) if q.get("from") else None
        end = date.fromisoformat(q["to"]) if q.get("to") else None
        with who.request.app.state.sessionmaker() as db:
            return analysis_routes.period(db, owner, start, end)
    except ValueError:
        return "Dates are written YYYY-MM-DD."
    except crud.FieldError as e:
        return str(e)


def _report_page(who: _Who, owner: User, base: str, read_only: bool) -> HTMLResponse:
    ctx: dict[str, Any] = {"base": base, "owner": owner, "read_only": read_only, "sim": None}
    p = _period(who, owner)
    if isinstance(p, str):
        return _render(who, "report.html", 422, problem=p, **ctx)
    start, end = p
    ctx.update(start=start, end=end, query=f"from={start.isoformat()}&to={end.isoformat()}")
    try:
        with who.request.app.state.sessionmaker() as db:
            ctx["sim"] = report_routes.simulation(db, owner, start, end)
        ctx["nerve"] = core_report.nerve_sweep()
    except InputError as e:
        ctx["problem"] = str(e)
        ctx["needs_profile"] = getattr(e, "loc", ()) == ("profile",)
    return _render(who, "report.html", **ctx)


def _document(who: _Who, owner: User, kind: str) -> Response:
    p = _period(who, owner)
    if isinstance(p, str):
        return _render(who, "message.html", 422, title="Bad period", message=p)
    start, end = p
    try:
        with who.request.app.state.sessionmaker() as db:
            if kind == "pdf":
                r = report_routes.pdf_response(db, owner, start, end, f"magnerve-report-{end}.pdf")
                if r.status_code == 501:
                    msg = "PDF download is not installed on this server: " + bytes(r.body).decode()
                    return _render(who, "message.html", 501, title="No PDF", message=msg)
                return r
            if kind == "svg":
                svg = report_routes.simulation_svg(db, owner, start, end)
                return report_routes.document(svg, "image/svg+xml")
            html = report_routes.report_html(db, owner, start, end)
            return report_routes.document(html, "text/html")
    except InputError as e:
        return _render(who, "message.html", 422, title="No report yet", message=str(e))


@router.get("/report", response_class=HTMLResponse)
def report_page(request: Request, who: SignedIn) -> Response:
    """The report (open as HTML, download as PDF) and the simulation chart."""
    return _report_page(who, who.user, "/report", read_only=False)


@router.get("/report/report.html")
def report_html(request: Request, who: SignedIn) -> Response:
    """The report as a self-contained HTML document."""
    return _document(who, who.user, "html")


@router.get("/report/report.pdf")
def report_pdf(request: Request, who: SignedIn) -> Response:
    """The report as a PDF download."""
    return _document(who, who.user, "pdf")


@router.get("/report/simulation.svg")
def simulation_svg(request: Request, who: SignedIn) -> Response:
    """The simulation chart."""
    return _document(who, who.user, "svg")


@router.get("/report/nerves.svg")
def nerves_svg(who: SignedIn) -> Response:
    """The model neuron's chart of the nerves section (the same for everyone)."""
    svg = charts.nerve_sweep(core_report.nerve_sweep())
    return report_routes.document(svg, "image/svg+xml")


def _shared(request: Request, client_id: str) -> tuple[_Who, Any, Response | None]:
    who, away = _signed_in(request)
    if away:
        return who, None, away
    client = _client(who, client_id)
    return who, client, (_not_found(who, "client") if client is None else None)


@router.get("/clients/{client_id}/report", response_class=HTMLResponse)
def client_report_page(request: Request, client_id: str) -> Response:
    """A client's report and simulation, read-only."""
    who, client, away = _shared(request, client_id)
    return away or _report_page(who, client, f"/clients/{client.id}/report", read_only=True)


@router.get("/clients/{client_id}/report/{name}")
def client_report_document(request: Request, client_id: str, name: str) -> Response:
    """A client's report (``report.html``, ``report.pdf``) or chart (``simulation.svg``)."""
    who, client, away = _shared(request, client_id)
    if away:
        return away
    kinds = {"report.html": "html", "report.pdf": "pdf", "simulation.svg": "svg"}
    if name not in kinds:
        return _not_found(who, "document")
    return _document(who, client, kinds[name])


@router.get("/clients/{client_id}/plan", response_class=HTMLResponse)
def client_plan_page(request: Request, client_id: str) -> Response:
    """A client's plan and their answers, read-only."""
    who, client, away = _shared(request, client_id)
    if away:
        return away
    ctx: dict[str, Any] = {"plan": None, "problem": None, "client": client}
    p = _period(who, client)
    if isinstance(p, str):
        return _render(
            who,
            "client_plan.html",
            422,
            problem=p,
            **{k: v for k, v in ctx.items() if k != "problem"},
        )
    try:
        with who.request.app.state.sessionmaker() as db:
            a = analysis_routes.analysis_for(db, client, p[0], p[1], plan=True)
            decisions = {d.change_key: d.decision for d in crud.list_decisions(db, client)}
    except InputError as e:
        ctx["problem"] = str(e)
    else:
        changes = a["plan"]["changes"]
        ctx.update(
            plan=a["plan"],
            start=p[0],
            end=p[1],
            changes=[(c, decisions.get(analysis_routes.change_key(c))) for c in changes],
        )
    return _render(who, "client_plan.html", **ctx)
