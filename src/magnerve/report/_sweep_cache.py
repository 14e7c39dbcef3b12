"""The report's nerve sweep, cached on disk (JSON with a checksum, no pickle).

The report's nerve section shows one fixed sweep: the same five magnesium levels, the same
duration and the data file's seed for everyone. Its result therefore depends only on the
model (``physiology/nerve.py`` and ``data/physiology.toml``) and these inputs, so it is
computed once and kept in the user cache directory (``$MAGNERVE_CACHE_DIR``, else
``$XDG_CACHE_HOME/magnerve``, else ``~/.cache/magnerve``; ``MAGNERVE_CACHE_DIR=""``
disables the cache), keyed by a SHA-256 of the model's source, its parameter file, the
inputs and the NumPy version. A later run reads a few hundred bytes instead of importing
the compiled engine and integrating 5 x 1 s of the neuron.

Anything wrong with the cache (missing, unreadable, another key, a checksum that does not
match, a read-only disk) falls back to running the sweep; the cache never changes a result.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from magnerve.registry import get_registry

__all__ = ["REPORT_DURATION_S", "REPORT_MG_MM", "cache_path", "nerve_sweep"]

REPORT_MG_MM = (0.3, 0.5, 0.8, 1.0, 1.2)
"""Extracellular magnesium levels of the report's sweep [mM]."""
REPORT_DURATION_S = 1.0
"""Simulated time per level [s]."""
_FORMAT = "magnerve-nerve-sweep/1"


def _key(mg_mM: Sequence[float], duration_s: float) -> str:
    import numpy as np

    from magnerve.physiology import nerve

    h = hashlib.sha256(_FORMAT.encode())
    h.update(Path(nerve.__file__).read_bytes())
    h.update(get_registry().read_bytes("physiology.toml"))
    h.update(json.dumps([[float(m) for m in mg_mM], float(duration_s)]).encode())
    h.update(np.__version__.encode())
    return h.hexdigest()


def _checksum(result: dict[str, Any]) -> str:
    text = json.dumps(result, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


def cache_path(key: str) -> Path | None:
    """Where the sweep with this key is kept, or None when caching is disabled."""
    env = os.environ.get("MAGNERVE_CACHE_DIR")
    if env == "":
        return None
    if env:
        base = Path(env)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = (Path(xdg) if xdg else Path.home() / ".cache") / "magnerve"
    return base / f"nerve-sweep-{key[:24]}.json"


def _read(path: Path, key: str) -> dict[str, Any] | None:
    try:
        doc = json.loads(path.read_text("utf-8"))
        result = doc["result"]
        if doc.get("format") != _FORMAT or doc.get("key") != key:
            return None
        if doc.get("sha256") != _checksum(result):
            return None
        conds = result["conditions"]
        if not all(
            math.isfinite(c[k]) for c in conds for k in ("mg_mM", "firing_rate_hz", "calcium_load")
        ):
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return dict(result)


def _write(path: Path, key: str, result: dict[str, Any]) -> None:
    doc = {"format": _FORMAT, "key": key, "sha256": _checksum(result), "result": result}
    try:
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
