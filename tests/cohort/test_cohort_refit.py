"""NCI model refitted per replicate weight set (``refit=True``, ``--refit-replicates``): the
replicate variance formula against svy's own, the plumbing with fixed per-person values,
and the API / CLI / JSON contract."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from cohort_synth import make_cohort, write
from typer.testing import CliRunner

import magnerve.cohort._estimate as est_mod
from magnerve.cli import app
from magnerve.cohort import cohort_prevalence, estimate_prevalence, read_cohort
from magnerve.cohort._replicates import replicate_coefficients, replicate_means, replicate_se
from magnerve.errors import InputError

svy = pytest.importorskip("svy")


def _design(seed: int, kind: str = "jkn") -> pl.DataFrame:
    """Unequal strata (2, 3 and 4 PSUs; BRR: 2 and 4, which svy pairs), unequal PSU sizes
    and weights, two domains, and per-person values that are not 0/1."""
    rng = np.random.default_rng(seed)
    layout = {1: 2, 2: 3, 3: 4, 4: 2} if kind == "jkn" else {1: 2, 2: 4, 3: 2, 4: 2, 5: 2}
    rows = []
    for h, k in layout.items():
        for p in range(1, k + 1):
            for _ in range(int(rng.integers(5, 15))):
                rows.append((h, f"{h}/{p}"))
    n = len(rows)
    return pl.DataFrame(
        {
            "stratum": [r[0] for r in rows],
            "psu": [r[1] for r in rows],
            "w": rng.uniform(100.0, 5000.0, n),
            "y": rng.uniform(0.0, 1.0, n),
            "grp": rng.choice(["a", "b"], n),
            "dom": rng.uniform(size=n) < 0.9,
        }
    )


def _svy_and_ours(frame: pl.DataFrame, kind: str, fay: float):
    sample = svy.Sample(frame, svy.Design(stratum="stratum", psu="psu", wgt="w"))
    if kind == "jkn":
        sample = sample.weighting.create_jk_wgts(rep_prefix="r")
    else:
        sample = sample.weighting.create_brr_wgts(rep_prefix="r", fay_coef=fay)
    data = sample.data
    rep = data.select(list(sample.rep_columns)).to_numpy()
    coefs = replicate_coefficients(
        rep, data["stratum"].to_numpy(), data["psu"].to_numpy(), kind, fay=fay
    )
    dom = data["dom"].to_numpy()
    grp = data["grp"].to_numpy()
    domains = np.column_stack([dom, dom & (grp == "a"), dom & (grp == "b")])
    theta = replicate_means(data["y"].to_numpy(), rep, domains)
    ours = replicate_se(theta, coefs)
    theirs_all = sample.estimation.mean("y", where=svy.col("dom"), method="replication")
    theirs_grp = sample.estimation.mean(
        "y", by="grp", where=svy.col("dom"), method="replication"
    ).to_dicts()
    by = {g["by_level"][0]: g for g in theirs_grp}
    theirs = [theirs_all.to_dicts()[0], by["a"], by["b"]]
    return sample, coefs, ours, theirs


@pytest.mark.parametrize(("kind", "fay"), [("jkn", 0.0), ("brr", 0.0), ("brr", 0.5)])
@pytest.mark.parametrize("seed", [1, 2])
def test_formula_reproduces_svy_on_fixed_values(kind, fay, seed):
    """With per-person values fixed across replicates, our coefficients (derived from the
    replicate weights: (n_h-1)/n_h for JKn, 1/(R(1-f)^2) for BRR) and our replicate-mean-
    centred variance give svy's replicate SE, overall and by domain, to rounding."""
    sample, coefs, ours, theirs = _svy_and_ours(_design(seed, kind), kind, fay)
    svy_coefs = [sample.rep_coefs[c] for c in sample.rep_columns]
    np.testing.assert_allclose(coefs, svy_coefs, rtol=1e-12)
    if kind == "jkn":  # unequal strata: the coefficients really differ
        assert {round(c, 6) for c in coefs} == {0.5, round(2 / 3, 6), 0.75}
    for se, t in zip(ours, theirs, strict=True):
        assert se == pytest.approx(float(t["se"]), rel=1e-10)
        # our CI (t with svy's df) is svy's interval
        lo, hi = est_mod._t_ci(float(t["est"]), float(t["se"]), float(t["df"]))
        assert lo == pytest.approx(max(0.0, float(t["lci"])), rel=1e-10)
        assert hi == pytest.approx(min(1.0, float(t["uci"])), rel=1e-10)


