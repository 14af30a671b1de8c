"""Exercise 5 (chapter 5): depthwise, grouped and depthwise-separable convolutions."""

from functools import partial

import numpy as np

from ..core import conv2d
from ..types import conv_type1, conv_type2_1
from ._engine import Task, normal, publish

T = partial(Task, exercise="05-depthwise-and-grouped", chapter="05-depthwise-and-grouped")


# fmt: off
TYPE1_WEIGHT = T("type1_weight", ("kernels", "C"),  # map c*K + k gets kernel k: the kernels cycle fastest, once per map
    lambda kernels, C: np.broadcast_to(kernels, (C, *kernels.shape)).reshape(C * len(kernels), 1, *kernels.shape[1:]).copy(),
    build=lambda rng, k, kh, kw, c: (rng.normal(size=(k, kh, kw)), c), fixed=(  # K kernels of kH x kW, C maps
        ("one map, one kernel", (1, 3, 3, 1)),
        ("one map, three kernels", (3, 3, 3, 1)),
        ("four maps, one kernel", (1, 3, 3, 4)),
        ("1x1 kernels, two maps", (2, 1, 1, 2)),
        ("non-square 2x5 kernels", (2, 2, 5, 3)),
        ("the chapter's 4 maps and 3 kernels of 5x5", (3, 5, 5, 4)),
    ), random=((1, 1, 1, 1), (5, 6, 6, 6)), n_random=4, misconceptions=(
        ("np.repeat order", lambda k, C: np.repeat(k, C, axis=0)[:, None], "np.repeat puts the copies of kernel 0 first; output map c*K + k must use kernel k (the kernels cycle once per input map)."),
        ("3D weight", lambda k, C: np.tile(k, (C, 1, 1)), "conv2d needs a 4D weight: with groups=C each filter is one map deep, so it needs an axis of length 1 for that."),
        ("no copies", lambda k, C: k[:, None], "type 1 applies every kernel to every one of the C maps: the depthwise weight holds C copies of the K kernels."),
    ), hint="which kernel must filter c*K + k of the depthwise weight hold, and how deep is each filter when groups=C?")

TYPE21_VIA_SUM = T("type21_via_sum", ("x", "kernels", "padding"),
    lambda x, kernels, padding: conv_type2_1(x, kernels, padding=padding),
    build=lambda rng, c, h, w, k, kh, kw, p: (*normal(rng, (c, h, w), (k, kh, kw)), p), fixed=(  # (C, H, W), (K, kH, kW), padding
        ("one map, one kernel", (1, 5, 5, 1, 3, 3, 0)),
        ("four maps, one kernel", (4, 6, 6, 1, 3, 3, 0)),
        ("1x1 kernels", (3, 4, 4, 2, 1, 1, 0)),
        ("padding 1", (3, 5, 5, 2, 3, 3, 1)),
        ("non-square maps and kernels", (2, 5, 8, 3, 2, 4, 0)),
        ("the chapter's 4 maps, 3 kernels of 5x5, padding 2", (4, 9, 9, 3, 5, 5, 2)),
    ), random=((1, 5, 5, 1, 1, 1, 0), (6, 10, 10, 4, 4, 4, 2)), n_random=4, misconceptions=(
        ("mean instead of sum", lambda x, k, p: conv2d(x.mean(axis=0, keepdims=True), k[:, None], padding=p), "type 2.1 ADDS the results of the input maps: convolve their sum, not their mean."),
        ("first map only", lambda x, k, p: conv2d(x[:1], k[:, None], padding=p), "you used only the first map: type 2.1 uses every input map, through their sum."),
        ("type 1", lambda x, k, p: conv_type1(x, k, padding=p), "that is type 1 (one map per input map and kernel); type 2.1 sums over the input maps."),
        ("padding missing", lambda x, k, p: conv2d(x.sum(axis=0, keepdims=True), k[:, None]), "the padding is missing: pass padding to the conv2d call."),
    ), hint="add the input maps into ONE map (keeping a channel axis of length 1), then convolve it with the K kernels.",
    forbid=("conv_type2_1", "conv_type2_2"),
    rule="this task asks you to compute type 2.1 with one conv2d call on the summed maps, without conv_type2_1.")

