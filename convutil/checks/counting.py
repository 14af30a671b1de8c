"""Exercise 1 (chapter 1, the question): counting maps, output sizes and parameters."""

import math
from functools import partial

import numpy as np

from ..core import conv2d, conv_output_size
from ..counting import conv_macs, conv_params
from ..types import conv_type1, conv_type2_1, conv_type2_2
from ._engine import Task, ints, publish

T = partial(Task, exercise="01-counting-maps-and-parameters", chapter="01-the-question")
TYPES = "a tuple of three counts (type 1, type 2.1, type 2.2)"
_OWN = "the maps of a layer come from its own filters: count k2, not k1"


def _size(n, k, s=1, p=0, d=1):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def _shape(x_shape, weight_shape, stride, padding, dilation):
    out = conv2d(np.zeros(x_shape), np.zeros(weight_shape), stride=stride, padding=padding, dilation=dilation)
    return tuple(int(v) for v in out.shape)


def _random_shape(rng):
    c, h, w, c_out, kh, kw, s, p, d = ints(rng, (1, 1, 1, 1, 1, 1, 1, 0, 1), (5, 17, 17, 7, 6, 6, 4, 3, 3))
    return (c, h, w), (c_out, c, kh, kw), s, p, d


def _maps(k1, k2):
    x, kernels = np.zeros((k1, 1, 1)), np.zeros((k2, 1, 1))
    types = (conv_type1(x, kernels), conv_type2_1(x, kernels), conv_type2_2(x, np.zeros((k2, k1, 1, 1))))
    return tuple(out.shape[0] for out in types)


def _kernels_row(rng, n_kernels):
    return (*ints(rng, 1, 65, size=2), *(ints(rng, 1, 8, size=2) for _ in range(n_kernels)))


def _weights(k1, k2, kernel1, kernel2):
    first = conv_params(1, k1, tuple(kernel1), bias=False)
    shared, full = conv_params(1, k2, tuple(kernel2), bias=False), conv_params(k1, k2, tuple(kernel2), bias=False)
    return (first + shared, first + shared, first + full)


def _params22(k1, k2, kernel1, kernel2, bias):
    return conv_params(1, k1, tuple(kernel1), bias=bias) + conv_params(k1, k2, tuple(kernel2), bias=bias)


