"""Checkers for exercises 7 and 8: 3D convolutions, and from one volume to the next.

Exercise 7 (:doc:`07-3d-convolutions`): the two readings of "a 3x4x5 filter
on 1337 maps" (:func:`check_two_readings`), a convolution layer written as a
3D convolution (:func:`check_as_conv3d`) and a one-channel 3D convolution
written as a convolution layer (:func:`check_banded_weight`).

Exercise 8 (:doc:`08-volume-to-volume`): walking a network layer by layer
(:func:`check_walk`, against :func:`convutil.summary.summary`) and renumbering
the maps between two layers without changing the network
(:func:`check_reorder_maps`).

Every checker runs fixed edge cases first and then seeded random cases, and
compares with a reference: :func:`~convutil.conv_output_size` on each axis,
:func:`convutil.summary.summary`, or the weight array that makes
:func:`~convutil.conv2d` and :func:`~convutil.conv3d` agree
(``tests/test_mutations_07.py`` and ``tests/test_mutations_08.py`` prove that
those references do what the tasks ask, by running both).

Examples
--------
>>> check_two_readings(lambda maps, height, width, kernel: (
...     (maps - kernel[0] + 1, height - kernel[1] + 1, width - kernel[2] + 1),
...     (height - kernel[1] + 1, width - kernel[2] + 1)))
✔ two_readings passes all 16 cases. Well done!
"""

from __future__ import annotations

import math

import numpy as np

from ..core import conv_output_size
from ..summary import AvgPool2d, Conv2d, Flatten, Linear, MaxPool2d, ReLU, summary
from ._feedback import Case, Misconception, check_function, make_cases

__all__ = [
    "check_two_readings",
    "check_as_conv3d",
    "check_banded_weight",
    "check_walk",
    "check_reorder_maps",
]


# =========================================================================== exercise 7

# --------------------------------------------------------------------------- two_readings


def _two_readings(maps, height, width, kernel):
    sizes = (maps, height, width)
    shape_3d = tuple(conv_output_size(n, k) for n, k in zip(sizes, kernel))
    shape_layer = tuple(conv_output_size(n, k) for n, k in zip(sizes[1:], kernel[1:]))
    return shape_3d, shape_layer


def _two_readings_cases() -> list[Case]:
    fixed = [
        ("the seed's example: 1337 maps of 42x314, a 3x4x5 filter", (1337, 42, 314, (3, 4, 5))),
        ("a 1x1x1 kernel", (5, 6, 7, (1, 1, 1))),
        ("kernel as deep as the stack", (10, 9, 9, (10, 3, 3))),
        ("the 9x9x10 volume of seed 003 with a 3x3x3 kernel", (10, 9, 9, (3, 3, 3))),
        ("one map", (1, 8, 5, (1, 2, 2))),
        ("kernel as large as the whole volume", (4, 5, 6, (4, 5, 6))),
    ]
    rng = np.random.default_rng(7)

    def random_rows():
        for _ in range(10):
            maps, height, width = (int(v) for v in rng.integers(1, 60, size=3))
            yield maps, height, width, tuple(int(rng.integers(1, n + 1)) for n in (maps, height, width))

    return make_cases(("maps", "height", "width", "kernel"), fixed, random_rows())


_TWO_READINGS_MISCONCEPTIONS = [
    Misconception(
        lambda maps, height, width, kernel: (
            (height - kernel[1] + 1, width - kernel[2] + 1),
            (height - kernel[1] + 1, width - kernel[2] + 1),
        ),
        "the 3D convolution also slides along depth: its output keeps a depth axis of maps - kD + 1 slices.",
    ),
    Misconception(
        lambda maps, height, width, kernel: (
            (maps - kernel[0], height - kernel[1], width - kernel[2]),
            (height - kernel[1], width - kernel[2]),
        ),
        "you are one short on every axis: a kernel of k taps fits at n - k + 1 positions (0, 1, ..., n - k).",
    ),
    Misconception(
        lambda maps, height, width, kernel: (
            (maps - kernel[0] + 1, height - kernel[1] + 1, width - kernel[2] + 1),
            (maps - kernel[0] + 1, height - kernel[1] + 1, width - kernel[2] + 1),
        ),
        "a convolution layer's filter is as deep as the stack ({maps} maps), so it cannot move along depth: "
        "one map of (height - kH + 1) x (width - kW + 1) per filter.",
    ),
    Misconception(
        lambda maps, height, width, kernel: (
            (height - kernel[1] + 1, width - kernel[2] + 1, maps - kernel[0] + 1),
            (height - kernel[1] + 1, width - kernel[2] + 1),
        ),
        "keep the axes in the order of the input: (depth, height, width).",
    ),
]


