"""Checkers for exercise 5: depthwise, grouped and depthwise-separable convolutions.

Every checker takes the student's function, runs fixed edge cases (one map,
one kernel, 1x1 kernels, non-square kernels and maps, padding) and seeded
random cases, and compares the answers with a reference computed *another
way* with :mod:`convutil`: the depthwise weight of type 1 by broadcasting,
type 2.1 with :func:`~convutil.conv_type2_1`, a separable layer through the
full weight it implies, the MobileNet ratio from its closed form.

Examples
--------
>>> check_mobilenet_ratio(lambda M, N, Dk, Df: 1 / N + 1 / Dk**2)
✔ mobilenet_ratio passes all 14 cases. Well done!
"""

from __future__ import annotations

import numpy as np

from ..core import conv2d
from ..types import conv_type1, conv_type2_1
from ._feedback import Case, Misconception, check_function, make_cases

__all__ = ["check_type1_weight", "check_type21_via_sum", "check_depthwise_separable", "check_mobilenet_ratio"]


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


# --------------------------------------------------------------------------- type1_weight


def _type1_weight_reference(kernels, C):
    kernels = np.asarray(kernels, dtype=float)
    k, kh, kw = kernels.shape
    # map c*K + k gets kernel k: the kernels cycle fastest, once per input map
    return np.broadcast_to(kernels, (C, k, kh, kw)).reshape(C * k, 1, kh, kw).copy()


def _type1_weight_cases() -> list[Case]:
    rng = _rng(50)
    fixed = [
        ("one map, one kernel", rng.normal(size=(1, 3, 3)), 1),
        ("one map, three kernels", rng.normal(size=(3, 3, 3)), 1),
        ("four maps, one kernel", rng.normal(size=(1, 3, 3)), 4),
        ("1x1 kernels holding 1 and 2, two maps", np.array([1.0, 2.0]).reshape(2, 1, 1), 2),
        ("non-square 2x5 kernels", rng.normal(size=(2, 2, 5)), 3),
        ("the chapter's 4 maps and 3 kernels of 5x5", rng.normal(size=(3, 5, 5)), 4),
    ]
    cases = [Case(name, {"kernels": k, "C": c}) for name, k, c in fixed]
    for i in range(4):
        k, c, kh, kw = (int(v) for v in rng.integers((1, 1, 1, 1), (5, 6, 6, 6)))
        cases.append(Case(f"random case {i + 1}", {"kernels": rng.normal(size=(k, kh, kw)), "C": c}))
    return cases


_TYPE1_WEIGHT_MISCONCEPTIONS = [
    Misconception(
        lambda kernels, C: np.repeat(kernels, C, axis=0)[:, None],
        "np.repeat puts the copies of kernel 0 first; output map c*K + k must use kernel k "
        "(the kernels cycle once per input map): use np.tile, or broadcast and reshape.",
    ),
    Misconception(
        lambda kernels, C: np.tile(kernels, (C, 1, 1)),
        "conv2d needs a 4D weight (C*K, 1, kH, kW): with groups=C each filter is one map deep, "
        "so add that axis, e.g. w[:, None].",
    ),
    Misconception(
        lambda kernels, C: np.asarray(kernels)[:, None],
        "type 1 applies every kernel to every one of the C maps: the depthwise weight holds C copies "
        "of the K kernels, C*K filters in all.",
    ),
]


def check_type1_weight(type1_weight) -> None:
    """Check ``type1_weight(kernels, C)``: the depthwise weight that makes ``conv2d`` compute type 1.

    ``conv2d(x, type1_weight(kernels, C), groups=C)`` must equal
    ``conv_type1(x, kernels)`` for a stack ``x`` of ``C`` maps; the weight has
    shape ``(C*K, 1, kH, kW)`` and filter ``c*K + k`` is kernel ``k``.

    Examples
    --------
    >>> import numpy as np
    >>> check_type1_weight(lambda kernels, C: np.tile(kernels, (C, 1, 1))[:, None])
    ✔ type1_weight passes all 10 cases. Well done!
    """
    __tracebackhide__ = True
    check_function(
        type1_weight,
        _type1_weight_cases(),
        _type1_weight_reference,
        task="type1_weight",
        misconceptions=_TYPE1_WEIGHT_MISCONCEPTIONS,
        hint="filter c*K + k of the depthwise weight must be kernel k, for every input map c; "
        "the weight's shape is (C*K, 1, kH, kW).",
    )


# --------------------------------------------------------------------------- type21_via_sum


