"""NCI-style amount-only usual-intake model (Tooze et al. 2006; the amount part of the NCI
MIXTRAN / DISTRIB macros), for one group of persons with one or two recall days.

Model, on the Box-Cox scale ``z = (y**lam - 1) / lam`` (``log y`` for ``lam = 0``)::

    z_ij = x_ij' beta + u_i + e_ij,   u_i ~ N(0, s2_u),   e_ij ~ N(0, s2_e)

with covariates ``x_ij`` = (1, day-2 indicator[, weekend indicator]). Because each person
has one or two days, the likelihood separates: a two-day person contributes the orthonormal
pair ``(z1 + z2) / sqrt 2`` (variance ``2 s2_u + s2_e``) and ``(z1 - z2) / sqrt 2`` (variance
``s2_e``); a one-day person ``z1`` (variance ``s2_u + s2_e``). For a given variance ratio
``rho = s2_u / s2_e`` this is weighted least squares, so ``beta`` and ``s2_e`` are profiled
out in closed form and one scalar (``log rho``) is optimised: an exact (pseudo-)maximum
likelihood fit, vectorised, checked against statsmodels ``MixedLM`` in the tests. Sampling
weights enter as person weights of the log-likelihood (pseudo-likelihood), as in MIXTRAN.
``lam`` is chosen by the profile likelihood (with the Box-Cox Jacobian) over a grid.

Usual intake of a person with effect ``u`` is the mean daily intake on the original scale,
``T(u) = sum_d pi_d E_e[ g^-1(x_d' beta + u + e) ]``, with the day-2 effect set to 0 (day 1
taken as unbiased) and the weekend effect at its share of the week; the expectation over
``e`` is by Gauss-Hermite quadrature. Person effects are drawn (Monte Carlo) from their
conditional distribution given the person's recalls, so each person carries draws of their
own usual intake; pooled with the sampling weights they form the usual-intake distribution.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize_scalar

__all__ = ["NciFit", "fit_amount", "usual_draws"]

FloatArray = npt.NDArray[np.float64]

#: Box-Cox powers searched by profile likelihood (method setting, not a physiological
#: number): 0 (log) to 1 (no transform) in steps of 0.05.
LAMBDA_GRID = tuple(round(0.05 * k, 2) for k in range(21))
#: Gauss-Hermite nodes for the within-person error in the back-transformation (method
#: setting; 20 nodes integrate the smooth back-transform to well below 0.01 mg/day).
QUADRATURE_NODES = 20
#: Share of weekend days (Friday, Saturday, Sunday) in a week: 3 of 7 (arithmetic).
WEEKEND_SHARE = 3.0 / 7.0
#: Bounds of log(s2_u / s2_e) in the optimiser (numerical sanity bound, not physiological).
_LOG_RHO_BOUNDS = (-12.0, 8.0)


@dataclass(frozen=True, slots=True)
class NciFit:
    """A fitted amount-only model for one group.

    Attributes
    ----------
    lam : float
        Box-Cox power (0 = log).
    beta : numpy.ndarray
        Fixed effects on the transformed scale: intercept, day 2[, weekend].
    names : tuple of str
        Names of ``beta``.
    s2_u, s2_e : float
        Between-person and within-person variance on the transformed scale.
    loglik : float
        Maximised (pseudo-)log-likelihood on the original scale (with the Jacobian).
    zero_fill : float
        Value that replaced zero intakes [mg/day] (half the smallest positive one).
    n_zero : int
        Zero intakes replaced.
    """

    lam: float
    beta: FloatArray
    names: tuple[str, ...]
    s2_u: float
    s2_e: float
    loglik: float
    zero_fill: float
    n_zero: int


def boxcox(y: FloatArray, lam: float) -> FloatArray:
    """Box-Cox transform of positive values."""
    if lam == 0.0:
        return np.log(y)
    return np.asarray((y**lam - 1.0) / lam, dtype=np.float64)


def inverse_boxcox(z: FloatArray, lam: float) -> FloatArray:
    """Inverse Box-Cox; values below the transform's floor give 0."""
    if lam == 0.0:
        return np.exp(z)
    base = np.maximum(lam * z + 1.0, 0.0)
    return np.asarray(base ** (1.0 / lam), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class _Rows:
    """The separated rows: response, design, variance class, weight."""

    z: FloatArray
    x: FloatArray
    a: FloatArray  # variance = s2_e * (a * rho + 1)
    w: FloatArray


def _rows(z1: FloatArray, z2: FloatArray, x1: FloatArray, x2: FloatArray, w: FloatArray) -> _Rows:
    two = ~np.isnan(z2)
    r2 = np.sqrt(2.0)
    one = ~two
    z = np.concatenate([(z1[two] + z2[two]) / r2, (z1[two] - z2[two]) / r2, z1[one]])
    x = np.concatenate([(x1[two] + x2[two]) / r2, (x1[two] - x2[two]) / r2, x1[one]])
    a = np.concatenate([np.full(two.sum(), 2.0), np.zeros(two.sum()), np.ones(one.sum())])
    ww = np.concatenate([w[two], w[two], w[one]])
    return _Rows(z, x, a, ww)


def _profile(rows: _Rows, log_rho: float) -> tuple[float, FloatArray, float]:
    """-2 x log-likelihood (transformed scale, without 2 pi), beta, s2_e for one rho."""
    c = rows.a * np.exp(log_rho) + 1.0
    wc = rows.w / c
    xtw = rows.x.T * wc
    beta = np.linalg.solve(xtw @ rows.x, xtw @ rows.z)
    r = rows.z - rows.x @ beta
    n_w = float(rows.w.sum())
    s2 = float(np.sum(wc * r * r) / n_w)
    m2ll = n_w * np.log(s2) + float(np.sum(rows.w * np.log(c))) + n_w
    return m2ll, beta, s2


def _fit_rows(rows: _Rows) -> tuple[float, FloatArray, float, float]:
    res = minimize_scalar(
        lambda t: _profile(rows, t)[0],
        bounds=_LOG_RHO_BOUNDS,
        method="bounded",
        options={"xatol": 1e-7},
    )
    log_rho = float(res.x)
    m2ll, beta, s2 = _profile(rows, log_rho)
    n_w = float(rows.w.sum())
    ll = -0.5 * (m2ll + n_w * np.log(2.0 * np.pi))
    return ll, beta, s2, float(np.exp(log_rho)) * s2


def fit_amount(
    day1: npt.ArrayLike,
    day2: npt.ArrayLike,
    weights: npt.ArrayLike,
    *,
    weekend1: npt.ArrayLike | None = None,
    weekend2: npt.ArrayLike | None = None,
    lambdas: tuple[float, ...] = LAMBDA_GRID,
) -> NciFit:
    """Fit the amount-only model to one group (see the module docstring).

    Parameters
    ----------
    day1 : array_like, shape (n,)
        Day-1 intakes [mg/day], all present.
    day2 : array_like, shape (n,)
        Day-2 intakes [mg/day]; NaN where there is no second day.
    weights : array_like, shape (n,)
        Sampling weights (normalised to mean 1 inside).
    weekend1, weekend2 : array_like of bool, optional
        Whether day 1 / day 2 fell on a weekend; the covariate is used only if both are given
        and the group has weekend and weekday recalls.
    lambdas : tuple of float
        Box-Cox powers to profile over.

    Returns
    -------
    NciFit

    Raises
    ------
    ValueError
        No person with two days, or too few persons for the covariates.
    """
    y1 = np.asarray(day1, dtype=np.float64).copy()
    y2 = np.asarray(day2, dtype=np.float64).copy()
    w = np.asarray(weights, dtype=np.float64)
    w = w / w.mean()
    two = ~np.isnan(y2)
    if not two.any():
        raise ValueError("the within-person variance needs persons with two days")
    observed = np.concatenate([y1, y2[two]])
    positive = observed[observed > 0]
    if positive.size == 0:
        raise ValueError("all intakes are zero")
    fill = float(positive.min()) / 2.0
    n_zero = int(np.sum(observed <= 0))
    y1[y1 <= 0] = fill
    y2[two & (y2 <= 0)] = fill
    n = y1.size
    cols1 = [np.ones(n), np.zeros(n)]
    cols2 = [np.ones(n), np.ones(n)]
    names = ["intercept", "day2"]
    if weekend1 is not None and weekend2 is not None:
        we1 = np.asarray(weekend1, dtype=np.float64)
        we2 = np.where(two, np.asarray(weekend2, dtype=np.float64), 0.0)
        days = np.concatenate([we1, we2[two]])
        if 0.0 < days.mean() < 1.0:
            cols1.append(we1)
            cols2.append(we2)
            names.append("weekend")
    x1 = np.column_stack(cols1)
    x2 = np.column_stack(cols2)
    if n + int(two.sum()) <= len(names) + 2:
        raise ValueError("too few recalls for the model")
    log_y = float(np.sum(w * np.log(y1)) + np.sum(w[two] * np.log(y2[two])))
    best: tuple[float, float, FloatArray, float, float] | None = None
    for lam in lambdas:
        z2 = np.full(n, np.nan)
        z2[two] = boxcox(y2[two], lam)
        rows = _rows(boxcox(y1, lam), z2, x1, x2, w)
        ll, beta, s2e, s2u = _fit_rows(rows)
        ll += (lam - 1.0) * log_y  # Jacobian of the Box-Cox transform
        if best is None or ll > best[0]:
            best = (ll, lam, beta, s2e, s2u)
    assert best is not None
    ll, lam, beta, s2e, s2u = best
    return NciFit(float(lam), beta, tuple(names), s2u, s2e, ll, fill, n_zero)


def _usual_curve(fit: NciFit, u: FloatArray) -> FloatArray:
    """T(u): usual intake [mg/day] of a person with effect u (day 2 off, weekend mixed)."""
    nodes, qw = np.polynomial.hermite_e.hermegauss(QUADRATURE_NODES)
    qw = qw / qw.sum()
    e = np.sqrt(fit.s2_e) * nodes
    mixes: list[tuple[float, float]] = [(1.0, float(fit.beta[0]))]
    if "weekend" in fit.names:
        b_we = float(fit.beta[fit.names.index("weekend")])
        mixes = [(1.0 - WEEKEND_SHARE, float(fit.beta[0])), (WEEKEND_SHARE, fit.beta[0] + b_we)]
    out = np.zeros_like(u)
    for share, mean in mixes:
        out += share * (inverse_boxcox(mean + u[:, None] + e[None, :], fit.lam) @ qw)
    return out


def usual_draws(
    fit: NciFit,
    day1: npt.ArrayLike,
    day2: npt.ArrayLike,
    *,
    weekend1: npt.ArrayLike | None = None,
    weekend2: npt.ArrayLike | None = None,
    n_draws: int,
    rng: np.random.Generator,
) -> FloatArray:
    """Monte-Carlo draws of each person's usual intake [mg/day], shape (n, n_draws).

    Person effects are drawn from ``u_i | recalls ~ N(m_i, v_i)``, with
    ``v_i = 1 / (1/s2_u + n_i/s2_e)`` and ``m_i = v_i * sum_j (z_ij - x_ij' beta) / s2_e``;
    the usual intake of each draw is ``T(u)`` (module docstring), computed on a fine grid of
    ``u`` and interpolated (T is smooth and increasing).
    """
    y1 = np.asarray(day1, dtype=np.float64).copy()
    y2 = np.asarray(day2, dtype=np.float64).copy()
    two = ~np.isnan(y2)
    y1[y1 <= 0] = fit.zero_fill
    y2[two & (y2 <= 0)] = fit.zero_fill
    n = y1.size
    b = dict(zip(fit.names, fit.beta, strict=True))
    mean1 = np.full(n, b["intercept"])
    mean2 = np.full(n, b["intercept"] + b["day2"])
    if "weekend" in b and weekend1 is not None and weekend2 is not None:
        mean1 = mean1 + b["weekend"] * np.asarray(weekend1, dtype=np.float64)
        mean2 = mean2 + b["weekend"] * np.nan_to_num(np.asarray(weekend2, dtype=np.float64))
    resid = boxcox(y1, fit.lam) - mean1
    z2 = np.zeros(n)
    z2[two] = boxcox(y2[two], fit.lam) - mean2[two]
    resid = resid + z2
    n_days = 1.0 + two
    # drawn in every case, so that a caller reusing ``rng`` for later groups gets the same
    # draws for them whatever this fit is (common random numbers across replicate refits)
    std = rng.standard_normal((n, n_draws))
    if fit.s2_u <= 0.0:
        u = np.zeros((n, n_draws))
    else:
        v = 1.0 / (1.0 / fit.s2_u + n_days / fit.s2_e)
        m = v * resid / fit.s2_e
        u = m[:, None] + np.sqrt(v)[:, None] * std
    lo, hi = float(u.min()), float(u.max())
    if hi - lo < 1e-12:
        return np.broadcast_to(_usual_curve(fit, np.array([lo])), (n, n_draws)).copy()
    grid = np.linspace(lo, hi, 2001)
    return np.interp(u, grid, _usual_curve(fit, grid))
