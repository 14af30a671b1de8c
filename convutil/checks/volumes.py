"""Exercise 7 (chapter 7): 3D convolutions and convolution layers, each written as the other."""

from functools import partial

import numpy as np

from ..core import conv_output_size
from ._engine import Task, ints, publish

T = partial(Task, exercise="07-3d-convolutions", chapter="07-3d-convolutions")


def _readings(maps, height, width, kernel):
    shape_3d = tuple(conv_output_size(n, k) for n, k in zip((maps, height, width), kernel))
    return shape_3d, shape_3d[1:]


def _banded(kernel, maps, stride, step=None):
    kd, step = kernel.shape[0], stride if step is None else step
    out = np.zeros((conv_output_size(maps, kd, stride), maps, *kernel.shape[1:]))
    for i in range(out.shape[0]):
        out[i, i * step : i * step + kd] = kernel
    return out


# fmt: off
TWO_READINGS = T("two_readings", ("maps", "height", "width", "kernel"), _readings, fixed=(
        ("the seed's example: 1337 maps of 42x314, a 3x4x5 filter", (1337, 42, 314, (3, 4, 5))),
        ("a 1x1x1 kernel", (5, 6, 7, (1, 1, 1))),
        ("kernel as deep as the stack", (10, 9, 9, (10, 3, 3))),
        ("the 9x9x10 volume of seed 003 with a 3x3x3 kernel", (10, 9, 9, (3, 3, 3))),
        ("one map", (1, 8, 5, (1, 2, 2))),
        ("kernel as large as the whole volume", (4, 5, 6, (4, 5, 6))),
    ), random=lambda rng: (*ints(rng, 1, 60, size=3), ints(rng, 1, 60, size=3)), n_random=10, misconceptions=(
        ("3D convolution without depth", lambda m, h, w, k: (h - k[1] + 1, w - k[2] + 1), "the 3D convolution also slides along depth: its output keeps a depth axis.", 0),
        ("depth not shrunk", lambda m, h, w, k: (m, h - k[1] + 1, w - k[2] + 1), "the 3D kernel slides along depth as well, so the depth shrinks just as height and width do.", 0),
        ("one short", lambda m, h, w, k: ((m - k[0], h - k[1], w - k[2]), (h - k[1], w - k[2])), "you are one short on every axis: count the positions 0, 1, ... where the kernel still fits."),
        ("layer slides along depth", lambda m, h, w, k: (m - k[0] + 1, h - k[1] + 1, w - k[2] + 1), "a convolution layer's filter is as deep as the stack, so it cannot move along depth: one map per filter.", 1),
        ("axes reordered", lambda m, h, w, k: (h - k[1] + 1, w - k[2] + 1, m - k[0] + 1), "keep the axes in the order of the input: (depth, height, width).", 0),
    ), hint="along each axis count the positions where the kernel fits (no padding, stride 1); along which axes can each reading's kernel slide?")

AS_CONV3D = T("as_conv3d", ("weight", "padding"), lambda weight, padding: (weight[:, None], (0, padding, padding)),
    build=lambda rng, k, c, kh, kw, p: (rng.normal(size=(k, c, kh, kw)), p), fixed=(  # weight shape, padding
        ("one filter over one map, 1x1 kernel", (1, 1, 1, 1, 0)),
        ("4 filters over 12 maps, 4x5 kernels", (4, 12, 4, 5, 0)),
        ("padding 1", (3, 5, 3, 3, 1)),
        ("non-square kernel, padding 2", (2, 3, 5, 3, 2)),
    ), random=((1, 1, 1, 1, 0), (6, 8, 6, 6, 3)), n_random=6, misconceptions=(
        ("padding along depth", lambda w, p: (w[:, None], (p, p, p)), "no padding along depth: with it the kernel could slide along depth and give extra depth slices."),
        ("C channels of depth 1", lambda w, p: (w[:, :, None], (0, p, p)), "weight[:, :, None] means C input channels of depth 1. Here the stack is ONE channel that is C deep."),
        ("filters on axis 1", lambda w, p: (w[None], (0, p, p)), "weight[None] is one filter over C_out channels: the filters stay on the first axis."),
        ("items swapped", lambda w, p: ((0, p, p), w[:, None]), "return (weight, padding), in that order: the 5D weight first, then the padding per axis."),
    ), hint="conv3d's weight is (C_out, C_in, kD, kH, kW): here the stack is how many channels, how deep, and how far may the kernel move along depth?")

BANDED_WEIGHT = T("banded_weight", ("kernel", "maps", "stride"), _banded,
    build=lambda rng, kd, kh, kw, maps, stride: (rng.normal(size=(kd, kh, kw)), maps, stride), fixed=(
        ("kernel depth 1: every filter sees one map", (1, 3, 3, 4, 1)),  # kernel shape, maps, stride
        ("kernel as deep as the stack: one filter", (5, 2, 2, 5, 1)),
        ("the stand-in of chapter 7: 3x4x5 kernel, 12 maps", (3, 4, 5, 12, 1)),
        ("1x1x1 kernel on one map", (1, 1, 1, 1, 1)),
        ("stride 2 along depth", (3, 2, 2, 9, 2)),
        ("stride 2 that does not divide evenly", (2, 3, 3, 7, 2)),
        ("stride as large as the kernel depth: no overlap", (2, 1, 3, 6, 2)),
    ), random=((1, 1, 1, 1, 1), (12, 5, 5, 12, 4)), n_random=8, misconceptions=(
        ("slices reversed", lambda k, m, s: _banded(k[::-1], m, s), "the kernel's slices are in reverse order along depth: like the layers of this course, the 3D convolution does not flip its kernel."),
        ("stride ignored", lambda k, m, s: _banded(k, m, 1), "the stride along depth is ignored: with stride {stride} the kernel jumps {stride} maps between two filters."),
        ("filters one map apart", lambda k, m, s: _banded(k, m, s, step=1), "the number of filters is right, but filter i must start at map i*stride, not at map i."),
        ("one filter per map", lambda k, m, s: _banded(k, m + k.shape[0] - 1, 1)[:, :m], "there is one filter per depth position where the WHOLE kernel fits, not one per map."),
    ), hint="each filter of the layer is the 3D kernel placed at one depth position, with zeros on the maps it does not cover: how many positions are there, and where does each start?")

TASKS = publish(globals(), TWO_READINGS, AS_CONV3D, BANDED_WEIGHT)
