"""Homeostasis model: steady state, serum range, depletion and repletion time scales."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from magnerve import absorption as ab
from magnerve.cli import app
from magnerve.physiology.homeostasis import Modifiers, simulate, steady_state, urine_mmol

ROOT = Path(__file__).resolve().parents[1]


def absorbed(intake_mg: float) -> float:
    return 3 * ab.absorbed_mg(intake_mg / 3)  # three equal meals, no modifiers


@settings(max_examples=100, deadline=None)
@given(st.floats(0, 300))
def test_steady_state_urine_equals_net_absorption(a):
    s = steady_state(a)
    assert s["urine_mg"] + s["faecal_endogenous_mg"] == pytest.approx(a, abs=1e-6)
    # and a simulation started there stays there
    tr = simulate(a, 30, start_absorbed_mg=a)
    assert np.allclose(tr.serum_mmol_l, tr.serum_mmol_l[0], atol=1e-6)


@pytest.mark.parametrize("intake", [200, 250, 300, 350, 420, 600])
def test_serum_in_reference_range_at_usual_intakes(intake):
    assert 0.75 <= steady_state(absorbed(intake))["serum_mmol_l"] <= 0.95


def test_depletion_fatemi_1991():
    """< 12 mg/day for 21 days: serum fell to 0.76 of baseline (0.80 -> 0.61 mmol/L)."""
    tr = simulate(absorbed(12.15), 21, start_absorbed_mg=absorbed(300))
    ratio = tr.serum_mmol_l[-1] / tr.serum_mmol_l[0]
    assert ratio == pytest.approx(0.76, abs=0.05)
    assert np.all(np.diff(tr.serum_mmol_l) <= 1e-12)  # a slow, steady decline


def test_renal_conservation_within_days():
    """IOM 1997: on a magnesium-deficient diet urine falls below 20 mg/day within 3-4 days."""
    tr = simulate(absorbed(12.15), 7, start_absorbed_mg=absorbed(300), points_per_day=4)
    assert tr.urine_mg[0] > 60
    assert tr.urine_mg[4 * 4] < 20  # day 4


def test_repletion_recovers():
    depleted = absorbed(12.15)
    base = absorbed(300)
    dep = simulate(depleted, 21, start_absorbed_mg=base)
    # restart from the depleted state: simulate repletion from a long depletion steady state is
    # approximated by starting at the depleted intake's trajectory end via a two-step run
    p_end = dep.serum_mmol_l[-1]
    rep = simulate(base, 28, start_absorbed_mg=depleted)
    assert rep.serum_mmol_l[0] < p_end  # long-term depletion is deeper than 21 days
    assert rep.serum_mmol_l[-1] > 0.95 * steady_state(base)["serum_mmol_l"]


def test_modifiers_direction():
    a = absorbed(300)
    base = steady_state(a)["serum_mmol_l"]
    assert steady_state(a, Modifiers(tm_shift=-0.0126))["serum_mmol_l"] < base
    assert steady_state(a, Modifiers(absorption_factor=0.84))["serum_mmol_l"] < base
    assert steady_state(a, Modifiers(urine_factor=1.67))["serum_mmol_l"] < base
    assert float(urine_mmol(0.85, Modifiers(extra_urine_mmol=0.2))) > float(urine_mmol(0.85))


def test_bad_inputs():
    with pytest.raises(ValueError):
        steady_state(-1)
    with pytest.raises(ValueError):
        simulate(100, 0)


def test_simulate_cli(tmp_path):
    chart = tmp_path / "h.svg"
    r = CliRunner().invoke(
        app,
        [
            "simulate",
            str(ROOT / "examples/diary_week.csv"),
            "--profile",
            str(ROOT / "examples/profile_t2d.toml"),
            "--days",
            "60",
            "--plan",
            "--json",
            "--chart",
            str(chart),
        ],
    )
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert set(d["series"]) == {"current intake", "plan"}
    s = d["series"]["plan"]
    assert len(s["days"]) == len(s["serum_mmol_l"]) == len(s["exchangeable_mg"])
    assert s["serum_mmol_l"][-1] >= s["serum_mmol_l"][0]
    assert chart.read_text().startswith("<svg")


def test_total_body_magnesium_about_25_g():
    tr = simulate(absorbed(300), 10, start_absorbed_mg=absorbed(300))
    assert tr.total_body_mg[0] == pytest.approx(25_000, rel=0.01)  # IOM 1997: ~25 g
    dep = simulate(absorbed(12.15), 60, start_absorbed_mg=absorbed(300))
    assert dep.total_body_mg[-1] < dep.total_body_mg[0]
