"""Checkers for exercise 2: convolution over a stack of maps.

Three tasks, one checker each:

* :func:`check_stack_layer` -- a type 2.2 layer written as a sum of 2D
  cross-correlations, one per input map, plus one bias per filter;
* :func:`check_reorder_filters` -- the weights that give the same output when
  the input maps arrive in another order;
* :func:`check_cross_detector` -- a hand-built second-layer filter that answers
  to crosses but not to lone lines, on top of the fixed first layer
  :func:`line_maps`.

Examples
--------
>>> from convutil import conv_type2_2
>>> check_stack_layer(lambda x, weight, bias: conv_type2_2(x, weight, bias))
✔ stack_layer passes all 16 cases. Well done!
"""

from __future__ import annotations

import numpy as np

from ..core import conv2d
from ..types import conv_type2_1, conv_type2_2
from ._feedback import PASS_MARK, Case, CheckFailed, Misconception, check_function, make_cases

__all__ = [
    "LINE_WEIGHT",
    "LINE_BIAS",
    "line_maps",
    "check_stack_layer",
    "check_reorder_filters",
    "check_cross_detector",
]


# --------------------------------------------------------------------------- stack_layer


def _partials(x, weight):
    """Every input map cross-correlated with its own kernel, not summed: (K, C, H', W')."""
    c = x.shape[0]
    k = weight.shape[0]
    flat = conv2d(x, weight.transpose(1, 0, 2, 3).reshape(c * k, 1, *weight.shape[2:]), groups=c)
    return flat.reshape(c, k, *flat.shape[1:]).transpose(1, 0, 2, 3)


def _stack_layer_cases() -> list[Case]:
    names = ("x", "weight", "bias")
    rng = np.random.default_rng(20)
    shapes = [
        ("one input map, one filter", (1, 5, 6), (1, 1, 3, 3)),
        ("as many filters as input maps", (3, 7, 7), (3, 3, 3, 3)),
        ("1x1 kernels over three maps", (3, 4, 5), (2, 3, 1, 1)),
        ("non-square image and non-square kernels", (2, 6, 9), (3, 2, 2, 4)),
        ("kernels as large as the maps (one output pixel)", (3, 4, 4), (2, 3, 4, 4)),
        ("the seed's second layer: k1=4 maps, k2=3 filters of 5x5", (4, 9, 8), (3, 4, 5, 5)),
    ]
    fixed = [
        (name, (rng.normal(size=x_shape), rng.normal(size=w_shape), rng.normal(size=w_shape[0])))
        for name, x_shape, w_shape in shapes
    ]

    def random_rows():
        for _ in range(10):
            c, k, kh, kw = (int(v) for v in rng.integers((1, 1, 1, 1), (6, 5, 5, 5)))
            h, w = (int(v) for v in rng.integers((kh, kw), (kh + 8, kw + 8)))
            yield rng.normal(size=(c, h, w)), rng.normal(size=(k, c, kh, kw)), rng.normal(size=k)

    return make_cases(names, fixed, random_rows())


