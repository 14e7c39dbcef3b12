"""The report's hand-written SVG charts and the on-disk cache of its nerve sweep."""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET

import numpy as np

from magnerve.physiology import nerve
from magnerve.report import _sweep_cache, charts
from magnerve.report._svg import nice_ticks, tick_labels

NS = "{http://www.w3.org/2000/svg}"


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)  # well-formed XML
    assert root.tag == f"{NS}svg"
    return [t.text or "" for t in root.iter(f"{NS}text")]


def _days(n: int) -> list[dict[str, object]]:
    return [
        {
            "date": f"2026-01-{i % 28 + 1:02d}",
            "food_mg": 200.0 + i,
            "water_mg": 10.0,
            "supplements_mg": None,
        }
        for i in range(n)
    ]


def test_nice_ticks_and_labels():
    assert nice_ticks(0, 25.2, 10) == [0, 5, 10, 15, 20, 25]
    assert nice_ticks(0, 4, 10) == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0]
    assert tick_labels([0.75, 0.8, 0.85]) == ["0.75", "0.80", "0.85"]
    assert tick_labels([-200.0, 0.0, 200.0]) == ["\u2212200", "0", "200"]


def test_charts_are_svg_with_their_words():
    sources = [
        {"description": "Nuts, almonds", "magnesium_mg_per_day": 40.0},
        {"description": "Spinach, raw", "magnesium_mg_per_day": 20.0},
    ]
    assert "Top food sources of magnesium" in _texts(charts.food_sources(sources))
    words = _texts(charts.by_day(_days(7), 350, 420))
    assert {"EAR 350", "RDA 420", "food", "water", "supplements"} <= set(words)
    ab = charts.absorption(
        {"food": 90.0, "water": 2.0, "supplements": None},  # type: ignore[dict-item]
        {"food_mg": 300.0, "water_mg": 4.0, "supplements_mg": 0.0},
    )
    assert {"absorbed", "not absorbed", "supplements"} <= set(_texts(ab))
    ad = _texts(charts.adequacy({"d": -28.5, "sd_d": 57.8, "confidence_adequate": 0.31}))
    assert "Confidence that intake is adequate: 31 %" in ad
    assert "1.74" in _texts(charts.ca_mg_gauge(1.7388, 1.7, 2.8))
    sweep = {
        "conditions": [
            {"mg_mM": m, "firing_rate_hz": 50 - 40 * m, "calcium_load": 400 - 200 * m}
            for m in (0.3, 0.5, 0.8, 1.0, 1.2)
        ]
    }
    assert "NMDA Ca2+ load [nC/cm²]" in _texts(charts.nerve_sweep(sweep))
    days = list(np.linspace(0, 120, 481))
    series = {
        "current intake": {
            "days": days,
            "serum_mmol_l": [0.8] * 481,
            "total_body_mg": [32500.0] * 481,
        }
    }
    assert {"current intake", "day", "serum Mg [mmol/L]"} <= set(_texts(charts.homeostasis(series)))


def test_charts_survive_edge_cases():
    _texts(charts.food_sources([]))
    _texts(charts.by_day([], None, None))
    _texts(charts.ca_mg_gauge(None, 1.7, 2.8))
    _texts(charts.ca_mg_gauge(7.5, 1.7, 2.8))
    declined = _texts(charts.adequacy({"d": 0.0, "sd_d": 0.0, "confidence_adequate": None}))
    assert "Confidence that intake is adequate: not assessed" in declined
    flat = {"conditions": [{"mg_mM": 1.0, "firing_rate_hz": 0.0, "calcium_load": 0.0}]}
    _texts(charts.nerve_sweep(flat))
    # a long diary: day labels are thinned so they do not overlap
    labels = [t for t in _texts(charts.by_day(_days(120), 350, 420)) if t[2:3] == "-"]
    assert 0 < len(labels) <= 20


def _fake_sweep(calls: list[int]):  # type: ignore[no-untyped-def]
    def fake(mg, duration_s=1.0, **_):  # type: ignore[no-untyped-def]
        calls.append(1)
        mg = np.asarray(mg, dtype=float)
        return nerve.SweepResult(mg, 10.0 / mg, 100.0 * mg, float(duration_s))

    return fake


def test_sweep_cache_round_trip(tmp_path, monkeypatch):
    calls: list[int] = []
    monkeypatch.setenv("MAGNERVE_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(nerve, "simulate_sweep", _fake_sweep(calls))
    first = _sweep_cache.nerve_sweep()
    assert calls == [1]
    assert [c["mg_mM"] for c in first["conditions"]] == list(_sweep_cache.REPORT_MG_MM)
    (path,) = tmp_path.glob("nerve-sweep-*.json")
    assert _sweep_cache.nerve_sweep() == first and calls == [1]  # read, not run
    # a tampered file fails its checksum and is recomputed
    doc = json.loads(path.read_text())
    doc["result"]["conditions"][0]["firing_rate_hz"] = 999.0
    path.write_text(json.dumps(doc))
    assert _sweep_cache.nerve_sweep() == first and calls == [1, 1]
    path.write_text("not json")
    assert _sweep_cache.nerve_sweep() == first and calls == [1, 1, 1]


def test_sweep_cache_disabled(tmp_path, monkeypatch):
    calls: list[int] = []
    monkeypatch.setenv("MAGNERVE_CACHE_DIR", "")
    monkeypatch.setattr(nerve, "simulate_sweep", _fake_sweep(calls))
    _sweep_cache.nerve_sweep()
    _sweep_cache.nerve_sweep()
    assert calls == [1, 1]


def test_report_does_not_import_matplotlib_or_scipy_stats():
    import subprocess

    code = (
        "import sys\n"
        "from magnerve.datasets import load_demo\n"
        "from magnerve.assessment import assess\n"
        "from magnerve.report import render_html\n"
        "render_html(assess(*load_demo()).to_dict())\n"
        "bad = [m for m in ('matplotlib', 'scipy.stats') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