def check_two_readings(two_readings) -> None:
    """Check ``two_readings(maps, height, width, kernel)``: the output shape per filter of both readings.

    ``kernel`` is ``(kD, kH, kW)``. The answer is ``(shape_3d, shape_layer)``:
    the 3D convolution's ``(D_out, H_out, W_out)`` (no padding, stride 1) and
    the convolution layer's ``(H_out, W_out)`` when each filter is
    ``maps x kH x kW``. The reference is :func:`convutil.conv_output_size` on each axis.

    Examples
    --------
    >>> check_two_readings(lambda maps, height, width, kernel: ((maps, height, width), (height, width)))
    Traceback (most recent call last):
    ...
    convutil.checks._feedback.CheckFailed: two_readings is not right yet on the case "the seed's example: 1337 maps of 42x314, a 3x4x5 filter":
      call:     two_readings(maps=1337, height=42, width=314, kernel=(3, 4, 5))
      expected: ((1335, 39, 310), (39, 310))
      got:      ((1337, 42, 314), (42, 314))
      problem:  item 0: item 0: expected 1335, got 1337 (expected (1335, 39, 310), got (1337, 42, 314)) (expected ((1335, 39, 310), (39, 310)), got ((1337, 42, 314), (42, 314)))
    Hint: a kernel of k taps fits at n - k + 1 positions along an axis of n (no padding, stride 1); the 3D convolution slides along depth, height and width, the layer's full-depth filter only along height and width.
    """
    __tracebackhide__ = True
    check_function(
        two_readings,
        _two_readings_cases(),
        _two_readings,
        task="two_readings",
        misconceptions=_TWO_READINGS_MISCONCEPTIONS,
        hint="a kernel of k taps fits at n - k + 1 positions along an axis of n (no padding, stride 1); "
        "the 3D convolution slides along depth, height and width, the layer's full-depth filter only "
        "along height and width.",
    )


# --------------------------------------------------------------------------- as_conv3d


def _as_conv3d(weight, padding):
    return np.asarray(weight)[:, None], (0, padding, padding)


def _as_conv3d_cases() -> list[Case]:
    rng = np.random.default_rng(8)
    fixed = [
        ("one filter over one map, 1x1 kernel", (1, 1, 1, 1), 0),
        ("4 filters over 12 maps, 4x5 kernels", (4, 12, 4, 5), 0),
        ("padding 1", (3, 5, 3, 3), 1),
        ("non-square kernel, padding 2", (2, 3, 5, 3), 2),
    ]
    cases = [Case(name, {"weight": rng.normal(size=shape), "padding": p}) for name, shape, p in fixed]
    for i in range(6):
        shape = tuple(int(v) for v in rng.integers(1, (6, 8, 6, 6)))
        cases.append(
            Case(f"random case {i + 1}", {"weight": rng.normal(size=shape), "padding": int(rng.integers(0, 3))})
        )
    return cases


