"""Array kernels (pvlib's ``numeric``): every vectorised kernel equals its scalar path
element-wise, keeps the broadcast shape (0-d, 1-d, 2-d), returns float64 (int64 for scores,
str for statuses), returns a Python scalar for scalar input, and names the first bad index in
its errors.

Everything compares exactly, except kernels with a power or a normal CDF (CKD-EPI, the IOM
method): their scalar path uses the C library (``pow``, ``erfc``; no scipy import) and their
array path NumPy/SciPy, which may round the last bit differently, so they are compared to a
relative 1e-12.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from hypothesis_profiles import examples
from magnerve.absorption import absorbed_mg, parameters, phytate_factor
from magnerve.adequacy import (
    IndividualAdequacy,
    IndividualAdequacyArray,
    confidence_above,
    individual_adequacy,
    required_mean_intake,
)
from magnerve.clinical import (
    egfr_ckd_epi_2021,
    femg_percent,
    femg_status,
    interpret_femg,
    interpret_rbc_magnesium,
    interpret_serum_magnesium,
    interpret_urine_magnesium,
    magnesium_depletion_score,
    mds_group,
    mds_score,
    rbc_magnesium_status,
    serum_magnesium_status,
    urine_magnesium_status,
)

# Power-based kernels agree to the last bit or two: numpy's power and the C library's pow may
# round differently in the last place (seen on this machine for a few inputs even without
# AVX-512), so they are compared to 1e-12 relative; everything else exactly.
POW_RTOL = 1e-12

SETTINGS = settings(max_examples=examples(30), deadline=None)
SHAPES = hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=5)


def floats_array(lo: float, hi: float, shape: Any = SHAPES, **kw: Any) -> st.SearchStrategy[Any]:
    return hnp.arrays(
        np.float64, shape, elements=st.floats(lo, hi, allow_nan=False, allow_subnormal=False, **kw)
    )


def scalar_map(fn: Callable[..., Any], *args: Any, dtype: Any = np.float64) -> np.ndarray:
    """The scalar path applied element by element over the broadcast arguments."""
    arrays = np.broadcast_arrays(*(np.asarray(a) for a in args))
    out = np.empty(arrays[0].shape, dtype=dtype)
    for idx in np.ndindex(out.shape):
        out[idx] = fn(*(_py(a[idx]) for a in arrays))
    return out


def _py(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def assert_same(got: Any, expected: np.ndarray, dtype: Any = np.float64, rtol: float = 0.0) -> None:
    assert isinstance(got, np.ndarray)
    assert got.shape == expected.shape
    assert got.dtype == dtype
    if rtol:
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=1e-300)
    else:
        np.testing.assert_array_equal(got, expected)


# -- absorption ------------------------------------------------------------------------------


@SETTINGS
@given(load=floats_array(0, 1e6))
def test_absorbed_mg_matches_scalar(load):
    load[load < 1e-3] = 0.0  # exact zeros take the scalar path's early return
    assert_same(absorbed_mg(load), scalar_map(absorbed_mg, load))


@SETTINGS
@given(
    load=floats_array(0, 5000),
    vmax=floats_array(1, 200, shape=st.sampled_from([(), (1,), (5,)])),
    km=st.floats(1, 500),
)
def test_absorbed_mg_overrides_broadcast(load, vmax, km):
    try:
        np.broadcast_shapes(load.shape, vmax.shape)
    except ValueError:
        return
    got = absorbed_mg(load, vmax=vmax, km=km)
    assert_same(got, scalar_map(lambda x, v: absorbed_mg(x, vmax=v, km=km), load, vmax))


@SETTINGS
@given(mmol=floats_array(0, 10))
def test_phytate_factor_matches_scalar(mmol):
    assert_same(phytate_factor(mmol), scalar_map(phytate_factor, mmol))


def test_absorption_scalar_in_float_out():
    assert type(absorbed_mg(100.0)) is float
    assert type(absorbed_mg(np.float64(100.0))) is float
    assert type(absorbed_mg(100)) is float
    assert type(phytate_factor(1)) is float
    assert absorbed_mg(0) == 0.0
    zero_d = absorbed_mg(np.array(100.0))
    assert isinstance(zero_d, np.ndarray) and zero_d.shape == ()
    assert float(zero_d) == absorbed_mg(100.0)
    assert absorbed_mg([100.0, 0.0]).tolist() == [absorbed_mg(100.0), 0.0]
    assert absorbed_mg(np.empty((0, 3))).shape == (0, 3)
    assert phytate_factor(np.array([5.0, 9.0])).tolist() == [phytate_factor(1.49)] * 2
    p = parameters()
    assert phytate_factor(p.phytate_max_mmol) == phytate_factor(np.array(100.0))


def test_absorption_errors_name_value_and_index():
    with pytest.raises(ValueError, match=r"got -1\b"):
        absorbed_mg(-1)
    with pytest.raises(ValueError, match=r"got nan at index 2$"):
        absorbed_mg([1.0, 2.0, math.nan])
    with pytest.raises(ValueError, match=r"got -3.0 at index \(1, 0\)$"):
        absorbed_mg(np.array([[1.0, 2.0], [-3.0, -4.0]]))
    with pytest.raises(ValueError, match=r"phytate must be 0 or more mmol, got inf at index 0"):
        phytate_factor([math.inf])
    with pytest.raises(ValueError, match=r"got nan$"):
        phytate_factor(math.nan)


# -- eGFR --------------------------------------------------------------------------------------

SEXES = st.sampled_from(["female", "male", "F", "m", " Woman ", "MAN"])


@SETTINGS
@given(
    scr=floats_array(0.1, 20),
    age=floats_array(18, 110, shape=st.sampled_from([(), (1,), (5,), (1, 5)])),
    sexes=hnp.arrays(object, st.sampled_from([(), (1,), (5,), (5, 1)]), elements=SEXES),
)
def test_egfr_matches_scalar(scr, age, sexes):
    try:
        np.broadcast_shapes(scr.shape, age.shape, sexes.shape)
    except ValueError:
        return
    got = egfr_ckd_epi_2021(scr, age, sexes)
    assert_same(got, scalar_map(egfr_ckd_epi_2021, scr, age, sexes), rtol=POW_RTOL)
    # sex as a unicode array, and a scalar sex broadcast, give the same numbers
    np.testing.assert_array_equal(egfr_ckd_epi_2021(scr, age, sexes.astype(str)), got)


def test_egfr_scalar_and_mixed_inputs():
    assert type(egfr_ckd_epi_2021(1.09, 55, "male")) is float
    assert type(egfr_ckd_epi_2021(np.float64(1.09), 55, "male")) is float
    zero_d = egfr_ckd_epi_2021(np.array(1.09), 55, "male")
    assert isinstance(zero_d, np.ndarray) and zero_d.shape == ()
    by_sex = egfr_ckd_epi_2021(1.0, 60, ["female", "male"])
    assert by_sex.shape == (2,)
    assert by_sex[0] == pytest.approx(egfr_ckd_epi_2021(1.0, 60, "female"), rel=POW_RTOL)
    assert by_sex[1] == pytest.approx(egfr_ckd_epi_2021(1.0, 60, "male"), rel=POW_RTOL)


def test_egfr_errors():
    with pytest.raises(ValueError, match=r"creatinine_mg_dl .* got 0 *$"):
        egfr_ckd_epi_2021(0, 50, "male")
    with pytest.raises(ValueError, match=r"creatinine_mg_dl .* got nan at index 1$"):
        egfr_ckd_epi_2021([1.0, math.nan], 50, "male")
    with pytest.raises(ValueError, match=r"age .* got -5.0 at index \(0, 1\)$"):
        egfr_ckd_epi_2021(1.0, [[40, -5]], "male")
    with pytest.raises(ValueError, match=r"sex must be 'female' or 'male', got 'x' at index 2$"):
        egfr_ckd_epi_2021([1.0, 1.0, 1.0], 50, ["f", "m", "x"])
    with pytest.raises(ValueError, match=r"got None at index 0$"):
        egfr_ckd_epi_2021([1.0], 50, np.array([None], dtype=object))


# -- MDS -----------------------------------------------------------------------------------------


@SETTINGS
@given(
    n=st.integers(1, 8),
    data=st.data(),
)
def test_mds_score_matches_scalar(n, data):
    bools = hnp.arrays(np.bool_, (n,))
    diuretic, ppi = data.draw(bools), data.draw(bools)
    egfr = data.draw(
        hnp.arrays(
            np.float64,
            (n,),
            elements=st.one_of(st.sampled_from([0.0, 59.9, 60.0, 89.9, 90.0]), st.floats(0, 150)),
        )
    )
    drinks = data.draw(
        hnp.arrays(
            np.float64, (n,), elements=st.one_of(st.sampled_from([1.0, 2.0, 2.5]), st.floats(0, 10))
        )
    )
    sex = data.draw(hnp.arrays(object, (n,), elements=SEXES))

    def one(d: bool, p: bool, e: float, k: float, s: str) -> int:
        return magnesium_depletion_score(diuretic=d, ppi=p, egfr=e, drinks_per_day=k, sex=s).score

    got = mds_score(diuretic=diuretic, ppi=ppi, egfr=egfr, drinks_per_day=drinks, sex=sex)
    assert_same(got, scalar_map(one, diuretic, ppi, egfr, drinks, sex, dtype=np.int64), np.int64)
    groups = mds_group(got)
    expected_groups = [
        magnesium_depletion_score(diuretic=d, ppi=p, egfr=e, drinks_per_day=k, sex=s).group
        for d, p, e, k, s in zip(diuretic, ppi, egfr, drinks, sex, strict=True)
    ]
    assert groups.tolist() == expected_groups
    # unknown eGFR for everyone, as None
    unknown = mds_score(diuretic=diuretic, ppi=ppi, egfr=None, drinks_per_day=drinks, sex=sex)
    expected = [
        magnesium_depletion_score(diuretic=d, ppi=p, egfr=None, drinks_per_day=k, sex=s).score
        for d, p, k, s in zip(diuretic, ppi, drinks, sex, strict=True)
    ]
    assert unknown.tolist() == expected


def test_mds_scalar_and_shapes():
    kw = {"diuretic": True, "ppi": False, "egfr": 70.0, "drinks_per_day": 3.0, "sex": "male"}
    assert mds_score(**kw) == magnesium_depletion_score(**kw).score == 3
    assert type(mds_score(**kw)) is int
    assert mds_group(3) == "3-5" and mds_group(2) == "2" and mds_group(0) == "0-1"
    grid = mds_score(
        diuretic=[[True], [False]], ppi=False, egfr=[50.0, 95.0], drinks_per_day=0, sex="female"
    )
    assert grid.shape == (2, 2) and grid.dtype == np.int64
    assert grid.tolist() == [[3, 1], [2, 0]]
    assert (
        mds_score(diuretic=np.array(True), ppi=False, egfr=95.0, drinks_per_day=0, sex="f").shape
        == ()
    )
    assert mds_group(np.array([[0, 2], [3, 5]])).tolist() == [["0-1", "2"], ["3-5", "3-5"]]


def test_mds_errors():
    with pytest.raises(ValueError, match=r"egfr .* got nan at index 1$"):
        mds_score(diuretic=False, ppi=False, egfr=[90.0, math.nan], drinks_per_day=0, sex="m")
    with pytest.raises(ValueError, match=r"drinks_per_day .* got -1.0 at index 0$"):
        mds_score(diuretic=False, ppi=False, egfr=90.0, drinks_per_day=[-1.0], sex="m")
    with pytest.raises(ValueError, match=r"sex .* got 'other' at index 1$"):
        mds_score(diuretic=False, ppi=False, egfr=90.0, drinks_per_day=0, sex=["m", "other"])
    with pytest.raises(ValueError, match=r"got 6 *$"):
        mds_group(6)
    with pytest.raises(ValueError, match=r"got 1.5 at index 1$"):
        mds_group([1, 1.5])
    with pytest.raises(ValueError, match="whole number"):
        mds_group(math.nan)


# -- laboratory statuses -----------------------------------------------------------------------


def statuses(fn: Callable[..., Any], *args: Any) -> np.ndarray:
    return scalar_map(lambda *a: fn(*a).status, *args, dtype=object).astype(str)


@SETTINGS
@given(
    mmol=floats_array(0.01, 2, shape=SHAPES).map(
        lambda a: np.where(a > 1.5, np.round(a - 0.75, 2), a)
    )  # hit the cut-offs exactly
)
def test_serum_status_matches_scalar(mmol):
    got = serum_magnesium_status(mmol)
    assert got.shape == mmol.shape and got.dtype.kind == "U"
    np.testing.assert_array_equal(got, statuses(interpret_serum_magnesium, mmol))


@SETTINGS
@given(mg=floats_array(0.5, 12))
def test_rbc_status_matches_scalar(mg):
    got = rbc_magnesium_status(mg)
    assert got.shape == mg.shape and got.dtype.kind == "U"
    np.testing.assert_array_equal(got, statuses(interpret_rbc_magnesium, mg))


@SETTINGS
@given(
    urine=floats_array(0, 400),
    serum=floats_array(0.3, 1.2, shape=st.sampled_from([(), (1,), (5,)])).map(
        lambda a: np.where(a > 1.1, np.nan, a)  # NaN: unknown, as the scalar path treats it
    ),
)
def test_urine_status_matches_scalar(urine, serum):
    try:
        np.broadcast_shapes(urine.shape, serum.shape)
    except ValueError:
        return
    got = urine_magnesium_status(urine, serum)
    np.testing.assert_array_equal(got, statuses(interpret_urine_magnesium, urine, serum))
    alone = urine_magnesium_status(urine)
    assert alone.shape == urine.shape
    np.testing.assert_array_equal(
        alone, statuses(lambda u: interpret_urine_magnesium(u, None), urine)
    )


@SETTINGS
@given(
    percent=floats_array(0, 10).map(lambda a: np.where(a > 9, np.round(a - 7), a)),
    serum=st.one_of(st.none(), floats_array(0.3, 1.2, shape=st.sampled_from([(), (1,)]))),
)
def test_femg_status_matches_scalar(percent, serum):
    got = femg_status(percent, serum)
    np.testing.assert_array_equal(
        got,
        statuses(
            lambda p, s: interpret_femg(p, s),
            percent,
            np.asarray(serum, dtype=float) if serum is not None else np.full(percent.shape, np.nan),
        ),
    )


@SETTINGS
@given(
    values=st.lists(
        floats_array(0.01, 1000, shape=st.sampled_from([(3,), (2, 3)])), min_size=4, max_size=4
    )
)
def test_femg_percent_matches_scalar(values):
    got = femg_percent(*values)
    assert_same(got, scalar_map(femg_percent, *values))


def test_status_scalars_and_errors():
    assert serum_magnesium_status(0.8) == interpret_serum_magnesium(0.8).status
    assert type(serum_magnesium_status(0.8)) is str
    assert serum_magnesium_status(np.array(0.8)).shape == ()
    assert rbc_magnesium_status(5.0) == interpret_rbc_magnesium(5.0).status
    assert urine_magnesium_status(50.0, 0.6) == interpret_urine_magnesium(50.0, 0.6).status
    assert femg_status(3.0) == interpret_femg(3.0, None).status
    assert type(femg_percent(1, 2, 3, 4)) is float
    with pytest.raises(ValueError, match=r"serum magnesium .* got 0.0 at index 1$"):
        serum_magnesium_status([0.8, 0.0])
    with pytest.raises(ValueError, match=r"urine magnesium .* got nan at index 0$"):
        urine_magnesium_status([math.nan])
    with pytest.raises(ValueError, match=r"plasma magnesium .* got -1.0 at index 0$"):
        femg_percent([1.0], 1.0, [-1.0], 1.0)
    with pytest.raises(ValueError, match=r"FEMg must be 0 or more %, got nan$"):
        interpret_femg(math.nan, None)
    with pytest.raises(ValueError, match=r"FEMg .* got -1.0 at index 0$"):
        femg_status([-1.0])


# -- adequacy ------------------------------------------------------------------------------------

FIELDS = (
    "mean_intake",
    "n_days",
    "ear",
    "requirement_sd",
    "within_person_sd",
    "d",
    "sd_d",
    "z",
    "confidence_adequate",
)


@SETTINGS
@given(
    mean=floats_array(0, 1000),
    n=hnp.arrays(np.int64, st.sampled_from([(), (1,), (5,)]), elements=st.integers(1, 30)),
    ear=st.sampled_from([65.0, 255.0, 265.0, 350.0]),
    req_cv=st.sampled_from([0.0, 0.1]),
    within=floats_array(0, 200, shape=st.sampled_from([(), (1,)])),
)
def test_individual_adequacy_matches_scalar(mean, n, ear, req_cv, within):
    try:
        np.broadcast_shapes(mean.shape, n.shape)
    except ValueError:
        return
    req = ear * req_cv
    got = individual_adequacy(mean, n, ear=ear, requirement_sd=req, within_person_sd=within)
    assert isinstance(got, IndividualAdequacyArray)
    shape = np.broadcast_shapes(mean.shape, n.shape, within.shape)
    assert got.shape == shape
    for name in FIELDS:

        def one(m: float, k: int, w: float, name: str = name) -> Any:
            r = individual_adequacy(m, k, ear=ear, requirement_sd=req, within_person_sd=w)
            return getattr(r, name)

        dtype = np.int64 if name == "n_days" else np.float64
        expected = scalar_map(one, mean, n, within, dtype=dtype)
        assert_same(getattr(got, name), expected, dtype, rtol=POW_RTOL)


@SETTINGS
@given(
    conf=floats_array(0.01, 0.99),
    n=st.integers(1, 30),
    within=st.floats(0, 200),
)
def test_required_mean_intake_matches_scalar(conf, n, within):
    kw = {"ear": 265.0, "requirement_sd": 26.5, "within_person_sd": within}
    got = required_mean_intake(conf, n, **kw)
    assert_same(got, scalar_map(lambda c: required_mean_intake(c, n, **kw), conf), rtol=POW_RTOL)
    days = np.arange(1, 8).reshape(7, 1)
    by_days = required_mean_intake(0.975, days, **kw)
    expected = scalar_map(lambda k: required_mean_intake(0.975, k, **kw), days)
    assert_same(by_days, expected, rtol=POW_RTOL)


@SETTINGS
@given(
    mean=floats_array(0, 2000),
    n=floats_array(1, 30, shape=st.sampled_from([(), (1,)])),
    reference=st.floats(1, 1000),
    within=st.floats(1, 500),
)
def test_confidence_above_matches_scalar(mean, n, reference, within):
    got = confidence_above(mean, n, reference, within)
    assert_same(
        got,
        scalar_map(lambda m, k: confidence_above(m, k, reference, within), mean, n),
        rtol=POW_RTOL,
    )


def test_adequacy_scalars_and_errors():
    kw = {"ear": 265.0, "requirement_sd": 26.5, "within_person_sd": 85.9}
    assert isinstance(individual_adequacy(320, 3, **kw), IndividualAdequacy)
    assert type(required_mean_intake(0.975, 3, **kw)) is float
    assert type(confidence_above(1100, 4, 1000, 325)) is float
    zero_d = individual_adequacy(np.array(320.0), 3, **kw)
    assert isinstance(zero_d, IndividualAdequacyArray) and zero_d.shape == ()
    assert float(zero_d.z) == pytest.approx(individual_adequacy(320.0, 3, **kw).z, rel=POW_RTOL)
    # a zero SD of D: z is +-inf or 0, as on the scalar path
    flat = individual_adequacy(
        [200.0, 265.0, 300.0], 1, ear=265.0, requirement_sd=0.0, within_person_sd=0.0
    )
    assert flat.z.tolist() == [-math.inf, 0.0, math.inf]
    with pytest.raises(ValueError, match=r"mean_intake .* got nan at index 1$"):
        individual_adequacy([1.0, math.nan], 3, **kw)
    with pytest.raises(ValueError, match=r"n_days .* got 2.5 at index \(0, 1\)$"):
        individual_adequacy(300.0, [[1, 2.5]], **kw)
    with pytest.raises(ValueError, match=r"n_days .* got inf *$"):
        individual_adequacy(300.0, math.inf, **kw)
    with pytest.raises(ValueError, match=r"confidence .* got 1.0 at index 1$"):
        required_mean_intake([0.5, 1.0], 3, **kw)
    with pytest.raises(ValueError, match=r"n_days .* got 0 *$"):
        confidence_above(1100, 0, 1000, 325)
    with pytest.raises(ValueError, match=r"mean_intake .* got nan at index 0$"):
        confidence_above([math.nan], 4, 1000, 325)


def test_large_random_arrays_match_scalar_path():
    """10,000 random people: rare last-bit differences (``x ** 2`` vs ``pow``) show up here."""
    rng = np.random.default_rng(7)
    n = 10_000
    scr, age = rng.uniform(0.3, 8, n), rng.uniform(18, 100, n)
    sex = rng.choice(np.array(["female", "male"]), n)
    mean, days, within = rng.uniform(50, 700, n), rng.integers(1, 15, n), rng.uniform(20, 150, n)
    assert_same(
        egfr_ckd_epi_2021(scr, age, sex),
        scalar_map(egfr_ckd_epi_2021, scr, age, sex),
        rtol=POW_RTOL,
    )
    got = individual_adequacy(mean, days, ear=265.0, requirement_sd=26.5, within_person_sd=within)
    expected = scalar_map(
        lambda m, k, w: (
            individual_adequacy(
                m, k, ear=265.0, requirement_sd=26.5, within_person_sd=w
            ).confidence_adequate
        ),
        mean,
        days,
        within,
    )
    assert_same(got.confidence_adequate, expected, rtol=POW_RTOL)
