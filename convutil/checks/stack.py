"""Exercise 2 (chapter 2): a convolution layer over a stack, built from 2D pieces."""

from __future__ import annotations

from functools import partial

import numpy as np

from ..core import conv2d
from ..types import conv_type2_1, conv_type2_2
from ._engine import Task, ints, publish

T = partial(Task, exercise="02-convolution-over-a-stack", chapter="02-convolution-over-a-stack")


def _partials(x, weight):
    """Every input map cross-correlated with its own kernel, not summed: (K, C, H', W')."""
    c, k = x.shape[0], weight.shape[0]
    flat = conv2d(x, weight.transpose(1, 0, 2, 3).reshape(c * k, 1, *weight.shape[2:]), groups=c)
    return flat.reshape(c, k, *flat.shape[1:]).transpose(1, 0, 2, 3)


def _layer_row(rng, x_shape=None, w_shape=None):
    if x_shape is None:
        c, k, kh, kw = ints(rng, (1, 1, 1, 1), (6, 5, 5, 5))
        x_shape, w_shape = (c, *ints(rng, (kh, kw), (kh + 8, kw + 8))), (k, c, kh, kw)
    return rng.normal(size=x_shape), rng.normal(size=w_shape), rng.normal(size=w_shape[0])


_rng = np.random.default_rng(20)
# fmt: off
STACK_LAYER = T("stack_layer", ("x", "weight", "bias"), conv_type2_2,
    fixed=tuple((name, _layer_row(_rng, xs, ws)) for name, xs, ws in (
        ("one input map, one filter", (1, 5, 6), (1, 1, 3, 3)),
        ("as many filters as input maps", (3, 7, 7), (3, 3, 3, 3)),
        ("1x1 kernels over three maps", (3, 4, 5), (2, 3, 1, 1)),
        ("non-square image and non-square kernels", (2, 6, 9), (3, 2, 2, 4)),
        ("kernels as large as the maps (one output pixel)", (3, 4, 4), (2, 3, 4, 4)),
        ("the seed's second layer: k1=4 maps, k2=3 filters of 5x5", (4, 9, 8), (3, 4, 5, 5)),
    )), random=_layer_row, n_random=10, misconceptions=(
        ("bias missing", lambda x, w, b: conv_type2_2(x, w), "the bias is missing: each output map gets its filter's bias, once."),
        ("bias once per input map", lambda x, w, b: conv_type2_2(x, w) + x.shape[0] * b[:, None, None], "the bias was added once per input map: add it once, after summing over the input maps."),
        ("flipped kernels", lambda x, w, b: conv_type2_2(x, w[..., ::-1, ::-1].copy(), b), "your kernels are flipped: that is convolution in the signal-processing sense (scipy.signal.convolve2d). This layer cross-correlates, as PyTorch's does: the kernel slides unflipped (correlate2d)."),
        ("transposed kernels", lambda x, w, b: conv_type2_2(x, w.swapaxes(-1, -2).copy(), b), "your kernels are transposed (rows and columns swapped): kernel row u meets image row r + u."),
        ("one kernel for every map (type 2.1)", lambda x, w, b: conv_type2_1(x, w[:, 0], b), "every input map was filtered with the kernel of map 0 (that is type 2.1). In type 2.2 each input map has its own kernel in each filter."),
        ("maps summed before filtering", lambda x, w, b: conv_type2_2(x.sum(0, keepdims=True), w.sum(1, keepdims=True), b), "the input maps were summed before filtering: filter each input map with its own kernel first, then sum."),
        ("maps summed, one kernel", lambda x, w, b: conv_type2_2(x.sum(0, keepdims=True), w[:, :1], b), "the input maps were summed and filtered with one kernel: that is type 2.1."),
        ("no sum over maps (type 1)", lambda x, w, b: _partials(x, w) + b[:, None, None, None], "you kept one map per (filter, input map) pair: that is type 1. Sum over the input maps."),
        ("no sum, no bias", lambda x, w, b: _partials(x, w), "you kept one map per (filter, input map) pair (type 1) and left out the bias."),
        ("weight axes swapped", lambda x, w, b: conv_type2_2(x, w.swapaxes(0, 1).copy(), b), "the first two axes of weight are swapped: weight[j, c] is filter j's kernel for input map c."),
        ("padded to 'same'", lambda x, w, b: conv_type2_2(x, w, b, padding="same"), "the output is padded to the input's size; this layer has no padding (mode='valid')."),
    ), hint="each output map is built from every input map, each with its own kernel of that filter, plus the filter's bias; check the result's shape first: (K, H - kH + 1, W - kW + 1).",
    forbid=("conv2d", "conv_type2_2", "conv_type2_1", "conv_type1", "conv3d"),
    rule="build each output map from 2D cross-correlations of ONE map with ONE kernel (scipy.signal.correlate2d): this task asks you to write the sum yourself, without conv2d or conv_type2_2.")


