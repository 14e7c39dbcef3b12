"""Coverage-guided fuzzing of the diary readers with atheris (libFuzzer for Python).

Each input is a diary file's bytes; its first byte picks the format (``auto``, ``csv``,
``json``, ``cronometer``, ``cronometer_daily``, ``mfp``, ``totals``) and the rest is read with
:func:`magnerve.read_diary`. A crash is any of:

* an exception other than magnerve's ``InputError`` family (a traceback for a user);
* a line lost or reported twice: every non-blank physical line after the header of a CSV
  diary is an entry, a supplement, a problem, or a continuation line of a record in
  ``Diary.spans``;
* ``intake(diary).to_dict()`` that is not valid JSON (NaN or Infinity);
* problem text holding a control character that could drive a terminal.

Install and run (``docs/fuzzing.md`` has the figures of the recorded runs)::

    pip install -e ".[fuzz]"
    python fuzz/atheris_diary.py -atheris_runs=2000            # short CI budget (~1 min)
    python fuzz/atheris_diary.py -max_total_time=600 /tmp/corpus  # longer, keeps a corpus

Seeds come from ``examples/`` and ``tests/data/`` (CSV and JSON diaries and exports), written
to ``$MAGNERVE_FUZZ_SEEDS`` (default: a ``magnerve-fuzz-seeds`` folder in the temporary
directory) when no corpus folder is given, so the fuzzer starts from real files. The test
suite never needs atheris (the hypothesis twin is ``tests/test_fuzz_diary.py``).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import atheris

# Heavy dependencies are imported before instrumentation: only magnerve's own code is traced.
import numpy  # noqa: F401
import rapidfuzz  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from diary_oracle import blank, physical_lines  # noqa: E402

with atheris.instrument_imports(include=["magnerve"]):
    from magnerve._text import printable
    from magnerve.diary import Diary, DiaryError, read_diary
    from magnerve.intake import intake

FORMATS = ("auto", "csv", "json", "cronometer", "cronometer_daily", "mfp", "totals")


def _expected_lines(text: str) -> set[int] | None:
    """Non-blank physical lines after the header of a CSV diary (None: not a CSV)."""
    clean = [printable(x) for x in physical_lines(text)]
    h = next((i for i, x in enumerate(clean) if x.strip()), None)
    if h is None:
        return set()
    return {i + 1 for i, x in enumerate(clean) if i > h and not blank(x)}


def _check(d: Diary, text: str | None) -> None:
    reported = [
        *(e.line for e in d.entries),
        *(s.line for s in d.supplements),
        *(p.line for p in d.problems),
    ]
    if len(reported) != len(set(reported)) or len(reported) != d.n_lines:
        raise AssertionError(f"lines reported twice or miscounted: {sorted(reported)}")
    if d.format != "json" and text is not None:
        inside = {n for a, b in d.spans.items() for n in range(a + 1, b + 1)}
        expected = _expected_lines(text)
        if expected is not None and (
            set(reported) | inside != expected | inside or not set(reported) <= expected
        ):
            raise AssertionError(f"lines lost: {sorted(expected - set(reported) - inside)}")
    for p in d.problems:
        for s in (p.text, p.reason, str(p)):
            if printable(s) != s:
                raise AssertionError(f"unprintable problem text {s!r}")
    if d.entries:
        json.dumps(intake(d).to_dict(), allow_nan=False)


def test_one_input(data: bytes) -> None:
    """The fuzz target."""
    if not data:
        return
    fmt = FORMATS[data[0] % len(FORMATS)]
    body = data[1:]
    try:
        d = read_diary(body, fmt)  # type: ignore[arg-type]
    except DiaryError as e:
        msg = str(e)
        if printable(msg) != msg:
            raise AssertionError(f"unprintable error {msg!r}") from None
        return
    try:
        text: str | None = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None  # per-line fallback decoding: line accounting checked by the tests
    _check(d, text)


def _seeds(directory: Path) -> None:
    """Write the seed corpus (real diaries, each prefixed with its format byte)."""
    directory.mkdir(parents=True, exist_ok=True)
    files = [
        *sorted((ROOT / "examples").glob("*.csv")),
        *sorted((ROOT / "tests" / "data").glob("*.csv")),
        *sorted((ROOT / "tests" / "data").glob("typed_constructs.json")),
    ]
    for k, f in enumerate(files):
        body = f.read_bytes()[:4000]
        (directory / f"seed{k}").write_bytes(bytes([0]) + body)
    for k, (fmt, body) in enumerate(_HOSTILE_SEEDS):
        (directory / f"hostile{k}").write_bytes(bytes([FORMATS.index(fmt)]) + body)


# Small hostile diaries (from tests/test_diary_hostile.py) and a libFuzzer dictionary of the
# tokens that matter to the readers, so mutations start near the interesting cases.
_HOSTILE_SEEDS = [
    (
        "csv",
        b'date,time,meal,food,amount,unit\n2024-01-01,25:99,lunch,"1 medium banana\n'
        b'2024-01-01,,lunch,almonds,"1,000",g\n0001-01-01,,\x1b[31mdinner,xyzzy,1,g\n',
    ),
    ("json", b'[{"date": "2024-01-01", "food": "30 g almonds", "amount": 1e400}] []'),
    (
        "cronometer",
        b"Day,Time,Group,Food Name,Amount,Energy (kcal),Magnesium (mg),Category\n"
        b'2024-01-01,7:42 AM,Breakfast,"Magnesium Glycinate 200 mg",2.00 capsule,,,Supplements\n'
        b"2024-01-01,,Lunch,Almonds,50.00 x 0.5 cup,-5,nan,\n",
    ),
    ("totals", b"Date,Magnesium (mg),Energy (kcal)\n2024-01-01,inf,2000\n"),
]
_TOKENS = [
    '\\"',  # a double quote (escaped for the dictionary format)
    "\\x1b[",
    "\\x0c",
    "\\xc2\\x85",
    "\\xe2\\x80\\xa8",
    "\\xe2\\x80\\xae",
    "\\xff",
    "\\x00",
    "\\x0d\\x0a",
    "1,000",
    "999999999999999999999999999999",
    "1e400",
    "NaN",
    "Infinity",
    "-5",
    "25:99",
    "0001-01-01",
    "[[[[[[[[",
    '{\\"entries\\": [',
    "Food Name",
    "Magnesium (mg)",
    " x ",
    " - each ",
]


def _dictionary(directory: Path) -> Path:
    path = directory.parent / (directory.name + ".dict")
    path.write_text("".join(f'"{t}"\n' for t in _TOKENS), encoding="utf-8")
    return path


def main() -> None:
    from magnerve.diary import read_diary_text

    read_diary_text("date,food\n2024-01-01,30 g almonds\n")  # load SR28 and the index once
    args = list(sys.argv)
    corpora = [a for a in args[1:] if not a.startswith("-")]
    default = Path(tempfile.gettempdir()) / "magnerve-fuzz-seeds"
    seed_dir = Path(os.environ.get("MAGNERVE_FUZZ_SEEDS", default))
    if not corpora:
        _seeds(seed_dir)
        args.append(str(seed_dir))
    if not any(a.startswith("-dict=") for a in args):
        args.insert(1, f"-dict={_dictionary(seed_dir)}")
    atheris.Setup(args, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
