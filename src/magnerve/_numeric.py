"""Shared helpers of the array kernels (pvlib's ``numeric`` convention): what counts as an
array input, conversion to float64, and errors that name the first bad element."""

from __future__ import annotations

from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

__all__ = ["ArrayInput", "FloatArray", "any_array", "float_array", "raise_at"]

FloatArray: TypeAlias = npt.NDArray[np.float64]
#: What the kernels treat as an array (anything else numeric is a scalar): the result is then
#: an ndarray of the broadcast shape, 0-d included.
ArrayInput: TypeAlias = npt.NDArray[Any] | list[Any] | tuple[Any, ...]


def any_array(*values: object) -> bool:
    """True when any value is an ndarray, list or tuple (the kernel returns an array)."""
    return any(isinstance(v, np.ndarray | list | tuple) for v in values)


def float_array(value: npt.ArrayLike) -> FloatArray:
    """``value`` as a float64 ndarray."""
    return np.asarray(value, dtype=np.float64)


def first_index(bad: npt.NDArray[np.bool_]) -> tuple[tuple[int, ...], str]:
    """Index of the first True element, and how to print it."""
    idx = tuple(int(i) for i in np.argwhere(bad)[0])
    return idx, str(idx[0]) if len(idx) == 1 else str(idx)


def raise_at(bad: npt.NDArray[np.bool_], values: FloatArray, message: str) -> None:
    """Raise ``ValueError(message.format(value))`` naming the first element where ``bad``."""
    if bad.any():
        idx, where = first_index(bad)
        raise ValueError(f"{message.format(float(values[idx]))} at index {where}")
