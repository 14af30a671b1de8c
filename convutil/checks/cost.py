"""Checkers for exercise 3: 1x1 convolutions and the cost of a layer.

Every checker takes the student's function (or values), runs fixed edge cases
and seeded random cases, and compares the answers with :mod:`convutil`'s
reference (:func:`~convutil.conv2d` with a 1x1 kernel, :func:`~convutil.conv_macs`).

Examples
--------
>>> from convutil import conv_macs
>>> check_layer_macs(lambda h_out, w_out, c_in, c_out, k: conv_macs(c_in, c_out, k, (h_out, w_out)))
✔ layer_macs passes all 18 cases. Well done!
"""

from __future__ import annotations

import numpy as np

from ..core import conv2d
from ..counting import conv_macs
from ._feedback import Case, Misconception, check_function, check_value, make_cases

__all__ = ["check_conv1x1", "check_layer_macs", "check_branch_macs", "check_cost_factors"]


# --------------------------------------------------------------------------- conv1x1


def _conv1x1_reference(x, weight):
    return conv2d(x, weight[:, :, None, None])


def _conv1x1_cases() -> list[Case]:
    rng = np.random.default_rng(30)
    shapes = [
        ("one map in, one map out, 1x1 image", (1, 1, 1), 1),
        ("3 maps to 3 maps (a square matrix)", (3, 4, 5), 3),
        ("4 maps reduced to 2", (4, 6, 6), 2),
        ("2 maps expanded to 5", (2, 3, 7), 5),
        ("non-square image, one output map", (6, 5, 9), 1),
    ]
    cases = [
        Case(name, {"x": rng.normal(size=x_shape), "weight": rng.normal(size=(c_out, x_shape[0]))})
        for name, x_shape, c_out in shapes
    ]
    for i in range(10):
        c, h, w, c_out = (int(v) for v in rng.integers((1, 1, 1, 1), (9, 12, 12, 9)))
        cases.append(
            Case(f"random case {i + 1}", {"x": rng.normal(size=(c, h, w)), "weight": rng.normal(size=(c_out, c))})
        )
    return cases


_CONV1X1_MISCONCEPTIONS = [
    Misconception(
        lambda x, weight: np.einsum("co,chw->ohw", weight, x),
        "the weight is (C_out, C): row o holds output map o's weight for every input map. You used its "
        "transpose; sum over the SECOND index of weight (einsum 'oc,chw->ohw').",
    ),
    Misconception(
        lambda x, weight: (weight @ x.reshape(-1, x.shape[0]).T).reshape(weight.shape[0], *x.shape[1:]),
        "x.reshape(H*W, C) scrambles maps and pixels: x.reshape(C, H*W) keeps each map's pixels in one row.",
    ),
    Misconception(
        lambda x, weight: weight.sum(axis=1)[:, None, None] * x.sum(axis=0),
        "that is type 2.1 (each filter's weights summed, applied to the sum of the maps): every output map would "
        "be a multiple of the same map. Each input map has its own weight.",
    ),
]


def check_conv1x1(conv1x1) -> None:
    """Check ``conv1x1(x, weight)``: a 1x1 convolution written as a matrix product.

    ``x`` has shape ``(C, H, W)``, ``weight`` shape ``(C_out, C)``; the answer
    has shape ``(C_out, H, W)``. The reference is :func:`convutil.conv2d`
    with the weight reshaped to ``(C_out, C, 1, 1)``.

    Examples
    --------
    >>> import numpy as np
    >>> check_conv1x1(lambda x, weight: np.einsum("oc,chw->ohw", weight, x))
    ✔ conv1x1 passes all 15 cases. Well done!
    """
    __tracebackhide__ = True
    check_function(
        conv1x1,
        _conv1x1_cases(),
        _conv1x1_reference,
        task="conv1x1",
        misconceptions=_CONV1X1_MISCONCEPTIONS,
        hint="at every pixel, the output column is weight @ (the column of input values there): "
        "np.einsum('oc,chw->ohw', weight, x), or weight @ x.reshape(C, H*W) reshaped back.",
    )


# --------------------------------------------------------------------------- layer_macs


def _layer_macs_reference(h_out, w_out, c_in, c_out, k):
    return conv_macs(c_in, c_out, k, (h_out, w_out))


