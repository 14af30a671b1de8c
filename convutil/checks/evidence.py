"""Checkers for exercise 4: the evidence from LeNet-5, AlexNet and GoogLeNet.

Every checker takes the student's function, runs fixed edge cases and seeded
random cases, and compares the answers with :mod:`convutil`'s reference
(:func:`~convutil.conv_params`, :func:`convutil.architectures.table_params`,
:func:`convutil.architectures.alexnet` with :func:`convutil.summary.summary`,
:class:`convutil.architectures.Inception`).

Examples
--------
>>> from convutil import conv_params
>>> check_grouped_params(lambda c_in, c_out, k, groups, bias: conv_params(c_in, c_out, k, groups=groups, bias=bias))
✔ grouped_params passes all 18 cases. Well done!
"""

from __future__ import annotations

import numpy as np

from ..architectures import ALEXNET_INPUT, INCEPTION, Inception, alexnet, lenet5_c3_table, table_params
from ..counting import conv_params
from ..summary import summary
from ._feedback import Case, Misconception, check_function, make_cases

__all__ = ["check_grouped_params", "check_alexnet_params", "check_table_params", "check_inception_params"]


# --------------------------------------------------------------------------- grouped_params


def _grouped_reference(c_in, c_out, k, groups, bias):
    return conv_params(c_in, c_out, k, groups=groups, bias=bias)


