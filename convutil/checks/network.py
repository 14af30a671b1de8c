"""Exercise 8 (chapter 8): from one volume to the next, layer by layer."""

import math
from dataclasses import replace
from functools import partial

import numpy as np

from ..summary import AvgPool2d, Conv2d, Flatten, Linear, MaxPool2d, ReLU, summary
from ._engine import Task, ints, normal, publish

T = partial(Task, exercise="08-volume-to-volume", chapter="08-volume-to-volume")


def _walk_wrong(layers, input_shape, mistake):
    """The walk as a student making ``mistake`` computes it: layer by layer, with the layer or the shape misread."""
    rows, shape = [], tuple(input_shape)
    for layer in layers:
        conv, biased, seen = isinstance(layer, Conv2d), getattr(layer, "bias", False), shape
        kinds, change = _MISREAD.get(mistake, ((), None))
        layer = replace(layer, **change(layer)) if isinstance(layer, kinds) else layer
        if (
            conv and mistake == "padding on one side"
        ):  # padding p on one side: as if the input were p smaller, padded on both
            seen = (shape[0], *(n - p for n, p in zip(shape[1:], layer.padding)))
        if conv and mistake == "one kernel per filter":  # one kernel per filter: as if each group held one map
            seen = (layer.groups, *shape[1:])
        shape, params = layer.output_shape(seen), sum(math.prod(s) for s in layer.param_shapes(seen).values() if s)
        bias_macs = biased and mistake in ("bias counted as a MAC", "convolution bias counted as a MAC" if conv else "")
        rows.append((shape, params, layer.macs(seen) + bias_macs * math.prod(shape)))
    if mistake == "channels last":
        rows = [((*s[1:], s[0]) if len(s) == 3 else s, p, m) for s, p, m in rows]
    return rows