SEPARABLE = T("depthwise_separable", ("x", "depthwise", "pointwise", "padding"),
    lambda x, depthwise, pointwise, padding: conv2d(conv2d(x, depthwise, padding=padding, groups=x.shape[0]), pointwise),
    build=lambda rng, c, n, h, w, kh, kw, p: (*normal(rng, (c, h, w), (c, 1, kh, kw), (n, c, 1, 1)), p), fixed=(
        ("one map, one output map", (1, 1, 5, 5, 3, 3, 0)),  # C maps in, N out, (H, W), (kH, kW), padding
        ("three maps, 3x3, no padding", (3, 3, 6, 6, 3, 3, 0)),
        ("3x3 with padding 1", (3, 3, 6, 6, 3, 3, 1)),
        ("more output maps than input maps", (2, 5, 6, 6, 3, 3, 1)),
        ("fewer output maps than input maps", (4, 2, 6, 6, 3, 3, 1)),
        ("1x1 depthwise kernels", (3, 2, 4, 4, 1, 1, 0)),
        ("non-square maps and kernels", (2, 3, 5, 8, 3, 5, 1)),
    ), random=((1, 1, 5, 5, 1, 1, 0), (6, 6, 10, 10, 4, 4, 2)), n_random=4, misconceptions=(
        ("steps swapped", lambda x, d, pw, p: conv2d(conv2d(x, pw), d, padding=p, groups=x.shape[0]), "the steps are swapped: first the depthwise step (each map with its own kernel), then the 1x1 step that mixes maps."),
        ("pointwise missing", lambda x, d, pw, p: conv2d(x, d, padding=p, groups=x.shape[0]), "the pointwise (1x1) step is missing: without it no output map mixes two input maps."),
        ("padding missing", lambda x, d, pw, p: conv2d(conv2d(x, d, groups=x.shape[0]), pw), "the padding is missing: padding belongs to the depthwise step, whose kernels are larger than 1x1."),
        ("padding on the 1x1 step", lambda x, d, pw, p: conv2d(conv2d(x, d, groups=x.shape[0]), pw, padding=p), "padding belongs to the depthwise step, whose kernels are larger than 1x1, not to the 1x1 step."),
        ("padding twice", lambda x, d, pw, p: conv2d(conv2d(x, d, padding=p, groups=x.shape[0]), pw, padding=p), "a 1x1 convolution needs no padding: padding it only adds a border of zeros to every map."),
    ), hint="two conv2d calls: which one mixes the maps, which one needs groups, and which one needs the padding?")

MOBILENET_RATIO = T("mobilenet_ratio", ("M", "N", "Dk", "Df"),
    lambda M, N, Dk, Df: 1 / N + 1 / Dk**2,  # tests confirm this closed form against conv_macs,
    fixed=(
        ("MobileNet's 14x14x512 layers", (512, 512, 3, 14)),
        ("more output maps than input maps", (32, 64, 3, 112)),
        ("fewer output maps than input maps", (256, 64, 3, 28)),
        ("5x5 kernels", (64, 128, 5, 28)),
        ("1x1 kernels (separable costs MORE)", (16, 16, 1, 8)),
        ("one output map", (8, 1, 3, 10)),
        ("7x7 kernels on 5x5 maps", (96, 48, 7, 5)),
    ), random=((1, 1, 1, 1), (1025, 1025, 8, 113)), n_random=7, misconceptions=(
        ("upside down", lambda M, N, Dk, Df: N * Dk ** 2 / (Dk ** 2 + N), "upside down: the ratio asked is (separable cost) / (standard cost), below 1 for kernels larger than 1x1."),
        ("depthwise cost missing", lambda M, N, Dk, Df: 1 / Dk ** 2, "the depthwise step's cost is missing: it costs Dk*Dk*M*Df*Df multiply-accumulates."),
        ("pointwise cost missing", lambda M, N, Dk, Df: 1 / N, "the pointwise (1x1) step's cost is missing: it costs M*N*Df*Df multiply-accumulates."),
        ("1/M", lambda M, N, Dk, Df: 1 / M + 1 / Dk ** 2, "in the depthwise step's share M cancels: what remains depends on the number of OUTPUT maps."),
        ("full depthwise", lambda M, N, Dk, Df: M / N + 1 / Dk ** 2, "the depthwise step is not a full M-to-M convolution: each map has its own single kernel (groups=M)."),
    ), hint="count the multiply-accumulates of the depthwise step, the pointwise step and the standard layer (conv_macs does it), then divide.")

TASKS = publish(globals(), TYPE1_WEIGHT, TYPE21_VIA_SUM, SEPARABLE, MOBILENET_RATIO)
