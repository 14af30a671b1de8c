"""Vectorized convolution and pooling in NumPy, with PyTorch's conventions.

Arrays are channels-first: one example is ``(C, H, W)`` (``(C, D, H, W)`` in
3D), a batch is ``(N, C, H, W)``. "Convolution" means cross-correlation, as in
every deep-learning framework: the kernel is not flipped. Padding is zeros.

Strategy (chosen by measurement, see ``benchmarks/README.md``):

* every receptive field is a strided window view of the (padded) input, made
  without copying (``_windows``);
* ordinary and grouped convolutions copy that view once into the ``im2col``
  matrix, the batch joined to the output positions, and contract it with the
  weights in one BLAS matrix product per group; a 1x1 convolution with
  stride 1 on one example needs no copy at all;
* depthwise convolutions (one filter per input map, up to
  ``MAX_SHIFT_AND_ADD_TAPS`` taps) multiply and add one shifted view per
  kernel tap instead, which needs no ``im2col`` copy;
* pooling is separable: it reduces the ``kH`` rows of every window, then the
  ``kW`` columns, with ``np.maximum`` or ``np.add``.

All argument checks run before any large allocation, and a call that would
allocate more than ``_validate.MAX_ELEMENTS`` elements is refused. The only Python loops
run over kernel taps, never over pixels, channels or the batch.
"""

from __future__ import annotations

import itertools
import math
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from ._validate import as_float_array, as_int, as_tuple, check_size

__all__ = ["conv2d", "conv3d", "max_pool2d", "avg_pool2d", "conv_output_size"]

#: Depthwise convolutions with at most this many kernel taps use shift-and-add
#: (one pass per tap, measured faster than im2col); larger kernels use im2col.
MAX_SHIFT_AND_ADD_TAPS = 49

IntOrTuple = int | tuple[int, ...]
Padding = int | tuple[int, ...] | Literal["valid", "same"]


def conv_output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """Length of a convolution's output along one spatial dimension.

    ``floor((size + 2*padding - dilation*(kernel_size - 1) - 1) / stride) + 1``,
    the formula of PyTorch's ``Conv2d`` documentation.

    Parameters
    ----------
    size : int
        Input length (height or width), >= 1.
    kernel_size : int
        Kernel length, >= 1.
    stride : int, default 1
        Step between neighbouring windows, >= 1.
    padding : int, default 0
        Zeros added on *each* side, >= 0.
    dilation : int, default 1
        Spacing between kernel taps, >= 1.

    Returns
    -------
    int
        The output length.

    Raises
    ------
    ValueError
        If an argument is out of range or the (dilated) kernel does not fit in
        the padded input, i.e. the output would be empty.

    Examples
    --------
    >>> conv_output_size(9, 3)          # the 9x9x10 volume of seed 003
    7
    >>> conv_output_size(227, 11, stride=4)   # AlexNet conv1
    55
    >>> conv_output_size(28, 5, padding=2)    # "same" padding for 5x5
    28
    """
    size = as_int(size, "size", minimum=1)
    kernel_size = as_int(kernel_size, "kernel_size", minimum=1)
    stride = as_int(stride, "stride", minimum=1)
    padding = as_int(padding, "padding", minimum=0)
    dilation = as_int(dilation, "dilation", minimum=1)
    extent = dilation * (kernel_size - 1) + 1
    padded = size + 2 * padding
    if padded < extent:
        raise ValueError(
            f"kernel_size={kernel_size} with dilation={dilation} spans {extent} pixels, more than the "
            f"padded input of {padded} (size={size}, padding={padding}): the output would be empty"
        )
    return (padded - extent) // stride + 1