def _perm_row(rng, k=None, c=None, perm=None):
    if k is None:
        k, c = ints(rng, (1, 2), (6, 9))
    shape = (k, c, 3, 3) if perm is not None else (k, c, *ints(rng, 1, 6, size=2))
    return rng.normal(size=shape), np.array(perm) if perm is not None else rng.permutation(c)


_rng = np.random.default_rng(21)
REORDER_FILTERS = T("reorder_filters", ("weight", "perm"), lambda weight, perm: weight[:, perm],
    fixed=tuple((name, _perm_row(_rng, *row)) for name, *row in (
        ("two maps swapped", 2, 2, [1, 0]),
        ("as many filters as input maps", 4, 4, [2, 0, 3, 1]),
        ("order unchanged", 2, 3, [0, 1, 2]),
        ("three maps moved in a circle (perm is not its own inverse)", 2, 3, [1, 2, 0]),
        ("one filter, four maps", 1, 4, [3, 1, 0, 2]),
        ("the seed's second layer: k2=3 filters over k1=4 maps", 3, 4, [1, 3, 0, 2]),
    )), random=_perm_row, n_random=8, misconceptions=(
        ("weights unchanged", lambda w, perm: w, "the weights are unchanged, but the maps moved: each kernel belongs to one input map, so the kernels must move with their maps."),
        ("inverse permutation", lambda w, perm: w[:, np.argsort(perm)], "that is the inverse permutation: the new input map i is the old map perm[i], so it needs the kernel the old map perm[i] had."),
        ("filters reordered", lambda w, perm: w[perm], "you reordered the filters (axis 0). The input maps are axis 1 of weight: weight[j, c] is filter j's kernel for input map c."),
        ("both axes reordered", lambda w, perm: w[perm][:, perm], "reorder only the input-map axis; the filters, and so the output maps, keep their order."),
        ("axis reversed", lambda w, perm: w[:, ::-1], "you reversed the input-map axis instead of applying perm."),
    ), hint="the result has weight's shape; test it yourself: np.allclose(conv_type2_2(x[perm], new_weight), conv_type2_2(x, weight)) on a random x.")
# fmt: on

LINE_WEIGHT = np.zeros((2, 1, 3, 3))
LINE_WEIGHT[0, 0, 1, :] = 1.0  # map 0, horizontal lines: three bright pixels in a row
LINE_WEIGHT[1, 0, :, 1] = 1.0  # map 1, vertical lines: three bright pixels in a column
LINE_WEIGHT.setflags(write=False)
LINE_BIAS = np.array([-2.0, -2.0])
LINE_BIAS.setflags(write=False)


def line_maps(images) -> np.ndarray:
    """The fixed first layer of the cross-detector task: horizontal and vertical line maps.

    Two 3x3 filters (three ones in the middle row, three in the middle column),
    bias -2, padding 1, then ReLU: on a drawing of one-pixel lines (0 and 1),
    map 0 is 1 on horizontal lines and map 1 on vertical lines (line ends excluded).

    Parameters
    ----------
    images : array_like, shape (H, W) or (N, H, W)

    Returns
    -------
    ndarray, shape (2, H, W) or (N, 2, H, W)

    Examples
    --------
    >>> from convutil import data
    >>> line_maps(data.pattern("cross", 5, width=1))[0, 2]
    array([0., 1., 1., 1., 0.])
    """
    x = np.asarray(images, dtype=np.float64)
    if x.ndim not in (2, 3) or 0 in x.shape:
        raise ValueError(f"images must be a non-empty (H, W) or (N, H, W) array, got shape {x.shape}")
    return np.maximum(conv2d(x[..., None, :, :], LINE_WEIGHT, LINE_BIAS, padding=1), 0.0)


def _drawing(shape, hbars=(), vbars=()):
    """One-pixel lines: hbars as (row, first col, last col), vbars as (col, first row, last row)."""
    img = np.zeros(shape)
    for r, c0, c1 in hbars:
        img[r, c0 : c1 + 1] = 1.0
    for c, r0, r1 in vbars:
        img[r0 : r1 + 1, c] = 1.0
    return img


