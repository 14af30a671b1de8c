"""Vectorized convolution and pooling in NumPy, with PyTorch's conventions.

Channels-first arrays, cross-correlation (no kernel flip, as PyTorch, TensorFlow and
Caffe; Theano and Lasagne flip), zero padding. Strategy (measured, see
``benchmarks/README.md``): windows are views of the padded input
(``sliding_window_view``); convolutions copy them into an ``im2col`` matrix one chunk
of ``MEMORY_BUDGET`` bytes at a time, one BLAS product per group; depthwise ones add
one shifted view per tap; pooling is separable. Checks run before any large
allocation; Python loops run only over kernel taps and chunks.
"""

from __future__ import annotations

import itertools
import math
from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._validate import as_float_array, as_int, as_tuple, check_size

__all__ = [
    "conv2d", "conv3d", "max_pool2d", "avg_pool2d", "conv_output_size", "conv2d_backward", "max_pool2d_backward",
    "avg_pool2d_backward"
]  # fmt: skip

#: Depthwise convolutions with at most this many kernel taps use shift-and-add
#: (one pass per tap, measured faster than im2col); larger kernels use im2col.
MAX_SHIFT_AND_ADD_TAPS = 49

#: Largest im2col chunk in bytes: calls need little more than input + output + this.
#: 16 MB stays near the caches: 2-4x faster than 64 MB on the seeds' 1337-map 3D example.
MEMORY_BUDGET = 16 * 2**20


def conv_output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """Length of a convolution's output along one dimension (PyTorch's ``Conv2d`` formula).

    ``floor((size + 2*padding - dilation*(kernel_size - 1) - 1) / stride) + 1``;
    ValueError when an argument is out of range or the output would be empty.

    Examples
    --------
    >>> conv_output_size(9, 3), conv_output_size(227, 11, stride=4), conv_output_size(28, 5, padding=2)
    (7, 55, 28)
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


def _check_grad_out(grad_out, shape, batched, call):
    """``grad_out`` as a batched float array of the forward output's ``shape`` (batched), or a clear error."""
    grad_out = as_float_array(grad_out, "grad_out")
    want = tuple(shape) if batched else tuple(shape[1:])
    if grad_out.shape != want:
        raise ValueError(f"grad_out must have the shape of the output of {call}, {want}; got shape {grad_out.shape}")
    return grad_out if batched else grad_out[None]


def _pad(x, pads, value=0.0):
    """``x`` with ``pads`` = [(before, after), ...] added around its trailing axes (one copy, no np.pad)."""
    if not any(lo or hi for lo, hi in pads):
        return x
    lead = x.ndim - len(pads)
    shape = x.shape[:lead] + tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[lead:], pads))
    out = np.full(shape, value, dtype=x.dtype) if value else np.zeros(shape, dtype=x.dtype)
    out[_inner(pads, x.shape[lead:])] = x
    return out


def _inner(pads, sizes):
    """Index of the unpadded part of a padded array: the inverse of :func:`_pad`."""
    return (Ellipsis,) + tuple(slice(lo, lo + n) for n, (lo, _) in zip(sizes, pads))


def _tap(xp, tap, stride, dilation, out_sizes):
    """View of ``xp`` at one kernel tap for all output positions: ``xp[..., *(pos * stride + tap * dilation)]``."""
    index = (slice(t * d, t * d + (n - 1) * s + 1, s) for t, d, s, n in zip(tap, dilation, stride, out_sizes))
    return xp[(Ellipsis, *index)]


class _ConvCall(NamedTuple):
    """A checked convolution call: ``x`` batched (not padded) and the resolved geometry."""

    x: np.ndarray
    weight: np.ndarray
    batched: bool
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    groups: int
    pads: list[tuple[int, int]]
    out_sizes: tuple[int, ...]