_STACK_LAYER_MISCONCEPTIONS = [
    Misconception(
        lambda x, weight, bias: conv_type2_2(x, weight),
        "the bias is missing: add bias[j] to output map j (once, after the sum over input maps).",
    ),
    Misconception(
        lambda x, weight, bias: conv_type2_2(x, weight) + x.shape[0] * bias[:, None, None],
        "the bias was added once per input map: add bias[j] only once, after summing over the input maps.",
    ),
    Misconception(
        lambda x, weight, bias: conv_type2_2(x, weight[..., ::-1, ::-1].copy(), bias),
        "your kernels are flipped: that is convolution in the signal-processing sense (scipy.signal.convolve2d). "
        "Convolution layers cross-correlate: use scipy.signal.correlate2d, which slides the kernel unflipped.",
    ),
    Misconception(
        lambda x, weight, bias: conv_type2_2(x, weight.swapaxes(-1, -2).copy(), bias),
        "your kernels are transposed (rows and columns swapped): weight[j, c][u, v] multiplies x[c][r + u, s + v].",
    ),
    Misconception(
        lambda x, weight, bias: conv_type2_1(x, weight[:, 0], bias),
        "every input map was filtered with the kernel of map 0 (that is type 2.1). In type 2.2 each input map c "
        "has its own kernel weight[j, c] in filter j.",
    ),
    Misconception(
        lambda x, weight, bias: conv_type2_2(x.sum(axis=0, keepdims=True), weight.sum(axis=1, keepdims=True), bias),
        "the input maps were summed before filtering. Filter each input map with its own kernel first, then sum "
        "the filtered maps: sum over c of correlate2d(x[c], weight[j, c]).",
    ),
    Misconception(
        lambda x, weight, bias: conv_type2_2(x.sum(axis=0, keepdims=True), weight[:, :1], bias),
        "the input maps were summed and then filtered with one kernel: that is type 2.1. Each input map c "
        "needs its own kernel weight[j, c].",
    ),
    Misconception(
        lambda x, weight, bias: _partials(x, weight) + bias[:, None, None, None],
        "you kept one map per (filter, input map) pair: that is type 1. Sum over the input maps, so that "
        "every filter gives ONE output map.",
    ),
    Misconception(
        lambda x, weight, bias: _partials(x, weight),
        "you kept one map per (filter, input map) pair (type 1) and left out the bias. Sum over the input maps, "
        "then add bias[j].",
    ),
    Misconception(
        lambda x, weight, bias: conv_type2_2(x, weight.swapaxes(0, 1).copy(), bias),
        "the first two axes of weight are swapped: weight[j, c] is filter j's kernel for input map c.",
    ),
    Misconception(
        lambda x, weight, bias: conv_type2_2(x, weight, bias, padding="same"),
        "the output is padded to the input's size. This layer has no padding ('valid'): output maps are "
        "(H - kH + 1) x (W - kW + 1), e.g. correlate2d(..., mode='valid').",
    ),
]


def check_stack_layer(stack_layer) -> None:
    """Check ``stack_layer(x, weight, bias)``: a type 2.2 layer without padding.

    ``x`` has shape ``(C, H, W)``, ``weight`` ``(K, C, kH, kW)``, ``bias``
    ``(K,)``; the answer, shape ``(K, H - kH + 1, W - kW + 1)``, is compared
    with :func:`convutil.conv_type2_2`.

    Examples
    --------
    >>> import numpy as np
    >>> from convutil import conv_type2_2
    >>> check_stack_layer(lambda x, weight, bias: conv_type2_2(x, weight))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convutil.checks._feedback.CheckFailed: stack_layer is not right yet on the case "one input map, one filter":
      call:     stack_layer(x=array of shape (1, 5, 6) (float64), weight=array of shape (1, 1, 3, 3) (float64), ...)
    ...
    Hint: the bias is missing: add bias[j] to output map j (once, after the sum over input maps).
    """
    __tracebackhide__ = True
    check_function(
        stack_layer,
        _stack_layer_cases(),
        conv_type2_2,
        task="stack_layer",
        misconceptions=_STACK_LAYER_MISCONCEPTIONS,
        hint="output map j is bias[j] + the sum over input maps c of correlate2d(x[c], weight[j, c], mode='valid'); "
        "the result has shape (K, H - kH + 1, W - kW + 1).",
    )


# --------------------------------------------------------------------------- reorder_filters


def _reorder_reference(weight, perm):
    return weight[:, np.asarray(perm)]