# (name, drawing, crossings)
# fmt: off
CROSS_CASES = (
    ("a blank image", _drawing((15, 15)), []),
    ("a lone horizontal bar", _drawing((15, 15), hbars=[(7, 1, 13)]), []),
    ("a lone vertical bar", _drawing((15, 15), vbars=[(7, 1, 13)]), []),
    ("a horizontal and a vertical bar that do not touch", _drawing((15, 15), [(10, 1, 13)], [(7, 1, 7)]), []),
    ("three parallel horizontal bars", _drawing((15, 15), hbars=[(5, 1, 13), (7, 1, 13), (9, 1, 13)]), []),
    ("three parallel vertical bars", _drawing((15, 15), vbars=[(5, 1, 13), (7, 1, 13), (9, 1, 13)]), []),
    ("an L-shaped corner", _drawing((15, 15), hbars=[(3, 3, 12)], vbars=[(3, 3, 12)]), []),
    ("the cross of chapter 2", _drawing((15, 15), hbars=[(7, 0, 14)], vbars=[(7, 0, 14)]), [(7, 7)]),
    ("a small cross (arms of 3 pixels)", _drawing((15, 15), hbars=[(7, 4, 10)], vbars=[(7, 4, 10)]), [(7, 7)]),
    ("an off-centre cross in a wide image", _drawing((12, 20), [(4, 9, 19)], [(14, 0, 10)]), [(4, 14)]),
    ("two crosses, two lone bars and a corner", _drawing((20, 32), [(5, 2, 12), (14, 16, 28), (15, 2, 10), (1, 16, 21)],
                                                         [(7, 1, 9), (22, 9, 18), (27, 2, 10), (16, 1, 6)]), [(5, 7), (14, 22)]))
# fmt: on


def _as_array(value, name, shape):
    """``value`` as a float array of ``shape``, or the reason it is not one."""
    try:
        arr = None if value is None else np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None, f"{name} must be an array of numbers of shape {shape}, got a {type(value).__name__}"
    if arr is None:
        return None, f"{name} is not set yet (it is None): assign it in the cell above, run that cell, then this one"
    if arr.shape != shape:
        return None, f"{name} must have shape {shape}, got shape {arr.shape}"
    return (arr, None) if np.isfinite(arr).all() else (None, f"{name} must hold finite numbers")


def _verify_cross(answer):
    """None when (cross_weight, cross_bias) detects every crossing and nothing else, else the first failure."""
    (weight, problem), (bias, problem_b) = (
        _as_array(answer[0], "cross_weight", (1, 2, 5, 5)),
        _as_array(answer[1], "cross_bias", (1,)),
    )
    if problem or problem_b:
        expected = "cross_weight of shape (1, 2, 5, 5), cross_bias of shape (1,)"
        return "the shapes of cross_weight and cross_bias", expected, problem or problem_b, _SHAPES
    for name, drawing, crossings in CROSS_CASES:
        out = np.maximum(conv_type2_2(line_maps(drawing), weight, bias, padding=2), 0.0)[0]
        rows, cols = np.indices(out.shape)
        dist = np.min([np.maximum(abs(rows - r), abs(cols - c)) for r, c in crossings] or [np.full(out.shape, 9)], 0)
        far = out * (dist > 2)
        missed = [(r, c) for r, c in crossings if not np.any(out[max(r - 1, 0) : r + 2, max(c - 1, 0) : c + 2] > 0)]
        if missed:
            got = f"0 everywhere around it (largest output: {out.max():.6g})"
            return (
                name,
                f"an output > 0 within one pixel of the crossing at {missed[0]}",
                got,
                _cross_hint(weight, bias, 1),
            )
        if far.any():
            where = tuple(int(i) for i in np.unravel_index(np.argmax(far), far.shape))
            expected = "0 everywhere" + (" except near the crossings" if crossings else " (there is no crossing)")
            got = f"{int((far > 0).sum())} pixels > 0, the largest {far[where]:.6g} at {where}"
            return name, expected, got, _cross_hint(weight, bias, False)
    return None


_SHAPES = (
    "one filter (axis 0) with a 5x5 kernel for each of the 2 line maps (axis 1), and one bias, e.g. np.array([-1.0])"
)


def _cross_hint(weight, bias, missed) -> str:
    if not weight[0, 0].any() or not weight[0, 1].any():
        ignored = "horizontal (map 0)" if not weight[0, 0].any() else "vertical (map 1)"
        return (f"your filter ignores the {ignored} line map: its kernel is all zeros. A filter that reads one map "
                "only is what type 1 offers, and it answers to a cross exactly as to a lone line.")  # fmt: skip
    if missed:
        return ("at a crossing both maps are 1 at the centre of the window: make the kernels collect there, and the "
                "bias no more negative than what both maps together add up to.")  # fmt: skip
    if bias[0] >= 0:
        return "with a bias >= 0 the ReLU lets almost anything through: the bias must be negative, a threshold."
    return ("one map alone (or the two maps at different places) already beats the bias: make the bias more negative "
            "than what ONE line adds up to, but less negative than what two crossing lines add up to.")  # fmt: skip


CROSS_DETECTOR = T(
    "cross_detector",
    ("cross_weight", "cross_bias"),
    None,
    verify=_verify_cross,
    hint="think of the bias as a threshold that one line alone cannot reach but two crossing lines can.",
)

TASKS = publish(globals(), STACK_LAYER, REORDER_FILTERS, CROSS_DETECTOR, also=("LINE_WEIGHT", "LINE_BIAS", "line_maps"))