def check_as_conv3d(as_conv3d) -> None:
    """Check ``as_conv3d(weight, padding)``: a convolution layer's weight and padding for :func:`convutil.conv3d`.

    ``weight`` is a layer's ``(C_out, C, kH, kW)`` weight and ``padding`` an
    int. The stack ``x`` of ``C`` maps is seen as ONE channel ``C`` deep,
    ``x[None]``; the answer ``(weight_3d, padding_3d)`` must make
    ``conv3d(x[None], weight_3d, padding=padding_3d)[:, 0]`` equal
    ``conv2d(x, weight, padding=padding)``: ``weight_3d = weight[:, None]``
    (shape ``(C_out, 1, C, kH, kW)``) and ``padding_3d = (0, padding, padding)``.

    Examples
    --------
    >>> check_as_conv3d(lambda weight, padding: (weight[:, None], (0, padding, padding)))
    ✔ as_conv3d passes all 10 cases. Well done!
    """
    __tracebackhide__ = True
    check_function(
        as_conv3d,
        _as_conv3d_cases(),
        _as_conv3d,
        task="as_conv3d",
        misconceptions=[
            Misconception(
                lambda weight, padding: (np.asarray(weight)[:, None], (padding, padding, padding)),
                "no padding along depth: with padding in depth the kernel could slide and give extra depth "
                "slices. Use (0, padding, padding).",
            ),
            Misconception(
                lambda weight, padding: (np.asarray(weight)[:, :, None], (0, padding, padding)),
                "weight[:, :, None] has shape (C_out, C, 1, kH, kW): C input channels of depth 1. Here the stack "
                "is ONE channel that is C deep, so the channel axis has size 1 and the depth axis size C.",
            ),
            Misconception(
                lambda weight, padding: (np.asarray(weight)[None], (0, padding, padding)),
                "weight[None] has shape (1, C_out, C, kH, kW): one filter over C_out channels. The filters "
                "stay on the first axis: (C_out, 1, C, kH, kW).",
            ),
        ],
        hint="conv3d's weight is (C_out, C_in, kD, kH, kW); the stack is one channel (C_in = 1) whose depth is "
        "the number of maps, and the kernel depth kD must equal that depth.",
    )


# --------------------------------------------------------------------------- banded_weight


def _banded_weight(kernel, maps, stride):
    kernel = np.asarray(kernel, dtype=float)
    kd = kernel.shape[0]
    n_filters = conv_output_size(maps, kd, stride)
    out = np.zeros((n_filters, maps, *kernel.shape[1:]))
    for i in range(n_filters):
        out[i, i * stride : i * stride + kd] = kernel
    return out


def _banded_weight_cases() -> list[Case]:
    rng = np.random.default_rng(10)
    fixed = [
        ("kernel depth 1: every filter sees one map", (1, 3, 3), 4, 1),
        ("kernel as deep as the stack: one filter", (5, 2, 2), 5, 1),
        ("the stand-in of chapter 7: 3x4x5 kernel, 12 maps", (3, 4, 5), 12, 1),
        ("1x1x1 kernel on one map", (1, 1, 1), 1, 1),
        ("stride 2 along depth", (3, 2, 2), 9, 2),
        ("stride 2 that does not divide evenly", (2, 3, 3), 7, 2),
        ("stride as large as the kernel depth: no overlap", (2, 1, 3), 6, 2),
    ]
    cases = [
        Case(name, {"kernel": rng.normal(size=shape), "maps": maps, "stride": stride})
        for name, shape, maps, stride in fixed
    ]
    for i in range(8):
        maps = int(rng.integers(1, 12))
        shape = (int(rng.integers(1, maps + 1)), int(rng.integers(1, 5)), int(rng.integers(1, 5)))
        args = {"kernel": rng.normal(size=shape), "maps": maps, "stride": int(rng.integers(1, 4))}
        cases.append(Case(f"random case {i + 1}", args))
    return cases


def _banded_flipped(kernel, maps, stride):
    return _banded_weight(np.asarray(kernel)[::-1], maps, stride)


def _banded_no_stride(kernel, maps, stride):
    return _banded_weight(kernel, maps, 1)


def _banded_one_filter_per_map(kernel, maps, stride):
    kernel = np.asarray(kernel)
    out = np.zeros((maps, maps, *kernel.shape[1:]))
    for d in range(maps):
        take = min(kernel.shape[0], maps - d)
        out[d, d : d + take] = kernel[:take]
    return out


def _banded_stride_in_maps(kernel, maps, stride):
    kernel = np.asarray(kernel)
    kd = kernel.shape[0]
    out = np.zeros((conv_output_size(maps, kd, stride), maps, *kernel.shape[1:]))
    for i in range(out.shape[0]):
        out[i, i : i + kd] = kernel  # right number of filters, but each moved by one map only
    return out