def _type21_cases() -> list[Case]:
    rng = _rng(51)
    fixed = [
        ("one map, one kernel", rng.normal(size=(1, 5, 5)), rng.normal(size=(1, 3, 3)), 0),
        ("four maps, one kernel", rng.normal(size=(4, 6, 6)), rng.normal(size=(1, 3, 3)), 0),
        ("1x1 kernels", rng.normal(size=(3, 4, 4)), rng.normal(size=(2, 1, 1)), 0),
        ("padding 1", rng.normal(size=(3, 5, 5)), rng.normal(size=(2, 3, 3)), 1),
        ("non-square maps and kernels", rng.normal(size=(2, 5, 8)), rng.normal(size=(3, 2, 4)), 0),
        (
            "the chapter's 4 maps, 3 kernels of 5x5, padding 2",
            rng.normal(size=(4, 9, 9)),
            rng.normal(size=(3, 5, 5)),
            2,
        ),
    ]
    cases = [Case(name, {"x": x, "kernels": k, "padding": p}) for name, x, k, p in fixed]
    for i in range(4):
        c, k, h, w, ks = (int(v) for v in rng.integers((1, 1, 5, 5, 1), (6, 4, 10, 10, 4)))
        p = int(rng.integers(0, 2))
        x, kernels = rng.normal(size=(c, h, w)), rng.normal(size=(k, ks, ks))
        cases.append(Case(f"random case {i + 1}", {"x": x, "kernels": kernels, "padding": p}))
    return cases


_TYPE21_MISCONCEPTIONS = [
    Misconception(
        lambda x, kernels, padding: conv2d(x.mean(axis=0, keepdims=True), kernels[:, None], padding=padding),
        "type 2.1 ADDS the results of the input maps: convolve their sum, not their mean.",
    ),
    Misconception(
        lambda x, kernels, padding: conv2d(x[:1], kernels[:, None], padding=padding),
        "you used only the first map: type 2.1 uses every input map, through their sum.",
    ),
    Misconception(
        lambda x, kernels, padding: conv_type1(x, kernels, padding=padding),
        "that is type 1 (C*K maps, one per map and kernel); type 2.1 sums over the maps: K maps.",
    ),
]


def check_type21_via_sum(type21_via_sum) -> None:
    """Check ``type21_via_sum(x, kernels, padding)``: type 2.1 as one convolution of the summed maps.

    The reference is :func:`convutil.conv_type2_1`.

    Examples
    --------
    >>> from convutil import conv2d
    >>> check_type21_via_sum(lambda x, kernels, padding: conv2d(x.sum(0)[None], kernels[:, None], padding=padding))
    ✔ type21_via_sum passes all 10 cases. Well done!
    """
    __tracebackhide__ = True
    check_function(
        type21_via_sum,
        _type21_cases(),
        lambda x, kernels, padding: conv_type2_1(x, kernels, padding=padding),
        task="type21_via_sum",
        misconceptions=_TYPE21_MISCONCEPTIONS,
        hint="add the input maps into ONE map (keep a channel axis of length 1), then convolve it with "
        "the K kernels as a weight of shape (K, 1, kH, kW).",
    )


# --------------------------------------------------------------------------- depthwise_separable


def _separable_reference(x, depthwise, pointwise, padding):
    # the full weight the two steps imply: W[j, c] = pointwise[j, c] * depthwise[c]
    full = pointwise[:, :, 0, 0][:, :, None, None] * depthwise[:, 0][None]
    return conv2d(x, full, padding=padding)


def _separable_cases() -> list[Case]:
    rng = _rng(52)

    def case(name, c, n, h, w, kh, kw, p):
        args = {
            "x": rng.normal(size=(c, h, w)),
            "depthwise": rng.normal(size=(c, 1, kh, kw)),
            "pointwise": rng.normal(size=(n, c, 1, 1)),
            "padding": p,
        }
        return Case(name, args)

    cases = [
        case("one map, one output map", 1, 1, 5, 5, 3, 3, 0),
        case("three maps, 3x3, no padding", 3, 3, 6, 6, 3, 3, 0),
        case("3x3 with padding 1", 3, 3, 6, 6, 3, 3, 1),
        case("more output maps than input maps", 2, 5, 6, 6, 3, 3, 1),
        case("fewer output maps than input maps", 4, 2, 6, 6, 3, 3, 1),
        case("1x1 depthwise kernels", 3, 2, 4, 4, 1, 1, 0),
        case("non-square maps and kernels", 2, 3, 5, 8, 3, 5, 1),
    ]
    for i in range(4):
        c, n, h, w, k = (int(v) for v in rng.integers((1, 1, 5, 5, 1), (6, 6, 10, 10, 4)))
        cases.append(case(f"random case {i + 1}", c, n, h, w, k, k, int(rng.integers(0, 2))))
    return cases


def _swapped(x, depthwise, pointwise, padding):
    return conv2d(conv2d(x, pointwise), depthwise, padding=padding, groups=x.shape[0])


_SEPARABLE_MISCONCEPTIONS = [
    Misconception(
        _swapped,
        "the steps are swapped: first the depthwise step (each map with its own kernel, groups=C), "
        "then the 1x1 pointwise step that mixes the maps.",
    ),
    Misconception(
        lambda x, depthwise, pointwise, padding: conv2d(x, depthwise, padding=padding, groups=x.shape[0]),
        "the pointwise (1x1) step is missing: without it no output map mixes two input maps.",
    ),
    Misconception(
        lambda x, depthwise, pointwise, padding: conv2d(conv2d(x, depthwise, groups=x.shape[0]), pointwise),
        "padding belongs to the depthwise step, whose kernels are larger than 1x1.",
    ),
    Misconception(
        lambda x, depthwise, pointwise, padding: conv2d(
            conv2d(x, depthwise, padding=padding, groups=x.shape[0]), pointwise, padding=padding
        ),
        "a 1x1 convolution needs no padding: padding it only adds a border of zeros to every map.",
    ),
]


