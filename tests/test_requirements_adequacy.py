"""Reference intakes and the IOM adequacy methods, with golden values from IOM 2000."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.special import ndtr

from hypothesis_profiles import examples
from magnerve.adequacy import (
    confidence_above,
    ear_cut_point,
    individual_adequacy,
    probability_approach,
    required_mean_intake,
    usual_intakes,
)
from magnerve.requirements import RequirementError, reference_intake

# -- reference intakes (IOM 1997 ch. 6; EFSA 2015; FAO/WHO 2004) ---------------------------


@pytest.mark.parametrize(
    ("age", "sex", "stage", "ear", "rda", "ul"),
    [
        (2, "male", None, 65, 80, 65),
        (6, "female", None, 110, 130, 110),
        (12, "male", None, 200, 240, 350),
        (16, "male", None, 340, 410, 350),
        (16, "female", None, 300, 360, 350),
        (25, "male", None, 330, 400, 350),
        (25, "female", None, 255, 310, 350),
        (58, "male", None, 350, 420, 350),
        (80, "female", None, 265, 320, 350),
        (17, "female", "pregnant", 335, 400, 350),
        (25, "female", "pregnant", 290, 350, 350),
        (35, "female", "pregnant", 300, 360, 350),
        (17, "female", "lactating", 300, 360, 350),
        (25, "female", "lactating", 255, 310, 350),
        (35, "female", "lactating", 265, 320, 350),
    ],
)
def test_iom_magnesium_table(age, sex, stage, ear, rda, ul):
    r = reference_intake(
        "magnesium", age=age, sex=sex, pregnant=stage == "pregnant", lactating=stage == "lactating"
    )
    assert (r.ear, r.rda, r.ul) == (ear, rda, ul)
    assert r.requirement_sd == pytest.approx(0.10 * ear)
    assert r.ul_scope == "supplemental"
    # RDA = EAR + 2 SD (CV 10 %), rounded to 10 mg by IOM
    assert abs(r.rda - 1.2 * r.ear) <= 10


def test_iom_infants_have_ai_only():
    r = reference_intake(age=0.25, sex="female")
    assert (r.ai, r.ear, r.rda, r.ul) == (30, None, None, None)
    assert reference_intake(age=0.75, sex="male").ai == 75


def test_boundaries_are_inclusive_below():
    assert reference_intake(age=30.99, sex="male").ear == 330
    assert reference_intake(age=31, sex="male").ear == 350
    assert reference_intake(age=19, sex="female").ear == 255
    assert reference_intake(age=18.9, sex="female").ear == 300


def test_efsa_and_faowho():
    assert reference_intake(age=40, sex="male", authority="efsa").ai == 350
    assert reference_intake(age=40, sex="female", authority="efsa").ai == 300
    assert reference_intake(age=40, sex="female", authority="efsa", pregnant=True).ai == 300
    assert reference_intake(age=2, sex="male", authority="efsa").ai == 170
    assert reference_intake(age=40, sex="male", authority="faowho").rni == 260
    assert reference_intake(age=70, sex="female", authority="fao/who").rni == 190
    assert reference_intake(age=30, sex="female", authority="faowho", lactating=True).rni == 270
    assert reference_intake(age=40, sex="male", authority="efsa").ear is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"age": 40, "sex": "male", "pregnant": True}, "applies to sex"),
        ({"age": 40, "sex": "female", "pregnant": True, "lactating": True}, "not both"),
        ({"age": 40, "sex": "other"}, "sex must be"),
        ({"age": -1, "sex": "male"}, "age must be"),
        ({"age": float("nan"), "sex": "male"}, "age must be"),
        ({"age": 40, "sex": "male", "authority": "nih"}, "unknown authority"),
        ({"age": 60, "sex": "female", "pregnant": True}, "no magnesium reference intake"),
    ],
)
def test_reference_errors(kwargs, message):
    with pytest.raises(RequirementError, match=message):
        reference_intake("magnesium", **kwargs)


# -- IOM 2000 individual method: golden worked example -------------------------------------


def test_iom2000_worked_example():
    """IOM 2000 pp. 53-54: woman aged 40, 3 days averaging 320 mg; EAR 265; SD of
    requirement 26.5 (10 %); D = 55; SD_D = 56; z just under 1; ~85 % confidence."""
    r = individual_adequacy(320, 3, ear=265, requirement_sd=26.5, within_person_sd=85.9)
    assert r.d == 55
    assert round(r.sd_d) == 56
    assert round(r.sd_d**2) == pytest.approx(3162, abs=5)
    assert 0.95 < r.z < 1.0
    assert r.confidence_adequate == pytest.approx(0.85, abs=0.02)


@pytest.mark.parametrize(("n_days", "iom"), [(1, 445), (3, 377), (7, 349)])
def test_iom2000_table_3_1(n_days, iom):
    """IOM 2000 Table 3-1 / text pp. 54-56: mean magnesium intake needed for '97.5 %'
    confidence, women 31-50 y, SD of daily intake 86 mg; the report uses z = 2."""
    need = required_mean_intake(
        float(ndtr(2.0)), n_days, ear=265, requirement_sd=26.5, within_person_sd=86
    )
    assert need == pytest.approx(iom, abs=1.5)


def test_more_days_narrow_the_uncertainty():
    a = individual_adequacy(300, 1, ear=265, requirement_sd=26.5, within_person_sd=86)
    b = individual_adequacy(300, 7, ear=265, requirement_sd=26.5, within_person_sd=86)
    assert b.sd_d < a.sd_d and b.confidence_adequate > a.confidence_adequate


@settings(max_examples=examples(200), deadline=None)
@given(
    mean=st.floats(0, 2000),
    n=st.integers(1, 60),
    ear=st.floats(1, 1000),
    within=st.floats(0, 500),
)
def test_confidence_properties(mean, n, ear, within):
    r = individual_adequacy(mean, n, ear=ear, requirement_sd=0.1 * ear, within_person_sd=within)
    assert 0.0 <= r.confidence_adequate <= 1.0
    assert (r.confidence_adequate >= 0.5) == (mean >= ear) or math.isclose(mean, ear)
    higher = individual_adequacy(
        mean + 10, n, ear=ear, requirement_sd=0.1 * ear, within_person_sd=within
    )
    assert higher.confidence_adequate >= r.confidence_adequate


@settings(max_examples=examples(200), deadline=None)
@given(p=st.floats(0.01, 0.99), n=st.integers(1, 30), within=st.floats(1, 300))
def test_required_intake_inverts_confidence(p, n, within):
    need = required_mean_intake(p, n, ear=265, requirement_sd=26.5, within_person_sd=within)
    assume(need >= 0)
    r = individual_adequacy(need, n, ear=265, requirement_sd=26.5, within_person_sd=within)
    assert r.confidence_adequate == pytest.approx(p, abs=1e-9)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"mean_intake": -1, "n_days": 3},
        {"mean_intake": 300, "n_days": 0},
        {"mean_intake": 300, "n_days": 2.5},
        {"mean_intake": float("inf"), "n_days": 3},
    ],
)
def test_bad_inputs(kwargs):
    with pytest.raises(ValueError):
        individual_adequacy(**kwargs, ear=265, requirement_sd=26.5, within_person_sd=86)


def test_confidence_above_ai_and_ul():
    # IOM 2000 appendix B: z = (mean - AI) / (SD_within / sqrt(n))
    c = confidence_above(1100, 4, 1000, 325)
    assert c == pytest.approx(float(ndtr(100 / (325 / 2))))
    assert confidence_above(900, 4, 1000, 325) < 0.5


# -- groups ---------------------------------------------------------------------------------


def test_cut_point_and_probability_approach_agree_for_symmetric_requirements():
    rng = np.random.default_rng(1)
    usual = rng.normal(300, 80, 20000)
    cut = ear_cut_point(usual, 265)
    prob = probability_approach(usual, 265, 26.5)
    truth = float(ndtr((265 - 300) / 80))
    assert cut == pytest.approx(truth, abs=0.01)
    # the cut-point method approximates the probability approach when SD_req << SD_intake
    assert prob == pytest.approx(cut, abs=0.01)


def test_usual_intakes_remove_day_to_day_variance():
    rng = np.random.default_rng(2)
    true_usual = rng.normal(300, 50, 3000)
    days = true_usual[:, None] + rng.normal(0, 100, (3000, 2))
    est = usual_intakes(days)
    observed_means = days.mean(axis=1)
    assert np.std(observed_means) > 75  # inflated by within-person variance
    assert np.std(est) == pytest.approx(50, rel=0.08)
    assert np.mean(est) == pytest.approx(300, abs=5)
    # prevalence below EAR: raw means overstate it, usual intakes get close to the truth
    truth = ear_cut_point(true_usual, 265)
    assert abs(ear_cut_point(est, 265) - truth) < abs(ear_cut_point(observed_means, 265) - truth)


def test_usual_intakes_errors():
    with pytest.raises(ValueError, match="2-D"):
        usual_intakes([1, 2, 3])
    with pytest.raises(ValueError, match="two or more days"):
        usual_intakes([[1.0], [2.0]])
    with pytest.raises(ValueError, match="at least one"):
        usual_intakes([[np.nan, np.nan], [1.0, 2.0]])