def _reorder_cases() -> list[Case]:
    rng = np.random.default_rng(21)
    fixed = [
        ("order unchanged", 2, 3, [0, 1, 2]),
        ("two maps swapped", 2, 2, [1, 0]),
        ("three maps moved in a circle (perm is not its own inverse)", 2, 3, [1, 2, 0]),
        ("as many filters as input maps", 4, 4, [2, 0, 3, 1]),
        ("one filter, four maps", 1, 4, [3, 1, 0, 2]),
        ("the seed's second layer: k2=3 filters over k1=4 maps", 3, 4, [1, 3, 0, 2]),
    ]
    cases = [
        Case(name, {"weight": rng.normal(size=(k, c, 3, 3)), "perm": np.array(perm)}) for name, k, c, perm in fixed
    ]
    for i in range(8):
        k, c = (int(v) for v in rng.integers((1, 2), (6, 9)))
        kh, kw = (int(v) for v in rng.integers(1, 6, size=2))
        cases.append(
            Case(f"random case {i + 1}", {"weight": rng.normal(size=(k, c, kh, kw)), "perm": rng.permutation(c)})
        )
    return cases


_REORDER_MISCONCEPTIONS = [
    Misconception(
        lambda weight, perm: weight,
        "the weights are unchanged, but the maps moved: each kernel belongs to one input map, so the kernels "
        "must move with their maps.",
    ),
    Misconception(
        lambda weight, perm: weight[:, np.argsort(perm)],
        "that is the inverse permutation. The new input map i is the old map perm[i], so the kernel it needs is "
        "the old kernel perm[i]: index axis 1 with perm itself.",
    ),
    Misconception(
        lambda weight, perm: weight[np.asarray(perm)],
        "you reordered the filters (axis 0). The input maps are axis 1 of weight: weight[j, c] is filter j's "
        "kernel for input map c.",
    ),
    Misconception(
        lambda weight, perm: weight[np.asarray(perm)][:, np.asarray(perm)],
        "reorder only the input-map axis (axis 1); the filters, and so the output maps, keep their order.",
    ),
    Misconception(
        lambda weight, perm: weight[:, ::-1],
        "you reversed the input-map axis instead of applying perm.",
    ),
]


def check_reorder_filters(reorder_filters) -> None:
    """Check ``reorder_filters(weight, perm)``: the weights for input maps in a new order.

    With ``x_new = x[perm]``, the answer ``w_new`` must give
    ``conv_type2_2(x_new, w_new) == conv_type2_2(x, weight)``; the only such
    array is ``weight[:, perm]``.

    Examples
    --------
    >>> check_reorder_filters(lambda weight, perm: weight[:, perm])
    ✔ reorder_filters passes all 14 cases. Well done!
    """
    __tracebackhide__ = True
    check_function(
        reorder_filters,
        _reorder_cases(),
        _reorder_reference,
        task="reorder_filters",
        misconceptions=_REORDER_MISCONCEPTIONS,
        hint="the result must have the same shape as weight; test your answer with "
        "np.allclose(conv_type2_2(x[perm], new_weight), conv_type2_2(x, weight)) on a random x.",
    )


# --------------------------------------------------------------------------- cross detector

LINE_WEIGHT = np.zeros((2, 1, 3, 3))
LINE_WEIGHT[0, 0, 1, :] = 1.0  # map 0, horizontal lines: three bright pixels in a row
LINE_WEIGHT[1, 0, :, 1] = 1.0  # map 1, vertical lines: three bright pixels in a column
LINE_WEIGHT.setflags(write=False)
LINE_BIAS = np.array([-2.0, -2.0])
LINE_BIAS.setflags(write=False)