def _parse_padding(padding, nd, ksize, stride, dilation) -> list[tuple[int, int]]:
    """Return (before, after) zero padding for each spatial dimension."""
    if isinstance(padding, str):
        if padding == "valid":
            return [(0, 0)] * nd
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f'padding="same" needs stride 1 (as in PyTorch), got stride={stride}')
            # PyTorch puts the odd zero (even kernels) after: total // 2 before, the rest after
            totals = [d * (k - 1) for k, d in zip(ksize, dilation)]
            return [(t // 2, t - t // 2) for t in totals]
        raise ValueError(f'padding must be an int, a tuple of {nd} ints, "valid" or "same"; got {padding!r}')
    return [(p, p) for p in as_tuple(padding, "padding", nd, minimum=0)]


def _check_bias(bias, c_out, weight_shape):
    if bias is None:
        return None
    bias = as_float_array(bias, "bias")
    if bias.shape != (c_out,):
        raise ValueError(
            f"bias must have shape ({c_out},), one value per output channel of weight {weight_shape}; "
            f"got shape {bias.shape}"
        )
    return bias


def _pad(x, pads, value=0.0):
    """``x`` with ``pads`` = [(before, after), ...] added around its trailing axes (one copy, no np.pad)."""
    if not any(lo or hi for lo, hi in pads):
        return x
    lead = x.ndim - len(pads)
    shape = x.shape[:lead] + tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[lead:], pads))
    out = np.full(shape, value, dtype=x.dtype) if value else np.zeros(shape, dtype=x.dtype)
    inner = (Ellipsis,) + tuple(slice(lo, lo + n) for n, (lo, _) in zip(x.shape[lead:], pads))
    out[inner] = x
    return out


def _windows(x, ksize, stride, dilation, out_sizes):
    """Read-only view of every receptive field, shape ``(N, C, *ksize, *out_sizes)``.

    Element ``[n, c, *tap, *pos]`` is ``x[n, c, pos * stride + tap * dilation]``:
    the textbook im2col matrix, before any copy.
    """
    x = np.ascontiguousarray(x)  # a no-op for padded or ordinary arrays
    steps = x.strides[2:]
    tap_steps = tuple(step * d for step, d in zip(steps, dilation))
    position_steps = tuple(step * s for step, s in zip(steps, stride))
    shape = x.shape[:2] + tuple(ksize) + tuple(out_sizes)
    view = np.ndarray(shape, x.dtype, buffer=x, strides=x.strides[:2] + tap_steps + position_steps)
    view.flags.writeable = False
    return view


