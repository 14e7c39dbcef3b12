"""The demo's fast paths (issue 10: ``magnerve demo`` <= 1 s) give the results of the slow ones.

- the plan's constraint matrix is plain numpy (:class:`magnerve.plan._formulate.CSRMatrix`):
  every operation the solver uses equals ``scipy.sparse``'s, element by element and bit for
  bit (the column-wise arrays HiGHS receives included);
- the plan's path (formulate, solve, interpret) imports no SciPy and no ``numpy.ma``;
- the demo's homeostasis scenarios come from a disk cache (JSON + checksum) equal to the
  model's own run, and a warm ``magnerve demo`` imports no SciPy at all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from hypothesis_profiles import examples
from magnerve.physiology import homeostasis
from magnerve.plan._formulate import CSRMatrix
from magnerve.report import _sweep_cache

scipy_sparse = pytest.importorskip("scipy.sparse")

# -- the numpy CSR matrix against scipy.sparse ------------------------------------------------

_values = st.sampled_from([0.0, 0.0, 0.0, 1.0, -2.5, 0.1, 3e-7, 1234.5, -0.0])


@st.composite
def _dense(draw: st.DrawFn) -> np.ndarray:
    shape = draw(st.tuples(st.integers(0, 7), st.integers(1, 9)))
    return draw(hnp.arrays(np.float64, shape, elements=_values))


def _same_csr(ours: CSRMatrix, ref: object) -> None:
    ref = ref.tocsr()  # type: ignore[attr-defined]
    assert ours.shape == ref.shape
    np.testing.assert_array_equal(ours.indptr, ref.indptr)
    np.testing.assert_array_equal(ours.indices, ref.indices)
    assert ours.data.tobytes() == ref.data.astype(np.float64).tobytes()


@settings(max_examples=examples(150), deadline=None)
@given(_dense(), st.data())
def test_csr_matrix_equals_scipy_sparse(a: np.ndarray, data: st.DataObject) -> None:
    ref = scipy_sparse.csr_matrix(a)
    m = CSRMatrix.from_dense(a)
    _same_csr(m, ref)
    np.testing.assert_array_equal(m.toarray(), a)
    # A @ x, bit for bit (the plan's shift of fixed columns)
    x = data.draw(hnp.arrays(np.float64, a.shape[1], elements=st.floats(-1e3, 1e3)))
    assert (m @ x).tobytes() == (ref @ x).tobytes()
    # rows (in any order, repeated), negation, columns (distinct, in any order), vstack
    rows = data.draw(st.lists(st.integers(0, max(a.shape[0] - 1, 0)), max_size=6))
    if a.shape[0]:
        _same_csr(m.rows(rows), ref[np.array(rows, dtype=np.intp)])
        _same_csr(-m.rows(rows), -ref[np.array(rows, dtype=np.intp)])
    cols = data.draw(st.permutations(range(a.shape[1])).map(lambda p: p[: len(p) // 2 + 1]))
    # (scipy leaves a row's columns unsorted for an unsorted index; the solver only takes
    # sorted ones, and HiGHS's column-wise arrays do not depend on it)
    _same_csr(m.columns(cols), ref[:, np.array(cols, dtype=np.intp)].sorted_indices())
    sorted_cols = sorted(cols)
    _same_csr(m.columns(sorted_cols), ref[:, np.array(sorted_cols, dtype=np.intp)])
    _same_csr(CSRMatrix.vstack([m, -m, m]), scipy_sparse.vstack([ref, -ref, ref]))
    # the column-wise arrays HiGHS receives are those of csc_matrix(A)
    csc = scipy_sparse.csc_matrix(ref)
    start, index, value = m.to_csc()
    np.testing.assert_array_equal(start, csc.indptr)
    np.testing.assert_array_equal(index, csc.indices)
    assert value.tobytes() == csc.data.tobytes()
    # and back to scipy, and from scipy
    _same_csr(m, m.tocsr())
    _same_csr(CSRMatrix.from_any(ref), ref)
    _same_csr(CSRMatrix.from_any(a), ref)


@settings(max_examples=examples(100), deadline=None)
@given(
    st.integers(1, 6),
    st.integers(1, 8),
    st.lists(st.tuples(st.integers(0, 5), st.integers(0, 7), _values), max_size=20),
)
def test_csr_from_triplets_sums_duplicates_as_scipy(
    n_rows: int, n_cols: int, entries: list[tuple[int, int, float]]
) -> None:
    entries = [(r, c, v) for r, c, v in entries if r < n_rows and c < n_cols]
    r = [e[0] for e in entries]
    c = [e[1] for e in entries]
    v = [e[2] for e in entries]
    ref = scipy_sparse.csr_matrix((v, (r, c)), shape=(n_rows, n_cols))
    ref.sum_duplicates()
    _same_csr(CSRMatrix.from_coo(r, c, v, (n_rows, n_cols)), ref)


def test_csr_matrix_rejects_bad_input() -> None:
    m = CSRMatrix.from_dense(np.eye(3))
    with pytest.raises(ValueError, match="repeated column"):
        m.columns([0, 0])
    with pytest.raises(ValueError, match="length 3"):
        m @ np.ones(2)
    with pytest.raises(ValueError, match="outside"):
        CSRMatrix.from_coo([3], [0], [1.0], (3, 3))
    with pytest.raises(ValueError, match="columns"):
        CSRMatrix.vstack([m, CSRMatrix.from_dense(np.eye(2))])
    with pytest.raises(ValueError, match="2-D"):
        CSRMatrix.from_dense(np.ones(3))


def test_demo_formulation_matrix_is_canonical(demo) -> None:
    """The plan's matrix is what ``scipy.sparse`` built before (canonical CSR of the rows),
    read-only, and usable where scipy wants a matrix (``tocsr``, ``np.asarray``)."""
    from magnerve.assessment import assess
    from magnerve.plan import PlanOptions, formulate

    diary, profile = demo
    f = formulate(assess(diary, profile), PlanOptions(scope="all"), diary=diary)
    ref = f.A.tocsr()
    assert ref.has_canonical_format
    _same_csr(f.A, scipy_sparse.csr_matrix(np.asarray(f.A)))
    with pytest.raises(ValueError, match="read-only"):
        f.A.data[0] = 1.0


def _run_py(code: str, env: dict[str, str] | None = None) -> str:
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return out.stdout


def test_plan_path_imports_no_scipy() -> None:
    """formulate -> solve -> interpret with highspy: no scipy, no numpy.ma (15 ms) loaded."""
    pytest.importorskip("highspy")
    code = (
        "import sys\n"
        "from magnerve.datasets import load_demo\n"
        "from magnerve.assessment import assess\n"
        "from magnerve.plan import make_plan\n"
        "d, p = load_demo()\n"
        "a = assess(d, p)\n"
        "for kw in ({}, {'scope': 'all'}):\n"
        "    make_plan(d, p, assessment=a, **kw).to_dict()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'scipy' or m == 'numpy.ma'))\n"
    )
    assert _run_py(code).strip() == "[]"


# -- the homeostasis series cache ----------------------------------------------------------------

_SCEN = [("current intake", 118.0), ("plan", 161.5)]
_KW = {
    "start_absorbed_mg": 118.0,
    "mods": homeostasis.Modifiers(tm_shift=0.05, absorption_factor=0.9, urine_factor=1.1),
    "egfr": 71.0,
    "weight_kg": 84.0,
    "initial_serum_mmol_l": None,
}


def _direct(scen: list[tuple[str, float]], days: float, **kw: object) -> dict[str, object]:
    return {n: homeostasis.simulate(a, days, **kw).to_dict() for n, a in scen}  # type: ignore[arg-type]


def test_homeostasis_series_cache_round_trip(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("MAGNERVE_CACHE_DIR", str(tmp_path))
    expected = _direct(_SCEN, 30, **_KW)
    calls: list[float] = []
    real = homeostasis.simulate

    def counted(absorbed_mg: float, days: float, **kw: object) -> homeostasis.Trajectory:
        calls.append(absorbed_mg)
        return real(absorbed_mg, days, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(homeostasis, "simulate", counted)
    first = _sweep_cache.homeostasis_series(_SCEN, 30, **_KW)  # type: ignore[arg-type]
    assert calls == [118.0, 161.5]
    assert first == expected
    assert list(first) == ["current intake", "plan"]
    (path,) = tmp_path.glob("homeostasis-*.json")
    again = _sweep_cache.homeostasis_series(_SCEN, 30, **_KW)  # type: ignore[arg-type]
    assert again == first and len(calls) == 2  # read, not run
    # bit for bit: the JSON round trip keeps every float
    assert json.dumps(again) == json.dumps(first)
    # a tampered file fails its checksum and is recomputed; so does garbage
    doc = json.loads(path.read_text())
    doc["result"]["plan"]["serum_mmol_l"][3] = 9.0
    path.write_text(json.dumps(doc))
    assert _sweep_cache.homeostasis_series(_SCEN, 30, **_KW) == first  # type: ignore[arg-type]
    assert len(calls) == 4
    path.write_text("not json")
    assert _sweep_cache.homeostasis_series(_SCEN, 30, **_KW) == first  # type: ignore[arg-type]
    assert len(calls) == 6
    # a right checksum over a wrong shape is not trusted either
    doc = json.loads(path.read_text())
    doc["result"]["plan"]["days"] = doc["result"]["plan"]["days"][:-1]
    doc["sha256"] = _sweep_cache._checksum(doc["result"])
    path.write_text(json.dumps(doc))
    assert _sweep_cache.homeostasis_series(_SCEN, 30, **_KW) == first  # type: ignore[arg-type]
    assert len(calls) == 8


@pytest.mark.parametrize(
    "change",
    [
        {"days": 31},
        {"scenarios": [("current intake", 118.0), ("plan", 161.50000000000003)]},
        {"scenarios": [("now", 118.0), ("plan", 161.5)]},
        {"start_absorbed_mg": 118.5},
        {"mods": homeostasis.Modifiers(tm_shift=0.05, absorption_factor=0.9, urine_factor=1.2)},
        {"egfr": None},
        {"weight_kg": 84.5},
        {"initial_serum_mmol_l": 0.7},
    ],
)
def test_homeostasis_series_key_covers_every_input(
    change: dict[str, object], tmp_path: Path, monkeypatch
) -> None:
    """Any other input is another cache entry, with the model's own result."""
    monkeypatch.setenv("MAGNERVE_CACHE_DIR", str(tmp_path))
    _sweep_cache.homeostasis_series(_SCEN, 30, **_KW)  # type: ignore[arg-type]
    kw = {**_KW, **{k: v for k, v in change.items() if k not in ("days", "scenarios")}}
    scen = change.get("scenarios", _SCEN)
    days = change.get("days", 30)
    got = _sweep_cache.homeostasis_series(scen, days, **kw)  # type: ignore[arg-type]
    assert got == _direct(scen, days, **kw)  # type: ignore[arg-type]
    assert len(list(tmp_path.glob("homeostasis-*.json"))) == 2


