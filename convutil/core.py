"""Vectorized convolution and pooling in NumPy, with PyTorch's conventions.

Arrays are channels-first: one example is ``(C, H, W)`` (``(C, D, H, W)`` in
3D), a batch is ``(N, C, H, W)``. "Convolution" means cross-correlation, as in
every deep-learning framework: the kernel is not flipped. Padding is zeros.

Strategy (chosen by measurement, see ``benchmarks/README.md``):

* every receptive field is a strided window view of the (padded) input, made
  without copying (``numpy.lib.stride_tricks.sliding_window_view``);
* ordinary and grouped convolutions copy that view into the ``im2col``
  matrix, the batch joined to the output positions, and contract it with the
  weights in one BLAS matrix product per group. The matrix is built one chunk
  of output rows at a time, at most ``MEMORY_BUDGET`` bytes each, so a call
  needs little more memory than its input and output (a 1x1 convolution with
  stride 1 on one example needs no copy at all);
* depthwise convolutions (one filter per input map, up to
  ``MAX_SHIFT_AND_ADD_TAPS`` taps) multiply and add one shifted view per
  kernel tap instead, which needs no ``im2col`` copy;
* pooling is separable: it reduces the ``kH`` rows of every window, then the
  ``kW`` columns, with ``np.maximum`` or ``np.add``.

The backward passes reuse the same pieces: the input gradient of a
convolution is a convolution (the transposed one, see :func:`conv2d_backward`),
the weight gradient is one matrix product per ``im2col`` chunk, and pooling
gradients add each window's share back one kernel tap at a time.

All argument checks run before any large allocation, and a call whose padded
input or output would exceed ``_validate.MAX_ELEMENTS`` elements is refused.
The only Python loops run over kernel taps and memory chunks, never over
pixels, channels or the batch.
"""

from __future__ import annotations

import itertools
import math
from typing import Literal, NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike

from ._validate import as_float_array, as_int, as_tuple, check_size

__all__ = [
    "conv2d",
    "conv3d",
    "max_pool2d",
    "avg_pool2d",
    "conv_output_size",
    "conv2d_backward",
    "max_pool2d_backward",
    "avg_pool2d_backward",
]

#: Depthwise convolutions with at most this many kernel taps use shift-and-add
#: (one pass per tap, measured faster than im2col); larger kernels use im2col.
MAX_SHIFT_AND_ADD_TAPS = 49