def _conv_nd(x, weight, bias, stride, padding, dilation, groups, nd):
    x = as_float_array(x, "x", (nd + 1, nd + 2))
    weight = as_float_array(weight, "weight", (nd + 2,))
    batched = x.ndim == nd + 2
    groups = as_int(groups, "groups", minimum=1)
    stride = as_tuple(stride, "stride", nd, minimum=1)
    dilation = as_tuple(dilation, "dilation", nd, minimum=1)
    c_in, spatial = x.shape[-nd - 1], x.shape[-nd:]
    c_out, c_per_group, ksize = weight.shape[0], weight.shape[1], weight.shape[2:]
    if c_in == 0 or 0 in spatial:
        raise ValueError(f"x must have at least one channel and non-empty spatial dimensions, got shape {x.shape}")
    if c_out == 0 or c_per_group == 0 or 0 in ksize:
        raise ValueError(f"weight must not have an empty dimension, got shape {weight.shape}")
    if c_in % groups:
        raise ValueError(f"groups={groups} does not divide the {c_in} channels of x (shape {x.shape})")
    if c_out % groups:
        raise ValueError(
            f"groups={groups} does not divide the {c_out} output channels of weight (shape {weight.shape})"
        )
    if c_per_group * groups != c_in:
        raise ValueError(
            f"weight has {c_per_group} input channels per group but x has {c_in} channels (groups={groups}): "
            f"weight.shape[1] must be {c_in // groups}; x shape {x.shape}, weight shape {weight.shape}"
        )
    pads = _parse_padding(padding, nd, ksize, stride, dilation)
    out_sizes = []
    for i, (n, (lo, hi), k, d, s) in enumerate(zip(spatial, pads, ksize, dilation, stride)):
        extent = d * (k - 1) + 1
        if n + lo + hi < extent:
            raise ValueError(
                f"the kernel spans {extent} pixels (kernel {k}, dilation {d}) in spatial dimension {i}, "
                f"more than the padded input ({n} + {lo + hi} padding = {n + lo + hi}): "
                f"x shape {x.shape}, weight shape {weight.shape}"
            )
        out_sizes.append((n + lo + hi - extent) // s + 1)
    if not batched:
        x = x[None]
    bias = _check_bias(bias, c_out, weight.shape)
    n = x.shape[0]
    culprits = "padding, stride and the shapes of x and weight"
    check_size((n, c_in, *(m + lo + hi for m, (lo, hi) in zip(spatial, pads))), "padded input", culprits)
    check_size((n, c_out, *out_sizes), "output", culprits)
    check_size((n, c_in, *ksize, *out_sizes), "matrix of receptive fields", culprits)

    dtype = np.result_type(x, weight)
    x = _pad(x.astype(dtype, copy=False), pads)
    weight = weight.astype(dtype, copy=False)
    if c_per_group == 1 and c_out == groups > 1 and math.prod(ksize) <= MAX_SHIFT_AND_ADD_TAPS:
        out = _depthwise(x, weight, ksize, stride, dilation, out_sizes)
    else:
        out = _im2col_matmul(x, weight, groups, ksize, stride, dilation, out_sizes)
    if bias is not None:
        out += bias.astype(dtype, copy=False).reshape((c_out,) + (1,) * nd)
    return out if batched else out[0]


def _im2col_matmul(x, weight, groups, ksize, stride, dilation, out_sizes):
    """im2col (one copy of the window view) and one BLAS matrix product per group.

    The batch joins the output positions, so a batch costs one large product
    rather than one per example (measured: as fast on a quiet machine, up to
    3x faster when the BLAS threads compete with other work).
    """
    n, c_in = x.shape[:2]
    c_out, nd = weight.shape[0], len(ksize)
    depth = (c_in // groups) * math.prod(ksize)
    windows = _windows(x, ksize, stride, dilation, out_sizes)  # (N, C, *ksize, *out)
    windows = windows.reshape(n, groups, c_in // groups, *windows.shape[2:])  # (N, G, Cg, *ksize, *out)
    order = (1, 2, *range(3, 3 + nd), 0, *range(3 + nd, 3 + 2 * nd))  # (G, Cg, *ksize, N, *out)
    cols = windows.transpose(order).reshape(groups, depth, n * math.prod(out_sizes))
    out = np.matmul(weight.reshape(groups, c_out // groups, depth), cols)  # (G, C_out / G, N * positions)
    return np.ascontiguousarray(out.reshape(c_out, n, *out_sizes).swapaxes(0, 1))


def _depthwise(x, weight, ksize, stride, dilation, out_sizes):
    """One filter per input map: multiply and add one shifted view per kernel tap (no im2col copy).

    With stride 1, every tap's view is one contiguous run of the flattened
    (padded) maps: the sum runs over "row-extended" positions (every column of
    the padded input, measured faster than 2D strided views) and the valid
    positions are picked out at the end.
    """
    n, c = x.shape[:2]
    w = weight.reshape(c, -1, 1)  # (C, prod(ksize), 1)
    taps = list(itertools.product(*map(range, ksize)))
    if any(s != 1 for s in stride):
        windows = _windows(x, ksize, stride, dilation, out_sizes)  # (N, C, *ksize, *out)
        out = np.zeros((n, c, *out_sizes), dtype=x.dtype)
        tmp = np.empty_like(out)
        for t, tap in enumerate(taps):
            np.multiply(windows[(slice(None), slice(None), *tap)], w[:, t].reshape((c,) + (1,) * len(ksize)), out=tmp)
            out += tmp
        return out
    x = np.ascontiguousarray(x)
    flat = x.reshape(n, c, math.prod(x.shape[2:]))
    steps = [nbytes // x.itemsize for nbytes in x.strides[2:]]  # element steps of the spatial axes
    offsets = [sum(t * d * step for t, d, step in zip(tap, dilation, steps)) for tap in taps]
    length = flat.shape[2] - offsets[-1]  # just enough to reach the last valid position
    extended = np.zeros((n, c, length), dtype=x.dtype)
    tmp = np.empty_like(extended)
    for t, offset in enumerate(offsets):
        np.multiply(flat[:, :, offset : offset + length], w[:, t], out=tmp)
        extended += tmp
    valid_strides = extended.strides[:2] + tuple(step * x.itemsize for step in steps)
    return np.ndarray((n, c, *out_sizes), x.dtype, buffer=extended, strides=valid_strides).copy()


def conv2d(
    x: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    *,
    stride: IntOrTuple = 1,
    padding: Padding = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
) -> np.ndarray:
    """2D convolution (cross-correlation) of a stack of feature maps.

    Output channel ``j`` is ``bias[j]`` plus the sum, over the input channels
    ``c`` of its group, of the 2D cross-correlation of ``x[c]`` with
    ``weight[j, c]``. This is what a convolution layer computes ("type 2.2"):
    every filter spans all input maps (of its group).

    Parameters
    ----------
    x : array_like, shape (C_in, H, W) or (N, C_in, H, W)
        Input feature maps. Integer or bool input is promoted to float64.
    weight : array_like, shape (C_out, C_in // groups, kH, kW)
        One 3D filter per output channel.
    bias : array_like, shape (C_out,), optional
        One number per output channel.
    stride : int or (int, int), default 1
    padding : int, (int, int), "valid" or "same", default 0
        Zeros added on each side. ``"same"`` keeps the size (stride 1 only);
        where the needed padding is odd the extra zero goes after, as in PyTorch.
    dilation : int or (int, int), default 1
    groups : int, default 1
        Split the channels into ``groups`` independent convolutions.

    Returns
    -------
    ndarray, shape (C_out, H_out, W_out) or (N, C_out, H_out, W_out)
        ``H_out = conv_output_size(H, kH, stride, padding, dilation)``. float32
        when ``x`` and ``weight`` are both float32 (or float16), else float64;
        ``bias`` is converted to that type.

    Raises
    ------
    TypeError, ValueError
        With a message naming the argument and shapes, for any malformed call.

    See Also
    --------
    conv_output_size, conv3d, convutil.conv_type2_2

    Examples
    --------
    Two input maps, one 2x2 filter that adds map 0 and subtracts map 1:

    >>> import numpy as np
    >>> x = np.stack([np.ones((3, 3)), np.eye(3)])
    >>> w = np.stack([np.ones((2, 2)), -np.ones((2, 2))])[None]   # (1, 2, 2, 2)
    >>> conv2d(x, w, bias=[0.5])
    array([[[2.5, 3.5],
            [3.5, 2.5]]])
    >>> conv2d(np.zeros((8, 28, 28)), np.zeros((16, 8, 5, 5)), padding="same").shape
    (16, 28, 28)
    """
    return _conv_nd(x, weight, bias, stride, padding, dilation, groups, nd=2)


def conv3d(
    x: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    *,
    stride: IntOrTuple = 1,
    padding: Padding = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
) -> np.ndarray:
    """3D convolution (cross-correlation) of a stack of volumes.

    Like :func:`conv2d` with one more spatial axis: the kernel also slides
    along depth ``D``, so the output keeps a depth axis.

    Parameters
    ----------
    x : array_like, shape (C_in, D, H, W) or (N, C_in, D, H, W)
    weight : array_like, shape (C_out, C_in // groups, kD, kH, kW)
    bias : array_like, shape (C_out,), optional
    stride, dilation : int or (int, int, int), default 1
    padding : int, (int, int, int), "valid" or "same", default 0
    groups : int, default 1

    Returns
    -------
    ndarray, shape (C_out, D_out, H_out, W_out) or (N, C_out, D_out, H_out, W_out)

    Examples
    --------
    Ten 6x6 maps seen as one 10-deep volume, and a 3x3x3 filter that slides
    along depth too (the question's "3D convolution"):

    >>> import numpy as np
    >>> conv3d(np.ones((1, 10, 6, 6)), np.ones((1, 1, 3, 3, 3))).shape
    (1, 8, 4, 4)

    A filter as deep as the stack cannot slide in depth: that is ``conv2d``.

    >>> x = np.random.default_rng(0).normal(size=(10, 6, 6))
    >>> w = np.random.default_rng(1).normal(size=(4, 10, 3, 3))
    >>> np.allclose(conv3d(x[None], w[:, None])[:, 0], conv2d(x, w))
    True
    """
    return _conv_nd(x, weight, bias, stride, padding, dilation, groups, nd=3)


def _pool_setup(x, kernel_size, stride, padding, fname):
    x = as_float_array(x, "x", (3, 4))
    batched = x.ndim == 4
    k = as_tuple(kernel_size, "kernel_size", 2, minimum=1)
    s = k if stride is None else as_tuple(stride, "stride", 2, minimum=1)
    p = as_tuple(padding, "padding", 2, minimum=0)
    if 0 in x.shape[-3:]:
        raise ValueError(
            f"{fname}: x must have at least one channel and non-empty spatial dimensions, got shape {x.shape}"
        )
    out_sizes = []
    for i in range(2):
        if 2 * p[i] > k[i]:
            raise ValueError(
                f"{fname}: padding={p[i]} must be at most half of kernel_size={k[i]} (as in PyTorch), "
                f"in spatial dimension {i}"
            )
        size = x.shape[-2 + i] + 2 * p[i]
        if size < k[i]:
            raise ValueError(
                f"{fname}: kernel_size={k[i]} is larger than the padded input ({size}) in spatial dimension {i}, "
                f"x shape {x.shape}"
            )
        out_sizes.append((size - k[i]) // s[i] + 1)
    padded = (*x.shape[:-2], x.shape[-2] + 2 * p[0], x.shape[-1] + 2 * p[1])
    check_size(padded, f"{fname} padded input", "padding and kernel_size")
    return (x if batched else x[None]), batched, k, s, [(pi, pi) for pi in p], out_sizes


def _pool(x, k, s, out_sizes, reduce):
    """Reduce every ``k[0] x k[1]`` window with the in-place ufunc ``reduce`` (``np.maximum`` or ``np.add``).

    Both reductions are separable: first the ``kH`` rows of each window (at every
    column), then the ``kW`` columns, so ``kH + kW`` shifted views are combined
    rather than ``kH * kW``.
    """
    rows = _windows(x, (k[0], 1), (s[0], 1), (1, 1), (out_sizes[0], x.shape[3]))[:, :, :, 0]  # (N, C, kH, H_out, W)
    partial = rows[:, :, 0].copy()
    for i in range(1, k[0]):
        reduce(partial, rows[:, :, i], out=partial)
    cols = _windows(partial, (1, k[1]), (1, s[1]), (1, 1), out_sizes)[:, :, 0]  # (N, C, kW, H_out, W_out)
    out = cols[:, :, 0].copy()
    for j in range(1, k[1]):
        reduce(out, cols[:, :, j], out=out)
    return out


def max_pool2d(
    x: ArrayLike, kernel_size: IntOrTuple, stride: IntOrTuple | None = None, padding: IntOrTuple = 0
) -> np.ndarray:
    """Max pooling, each feature map on its own.

    The channel count is unchanged: pooling never mixes maps.

    Parameters
    ----------
    x : array_like, shape (C, H, W) or (N, C, H, W)
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size`` (non-overlapping windows).
    padding : int or (int, int), default 0
        Acts as ``-inf``; at most half the kernel size, as in PyTorch.

    Returns
    -------
    ndarray, shape (C, H_out, W_out) or (N, C, H_out, W_out)

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(16.0).reshape(1, 4, 4)
    >>> max_pool2d(x, 2)
    array([[[ 5.,  7.],
            [13., 15.]]])
    >>> max_pool2d(np.zeros((64, 112, 112)), 3, stride=2, padding=1).shape
    (64, 56, 56)
    """
    x, batched, k, s, pads, out_sizes = _pool_setup(x, kernel_size, stride, padding, "max_pool2d")
    out = _pool(_pad(x, pads, -np.inf), k, s, out_sizes, np.maximum)
    return out if batched else out[0]


def avg_pool2d(
    x: ArrayLike, kernel_size: IntOrTuple, stride: IntOrTuple | None = None, padding: IntOrTuple = 0
) -> np.ndarray:
    """Average pooling, each feature map on its own.

    Zero padding counts in the mean (PyTorch's default
    ``count_include_pad=True``), so every window is divided by ``kH * kW``.

    Parameters
    ----------
    x : array_like, shape (C, H, W) or (N, C, H, W)
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size``.
    padding : int or (int, int), default 0
        Zeros; at most half the kernel size.

    Returns
    -------
    ndarray, shape (C, H_out, W_out) or (N, C, H_out, W_out)

    Examples
    --------
    >>> import numpy as np
    >>> avg_pool2d(np.arange(16.0).reshape(1, 4, 4), 2)
    array([[[ 2.5,  4.5],
            [10.5, 12.5]]])
    >>> avg_pool2d(np.ones((1, 2, 2)), 2, stride=1, padding=1)   # zeros count
    array([[[0.25, 0.5 , 0.25],
            [0.5 , 1.  , 0.5 ],
            [0.25, 0.5 , 0.25]]])
    """
    x, batched, k, s, pads, out_sizes = _pool_setup(x, kernel_size, stride, padding, "avg_pool2d")
    out = _pool(_pad(x, pads), k, s, out_sizes, np.add)
    out /= k[0] * k[1]
    return out if batched else out[0]