def line_maps(images) -> np.ndarray:
    """The fixed first layer of the cross-detector task: horizontal and vertical line maps.

    Two 3x3 filters (three ones in the middle row, three ones in the middle
    column), bias -2, padding 1, then ReLU. On a drawing of bright one-pixel
    lines (values 0 and 1) map 0 is 1 on horizontal lines and map 1 is 1 on
    vertical lines (line ends excluded), 0 elsewhere.

    Parameters
    ----------
    images : array_like, shape (H, W) or (N, H, W)

    Returns
    -------
    ndarray, shape (2, H, W) or (N, 2, H, W)

    Examples
    --------
    >>> from convutil import data
    >>> maps = line_maps(data.pattern("cross", 5, width=1))
    >>> maps[0]
    array([[0., 0., 0., 0., 0.],
           [0., 0., 0., 0., 0.],
           [0., 1., 1., 1., 0.],
           [0., 0., 0., 0., 0.],
           [0., 0., 0., 0., 0.]])
    """
    x = np.asarray(images, dtype=np.float64)
    if x.ndim not in (2, 3) or 0 in x.shape:
        raise ValueError(f"images must be a non-empty (H, W) or (N, H, W) array, got shape {x.shape}")
    return np.maximum(conv2d(x[..., None, :, :], LINE_WEIGHT, LINE_BIAS, padding=1), 0.0)


def _drawing(shape, hbars=(), vbars=()):
    """Bright one-pixel lines: hbars as (row, first col, last col), vbars as (col, first row, last row)."""
    img = np.zeros(shape)
    for r, c0, c1 in hbars:
        img[r, c0 : c1 + 1] = 1.0
    for c, r0, r1 in vbars:
        img[r0 : r1 + 1, c] = 1.0
    return img


def _cross_cases():
    """(name, drawing, crossings) for the cross-detector check."""
    return [
        ("a blank image", _drawing((15, 15)), []),
        ("a lone horizontal bar", _drawing((15, 15), hbars=[(7, 1, 13)]), []),
        ("a lone vertical bar", _drawing((15, 15), vbars=[(7, 1, 13)]), []),
        (
            "a horizontal and a vertical bar that do not touch",
            _drawing((15, 15), hbars=[(10, 1, 13)], vbars=[(7, 1, 7)]),
            [],
        ),
        ("three parallel horizontal bars", _drawing((15, 15), hbars=[(5, 1, 13), (7, 1, 13), (9, 1, 13)]), []),
        ("three parallel vertical bars", _drawing((15, 15), vbars=[(5, 1, 13), (7, 1, 13), (9, 1, 13)]), []),
        ("an L-shaped corner", _drawing((15, 15), hbars=[(3, 3, 12)], vbars=[(3, 3, 12)]), []),
        ("the cross of chapter 2", _drawing((15, 15), hbars=[(7, 0, 14)], vbars=[(7, 0, 14)]), [(7, 7)]),
        ("a small cross (arms of 3 pixels)", _drawing((15, 15), hbars=[(7, 4, 10)], vbars=[(7, 4, 10)]), [(7, 7)]),
        (
            "an off-centre cross in a wide image",
            _drawing((12, 20), hbars=[(4, 9, 19)], vbars=[(14, 0, 10)]),
            [(4, 14)],
        ),
        (
            "two crosses, two lone bars and a corner",
            _drawing(
                (20, 32),
                hbars=[(5, 2, 12), (14, 16, 28), (15, 2, 10), (1, 16, 21)],
                vbars=[(7, 1, 9), (22, 9, 18), (27, 2, 10), (16, 1, 6)],
            ),
            [(5, 7), (14, 22)],
        ),
    ]


def _as_array(value, name, shape):
    """The student's value as a float array of the given shape, or a CheckFailed naming what is wrong."""
    if value is None:
        raise CheckFailed(
            f"{name} is not set yet: replace `raise NotImplementedError()` with your code that assigns {name}, "
            "run that cell, then run this check again."
        )
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise CheckFailed(f"{name} must be an array of numbers of shape {shape}, got {type(value).__name__}") from None
    if arr.shape != shape:
        raise CheckFailed(f"{name} must have shape {shape}, got shape {arr.shape}. {_SHAPE_HINT[name]}")
    if not np.isfinite(arr).all():
        raise CheckFailed(f"{name} must hold finite numbers, got {arr.ravel()[~np.isfinite(arr.ravel())][:3]}")
    return arr


