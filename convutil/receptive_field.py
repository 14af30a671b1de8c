"""One output value of a convolution layer taken apart (windows, kernel slices, partial sums, bias),
computed from the definition (not with :func:`convutil.conv2d`) so it can be checked against it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import as_float_array, as_int, as_tuple
from .core import conv_output_size

__all__ = ["ReceptiveField", "receptive_field", "window_taps", "conv_arrays", "conv_arguments"]


@dataclass(frozen=True)
class ReceptiveField:
    """The numbers behind one output value ``[out_channel, row, col]`` of a convolution layer.

    ``partial_sums[c] = products[c].sum() = (window[c] * kernel[c]).sum()`` and
    ``total = bias + partial_sums.sum()``. ``rows`` (kH,) and ``cols`` (kW,) are the
    taps' coordinates in the *unpadded* input (outside it on padding); ``window``,
    ``kernel`` (``weight[out_channel]``) and ``products`` have shape (C_in, kH, kW);
    ``output_size`` is (H_out, W_out).
    """

    out_channel: int
    row: int
    col: int
    rows: np.ndarray
    cols: np.ndarray
    window: np.ndarray
    kernel: np.ndarray
    products: np.ndarray
    partial_sums: np.ndarray
    bias: float
    total: float
    output_size: tuple


def conv_arrays(x, weight, bias):
    """``x`` (C_in, H, W), ``weight`` (C_out, C_in, kH, kW) and ``bias`` (C_out,) checked, as float arrays."""
    x = as_float_array(x, "x", (3,))
    weight = as_float_array(weight, "weight", (4,))
    if 0 in x.shape or 0 in weight.shape:
        raise ValueError(f"x and weight must not have empty dimensions, got shapes {x.shape} and {weight.shape}")
    if weight.shape[1] != x.shape[0]:
        raise ValueError(
            f"weight has {weight.shape[1]} input channels but x has {x.shape[0]} maps: "
            f"x shape {x.shape}, weight shape {weight.shape}"
        )
    bias = np.zeros(weight.shape[0]) if bias is None else as_float_array(bias, "bias")
    if bias.shape != (weight.shape[0],):
        raise ValueError(f"bias must have shape ({weight.shape[0]},) for weight {weight.shape}, got {bias.shape}")
    return x, weight, bias


def conv_arguments(x, weight, stride, padding, dilation):
    """Stride, padding and dilation as pairs, and the output size they give (ValueError if empty)."""
    stride = as_tuple(stride, "stride", 2, minimum=1)
    padding = as_tuple(padding, "padding", 2, minimum=0)
    dilation = as_tuple(dilation, "dilation", 2, minimum=1)
    out = tuple(
        conv_output_size(x.shape[1 + i], weight.shape[2 + i], stride[i], padding[i], dilation[i]) for i in range(2)
    )
    return stride, padding, dilation, out


def receptive_field(
    x, weight, bias=None, *, out_channel: int = 0, row: int = 0, col: int = 0, stride=1, padding=0, dilation=1
) -> ReceptiveField:
    """The :class:`ReceptiveField` (windows, kernel slices, partial sums, bias, total) behind one output value.

    ``x``, ``weight``, ``bias`` and ``stride``, ``padding``, ``dilation`` as for
    :func:`convutil.conv2d` (one example, no groups); ``out_channel``, ``row``, ``col``
    name the output value.

    Examples
    --------
    >>> import numpy as np
    >>> from convutil import conv2d
    >>> x, w = np.arange(18.0).reshape(2, 3, 3), np.ones((1, 2, 2, 2))
    >>> rf = receptive_field(x, w, [0.5], row=1, col=0)
    >>> rf.partial_sums, rf.total, float(conv2d(x, w, [0.5])[0, 1, 0])
    (array([20., 56.]), 76.5, 76.5)
    """
    x, weight, bias = conv_arrays(x, weight, bias)
    stride, padding, dilation, out = conv_arguments(x, weight, stride, padding, dilation)
    out_channel = as_int(out_channel, "out_channel", minimum=0)
    if out_channel >= weight.shape[0]:
        raise ValueError(f"out_channel must be < {weight.shape[0]} (weight shape {weight.shape}), got {out_channel}")
    row = as_int(row, "row", minimum=0)
    col = as_int(col, "col", minimum=0)
    if row >= out[0] or col >= out[1]:
        raise ValueError(f"(row, col) = ({row}, {col}) is outside the {out[0]}x{out[1]} output")
    kh, kw = weight.shape[2:]
    rows = row * stride[0] - padding[0] + dilation[0] * np.arange(kh)
    cols = col * stride[1] - padding[1] + dilation[1] * np.arange(kw)
    inside_r = (rows >= 0) & (rows < x.shape[1])
    inside_c = (cols >= 0) & (cols < x.shape[2])
    window = x[:, np.clip(rows, 0, x.shape[1] - 1)][:, :, np.clip(cols, 0, x.shape[2] - 1)]
    window = window * (inside_r[:, None] & inside_c[None, :])
    kernel = weight[out_channel]
    products = window * kernel
    partial = products.sum(axis=(1, 2))
    b = float(bias[out_channel])
    return ReceptiveField(
        out_channel, row, col, rows, cols, window, kernel, products, partial, b, float(b + partial.sum()), out
    )


def window_taps(n: int, k: int, s: int = 1, p: int = 0, d: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Where every window of a kernel reads along one dimension of ``n`` pixels.

    Returns ``taps`` (n_out, k), the pixel each tap reads (``-p .. n + p - 1``,
    outside ``0 .. n - 1`` on padding; ``n_out`` 0 where the kernel does not fit),
    and ``covered`` (n + 2p,), whether some window reads each padded position.

    Examples
    --------
    >>> window_taps(7, 3, s=2, p=1)[0].tolist()
    [[-1, 0, 1], [1, 2, 3], [3, 4, 5], [5, 6, 7]]
    """
    n, k, s, p, d = (as_int(v, name, minimum=m) for v, name, m in zip((n, k, s, p, d), "nkspd", (1, 1, 1, 0, 1)))
    out = max((n + 2 * p - d * (k - 1) - 1) // s + 1, 0)
    taps = np.arange(out)[:, None] * s + d * np.arange(k)[None, :]  # positions in the padded row
    covered = np.zeros(n + 2 * p, bool)
    covered[taps.ravel()] = True
    return taps - p, covered
