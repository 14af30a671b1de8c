"""Exercise 3 (chapter 3): 1x1 convolutions and the cost of a layer."""

from functools import partial

import numpy as np

from ..core import conv2d
from ..counting import conv_macs
from ._engine import LIBRARY_CONVOLUTIONS, Task, normal, publish

T = partial(Task, exercise="03-one-by-one-and-cost", chapter="03-one-by-one-and-cost")


# fmt: off
CONV1X1 = T("conv1x1", ("x", "weight"), lambda x, weight: conv2d(x, weight[:, :, None, None]),
    build=lambda rng, c, h, w, c_out: normal(rng, (c, h, w), (c_out, c)), fixed=(  # (C, H, W), C_out
        ("one map in, one map out, 1x1 image", (1, 1, 1, 1)),
        ("3 maps to 3 maps (a square matrix)", (3, 4, 5, 3)),
        ("4 maps reduced to 2", (4, 6, 6, 2)),
        ("2 maps expanded to 5", (2, 3, 7, 5)),
        ("non-square image, one output map", (6, 5, 9, 1)),
        ("two 120x90 maps to 3 (large enough to tell a loop over the pixels)", (2, 120, 90, 3)),
    ), random=((1, 1, 1, 1), (9, 12, 12, 9)), n_random=10, misconceptions=(
        ("weight transposed", lambda x, w: np.einsum("co,chw->ohw", w, x), "row o of weight holds output map o's weights, one per input map: you used its transpose."),
        ("pixels and maps scrambled", lambda x, w: (w @ x.reshape(-1, x.shape[0]).T).reshape(w.shape[0], *x.shape[1:]), "x.reshape(H*W, C) scrambles maps and pixels: keep each map's pixels together in one row."),
        ("type 2.1 (summed maps)", lambda x, w: w.sum(axis=1)[:, None, None] * x.sum(axis=0), "that is type 2.1 (the maps summed, one weight per filter): every output map would be a multiple of the same map. Each input map has its own weight."),
    ), hint="at every pixel, the column of C input values there is multiplied by the (C_out, C) matrix: one matrix product for all pixels at once (np.einsum, or @ with the pixels side by side).",
    forbid=("conv2d", "conv_type2_2", "conv3d", *LIBRARY_CONVOLUTIONS), max_lines=160,
    rule="this task asks you to write the 1x1 convolution as a matrix product (np.einsum or @), without conv2d (or another library's convolution) and without a Python loop over the pixels.")

LAYER_MACS = T("layer_macs", ("h_out", "w_out", "c_in", "c_out", "k"),
    lambda h_out, w_out, c_in, c_out, k: conv_macs(c_in, c_out, k, (h_out, w_out)),
    fixed=(
        ("one value, one map, 1x1 kernel", (1, 1, 1, 1, 1)),
        ("the seed's layer 2 on 8x6 maps: k1=4, k2=6, 5x5", (8, 6, 4, 6, 5)),
        ("a 1x1 convolution: 192 maps to 64 at 28x28", (28, 28, 192, 64, 1)),
        ("GoogLeNet 3a's 5x5 convolution: 16 maps to 32 at 28x28", (28, 28, 16, 32, 5)),
        ("non-square output", (3, 7, 2, 5, 3)),
        ("one input map", (10, 10, 1, 8, 3)),
        ("one filter", (10, 10, 8, 1, 3)),
        ("AlexNet conv1: 3 maps to 96 at 55x55, 11x11", (55, 55, 3, 96, 11)),
    ), random=((1, 1, 1, 1, 1), (65, 65, 129, 129, 8)), n_random=10, misconceptions=(
        ("input maps missing", lambda h, w, ci, co, k: h * w * co * k * k, "the input maps are missing: every filter has one k x k kernel for EACH input map, so one output value reads c_in windows."),
        ("k instead of k*k", lambda h, w, ci, co, k: h * w * ci * co * k, "a k x k kernel has k*k taps, not k."),
        ("number of weights", lambda h, w, ci, co, k: ci * co * k * k, "that is the number of weights. Every weight is used once at every output position."),
        ("number of parameters", lambda h, w, ci, co, k: ci * co * k * k + co, "that is the number of parameters (weights and biases). MACs count the products computed at every output position; biases are not MACs."),
        ("bias counted as a MAC", lambda h, w, ci, co, k: h * w * co * (ci * k * k + 1), "adding a bias is an addition, not a multiply-accumulate: leave it out."),
        ("FLOPs, not MACs", lambda h, w, ci, co, k: 2 * h * w * ci * co * k * k, "that counts each multiplication and each addition (FLOPs, about 2 x MACs): a multiply-accumulate counts both as one."),
        ("kernel size missing", lambda h, w, ci, co, k: h * w * ci * co, "the kernel size is missing: each output value reads a k x k window on every input map."),
    ), hint="count the output values, then the multiply-accumulates one output value needs (one per weight it uses).",
    forbid=("conv_macs",), rule="this task asks you to count them yourself, without convutil's conv_macs.")