def _conv_setup(x, weight, stride, padding, dilation, groups, nd) -> _ConvCall:
    """Check a convolution's arguments (before any large allocation) and resolve its geometry."""
    x = as_float_array(x, "x", (nd + 1, nd + 2))
    weight = as_float_array(weight, "weight", (nd + 2,))
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
    batched = x.ndim == nd + 2
    x = x if batched else x[None]
    culprits = "padding, stride and the shapes of x and weight"
    check_size((x.shape[0], c_in, *(m + lo + hi for m, (lo, hi) in zip(spatial, pads))), "padded input", culprits)
    check_size((x.shape[0], c_out, *out_sizes), "output", culprits)
    return _ConvCall(x, weight, batched, stride, dilation, groups, pads, tuple(out_sizes))


def _conv_nd(x, weight, bias, stride, padding, dilation, groups, nd):
    call = _conv_setup(x, weight, stride, padding, dilation, groups, nd)
    bias = _check_bias(bias, call.weight.shape[0], call.weight.shape)
    dtype = np.result_type(call.x, call.weight)
    xp = _pad(call.x.astype(dtype, copy=False), call.pads)
    weight = call.weight.astype(dtype, copy=False)
    out = _correlate(xp, weight, call.groups, call.stride, call.dilation, call.out_sizes)
    if bias is not None:
        out += bias.astype(dtype, copy=False).reshape((-1,) + (1,) * nd)
    return out if call.batched else out[0]


def _correlate(xp, weight, groups, stride, dilation, out_sizes):
    """The cross-correlation of the padded batch ``xp`` with ``weight``: picks the strategy."""
    c_out, c_per_group, *ksize = weight.shape
    if c_per_group == 1 and c_out == groups > 1 and math.prod(ksize) <= MAX_SHIFT_AND_ADD_TAPS:
        return _depthwise(xp, weight, ksize, stride, dilation, out_sizes)
    return _im2col_matmul(xp, weight, groups, stride, dilation, out_sizes)