# fmt: off
OUTPUT_SIZE = T("output_size", ("n", "k", "s", "p", "d"), conv_output_size, fixed=(
        ("1x1 kernel", (5, 1, 1, 0, 1)),
        ("kernel as large as the input", (4, 4, 1, 0, 1)),
        ("3x3 kernel, no padding (the 9x9 volume of the seed question)", (9, 3, 1, 0, 1)),
        ("5x5 kernel with padding 2", (6, 5, 1, 2, 1)),
        ("stride 2", (7, 3, 2, 0, 1)),
        ("stride 2 that does not divide evenly", (8, 3, 2, 0, 1)),
        ("dilation 2", (9, 3, 1, 0, 2)),
        ("stride, padding and dilation together", (10, 3, 2, 1, 2)),
        ("AlexNet's first layer", (227, 11, 4, 0, 1)),
    ), random=((1, 1, 1, 0, 1), (65, 8, 5, 4, 4)), n_random=20, misconceptions=(
        ("true division", lambda n, k, s, p, d: (n + 2 * p - d * (k - 1) - 1) / s + 1, "the number of windows is a whole number: a window that does not fit entirely is not counted (`//`)."),
        ("padding on one side", lambda n, k, s, p, d: _size(n + p, k, s, 0, d), "padding p adds p zeros on EACH side of the input."),
        ("padding ignored", lambda n, k, s, p, d: _size(n, k, s, 0, d), "padding is missing: the zeros added on both sides are room the window can slide into."),
        ("dilation ignored", lambda n, k, s, p, d: _size(n, k, s, p, 1), "dilation is ignored: a dilated kernel has gaps between its taps, so it spans more pixels than k."),
        ("stride ignored", lambda n, k, s, p, d: _size(n, k, 1, p, d), "stride is ignored: the window jumps s pixels at a time, so there are about s times fewer positions."),
        ("rounded up", lambda n, k, s, p, d: -(-(n + 2 * p - d * (k - 1) - 1) // s) + 1, "a window must fit entirely inside the padded input: round down, not up."),
        ("rounded to nearest", lambda n, k, s, p, d: round((n + 2 * p - d * (k - 1) - 1) / s) + 1, "a window must fit entirely inside the padded input: round down, not to the nearest integer."),
        ("one short", lambda n, k, s, p, d: _size(n, k, s, p, d) - 1, "you are one short: the first window sits at position 0, before any step is taken."),
        ("one over", lambda n, k, s, p, d: _size(n, k, s, p, d) + 1, "you are one over: count the window positions 0, s, 2s, ... that still fit inside the padded input."),
    ), hint="count the positions where the whole kernel fits: how many pixels does it span (with its gaps), how much room does the padded input leave, and how many steps of s fit into that room? Try n=5, k=3 on paper (3).",
    reveal="the kernel spans d*(k-1) + 1 pixels; the padded input has n + 2*p; the answer is the number of steps of s that fit into the difference, plus one for the first window.",
    forbid=("conv_output_size",), rule="this task asks you to write the arithmetic yourself, without convutil's conv_output_size.")

OUTPUT_SHAPE = T("output_shape", ("x_shape", "weight_shape", "stride", "padding", "dilation"), _shape, fixed=(
        ("one channel, 1x1 kernel", ((1, 5, 5), (1, 1, 1, 1), 1, 0, 1)),
        ("the seed's first layer: greyscale 6x8 image, k1=4 filters 3x3, padding 1", ((1, 6, 8), (4, 1, 3, 3), 1, 1, 1)),
        ("the seed's second layer: k1=4 maps, k2=6 filters 5x5", ((4, 6, 8), (6, 4, 5, 5), 1, 2, 1)),
        ("non-square image and kernel", ((3, 7, 10), (2, 3, 3, 5), 1, 0, 1)),
        ("stride 2, non-square image", ((2, 9, 12), (3, 2, 3, 3), 2, 0, 1)),
        ("dilation 2", ((1, 9, 9), (2, 1, 3, 3), 1, 0, 2)),
        ("stride, padding and dilation together", ((3, 11, 8), (5, 3, 2, 3), 2, 1, 2)),
    ), random=_random_shape, n_random=15, misconceptions=(
        ("type 1 maps", lambda x, w, *_: x[0] * w[0], "you produced {got[0]} = (input maps) x (filters) maps: that is type 1. A convolution layer produces one map per filter.", 0),
        ("maps in = maps out", lambda x, w, *_: x[0], "the number of output maps is the number of filters, not the number of input maps.", 0),
        ("weight axis 1 as filters", lambda x, w, *_: w[1], "weight_shape[1] is the number of input maps each filter reads; the filters are counted by axis 0.", 0),
        ("square kernel assumed", lambda x, w, s, p, d: (w[0], _size(x[1], w[2], s, p, d), _size(x[2], w[2], s, p, d)), "the width uses the kernel's height: kernels can be non-square, (kH, kW) = weight_shape[2:]."),
        ("height and width swapped", lambda *a: (_shape(*a)[0], _shape(*a)[2], _shape(*a)[1]), "height and width are swapped: shapes are (maps, height, width), kernels (kH, kW)."),
        ("channels last", lambda *a: _shape(*a)[1:] + _shape(*a)[:1], "the course writes shapes channels first: (maps, height, width)."),
    ), hint="how many maps does a layer produce (one per what)? Each spatial size follows Task 1, along its own axis with its own kernel length.")

LAYER2_MAPS = T("layer2_maps", ("k1", "k2"), _maps, fixed=(
        ("one map in, one filter", (1, 1)),
        ("one map in, five filters", (1, 5)),
        ("k1=3, k2=8", (3, 8)),
        ("k1=8, k2=3", (8, 3)),
        ("k1=64, k2=128", (64, 128)),
        ("k1=k2=6", (6, 6)),
    ), random=((1, 1), (65, 65)), n_random=10, misconceptions=(
        ("type 2.2 as type 1", lambda k1, k2: k1 * k2, "you produced k1*k2 = {got[2]} maps for type 2.2: that is type 1. A convolution layer produces one map per filter.", 2),
        ("type 2.1 keeps every result", lambda k1, k2: k1 * k2, "type 2.1 sums the k1 results of each filter into one map.", 1),
        ("type 1 sums", lambda k1, k2: k2, "type 1 applies each of the k2 filters to each of the k1 maps separately and keeps every result.", 0),
        ("counts layer 1's maps", lambda k1, k2: k1, f'{_OWN}.', 2),
        ("counts layer 1's maps (type 2.1)", lambda k1, k2: k1, f'{_OWN}.', 1),
    ), hint=f"return {TYPES}: how many maps does each filter produce under each type?")

VALUES_PER_OUTPUT = T("values_per_output", ("k1", "k2", "kernel2"),
    lambda k1, k2, kernel2: (conv_macs(1, 1, tuple(kernel2), 1), *[conv_macs(k1, 1, tuple(kernel2), 1)] * 2), fixed=(
        ("the seed's layer 2: k1=4, k2=6, 5x5", (4, 6, (5, 5))),
        ("1x1 kernel", (16, 32, (1, 1))),
        ("one input map", (1, 8, (3, 3))),
        ("non-square kernel", (3, 5, (1, 3))),
        ("k2 smaller than k1", (10, 2, (3, 2))),
    ), random=partial(_kernels_row, n_kernels=1), n_random=10, misconceptions=(
        ("the seed's k2 slip", lambda k1, k2, kr: k2 * math.prod(kr), "k2*kH*kW is the slip in the seed question itself: an output value reads windows on the maps of the layer BEFORE (k2 is how many filters this layer has).", 2),
        ("the seed's k2 slip (type 2.1)", lambda k1, k2, kr: k2 * math.prod(kr), "k2*kH*kW is the seed question's slip: type 2.1 reads a window on every map of the layer BEFORE.", 1),
        ("one window for type 2.2", lambda k1, k2, kr: math.prod(kr), "in type 2.2 a filter looks at all k1 input maps at once, one window on each.", 2),
        ("one window for type 2.1", lambda k1, k2, kr: math.prod(kr), "type 2.1 shares one kernel across the maps, but it still reads a window on EVERY one of the k1 input maps before summing.", 1),
        ("type 1 reads every map", lambda k1, k2, kr: k1 * math.prod(kr), "in type 1 each output map comes from ONE input map.", 0),
    ), hint=f"return {TYPES}; kernel2 is (kH, kW). Which maps does one window of one filter lie on?")

WEIGHTS_PER_TYPE = T("weights_per_type", ("k1", "k2", "kernel1", "kernel2"), _weights, fixed=(
        ("the seed's layers: k1=4, k2=6, 3x3 then 5x5", (4, 6, (3, 3), (5, 5))),
        ("one filter in each layer", (1, 1, (3, 3), (5, 5))),
        ("1x1 kernels", (8, 16, (1, 1), (1, 1))),
        ("non-square kernels", (3, 5, (1, 3), (3, 1))),
        ("k2 smaller than k1", (10, 2, (3, 3), (5, 5))),
        ("k1=8, k2=16, 3x3 then 5x5", (8, 16, (3, 3), (5, 5))),
    ), random=partial(_kernels_row, n_kernels=2), n_random=10, misconceptions=(
        ("k2*k2 slip", lambda k1, k2, a, b: k1 * math.prod(a) + k2 * k2 * math.prod(b), "k2*k2*kH*kW repeats the seed question's slip: each filter has one kernel per map of the layer BEFORE.", 2),
        ("layer 2 only", lambda k1, k2, a, b: k2 * k1 * math.prod(b), "that is layer 2 alone: add layer 1's weights.", 2),
        ("type 1 without sharing", lambda k1, k2, a, b: k1 * math.prod(a) + k1 * k2 * math.prod(b), "type 1 reuses each filter's single 2D kernel on every map: it is shared, not copied.", 0),
        ("type 2.1 without sharing", lambda k1, k2, a, b: k1 * math.prod(a) + k1 * k2 * math.prod(b), "type 2.1 shares one 2D kernel per filter across all maps.", 1),
        ("type 2.2 shares", lambda k1, k2, a, b: k1 * math.prod(a) + k2 * math.prod(b), "type 2.2 gives each filter its own kernel for every input map.", 2),
        ("biases counted", lambda k1, k2, a, b: k1 * math.prod(a) + k1 + k2 * k1 * math.prod(b) + k2, "count the weights only (no biases) in this task, as the seed question does.", 2),
    ), hint=f"return {TYPES}, the weights of both layers, no biases: how many 2D kernels does each type learn?")

PARAMS_TYPE22 = T("params_type22", ("k1", "k2", "kernel1", "kernel2", "bias"), _params22, fixed=(
        ("the seed's layers, with biases: k1=4, k2=6", (4, 6, (3, 3), (5, 5), True)),
        ("the seed's layers, without biases: k1=4, k2=6", (4, 6, (3, 3), (5, 5), False)),
        ("one filter in each layer, with biases", (1, 1, (3, 3), (5, 5), True)),
        ("1x1 kernels, with biases", (8, 16, (1, 1), (1, 1), True)),
        ("non-square kernels, with biases", (3, 5, (1, 3), (3, 1), True)),
        ("k2 smaller than k1, without biases", (10, 2, (3, 3), (5, 5), False)),
    ), random=lambda rng: (*_kernels_row(rng, 2), bool(rng.integers(0, 2))), n_random=14, misconceptions=(
        ("biases missing", lambda k1, k2, a, b, bias: _params22(k1, k2, a, b, False), "the biases are missing: with bias=True every filter has one."),
        ("biases always counted", lambda k1, k2, a, b, bias: _params22(k1, k2, a, b, False) + k1 + k2, "bias=False means no biases: count the weights only."),
        ("one bias per layer", lambda k1, k2, a, b, bias: _params22(k1, k2, a, b, False) + 2 * bias, "one bias per FILTER, not per layer."),
        ("one bias per kernel", lambda k1, k2, a, b, bias: _params22(k1, k2, a, b, False) + bias * (k1 + k1 * k2), "a filter has ONE bias, added once after summing over its input maps, not one per input map."),
        ("k2*k2 slip", lambda k1, k2, a, b, bias: k1 * math.prod(a) + k2 * k2 * math.prod(b) + bias * (k1 + k2), "k2*k2*kH*kW repeats the seed question's slip: each filter has one kernel per map of the layer BEFORE."),
        ("layer 2 only", lambda k1, k2, a, b, bias: conv_params(k1, k2, tuple(b), bias=bias), "that is layer 2 alone: add the parameters of layer 1 (one input map, k1 filters)."),
    ), hint="count each layer's filters, the kernels in each filter (one per map the filter reads), and the biases.")

VOLUME_SHAPE = T("volume_shape", ("maps_in", "size", "kernel", "n"),
    lambda maps_in, size, kernel, n: _shape((maps_in, size, size), (n, maps_in, kernel, kernel), 1, 0, 1),
    fixed=(("the 9x9x10 volume, 4 filters of 3x3x10", (10, 9, 3, 4)),), value=True, misconceptions=(
        ("kernel size as output", lambda c, size, k, n: (n, k, k), "3x3 is the kernel's size, not the output's: count the positions where a 3x3 window fits in 9."),
        ("type 1 maps", lambda c, size, k, n: (c * n, size - k + 1, size - k + 1), "you produced {maps_in} x {n} maps: that is type 1. Each filter covers all the volume's maps and makes ONE map."),
        ("one map", lambda c, size, k, n: (1, size - k + 1, size - k + 1), "each of the n filters makes one map."),
        ("size unchanged", lambda c, size, k, n: (n, size, size), "the maps keep their size only with padding, and this layer has none: a 3x3 window fits fewer times than 9."),
        ("channels last", lambda c, size, k, n: (size - k + 1, size - k + 1, n), "the course writes shapes channels first: (maps, height, width)."),
    ), hint="a 3x3x10 filter is as deep as this volume (a standard layer, groups=1), so it cannot slide along depth: how many maps does one filter make, and how large are they?",
    reveal="each of the 4 filters makes one map; a 3x3 window fits at 9 - 3 + 1 positions along each side.")

TASKS = publish(
    globals(), OUTPUT_SIZE, OUTPUT_SHAPE, LAYER2_MAPS, VALUES_PER_OUTPUT, WEIGHTS_PER_TYPE, PARAMS_TYPE22, VOLUME_SHAPE
)
