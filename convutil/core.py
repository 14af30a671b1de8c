"""Vectorized convolution and pooling in NumPy, with PyTorch's conventions.

Arrays are channels-first: one example is ``(C, H, W)`` (``(C, D, H, W)`` in
3D), a batch is ``(N, C, H, W)``. "Convolution" means cross-correlation, as in
every deep-learning framework: the kernel is not flipped. Padding is zeros.

Strategy (chosen by measurement, see ``benchmarks/README.md``):

* ordinary and grouped convolutions gather every receptive field with a
  strided window view (``im2col``) and contract it with the weights in one
  batched BLAS matrix product per call;
* convolutions with one input channel per group (depthwise) multiply and add
  one shifted view per kernel tap, which needs no ``im2col`` copy at all;
* pooling reduces one shifted view per kernel tap with ``np.maximum`` / ``+``.

The only Python loops run over kernel taps (at most ``kH * kW`` iterations),
never over pixels, channels or the batch.
"""

from __future__ import annotations

from typing import Literal, Union

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._validate import as_float_array, as_int, as_tuple

__all__ = ["conv2d", "conv3d", "max_pool2d", "avg_pool2d", "conv_output_size"]

IntOrTuple = Union[int, tuple[int, ...]]
Padding = Union[int, tuple[int, ...], Literal["valid", "same"]]


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
            pads = []
            for k, d in zip(ksize, dilation):
                total = d * (k - 1)
                pads.append((total // 2, total - total // 2))  # extra zero goes after, like PyTorch
            return pads
        raise ValueError(f'padding must be an int, a tuple of {nd} ints, "valid" or "same"; got {padding!r}')
    return [(p, p) for p in as_tuple(padding, "padding", nd, minimum=0)]


def _check_bias(bias, c_out, weight_shape):
    if bias is None:
        return None
    bias = as_float_array(bias, "bias")
    if bias.shape != (c_out,):
        raise ValueError(
            f"bias must have shape ({c_out},), one value per output channel of weight {weight_shape}; got shape {bias.shape}"
        )
    return bias


def _conv_nd(x, weight, bias, stride, padding, dilation, groups, nd):
    x = as_float_array(x, "x", (nd + 1, nd + 2))
    weight = as_float_array(weight, "weight", (nd + 2,))
    batched = x.ndim == nd + 2
    if not batched:
        x = x[None]
    groups = as_int(groups, "groups", minimum=1)
    stride = as_tuple(stride, "stride", nd, minimum=1)
    dilation = as_tuple(dilation, "dilation", nd, minimum=1)
    c_in, spatial = x.shape[1], x.shape[2:]
    c_out, c_per_group, ksize = weight.shape[0], weight.shape[1], weight.shape[2:]
    if c_out == 0 or c_per_group == 0 or 0 in ksize:
        raise ValueError(f"weight must not have an empty dimension, got shape {weight.shape}")
    if c_in == 0:
        raise ValueError(f"x must have at least one channel, got shape {x.shape}")
    if c_in % groups:
        raise ValueError(f"groups={groups} does not divide the {c_in} channels of x (shape {x.shape})")
    if c_out % groups:
        raise ValueError(f"groups={groups} does not divide the {c_out} output channels of weight (shape {weight.shape})")
    if c_per_group * groups != c_in:
        raise ValueError(
            f"weight has {c_per_group} input channels per group but x has {c_in} channels (groups={groups}): "
            f"weight.shape[1] must be {c_in // groups}; x shape {x.shape}, weight shape {weight.shape}"
        )
    pads = _parse_padding(padding, nd, ksize, stride, dilation)
    extents = tuple(d * (k - 1) + 1 for k, d in zip(ksize, dilation))
    out_sizes = []
    for i, (n, (lo, hi), e, s) in enumerate(zip(spatial, pads, extents, stride)):
        if n + lo + hi < e:
            raise ValueError(
                f"the kernel spans {e} pixels (kernel {ksize[i]}, dilation {dilation[i]}) in spatial dimension {i}, "
                f"more than the padded input ({n} + {lo + hi} padding = {n + lo + hi}): "
                f"x shape {x.shape}, weight shape {weight.shape}"
            )
        out_sizes.append((n + lo + hi - e) // s + 1)
    bias = _check_bias(bias, c_out, weight.shape)
    dtype = np.result_type(x, weight, *(() if bias is None else (bias,)))
    x, weight = x.astype(dtype, copy=False), weight.astype(dtype, copy=False)

    if any(lo or hi for lo, hi in pads):
        x = np.pad(x, [(0, 0), (0, 0), *pads])
    if c_per_group == 1 and groups > 1:
        out = _depthwise(x, weight, groups, ksize, stride, dilation, out_sizes)
    else:
        out = _im2col_matmul(x, weight, groups, ksize, stride, dilation, out_sizes)
    if bias is not None:
        out += bias.astype(dtype, copy=False).reshape((c_out,) + (1,) * nd)
    return out if batched else out[0]


def _tap_view(x, tap, stride, dilation, out_sizes):
    """The strided view of ``x`` that kernel tap ``tap`` multiplies, shape (N, C, *out_sizes)."""
    index = [slice(None), slice(None)]
    for t, s, d, o in zip(tap, stride, dilation, out_sizes):
        start = t * d
        index.append(slice(start, start + s * (o - 1) + 1, s))
    return x[tuple(index)]


def _im2col_matmul(x, weight, groups, ksize, stride, dilation, out_sizes):
    nd = len(ksize)
    n, c_in = x.shape[:2]
    extents = tuple(d * (k - 1) + 1 for k, d in zip(ksize, dilation))
    axes = tuple(range(2, 2 + nd))
    win = sliding_window_view(x, extents, axis=axes)  # (N, C, *positions, *extents)
    index = (slice(None), slice(None)) + tuple(slice(None, None, s) for s in stride)
    index += tuple(slice(None, None, d) for d in dilation)
    win = win[index]  # (N, C, *out_sizes, *ksize)
    # reorder to (N, C, *ksize, *out) so that one reshape gives the column matrix
    order = (0, 1, *range(2 + nd, 2 + 2 * nd), *range(2, 2 + nd))
    kprod, oprod = int(np.prod(ksize)), int(np.prod(out_sizes))
    cols = win.transpose(order).reshape(n, groups, (c_in // groups) * kprod, oprod)
    w = weight.reshape(groups, weight.shape[0] // groups, -1)  # (G, Og, Cg*K)
    out = np.matmul(w, cols)  # (N, G, Og, out)
    return out.reshape(n, weight.shape[0], *out_sizes)


def _depthwise(x, weight, groups, ksize, stride, dilation, out_sizes):
    # one input channel per group: shift-and-add over the kernel taps
    n = x.shape[0]
    mult = weight.shape[0] // groups
    w = weight.reshape(groups, mult, -1)  # (G, M, K)
    out = np.zeros((n, groups, mult, *out_sizes), dtype=x.dtype)
    tmp = np.empty_like(out)
    wshape = (1, groups, mult) + (1,) * len(ksize)
    for t, tap in enumerate(np.ndindex(*ksize)):
        view = _tap_view(x, tap, stride, dilation, out_sizes)[:, :, None]
        np.multiply(view, w[:, :, t].reshape(wshape), out=tmp)
        out += tmp
    return out.reshape(n, groups * mult, *out_sizes)


def conv2d(
    x,
    weight,
    bias=None,
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
        ``H_out = conv_output_size(H, kH, stride, padding, dilation)``.

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
    x,
    weight,
    bias=None,
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
    if not batched:
        x = x[None]
    k = as_tuple(kernel_size, "kernel_size", 2, minimum=1)
    s = k if stride is None else as_tuple(stride, "stride", 2, minimum=1)
    p = as_tuple(padding, "padding", 2, minimum=0)
    for i in range(2):
        if 2 * p[i] > k[i]:
            raise ValueError(
                f"{fname}: padding={p[i]} must be at most half of kernel_size={k[i]} (as in PyTorch), in spatial dimension {i}"
            )
    out_sizes = []
    for i in range(2):
        size = x.shape[2 + i] + 2 * p[i]
        if size < k[i]:
            raise ValueError(
                f"{fname}: kernel_size={k[i]} is larger than the padded input ({size}) in spatial dimension {i}, x shape {x.shape}"
            )
        out_sizes.append((size - k[i]) // s[i] + 1)
    return x, batched, k, s, p, out_sizes


def max_pool2d(x, kernel_size: IntOrTuple, stride: IntOrTuple | None = None, padding: IntOrTuple = 0) -> np.ndarray:
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
    x, batched, k, s, p, out_sizes = _pool_setup(x, kernel_size, stride, padding, "max_pool2d")
    if any(p):
        x = np.pad(x, [(0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])], constant_values=-np.inf)
    out = None
    for tap in np.ndindex(*k):
        view = _tap_view(x, tap, s, (1, 1), out_sizes)
        out = view.copy() if out is None else np.maximum(out, view, out=out)
    return out if batched else out[0]


def avg_pool2d(x, kernel_size: IntOrTuple, stride: IntOrTuple | None = None, padding: IntOrTuple = 0) -> np.ndarray:
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
    x, batched, k, s, p, out_sizes = _pool_setup(x, kernel_size, stride, padding, "avg_pool2d")
    if any(p):
        x = np.pad(x, [(0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])])
    out = None
    for tap in np.ndindex(*k):
        view = _tap_view(x, tap, s, (1, 1), out_sizes)
        out = view.copy() if out is None else np.add(out, view, out=out)
    out /= k[0] * k[1]
    return out if batched else out[0]