def _im2col_chunks(xp, groups, ksize, stride, dilation, out_sizes):
    """Yield ``(index, cols)``: the im2col matrix, one chunk of at most ``MEMORY_BUDGET`` bytes at a time.

    ``index`` slices the output positions ``(N, *out_sizes)``; ``cols`` has shape
    ``(G, C_in/G * prod(ksize), positions)``. The batch joins the positions: one large
    BLAS product rather than one per example (up to 3x faster under load).
    """
    n, c_in, nd = xp.shape[0], xp.shape[1], len(ksize)
    extents = [d * (k - 1) + 1 for k, d in zip(ksize, dilation)]
    windows = sliding_window_view(xp, extents, axis=tuple(range(2, 2 + nd)))  # (N, C, *positions, *extents)
    windows = windows[(Ellipsis, *(slice(None, None, s) for s in stride), *(slice(None, None, d) for d in dilation))]
    # windows[n, c, *pos, *tap] = xp[n, c, *(pos * stride + tap * dilation)], still a view
    windows = windows.reshape(n, groups, c_in // groups, *windows.shape[2:])
    order = (1, 2, *range(3 + nd, 3 + 2 * nd), 0, *range(3, 3 + nd))  # (G, C_in/G, *ksize, N, *out_sizes)
    depth = c_in // groups * math.prod(ksize)
    columns = max(1, MEMORY_BUDGET // (groups * depth * xp.itemsize))  # columns per chunk
    sizes, axis, tail = (n, *out_sizes), nd, 1
    while axis >= 0 and tail * sizes[axis] <= columns:  # whole trailing axes that fit
        tail, axis = tail * sizes[axis], axis - 1
    if axis < 0:  # everything in one chunk
        yield (slice(None),) * (nd + 1), windows.transpose(order).reshape(groups, depth, -1)
        return
    step = columns // tail
    for lead in np.ndindex(*sizes[:axis]):
        for start in range(0, sizes[axis], step):
            index = (*(slice(i, i + 1) for i in lead), slice(start, start + step), *[slice(None)] * (nd - axis))
            chunk = windows[(index[0], slice(None), slice(None), *index[1:])]
            yield index, chunk.transpose(order).reshape(groups, depth, -1)


def _im2col_matmul(xp, weight, groups, stride, dilation, out_sizes):
    """im2col and one BLAS matrix product per group, chunk by chunk."""
    n, c_out = xp.shape[0], weight.shape[0]
    w = weight.reshape(groups, c_out // groups, -1)
    out = np.empty((n, c_out, *out_sizes), dtype=xp.dtype)
    for index, cols in _im2col_chunks(xp, groups, weight.shape[2:], stride, dilation, out_sizes):
        block = out[(index[0], slice(None), *index[1:])]
        part = np.matmul(w, cols).reshape(c_out, block.shape[0], *block.shape[2:]).swapaxes(0, 1)
        if block.shape == out.shape:
            return np.ascontiguousarray(part)  # one chunk: no copy for a single example
        block[...] = part
        del cols  # free this chunk before the next one is built
    return out


def _depthwise(x, weight, ksize, stride, dilation, out_sizes):
    """One filter per input map: multiply and add one shifted view per kernel tap (no im2col copy).

    With stride 1 each tap is one contiguous run of the flattened padded maps (faster
    than 2D views); the valid positions are picked out at the end.
    """
    n, c = x.shape[:2]
    w = weight.reshape(c, -1, 1)  # (C, prod(ksize), 1)
    taps = list(itertools.product(*map(range, ksize)))
    if any(s != 1 for s in stride):
        out = np.zeros((n, c, *out_sizes), dtype=x.dtype)
        tmp = np.empty_like(out)
        for t, tap in enumerate(taps):
            np.multiply(_tap(x, tap, stride, dilation, out_sizes), w[:, t].reshape((c,) + (1,) * len(ksize)), out=tmp)
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


def _input_grad(grad_out, weight, x_shape, pads, groups, stride, dilation):
    """The transposed convolution: ``grad_out``, spread by the stride, correlated with the flipped kernels.

    Each filter's kernels go back to their input maps (weight transposed within each
    group); only the rows over ``x``, not its padding, are computed.
    """
    n, c_out, *out_sizes = grad_out.shape
    c_in, sizes, ksize = x_shape[1], x_shape[2:], weight.shape[2:]
    spans = [d * (k - 1) for k, d in zip(ksize, dilation)]
    spread = np.zeros((n, c_out, *(m + lo + hi + e for m, (lo, hi), e in zip(sizes, pads, spans))), grad_out.dtype)
    spread[(Ellipsis, *(slice(e, e + (m - 1) * s + 1, s) for e, m, s in zip(spans, out_sizes, stride)))] = grad_out
    spread = spread[(Ellipsis, *(slice(lo, lo + m + e) for (lo, _), m, e in zip(pads, sizes, spans)))]
    flipped = weight[(Ellipsis, *[slice(None, None, -1)] * len(ksize))]
    per_group = flipped.reshape(groups, c_out // groups, c_in // groups, *ksize).swapaxes(1, 2)
    transposed = np.ascontiguousarray(per_group).reshape(c_in, c_out // groups, *ksize)
    return _correlate(spread, transposed, groups, (1,) * len(ksize), dilation, tuple(sizes))


def _weight_grad(xp, grad_out, groups, ksize, stride, dilation):
    """The correlation of the (padded) input with ``grad_out``, summed over the batch, chunk by chunk."""
    n, c_out, *out_sizes = grad_out.shape
    g = grad_out.reshape(n, groups, c_out // groups, *out_sizes)
    grad_w = np.zeros((groups, c_out // groups, xp.shape[1] // groups * math.prod(ksize)), xp.dtype)
    for index, cols in _im2col_chunks(xp, groups, ksize, stride, dilation, out_sizes):
        g_chunk = np.moveaxis(g[(index[0], slice(None), slice(None), *index[1:])], 0, 2)
        g_chunk = g_chunk.reshape(groups, c_out // groups, -1)
        grad_w += np.matmul(g_chunk, cols.swapaxes(1, 2))  # (G, C_out/G, C_in/G * prod(ksize))
        del cols  # free this chunk before the next one is built
    return grad_w.reshape(c_out, -1, *ksize)


def conv2d(x, weight, bias=None, *, stride=1, padding=0, dilation=1, groups=1) -> np.ndarray:
    """2D convolution (cross-correlation) of a stack of feature maps: the "type 2.2" layer.

    Output map ``j`` is ``bias[j]`` plus the sum, over the input maps ``c`` of its
    group, of ``x[c]`` cross-correlated with ``weight[j, c]``.

    Parameters
    ----------
    x : array_like, shape (C_in, H, W) or (N, C_in, H, W)
        Integer or bool input is promoted to float64.
    weight : array_like, shape (C_out, C_in // groups, kH, kW)
    bias : array_like, shape (C_out,), optional
    stride, dilation : int or (int, int), default 1
    padding : int, (int, int), "valid" or "same", default 0
        ``"same"`` (stride 1 only) puts an odd extra zero after, as PyTorch does.
    groups : int, default 1

    Returns
    -------
    ndarray, shape (C_out, H_out, W_out) or (N, C_out, H_out, W_out)
        float32 when ``x`` and ``weight`` are float32 (or float16), else float64.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.stack([np.ones((3, 3)), np.eye(3)])
    >>> w = np.stack([np.ones((2, 2)), -np.ones((2, 2))])[None]   # map 0 minus map 1
    >>> conv2d(x, w, bias=[0.5])
    array([[[2.5, 3.5],
            [3.5, 2.5]]])
    """
    return _conv_nd(x, weight, bias, stride, padding, dilation, groups, nd=2)


def conv3d(x, weight, bias=None, *, stride=1, padding=0, dilation=1, groups=1) -> np.ndarray:
    """3D convolution: :func:`conv2d` with one more spatial axis (depth ``D``), int or triple arguments.

    ``x`` is ``(C_in, D, H, W)`` or batched, ``weight`` ``(C_out, C_in // groups, kD, kH, kW)``.

    Examples
    --------
    >>> import numpy as np
    >>> conv3d(np.ones((1, 10, 6, 6)), np.ones((1, 1, 3, 3, 3))).shape
    (1, 8, 4, 4)
    """
    return _conv_nd(x, weight, bias, stride, padding, dilation, groups, nd=3)


def conv2d_backward(grad_out, x, weight, *, stride=1, padding=0, dilation=1, groups=1) -> tuple[np.ndarray, ...]:
    """Gradients of :func:`conv2d` with respect to ``x``, ``weight`` and ``bias``, given ``grad_out``.

    Three identities (what ``torch.autograd`` gives):

    * **input gradient = transposed convolution**: ``grad_out``, spread by the stride,
      fully correlated with the flipped kernels, each sent back to its input map;
    * **weight gradient**: ``weight[j, c]`` gets input map ``c`` (padded) correlated
      with output gradient map ``j``, summed over the batch;
    * **bias gradient**: ``grad_out`` summed over the batch and positions.

    Parameters
    ----------
    grad_out : array_like, the shape of conv2d's output
    x, weight, stride, padding, dilation, groups
        As for :func:`conv2d`.

    Returns
    -------
    grad_x, grad_weight, grad_bias : ndarray, shapes of ``x``, ``weight`` and ``(C_out,)``

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x, w, g = rng.normal(size=(2, 5, 5)), rng.normal(size=(3, 2, 3, 3)), rng.normal(size=(3, 3, 3))
    >>> grad_x, grad_w, grad_b = conv2d_backward(g, x, w)
    >>> back = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)   # flipped, channel axes swapped
    >>> np.allclose(grad_x, conv2d(g, back, padding=2)), np.allclose(grad_w[2, 1], conv2d(x[1:2], g[2:3, None])[0])
    (True, True)
    """
    call = _conv_setup(x, weight, stride, padding, dilation, groups, nd=2)
    shape = (call.x.shape[0], call.weight.shape[0], *call.out_sizes)
    what = f"conv2d for x of shape {np.shape(x)} and weight of shape {call.weight.shape}"
    g = _check_grad_out(grad_out, shape, call.batched, what)
    dtype = np.result_type(call.x, call.weight, g)
    x, weight, g = (a.astype(dtype, copy=False) for a in (call.x, call.weight, g))
    grad_x = _input_grad(g, weight, x.shape, call.pads, call.groups, call.stride, call.dilation)
    grad_weight = _weight_grad(_pad(x, call.pads), g, call.groups, weight.shape[2:], call.stride, call.dilation)
    grad_bias = g.sum(axis=(0, 2, 3))
    return (grad_x if call.batched else grad_x[0]), grad_weight, grad_bias


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
    return (x if batched else x[None]), batched, k, s, [(pi, pi) for pi in p], tuple(out_sizes)


def _pool(xp, k, s, out_sizes, reduce):
    """Reduce every ``k[0] x k[1]`` window with ``reduce`` (``np.maximum`` or ``np.add``): rows first, then columns."""
    row_sizes = (out_sizes[0], xp.shape[3])
    partial = _tap(xp, (0, 0), (s[0], 1), (1, 1), row_sizes).copy()  # (N, C, H_out, W)
    for i in range(1, k[0]):
        reduce(partial, _tap(xp, (i, 0), (s[0], 1), (1, 1), row_sizes), out=partial)
    out = _tap(partial, (0, 0), (1, s[1]), (1, 1), out_sizes).copy()
    for j in range(1, k[1]):
        reduce(out, _tap(partial, (0, j), (1, s[1]), (1, 1), out_sizes), out=out)
    return out


def _pool_backward_setup(grad_out, x, kernel_size, stride, padding, fname):
    """Check a pooling gradient call; return batched ``grad_out`` and ``x`` of one dtype, and the geometry."""
    x_batched, batched, k, s, pads, out_sizes = _pool_setup(x, kernel_size, stride, padding, fname)
    what = f"{fname.removesuffix('_backward')} for x of shape {np.shape(x)} and kernel_size={kernel_size}"
    g = _check_grad_out(grad_out, (*x_batched.shape[:2], *out_sizes), batched, what)
    dtype = np.result_type(x_batched, g)
    return g.astype(dtype, copy=False), x_batched.astype(dtype, copy=False), batched, k, s, pads, out_sizes


def _spread(shares, k, s, pads, x):
    """Add each window's ``shares(t)`` back onto tap ``t`` of its window; crop the padding: ``grad_x``."""
    grad = np.zeros((*x.shape[:2], *(m + lo + hi for m, (lo, hi) in zip(x.shape[2:], pads))), x.dtype)
    for t, tap in enumerate(np.ndindex(*k)):
        share = shares(t)
        view = _tap(grad, tap, s, (1, 1), share.shape[2:])
        view += share
    return np.ascontiguousarray(grad[_inner(pads, x.shape[2:])])


def _first_maximum(x, k, s, pads, out_sizes):
    """For every window, the tap (scan order) PyTorch sends the gradient to.

    PyTorch keeps a pixel larger than the best so far, or NaN: the first maximum wins
    a tie, the last NaN wins, an all ``-inf`` window picks its first pixel.
    """
    xp = _pad(x, pads, -np.inf)
    best = _pool(xp, k, s, out_sizes, np.maximum)  # each window's maximum, NaN where it holds a NaN
    candidates = _pad(x, pads, np.nan)  # padding equals nothing, not even -inf
    nan_windows = np.isnan(best)
    has_nan = nan_windows.any()
    winner = np.full(best.shape, -1, np.int32)
    for t, tap in enumerate(np.ndindex(*k)):
        take = _tap(candidates, tap, s, (1, 1), out_sizes) == best
        take &= winner < 0  # a later tie does not replace the first maximum
        if has_nan:  # a later NaN does replace an earlier one
            take |= np.isnan(_tap(xp, tap, s, (1, 1), out_sizes)) & nan_windows
        np.copyto(winner, t, where=take)
    return winner


def max_pool2d(x, kernel_size, stride=None, padding=0) -> np.ndarray:
    """Max pooling, each feature map on its own (the channel count is unchanged).

    Parameters
    ----------
    x : array_like, shape (C, H, W) or (N, C, H, W)
    kernel_size, stride : int or (int, int)
        ``stride`` defaults to ``kernel_size``.
    padding : int or (int, int), default 0
        Acts as ``-inf``; at most half the kernel size, as in PyTorch.

    Returns
    -------
    ndarray, shape (C, H_out, W_out) or (N, C, H_out, W_out)

    Examples
    --------
    >>> import numpy as np
    >>> max_pool2d(np.arange(16.0).reshape(1, 4, 4), 2)
    array([[[ 5.,  7.],
            [13., 15.]]])
    """
    x, batched, k, s, pads, out_sizes = _pool_setup(x, kernel_size, stride, padding, "max_pool2d")
    out = _pool(_pad(x, pads, -np.inf), k, s, out_sizes, np.maximum)
    return out if batched else out[0]


def avg_pool2d(x, kernel_size, stride=None, padding=0) -> np.ndarray:
    """Average pooling, each map on its own; arguments as :func:`max_pool2d`, padding zeros counted in the mean.

    Every window is divided by ``kH * kW`` (PyTorch's default ``count_include_pad=True``).

    Examples
    --------
    >>> import numpy as np
    >>> avg_pool2d(np.ones((1, 2, 2)), 2, stride=1, padding=1)   # zeros count
    array([[[0.25, 0.5 , 0.25],
            [0.5 , 1.  , 0.5 ],
            [0.25, 0.5 , 0.25]]])
    """
    x, batched, k, s, pads, out_sizes = _pool_setup(x, kernel_size, stride, padding, "avg_pool2d")
    out = _pool(_pad(x, pads), k, s, out_sizes, np.add)
    out /= k[0] * k[1]
    return out if batched else out[0]


def max_pool2d_backward(grad_out, x, kernel_size, stride=None, padding=0) -> np.ndarray:
    """Gradient of :func:`max_pool2d` with respect to ``x`` (arguments as for it, ``grad_out`` its output's shape).

    Each window's gradient goes to its maximum only (the first in scan order on a
    tie, as in PyTorch); overlapping windows add up.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[[1.0, 5.0, 2.0, 2.0],
    ...                [3.0, 4.0, 2.0, 2.0]]])
    >>> max_pool2d_backward(np.array([[[10.0, 20.0]]]), x, 2)
    array([[[ 0., 10., 20.,  0.],
            [ 0.,  0.,  0.,  0.]]])
    """
    g, x, batched, k, s, pads, out_sizes = _pool_backward_setup(
        grad_out, x, kernel_size, stride, padding, "max_pool2d_backward"
    )
    winner = _first_maximum(x, k, s, pads, out_sizes)
    grad_x = _spread(lambda t: np.where(winner == t, g, 0), k, s, pads, x)
    return grad_x if batched else grad_x[0]


def avg_pool2d_backward(grad_out, x, kernel_size, stride=None, padding=0) -> np.ndarray:
    """Gradient of :func:`avg_pool2d`: every pixel of a window gets ``1 / (kH * kW)`` of its gradient.

    Arguments as :func:`max_pool2d_backward`; only ``x``'s shape matters.

    Examples
    --------
    >>> import numpy as np
    >>> avg_pool2d_backward(np.array([[[4.0, 8.0]]]), np.zeros((1, 2, 4)), 2)
    array([[[1., 1., 2., 2.],
            [1., 1., 2., 2.]]])
    """
    g, x, batched, k, s, pads, out_sizes = _pool_backward_setup(
        grad_out, x, kernel_size, stride, padding, "avg_pool2d_backward"
    )
    share = g / (k[0] * k[1])
    grad_x = _spread(lambda t: share, k, s, pads, x)
    return grad_x if batched else grad_x[0]