def check_depthwise_separable(depthwise_separable) -> None:
    """Check ``depthwise_separable(x, depthwise, pointwise, padding)``.

    ``depthwise`` has shape ``(C, 1, kH, kW)``, ``pointwise`` ``(N, C, 1, 1)``.
    The reference is ONE :func:`convutil.conv2d` with the full weight the two
    steps imply, ``W[j, c] = pointwise[j, c] * depthwise[c]``.

    Examples
    --------
    >>> from convutil import conv2d
    >>> def depthwise_separable(x, depthwise, pointwise, padding):
    ...     return conv2d(conv2d(x, depthwise, padding=padding, groups=x.shape[0]), pointwise)
    >>> check_depthwise_separable(depthwise_separable)
    ✔ depthwise_separable passes all 11 cases. Well done!
    """
    __tracebackhide__ = True
    check_function(
        depthwise_separable,
        _separable_cases(),
        _separable_reference,
        task="depthwise_separable",
        misconceptions=_SEPARABLE_MISCONCEPTIONS,
        hint="two conv2d calls: the depthwise one with groups=C and the padding, then the 1x1 pointwise one.",
    )


# --------------------------------------------------------------------------- mobilenet_ratio


def _ratio_cases() -> list[Case]:
    fixed = [
        ("MobileNet's 14x14x512 layers", (512, 512, 3, 14)),
        ("more output maps than input maps", (32, 64, 3, 112)),
        ("fewer output maps than input maps", (256, 64, 3, 28)),
        ("5x5 kernels", (64, 128, 5, 28)),
        ("1x1 kernels (separable costs MORE)", (16, 16, 1, 8)),
        ("one output map", (8, 1, 3, 10)),
        ("7x7 kernels on 5x5 maps", (96, 48, 7, 5)),
    ]
    rng = _rng(53)
    random = (tuple(int(v) for v in rng.integers((1, 1, 1, 1), (1025, 1025, 8, 113))) for _ in range(7))
    return make_cases(("M", "N", "Dk", "Df"), fixed, random)


_RATIO_MISCONCEPTIONS = [
    Misconception(
        lambda M, N, Dk, Df: N * Dk**2 / (Dk**2 + N),
        "upside down: the ratio asked is (depthwise separable cost) / (standard cost), a number below 1 "
        "for kernels larger than 1x1.",
    ),
    Misconception(
        lambda M, N, Dk, Df: 1 / Dk**2,
        "the depthwise step's cost is missing: it costs Dk*Dk*M*Df*Df multiply-accumulates, "
        "1/N of the standard layer's Dk*Dk*M*N*Df*Df.",
    ),
    Misconception(
        lambda M, N, Dk, Df: 1 / N,
        "the pointwise (1x1) step's cost is missing: it costs M*N*Df*Df multiply-accumulates, "
        "1/Dk**2 of the standard layer's Dk*Dk*M*N*Df*Df.",
    ),
    Misconception(
        lambda M, N, Dk, Df: 1 / M + 1 / Dk**2,
        "the depthwise step costs Dk*Dk*M*Df*Df; divided by the standard layer's Dk*Dk*M*N*Df*Df, "
        "M cancels and 1/N remains (N, the number of OUTPUT maps).",
    ),
    Misconception(
        lambda M, N, Dk, Df: M / N + 1 / Dk**2,
        "the depthwise step is not a full M-to-M convolution: each map has its own single kernel (groups=M), "
        "so it costs Dk*Dk*M*Df*Df, not Dk*Dk*M*M*Df*Df.",
    ),
]


def check_mobilenet_ratio(mobilenet_ratio) -> None:
    """Check ``mobilenet_ratio(M, N, Dk, Df)``: depthwise separable cost / standard cost.

    The reference is MobileNet's closed form ``1/N + 1/Dk**2`` (Howard et al., 2017);
    the tests confirm it against :func:`convutil.conv_macs` on every case.

    Examples
    --------
    >>> check_mobilenet_ratio(lambda M, N, Dk, Df: 1 / Dk**2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convutil.checks._feedback.CheckFailed: mobilenet_ratio is not right yet on the case "MobileNet's 14x14x512 layers":
      call:     mobilenet_ratio(M=512, N=512, Dk=3, Df=14)
      expected: 0.1130642361111111
      got:      0.1111111111111111
      problem:  expected 0.113064, got 0.111111
    Hint: the depthwise step's cost is missing: ...
    """
    __tracebackhide__ = True
    check_function(
        mobilenet_ratio,
        _ratio_cases(),
        lambda M, N, Dk, Df: 1 / N + 1 / Dk**2,
        task="mobilenet_ratio",
        misconceptions=_RATIO_MISCONCEPTIONS,
        hint="count the multiply-accumulates of the depthwise step, the pointwise step and the standard layer "
        "(convutil.conv_macs does it), then divide.",
    )