def check_banded_weight(banded_weight) -> None:
    """Check ``banded_weight(kernel, maps, stride)``: a one-channel 3D convolution as a layer's weight.

    ``kernel`` is a 3D kernel ``(kD, kH, kW)``, ``maps`` the depth ``D`` of the
    stack and ``stride`` the 3D convolution's step along depth (1 along height
    and width). The answer is the weight of the equivalent convolution layer,
    shape ``(D_out, D, kH, kW)`` with ``D_out = (D - kD) // stride + 1``:
    filter ``i`` holds the kernel's slices on maps ``i*stride, ...,
    i*stride + kD - 1`` and zeros elsewhere, so that ``conv2d(x, answer)``
    equals ``conv3d(x[None], kernel[None, None], stride=(stride, 1, 1))[0]``.

    Examples
    --------
    >>> import numpy as np
    >>> def banded_weight(kernel, maps, stride=1):
    ...     kd = kernel.shape[0]
    ...     w = np.zeros(((maps - kd) // stride + 1, maps, *kernel.shape[1:]))
    ...     for i in range(len(w)):
    ...         w[i, i * stride : i * stride + kd] = kernel
    ...     return w
    >>> check_banded_weight(banded_weight)
    ✔ banded_weight passes all 15 cases. Well done!
    """
    __tracebackhide__ = True
    check_function(
        banded_weight,
        _banded_weight_cases(),
        _banded_weight,
        task="banded_weight",
        misconceptions=[
            Misconception(
                _banded_flipped,
                "the kernel's slices are in reverse order along depth. Deep-learning convolution does not flip "
                "the kernel: slice j of the kernel meets map i*stride + j.",
            ),
            Misconception(
                _banded_no_stride,
                "the stride along depth is ignored: with stride {stride} the kernel jumps {stride} maps between "
                "two filters, so there are (maps - kD) // stride + 1 of them.",
            ),
            Misconception(
                _banded_stride_in_maps,
                "the number of filters is right, but filter i must start at map i*stride, not at map i.",
            ),
            Misconception(
                _banded_one_filter_per_map,
                "there is one filter per depth position where the WHOLE kernel fits, not one per map.",
            ),
        ],
        hint="filter i of the layer is the 3D kernel placed at depth position i*stride: its slices kernel[0], ..., "
        "kernel[kD - 1] on maps i*stride, ..., i*stride + kD - 1, zeros on the other maps; "
        "shape ((maps - kD) // stride + 1, maps, kH, kW).",
    )


# =========================================================================== exercise 8

# --------------------------------------------------------------------------- walk


def _walk_reference(layers, input_shape):
    return [(tuple(r.output_shape), r.params, r.macs) for r in summary(layers, input_shape).rows]


