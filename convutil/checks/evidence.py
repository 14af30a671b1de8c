"""Exercise 4 (chapter 4): the evidence of LeNet-5, AlexNet and GoogLeNet, recomputed."""

from dataclasses import replace
from functools import partial

import numpy as np

from ..architectures import ALEXNET_INPUT, INCEPTION, Inception, alexnet, lenet5_c3_table, table_params
from ..counting import conv_params
from ..summary import Conv2d, summary
from ._engine import Task, ints, publish

T = partial(Task, exercise="04-the-evidence", chapter="04-the-evidence")


def _grouped_row(rng):
    groups = int(rng.choice([1, 2, 3, 4, 8]))
    c_in, c_out = (groups * int(v) for v in rng.integers(1, 33, size=2))
    return c_in, c_out, int(rng.integers(1, 8)), groups, bool(rng.integers(0, 2))


def _alexnet(groups, change=lambda layer: layer, keep=lambda layer: True):
    """AlexNet's parameters, each layer first changed by ``change``, counting only the layers ``keep`` accepts."""
    return sum(
        r.params for r in summary([change(x) for x in alexnet(groups=groups)], ALEXNET_INPUT).rows if keep(r.layer)
    )


def _table_row(rng):
    c_out, c_in = ints(rng, 1, 13, size=2)
    table = rng.random((c_out, c_in)) < 0.5
    table[np.arange(c_out), rng.integers(0, c_in, size=c_out)] = True  # every output map sees one map at least
    return table, int(rng.integers(1, 8)), bool(rng.integers(0, 2))


def _inception(c_in, n1x1, n3x3_reduce, n3x3, n5x5_reduce, n5x5, pool_proj):
    return Inception("", c_in, n1x1, n3x3_reduce, n3x3, n5x5_reduce, n5x5, pool_proj, 1).params()


# fmt: off
_INCEPTION_ARGS = ("c_in", "n1x1", "n3x3_reduce", "n3x3", "n5x5_reduce", "n5x5", "pool_proj")

