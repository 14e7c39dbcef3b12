"""Nerve excitability model: Jahr-Stevens block values and monotonic responses to Mg."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from hypothesis_profiles import examples
from magnerve.cli import app
from magnerve.physiology import nerve
from magnerve.physiology.nerve import nmda_unblocked_fraction, numba_available, simulate_sweep

needs_numba = pytest.mark.skipif(not numba_available(), reason="numba not importable")


@pytest.mark.parametrize(
    ("v", "mg", "expected"),
    [
        # 1 / (1 + exp(-0.062 V) Mg / 3.57), computed by hand
        (-60.0, 1.0, 1 / (1 + math.exp(3.72) / 3.57)),
        (0.0, 1.0, 1 / (1 + 1 / 3.57)),
        (-80.0, 2.0, 1 / (1 + math.exp(4.96) * 2 / 3.57)),
        (20.0, 1.2, 1 / (1 + math.exp(-1.24) * 1.2 / 3.57)),
        (-60.0, 0.0, 1.0),
    ],
)
def test_jahr_stevens_values(v, mg, expected):
    assert float(nmda_unblocked_fraction(v, mg)) == pytest.approx(expected, rel=1e-12)


def test_jahr_stevens_reference_points():
    # at -60 mV and 1 mM about 8 % of the conductance is unblocked; at 0 mV about 78 %
    assert float(nmda_unblocked_fraction(-60, 1)) == pytest.approx(0.0796, abs=1e-4)
    assert float(nmda_unblocked_fraction(0, 1)) == pytest.approx(0.7812, abs=1e-4)


@settings(max_examples=examples(200), deadline=None)
@given(v=st.floats(-120, 60), mg=st.floats(0.01, 10), dv=st.floats(0.1, 20), dmg=st.floats(0.01, 2))
def test_block_monotonic(v, mg, dv, dmg):
    f = float(nmda_unblocked_fraction(v, mg))
    assert 0 < f <= 1
    assert float(nmda_unblocked_fraction(v + dv, mg)) > f  # depolarisation relieves the block
    assert float(nmda_unblocked_fraction(v, mg + dmg)) < f  # more Mg blocks more


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf")])
def test_block_rejects_bad_mg(bad):
    with pytest.raises(ValueError):
        nmda_unblocked_fraction(-60, bad)


@pytest.fixture(scope="module")
def sweep():
    return simulate_sweep([0.2, 0.3, 0.5, 0.8, 1.0, 1.2, 1.5], 1.0)


def test_firing_and_calcium_rise_as_mg_falls(sweep):
    rates = sweep.firing_rate_hz
    ca = sweep.calcium_load
    assert np.all(np.diff(rates) <= 0)  # never fires less at lower Mg
    assert rates[0] > 3 * rates[-1]  # and clearly more at 0.2 than at 1.5 mM
    assert np.all(np.diff(ca) < 0)  # calcium load strictly higher at lower Mg
    assert 1 <= rates[4] <= 30  # a low, plausible rate at ~1 mM


def test_vectorised_equals_single_runs(sweep):
    single = simulate_sweep([0.5], 1.0)
    k = list(sweep.mg_mM).index(0.5)
    assert single.firing_rate_hz[0] == sweep.firing_rate_hz[k]
    assert single.calcium_load[0] == pytest.approx(sweep.calcium_load[k])


def test_cli_contracts(tmp_path):
    r = CliRunner().invoke(app, ["nerve", "block", "--voltage", "-60", "--mg", "1", "--json"])
    assert r.exit_code == 0
    assert json.loads(r.stdout)["unblocked_fraction"] == pytest.approx(0.0796, abs=1e-4)
    chart = tmp_path / "s.svg"
    r = CliRunner().invoke(
        app,
        [
            "nerve",
            "sweep",
            "--mg",
            "0.3,0.8,1.2",
            "--duration",
            "0.5",
            "--json",
            "--chart",
            str(chart),
        ],
    )
    assert r.exit_code == 0, r.output
    cond = json.loads(r.stdout)["conditions"]
    assert [c["mg_mM"] for c in cond] == [0.3, 0.8, 1.2]
    assert {"firing_rate_hz", "calcium_load"} <= set(cond[0])
    assert chart.read_text().startswith("<svg")
    bad = CliRunner().invoke(app, ["nerve", "sweep", "--mg", "a,b"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output


def test_forward_euler_mode_close_to_exponential_euler():
    """Same input and step: the two schemes give the same spikes and ~the same Ca load."""
    a = simulate_sweep([0.3, 1.0], 1.0, dt_ms=0.02)
    b = simulate_sweep([0.3, 1.0], 1.0, method="euler", dt_ms=0.02)
    assert np.array_equal(a.firing_rate_hz, b.firing_rate_hz)
    assert np.allclose(a.calcium_load, b.calcium_load, rtol=0.01)
    with pytest.raises(ValueError, match="method"):
        simulate_sweep([1.0], 0.1, method="rk4")


# --- engines: the compiled (numba) path against the NumPy reference -----------------------

MG7 = [0.2, 0.3, 0.5, 0.8, 1.0, 1.2, 1.5]


@pytest.fixture(scope="module")
def sweep_numpy():
    return simulate_sweep(MG7, 1.0, engine="numpy")


@needs_numba
def test_default_engine_is_numba_and_equals_numpy_reference(sweep, sweep_numpy):
    fast = simulate_sweep(MG7, 1.0, engine="numba")
    assert np.array_equal(fast.firing_rate_hz, sweep.firing_rate_hz)  # default = numba
    assert np.array_equal(fast.firing_rate_hz, sweep_numpy.firing_rate_hz)
    assert np.allclose(fast.calcium_load, sweep_numpy.calcium_load, rtol=1e-9, atol=0)
    assert np.allclose(sweep.calcium_load, sweep_numpy.calcium_load, rtol=1e-9, atol=0)
    assert fast.duration_s == sweep_numpy.duration_s
    assert np.array_equal(fast.mg_mM, sweep_numpy.mg_mM)


def test_reference_figures_unchanged(sweep_numpy):
    """Spike counts of the NumPy reference as recorded before the numba engine existed."""
    assert sweep_numpy.firing_rate_hz.tolist() == [66.0, 55.0, 38.0, 12.0, 6.0, 6.0, 5.0]
    assert sweep_numpy.calcium_load[:3] == pytest.approx(
        [590.93934825, 449.90214409, 310.74407573], rel=1e-9
    )


@needs_numba
@pytest.mark.parametrize(
    ("method", "dt_ms", "seed"),
    [("exponential_euler", None, 7), ("euler", 0.02, None), ("exponential_euler", 0.025, 3)],
)
def test_engines_agree_with_traces(method, dt_ms, seed):
    mg = [0.0, 0.25, 1.0, 2.0]
    kw = {"method": method, "dt_ms": dt_ms, "seed": seed, "record": True}
    fast, tr_fast = simulate_sweep(mg, 0.2, engine="numba", **kw)
    ref, tr_ref = simulate_sweep(mg, 0.2, engine="numpy", **kw)
    assert tr_fast.shape == tr_ref.shape == (round(200 / (dt_ms or 0.05)), len(mg))
    assert np.allclose(tr_fast, tr_ref, rtol=0, atol=1e-6)
    assert np.array_equal(fast.firing_rate_hz, ref.firing_rate_hz)
    assert np.allclose(fast.calcium_load, ref.calcium_load, rtol=1e-9, atol=1e-12)
    assert fast.firing_rate_hz[0] > 0  # the run is not trivial (spikes at 0 mM)


@needs_numba
def test_numba_single_condition_and_sweep_agree(sweep):
    single = simulate_sweep(0.5, 1.0, engine="numba")
    k = MG7.index(0.5)
    assert single.firing_rate_hz[0] == sweep.firing_rate_hz[k]
    assert single.calcium_load[0] == pytest.approx(sweep.calcium_load[k], rel=1e-12)


def test_fallback_to_numpy_without_numba(monkeypatch, sweep_numpy):
    # numba cannot be imported: the loader reports it, auto falls back, numba is refused
    monkeypatch.setitem(__import__("sys").modules, "numba", None)
    assert nerve._compiled_kernel.__wrapped__() is None
    monkeypatch.setattr(nerve, "_compiled_kernel", lambda: None)
    assert not nerve.numba_available()
    res = simulate_sweep(MG7[:2], 0.1)
    ref = simulate_sweep(MG7[:2], 0.1, engine="numpy")
    assert np.array_equal(res.firing_rate_hz, ref.firing_rate_hz)
    assert np.array_equal(res.calcium_load, ref.calcium_load)
    with pytest.raises(RuntimeError, match="numba"):
        simulate_sweep([1.0], 0.1, engine="numba")


def test_engine_validated():
    with pytest.raises(ValueError, match="engine"):
        simulate_sweep([1.0], 0.1, engine="cython")