def _walk_wrong(layers, input_shape, *, mistake):
    """The walk with one deliberate, typical mistake (for the misconception hints)."""
    shape = tuple(input_shape)
    rows = []
    for layer in layers:
        params = macs = 0
        if isinstance(layer, Conv2d):
            c_in, h, w = shape
            sides = 1 if mistake == "pad_once" else 2
            size = [
                (n + sides * p - d * (k - 1) - 1) // s + 1
                for n, k, s, p, d in zip((h, w), layer.kernel_size, layer.stride, layer.padding, layer.dilation)
            ]
            if min(size) < 1:
                raise ValueError("kernel does not fit")
            kk = math.prod(layer.kernel_size)
            per_filter = kk if mistake == "no_c_in" else (c_in // layer.groups) * kk
            bias = layer.c_out if layer.bias and mistake != "no_bias" else 0
            params = layer.c_out * per_filter + bias
            macs = math.prod(size) * layer.c_out * per_filter
            if mistake == "macs_with_bias" and layer.bias:
                macs += math.prod(size) * layer.c_out
            shape = (layer.c_out, *size)
        elif isinstance(layer, (MaxPool2d, AvgPool2d)):
            stride = (
                (1, 1) if (layer.stride is None and mistake == "pool_stride_1") else (layer.stride or layer.kernel_size)
            )
            shape = (
                shape[0],
                *(
                    conv_output_size(n, k, s, p)
                    for n, k, s, p in zip(shape[1:], layer.kernel_size, stride, layer.padding)
                ),
            )
        elif isinstance(layer, Flatten):
            shape = (math.prod(shape),)
        elif isinstance(layer, Linear):
            bias = layer.out_features if layer.bias and mistake != "no_bias" else 0
            params = shape[0] * layer.out_features + bias
            macs = shape[0] * layer.out_features
            if mistake == "macs_with_bias" and layer.bias:
                macs += layer.out_features
            shape = (layer.out_features,)
        rows.append((shape, params, macs))
    if mistake == "channels_last":
        rows = [((*s[1:], s[0]) if len(s) == 3 else s, p, m) for s, p, m in rows]
    return rows


def _random_network(rng) -> tuple[list, tuple[int, int, int]]:
    while True:
        shape = (int(rng.integers(1, 5)), int(rng.integers(8, 25)), int(rng.integers(8, 25)))
        layers = []
        for _ in range(int(rng.integers(1, 4))):
            k = int(rng.integers(1, 6))
            layers.append(
                Conv2d(
                    int(rng.integers(2, 17)),
                    k,
                    stride=int(rng.integers(1, 3)),
                    padding=int(rng.integers(0, k // 2 + 1)),
                    bias=bool(rng.integers(0, 4) > 0),
                )
            )
            layers.append(ReLU())
            if rng.integers(0, 2):
                layers.append(MaxPool2d(2))
        layers += [Flatten(), Linear(int(rng.integers(2, 11)))]
        try:
            summary(layers, shape)
        except ValueError:
            continue
        return layers, shape


def _walk_cases() -> list[Case]:
    fixed = [
        ("one 1x1 convolution", [Conv2d(2, 1)], (3, 4, 4)),
        ("a convolution without padding (the 9x9x10 volume, 4 kernels)", [Conv2d(4, 3)], (10, 9, 9)),
        ("'same' padding, then ReLU", [Conv2d(6, 5, padding=2), ReLU()], (1, 12, 12)),
        ("max pooling: stride defaults to the window", [Conv2d(4, 3, padding=1), MaxPool2d(2)], (2, 8, 8)),
        ("stride 2 and a non-square input", [Conv2d(8, 3, stride=2, padding=1)], (3, 15, 20)),
        ("no bias", [Conv2d(5, 3, bias=False), Flatten(), Linear(3, bias=False)], (2, 6, 6)),
        (
            "flatten and a fully connected layer",
            [Conv2d(4, 3), ReLU(), MaxPool2d(2), Flatten(), Linear(10)],
            (1, 10, 10),
        ),
        (
            "LeNet-like",
            [
                Conv2d(6, 5, padding=2),
                ReLU(),
                MaxPool2d(2),
                Conv2d(16, 5),
                ReLU(),
                MaxPool2d(2),
                Flatten(),
                Linear(120),
                ReLU(),
                Linear(84),
                ReLU(),
                Linear(10),
            ],
            (1, 28, 28),
        ),
    ]
    cases = [Case(name, {"layers": layers, "input_shape": shape}) for name, layers, shape in fixed]
    rng = np.random.default_rng(11)
    for i in range(8):
        layers, shape = _random_network(rng)
        cases.append(Case(f"random network {i + 1}", {"layers": layers, "input_shape": shape}))
    return cases


_WALK_HINTS = {
    "pool_stride_1": "MaxPool2d(2) has stride None, which means stride = kernel_size: a 2x2 pooling halves the size.",
    "pad_once": "padding adds zeros on EACH side: the padded size is n + 2*p.",
    "no_c_in": "every filter is as deep as its input volume: a Conv2d has c_out * c_in * kH * kW weights.",
    "no_bias": "a layer with bias=True learns one bias per output (c_out or out_features of them): count them.",
    "macs_with_bias": "adding the bias is not a multiply-accumulate: MACs count weight x input products only.",
    "channels_last": "shapes are channels first: (maps, height, width).",
}


def check_walk(walk) -> None:
    """Check ``walk(layers, input_shape)``: output shape, parameters and MACs of every layer.

    ``layers`` is a list of :mod:`convutil.summary` specifications
    (``Conv2d``, ``MaxPool2d``, ``ReLU``, ``Flatten``, ``Linear``) and
    ``input_shape`` is ``(C, H, W)``. The answer is a list with one tuple
    ``(output_shape, params, macs)`` per layer. The reference is
    :func:`convutil.summary.summary`.

    Examples
    --------
    >>> from convutil.summary import summary
    >>> check_walk(lambda layers, input_shape: [(r.output_shape, r.params, r.macs)
    ...                                        for r in summary(layers, input_shape).rows])
    ✔ walk passes all 16 cases. Well done!
    """
    __tracebackhide__ = True
    misconceptions = [
        Misconception(lambda layers, shape, m=mistake: _walk_wrong(layers, shape, mistake=m), hint)
        for mistake, hint in _WALK_HINTS.items()
    ]
    check_function(
        walk,
        _walk_cases(),
        _walk_reference,
        task="walk",
        misconceptions=misconceptions,
        hint="for each layer: Conv2d -> (c_out, H_out, W_out) with H_out from conv_output_size, "
        "c_out * (c_in // groups) * kH * kW (+ c_out biases) parameters and H_out * W_out * c_out * "
        "(c_in // groups) * kH * kW MACs; pooling and ReLU learn nothing and count 0 MACs; Flatten gives "
        "(C*H*W,); Linear(out) has in * out (+ out) parameters and in * out MACs.",
    )


# --------------------------------------------------------------------------- reorder_maps


def _reorder_reference(w1, b1, w2, perm):
    return np.asarray(w1)[perm], np.asarray(b1)[perm], np.asarray(w2)[:, perm]


def _reorder_cases() -> list[Case]:
    rng = np.random.default_rng(12)
    fixed = [
        ("two maps swapped", 3, 2, 3, np.array([1, 0])),
        ("a cycle of three maps", 2, 3, 2, np.array([1, 2, 0])),
        ("reversed order", 3, 5, 4, np.arange(5)[::-1].copy()),
        ("identity: nothing moves", 2, 4, 3, np.arange(4)),
    ]
    cases = []
    for name, c0, c1, c2, perm in fixed:
        args = {
            "w1": rng.normal(size=(c1, c0, 3, 3)),
            "b1": rng.normal(size=c1),
            "w2": rng.normal(size=(c2, c1, 3, 3)),
            "perm": perm,
        }
        cases.append(Case(name, args))
    for i in range(6):
        c0, c1, c2 = (int(v) for v in rng.integers((1, 2, 1), (4, 9, 6)))
        args = {
            "w1": rng.normal(size=(c1, c0, 3, 3)),
            "b1": rng.normal(size=c1),
            "w2": rng.normal(size=(c2, c1, 3, 3)),
            "perm": rng.permutation(c1),
        }
        cases.append(Case(f"random case {i + 1}", args))
    return cases


def check_reorder_maps(reorder_maps) -> None:
    """Check ``reorder_maps(w1, b1, w2, perm)``: renumber the maps between two layers, same network.

    Layer 1 has weight ``w1`` ``(C1, C0, kH, kW)`` and bias ``b1`` ``(C1,)``;
    layer 2 has weight ``w2`` ``(C2, C1, kH, kW)``. The answer
    ``(new_w1, new_b1, new_w2)`` must make layer 1 produce its maps in the
    order ``perm`` (new map ``i`` = old map ``perm[i]``) while layer 2's output
    stays exactly the same: ``(w1[perm], b1[perm], w2[:, perm])``.

    Examples
    --------
    >>> check_reorder_maps(lambda w1, b1, w2, perm: (w1[perm], b1[perm], w2[:, perm]))
    ✔ reorder_maps passes all 10 cases. Well done!
    """
    __tracebackhide__ = True
    check_function(
        reorder_maps,
        _reorder_cases(),
        _reorder_reference,
        task="reorder_maps",
        misconceptions=[
            Misconception(
                lambda w1, b1, w2, perm: (w1[perm], b1[perm], w2[perm]),
                "w2[perm] reorders layer 2's FILTERS (axis 0, its output maps). Layer 2 must read its input maps "
                "in the new order: permute axis 1, w2[:, perm].",
            ),
            Misconception(
                lambda w1, b1, w2, perm: (w1[perm], b1, w2[:, perm]),
                "each bias belongs to one filter: when the filters of layer 1 move, their biases move with them.",
            ),
            Misconception(
                lambda w1, b1, w2, perm: (w1[perm], b1[perm], w2),
                "layer 2 still expects the old order; its kernels for each input map must follow the maps: w2[:, perm].",
            ),
            Misconception(
                lambda w1, b1, w2, perm: (w1[:, perm], b1[perm], w2[:, perm]),
                "w1's axis 1 is layer 1's INPUT maps; the maps being renumbered are layer 1's outputs: axis 0, w1[perm].",
            ),
        ],
        hint="new map i of layer 1 is old map perm[i]: move layer 1's filters and biases with perm, and give "
        "layer 2 its kernels for the input maps in the same new order.",
    )