GROUPED_PARAMS = T("grouped_params", ("c_in", "c_out", "k", "groups", "bias"),
    lambda c_in, c_out, k, groups, bias: conv_params(c_in, c_out, k, groups=groups, bias=bias),
    fixed=(
        ("one map, one filter, 1x1, no groups", (1, 1, 1, 1, True)),
        ("the seed's layer 2: k1=4, k2=6, 5x5", (4, 6, 5, 1, True)),
        ("AlexNet conv2: 96 -> 256, 5x5, groups=2", (96, 256, 5, 2, True)),
        ("AlexNet conv4: 384 -> 384, 3x3, groups=2, without biases", (384, 384, 3, 2, False)),
        ("depthwise: 8 maps, 8 filters, 3x3, groups=8", (8, 8, 3, 8, True)),
        ("depthwise with 2 filters per map: 4 -> 8, groups=4", (4, 8, 3, 4, True)),
        ("4 groups, without biases", (16, 8, 1, 4, False)),
        ("1x1 convolution, groups=1, without biases", (192, 64, 1, 1, False)),
    ), random=_grouped_row, n_random=10, misconceptions=(
        ("groups ignored", lambda ci, co, k, g, b: conv_params(ci, co, k, bias=b), "groups is ignored: with groups=g each filter reads only the maps of its own group, so it holds fewer kernels than c_in."),
        ("one group's weights", lambda ci, co, k, g, b: co // g * (ci // g) * k * k + b * co, "you counted ONE group's weights: the g groups sit side by side, each with its own filters."),
        ("one group", lambda ci, co, k, g, b: co // g * (ci // g) * k * k + b * (co // g), "you counted ONE group: each of the g groups has its own filters and biases."),
        ("one bias per kernel", lambda ci, co, k, g, b: co * (ci // g) * k * k + b * co * (ci // g), "a filter has ONE bias, added once after summing over its input maps, not one per kernel."),
        ("bias flag inverted", lambda ci, co, k, g, b: co * (ci // g) * k * k + (0 if b else co), "bias=True adds one bias per filter; bias=False adds none."),
        ("k instead of k*k", lambda ci, co, k, g, b: co * (ci // g) * k + b * co, "a k x k kernel has k*k weights."),
    ), hint="how many filters, how many kernels in each filter (one per map it reads: which maps does a filter of a grouped layer read?), and how many biases?",
    forbid=("conv_params",), rule="this task asks you to count them yourself, without convutil's conv_params.")

ALEXNET_PARAMS = T("alexnet_params", ("groups",),
    _alexnet,
    fixed=(("the paper's two-GPU split", (2,)), ("one GPU, no split", (1,)), ("four groups", (4,)),
           ("eight groups", (8,)), ("32 groups", (32,))),
    misconceptions=(
        ("fully connected layers missing", lambda g: _alexnet(g, keep=lambda x: isinstance(x, Conv2d)), "that is the five convolution layers only: add the three fully connected layers."),
        ("biases missing", lambda g: _alexnet(g, lambda x: replace(x, bias=False) if hasattr(x, "bias") else x), "the biases are missing: every filter and every fully connected unit has one."),
        ("conv3 grouped", lambda g: _alexnet(g, lambda x: replace(x, groups=g) if x.name == "conv3" else x), "conv3 is NOT split: it connects across both GPUs. Only conv2, conv4 and conv5 use groups."),
        ("groups ignored", lambda g: _alexnet(1), "groups is ignored: with groups=g, conv2, conv4 and conv5 have filters only c_in/g maps deep."),
        ("fc6 from 5x5 maps", lambda g: _alexnet(g) - 256 * (6 * 6 - 5 * 5) * 4096, "fc6 receives 256 maps of 6x6 (from a 227x227 input): 9216 values."),
    ), hint="add up the five convolution layers (only conv2, conv4, conv5 grouped) and the three fully connected ones, all with biases; your grouped_params does the convolutions.")

TABLE_PARAMS = T("table_params", ("table", "k", "bias"), lambda table, k, bias: table_params(table, k, bias=bias), fixed=(
        ("LeNet-5's C3 table (16 x 6), 5x5, with biases", (lenet5_c3_table(), 5, True)),
        ("one map to one map, 1x1", (np.ones((1, 1), dtype=bool), 1, True)),
        ("every output sees every input (type 2.2), 3x3", (np.ones((4, 3), dtype=bool), 3, True)),
        ("each output sees one input (depthwise), 3x3", (np.eye(5, dtype=bool), 3, True)),
        ("LeNet-5's C3 table, without biases", (lenet5_c3_table(), 5, False)),
        ("a wide table (2 outputs, 7 inputs), 5x5",
         (np.array([[1, 0, 1, 1, 0, 0, 1], [0, 1, 1, 0, 1, 1, 1]], dtype=bool), 5, True)),
    ), random=_table_row, n_random=10, misconceptions=(
        ("table ignored", lambda t, k, b: t.size * k * k + b * t.shape[0], "the table is ignored: an output map has kernels only for the input maps its row marks True."),
        ("one bias per connection", lambda t, k, b: int(t.sum()) * (k * k + b), "one bias per output MAP (row), not per connection: the kernels of a map are summed, then one bias is added."),
        ("biases per input map", lambda t, k, b: int(t.sum()) * k * k + b * t.shape[1], "the biases belong to the output maps (the rows of the table), not the inputs."),
        ("biases missing", lambda t, k, b: int(t.sum()) * k * k, "the biases are missing: with bias=True each output map has one."),
        ("k instead of k*k", lambda t, k, b: int(t.sum()) * k + b * t.shape[0], "a k x k kernel has k*k weights."),
    ), hint="which (output map, input map) pairs have a kernel of their own, and how many biases are there: one per what?")

INCEPTION_PARAMS = T("inception_params", _INCEPTION_ARGS, _inception, fixed=(("one map and one filter everywhere", (1,) * 7),)
    + tuple((f"GoogLeNet module {m.name}", tuple(getattr(m, n) for n in _INCEPTION_ARGS)) for m in INCEPTION.values()),
    random=((1,) * 7, (257,) * 7), n_random=9, misconceptions=(
        ("reductions missing", lambda c, n1, r3, n3, r5, n5, pp: c * (n1 + n3 * 9 + n5 * 25 + pp), "the reductions are missing: the 3x3 and 5x5 convolutions read the reduced maps, and the 1x1 reduction layers have weights of their own."),
        ("pool projection missing", lambda c, n1, r3, n3, r5, n5, pp: c * (n1 + r3 + r5) + r3 * n3 * 9 + r5 * n5 * 25, "the pool projection is missing: after the max pooling (no weights) a 1x1 convolution maps the c_in maps to pool_proj maps."),
        ("reduction weights missing", lambda c, n1, r3, n3, r5, n5, pp: c * (n1 + pp) + r3 * n3 * 9 + r5 * n5 * 25, "the two 1x1 reduction layers have weights too."),
        ("k instead of k*k", lambda c, n1, r3, n3, r5, n5, pp: c * (n1 + r3 + r5 + pp) + r3 * n3 * 3 + r5 * n5 * 5, "a 3x3 kernel has 9 weights and a 5x5 kernel 25."),
        ("biases counted", lambda *a: _inception(*a) + sum(a[1:]), "count the weights only, without biases (as in this task's statement)."),
    ), hint="list the module's convolutions branch by branch (the pooling has no weights): for each, its input maps, output maps and kernel size.")

TASKS = publish(globals(), GROUPED_PARAMS, ALEXNET_PARAMS, TABLE_PARAMS, INCEPTION_PARAMS)