def test_formula_can_fail():
    """A wrong factor (JK1's global (R-1)/R, or BRR without Fay's correction) misses svy."""
    sample, coefs, _, theirs = _svy_and_ours(_design(3), "jkn", 0.0)
    r = coefs.size
    data = sample.data
    rep = data.select(list(sample.rep_columns)).to_numpy()
    theta = replicate_means(data["y"].to_numpy(), rep, data["dom"].to_numpy()[:, None])
    jk1 = replicate_se(theta, np.full(r, (r - 1) / r))[0]
    assert abs(jk1 / float(theirs[0]["se"]) - 1) > 0.05
    sample, coefs, _, theirs = _svy_and_ours(_design(3, "brr"), "brr", 0.5)
    data = sample.data
    rep = data.select(list(sample.rep_columns)).to_numpy()
    theta = replicate_means(data["y"].to_numpy(), rep, data["dom"].to_numpy()[:, None])
    plain = replicate_se(theta, np.full(coefs.size, 1.0 / coefs.size))[0]
    assert plain == pytest.approx(float(theirs[0]["se"]) * 0.5, rel=1e-10)


def test_coefficients_refuse_a_non_jackknife_replicate():
    s = np.array([1, 1, 2, 2])
    p = np.array([1, 2, 1, 2])
    w = np.array([[0.0, 2.0], [2.0, 0.0], [1.0, 0.0], [1.0, 2.0]])  # replicate 2 deletes two
    with pytest.raises(ValueError, match="deletes 2 PSUs"):
        replicate_coefficients(w, s, p, "jkn")
    with pytest.raises(ValueError, match="Fay"):
        replicate_coefficients(w, s, p, "brr", fay=1.0)


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    """Adults (four sex x age groups), infants (outside every estimate, inside the design),
    4 strata x 2 PSUs."""
    df = make_cohort(1200, seed=21, infants=True, n_strata=4)
    df = df.filter((pl.col("RIDAGEYR") < 1) | (pl.col("RIDAGEYR") >= 19))
    return write(df, tmp_path_factory.mktemp("refit") / "c.parquet")


@pytest.mark.parametrize("variance", ["jackknife", "brr"])
def test_refit_path_equals_svy_when_values_do_not_change(cohort, monkeypatch, variance):
    """Through estimate_prevalence: if refitting gave every replicate the full-sample
    per-person values, the refit SEs must be svy's (row order, domains, coefficients)."""
    real = est_mod._usual
    cache = {}

    def fixed(table, method, usual, progress, *, weights=None):
        if "full" not in cache:  # the full-sample values, whatever the replicate weights
            cache["full"] = real(table, method, usual, progress)
        return cache["full"]

    table = read_cohort(cohort)
    plain = estimate_prevalence(table, usual="nci", variance=variance)
    monkeypatch.setattr(est_mod, "_usual", fixed)
    r = estimate_prevalence(table, usual="nci", variance=variance, refit=True)
    assert r.overall.se == pytest.approx(plain.overall.se, rel=1e-10)
    assert r.overall.se_without_refit == plain.overall.se
    assert r.overall.ci95 == pytest.approx(plain.overall.ci95, rel=1e-10)
    assert len(r.groups) == len(plain.groups) == 4
    for a, b in zip(r.groups, plain.groups, strict=True):
        assert (a.sex, a.age_group) == (b.sex, b.age_group)
        assert a.prevalence.se == pytest.approx(b.prevalence.se, rel=1e-10)


