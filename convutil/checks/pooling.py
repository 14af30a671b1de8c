"""Checkers for exercise 6: pooling per map, maxout across maps, ReLU and pooling.

Every checker takes the student's function, runs fixed edge cases (one map,
1x1 windows, all-negative values, maps whose size the window does not divide,
non-square maps) and seeded random cases, and compares the answers with
:mod:`convutil`'s references (:func:`~convutil.max_pool2d`,
:func:`~convutil.crossmap.maxout`, ...).

Examples
--------
>>> from convutil import max_pool2d
>>> check_max_pool(lambda x, k: max_pool2d(x, k))
✔ max_pool passes all 11 cases. Well done!
"""

from __future__ import annotations

import numpy as np

from ..core import avg_pool2d, max_pool2d
from ..crossmap import maxout
from ._feedback import Case, Misconception, check_function, make_cases

__all__ = ["check_max_pool", "check_maxout", "check_commutes", "check_relu_saved", "check_conv_then_relu"]


def _relu(a):
    return np.maximum(a, 0.0)


# --------------------------------------------------------------------------- max_pool


def _max_pool_cases() -> list[Case]:
    rng = np.random.default_rng(60)
    fixed = [
        ("one 4x4 map, 2x2 windows", np.arange(16.0).reshape(1, 4, 4), 2),
        ("1x1 windows change nothing", rng.normal(size=(2, 3, 3)), 1),
        ("all values negative", -1.0 - rng.random(size=(2, 4, 4)), 2),
        ("5x7 maps: rows and columns that do not fill a window are dropped", rng.normal(size=(3, 5, 7)), 2),
        ("non-square 6x9 maps, 3x3 windows", rng.normal(size=(2, 6, 9)), 3),
        ("window as large as the map", rng.normal(size=(3, 4, 4)), 4),
        (
            "several maps with very different values",
            rng.normal(size=(4, 6, 6)) * [[[1.0]], [[10.0]], [[-5.0]], [[100.0]]],
            2,
        ),
    ]
    cases = [Case(name, {"x": x, "k": k}) for name, x, k in fixed]
    for i in range(4):
        c, h, w, k = (int(v) for v in rng.integers((1, 4, 4, 1), (6, 13, 13, 4)))
        cases.append(Case(f"random case {i + 1}", {"x": rng.normal(size=(c, h, w)), "k": k}))
    return cases


_MAX_POOL_MISCONCEPTIONS = [
    Misconception(
        lambda x, k: avg_pool2d(x, k),
        "that is average pooling: max pooling keeps the LARGEST value of every window.",
    ),
    Misconception(
        lambda x, k: _relu(max_pool2d(x, k)),
        "negative windows come out as 0: start the maximum from the window's own values (or -inf), not from 0.",
    ),
    Misconception(
        lambda x, k: max_pool2d(x, k, stride=1),
        "the windows here do not overlap: they move k pixels at a time (stride = k), so the maps shrink k times.",
    ),
    Misconception(
        lambda x, k: max_pool2d(x.max(axis=0, keepdims=True), k),
        "pooling works on each map alone: the number of maps must stay the same.",
    ),
]


def check_max_pool(max_pool) -> None:
    """Check ``max_pool(x, k)``: k x k max pooling with stride k, each map on its own.

    The reference is :func:`convutil.max_pool2d` ``(x, k)``.

    Examples
    --------
    >>> from convutil import avg_pool2d
    >>> check_max_pool(lambda x, k: avg_pool2d(x, k))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convutil.checks._feedback.CheckFailed: max_pool is not right yet on the case "one 4x4 map, 2x2 windows":
      call:     max_pool(x=array of shape (1, 4, 4) (float64), k=2)
    ...
    Hint: that is average pooling: max pooling keeps the LARGEST value of every window.
    """
    __tracebackhide__ = True
    check_function(
        max_pool,
        _max_pool_cases(),
        lambda x, k: max_pool2d(x, k),
        task="max_pool",
        misconceptions=_MAX_POOL_MISCONCEPTIONS,
        hint="cut every map into k x k blocks (drop the rows and columns left over) and keep each block's maximum; "
        "the result has shape (C, H // k, W // k).",
    )


# --------------------------------------------------------------------------- maxout


def _maxout_cases() -> list[Case]:
    rng = np.random.default_rng(61)
    fixed = [
        ("two maps, one group", np.stack([np.zeros((2, 2)), np.eye(2)]), 2),
        ("groups of one change nothing", rng.normal(size=(3, 3, 3)), 1),
        ("four maps in two groups", rng.normal(size=(4, 3, 3)), 2),
        ("six maps in two groups of three", rng.normal(size=(6, 2, 4)), 3),
        ("all maps in one group", rng.normal(size=(5, 3, 3)), 5),
        ("all values negative", -1.0 - rng.random(size=(4, 3, 3)), 2),
    ]
    cases = [Case(name, {"x": x, "pieces": p}) for name, x, p in fixed]
    for i in range(4):
        groups, pieces, h, w = (int(v) for v in rng.integers((1, 1, 1, 1), (5, 5, 7, 7)))
        cases.append(Case(f"random case {i + 1}", {"x": rng.normal(size=(groups * pieces, h, w)), "pieces": pieces}))
    return cases


