"""The search-index cache (issue 11: no pickle) and the fast start of ``foods search`` (issue 10).

The cache holds plain data with a format version and a SHA-256 checksum: a planted pickle,
garbage, a truncated or tampered file is ignored and rebuilt, never executed, never a crash.
"""

from __future__ import annotations

import json
import math
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from magnerve.cli._fast import _search_args, dumps_json, run_fast
from magnerve.foods import _search
from magnerve.foods._db import load_database
from magnerve.foods._search import SearchIndex, get_index

QUERIES = ["almonds", "2 tomatoes", "peanutbutter", "vinager", "salted cashews", "green salad"]


class _Boom:
    """Unpickling this object would create a marker file (what an attack would do)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (f"touch {self.marker}",))


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MAGNERVE_CACHE_DIR", str(tmp_path))
    get_index.cache_clear()
    yield tmp_path
    get_index.cache_clear()


def _results(index: SearchIndex) -> list[list[tuple[str, float]]]:
    return [[(h.id, h.score) for h in index.search(q, 15)] for q in QUERIES]


def _fresh() -> SearchIndex:
    return SearchIndex(load_database())


def test_cache_written_and_reopened_gives_the_same_results(cache_dir: Path) -> None:
    built = get_index()
    path, _ = _search._cache_path()
    assert path is not None and path.is_file() and path.parent == cache_dir
    assert path.read_bytes().startswith(_search._MAGIC)
    get_index.cache_clear()
    opened = get_index()
    assert opened is not built
    assert _results(opened) == _results(built) == _results(_fresh())


def test_scores_are_the_sparse_scores(cache_dir: Path) -> None:
    index = get_index()
    for q in QUERIES:
        dense = index.scores(q)
        sparse = index._candidate_scores(q)
        finite = {i: float(dense[i]) for i in range(len(dense)) if math.isfinite(dense[i])}
        assert finite == sparse


@pytest.mark.parametrize(
    "content",
    [
        "pickle",
        b"",
        b"garbage" * 100,
        b"magnerve-search-index\n" + b"\0" * 64,
        "truncated",
        "tampered",
        "stale",
    ],
)
def test_bad_cache_is_ignored_and_rebuilt(cache_dir: Path, content: Any) -> None:
    path, key = _search._cache_path()
    assert path is not None
    marker = cache_dir / "pwned"
    good = _search._pack(*_search._build_state(load_database()), key)
    if content == "pickle":
        data = pickle.dumps(_Boom(marker))
    elif content == "truncated":
        data = good[: len(good) // 2]
    elif content == "tampered":
        data = bytearray(good)
        data[-10] ^= 0xFF
        data = bytes(data)
    elif content == "stale":
        data = _search._pack(*_search._build_state(load_database()), "0" * 64)
    else:
        data = content
    path.write_bytes(data)
    index = get_index()
    assert not marker.exists()
    assert _results(index) == _results(_fresh())
    assert path.read_bytes() == good  # rebuilt in place


def test_planted_files_in_the_cache_dir_are_never_loaded(cache_dir: Path) -> None:
    marker = cache_dir / "pwned"
    for name in ("search-index-0123456789abcdef.pickle", "search-index.pickle", "x.bin"):
        (cache_dir / name).write_bytes(pickle.dumps(_Boom(marker)))
    get_index()
    get_index.cache_clear()
    assert _results(get_index()) == _results(_fresh())
    assert not marker.exists()


def test_unwritable_or_disabled_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    for value in (str(blocker / "sub"), ""):
        monkeypatch.setenv("MAGNERVE_CACHE_DIR", value)
        get_index.cache_clear()
        try:
            assert get_index().search("almonds", 1)[0].id == "12061"
        finally:
            get_index.cache_clear()


def test_search_path_loads_neither_numpy_nor_pydantic(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "sys.argv = ['magnerve', 'foods', 'search', 'almonds', '--json']\n"
        "from magnerve.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('numpy', 'pydantic', 'typer', 'rapidfuzz') if m in sys.modules]\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    env = {**os.environ, "MAGNERVE_CACHE_DIR": str(tmp_path)}
    for _ in range(2):  # the first run builds the cache, the second opens it
        r = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
    assert json.loads(r.stdout)[0]["id"] == "12061"
    assert "HEAVY []" in r.stderr


def test_database_parts_load_lazily() -> None:
    from magnerve.foods._db import FoodDatabase, database_path

    db = FoodDatabase(database_path())
    assert db.food_rows([0, 5]) == [
        (db.ids[i], db.descriptions[i], db.group_names[i]) for i in (0, 5)
    ]
    assert "matrix" not in db.__dict__
    assert db.matrix.shape == (len(db), len(db.nutrients))


def test_repeated_row_lookups_load_the_food_table_once() -> None:
    from magnerve.foods._db import _ROW_QUERIES_BEFORE_TABLE, FoodDatabase, database_path

    db, ref = FoodDatabase(database_path()), FoodDatabase(database_path())
    asks = [[3, 1], [8000, 2, 3], [7], [0, 8788], [42, 41]]
    for k, rows in enumerate(asks, 1):
        got = db.food_rows(rows)
        # the rows read one query at a time, then from the whole table: the same answer
        assert got == [(ref.ids[i], ref.descriptions[i], ref.group_names[i]) for i in rows]
        assert ("_foods" in db.__dict__) == (k > _ROW_QUERIES_BEFORE_TABLE)
    with pytest.raises(IndexError):
        FoodDatabase(database_path()).food_rows([10**6])


# -- the fast command line ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["almonds"], ("almonds", 10, False)),
        (["--json", "dry roasted almonds", "-l", "3"], ("dry roasted almonds", 3, True)),
        (["--limit=200", "--", "-x"], ("-x", 200, False)),
        (["almonds", "--limit", "0"], None),
        (["almonds", "--limit", "201"], None),
        (["almonds", "--limit", "x"], None),
        (["almonds", "-l"], None),
        (["--help"], None),
        (["a", "b"], None),
        ([], None),
    ],
)
def test_fast_path_arguments(args: list[str], expected: Any) -> None:
    assert _search_args(args) == expected


def test_fast_path_declines_other_commands() -> None:
    assert run_fast(["intake", "x.csv"]) is None
    assert run_fast(["foods", "show", "12061"]) is None
    assert run_fast(["foods", "search", "almonds", "--debug"]) is None


@pytest.mark.parametrize(
    "args", [["almonds"], ["almonds", "--json", "-l", "4"], ["zzqqxx"], ["[/red]"]]
)
def test_fast_path_prints_what_typer_prints(
    args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from magnerve.cli import _common, app

    # both paths at the same width: the CLI's console is created once per process, so an
    # earlier test (CliRunner with COLUMNS=200) would otherwise fix its width
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setattr(_common.out, "_console", None)
    monkeypatch.setattr(_common.err, "_console", None)

    code = run_fast(["foods", "search", *args])
    fast = capsys.readouterr()
    r = CliRunner().invoke(app, ["foods", "search", *args])
    assert code == r.exit_code
    assert fast.out == r.stdout
    if code:
        assert "no food matches" in fast.err


# -- JSON output ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"a": [1, 2.5, None, True], "b": {}, "c": [], "d": 'é\u2028\x00"\\'},
        [0.0001, 1e-05, 5e-324, 1e16, -0.0, 1 / 3, 123456789.123],
        {"text": "0.00001 and 2e-5 in a string"},
    ],
)
def test_json_text_is_the_standard_librarys(data: Any) -> None:
    assert dumps_json(data) == json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def test_json_has_no_nan() -> None:
    text = dumps_json({"x": math.nan, "y": [math.inf, 1.0]})
    assert json.loads(text) == {"x": None, "y": [None, 1.0]}
