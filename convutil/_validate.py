"""Argument checking shared by the public functions.

Every public function turns malformed input into a ``TypeError`` or
``ValueError`` whose message names the argument and the offending value or
shape, so that a student never has to decode a NumPy broadcasting error.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np


def as_float_array(value, name: str, ndims: Sequence[int] | None = None) -> np.ndarray:
    """Return ``value`` as a floating-point array, or raise a clear error.

    float32 stays float32 and float64 stays float64; integer, bool and
    float16 input is promoted (bool/int to float64, float16 to float32).
    """
    if value is None:
        raise TypeError(f"{name} must be an array, got None")
    if isinstance(value, (str, bytes, dict, set)):
        raise TypeError(f"{name} must be a numeric array, got {type(value).__name__}")
    try:
        arr = np.asarray(value)
    except ValueError as exc:  # ragged nested lists
        raise TypeError(f"{name} must be a rectangular numeric array (ragged input?): {exc}") from None
    if arr.dtype == object:
        raise TypeError(f"{name} must be a rectangular numeric array, got an object array (ragged or mixed input?)")
    if arr.dtype.kind in "iub":
        arr = arr.astype(np.float64)
    elif arr.dtype.kind == "f":
        if arr.dtype.itemsize < 4:
            arr = arr.astype(np.float32)
        elif arr.dtype not in (np.float32, np.float64):
            arr = arr.astype(np.float64)
    else:
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if ndims is not None and arr.ndim not in ndims:
        wanted = " or ".join(str(d) for d in ndims)
        raise ValueError(f"{name} must have {wanted} dimensions, got shape {arr.shape} ({arr.ndim} dimensions)")
    return arr


def as_int(value, name: str, *, minimum: int | None = None) -> int:
    """Return ``value`` as a Python int (no bools, no floats), checking ``minimum``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def as_tuple(value, name: str, n: int, *, minimum: int) -> tuple[int, ...]:
    """Expand an int or a length-``n`` sequence of ints into an ``n``-tuple."""
    if isinstance(value, (tuple, list, np.ndarray)):
        items = list(value)
        if len(items) != n:
            raise ValueError(f"{name} must be an int or a sequence of {n} ints, got {value!r}")
        return tuple(as_int(v, f"{name}[{i}]", minimum=minimum) for i, v in enumerate(items))
    return (as_int(value, name, minimum=minimum),) * n
