"""``magnerve intake --json`` of a long diary, written from byte templates (issue 10).

A 10-year diary has about 38,000 lines, 15,000 meals and 3,650 days, and repeats a few
hundred distinct lines. Making a mapping per line, meal and day and encoding it costs more
than the rest of the command, so the three long lists are written from templates instead:

* a **line**'s text is fixed by its parse (food, amount, grams, notes ...) and its amounts,
  but for its number, date, time, meal and text: one template per distinct parse;
* a **meal** or **day** differs from another only in its date (and meal) and its totals: one
  template per list, with a slot per value (every total complete) or per total (a total
  with missing lines is written from its own small template).

A template is the CLI's own encoding of a real mapping holding placeholder strings, cut at
the placeholders into constant pieces; each value is written as that encoder writes it on
its own (JSON text does not depend on where a scalar stands). A batch is then one
``bytes.join`` of pieces and values, so the document is the same, byte for byte, as the one
written from :meth:`IntakeReport.iter_dict`. Anything a template does not cover (a line
carrying its own values, amounts that differ from the template's, a value that is not a
plain string) is encoded from its mapping.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from magnerve._gc import paused as paused_gc
from magnerve.cli._json_stream import _emit_json_items, _json_value_bytes
from magnerve.intake import _round4, parsed_key

if TYPE_CHECKING:
    import numpy.typing as npt

    from magnerve.diary import Diary
    from magnerve.intake import GroupTotals, IntakeReport

__all__ = ["diary_items", "emit_intake_json", "intake_json_items", "run_intake_json"]

# Placeholder strings: private-use characters around a name no food text holds (a template
# in which one does not appear exactly once, in order, is not used).
_SLOT = "\ue000magnerve-slot-{}\ue000"
_SEP = b",\n"  # between two items of a list
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _encode_item(key: str, item: Any) -> bytes:
    """The bytes of ``item`` as an element of the document's list ``key``: as
    :func:`magnerve.cli._json_stream._json_object_chunks` writes it (indented, no comma)."""
    head = b'{\n  "' + key.encode() + b'": [\n'
    return _json_value_bytes({key: [item]})[len(head) : -6]


def _pieces(raw: bytes, n: int) -> list[bytes] | None:
    """``raw`` cut at the JSON text of the placeholders ``_SLOT.format(0)`` ...
    ``_SLOT.format(n - 1)``: ``n + 1`` constant pieces. None when a placeholder is not found
    exactly once, in this order."""
    out: list[bytes] = []
    pos = 0
    for k in range(n):
        token = _json_value_bytes(_SLOT.format(k))
        at = raw.find(token, pos)
        if at < 0 or raw.count(token) != 1:
            return None
        out.append(raw[pos:at])
        pos = at + len(token)
    out.append(raw[pos:])
    return out


def _indent_at(raw: bytes, at: int) -> bytes:
    """The spaces that start the line of ``raw`` holding position ``at``."""
    line = raw[raw.rfind(b"\n", 0, at) + 1 : at]
    return line[: len(line) - len(line.lstrip(b" "))]


def _array_scalars(values: npt.NDArray[np.float64]) -> list[bytes]:
    """The JSON text of each element of a float array (NaN: ``null``), row-major, as the
    CLI writes the same Python float (or None) on its own."""
    flat = np.ascontiguousarray(values, dtype=np.float64).reshape(-1)
    try:
        import orjson
    except ImportError:  # optional speed-up
        pass
    else:
        raw = orjson.dumps(flat, option=orjson.OPT_SERIALIZE_NUMPY)
        if raw.find(b"0.0000") < 0 and raw.find(b"e-") < 0:  # orjson writes these as Python
            parts = raw[1:-1].split(b",")
            if len(parts) == len(flat):
                return parts
    return [_json_value_bytes(None if v != v else v) for v in flat.tolist()]


class _Memo(dict[Any, bytes]):
    """JSON text of strings (or None), each encoded once."""

    def __missing__(self, value: Any) -> bytes:
        text = _json_value_bytes(value)
        self[value] = text
        return text


class _DateMemo(dict[date, bytes]):
    """JSON text of dates (ISO form: digits and hyphens, which JSON never escapes)."""

    def __missing__(self, value: date) -> bytes:
        iso = value.isoformat()
        text = b'"' + iso.encode("ascii") + b'"' if _ISO_DATE.fullmatch(iso) else b""
        if not text:  # not the YYYY-MM-DD of a date: as the encoder writes it
            text = _json_value_bytes(iso)
        self[value] = text
        return text


def _plain(value: object) -> bool:
    """A value whose JSON text is one short line: None or a string."""
    return value is None or type(value) is str


_LINE_SLOTS = ("line", "date", "time", "meal", "text")
# Templates kept per document: a diary repeats a few hundred distinct lines; one that never
# repeats would otherwise keep a template per line (a memory bound, not data). Lines past it
# are encoded from their mappings.
_MAX_TEMPLATES = 4096
_NO_PIECES = (b"",) * (len(_LINE_SLOTS) + 1)


def _line_batches(
    report: IntakeReport, batch: int, days: _DateMemo, strings: _Memo
) -> Iterator[bytes]:
    """The ``lines`` list, ``batch`` lines at a time, each batch as the bytes of its items
    (``days``, ``strings``: the JSON text of dates and strings already written)."""
    entries, values = report.entries, report.values
    n = len(entries)
    template_of: dict[Any, int] = {}
    templates: list[tuple[bytes, ...] | None] = []
    template_rows: list[npt.NDArray[np.float64]] = []
    width = 2 * len(_LINE_SLOTS) + 2  # separator, then pieces and values in turn
    for start in range(0, n, batch):
        stop = min(n, start + batch)
        chunk = entries[start:stop]
        m = len(chunk)
        texts: list[str] = []
        which = np.full(m, -1, dtype=np.intp)  # template of each line; -1: none
        for i, e in enumerate(chunk):
            p = e.parsed
            if (
                p is None
                or type(e.line) is not int
                or not (e.time is None or type(e.time) is str)
                or not (e.meal is None or type(e.meal) is str)
            ):
                continue
            try:
                key = parsed_key(p)
                t = template_of.get(key)
            except TypeError:  # an unhashable field
                continue
            if t is None:
                if len(templates) >= _MAX_TEMPLATES:
                    continue
                t = template_of[key] = len(templates)
                line = report.line_dict(start + i)
                for slot, name in enumerate(_LINE_SLOTS):
                    line[name] = _SLOT.format(slot)
                pieces = _pieces(_encode_item("lines", line), len(_LINE_SLOTS))
                templates.append(None if pieces is None else tuple(pieces))
                template_rows.append(values[start + i].copy())
            if templates[t] is not None and type(p.text) is str:
                which[i] = t
                texts.append(p.text)
        # a line uses its template only when its amounts are those the template was made with
        used = np.flatnonzero(which >= 0)
        if len(used):
            rows = values[start + used]
            ref = np.array(template_rows)[which[used]]
            same = ((rows == ref) | (np.isnan(rows) & np.isnan(ref))).all(axis=1)
            if not same.all():
                texts = [x for x, ok in zip(texts, same.tolist(), strict=True) if ok]
                which[used[~same]] = -1
        encoded = _json_value_bytes(texts)[4:-2].split(b",\n  ") if texts else []
        if len(encoded) != len(texts):  # not one text per line: encode each on its own
            encoded = [_json_value_bytes(x) for x in texts]
        tw = which.tolist()
        choose = [t or _NO_PIECES for t in templates] + [_NO_PIECES]  # -1: no pieces
        chosen = [choose[t] for t in tw]
        out = [_SEP] * (width * m)
        if m:
            out[0] = b""
        for k in range(len(_LINE_SLOTS) + 1):
            out[1 + 2 * k :: width] = [c[k] for c in chosen]
        texts_at = iter(encoded)
        out[2::width] = [b"%d" % e.line if t >= 0 else b"" for e, t in zip(chunk, tw, strict=True)]
        out[4::width] = [days[e.date] if t >= 0 else b"" for e, t in zip(chunk, tw, strict=True)]
        out[6::width] = [strings[e.time] if t >= 0 else b"" for e, t in zip(chunk, tw, strict=True)]
        out[8::width] = [strings[e.meal] if t >= 0 else b"" for e, t in zip(chunk, tw, strict=True)]
        out[10::width] = [next(texts_at) if t >= 0 else b"" for t in tw]
        generic = [i for i, t in enumerate(tw) if t < 0]
        if generic:
            rounded = _round4(values[start:stop])
            for i in generic:
                e = chunk[i]
                item = report.line_dict(start + i, e.date.isoformat(), rounded[i])
                out[width * i + 2] = _encode_item("lines", item)
        yield b"".join(out)


def _group_layout(key: str, h: int, keys: list[str]) -> list[bytes] | None:
    """The constant pieces of a ``meals`` (``h = 2``: date, meal) or ``days`` (``h = 1``)
    item, cut before and after each slot: the ``h`` head values, then per nutrient its value
    and the tail of its total (from the comma after the value to the total's closing brace).

    Returns ``[F_0, ..., F_h, T, I_0, I_1, I_2, I_3, H_0, ..., H_{k-1}]``: an item is ``F_0
    head_0 F_1 ... F_h value_0 tail_0 H_0 value_1 tail_1 H_1 ...`` where a complete total's
    tail is ``T`` and an incomplete one's ``I_1 coverage I_2 missing-lines I_3`` (``I_0``: the
    text between missing lines). None when the encoding does not have this shape.
    """
    k = len(keys)
    sample: dict[str, Any] = {name: _SLOT.format(s) for s, name in enumerate(("date", "meal")[:h])}
    sample["nutrients"] = {
        name: {"value": _SLOT.format(h + j), "complete": True, "coverage": 1.0, "missing_lines": []}
        for j, name in enumerate(keys)
    }
    fast = _pieces(_encode_item(key, sample), h + k)
    if fast is None or not k:
        return None if fast is None else [*fast, b"", b"", b"", b"", b""]
    # a total on its own, nested where the totals stand (the indent of its key's line)
    sample["nutrients"] = {name: _SLOT.format(h + j) for j, name in enumerate(keys)}
    raw = _encode_item(key, sample)
    at = raw.find(_json_value_bytes(_SLOT.format(h)))
    newline = b"\n" + _indent_at(raw, at)

    def nested(total: dict[str, Any], n: int) -> list[bytes] | None:
        return _pieces(_json_value_bytes(total).replace(b"\n", newline), n)

    complete = nested(
        {"value": _SLOT.format(0), "complete": True, "coverage": 1.0, "missing_lines": []}, 1
    )
    slots = {"value": _SLOT.format(0), "complete": False, "coverage": _SLOT.format(1)}
    incomplete = nested({**slots, "missing_lines": [_SLOT.format(2)]}, 3)
    if at < 0 or complete is None or incomplete is None or incomplete[0] != complete[0]:
        return None
    head, tail = complete
    heads = [fast[h], *(piece[len(tail) :] for piece in fast[h + 1 : -1])]  # up to a value
    if not all(piece.startswith(tail) for piece in fast[h + 1 :]) or not all(
        piece.endswith(head) for piece in heads
    ):
        return None
    listed = _json_value_bytes({**slots, "missing_lines": [_SLOT.format(2)]})
    between = _SEP + _indent_at(listed, listed.find(_json_value_bytes(_SLOT.format(2))))
    between = between.replace(b"\n", newline)  # the missing lines' own indent, nested
    return [
        *fast[: h + 1],
        tail,
        between,
        *incomplete[1:],
        *(piece[len(tail) :] for piece in fast[h + 1 :]),
    ]


def _group_batches(
    key: str,
    dates: list[date],
    meals: list[str] | None,
    groups: GroupTotals,
    keys: list[str],
    batch: int,
    days: _DateMemo,
    strings: _Memo,
) -> Iterator[bytes]:
    """The ``meals`` or ``days`` list (``dates`` and, for meals, ``meals``: each group's),
    ``batch`` groups at a time, each batch as the bytes of its items (``days``, ``strings``:
    the JSON text of dates and strings already written)."""
    n, k = len(dates), len(keys)
    h = 1 if meals is None else 2
    layout = _group_layout(key, h, keys)
    missing, n_lines = groups.missing, groups.n_lines
    todo_missing = sorted(missing)  # (group, nutrient) in group order
    coverages = _Memo()
    width = 2 + 2 * h + 3 * k  # separator, head pieces and values, value-tail-piece per total
    at_missing = 0
    for start in range(0, n, batch):
        stop = min(n, start + batch)
        m = stop - start
        out = [_SEP] * (width * m)
        if m:
            out[0] = b""
        generic = list(range(start, stop)) if layout is None else []
        if layout is not None:
            text = _array_scalars(groups.rounded_array(start, stop))
            tail, between, inc1, inc2, inc3 = layout[h + 1 : h + 6]
            for s in range(h + 1):
                out[1 + 2 * s :: width] = [layout[s]] * m
            out[2::width] = [days[d] for d in dates[start:stop]]
            if meals is not None:
                out[4::width] = [
                    strings[x] if x is None or type(x) is str else b"" for x in meals[start:stop]
                ]
                generic = [g for g in range(start, stop) if not _plain(meals[g])]
            for j in range(k):
                col = 2 + 2 * h + 3 * j
                out[col::width] = text[j::k]
                out[col + 1 :: width] = [tail] * m
                out[col + 2 :: width] = [layout[h + 6 + j]] * m
            while at_missing < len(todo_missing) and todo_missing[at_missing][0] < stop:
                g, j = todo_missing[at_missing]
                at_missing += 1
                lines = missing[(g, j)]
                n_g = int(n_lines[g, j])
                cov = round(1.0 if n_g == 0 else 1.0 - len(lines) / n_g, 4)
                listed = between.join(
                    [b"%d" % x if type(x) is int else _json_value_bytes(x) for x in lines]
                )
                out[width * (g - start) + 3 + 2 * h + 3 * j] = b"".join(
                    (inc1, coverages[cov], inc2, listed, inc3)
                )
        if generic:
            named = groups.named(keys, start, stop)
            for g in generic:
                item: dict[str, Any] = {"date": dates[g].isoformat()}
                if meals is not None:
                    item["meal"] = meals[g]
                item["nutrients"] = named[g - start]
                i = g - start
                out[width * i + 1 : width * (i + 1)] = [_encode_item(key, item)] + [b""] * (
                    width - 2
                )
        yield b"".join(out)


def intake_json_items(report: IntakeReport, batch: int = 1000) -> Iterator[tuple[str, Any]]:
    """The items of ``report.iter_dict(batch)`` for
    :func:`magnerve.cli._json_stream._emit_json_items`, with the ``lines``, ``meals`` and ``days``
    lists as iterators of already encoded batches (bytes).

    Parameters
    ----------
    report : IntakeReport
    batch : int, default 1000
        Largest number of lines, meals or days encoded at once [-].

    Yields
    ------
    tuple of (str, object)
        Keys and values in the order of :meth:`IntakeReport.to_dict`.
    """
    if batch < 1:
        raise ValueError(f"batch must be at least 1, got {batch}")
    keys = [n.key for n in report.nutrients]
    meal_labels, meal_groups = report.meal_totals()
    day_labels, day_groups = report.day_totals()
    days, strings = _DateMemo(), _Memo()
    yield "nutrients", report.nutrients_dicts()
    yield "lines", _line_batches(report, batch, days, strings)
    meal_dates, meals = [d for d, _ in meal_labels], [m for _, m in meal_labels]
    yield (
        "meals",
        _group_batches("meals", meal_dates, meals, meal_groups, keys, batch, days, strings),
    )
    yield "days", _group_batches("days", day_labels, None, day_groups, keys, batch, days, strings)
    yield "mean_daily", report.mean_daily_dict()
    yield "plausibility", report.plausibility


def diary_items(d: Diary, source: str) -> dict[str, Any]:
    """The items ``magnerve intake --json`` writes after the report's: the diary's source,
    skipped lines, format, supplements, export checks and notes."""
    return {
        "source": source,
        "skipped": [p.to_dict() for p in d.problems],
        "format": d.format,
        "kind": d.kind,
        "supplements": [x.to_dict() for x in d.supplements],
        "export_checks": [c.to_dict() for c in d.checks],
        "disagreements": [c.line for c in d.disagreements],
        "diary_notes": list(d.notes),
    }


def emit_intake_json(report: IntakeReport, d: Diary, source: str) -> None:
    """Write the ``magnerve intake --json`` document of ``report`` (of diary ``d`` read from
    ``source``) to standard output, a batch at a time."""
    with paused_gc():  # many acyclic objects, freed batch by batch by reference counting
        _emit_json_items(chain(intake_json_items(report), diary_items(d, source).items()))


def run_intake_json(args: list[str]) -> int | None:
    """Answer ``magnerve intake PATH --json [--skip-bad]`` without typer (issue 10).

    Typer and the option coercion behind it cost about a tenth of a second before any work;
    this plain form of the command (the one a program runs on a long diary) is answered
    directly, with the same output as the typer command. Anything else, and any diary that
    makes the command print to standard error or fail (a missing file, problems, skipped
    lines, an unusable alias file, no usable line), is left to typer: None is returned
    before anything is written, and typer runs the command its usual way.

    Parameters
    ----------
    args : list of str
        The arguments after ``intake``.

    Returns
    -------
    int or None
        The exit code, or None when typer must answer.
    """
    path_arg: str | None = None
    as_json = False
    for a in args:
        if a == "--json":
            as_json = True
        elif a == "--skip-bad":
            pass  # it changes nothing for a diary without problems, the only one answered
        elif a.startswith("-") or path_arg is not None:
            return None  # another option (or "-"), a second argument: typer answers
        else:
            path_arg = a
    if path_arg is None or not as_json:
        return None
    try:
        from magnerve.diary import ALIAS_FILE_NOTE, read_diary
        from magnerve.intake import intake, resolve_nutrients

        path = Path(path_arg)
        if not path.exists() or path.is_dir():
            return None
        d = read_diary(path, "auto", trust="auto")
        if d.problems or not d.entries or any(n.startswith(ALIAS_FILE_NOTE) for n in d.notes):
            return None  # the command prints problems, warnings or fails: typer does
        report = intake(d, [n.key for n in resolve_nutrients(None)])
    except (KeyboardInterrupt, BrokenPipeError):
        return 130
    except Exception:  # an unreadable file or a bug: typer reports it its usual way
        return None
    try:
        emit_intake_json(report, d, str(path))
    except BrokenPipeError:  # the reader went away (``| head``): as the typer command (click)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # part of the document may be out: no second run
        from magnerve.cli._common import internal_error

        internal_error(e)
        return 3
    return 0