_LAYER_MACS_MISCONCEPTIONS = [
    Misconception(
        lambda h_out, w_out, c_in, c_out, k: h_out * w_out * c_out * k * k,
        "the input maps are missing: every filter has one k x k kernel for EACH of the c_in input maps, so one "
        "output value costs c_in*k*k MACs (without c_in you have type 2.1 after summing the maps).",
    ),
    Misconception(
        lambda h_out, w_out, c_in, c_out, k: h_out * w_out * c_in * c_out * k,
        "a k x k kernel has k*k taps, not k.",
    ),
    Misconception(
        lambda h_out, w_out, c_in, c_out, k: c_in * c_out * k * k,
        "that is the number of weights. Every weight is used once at every output position: multiply by h_out*w_out.",
    ),
    Misconception(
        lambda h_out, w_out, c_in, c_out, k: c_in * c_out * k * k + c_out,
        "that is the number of parameters. MACs count multiply-accumulates: every weight is used once at every "
        "output position (h_out*w_out of them); biases are not MACs.",
    ),
    Misconception(
        lambda h_out, w_out, c_in, c_out, k: h_out * w_out * c_out * (c_in * k * k + 1),
        "biases are additions, not multiply-accumulates: leave them out.",
    ),
    Misconception(
        lambda h_out, w_out, c_in, c_out, k: h_out * w_out * c_in * c_out,
        "the kernel size is missing: each output value reads a k x k window on every input map.",
    ),
]


def check_layer_macs(layer_macs) -> None:
    """Check ``layer_macs(h_out, w_out, c_in, c_out, k)``: multiply-accumulates of one layer, one example.

    The reference is :func:`convutil.conv_macs`.

    Examples
    --------
    >>> check_layer_macs(lambda h_out, w_out, c_in, c_out, k: c_in * c_out * k * k)
    Traceback (most recent call last):
    ...
    convutil.checks._feedback.CheckFailed: layer_macs is not right yet on the case "the seed's layer 2 on 8x6 maps: k1=4, k2=6, 5x5":
      call:     layer_macs(h_out=8, w_out=6, c_in=4, c_out=6, k=5)
      expected: 28800
      got:      600
      problem:  expected 28800, got 600
    Hint: that is the number of weights. Every weight is used once at every output position: multiply by h_out*w_out.
    """
    __tracebackhide__ = True
    names = ("h_out", "w_out", "c_in", "c_out", "k")
    fixed = [
        ("one value, one map, 1x1 kernel", (1, 1, 1, 1, 1)),
        ("the seed's layer 2 on 8x6 maps: k1=4, k2=6, 5x5", (8, 6, 4, 6, 5)),
        ("a 1x1 convolution: 192 maps to 64 at 28x28", (28, 28, 192, 64, 1)),
        ("GoogLeNet 3a's 5x5 convolution: 16 maps to 32 at 28x28", (28, 28, 16, 32, 5)),
        ("non-square output", (3, 7, 2, 5, 3)),
        ("one input map", (10, 10, 1, 8, 3)),
        ("one filter", (10, 10, 8, 1, 3)),
        ("AlexNet conv1: 3 maps to 96 at 55x55, 11x11", (55, 55, 3, 96, 11)),
    ]
    rng = np.random.default_rng(31)
    random = (tuple(int(v) for v in rng.integers((1, 1, 1, 1, 1), (65, 65, 129, 129, 8))) for _ in range(10))
    check_function(
        layer_macs,
        make_cases(names, fixed, random),
        _layer_macs_reference,
        task="layer_macs",
        misconceptions=_LAYER_MACS_MISCONCEPTIONS,
        hint="count output values (c_out*h_out*w_out), then the multiply-accumulates of each (c_in*k*k).",
    )


# --------------------------------------------------------------------------- branch_macs


def _branch_macs_reference(c_in, reduce_to, c_out, size):
    out = (size, size)
    direct = conv_macs(c_in, c_out, 5, out)
    reduced = conv_macs(c_in, reduce_to, 1, out) + conv_macs(reduce_to, c_out, 5, out)
    return (direct, reduced)


_BRANCH_MISCONCEPTIONS = [
    Misconception(
        lambda c_in, reduce_to, c_out, size: size * size * reduce_to * c_out * 25,
        "the 1x1 reduction is not free: add its cost, c_in*reduce_to MACs at each of the size*size positions.",
        part=1,
    ),
    Misconception(
        lambda c_in, reduce_to, c_out, size: size * size * (c_in * reduce_to + c_in * c_out * 25),
        "after the reduction the 5x5 filters read only the reduce_to maps, not the c_in maps.",
        part=1,
    ),
    Misconception(
        lambda c_in, reduce_to, c_out, size: size * size * reduce_to * c_out * 25,
        "without a reduction the 5x5 filters read all c_in input maps: c_in*c_out*25 MACs per position.",
        part=0,
    ),
    Misconception(
        lambda c_in, reduce_to, c_out, size: size * size * c_in * c_out * 5,
        "a 5x5 kernel has 25 taps, not 5.",
        part=0,
    ),
    Misconception(
        lambda c_in, reduce_to, c_out, size: size * size * (c_in * reduce_to + reduce_to * c_out * 5),
        "a 5x5 kernel has 25 taps, not 5.",
        part=1,
    ),
]