def _strided_groups(x, pieces):
    return x.reshape(pieces, x.shape[0] // pieces, *x.shape[1:]).max(axis=0)


_MAXOUT_MISCONCEPTIONS = [
    Misconception(
        _strided_groups,
        "the groups are NEIGHBOURING maps: output map i is the maximum of maps i*pieces, ..., "
        "i*pieces + pieces - 1 (reshape to (C // pieces, pieces, H, W)).",
    ),
    Misconception(
        lambda x, pieces: x.max(axis=0, keepdims=True),
        "one output map per group of `pieces` maps, not one for all maps: C // pieces maps come out.",
    ),
    Misconception(
        lambda x, pieces: max_pool2d(x, pieces),
        "that is max pooling inside each map; maxout compares DIFFERENT maps at the same position.",
    ),
]


def check_maxout(maxout_fn) -> None:
    """Check ``maxout(x, pieces)``: the maximum over each group of ``pieces`` neighbouring maps.

    The reference is :func:`convutil.crossmap.maxout`.

    Examples
    --------
    >>> check_maxout(lambda x, pieces: x.reshape(-1, pieces, *x.shape[1:]).max(axis=1))
    ✔ maxout passes all 10 cases. Well done!
    """
    __tracebackhide__ = True
    check_function(
        maxout_fn,
        _maxout_cases(),
        maxout,
        task="maxout",
        misconceptions=_MAXOUT_MISCONCEPTIONS,
        hint="group the maps in runs of `pieces` neighbours and take the element-wise maximum in each group.",
    )


# --------------------------------------------------------------------------- commutes


def relu(a):
    """ReLU: non-decreasing, so it commutes with max pooling."""
    return np.maximum(a, 0.0)


def negate(a):
    """Negation: decreasing, so it turns a window's maximum into its minimum."""
    return -a


def square(a):
    """Squaring: decreasing for negative values, increasing for positive ones."""
    return a * a


def _cases_commutes() -> list[Case]:
    rng = np.random.default_rng(62)
    mixed = rng.normal(size=(2, 6, 6))  # positive and negative values
    positive = rng.random(size=(2, 6, 6)) + 0.1
    fixed = [
        ("ReLU, 2x2 windows", relu, mixed, 2),
        ("ReLU, 3x3 windows", relu, mixed, 3),
        ("tanh (non-decreasing)", np.tanh, mixed, 2),
        ("floor (non-decreasing, with steps)", np.floor, mixed * 3, 2),
        ("negation (decreasing)", negate, mixed, 2),
        ("absolute value on mixed signs", np.abs, mixed, 2),
        ("square on mixed signs", square, mixed, 3),
        ("square on positive values only (increasing there)", square, positive, 2),
        ("sine on a wide range", np.sin, mixed * 5, 2),
        ("exp (increasing)", np.exp, mixed, 3),
    ]
    return [Case(name, {"f": f, "z": z, "k": k}) for name, f, z, k in fixed]


def _commutes_reference(f, z, k):
    return bool(np.allclose(f(max_pool2d(z, k)), max_pool2d(f(z), k)))


_COMMUTES_MISCONCEPTIONS = [
    Misconception(
        lambda f, z, k: True,
        "not every function commutes with max pooling: a decreasing function such as negation turns each "
        "window's maximum into its minimum. Compute both orders and compare them (np.allclose).",
    ),
    Misconception(
        lambda f, z, k: False,
        "some functions do commute with max pooling: every non-decreasing one (ReLU, tanh, exp, ...). "
        "Compute both orders and compare them (np.allclose).",
    ),
]


def check_commutes(commutes) -> None:
    """Check ``commutes(f, z, k)``: whether ``f`` then k x k max pooling equals max pooling then ``f`` on ``z``.

    The reference compares ``f(max_pool2d(z, k))`` with ``max_pool2d(f(z), k)``
    using :func:`numpy.allclose`.

    Examples
    --------
    >>> import numpy as np
    >>> from convutil import max_pool2d
    >>> check_commutes(lambda f, z, k: bool(np.allclose(f(max_pool2d(z, k)), max_pool2d(f(z), k))))
    ✔ commutes passes all 10 cases. Well done!
    """
    __tracebackhide__ = True
    check_function(
        commutes,
        _cases_commutes(),
        _commutes_reference,
        task="commutes",
        misconceptions=_COMMUTES_MISCONCEPTIONS,
        hint="compute f(max_pool(z, k)) and max_pool(f(z), k) and return whether they agree (a bool).",
    )


# --------------------------------------------------------------------------- relu_saved


def _relu_saved_reference(C, H, W, k):
    return C * H * W - C * (H // k) * (W // k)


def _relu_saved_cases() -> list[Case]:
    fixed = [
        ("the chapter's stack: 4 maps of 64x64, 2x2 pooling", (4, 64, 64, 2)),
        ("one map", (1, 8, 8, 2)),
        ("1x1 windows save nothing", (3, 5, 5, 1)),
        ("3x3 windows", (2, 9, 9, 3)),
        ("sizes the window does not divide", (3, 7, 5, 2)),
        ("non-square maps", (16, 28, 14, 2)),
        ("AlexNet's first pooling input, 96 maps of 55x55, 2x2 windows", (96, 55, 55, 2)),
    ]
    rng = np.random.default_rng(63)
    random = (tuple(int(v) for v in rng.integers((1, 4, 4, 1), (257, 129, 129, 5))) for _ in range(5))
    return make_cases(("C", "H", "W", "k"), fixed, random)


_RELU_SAVED_MISCONCEPTIONS = [
    Misconception(
        lambda C, H, W, k: C * (H // k) * (W // k),
        "that is how many ReLUs are LEFT after pooling first; the task asks how many are saved.",
    ),
    Misconception(
        lambda C, H, W, k: H * W - (H // k) * (W // k),
        "every one of the C maps needs its own ReLUs: multiply by C.",
    ),
    Misconception(
        lambda C, H, W, k: C * H * W - C * H * W // (k * k),
        "a pooled map has H // k rows and W // k columns (a window must fit): "
        "count C * (H // k) * (W // k), not C * H * W // k**2.",
    ),
]


def check_relu_saved(relu_saved) -> None:
    """Check ``relu_saved(C, H, W, k)``: ReLUs saved by k x k max pooling (stride k) before the ReLU.

    Examples
    --------
    >>> check_relu_saved(lambda C, H, W, k: C * H * W - C * (H // k) * (W // k))
    ✔ relu_saved passes all 12 cases. Well done!
    """
    __tracebackhide__ = True
    check_function(
        relu_saved,
        _relu_saved_cases(),
        _relu_saved_reference,
        task="relu_saved",
        misconceptions=_RELU_SAVED_MISCONCEPTIONS,
        hint="ReLU first evaluates one ReLU per value of the stack (C*H*W); pooling first only one per "
        "value of the pooled stack. Return the difference, an int.",
    )


# --------------------------------------------------------------------------- conv_then_relu


def _conv_then_relu_reference(partials, bias):
    return _relu(bias[:, None, None] + partials.sum(axis=1))


def _conv_then_relu_cases() -> list[Case]:
    rng = np.random.default_rng(64)
    fixed = [
        ("the chapter's example: contributions 3 and -2, bias -0.5", np.array([3.0, -2.0]).reshape(1, 2, 1, 1), [-0.5]),
        ("one input map", rng.normal(size=(2, 1, 3, 3)), [0.5, -0.5]),
        ("all contributions negative, positive bias", -rng.random(size=(1, 3, 2, 2)), [0.2]),
        ("a large negative bias", rng.normal(size=(2, 3, 3, 3)), [-5.0, 1.0]),
    ]
    cases = [Case(name, {"partials": p, "bias": np.array(b)}) for name, p, b in fixed]
    for i in range(4):
        n, c, h, w = (int(v) for v in rng.integers((1, 1, 1, 1), (5, 6, 6, 6)))
        cases.append(
            Case(f"random case {i + 1}", {"partials": rng.normal(size=(n, c, h, w)), "bias": rng.normal(size=n)})
        )
    return cases


_CONV_THEN_RELU_MISCONCEPTIONS = [
    Misconception(
        lambda partials, bias: _relu(partials.sum(axis=1)) + bias[:, None, None],
        "the bias is part of the layer's sum: relu(bias + sum), not relu(sum) + bias.",
    ),
    Misconception(
        lambda partials, bias: bias[:, None, None] + _relu(partials).sum(axis=1),
        "that is bias + a sum of ReLUs, one per input map: a convolution layer adds the contributions of ALL "
        "input maps and the bias first, and applies the ReLU once, to the total.",
    ),
    Misconception(
        lambda partials, bias: _relu(partials.sum(axis=1)),
        "the bias is missing: every output map j adds bias[j] before the ReLU.",
    ),
]


def check_conv_then_relu(conv_then_relu) -> None:
    """Check ``conv_then_relu(partials, bias)``: a convolution layer followed by a ReLU.

    ``partials[j, c]`` is input map ``c`` convolved with filter ``j``'s kernel
    for that map, shape ``(N, C, H, W)``; ``bias`` has shape ``(N,)``. The
    answer is ``relu(bias[j] + sum over c of partials[j, c])``, shape ``(N, H, W)``.

    Examples
    --------
    >>> import numpy as np
    >>> check_conv_then_relu(lambda partials, bias: np.maximum(bias[:, None, None] + partials.sum(axis=1), 0))
    ✔ conv_then_relu passes all 8 cases. Well done!
    """
    __tracebackhide__ = True
    check_function(
        conv_then_relu,
        _conv_then_relu_cases(),
        _conv_then_relu_reference,
        task="conv_then_relu",
        misconceptions=_CONV_THEN_RELU_MISCONCEPTIONS,
        hint="sum partials over the input maps (axis 1), add bias[j] to map j, then apply the ReLU once.",
    )