_SHAPE_HINT = {
    "cross_weight": "One filter (axis 0) with a 5x5 kernel for each of the 2 line maps (axis 1).",
    "cross_bias": "One bias for the one filter, e.g. np.array([-1.0]).",
}


def _cross_hint(weight, bias, name, crossings, fired_far) -> str:
    reads = [bool(np.any(weight[0, c])) for c in (0, 1)]
    if not all(reads):
        missing = "horizontal (map 0)" if not reads[0] else "vertical (map 1)"
        return (
            f"your filter ignores the {missing} line map: its kernel for that map is all zeros. A filter that "
            "reads one map only is what type 1 offers, and it answers to a cross exactly as to a lone line. "
            "Give the filter a kernel for each map."
        )
    if crossings:
        return (
            "at a crossing both maps are 1 at the centre of the window (the horizontal map along the middle row, "
            "the vertical map along the middle column). Make the kernels collect there, and make the bias no more "
            "negative than what both maps together add up to."
        )
    if fired_far and bias[0] >= 0:
        return "with a bias >= 0 the ReLU lets almost anything through: the bias must be negative, a threshold."
    return (
        f"on {name} one map alone (or the two maps at different places) already beats the bias. Make the bias "
        "more negative than what ONE line can add up to, but less negative than what two crossing lines add up to."
    )


def check_cross_detector(cross_weight, cross_bias) -> None:
    """Check a second-layer filter that answers to crosses but not to lone lines.

    The filter ``cross_weight`` (shape ``(1, 2, 5, 5)``) with ``cross_bias``
    (shape ``(1,)``), padding 2 and a ReLU reads the two maps of
    :func:`line_maps`. On drawings without a crossing its output must be 0
    everywhere; on drawings with crossings it must be positive within one
    pixel of every crossing and 0 farther than two pixels from all of them.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.zeros((1, 2, 5, 5))
    >>> w[0, 0, 2, 2] = w[0, 1, 2, 2] = 1.0       # horizontal AND vertical line at the centre
    >>> check_cross_detector(w, np.array([-1.5]))
    ✔ cross detector passes all 11 cases. Well done!
    """
    __tracebackhide__ = True
    weight = _as_array(cross_weight, "cross_weight", (1, 2, 5, 5))
    bias = _as_array(cross_bias, "cross_bias", (1,))
    for name, drawing, crossings in _cross_cases():
        out = np.maximum(conv_type2_2(line_maps(drawing), weight, bias, padding=2), 0.0)[0]
        rows, cols = np.indices(out.shape)
        dist = np.full(out.shape, np.inf)
        for r, c in crossings:
            dist = np.minimum(dist, np.maximum(abs(rows - r), abs(cols - c)))
        far = out * (dist > 2)
        missed = [(r, c) for r, c in crossings if not np.any(out[max(r - 1, 0) : r + 2, max(c - 1, 0) : c + 2] > 0)]
        if not far.any() and not missed:
            continue
        if missed:
            expected = f"an output > 0 within one pixel of the crossing at {missed[0]}"
            got = f"0 everywhere around it (largest output in the image: {out.max():.6g})"
        else:
            where = tuple(int(i) for i in np.unravel_index(np.argmax(far), far.shape))
            expected = "0 everywhere" + (" except near the crossings" if crossings else " (there is no crossing)")
            got = f"{int((far > 0).sum())} pixels > 0, the largest {far[where]:.6g} at {where}"
        raise CheckFailed(
            "\n".join(
                [
                    f"cross detector is not right yet on the case {name!r}:",
                    f"  expected: {expected}",
                    f"  got:      {got}",
                    "Hint: " + _cross_hint(weight, bias, name, missed, far.any()),
                ]
            )
        )
    print(f"{PASS_MARK} cross detector passes all {len(_cross_cases())} cases. Well done!")
