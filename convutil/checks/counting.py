"""Checkers for exercise 1: counting maps, output sizes and parameters.

Every checker takes the student's function, runs fixed edge cases (1x1
kernels, one channel, non-square kernels and images, stride > 1, padding,
dilation) and seeded random cases, and compares the answers with
:mod:`convutil`'s reference (:func:`~convutil.conv_output_size`,
:func:`~convutil.conv2d` and the three candidate layers,
:func:`~convutil.conv_params`, :func:`~convutil.conv_macs`).

Examples
--------
>>> from convutil import conv_output_size
>>> check_output_size(lambda n, k, s=1, p=0, d=1: conv_output_size(n, k, s, p, d))
✔ output_size passes all 29 cases. Well done!
"""

from __future__ import annotations

from itertools import islice

import numpy as np

from ..core import conv2d, conv_output_size
from ..counting import conv_macs, conv_params
from ..types import conv_type1, conv_type2_1, conv_type2_2
from ._feedback import Case, Misconception, check_function, check_value, make_cases

__all__ = [
    "check_output_size",
    "check_output_shape",
    "check_layer2_maps",
    "check_values_per_output",
    "check_weights_per_type",
    "check_params_type22",
    "check_volume_shape",
]

_TYPES = "(type 1, type 2.1, type 2.2)"


# --------------------------------------------------------------------------- output_size


def _output_size_cases() -> list[Case]:
    names = ("n", "k", "s", "p", "d")
    fixed = [
        ("1x1 kernel", (5, 1, 1, 0, 1)),
        ("kernel as large as the input", (4, 4, 1, 0, 1)),
        ("3x3 kernel, no padding (the 9x9 volume of the seed question)", (9, 3, 1, 0, 1)),
        ("5x5 kernel with padding 2", (6, 5, 1, 2, 1)),
        ("stride 2", (7, 3, 2, 0, 1)),
        ("stride 2 that does not divide evenly", (8, 3, 2, 0, 1)),
        ("dilation 2", (9, 3, 1, 0, 2)),
        ("stride, padding and dilation together", (10, 3, 2, 1, 2)),
        ("AlexNet's first layer", (227, 11, 4, 0, 1)),
    ]
    rng = np.random.default_rng(0)

    def fitting():  # random rows whose (dilated) kernel fits in the padded input
        while True:
            n, k, s, p, d = (int(v) for v in rng.integers((1, 1, 1, 0, 1), (65, 8, 5, 4, 4)))
            if n + 2 * p >= d * (k - 1) + 1:
                yield n, k, s, p, d

    return make_cases(names, fixed, islice(fitting(), 20))