#: Largest im2col chunk, in bytes (at least one output position).
#: The matrix of receptive fields can be tens of times larger than the input
#: (one column per output position, one row per weight of a filter): it is
#: built and used one chunk of output positions at a time (whole rows, or whole
#: examples, where they fit), so no call needs much more memory than its input
#: plus its output plus this budget.
#: Measured: 16 MB chunks stay close to the processor's caches and were 2-4x
#: faster than 64 MB ones on the seeds' 1337-map 3D example, and no slower on
#: the other benchmark shapes.
MEMORY_BUDGET = 16 * 2**20

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
    """View of ``xp`` at one kernel tap for every output position (no copy).

    Element ``[..., *pos]`` is ``xp[..., *(pos * stride + tap * dilation)]``,
    over the trailing ``len(tap)`` axes.
    """
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

    ``index`` is a tuple of slices of the output positions ``(N, *out_sizes)``:
    whole trailing axes, a run of the axis before them, single indices of the
    axes before that. ``cols`` has shape ``(G, C_in/G * prod(ksize), positions)``,
    one column per receptive field of the chunk, in the order of ``index``.
    The batch joins the output positions, so a small batch costs one large
    BLAS product rather than one per example (measured: as fast on a quiet
    machine, up to 3x faster when the BLAS threads compete with other work).
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

    With stride 1, every tap's view is one contiguous run of the flattened
    (padded) maps: the sum runs over "row-extended" positions (every column of
    the padded input, measured faster than 2D strided views) and the valid
    positions are picked out at the end.
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
    """The transposed convolution: ``grad_out`` dilated by the stride, fully correlated with the flipped kernels.

    Output pixel ``p`` took input pixel ``p * stride + tap * dilation`` (padded
    coordinates) with weight ``w[tap]``. Spreading ``grad_out`` with ``stride - 1``
    zeros between its pixels and ``span = dilation * (k - 1)`` zeros around it,
    input pixel ``i`` meets exactly those ``grad_out[p] * w[tap]`` when the
    kernel is flipped; each filter's kernels go back to their input maps
    (weight transposed within each group). Only the rows over ``x`` itself,
    not its padding, are computed.
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


def conv2d_backward(
    grad_out: ArrayLike,
    x: ArrayLike,
    weight: ArrayLike,
    *,
    stride: IntOrTuple = 1,
    padding: Padding = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of :func:`conv2d` with respect to its input, weight and bias.

    Given ``grad_out``, the gradient of a loss with respect to the output of
    ``conv2d(x, weight, bias, stride=..., padding=..., dilation=..., groups=...)``,
    return the gradients with respect to ``x``, ``weight`` and ``bias`` (what
    ``torch.autograd`` gives for ``torch.nn.functional.conv2d``). Three
    identities do all the work:

    * **input gradient = transposed convolution**: the full correlation of
      ``grad_out`` (dilated by the stride: ``stride - 1`` zeros between its
      pixels) with the flipped kernels, each filter's kernels sent back to the
      input maps they came from;
    * **weight gradient = correlation of the input with grad_out**: kernel
      ``weight[j, c]`` gets input map ``c`` (padded) correlated with output
      gradient map ``j``, summed over the batch;
    * **bias gradient = sum of grad_out** over the batch and all positions.

    Parameters
    ----------
    grad_out : array_like, shape (C_out, H_out, W_out) or (N, C_out, H_out, W_out)
        Gradient with respect to the output: the output's shape.
    x, weight, stride, padding, dilation, groups
        As for :func:`conv2d` (the bias does not enter any gradient).

    Returns
    -------
    grad_x : ndarray, the shape of ``x``
    grad_weight : ndarray, the shape of ``weight``
    grad_bias : ndarray, shape (C_out,)
        All in the common floating type of ``grad_out``, ``x`` and ``weight``.

    Raises
    ------
    TypeError, ValueError
        As :func:`conv2d`, and if ``grad_out`` does not have the output's shape.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x, w = rng.normal(size=(2, 5, 5)), rng.normal(size=(3, 2, 3, 3))
    >>> g = rng.normal(size=(3, 3, 3))          # one value per output pixel
    >>> grad_x, grad_w, grad_b = conv2d_backward(g, x, w)
    >>> grad_x.shape, grad_w.shape, grad_b.shape
    ((2, 5, 5), (3, 2, 3, 3), (3,))

    The input gradient is the full correlation (padding ``k - 1``) of ``g``
    with the flipped kernels, the weight tensor's two channel axes swapped:

    >>> back = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)   # (C_in, C_out, kH, kW)
    >>> np.allclose(grad_x, conv2d(g, back, padding=2))
    True

    The weight gradient correlates an input map with an output gradient map,
    and the bias gradient sums the output gradient:

    >>> np.allclose(grad_w[2, 1], conv2d(x[1:2], g[2:3, None])[0])
    True
    >>> np.allclose(grad_b, g.sum(axis=(1, 2)))
    True

    With stride 2, ``g`` is first spread out with one zero between its pixels:

    >>> x, w, g = rng.normal(size=(1, 6, 6)), rng.normal(size=(1, 1, 2, 2)), rng.normal(size=(1, 3, 3))
    >>> spread = np.zeros((1, 5, 5))
    >>> spread[:, ::2, ::2] = g
    >>> grad_x = conv2d_backward(g, x, w, stride=2)[0]
    >>> np.allclose(grad_x, conv2d(spread, w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3), padding=1))
    True
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
    """Reduce every ``k[0] x k[1]`` window with the in-place ufunc ``reduce`` (``np.maximum`` or ``np.add``).

    Both reductions are separable: first the ``kH`` rows of each window (at every
    column), then the ``kW`` columns, so ``kH + kW`` shifted views are combined
    rather than ``kH * kW``.
    """
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
    """For every window, the tap (index in scan order) that PyTorch sends the gradient to.

    PyTorch scans the window's pixels inside the input row by row and keeps a
    pixel when it is larger than the best so far, or NaN: the first maximum
    wins a tie, the last NaN wins a window that holds NaNs, and an all
    ``-inf`` window picks its first pixel.
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


def max_pool2d_backward(
    grad_out: ArrayLike,
    x: ArrayLike,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
) -> np.ndarray:
    """Gradient of :func:`max_pool2d` with respect to its input.

    Each window's gradient goes to its maximum, and only there: the other
    pixels of the window did not change the output. Where a window holds the
    maximum more than once, the first one in scan order (row by row) gets it,
    as in PyTorch; overlapping windows add up.

    Parameters
    ----------
    grad_out : array_like, shape (C, H_out, W_out) or (N, C, H_out, W_out)
        Gradient with respect to the pooled output: the output's shape.
    x, kernel_size, stride, padding
        As for :func:`max_pool2d`.

    Returns
    -------
    ndarray, the shape of ``x``

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[[1.0, 5.0, 2.0, 2.0],
    ...                [3.0, 4.0, 2.0, 2.0]]])
    >>> max_pool2d(x, 2)
    array([[[5., 2.]]])
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


def avg_pool2d_backward(
    grad_out: ArrayLike,
    x: ArrayLike,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
) -> np.ndarray:
    """Gradient of :func:`avg_pool2d` with respect to its input.

    Every pixel of a window gets ``1 / (kH * kW)`` of the window's gradient
    (zero padding counts in the mean, as in the forward pass); overlapping
    windows add up. Only ``x``'s shape matters, not its values. The arguments
    and the result are those of :func:`max_pool2d_backward`.

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