def check_branch_macs(branch_macs) -> None:
    """Check ``branch_macs(c_in, reduce_to, c_out, size)``: an inception 5x5 branch, without and with its reduction.

    The answer is ``(direct, reduced)``: the MACs of a 5x5 convolution from
    ``c_in`` to ``c_out`` maps, and of a 1x1 reduction to ``reduce_to`` maps
    followed by that 5x5 convolution, all at ``size x size``. The reference
    is :func:`convutil.conv_macs`.

    Examples
    --------
    >>> from convutil import conv_macs
    >>> def branch_macs(c_in, reduce_to, c_out, size):
    ...     out = (size, size)
    ...     return (conv_macs(c_in, c_out, 5, out),
    ...             conv_macs(c_in, reduce_to, 1, out) + conv_macs(reduce_to, c_out, 5, out))
    >>> check_branch_macs(branch_macs)
    ✔ branch_macs passes all 17 cases. Well done!
    """
    __tracebackhide__ = True
    names = ("c_in", "reduce_to", "c_out", "size")
    fixed = [
        ("GoogLeNet module 3a: 192 -> 16 -> 32 at 28x28", (192, 16, 32, 28)),
        ("one map everywhere, 1x1 output", (1, 1, 1, 1)),
        ("GoogLeNet module 3b: 256 -> 32 -> 96 at 28x28", (256, 32, 96, 28)),
        ("GoogLeNet module 4a: 480 -> 16 -> 48 at 14x14", (480, 16, 48, 14)),
        ("GoogLeNet module 5b: 832 -> 48 -> 128 at 7x7", (832, 48, 128, 7)),
        ("a 'reduction' that widens: 8 -> 16 -> 4", (8, 16, 4, 10)),
        ("reduce to one map", (64, 1, 8, 5)),
    ]
    rng = np.random.default_rng(32)
    random = (tuple(int(v) for v in rng.integers((1, 1, 1, 1), (1025, 129, 257, 57))) for _ in range(10))
    check_function(
        branch_macs,
        make_cases(names, fixed, random),
        _branch_macs_reference,
        task="branch_macs",
        misconceptions=_BRANCH_MISCONCEPTIONS,
        hint="return a tuple (direct, reduced); each convolution costs size*size*c_in*c_out*k*k MACs "
        "(your layer_macs from Task 2 does exactly this).",
    )


# --------------------------------------------------------------------------- cost_factors


def check_cost_factors(cost_factors) -> None:
    """Check ``cost_factors = (type 2.2, type 2.1)``: how much more layer 2 costs when k1 and k2 both double.

    Type 2.1 is computed the cheap way (sum the maps, then one kernel per
    filter); only multiply-accumulates count. The reference ratios come from
    :func:`convutil.conv_macs`; ints and floats are both accepted.

    Examples
    --------
    >>> check_cost_factors((4, 2))
    ✔ cost_factors is right. Well done!
    """
    __tracebackhide__ = True
    k1, k2, out = 16, 32, (64, 64)
    factor_22 = conv_macs(2 * k1, 2 * k2, 5, out) / conv_macs(k1, k2, 5, out)
    factor_21 = conv_macs(1, 2 * k2, 5, out) / conv_macs(1, k2, 5, out)  # one kernel per filter, on the summed map
    got = tuple(cost_factors) if isinstance(cost_factors, list) else cost_factors
    check_value(
        got,
        (factor_22, factor_21),
        name="cost_factors",
        misconceptions=[
            Misconception(
                lambda: (2.0, 2.0),
                "type 2.2's cost is proportional to k1*k2: doubling both multiplies it by 2*2.",
            ),
            Misconception(
                lambda: (4.0, 4.0),
                "type 2.1 equals one convolution of the SUMMED map per filter: its MACs grow with k2 only.",
            ),
            Misconception(
                lambda: (2.0, 4.0),
                "the other way round: type 2.2 is the quadratic one.",
            ),
        ],
        hint="give a tuple of two numbers (type 2.2, type 2.1), e.g. cost_factors = (3, 1) if those were the ratios.",
    )