BRANCH_MACS = T("branch_macs", ("c_in", "reduce_to", "c_out", "size"),
    lambda c_in, reduce_to, c_out, size: (conv_macs(c_in, c_out, 5, (size, size)), conv_macs(c_in, reduce_to, 1, (size, size)) + conv_macs(reduce_to, c_out, 5, (size, size))),
    fixed=(
        ("GoogLeNet module 3a: 192 -> 16 -> 32 at 28x28", (192, 16, 32, 28)),
        ("one map everywhere, 1x1 output", (1, 1, 1, 1)),
        ("GoogLeNet module 3b: 256 -> 32 -> 96 at 28x28", (256, 32, 96, 28)),
        ("GoogLeNet module 4a: 480 -> 16 -> 48 at 14x14", (480, 16, 48, 14)),
        ("GoogLeNet module 5b: 832 -> 48 -> 128 at 7x7", (832, 48, 128, 7)),
        ("a 'reduction' that widens: 8 -> 16 -> 4", (8, 16, 4, 10)),
        ("reduce to one map", (64, 1, 8, 5)),
    ), random=((1, 1, 1, 1), (1025, 129, 257, 57)), n_random=10, misconceptions=(
        ("swapped", lambda ci, r, co, s: (conv_macs(ci, r, 1, s) + conv_macs(r, co, 5, s), conv_macs(ci, co, 5, s)), "the two numbers are swapped: return (direct, reduced)."),
        ("reduction free", lambda ci, r, co, s: s * s * r * co * 25, "the 1x1 reduction is not free: add its own multiply-accumulates.", 1),
        ("5x5 reads all maps", lambda ci, r, co, s: s * s * (ci * r + ci * co * 25), "after the reduction the 5x5 filters read only the reduce_to maps.", 1),
        ("direct reads reduced maps", lambda ci, r, co, s: s * s * r * co * 25, "without a reduction the 5x5 filters read all c_in input maps.", 0),
        ("5 taps (direct)", lambda ci, r, co, s: s * s * ci * co * 5, "a 5x5 kernel has 25 taps, not 5.", 0),
        ("5 taps (reduced)", lambda ci, r, co, s: s * s * (ci * r + r * co * 5), "a 5x5 kernel has 25 taps, not 5.", 1),
    ), hint="return a tuple (direct, reduced); each convolution in it costs what your layer_macs of Task 2 counts.")

COST_FACTORS = T("cost_factors", ("k1", "k2"),  # MACs of layer 2 at 2*k1, 2*k2 over before: type 2.2, type 2.1 on the summed map
    lambda k1, k2: (conv_macs(2 * k1, 2 * k2, 5, 64) / conv_macs(k1, k2, 5, 64), conv_macs(1, 2 * k2, 5, 64) / conv_macs(1, k2, 5, 64)),
    fixed=(("k1=16, k2=32 doubled to 32 and 64", (16, 32)),), value=True, misconceptions=(
        ("both linear", lambda k1, k2: (2, 2), "type 2.2's cost grows with k1 AND with k2: both doubled, 2*2."),
        ("both quadratic", lambda k1, k2: (4, 4), "type 2.1 computed the cheap way convolves ONE SUMMED map per filter: its cost no longer depends on k1."),
        ("swapped", lambda k1, k2: (2, 4), "the other way round: type 2.2 is the one that grows with both counts."),
        ("type 2.1 constant", lambda k1, k2: (4, 1), "type 2.1 still has k2 filters, each a 5x5 convolution of the summed map: doubling k2 doubles its cost."),
    ), hint="give a tuple of two numbers (type 2.2, type 2.1). Which of k1 and k2 does each type's cost depend on?")

TASKS = publish(globals(), CONV1X1, LAYER_MACS, BRANCH_MACS, COST_FACTORS)
