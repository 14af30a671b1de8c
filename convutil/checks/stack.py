"""Exercise 2 (chapter 2): a convolution layer over a stack, built from 2D pieces."""

from functools import partial

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..data import line_maps
from ..types import conv_type2_1, conv_type2_2
from ._engine import LIBRARY_CONVOLUTIONS, Task, normal, publish

T = partial(Task, exercise="02-convolution-over-a-stack", chapter="02-convolution-over-a-stack")


def _partials(x, weight):  # every input map cross-correlated with its own kernel, not summed: (K, C, H', W')
    return np.einsum("chwuv,jcuv->jchw", sliding_window_view(x, weight.shape[2:], axis=(1, 2)), weight)


def _drawing(shape, hbars=(), vbars=()):
    """One-pixel lines: hbars as (row, first col, last col), vbars as (col, first row, last row)."""
    img = np.zeros(shape)
    for r, c0, c1 in hbars:
        img[r, c0 : c1 + 1] = 1.0
    for c, r0, r1 in vbars:
        img[r0 : r1 + 1, c] = 1.0
    return img


def _as_array(value, name, shape):
    """``value`` as a float array of ``shape``; ValueError with the reason it is not one."""
    if value is None:
        raise ValueError(f"{name} is not set yet (it is None): assign it above, run that cell, then this one")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an array of numbers of shape {shape}, got a {type(value).__name__}") from None
    if arr.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must hold finite numbers")
    return arr


def _verify_cross(answer):
    """None when (cross_weight, cross_bias) detects every crossing and nothing else, else the first failure."""
    try:
        weight, bias = _as_array(answer[0], "cross_weight", (1, 2, 5, 5)), _as_array(answer[1], "cross_bias", (1,))
    except ValueError as problem:
        return "the shapes of cross_weight and cross_bias", _SHAPES[0], str(problem), _SHAPES[1]
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


# fmt: off
# (name, drawing, crossings)
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
_SHAPES = ("cross_weight of shape (1, 2, 5, 5), cross_bias of shape (1,)",
           "one filter (axis 0) with a 5x5 kernel for each of the 2 line maps (axis 1), and one bias, e.g. np.array([-1.0])")

STACK_LAYER = T("stack_layer", ("x", "weight", "bias"), conv_type2_2,
    build=lambda rng, c, h, w, k, kh, kw: normal(rng, (c, h, w), (k, c, kh, kw), (k,)), fixed=(  # (C, H, W), then (K, kH, kW)
        ("one input map, one filter", (1, 5, 6, 1, 3, 3)),
        ("as many filters as input maps", (3, 7, 7, 3, 3, 3)),
        ("1x1 kernels over three maps", (3, 4, 5, 2, 1, 1)),
        ("non-square image and non-square kernels", (2, 6, 9, 3, 2, 4)),
        ("kernels as large as the maps (one output pixel)", (3, 4, 4, 2, 4, 4)),
        ("the seed's second layer: k1=4 maps, k2=3 filters of 5x5", (4, 9, 8, 3, 5, 5)),
    ), random=((1, 1, 1, 1, 1, 1), (6, 13, 13, 5, 5, 5)), n_random=10, misconceptions=(
        ("bias missing", lambda x, w, b: conv_type2_2(x, w), "the bias is missing: each output map gets its filter's bias, once."),
        ("bias once per input map", lambda x, w, b: conv_type2_2(x, w) + x.shape[0] * b[:, None, None], "the bias was added once per input map: add it once, after summing over the input maps."),
        ("flipped kernels", lambda x, w, b: conv_type2_2(x, w[..., ::-1, ::-1].copy(), b), "your kernels are flipped: that is convolution in the signal-processing sense (scipy.signal.convolve2d). This layer cross-correlates, as PyTorch's does: the kernel slides unflipped (correlate2d)."),
        ("transposed kernels", lambda x, w, b: conv_type2_2(x, w.swapaxes(-1, -2).copy(), b), "your kernels are transposed (rows and columns swapped): kernel row u meets image row r + u."),
        ("one kernel for every map (type 2.1)", lambda x, w, b: conv_type2_1(x, w[:, 0], b), "every input map was filtered with one kernel (map 0's), which is the same as filtering the summed maps: that is type 2.1. In type 2.2 each input map has its own kernel in each filter."),
        ("maps summed before filtering", lambda x, w, b: conv_type2_2(x.sum(0, keepdims=True), w.sum(1, keepdims=True), b), "the input maps were summed before filtering: filter each input map with its own kernel first, then sum."),
        ("no sum over maps (type 1)", lambda x, w, b: _partials(x, w) + b[:, None, None, None], "you kept one map per (filter, input map) pair: that is type 1. Sum over the input maps."),
        ("no sum, no bias", lambda x, w, b: _partials(x, w), "you kept one map per (filter, input map) pair (type 1) and left out the bias."),
        ("weight axes swapped", lambda x, w, b: conv_type2_2(x, w.swapaxes(0, 1).copy(), b), "the first two axes of weight are swapped: weight[j, c] is filter j's kernel for input map c."),
        ("padded to 'same'", lambda x, w, b: conv_type2_2(x, w, b, padding="same"), "the output is padded to the input's size; this layer has no padding (mode='valid')."),
    ), hint="each output map is built from every input map, each with its own kernel of that filter, plus the filter's bias; check the result's shape first: (K, H - kH + 1, W - kW + 1).",
    forbid=("conv2d", "conv_type2_2", "conv_type2_1", "conv_type1", "conv3d", *LIBRARY_CONVOLUTIONS),
    rule="build each output map from 2D cross-correlations of ONE map with ONE kernel (scipy.signal.correlate2d): this task asks you to write the sum yourself, without conv2d, conv_type2_2 or an n-d convolution that sums over the maps for you (scipy.signal.correlate, torch).")