def test_same_weights_give_the_same_values(cohort):
    """Common random numbers: refitting with the full-sample weights reproduces the
    full-sample per-person values exactly (so replicate differences are the model's and
    the design's, not fresh Monte-Carlo noise)."""
    table = read_cohort(cohort).filter(pl.col("RIDAGEYR") >= 1)
    t = est_mod._stages(table).with_columns(
        pl.col("RIAGENDR").replace_strict(est_mod._SEX, return_dtype=pl.String).alias("sex")
    )
    _, y0 = est_mod._usual(t, "cutpoint", "nci", None)
    _, y1 = est_mod._usual(t, "cutpoint", "nci", None, weights=t["WTDRD1"].to_numpy().copy())
    np.testing.assert_array_equal(y0, y1)
    w = t["WTDRD1"].to_numpy() * np.where(np.arange(t.height) % 3 == 0, 0.0, 1.5)
    _, y2 = est_mod._usual(t, "cutpoint", "nci", None, weights=w)
    assert not np.array_equal(y0, y2)  # other weights: another fit


def test_refit_ses_include_the_model(cohort):
    """Real refits: the estimates are unchanged, the SEs differ from the fixed-value ones
    (larger here: the model's uncertainty is added), and the JSON keys are additive."""
    fixed = cohort_prevalence(cohort, usual="nci", variance="jackknife")
    seen = []
    r = cohort_prevalence(
        cohort,
        usual="nci",
        variance="jackknife",
        refit=True,
        progress=lambda step, done, total: seen.append((step, done, total)),
    )
    steps = [(d, t) for s, d, t in seen if s.startswith("refitting")]
    assert steps[0] == (0, 8) and steps[-1] == (8, 8)  # 4 strata x 2 PSUs: 8 replicates
    assert r.overall.estimate == fixed.overall.estimate
    assert r.overall.se_without_refit == fixed.overall.se
    assert r.overall.se > 1.2 * fixed.overall.se
    assert r.overall.ci95[0] < fixed.overall.ci95[0]
    doc, old = r.to_dict(), fixed.to_dict()
    assert doc["refit_replicates"] is True and "refit_replicates" not in old
    assert doc["overall"]["se_without_refit"] == fixed.overall.se
    assert "se_without_refit" not in old["overall"]
    assert set(old) <= set(doc) and set(old["groups"][0]) <= set(doc["groups"][0])
    for g, g0 in zip(r.groups, fixed.groups, strict=True):
        assert g.prevalence.estimate == g0.prevalence.estimate
        assert np.isfinite(g.prevalence.se) and g.prevalence.se >= 0


def test_refit_needs_nci_and_replicates(cohort):
    table = read_cohort(cohort)
    for usual, variance in (("shrink", "jackknife"), ("nci", "taylor")):
        with pytest.raises(InputError, match="refit"):
            estimate_prevalence(table, usual=usual, variance=variance, refit=True)


def test_cli_flag(cohort):
    run = CliRunner().invoke
    res = run(
        app,
        [
            "cohort",
            str(cohort),
            "--usual",
            "nci",
            "--variance",
            "brr",
            "--refit-replicates",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["refit_replicates"] is True and doc["variance"] == "brr"
    assert doc["overall"]["se"] != doc["overall"]["se_without_refit"]
    default = json.loads(run(app, ["cohort", str(cohort), "--usual", "nci", "--json"]).stdout)
    assert "refit_replicates" not in default and "se_without_refit" not in default["overall"]
    for extra in (["--usual", "shrink", "--variance", "brr"], ["--usual", "nci"]):
        bad = run(app, ["cohort", str(cohort), *extra, "--refit-replicates"])
        assert bad.exit_code == 2
        assert "--refit-replicates" in bad.output