_OUTPUT_SIZE_MISCONCEPTIONS = [
    Misconception(
        lambda n, k, s, p, d: float((n + 2 * p - d * (k - 1) - 1) // s + 1),
        "the value is right but it is a float: return an int (floor division `//` keeps integers; "
        "np.floor and math.floor of a float division may not).",
    ),
    Misconception(
        lambda n, k, s, p, d: (n + 2 * p - d * (k - 1) - 1) / s + 1,
        "the number of windows is a whole number: divide with floor division `//`, not `/`.",
    ),
    Misconception(
        lambda n, k, s, p, d: (n + p - d * (k - 1) - 1) // s + 1,
        "padding p adds p zeros on EACH side, so the padded length is n + 2*p, not n + p.",
    ),
    Misconception(
        lambda n, k, s, p, d: (n - d * (k - 1) - 1) // s + 1,
        "padding is missing: the padded input has n + 2*p pixels.",
    ),
    Misconception(
        lambda n, k, s, p, d: (n + 2 * p - k) // s + 1,
        "dilation is ignored: a kernel of k taps with dilation d spans d*(k-1) + 1 pixels.",
    ),
    Misconception(
        lambda n, k, s, p, d: n + 2 * p - d * (k - 1),
        "stride is ignored: windows start every s pixels, so divide the free room by s.",
    ),
    Misconception(
        lambda n, k, s, p, d: -(-(n + 2 * p - d * (k - 1) - 1) // s) + 1,
        "a window must fit entirely inside the padded input: round down (floor), not up.",
    ),
    Misconception(
        lambda n, k, s, p, d: (n + 2 * p - d * (k - 1) - 1) // s,
        "you are one short: the first window sits at position 0, so there is one more window than steps (+1).",
    ),
    Misconception(
        lambda n, k, s, p, d: (n + 2 * p - d * (k - 1) - 1) // s + 2,
        "you are one over: count the window positions 0, s, 2s, ... that still fit inside the padded input.",
    ),
]


def check_output_size(output_size) -> None:
    """Check ``output_size(n, k, s=1, p=0, d=1)``: the output length along one dimension.

    The reference is :func:`convutil.conv_output_size`.

    Examples
    --------
    >>> check_output_size(lambda n, k, s=1, p=0, d=1: n - k + 1)
    Traceback (most recent call last):
    ...
    convutil.checks._feedback.CheckFailed: output_size is not right yet on the case "5x5 kernel with padding 2":
      call:     output_size(n=6, k=5, s=1, p=2, d=1)
      expected: 6
      got:      2
      problem:  expected 6, got 2
    Hint: padding is missing: the padded input has n + 2*p pixels.
    """
    __tracebackhide__ = True
    check_function(
        output_size,
        _output_size_cases(),
        conv_output_size,
        task="output_size",
        misconceptions=_OUTPUT_SIZE_MISCONCEPTIONS,
        hint="count the window positions: (n + 2*p - d*(k-1) - 1) // s + 1 is the formula to reach.",
    )


# --------------------------------------------------------------------------- output_shape


def _output_shape_reference(x_shape, weight_shape, stride, padding, dilation):
    out = conv2d(np.zeros(x_shape), np.zeros(weight_shape), stride=stride, padding=padding, dilation=dilation)
    return tuple(int(v) for v in out.shape)


def _output_shape_cases() -> list[Case]:
    names = ("x_shape", "weight_shape", "stride", "padding", "dilation")
    fixed = [
        ("one channel, 1x1 kernel", ((1, 5, 5), (1, 1, 1, 1), 1, 0, 1)),
        (
            "the seed's first layer: greyscale 6x8 image, k1=4 filters 3x3, padding 1",
            ((1, 6, 8), (4, 1, 3, 3), 1, 1, 1),
        ),
        ("the seed's second layer: k1=4 maps, k2=6 filters 5x5, padding 2", ((4, 6, 8), (6, 4, 5, 5), 1, 2, 1)),
        ("non-square image and kernel", ((3, 7, 10), (2, 3, 3, 5), 1, 0, 1)),
        ("stride 2, non-square image", ((2, 9, 12), (3, 2, 3, 3), 2, 0, 1)),
        ("dilation 2", ((1, 9, 9), (2, 1, 3, 3), 1, 0, 2)),
        ("stride, padding and dilation together", ((3, 11, 8), (5, 3, 2, 3), 2, 1, 2)),
    ]
    rng = np.random.default_rng(1)

    def fitting():  # random rows whose (dilated) kernel fits in the padded image
        while True:
            c, h, w, c_out, kh, kw = (int(v) for v in rng.integers((1, 1, 1, 1, 1, 1), (5, 17, 17, 7, 6, 6)))
            s, p, d = (int(v) for v in rng.integers((1, 0, 1), (4, 3, 3)))
            if min(h, w) + 2 * p >= d * (max(kh, kw) - 1) + 1:
                yield (c, h, w), (c_out, c, kh, kw), s, p, d

    return make_cases(names, fixed, islice(fitting(), 15))


def _swap_hw(x_shape, weight_shape, stride, padding, dilation):
    c_out, h_out, w_out = _output_shape_reference(x_shape, weight_shape, stride, padding, dilation)
    return (c_out, w_out, h_out)


_OUTPUT_SHAPE_MISCONCEPTIONS = [
    Misconception(
        lambda x_shape, weight_shape, *_: x_shape[0] * weight_shape[0],
        "you produced {got} = (input maps) x (filters) maps: that is type 1. A convolution layer produces "
        "one map per filter: weight_shape[0] maps.",
        part=0,
    ),
    Misconception(
        lambda x_shape, weight_shape, *_: x_shape[0],
        "the number of output maps is the number of filters, weight_shape[0], not the number of input maps.",
        part=0,
    ),
    Misconception(
        lambda x_shape, weight_shape, *_: weight_shape[1],
        "weight_shape[1] is the number of input maps each filter reads; the number of filters is weight_shape[0].",
        part=0,
    ),
    Misconception(_swap_hw, "height and width are swapped: shapes are (maps, height, width), kernels (kH, kW)."),
]


def check_output_shape(output_shape) -> None:
    """Check ``output_shape(x_shape, weight_shape, stride=1, padding=0, dilation=1)``.

    ``x_shape`` is ``(C, H, W)``, ``weight_shape`` is ``(C_out, C, kH, kW)``;
    the answer is the shape ``(C_out, H_out, W_out)`` of the layer's output.
    The reference is the shape of :func:`convutil.conv2d`'s result.

    Examples
    --------
    >>> check_output_shape(lambda x_shape, weight_shape, stride=1, padding=0, dilation=1: x_shape)
    Traceback (most recent call last):
    ...
    convutil.checks._feedback.CheckFailed: output_shape is not right yet on the case "the seed's first layer: greyscale 6x8 image, k1=4 filters 3x3, padding 1":
      call:     output_shape(x_shape=(1, 6, 8), weight_shape=(4, 1, 3, 3), stride=1, padding=1, dilation=1)
      expected: (4, 6, 8)
      got:      (1, 6, 8)
      problem:  item 0: expected 4, got 1 (expected (4, 6, 8), got (1, 6, 8))
    Hint: the number of output maps is the number of filters, weight_shape[0], not the number of input maps.
    """
    __tracebackhide__ = True
    check_function(
        output_shape,
        _output_shape_cases(),
        _output_shape_reference,
        task="output_shape",
        misconceptions=_OUTPUT_SHAPE_MISCONCEPTIONS,
        hint="one map per filter (weight_shape[0]); each spatial size follows output_size with its own kernel "
        "length: height with kH, width with kW.",
    )


# --------------------------------------------------------------------------- layer2_maps


def _layer2_maps_reference(k1, k2):
    x = np.zeros((k1, 1, 1))
    kernels = np.zeros((k2, 1, 1))
    return (
        conv_type1(x, kernels).shape[0],
        conv_type2_1(x, kernels).shape[0],
        conv_type2_2(x, np.zeros((k2, k1, 1, 1))).shape[0],
    )


def _pairs_cases(rng, fixed, count):
    random = (tuple(int(v) for v in rng.integers(1, 65, size=2)) for _ in range(count))
    return make_cases(("k1", "k2"), fixed, random)


_MAPS_MISCONCEPTIONS = [
    Misconception(
        lambda k1, k2: k1 * k2,
        "you produced k1*k2 = {got} maps for type 2.2: that is type 1. A convolution layer produces one map "
        "per filter: k2 maps.",
        part=2,
    ),
    Misconception(
        lambda k1, k2: k1 * k2,
        "type 2.1 sums the k1 results of each filter into one map: one map per filter, k2 maps.",
        part=1,
    ),
    Misconception(
        lambda k1, k2: k2,
        "type 1 applies each of the k2 filters to each of the k1 maps separately and keeps every result: k1*k2 maps.",
        part=0,
    ),
    Misconception(lambda k1, k2: k1, "the maps of a layer come from its own filters: count k2, not k1.", part=2),
    Misconception(lambda k1, k2: k1, "the maps of a layer come from its own filters: count k2, not k1.", part=1),
]


def check_layer2_maps(layer2_maps) -> None:
    """Check ``layer2_maps(k1, k2)``: the number of maps after layer 2, as ``(type 1, type 2.1, type 2.2)``.

    The reference counts the maps that :func:`convutil.conv_type1`,
    :func:`convutil.conv_type2_1` and :func:`convutil.conv_type2_2` produce.

    Examples
    --------
    >>> check_layer2_maps(lambda k1, k2: (k1 * k2, k2, k2))
    ✔ layer2_maps passes all 16 cases. Well done!
    """
    __tracebackhide__ = True
    fixed = [("one map in, one filter", (1, 1)), ("one map in, five filters", (1, 5)), ("k1=3, k2=8", (3, 8))]
    fixed += [("k1=8, k2=3", (8, 3)), ("k1=64, k2=128", (64, 128)), ("k1=k2=6", (6, 6))]
    check_function(
        layer2_maps,
        _pairs_cases(np.random.default_rng(2), fixed, 10),
        _layer2_maps_reference,
        task="layer2_maps",
        misconceptions=_MAPS_MISCONCEPTIONS,
        hint=f"return a tuple of three counts {_TYPES}.",
    )


# --------------------------------------------------------------------------- values_per_output


def _kernel_cases(rng, fixed, count, names):
    def random_rows():
        for _ in range(count):
            k1, k2 = (int(v) for v in rng.integers(1, 65, size=2))
            kernels = [tuple(int(v) for v in rng.integers(1, 8, size=2)) for _ in range(len(names) - 2)]
            yield (k1, k2, *kernels)

    return make_cases(names, fixed, random_rows())


def _values_per_output_reference(k1, k2, kernel2):
    one_map = conv_macs(1, 1, tuple(kernel2), (1, 1))  # one output value reads one window on one map
    all_maps = conv_macs(k1, 1, tuple(kernel2), (1, 1))  # ... or one window on each of the k1 maps
    return (one_map, all_maps, all_maps)


def _area(kernel):
    return kernel[0] * kernel[1]


_VALUES_MISCONCEPTIONS = [
    Misconception(
        lambda k1, k2, kernel2: k2 * _area(kernel2),
        "k2*kH*kW is the slip in the seed question itself: an output value reads a window on every map of the "
        "layer BEFORE, and there are k1 of those (k2 is how many filters this layer has): k1*kH*kW.",
        part=2,
    ),
    Misconception(
        lambda k1, k2, kernel2: k2 * _area(kernel2),
        "k2*kH*kW is the slip in the seed question itself: type 2.1 reads a window on every map of the layer "
        "BEFORE, and there are k1 of those: k1*kH*kW.",
        part=1,
    ),
    Misconception(
        lambda k1, k2, kernel2: _area(kernel2),
        "in type 2.2 a filter looks at all k1 input maps at once: k1 windows of kH x kW values.",
        part=2,
    ),
    Misconception(
        lambda k1, k2, kernel2: k1 * _area(kernel2),
        "in type 1 each output map comes from ONE input map, so a value reads one window of kH x kW values.",
        part=0,
    ),
]


def check_values_per_output(values_per_output) -> None:
    """Check ``values_per_output(k1, k2, kernel2)``: input values one output value of layer 2 reads.

    ``kernel2`` is ``(kH, kW)``. The answer is ``(type 1, type 2.1, type 2.2)``;
    the reference is :func:`convutil.conv_macs` for one output value.

    Examples
    --------
    >>> check_values_per_output(lambda k1, k2, kernel2: (kernel2[0] * kernel2[1],) + (k1 * kernel2[0] * kernel2[1],) * 2)
    ✔ values_per_output passes all 15 cases. Well done!
    """
    __tracebackhide__ = True
    names = ("k1", "k2", "kernel2")
    fixed = [
        ("the seed's layer 2: k1=4, k2=6, 5x5", (4, 6, (5, 5))),
        ("1x1 kernel", (16, 32, (1, 1))),
        ("one input map", (1, 8, (3, 3))),
        ("non-square kernel", (3, 5, (1, 3))),
        ("k2 smaller than k1", (10, 2, (3, 2))),
    ]
    check_function(
        values_per_output,
        _kernel_cases(np.random.default_rng(3), fixed, 10, names),
        _values_per_output_reference,
        task="values_per_output",
        misconceptions=_VALUES_MISCONCEPTIONS,
        hint=f"return a tuple of three counts {_TYPES}; kernel2 is (kH, kW).",
    )


# --------------------------------------------------------------------------- weights_per_type


def _weights_per_type_reference(k1, k2, kernel1, kernel2):
    layer1 = conv_params(1, k1, tuple(kernel1), bias=False)
    shared = conv_params(1, k2, tuple(kernel2), bias=False)  # k2 2D kernels, reused on every map
    full = conv_params(k1, k2, tuple(kernel2), bias=False)  # k2 filters of k1 kernels each
    return (layer1 + shared, layer1 + shared, layer1 + full)


_WEIGHTS_MISCONCEPTIONS = [
    Misconception(
        lambda k1, k2, kernel1, kernel2: k1 * _area(kernel1) + k2 * k2 * _area(kernel2),
        "k2*k2*kH*kW repeats the seed question's slip: each of the k2 filters has one kH x kW kernel for every "
        "map of the layer BEFORE (k1 of them): k2*k1*kH*kW weights in layer 2.",
        part=2,
    ),
    Misconception(
        lambda k1, k2, kernel1, kernel2: k2 * k1 * _area(kernel2),
        "that is layer 2 alone: add the k1*kH*kW weights of layer 1 (one input map, k1 filters).",
        part=2,
    ),
    Misconception(
        lambda k1, k2, kernel1, kernel2: k1 * _area(kernel1) + k1 * k2 * _area(kernel2),
        "type 1 reuses each filter's single 2D kernel on every map: k2 kernels of kH x kW in layer 2, "
        "not k1*k2 of them.",
        part=0,
    ),
    Misconception(
        lambda k1, k2, kernel1, kernel2: k1 * _area(kernel1) + k1 * k2 * _area(kernel2),
        "type 2.1 shares one 2D kernel per filter across all maps: k2 kernels of kH x kW in layer 2.",
        part=1,
    ),
    Misconception(
        lambda k1, k2, kernel1, kernel2: k1 * _area(kernel1) + k2 * _area(kernel2),
        "type 2.2 gives each filter its own kernel for every input map: k2*k1*kH*kW weights in layer 2.",
        part=2,
    ),
    Misconception(
        lambda k1, k2, kernel1, kernel2: k1 * _area(kernel1) + k1 + k2 * k1 * _area(kernel2) + k2,
        "count the weights only (no biases) in this task, as the seed question does.",
        part=2,
    ),
]


def check_weights_per_type(weights_per_type) -> None:
    """Check ``weights_per_type(k1, k2, kernel1, kernel2)``: weights of both layers, without biases.

    One greyscale input map; layer 1 has ``k1`` filters of size ``kernel1``,
    layer 2 ``k2`` filters of size ``kernel2`` (each ``(kH, kW)``). The answer
    is ``(type 1, type 2.1, type 2.2)``; the reference is :func:`convutil.conv_params`.

    Examples
    --------
    >>> def weights_per_type(k1, k2, kernel1, kernel2):
    ...     a1, a2 = kernel1[0] * kernel1[1], kernel2[0] * kernel2[1]
    ...     return (k1 * a1 + k2 * a2, k1 * a1 + k2 * a2, k1 * a1 + k2 * k1 * a2)
    >>> check_weights_per_type(weights_per_type)
    ✔ weights_per_type passes all 16 cases. Well done!
    """
    __tracebackhide__ = True
    names = ("k1", "k2", "kernel1", "kernel2")
    fixed = [
        ("the seed's layers: k1=4, k2=6, 3x3 then 5x5", (4, 6, (3, 3), (5, 5))),
        ("one filter in each layer", (1, 1, (3, 3), (5, 5))),
        ("1x1 kernels", (8, 16, (1, 1), (1, 1))),
        ("non-square kernels", (3, 5, (1, 3), (3, 1))),
        ("k2 smaller than k1", (10, 2, (3, 3), (5, 5))),
        ("k1=8, k2=16, 3x3 then 5x5", (8, 16, (3, 3), (5, 5))),
    ]
    check_function(
        weights_per_type,
        _kernel_cases(np.random.default_rng(4), fixed, 10, names),
        _weights_per_type_reference,
        task="weights_per_type",
        misconceptions=_WEIGHTS_MISCONCEPTIONS,
        hint=f"return a tuple of three counts {_TYPES}, weights of both layers, no biases.",
    )


# --------------------------------------------------------------------------- params_type22


def _params_type22_reference(k1, k2, kernel1, kernel2, bias):
    return conv_params(1, k1, tuple(kernel1), bias=bias) + conv_params(k1, k2, tuple(kernel2), bias=bias)


def _weights22(k1, k2, kernel1, kernel2):
    return k1 * _area(kernel1) + k2 * k1 * _area(kernel2)


_PARAMS_MISCONCEPTIONS = [
    Misconception(
        lambda k1, k2, kernel1, kernel2, bias: _weights22(k1, k2, kernel1, kernel2),
        "the biases are missing: with bias=True every filter has one bias, k1 + k2 = {k1} + {k2} in all.",
    ),
    Misconception(
        lambda k1, k2, kernel1, kernel2, bias: _weights22(k1, k2, kernel1, kernel2) + k1 + k2,
        "bias=False means no biases: count the weights only.",
    ),
    Misconception(
        lambda k1, k2, kernel1, kernel2, bias: _weights22(k1, k2, kernel1, kernel2) + 2 * bias,
        "one bias per FILTER, not per layer: k1 biases in layer 1 and k2 in layer 2.",
    ),
    Misconception(
        lambda k1, k2, kernel1, kernel2, bias: _weights22(k1, k2, kernel1, kernel2) + bias * (k1 + k1 * k2),
        "a filter has ONE bias, added once after summing over its input maps, not one per input map: "
        "k2 biases in layer 2.",
    ),
    Misconception(
        lambda k1, k2, kernel1, kernel2, bias: k1 * _area(kernel1) + k2 * k2 * _area(kernel2) + bias * (k1 + k2),
        "k2*k2*kH*kW repeats the seed question's slip: each of the k2 filters has one kernel per map of the "
        "layer BEFORE (k1 of them).",
    ),
    Misconception(
        lambda k1, k2, kernel1, kernel2, bias: conv_params(k1, k2, tuple(kernel2), bias=bias),
        "that is layer 2 alone: add the parameters of layer 1 (one input map, k1 filters).",
    ),
]


def check_params_type22(params_type22) -> None:
    """Check ``params_type22(k1, k2, kernel1=(3, 3), kernel2=(5, 5), bias=True)``.

    Learned parameters of both layers of the seed question under type 2.2
    (the standard convolution), with or without biases. The reference is
    :func:`convutil.conv_params`.

    Examples
    --------
    >>> from convutil import conv_params
    >>> check_params_type22(lambda k1, k2, kernel1=(3, 3), kernel2=(5, 5), bias=True:
    ...     conv_params(1, k1, kernel1, bias=bias) + conv_params(k1, k2, kernel2, bias=bias))
    ✔ params_type22 passes all 20 cases. Well done!
    """
    __tracebackhide__ = True
    names = ("k1", "k2", "kernel1", "kernel2", "bias")
    fixed = [
        ("the seed's layers, with biases: k1=4, k2=6", (4, 6, (3, 3), (5, 5), True)),
        ("the seed's layers, without biases: k1=4, k2=6", (4, 6, (3, 3), (5, 5), False)),
        ("one filter in each layer, with biases", (1, 1, (3, 3), (5, 5), True)),
        ("1x1 kernels, with biases", (8, 16, (1, 1), (1, 1), True)),
        ("non-square kernels, with biases", (3, 5, (1, 3), (3, 1), True)),
        ("k2 smaller than k1, without biases", (10, 2, (3, 3), (5, 5), False)),
    ]
    rng = np.random.default_rng(5)

    def random_rows():
        for i in range(14):
            k1, k2 = (int(v) for v in rng.integers(1, 65, size=2))
            kernel1, kernel2 = (tuple(int(v) for v in rng.integers(1, 8, size=2)) for _ in range(2))
            yield k1, k2, kernel1, kernel2, i % 2 == 0

    check_function(
        params_type22,
        make_cases(names, fixed, random_rows()),
        _params_type22_reference,
        task="params_type22",
        misconceptions=_PARAMS_MISCONCEPTIONS,
        hint="layer 1: k1 filters of 1 x kH x kW (+ k1 biases); layer 2: k2 filters of k1 x kH x kW (+ k2 biases).",
    )


# --------------------------------------------------------------------------- volume_shape


def check_volume_shape(volume_shape) -> None:
    """Check the shape of the seed's 9x9x10 volume after ``n=4`` kernels of 3x3x10 (stride 1, no padding).

    The answer is ``(maps, height, width)``; the reference is the shape of
    :func:`convutil.conv2d`'s result.

    Examples
    --------
    >>> check_volume_shape((4, 7, 7))
    ✔ volume_shape is right. Well done!
    """
    __tracebackhide__ = True
    expected = tuple(int(v) for v in conv2d(np.zeros((10, 9, 9)), np.zeros((4, 10, 3, 3))).shape)
    check_value(
        volume_shape if volume_shape is None else _as_tuple(volume_shape),
        expected,
        name="volume_shape",
        values={"maps_in": 10, "size": 9, "kernel": 3, "n": 4},
        misconceptions=[
            Misconception(
                lambda maps_in, size, kernel, n: (n, kernel, kernel),
                "3x3 is the kernel's size, not the output's: a 3x3 window fits in 9 - 3 + 1 = 7 positions per row.",
            ),
            Misconception(
                lambda maps_in, size, kernel, n: (maps_in * n, size - kernel + 1, size - kernel + 1),
                "you produced {maps_in} x {n} = {got[0]} maps: that is type 1. Each kernel is as deep as the "
                "volume and makes ONE map: n maps in all.",
            ),
            Misconception(
                lambda maps_in, size, kernel, n: (1, size - kernel + 1, size - kernel + 1),
                "each of the n kernels makes one map: n maps in all.",
            ),
            Misconception(
                lambda maps_in, size, kernel, n: (size - kernel + 1, size - kernel + 1, n),
                "the course writes shapes channels first: (maps, height, width).",
            ),
        ],
        hint="a kernel as deep as the volume (10) yields ONE 7x7 map; there are n = 4 kernels. "
        "Sliding along depth (10 - D + 1 maps) would be a 3D convolution, not what a convolution layer does.",
    )


def _as_tuple(value):
    """Accept a list or array for a shape (a common, harmless choice)."""
    if isinstance(value, (list, np.ndarray)):
        return tuple(value.tolist() if isinstance(value, np.ndarray) else value)
    return value
