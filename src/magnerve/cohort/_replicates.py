"""Replicate variance of an estimate recomputed on every replicate weight set.

Used when the NCI model is refitted per replicate (``refit=True``): the per-person values
change from replicate to replicate, so svy's replicate estimator (which takes them as fixed)
cannot be used, and the variance is formed here from the replicate estimates
``theta_r``::

    v = sum_r c_r (theta_r - mean_r theta_r)^2

centred on the mean of the replicate estimates, as svy and R ``survey`` do by default
(``mse = FALSE``). The coefficients ``c_r`` are derived here from the replicate weights
themselves, independently of svy's:

* delete-one-PSU jackknife (JKn): ``(n_h - 1) / n_h``, where ``h`` is the stratum of the
  PSU that replicate ``r`` deletes (the PSU whose replicate weights are all zero) and
  ``n_h`` the number of PSUs in that stratum (Rust & Rao 1996; R ``survey`` ``JKn``);
* BRR: ``1 / (R (1 - f)^2)`` with ``R`` replicates and Fay coefficient ``f`` (0 for plain
  BRR; Judkins 1990).

With per-person values that do not change between replicates this is exactly svy's
replicate SE (a test checks it, overall and by domain, JKn on unequal strata and Fay BRR).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

__all__ = ["ReplicateKind", "replicate_coefficients", "replicate_means", "replicate_se"]

FloatArray = npt.NDArray[np.float64]
ReplicateKind = Literal["jkn", "brr"]


def replicate_coefficients(
    rep_weights: npt.ArrayLike,
    stratum: npt.ArrayLike,
    psu: npt.ArrayLike,
    kind: ReplicateKind,
    *,
    fay: float = 0.0,
) -> FloatArray:
    """Variance coefficient of each replicate.

    Parameters
    ----------
    rep_weights : array_like, shape (n, R)
        Replicate weights of the n persons (all persons of the design).
    stratum, psu : array_like, shape (n,)
        Design stratum and PSU of each person (PSU labels unique within a stratum or
        overall; a PSU is the pair (stratum, psu)).
    kind : {"jkn", "brr"}
        Delete-one-PSU stratified jackknife, or BRR.
    fay : float, default 0.0
        Fay coefficient of the BRR weights (0 <= fay < 1) [dimensionless].

    Returns
    -------
    numpy.ndarray, shape (R,)
        ``(n_h - 1) / n_h`` (JKn) or ``1 / (R (1 - fay)^2)`` (BRR) [dimensionless].

    Raises
    ------
    ValueError
        A JKn replicate that does not delete exactly one PSU, an unknown kind, or a Fay
        coefficient outside [0, 1).
    """
    w = np.asarray(rep_weights, dtype=np.float64)
    if w.ndim != 2:
        raise ValueError("rep_weights must be 2-D (persons x replicates)")
    n_reps = w.shape[1]
    if kind == "brr":
        if not 0.0 <= fay < 1.0:
            raise ValueError(f"Fay coefficient {fay} outside [0, 1)")
        return np.full(n_reps, 1.0 / (n_reps * (1.0 - fay) ** 2))
    if kind != "jkn":
        raise ValueError(f"unknown replicate kind {kind!r}")
    s = np.asarray(stratum)
    p = np.asarray(psu)
    units = np.unique(np.column_stack([s.astype(str), p.astype(str)]), axis=0, return_inverse=True)
    unit = np.asarray(units[1]).ravel()
    unit_stratum = units[0][:, 0]
    psus_in = {h: int(np.sum(unit_stratum == h)) for h in np.unique(unit_stratum)}
    n_units = unit_stratum.size
    # a unit is deleted in replicate r when all its replicate weights are zero
    nonzero = np.zeros((n_units, n_reps))
    np.add.at(nonzero, unit, (w != 0.0).astype(np.float64))
    out = np.empty(n_reps)
    for r in range(n_reps):
        deleted = np.flatnonzero(nonzero[:, r] == 0.0)
        if deleted.size != 1:
            raise ValueError(
                f"jackknife replicate {r + 1} deletes {deleted.size} PSUs; JKn deletes one"
            )
        n_h = psus_in[unit_stratum[deleted[0]]]
        out[r] = (n_h - 1.0) / n_h
    return out


def replicate_means(y: npt.ArrayLike, weights: npt.ArrayLike, domains: npt.ArrayLike) -> FloatArray:
    """Weighted mean of ``y`` in each domain for each weight set.

    Parameters
    ----------
    y : array_like, shape (n,) or (n, R)
        Per-person values (one column per weight set when they differ).
    weights : array_like, shape (n, R)
        One weight set per column.
    domains : array_like of bool, shape (n, D)
        Domain membership.

    Returns
    -------
    numpy.ndarray, shape (D, R)
        ``sum(w y) / sum(w)`` over each domain's persons; NaN where a domain has no weight.
        Persons with weight 0 do not count even when their ``y`` is NaN.
    """
    w = np.asarray(weights, dtype=np.float64)
    yy = np.asarray(y, dtype=np.float64)
    if yy.ndim == 1:
        yy = np.broadcast_to(yy[:, None], w.shape)
    d = np.asarray(domains, dtype=np.float64)
    wy = np.where(w != 0.0, w * yy, 0.0)
    num = d.T @ wy
    den = d.T @ w
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.where(den > 0.0, num / den, np.nan), dtype=np.float64)


def replicate_se(theta: npt.ArrayLike, coefficients: npt.ArrayLike) -> FloatArray:
    """Replicate standard error, centred on the mean of the replicate estimates.

    Parameters
    ----------
    theta : array_like, shape (R,) or (D, R)
        Replicate estimates (one row per domain).
    coefficients : array_like, shape (R,)
        Variance coefficient of each replicate (:func:`replicate_coefficients`).

    Returns
    -------
    numpy.ndarray, shape () or (D,)
        ``sqrt(sum_r c_r (theta_r - mean(theta))^2)`` [units of theta].
    """
    t = np.asarray(theta, dtype=np.float64)
    c = np.asarray(coefficients, dtype=np.float64)
    dev = t - t.mean(axis=-1, keepdims=True)
    return np.asarray(np.sqrt(np.sum(c * dev * dev, axis=-1)), dtype=np.float64)