REORDER_FILTERS = T("reorder_filters", ("weight", "perm"), lambda weight, perm: weight[:, perm],
    build=lambda rng, k, c, perm=None: (rng.normal(size=(k, c, 3, 3)), rng.permutation(c) if perm is None else np.array(perm)),
    fixed=(  # K filters, C maps, perm
        ("two maps swapped", (2, 2, [1, 0])),
        ("as many filters as input maps", (4, 4, [2, 0, 3, 1])),
        ("order unchanged", (2, 3, [0, 1, 2])),
        ("three maps moved in a circle (perm is not its own inverse)", (2, 3, [1, 2, 0])),
        ("one filter, four maps", (1, 4, [3, 1, 0, 2])),
        ("the seed's second layer: k2=3 filters over k1=4 maps", (3, 4, [1, 3, 0, 2])),
    ), random=((1, 2), (6, 9)), n_random=8, misconceptions=(
        ("weights unchanged", lambda w, perm: w, "the weights are unchanged, but the maps moved: each kernel belongs to one input map, so the kernels must move with their maps."),
        ("inverse permutation", lambda w, perm: w[:, np.argsort(perm)], "that is the inverse permutation: the new input map i is the old map perm[i], so it needs the kernel the old map perm[i] had."),
        ("filters reordered", lambda w, perm: w[perm], "you reordered the filters (axis 0). The input maps are axis 1 of weight: weight[j, c] is filter j's kernel for input map c."),
        ("both axes reordered", lambda w, perm: w[perm][:, perm], "reorder only the input-map axis; the filters, and so the output maps, keep their order."),
        ("axis reversed", lambda w, perm: w[:, ::-1], "you reversed the input-map axis instead of applying perm."),
    ), hint="the result has weight's shape; test it yourself: np.allclose(conv_type2_2(x[perm], new_weight), conv_type2_2(x, weight)) on a random x.")

CROSS_DETECTOR = T("cross_detector", ("cross_weight", "cross_bias"), None, verify=_verify_cross,
                   hint="think of the bias as a threshold that one line alone cannot reach but two crossing lines can.")  # fmt: skip

TASKS = publish(globals(), STACK_LAYER, REORDER_FILTERS, CROSS_DETECTOR)