def test_homeostasis_series_key_covers_the_data(tmp_path: Path, monkeypatch) -> None:
    """Another homeostasis.toml (a swapped registry) is another entry."""
    from magnerve.registry import Registry, use_registry

    monkeypatch.setenv("MAGNERVE_CACHE_DIR", str(tmp_path / "cache"))
    src = Path(homeostasis.__file__).parents[1] / "data"
    data = tmp_path / "data"
    data.mkdir()
    for p in src.glob("*.toml"):
        (data / p.name).write_bytes(p.read_bytes())
    (data / "homeostasis.toml").write_text(
        (src / "homeostasis.toml").read_text() + "\n# another file\n"
    )
    _sweep_cache.homeostasis_series(_SCEN, 10, **_KW)  # type: ignore[arg-type]
    with use_registry(Registry(data)):
        _sweep_cache.homeostasis_series(_SCEN, 10, **_KW)  # type: ignore[arg-type]
    assert len(list((tmp_path / "cache").glob("homeostasis-*.json"))) == 2


def test_homeostasis_series_cache_disabled_and_unwritable(tmp_path: Path, monkeypatch) -> None:
    calls: list[float] = []
    real = homeostasis.simulate

    def counted(absorbed_mg: float, days: float, **kw: object) -> homeostasis.Trajectory:
        calls.append(absorbed_mg)
        return real(absorbed_mg, days, **kw)  # type: ignore[arg-type]

    expected = _direct(_SCEN[:1], 5)
    monkeypatch.setattr(homeostasis, "simulate", counted)
    monkeypatch.setenv("MAGNERVE_CACHE_DIR", "")
    a = _sweep_cache.homeostasis_series(_SCEN[:1], 5)
    b = _sweep_cache.homeostasis_series(_SCEN[:1], 5)
    assert a == b == expected and len(calls) == 2
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("MAGNERVE_CACHE_DIR", str(blocker / "sub"))  # cannot be created
    assert _sweep_cache.homeostasis_series(_SCEN[:1], 5) == a
    with pytest.raises(ValueError, match="differ"):
        _sweep_cache.homeostasis_series([("x", 1.0), ("x", 2.0)], 5)


def test_warm_demo_imports_no_scipy_and_writes_the_same_report(tmp_path: Path) -> None:
    """A second ``magnerve demo`` (model caches warm) loads no SciPy module, and its report is
    byte for byte the cold run's."""
    env = {**os.environ, "MAGNERVE_CACHE_DIR": str(tmp_path / "cache")}
    code = (
        "import sys\n"
        "from magnerve.cli import main\n"
        "sys.argv = ['magnerve', 'demo', '-o', sys.argv[1]]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as e:\n"
        "    assert not e.code, e.code\n"
        "print('SCIPY', sorted(m for m in sys.modules if m.startswith('scipy')), file=sys.stderr)\n"
    )

    def run(name: str) -> str:
        out = subprocess.run(
            [sys.executable, "-c", code, str(tmp_path / name)],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
        (line,) = [x for x in out.stderr.splitlines() if x.startswith("SCIPY")]
        return line

    cold = run("cold.html")
    assert "scipy.integrate" in cold  # the first run integrated the model
    assert run("warm.html") == "SCIPY []"
    assert (tmp_path / "cold.html").read_bytes() == (tmp_path / "warm.html").read_bytes()