def _random_network(rng):  # (the engine draws again when the layers do not fit the input)
    shape, layers = (int(rng.integers(1, 5)), int(rng.integers(8, 25)), int(rng.integers(8, 25))), []
    for _ in range(int(rng.integers(1, 4))):
        k = ints(rng, 1, 6, size=2)
        c_out, stride, padding = (
            int(rng.integers(2, 17)),
            int(rng.integers(1, 3)),
            int(rng.integers(0, min(k) // 2 + 1)),
        )
        layers += [Conv2d(c_out, k, stride=stride, padding=padding, bias=bool(rng.integers(0, 4) > 0)), ReLU()]
        layers += [MaxPool2d(2)] if rng.integers(0, 2) else []
    return layers + [Flatten(), Linear(int(rng.integers(2, 11)))], shape


# fmt: off
_LENET = [Conv2d(6, 5, padding=2), ReLU(), MaxPool2d(2), Conv2d(16, 5), ReLU(), MaxPool2d(2), Flatten()]
_LENET += [Linear(120), ReLU(), Linear(84), ReLU(), Linear(10)]
_POOLS = (MaxPool2d, AvgPool2d)
_MISREAD = {  # mistake: (the layers it affects, the fields it reads wrong)
    "pooling stride taken as 1": (_POOLS, lambda layer: {"stride": layer.stride or 1}),
    "pooling padding ignored": (_POOLS, lambda layer: {"padding": 0}),
    "dilation ignored": (Conv2d, lambda layer: {"dilation": 1}),
    "square kernel assumed": (Conv2d, lambda layer: {"kernel_size": layer.kernel_size[0]}),
    "biases missing": ((Conv2d, Linear), lambda layer: {"bias": False}),
}
_WALK_HINTS = {
    "pooling stride taken as 1": "MaxPool2d(2) has stride None, which means stride = kernel_size: a 2x2 pooling halves the size.",
    "pooling padding ignored": "pooling pads too, when its padding is > 0 (max pooling pads with -inf): use it in the output-size rule.",
    "dilation ignored": "a dilated kernel spans dilation * (k - 1) + 1 pixels: use the dilation in the output-size rule.",
    "square kernel assumed": "kernels can be non-square: kernel_size is (kH, kW), and the width uses kW.",
    "padding on one side": "padding adds zeros on EACH side.",
    "one kernel per filter": "each filter of a standard layer (groups=1) has one kernel for every map of its input volume.",
    "biases missing": "a layer with bias=True learns one bias per output (c_out or out_features of them): count them.",
    "bias counted as a MAC": "adding the bias is not a multiply-accumulate: MACs count weight x input products only.",
    "convolution bias counted as a MAC": "adding the bias is not a multiply-accumulate: MACs count weight x input products only.",
    "channels last": "shapes are channels first: (maps, height, width).",
}

WALK = T("walk", ("layers", "input_shape"),
    lambda layers, input_shape: [(tuple(r.output_shape), r.params, r.macs) for r in summary(layers, input_shape).rows], fixed=(
        ("one 1x1 convolution", ([Conv2d(2, 1)], (3, 4, 4))),
        ("a convolution without padding (the 9x9x10 volume, 4 filters)", ([Conv2d(4, 3)], (10, 9, 9))),
        ("'same' padding, then ReLU", ([Conv2d(6, 5, padding=2), ReLU()], (1, 12, 12))),
        ("max pooling: stride defaults to the window", ([Conv2d(4, 3, padding=1), MaxPool2d(2)], (2, 8, 8))),
        ("stride 2 and a non-square input", ([Conv2d(8, 3, stride=2, padding=1)], (3, 15, 20))),
        ("no bias", ([Conv2d(5, 3, bias=False), Flatten(), Linear(3, bias=False)], (2, 6, 6))),
        ("flatten and a fully connected layer", ([Conv2d(4, 3), ReLU(), MaxPool2d(2), Flatten(), Linear(10)], (1, 10, 10))),
        ("a grouped convolution, groups=2", ([Conv2d(6, 3, groups=2, padding=1)], (4, 8, 8))),
        ("a non-square 3x5 kernel", ([Conv2d(4, (3, 5))], (3, 16, 16))),
        ("dilation 2", ([Conv2d(4, 3, dilation=2)], (2, 16, 16))),
        ("overlapping max pooling with padding: window 3, stride 2, padding 1", ([Conv2d(4, 3), MaxPool2d(3, stride=2, padding=1)], (3, 16, 16))),
        ("LeNet-like", (_LENET, (1, 28, 28))),
    ), random=_random_network, n_random=8, forbid=("convutil.summary.summary", "convutil.nn.layer_shapes"),
    rule="write the walk yourself, layer by layer: the check compares it with convutil's summary, which this task asks you not to call.",
    misconceptions=tuple((mistake, partial(_walk_wrong, mistake=mistake), hint) for mistake, hint in _WALK_HINTS.items()),
    hint="for each layer: what shape comes out (each spatial size from the output-size rule), how many numbers does it learn, and how many weight x input products does it compute? Pooling, ReLU and Flatten learn nothing.")

REORDER_MAPS = T("reorder_maps", ("w1", "b1", "w2", "perm"), lambda w1, b1, w2, perm: (w1[perm], b1[perm], w2[:, perm]),
    build=lambda rng, c0, c1, c2, perm=None: (*normal(rng, (c1, c0, 3, 3), (c1,), (c2, c1, 3, 3)), rng.permutation(c1) if perm is None else np.array(perm)),
    fixed=(  # the three layers' map counts, perm
        ("two maps swapped", (3, 2, 3, [1, 0])),
        ("a cycle of three maps", (2, 3, 2, [1, 2, 0])),
        ("reversed order", (3, 5, 4, [4, 3, 2, 1, 0])),
        ("identity: nothing moves", (2, 4, 3, [0, 1, 2, 3])),
    ), random=((1, 2, 1), (4, 9, 6)), n_random=6, misconceptions=(
        ("w2 filters reordered", lambda w1, b1, w2, p: (w1[p], b1[p], w2[p]), "w2[perm] reorders layer 2's FILTERS (its output maps). Layer 2 must read its input maps in the new order: permute axis 1."),
        ("biases left behind", lambda w1, b1, w2, p: (w1[p], b1, w2[:, p]), "each bias belongs to one filter: when the filters of layer 1 move, their biases move with them."),
        ("layer 2 unchanged", lambda w1, b1, w2, p: (w1[p], b1[p], w2), "layer 2 still expects the old order: its kernels for each input map must follow the maps."),
        ("w1 input axis", lambda w1, b1, w2, p: (w1[:, p], b1[p], w2[:, p]), "w1's axis 1 is layer 1's INPUT maps; the maps being renumbered are layer 1's outputs: axis 0, w1[perm]."),
    ), hint="which axis of each weight counts the maps being renumbered: layer 1's output maps, layer 2's input maps?")

TASKS = publish(globals(), WALK, REORDER_MAPS)