_GROUPED_MISCONCEPTIONS = [
    Misconception(
        lambda c_in, c_out, k, groups, bias: conv_params(c_in, c_out, k, bias=bias),
        "groups is ignored: with groups=g each filter reads only c_in/g maps (its own group's), "
        "so it holds c_in/g kernels, not c_in.",
    ),
    Misconception(
        lambda c_in, c_out, k, groups, bias: (c_out // groups) * (c_in // groups) * k * k + bias * c_out,
        "you counted ONE group's weights: there are g groups side by side, each with c_out/g filters of c_in/g "
        "kernels, so all together c_out * (c_in/g) * k*k weights.",
    ),
    Misconception(
        lambda c_in, c_out, k, groups, bias: (c_out // groups) * (c_in // groups) * k * k + bias * (c_out // groups),
        "you counted ONE group: multiply by the number of groups (each group has its own filters and biases).",
    ),
    Misconception(
        lambda c_in, c_out, k, groups, bias: c_out * (c_in // groups) * k * k + bias * c_out * (c_in // groups),
        "a filter has ONE bias, added once after summing over its input maps, not one per kernel.",
    ),
    Misconception(
        lambda c_in, c_out, k, groups, bias: c_out * (c_in // groups) * k * k + (0 if bias else c_out),
        "bias=True adds one bias per filter (c_out in all); bias=False adds none.",
    ),
    Misconception(
        lambda c_in, c_out, k, groups, bias: c_out * (c_in // groups) * k + bias * c_out,
        "a k x k kernel has k*k weights, not k.",
    ),
]


def check_grouped_params(grouped_params) -> None:
    """Check ``grouped_params(c_in, c_out, k, groups, bias)``: parameters of one (grouped) convolution layer.

    The reference is :func:`convutil.conv_params`.

    Examples
    --------
    >>> check_grouped_params(lambda c_in, c_out, k, groups, bias: c_in * c_out * k * k + bias * c_out)
    Traceback (most recent call last):
    ...
    convutil.checks._feedback.CheckFailed: grouped_params is not right yet on the case "AlexNet conv2: 96 -> 256, 5x5, groups=2":
      call:     grouped_params(c_in=96, c_out=256, k=5, groups=2, bias=True)
      expected: 307456
      got:      614656
      problem:  expected 307456, got 614656
    Hint: groups is ignored: with groups=g each filter reads only c_in/g maps (its own group's), so it holds c_in/g kernels, not c_in.
    """
    __tracebackhide__ = True
    names = ("c_in", "c_out", "k", "groups", "bias")
    fixed = [
        ("one map, one filter, 1x1, no groups", (1, 1, 1, 1, True)),
        ("the seed's layer 2: k1=4, k2=6, 5x5", (4, 6, 5, 1, True)),
        ("AlexNet conv2: 96 -> 256, 5x5, groups=2", (96, 256, 5, 2, True)),
        ("AlexNet conv4: 384 -> 384, 3x3, groups=2, without biases", (384, 384, 3, 2, False)),
        ("depthwise: 8 maps, 8 filters, 3x3, groups=8", (8, 8, 3, 8, True)),
        ("depthwise with 2 filters per map: 4 -> 8, groups=4", (4, 8, 3, 4, True)),
        ("4 groups, without biases", (16, 8, 1, 4, False)),
        ("1x1 convolution, groups=1, without biases", (192, 64, 1, 1, False)),
    ]
    rng = np.random.default_rng(40)

    def random_rows():
        for i in range(10):
            groups = int(rng.choice([1, 2, 3, 4, 8]))
            c_in, c_out = (groups * int(v) for v in rng.integers(1, 33, size=2))
            yield c_in, c_out, int(rng.integers(1, 8)), groups, i % 2 == 0

    check_function(
        grouped_params,
        make_cases(names, fixed, random_rows()),
        _grouped_reference,
        task="grouped_params",
        misconceptions=_GROUPED_MISCONCEPTIONS,
        hint="c_out filters, each with one k x k kernel for each of the c_in/groups maps of its group, "
        "plus one bias per filter when bias is True.",
    )


# --------------------------------------------------------------------------- alexnet_params


def _alexnet_reference(groups):
    return summary(alexnet(groups=groups), ALEXNET_INPUT).total_params


_FC = 256 * 6 * 6 * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * 1000 + 1000


def _alexnet_conv(groups, grouped=("conv2", "conv4", "conv5"), bias=True):
    layers = {
        "conv1": (3, 96, 11),
        "conv2": (96, 256, 5),
        "conv3": (256, 384, 3),
        "conv4": (384, 384, 3),
        "conv5": (384, 256, 3),
    }
    return sum(
        conv_params(c_in, c_out, k, groups=groups if name in grouped else 1, bias=bias)
        for name, (c_in, c_out, k) in layers.items()
    )


_ALEXNET_MISCONCEPTIONS = [
    Misconception(
        lambda groups: _alexnet_conv(groups),
        "that is the five convolution layers only: add the three fully connected layers "
        "(9216 -> 4096 -> 4096 -> 1000, with biases).",
    ),
    Misconception(
        lambda groups: _alexnet_conv(groups, bias=False) + _FC - 4096 - 4096 - 1000,
        "the biases are missing: every filter and every fully connected unit has one.",
    ),
    Misconception(
        lambda groups: _alexnet_conv(groups, grouped=("conv2", "conv3", "conv4", "conv5")) + _FC,
        "conv3 is NOT split: it connects across both GPUs (its kernels are 3x3x256). "
        "Only conv2, conv4 and conv5 use groups.",
    ),
    Misconception(
        lambda groups: _alexnet_conv(1) + _FC,
        "groups is ignored: with groups=g, conv2, conv4 and conv5 have filters only c_in/g maps deep.",
    ),
    Misconception(
        lambda groups: _alexnet_conv(groups) + 256 * 5 * 5 * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * 1000 + 1000,
        "fc6 receives 256 maps of 6x6 (from a 227x227 input), i.e. 9216 values; 5x5 is what 224 would give.",
    ),
]


def check_alexnet_params(alexnet_params) -> None:
    """Check ``alexnet_params(groups)``: AlexNet's parameters when conv2, conv4 and conv5 use ``groups``.

    Weights and biases of the five convolution layers and the three fully
    connected layers. The reference is :func:`convutil.summary.summary` of
    :func:`convutil.architectures.alexnet`.

    Examples
    --------
    >>> check_alexnet_params(lambda groups: 60965224 if groups == 2 else 62378344)
    Traceback (most recent call last):
    ...
    convutil.checks._feedback.CheckFailed: alexnet_params is not right yet on the case "four groups":
      call:     alexnet_params(groups=4)
      expected: 60258664
      got:      62378344
      problem:  expected 60258664, got 62378344
    Hint: groups is ignored: with groups=g, conv2, conv4 and conv5 have filters only c_in/g maps deep.
    """
    __tracebackhide__ = True
    cases = [
        Case("the paper's two-GPU split", {"groups": 2}),
        Case("one GPU, no split", {"groups": 1}),
        Case("four groups", {"groups": 4}),
        Case("eight groups", {"groups": 8}),
        Case("32 groups", {"groups": 32}),
    ]
    check_function(
        alexnet_params,
        cases,
        _alexnet_reference,
        task="alexnet_params",
        misconceptions=_ALEXNET_MISCONCEPTIONS,
        hint="add up conv1..conv5 (only conv2, conv4, conv5 grouped) and fc6 (9216 -> 4096), fc7 (4096 -> 4096), "
        "fc8 (4096 -> 1000), all with biases; your grouped_params does the convolutions.",
    )


# --------------------------------------------------------------------------- table_params


def _table_cases() -> list[Case]:
    names = ("table", "k", "bias")
    fixed = [
        ("LeNet-5's C3 table (16 x 6), 5x5, with biases", (lenet5_c3_table(), 5, True)),
        ("one map to one map, 1x1", (np.ones((1, 1), dtype=bool), 1, True)),
        ("every output sees every input (type 2.2), 3x3", (np.ones((4, 3), dtype=bool), 3, True)),
        ("each output sees one input (depthwise), 3x3", (np.eye(5, dtype=bool), 3, True)),
        ("LeNet-5's C3 table, without biases", (lenet5_c3_table(), 5, False)),
        (
            "a wide table (2 outputs, 7 inputs), 5x5",
            (np.array([[1, 0, 1, 1, 0, 0, 1], [0, 1, 1, 0, 1, 1, 1]], dtype=bool), 5, True),
        ),
    ]
    rng = np.random.default_rng(41)

    def random_rows():
        for i in range(10):
            c_out, c_in = (int(v) for v in rng.integers(1, 13, size=2))
            table = rng.random((c_out, c_in)) < 0.5
            table[np.arange(c_out), rng.integers(0, c_in, size=c_out)] = True  # every output map sees one map at least
            yield table, int(rng.integers(1, 8)), i % 2 == 0

    return make_cases(names, fixed, random_rows())


_TABLE_MISCONCEPTIONS = [
    Misconception(
        lambda table, k, bias: table.size * k * k + bias * table.shape[0],
        "the table is ignored: an output map has kernels only for the input maps its row marks True.",
    ),
    Misconception(
        lambda table, k, bias: int(table.sum()) * (k * k + bias),
        "one bias per output MAP (row), not per connection: the kernels of a map are summed, then one bias is added.",
    ),
    Misconception(
        lambda table, k, bias: int(table.sum()) * k * k + bias * table.shape[1],
        "the biases belong to the output maps (the rows of the table, table.shape[0]), not the inputs.",
    ),
    Misconception(
        lambda table, k, bias: int(table.sum()) * k * k,
        "the biases are missing: with bias=True each output map has one.",
    ),
    Misconception(
        lambda table, k, bias: int(table.sum()) * k + bias * table.shape[0],
        "a k x k kernel has k*k weights, not k.",
    ),
]


def check_table_params(table_params_func) -> None:
    """Check ``table_params(table, k, bias)``: parameters of a layer wired by a connection table.

    ``table`` is a boolean array ``(c_out, c_in)``: ``table[j, i]`` is True
    when output map ``j`` has a ``k x k`` kernel for input map ``i``. The
    reference is :func:`convutil.architectures.table_params`.

    Examples
    --------
    >>> check_table_params(lambda table, k, bias: int(table.sum()) * k * k + bias * table.shape[0])
    ✔ table_params passes all 16 cases. Well done!
    """
    __tracebackhide__ = True
    check_function(
        table_params_func,
        _table_cases(),
        lambda table, k, bias: table_params(table, k, bias=bias),
        task="table_params",
        misconceptions=_TABLE_MISCONCEPTIONS,
        hint="one k x k kernel for every True in the table, plus (with bias) one bias per output map (row).",
    )


# --------------------------------------------------------------------------- inception_params


def _inception_reference(c_in, n1x1, n3x3_reduce, n3x3, n5x5_reduce, n5x5, pool_proj):
    return Inception("", c_in, n1x1, n3x3_reduce, n3x3, n5x5_reduce, n5x5, pool_proj, 1).params()


_INCEPTION_MISCONCEPTIONS = [
    Misconception(
        lambda c_in, n1, r3, n3, r5, n5, pp: c_in * (n1 + n3 * 9 + n5 * 25 + pp),
        "the reductions are missing: the 3x3 and 5x5 convolutions read the r3 and r5 reduced maps, and the "
        "1x1 reductions themselves have c_in*r3 and c_in*r5 weights.",
    ),
    Misconception(
        lambda c_in, n1, r3, n3, r5, n5, pp: c_in * n1 + c_in * r3 + r3 * n3 * 9 + c_in * r5 + r5 * n5 * 25,
        "the pool projection is missing: after the 3x3 max pooling (no weights) a 1x1 convolution maps the c_in "
        "maps to pool_proj maps.",
    ),
    Misconception(
        lambda c_in, n1, r3, n3, r5, n5, pp: c_in * n1 + r3 * n3 * 9 + r5 * n5 * 25 + c_in * pp,
        "the two 1x1 reduction layers have weights too: c_in*n3x3_reduce and c_in*n5x5_reduce.",
    ),
    Misconception(
        lambda c_in, n1, r3, n3, r5, n5, pp: c_in * n1 + c_in * r3 + r3 * n3 * 3 + c_in * r5 + r5 * n5 * 5 + c_in * pp,
        "a 3x3 kernel has 9 weights and a 5x5 kernel 25.",
    ),
    Misconception(
        lambda c_in, n1, r3, n3, r5, n5, pp: (
            _inception_reference(c_in, n1, r3, n3, r5, n5, pp) + n1 + r3 + n3 + r5 + n5 + pp
        ),
        "count the weights only, without biases (as in this task's statement).",
    ),
]


def check_inception_params(inception_params) -> None:
    """Check ``inception_params(c_in, n1x1, n3x3_reduce, n3x3, n5x5_reduce, n5x5, pool_proj)``: weights, no biases.

    The six filter counts are those of GoogLeNet's Table 1. The reference is
    :meth:`convutil.architectures.Inception.params`.

    Examples
    --------
    >>> check_inception_params(lambda c_in, n1, r3, n3, r5, n5, pp: c_in * (n1 + r3 + r5 + pp) + r3 * n3 * 9 + r5 * n5 * 25)
    ✔ inception_params passes all 19 cases. Well done!
    """
    __tracebackhide__ = True
    names = ("c_in", "n1x1", "n3x3_reduce", "n3x3", "n5x5_reduce", "n5x5", "pool_proj")
    fixed = [(f"GoogLeNet module {m.name}", [getattr(m, n) for n in names]) for m in INCEPTION.values()]
    fixed.insert(1, ("one map and one filter everywhere", [1] * len(names)))
    rng = np.random.default_rng(42)
    random = ([int(v) for v in rng.integers(1, 257, size=len(names))] for _ in range(9))
    check_function(
        inception_params,
        make_cases(names, fixed, random),
        _inception_reference,
        task="inception_params",
        misconceptions=_INCEPTION_MISCONCEPTIONS,
        hint="six convolutions: 1x1 (c_in -> n1x1), 1x1 (c_in -> n3x3_reduce), 3x3 (n3x3_reduce -> n3x3), "
        "1x1 (c_in -> n5x5_reduce), 5x5 (n5x5_reduce -> n5x5), 1x1 (c_in -> pool_proj); weights only.",
    )
