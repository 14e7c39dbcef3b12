"""The report's model runs, cached on disk (JSON with a checksum, no pickle).

The report's nerve section shows one fixed sweep: the same five magnesium levels, the same
duration and the data file's seed for everyone. Its result therefore depends only on the
model (``physiology/nerve.py`` and ``data/physiology.toml``) and these inputs, so it is
computed once and kept in the user cache directory (``$MAGNERVE_CACHE_DIR``, else
``$XDG_CACHE_HOME/magnerve``, else ``~/.cache/magnerve``; ``MAGNERVE_CACHE_DIR=""``
disables the cache), keyed by a SHA-256 of the model's source, its parameter file, the
inputs and the NumPy version. A later run reads a few hundred bytes instead of importing
the compiled engine and integrating 5 x 1 s of the neuron.

The demo's homeostasis scenarios (:func:`homeostasis_series`) are deterministic too, given
their inputs: they are kept the same way, keyed by the inputs, ``physiology/homeostasis.py``,
``data/homeostasis.toml`` and the NumPy and SciPy versions, so that a warm ``magnerve demo``
neither imports ``scipy.integrate`` (about 0.2 s) nor integrates the model (about 40 ms).

Anything wrong with the cache (missing, unreadable, another key, a checksum that does not
match, a read-only disk) falls back to running the model; the cache never changes a result.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from magnerve.registry import get_registry

if TYPE_CHECKING:
    from magnerve.physiology.homeostasis import Modifiers

__all__ = [
    "REPORT_DURATION_S",
    "REPORT_MG_MM",
    "cache_path",
    "homeostasis_series",
    "nerve_sweep",
]

REPORT_MG_MM = (0.3, 0.5, 0.8, 1.0, 1.2)
"""Extracellular magnesium levels of the report's sweep [mM]."""
REPORT_DURATION_S = 1.0
"""Simulated time per level [s]."""
_FORMAT = "magnerve-nerve-sweep/1"
_H_FORMAT = "magnerve-homeostasis-series/1"
_SERIES_KEYS = ("days", "serum_mmol_l", "exchangeable_mg", "urine_mg", "total_body_mg")


def _source(module: str) -> bytes:
    """The source of a magnerve module, found without running it (a warm demo never needs
    the nerve model's module)."""
    import importlib.util

    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(module)
    return Path(spec.origin).read_bytes()


def _key(mg_mM: Sequence[float], duration_s: float) -> str:
    import numpy as np

    h = hashlib.sha256(_FORMAT.encode())
    h.update(_source("magnerve.physiology.nerve"))
    h.update(get_registry().read_bytes("physiology.toml"))
    h.update(json.dumps([[float(m) for m in mg_mM], float(duration_s)]).encode())
    h.update(np.__version__.encode())
    return h.hexdigest()


def _checksum(result: dict[str, Any]) -> str:
    text = json.dumps(result, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


def cache_path(key: str, prefix: str = "nerve-sweep") -> Path | None:
    """Where the result with this key is kept, or None when caching is disabled."""
    env = os.environ.get("MAGNERVE_CACHE_DIR")
    if env == "":
        return None
    if env:
        base = Path(env)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = (Path(xdg) if xdg else Path.home() / ".cache") / "magnerve"
    return base / f"{prefix}-{key[:24]}.json"


def _sweep_ok(result: dict[str, Any]) -> bool:
    conds = result["conditions"]
    return all(
        math.isfinite(c[k]) for c in conds for k in ("mg_mM", "firing_rate_hz", "calcium_load")
    )


def _read(
    path: Path,
    key: str,
    fmt: str = _FORMAT,
    valid: Callable[[dict[str, Any]], bool] = _sweep_ok,
) -> dict[str, Any] | None:
    try:
        doc = json.loads(path.read_text("utf-8"))
        result = doc["result"]
        if doc.get("format") != fmt or doc.get("key") != key:
            return None
        if doc.get("sha256") != _checksum(result):
            return None
        if not valid(result):
            return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return dict(result)


def _write(path: Path, key: str, result: dict[str, Any], fmt: str = _FORMAT) -> None:
    try:
        doc = {"format": fmt, "key": key, "sha256": _checksum(result), "result": result}
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(doc, allow_nan=False), encoding="utf-8")
        tmp.replace(path)
    except (OSError, ValueError):
        pass


def nerve_sweep(
    mg_mM: Sequence[float] = REPORT_MG_MM, duration_s: float = REPORT_DURATION_S
) -> dict[str, Any]:
    """``simulate_sweep(mg_mM, duration_s).to_dict()``, from the cache when it holds it.

    The seed is the data file's (part of the key through ``physiology.toml``).
    """
    key = _key(mg_mM, duration_s)
    path = cache_path(key)
    if path is not None:
        cached = _read(path, key)
        if cached is not None:
            return cached
    from magnerve.physiology.nerve import SweepResult, simulate_sweep

    sweep = simulate_sweep(list(mg_mM), duration_s)
    assert isinstance(sweep, SweepResult)
    result = sweep.to_dict()
    if path is not None:
        _write(path, key, result)
    return result


def _scipy_version() -> str:
    """The installed SciPy's version file, read without importing SciPy (about 30 ms)."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("scipy")
    except (ImportError, ValueError):
        return "none"
    if spec is None or spec.origin is None:
        return "none"
    try:
        return Path(spec.origin).with_name("version.py").read_text("utf-8")
    except OSError:
        return spec.origin  # no version file: at least the install's location


def _series_key(inputs: dict[str, Any]) -> str:
    import numpy as np

    h = hashlib.sha256(_H_FORMAT.encode())
    h.update(_source("magnerve.physiology.homeostasis"))
    h.update(get_registry().read_bytes("homeostasis.toml"))
    h.update(json.dumps(inputs, sort_keys=True).encode())
    h.update(np.__version__.encode())
    h.update(_scipy_version().encode())
    return h.hexdigest()


def _series_ok(names: list[str]) -> Callable[[dict[str, Any]], bool]:
    def ok(result: dict[str, Any]) -> bool:
        if list(result) != names:
            return False
        for tr in result.values():
            if sorted(tr) != sorted(_SERIES_KEYS):
                return False
            n = len(tr["days"])
            for k in _SERIES_KEYS:
                v = tr[k]
                if not isinstance(v, list) or len(v) != n:
                    return False
                if not all(isinstance(x, float | int) and math.isfinite(x) for x in v):
                    return False
        return True

    return ok


def homeostasis_series(
    scenarios: Sequence[tuple[str, float]],
    days: float,
    *,
    start_absorbed_mg: float | None = None,
    mods: Modifiers | None = None,
    egfr: float | None = None,
    weight_kg: float | None = None,
    initial_serum_mmol_l: float | None = None,
) -> dict[str, dict[str, Any]]:
    """``{name: simulate(absorbed, days, ...).to_dict()}`` for each scenario, from the cache
    when it holds them.

    Parameters
    ----------
    scenarios : sequence of (str, float)
        Name and absorbed magnesium [mg/day] of each scenario, in the order of the result.
    days : float
        Duration [days].
    start_absorbed_mg, mods, egfr, weight_kg, initial_serum_mmol_l
        As :func:`magnerve.physiology.homeostasis.simulate` (absorbed before [mg/day],
        modifiers, eGFR [mL/min/1.73 m²], body weight [kg], measured serum [mmol/L]).

    Returns
    -------
    dict
        The trajectories by scenario name (``days``, ``serum_mmol_l``, ``exchangeable_mg``,
        ``urine_mg``, ``total_body_mg``), identical to the model's.
    """
    from magnerve.physiology.homeostasis import Modifiers

    m = mods if mods is not None else Modifiers()
    names = [str(n) for n, _ in scenarios]
    inputs = {
        "scenarios": [[n, float(a)] for n, a in scenarios],
        "days": float(days),
        "start_absorbed_mg": None if start_absorbed_mg is None else float(start_absorbed_mg),
        "mods": {k: float(v) for k, v in asdict(m).items()},
        "egfr": None if egfr is None else float(egfr),
        "weight_kg": None if weight_kg is None else float(weight_kg),
        "initial_serum_mmol_l": (
            None if initial_serum_mmol_l is None else float(initial_serum_mmol_l)
        ),
    }
    if len(set(names)) != len(names):
        raise ValueError("scenario names must differ")
    key = _series_key(inputs)
    path = cache_path(key, "homeostasis")
    if path is not None:
        cached = _read(path, key, _H_FORMAT, _series_ok(names))
        if cached is not None:
            return cached
    from magnerve.physiology.homeostasis import simulate

    result = {
        name: simulate(
            absorbed,
            days,
            start_absorbed_mg=start_absorbed_mg,
            mods=m,
            egfr=egfr,
            weight_kg=weight_kg,
            initial_serum_mmol_l=initial_serum_mmol_l,
        ).to_dict()
        for name, absorbed in scenarios
    }
    if path is not None:
        _write(path, key, result, _H_FORMAT)
    return result
