"""The bad-input battery: every public function, every malformed call we could think of.

Each case asserts the error TYPE (TypeError or ValueError, never a bare NumPy
error, IndexError, hang or silent result) and that the message names the
culprit argument, plus the shapes or values involved where they matter.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from convutil import (
    avg_pool2d,
    avg_pool2d_backward,
    conv2d,
    conv2d_backward,
    conv3d,
    conv_macs,
    conv_output_size,
    conv_params,
    conv_type1,
    conv_type2_1,
    conv_type2_2,
    max_pool2d,
    max_pool2d_backward,
)

X = np.zeros((3, 8, 8))  # a valid single example: 3 maps of 8x8
W = np.zeros((4, 3, 3, 3))  # 4 filters over 3 maps
X3 = np.zeros((2, 5, 6, 6))
W3 = np.zeros((4, 2, 3, 3, 3))
K = np.zeros((5, 3, 3))  # 5 two-dimensional kernels for the type functions
RAGGED = [[[1.0, 2.0], [3.0]]]
G = np.zeros((4, 6, 6))  # the gradient of conv2d(X, W)'s output
GP = np.zeros((3, 4, 4))  # the gradient of a 2x2 pooling of X

# (id, function, args, kwargs, error type, fragments the message must contain)
CASES = [
    # --- conv2d: arrays -----------------------------------------------------
    ("conv2d-x-2d", conv2d, (np.zeros((8, 8)), W), {}, ValueError, ["x", "(8, 8)", "3 or 4"]),
    ("conv2d-x-5d", conv2d, (np.zeros((1, 1, 3, 8, 8)), W), {}, ValueError, ["x", "(1, 1, 3, 8, 8)"]),
    ("conv2d-weight-3d", conv2d, (X, np.zeros((4, 3, 3))), {}, ValueError, ["weight", "(4, 3, 3)", "4"]),
    (
        "conv2d-channels",
        conv2d,
        (X, np.zeros((4, 2, 3, 3))),
        {},
        ValueError,
        ["weight", "x", "(3, 8, 8)", "(4, 2, 3, 3)"],
    ),
    ("conv2d-channels-batch", conv2d, (np.zeros((2, 5, 8, 8)), W), {}, ValueError, ["weight", "5", "(2, 5, 8, 8)"]),
    ("conv2d-x-none", conv2d, (None, W), {}, TypeError, ["x", "None"]),
    ("conv2d-weight-none", conv2d, (X, None), {}, TypeError, ["weight", "None"]),
    ("conv2d-x-str", conv2d, ("image", W), {}, TypeError, ["x", "str"]),
    ("conv2d-x-ragged", conv2d, (RAGGED, W), {}, TypeError, ["x", "ragged"]),
    ("conv2d-x-strings", conv2d, (np.full((3, 8, 8), "a"), W), {}, TypeError, ["x", "dtype"]),
    ("conv2d-x-complex", conv2d, (X + 1j, W), {}, TypeError, ["x", "complex"]),
    ("conv2d-weight-complex", conv2d, (X, W + 1j), {}, TypeError, ["weight", "complex"]),
    ("conv2d-x-objects", conv2d, (np.array([[[None, 1.0]]]), W), {}, TypeError, ["x", "object"]),
    ("conv2d-x-dict", conv2d, ({"a": 1}, W), {}, TypeError, ["x", "dict"]),
    ("conv2d-x-datetime", conv2d, (np.zeros((3, 8, 8), dtype="datetime64[s]"), W), {}, TypeError, ["x", "dtype"]),
    ("conv2d-x-empty-channels", conv2d, (np.zeros((0, 8, 8)), np.zeros((4, 0, 3, 3))), {}, ValueError, ["(0, 8, 8)"]),
    ("conv2d-x-empty-rows", conv2d, (np.zeros((3, 0, 8)), W), {"padding": 2}, ValueError, ["x", "(3, 0, 8)"]),
    ("conv2d-weight-empty", conv2d, (X, np.zeros((0, 3, 3, 3))), {}, ValueError, ["weight", "(0, 3, 3, 3)"]),
    ("conv2d-weight-empty-kernel", conv2d, (X, np.zeros((4, 3, 0, 3))), {}, ValueError, ["weight", "(4, 3, 0, 3)"]),
    # --- conv2d: bias ---------------------------------------------------------
    ("conv2d-bias-shape", conv2d, (X, W, np.zeros(3)), {}, ValueError, ["bias", "(4,)", "(3,)"]),
    ("conv2d-bias-2d", conv2d, (X, W, np.zeros((4, 1))), {}, ValueError, ["bias", "(4, 1)"]),
    ("conv2d-bias-scalar", conv2d, (X, W, 1.0), {}, ValueError, ["bias", "()"]),
    ("conv2d-bias-str", conv2d, (X, W, "zero"), {}, TypeError, ["bias", "str"]),
    ("conv2d-bias-complex", conv2d, (X, W, np.zeros(4, complex)), {}, TypeError, ["bias", "complex"]),
    # --- conv2d: stride, dilation, groups --------------------------------------
    ("conv2d-stride-0", conv2d, (X, W), {"stride": 0}, ValueError, ["stride", "0"]),
    ("conv2d-stride-negative", conv2d, (X, W), {"stride": -1}, ValueError, ["stride", "-1"]),
    ("conv2d-stride-float", conv2d, (X, W), {"stride": 1.5}, TypeError, ["stride", "1.5"]),
    ("conv2d-stride-whole-float", conv2d, (X, W), {"stride": 2.0}, TypeError, ["stride", "2.0"]),
    ("conv2d-stride-bool", conv2d, (X, W), {"stride": True}, TypeError, ["stride", "True"]),
    ("conv2d-stride-str", conv2d, (X, W), {"stride": "2"}, TypeError, ["stride", "'2'"]),
    ("conv2d-stride-none", conv2d, (X, W), {"stride": None}, TypeError, ["stride", "None"]),
    ("conv2d-stride-triple", conv2d, (X, W), {"stride": (1, 1, 1)}, ValueError, ["stride", "2"]),
    ("conv2d-stride-pair-0", conv2d, (X, W), {"stride": (1, 0)}, ValueError, ["stride[1]", "0"]),
    ("conv2d-stride-0d-array", conv2d, (X, W), {"stride": np.array(0)}, ValueError, ["stride", "0"]),
    ("conv2d-dilation-0", conv2d, (X, W), {"dilation": 0}, ValueError, ["dilation", "0"]),
    ("conv2d-dilation-float", conv2d, (X, W), {"dilation": 1.0}, TypeError, ["dilation"]),
    ("conv2d-dilation-too-big", conv2d, (X, W), {"dilation": 4}, ValueError, ["dilation 4", "spans 9", "(3, 8, 8)"]),
    ("conv2d-groups-0", conv2d, (X, W), {"groups": 0}, ValueError, ["groups", "0"]),
    ("conv2d-groups-float", conv2d, (X, W), {"groups": 1.0}, TypeError, ["groups"]),
    ("conv2d-groups-bool", conv2d, (X, W), {"groups": True}, TypeError, ["groups"]),
    ("conv2d-groups-not-dividing-x", conv2d, (X, np.zeros((4, 1, 3, 3))), {"groups": 2}, ValueError, ["groups=2", "3"]),
    (
        "conv2d-groups-not-dividing-out",
        conv2d,
        (np.zeros((4, 8, 8)), np.zeros((3, 2, 3, 3))),
        {"groups": 2},
        ValueError,
        ["groups=2", "3 output channels", "(3, 2, 3, 3)"],
    ),
    (
        "conv2d-groups-wrong-depth",
        conv2d,
        (np.zeros((4, 8, 8)), np.zeros((4, 4, 3, 3))),
        {"groups": 2},
        ValueError,
        ["weight", "groups=2", "must be 2"],
    ),
    ("conv2d-groups-bigger-than-c", conv2d, (X, np.zeros((6, 1, 3, 3))), {"groups": 6}, ValueError, ["groups=6", "3"]),
    # --- conv2d: padding -------------------------------------------------------
    ("conv2d-padding-negative", conv2d, (X, W), {"padding": -1}, ValueError, ["padding", "-1"]),
    ("conv2d-padding-pair-negative", conv2d, (X, W), {"padding": (1, -2)}, ValueError, ["padding[1]", "-2"]),
    ("conv2d-padding-word", conv2d, (X, W), {"padding": "full"}, ValueError, ["padding", "'full'", "same"]),
    ("conv2d-padding-case", conv2d, (X, W), {"padding": "SAME"}, ValueError, ["padding", "'SAME'"]),
    ("conv2d-padding-float", conv2d, (X, W), {"padding": 1.5}, TypeError, ["padding", "1.5"]),
    ("conv2d-padding-triple", conv2d, (X, W), {"padding": (1, 1, 1)}, ValueError, ["padding", "(1, 1, 1)"]),
    ("conv2d-padding-none", conv2d, (X, W), {"padding": None}, TypeError, ["padding", "None"]),
    ("conv2d-same-stride-2", conv2d, (X, W), {"padding": "same", "stride": 2}, ValueError, ["same", "stride", "2"]),
    (
        "conv2d-kernel-too-big",
        conv2d,
        (np.zeros((3, 2, 8)), W),
        {},
        ValueError,
        ["kernel spans 3", "dimension 0", "(3, 2, 8)", "(4, 3, 3, 3)"],
    ),
    (
        "conv2d-kernel-too-big-valid",
        conv2d,
        (np.zeros((3, 8, 2)), W),
        {"padding": "valid"},
        ValueError,
        ["dimension 1"],
    ),
    ("conv2d-huge-padding", conv2d, (X, W), {"padding": 10**6}, ValueError, ["padding", "elements"]),
    (
        "conv2d-huge-output",
        conv2d,
        (np.zeros((1, 2000, 2000), np.float32), np.zeros((300, 1, 1, 1), np.float32)),
        {},
        ValueError,
        ["output", "(1, 300, 2000, 2000)", "limit"],
    ),
    ("conv2d-huge-padding-pair", conv2d, (X, W), {"padding": (3 * 10**4, 3 * 10**4)}, ValueError, ["padding", "limit"]),
    # --- conv2d: keywords ------------------------------------------------------
    ("conv2d-unknown-keyword", conv2d, (X, W), {"strides": 2}, TypeError, ["strides"]),
    # --- conv3d ----------------------------------------------------------------
    ("conv3d-x-3d", conv3d, (np.zeros((5, 6, 6)), W3), {}, ValueError, ["x", "(5, 6, 6)", "4 or 5"]),
    ("conv3d-weight-4d", conv3d, (X3, W), {}, ValueError, ["weight", "(4, 3, 3, 3)", "5"]),
    ("conv3d-channels", conv3d, (X3, np.zeros((4, 3, 3, 3, 3))), {}, ValueError, ["weight", "2 channels"]),
    ("conv3d-stride-pair", conv3d, (X3, W3), {"stride": (1, 1)}, ValueError, ["stride", "3"]),
    ("conv3d-padding-pair", conv3d, (X3, W3), {"padding": (1, 1)}, ValueError, ["padding", "(1, 1)"]),
    ("conv3d-kernel-too-big", conv3d, (np.zeros((2, 2, 6, 6)), W3), {}, ValueError, ["dimension 0", "(2, 2, 6, 6)"]),
    ("conv3d-same-stride", conv3d, (X3, W3), {"padding": "same", "stride": (1, 2, 1)}, ValueError, ["same", "stride"]),
    ("conv3d-bias", conv3d, (X3, W3, np.zeros(2)), {}, ValueError, ["bias", "(4,)", "(2,)"]),
    ("conv3d-groups", conv3d, (X3, np.zeros((3, 1, 3, 3, 3))), {"groups": 2}, ValueError, ["groups=2", "3"]),
    ("conv3d-x-complex", conv3d, (X3 * 1j, W3), {}, TypeError, ["x", "complex"]),
    ("conv3d-huge-padding", conv3d, (X3, W3), {"padding": 2000}, ValueError, ["padding", "elements"]),
    # --- pooling -----------------------------------------------------------------
    *[
        case
        for fn, name in ((max_pool2d, "max_pool2d"), (avg_pool2d, "avg_pool2d"))
        for case in [
            (f"{name}-x-2d", fn, (np.zeros((8, 8)), 2), {}, ValueError, ["x", "(8, 8)"]),
            (f"{name}-x-5d", fn, (np.zeros((1, 1, 1, 8, 8)), 2), {}, ValueError, ["x", "(1, 1, 1, 8, 8)"]),
            (f"{name}-x-none", fn, (None, 2), {}, TypeError, ["x", "None"]),
            (f"{name}-x-ragged", fn, (RAGGED, 1), {}, TypeError, ["x", "ragged"]),
            (f"{name}-x-complex", fn, (X + 0j, 2), {}, TypeError, ["x", "complex"]),
            (f"{name}-x-empty", fn, (np.zeros((3, 0, 4)), 1), {}, ValueError, ["x", "(3, 0, 4)"]),
            (f"{name}-kernel-0", fn, (X, 0), {}, ValueError, ["kernel_size", "0"]),
            (f"{name}-kernel-float", fn, (X, 2.0), {}, TypeError, ["kernel_size", "2.0"]),
            (f"{name}-kernel-none", fn, (X, None), {}, TypeError, ["kernel_size", "None"]),
            (f"{name}-kernel-triple", fn, (X, (2, 2, 2)), {}, ValueError, ["kernel_size", "(2, 2, 2)"]),
            (f"{name}-kernel-too-big", fn, (X, 9), {}, ValueError, ["kernel_size=9", "(3, 8, 8)"]),
            (f"{name}-stride-0", fn, (X, 2), {"stride": 0}, ValueError, ["stride", "0"]),
            (f"{name}-stride-float", fn, (X, 2), {"stride": 1.5}, TypeError, ["stride", "1.5"]),
            (f"{name}-stride-bool", fn, (X, 2), {"stride": False}, TypeError, ["stride", "False"]),
            (f"{name}-padding-negative", fn, (X, 2), {"padding": -1}, ValueError, ["padding", "-1"]),
            (
                f"{name}-padding-over-half",
                fn,
                (X, 3),
                {"padding": 2},
                ValueError,
                ["padding=2", "kernel_size=3", "half"],
            ),
            (f"{name}-padding-word", fn, (X, 3), {"padding": "same"}, TypeError, ["padding", "'same'"]),
            (
                f"{name}-padding-pair-over",
                fn,
                (X, (2, 4)),
                {"padding": (0, 3)},
                ValueError,
                ["padding=3", "dimension 1"],
            ),
            (f"{name}-unknown-keyword", fn, (X, 2), {"ceil_mode": True}, TypeError, ["ceil_mode"]),
            (
                f"{name}-huge",
                fn,
                (np.zeros((1, 1, 1)), 10**6),
                {"padding": 5 * 10**5},
                ValueError,
                ["padding", "limit"],
            ),
        ]
    ],
    # --- conv2d_backward: grad_out, then every conv2d check ----------------------------
    (
        "conv2d_backward-grad-shape",
        conv2d_backward,
        (np.zeros((4, 5, 5)), X, W),
        {},
        ValueError,
        ["grad_out", "(4, 6, 6)", "(4, 5, 5)"],
    ),
    (
        "conv2d_backward-grad-channels",
        conv2d_backward,
        (np.zeros((3, 6, 6)), X, W),
        {},
        ValueError,
        ["grad_out", "(4, 6, 6)", "(3, 6, 6)", "(3, 8, 8)", "(4, 3, 3, 3)"],
    ),
    (
        "conv2d_backward-grad-batched",
        conv2d_backward,
        (G[None], X, W),
        {},
        ValueError,
        ["grad_out", "(4, 6, 6)", "(1, 4, 6, 6)"],
    ),
    (
        "conv2d_backward-grad-unbatched",
        conv2d_backward,
        (G, X[None].repeat(2, 0), W),
        {},
        ValueError,
        ["grad_out", "(2, 4, 6, 6)", "(4, 6, 6)"],
    ),
    (
        "conv2d_backward-grad-stride",
        conv2d_backward,
        (G, X, W),
        {"stride": 2},
        ValueError,
        ["grad_out", "(4, 3, 3)", "(4, 6, 6)"],
    ),
    ("conv2d_backward-grad-none", conv2d_backward, (None, X, W), {}, TypeError, ["grad_out", "None"]),
    ("conv2d_backward-grad-str", conv2d_backward, ("grad", X, W), {}, TypeError, ["grad_out", "str"]),
    ("conv2d_backward-grad-complex", conv2d_backward, (G + 0j, X, W), {}, TypeError, ["grad_out", "complex"]),
    ("conv2d_backward-grad-ragged", conv2d_backward, (RAGGED, X, W), {}, TypeError, ["grad_out", "ragged"]),
    ("conv2d_backward-x-2d", conv2d_backward, (G, np.zeros((8, 8)), W), {}, ValueError, ["x", "(8, 8)", "3 or 4"]),
    ("conv2d_backward-x-none", conv2d_backward, (G, None, W), {}, TypeError, ["x", "None"]),
    ("conv2d_backward-weight-3d", conv2d_backward, (G, X, K), {}, ValueError, ["weight", "(5, 3, 3)"]),
    (
        "conv2d_backward-channels",
        conv2d_backward,
        (G, X, np.zeros((4, 2, 3, 3))),
        {},
        ValueError,
        ["weight", "x", "(3, 8, 8)", "(4, 2, 3, 3)"],
    ),
    ("conv2d_backward-stride-0", conv2d_backward, (G, X, W), {"stride": 0}, ValueError, ["stride", "0"]),
    ("conv2d_backward-dilation-float", conv2d_backward, (G, X, W), {"dilation": 1.5}, TypeError, ["dilation", "1.5"]),
    ("conv2d_backward-groups", conv2d_backward, (G, X, W), {"groups": 2}, ValueError, ["groups=2", "3"]),
    (
        "conv2d_backward-padding-word",
        conv2d_backward,
        (G, X, W),
        {"padding": "full"},
        ValueError,
        ["padding", "'full'"],
    ),
    (
        "conv2d_backward-same-stride",
        conv2d_backward,
        (G, X, W),
        {"padding": "same", "stride": 2},
        ValueError,
        ["same", "stride"],
    ),
    (
        "conv2d_backward-kernel-too-big",
        conv2d_backward,
        (G, np.zeros((3, 2, 8)), W),
        {},
        ValueError,
        ["kernel spans 3", "(3, 2, 8)"],
    ),
    ("conv2d_backward-huge-padding", conv2d_backward, (G, X, W), {"padding": 10**6}, ValueError, ["padding", "limit"]),
    ("conv2d_backward-bias", conv2d_backward, (G, X, W), {"bias": np.zeros(4)}, TypeError, ["bias"]),
    ("conv2d_backward-positional", conv2d_backward, (G, X, W, 1), {}, TypeError, ["positional"]),
    # --- pooling gradients --------------------------------------------------------------
    *[
        case
        for fn, name in ((max_pool2d_backward, "max_pool2d_backward"), (avg_pool2d_backward, "avg_pool2d_backward"))
        for case in [
            (
                f"{name}-grad-shape",
                fn,
                (np.zeros((3, 3, 3)), X, 2),
                {},
                ValueError,
                ["grad_out", "(3, 4, 4)", "(3, 3, 3)"],
            ),
            (f"{name}-grad-stride", fn, (GP, X, 2), {"stride": 1}, ValueError, ["grad_out", "(3, 7, 7)", "(3, 8, 8)"]),
            (f"{name}-grad-batched", fn, (GP[None], X, 2), {}, ValueError, ["grad_out", "(1, 3, 4, 4)"]),
            (f"{name}-grad-none", fn, (None, X, 2), {}, TypeError, ["grad_out", "None"]),
            (f"{name}-grad-complex", fn, (GP * 1j, X, 2), {}, TypeError, ["grad_out", "complex"]),
            (f"{name}-x-2d", fn, (GP, np.zeros((8, 8)), 2), {}, ValueError, ["x", "(8, 8)"]),
            (f"{name}-x-none", fn, (GP, None, 2), {}, TypeError, ["x", "None"]),
            (f"{name}-kernel-0", fn, (GP, X, 0), {}, ValueError, ["kernel_size", "0"]),
            (f"{name}-kernel-float", fn, (GP, X, 2.0), {}, TypeError, ["kernel_size", "2.0"]),
            (f"{name}-kernel-too-big", fn, (GP, X, 9), {}, ValueError, ["kernel_size=9", "(3, 8, 8)"]),
            (f"{name}-stride-bool", fn, (GP, X, 2), {"stride": True}, TypeError, ["stride", "True"]),
            (f"{name}-padding-over-half", fn, (GP, X, 3), {"padding": 2}, ValueError, ["padding=2", "half"]),
            (f"{name}-unknown-keyword", fn, (GP, X, 2), {"ceil_mode": True}, TypeError, ["ceil_mode"]),
        ]
    ],
    # --- conv_output_size ----------------------------------------------------------
    ("size-0", conv_output_size, (0, 3), {}, ValueError, ["size", "0"]),
    ("size-float", conv_output_size, (28.0, 3), {}, TypeError, ["size", "28.0"]),
    ("size-str", conv_output_size, ("28", 3), {}, TypeError, ["size", "'28'"]),
    ("size-kernel-0", conv_output_size, (28, 0), {}, ValueError, ["kernel_size", "0"]),
    ("size-kernel-tuple", conv_output_size, (28, (3, 3)), {}, TypeError, ["kernel_size", "(3, 3)"]),
    ("size-stride-0", conv_output_size, (28, 3, 0), {}, ValueError, ["stride", "0"]),
    ("size-padding-negative", conv_output_size, (28, 3, 1, -1), {}, ValueError, ["padding", "-1"]),
    ("size-padding-same", conv_output_size, (28, 3, 1, "same"), {}, TypeError, ["padding", "'same'"]),
    ("size-dilation-0", conv_output_size, (28, 3, 1, 0, 0), {}, ValueError, ["dilation", "0"]),
    ("size-empty-output", conv_output_size, (4, 5), {}, ValueError, ["kernel_size=5", "padded input of 4"]),
    ("size-empty-dilated", conv_output_size, (5, 3, 1, 0, 3), {}, ValueError, ["dilation=3", "spans 7"]),
    ("size-bool", conv_output_size, (True, 1), {}, TypeError, ["size", "True"]),
    # --- types --------------------------------------------------------------------------
    *[
        case
        for fn, name in ((conv_type1, "conv_type1"), (conv_type2_1, "conv_type2_1"))
        for case in [
            (f"{name}-x-2d", fn, (np.zeros((8, 8)), K), {}, ValueError, ["x", "(8, 8)"]),
            (f"{name}-x-none", fn, (None, K), {}, TypeError, ["x", "None"]),
            (f"{name}-kernels-4d", fn, (X, W), {}, ValueError, ["kernels", "(4, 3, 3, 3)", "3"]),
            (f"{name}-kernels-none", fn, (X, None), {}, TypeError, ["kernels", "None"]),
            (f"{name}-kernels-ragged", fn, (X, RAGGED), {}, TypeError, ["kernels", "ragged"]),
            (f"{name}-kernels-complex", fn, (X, K * 1j), {}, TypeError, ["kernels", "complex"]),
            (f"{name}-kernels-empty", fn, (X, np.zeros((0, 3, 3))), {}, ValueError, ["kernels", "(0, 3, 3)"]),
            (f"{name}-bias-shape", fn, (X, K, np.zeros(3)), {}, ValueError, ["bias", "(5,)", "(3,)"]),
            (f"{name}-groups", fn, (X, K), {"groups": 3}, TypeError, ["groups"]),
            (f"{name}-unknown", fn, (X, K), {"strides": 2}, TypeError, ["strides"]),
            (f"{name}-stride-0", fn, (X, K), {"stride": 0}, ValueError, ["stride", "0"]),
            (f"{name}-padding-word", fn, (X, K), {"padding": "full"}, ValueError, ["padding", "'full'"]),
            (f"{name}-same-stride", fn, (X, K), {"padding": "same", "stride": 2}, ValueError, ["same", "stride"]),
            (f"{name}-kernel-too-big", fn, (np.zeros((3, 2, 2)), K), {}, ValueError, ["kernel spans 3"]),
            (f"{name}-huge-padding", fn, (X, K), {"padding": 10**5}, ValueError, ["padding", "elements"]),
        ]
    ],
    ("conv_type2_2-channels", conv_type2_2, (X, np.zeros((4, 2, 3, 3))), {}, ValueError, ["weight", "(4, 2, 3, 3)"]),
    ("conv_type2_2-weight-3d", conv_type2_2, (X, K), {}, ValueError, ["weight", "(5, 3, 3)"]),
    ("conv_type2_2-groups", conv_type2_2, (X, W), {"groups": 1}, TypeError, ["groups"]),
    ("conv_type2_2-unknown", conv_type2_2, (X, W), {"bias_": None}, TypeError, ["bias_"]),
    ("conv_type2_2-bias", conv_type2_2, (X, W, np.zeros(5)), {}, ValueError, ["bias", "(4,)", "(5,)"]),
    ("conv_type2_2-x-none", conv_type2_2, (None, W), {}, TypeError, ["x", "None"]),
    # --- counting -----------------------------------------------------------------------
    ("params-c_in-0", conv_params, (0, 16, 3), {}, ValueError, ["c_in", "0"]),
    ("params-c_out-negative", conv_params, (8, -16, 3), {}, ValueError, ["c_out", "-16"]),
    ("params-c_in-float", conv_params, (8.0, 16, 3), {}, TypeError, ["c_in", "8.0"]),
    ("params-c_out-str", conv_params, (8, "16", 3), {}, TypeError, ["c_out", "'16'"]),
    ("params-c_in-none", conv_params, (None, 16, 3), {}, TypeError, ["c_in", "None"]),
    ("params-kernel-0", conv_params, (8, 16, 0), {}, ValueError, ["kernel_size", "0"]),
    ("params-kernel-float", conv_params, (8, 16, 2.5), {}, TypeError, ["kernel_size", "2.5"]),
    ("params-kernel-4d", conv_params, (8, 16, (3, 3, 3, 3)), {}, ValueError, ["kernel_size", "(3, 3, 3, 3)"]),
    ("params-kernel-empty", conv_params, (8, 16, ()), {}, ValueError, ["kernel_size", "()"]),
    ("params-kernel-pair-0", conv_params, (8, 16, (3, 0)), {}, ValueError, ["kernel_size[1]", "0"]),
    ("params-groups-0", conv_params, (8, 16, 3), {"groups": 0}, ValueError, ["groups", "0"]),
    ("params-groups-divide", conv_params, (8, 16, 3), {"groups": 3}, ValueError, ["groups=3", "c_in=8", "c_out=16"]),
    ("params-groups-float", conv_params, (8, 16, 3), {"groups": 2.0}, TypeError, ["groups", "2.0"]),
    ("params-bias-int", conv_params, (8, 16, 3), {"bias": 1}, TypeError, ["bias", "1"]),
    ("params-bias-str", conv_params, (8, 16, 3), {"bias": "yes"}, TypeError, ["bias", "'yes'"]),
    ("params-unknown", conv_params, (8, 16, 3), {"padding": 1}, TypeError, ["padding"]),
    ("macs-c_in-0", conv_macs, (0, 16, 3, (28, 28)), {}, ValueError, ["c_in", "0"]),
    ("macs-c_out-bool", conv_macs, (8, True, 3, (28, 28)), {}, TypeError, ["c_out", "True"]),
    ("macs-output-0", conv_macs, (8, 16, 3, (28, 0)), {}, ValueError, ["output_size[1]", "0"]),
    ("macs-output-negative", conv_macs, (8, 16, 3, -28), {}, ValueError, ["output_size", "-28"]),
    ("macs-output-float", conv_macs, (8, 16, 3, 28.0), {}, TypeError, ["output_size", "28.0"]),
    ("macs-output-none", conv_macs, (8, 16, 3, None), {}, TypeError, ["output_size", "None"]),
    ("macs-output-4d", conv_macs, (8, 16, 3, (1, 2, 3, 4)), {}, ValueError, ["output_size", "(1, 2, 3, 4)"]),
    ("macs-output-empty", conv_macs, (8, 16, 3, ()), {}, ValueError, ["output_size", "()"]),
    ("macs-kernel-mismatch", conv_macs, (8, 16, (3, 3, 3), (28, 28)), {}, ValueError, ["kernel_size", "(3, 3, 3)"]),
    ("macs-kernel-0", conv_macs, (8, 16, 0, (28, 28)), {}, ValueError, ["kernel_size", "0"]),
    ("macs-groups-divide", conv_macs, (6, 4, 3, 28), {"groups": 4}, ValueError, ["groups=4", "c_in=6"]),
    ("macs-missing-output", conv_macs, (8, 16, 3), {}, TypeError, ["output_size"]),
]


@pytest.mark.parametrize(
    ("function", "args", "kwargs", "error", "fragments"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_bad_input_is_refused_with_a_clear_message(function, args, kwargs, error, fragments):
    with pytest.raises(error) as info:
        function(*args, **kwargs)
    assert type(info.value) is error  # not a NumPy subclass such as AxisError
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


def test_every_public_function_has_bad_input_cases():
    import convutil

    covered = {case[1].__name__ for case in CASES}
    assert covered == set(convutil.__all__)


@pytest.mark.parametrize("function", [conv2d, conv_type2_2])
def test_nan_and_inf_are_data_not_errors(function):
    x = np.full((3, 8, 8), np.nan)
    x[1] = np.inf
    out = function(x, np.ones((4, 3, 3, 3)))
    assert np.isnan(out).all()


def test_messages_do_not_leak_numpy_internals():
    # a broadcasting mistake must be explained in the course's words
    with pytest.raises(ValueError, match=re.escape("weight.shape[1] must be 3")):
        conv2d(X, np.zeros((4, 1, 3, 3)))


# ---------------------------------------------------------------------------
# Fuzzing: random garbage never escapes as anything but TypeError/ValueError
# ---------------------------------------------------------------------------

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 6),
    st.integers(10**5, 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=3),
    st.sampled_from(["same", "valid", "full"]),
    st.lists(st.integers(-2, 4), max_size=4),
    st.tuples(st.integers(-2, 4), st.integers(-2, 4)),
)
ARRAYS = hnp.arrays(
    dtype=st.sampled_from([np.float64, np.float32, np.int64, np.bool_, np.complex128]),
    shape=hnp.array_shapes(min_dims=0, max_dims=5, min_side=0, max_side=4),
)
ARGUMENTS = st.one_of(SCALARS, ARRAYS)


def assert_clear_error_or(call, result_type):
    """Run ``call``: it returns a ``result_type`` or raises TypeError/ValueError with a message (returns None)."""
    caught = None
    try:
        result = call()
    except (TypeError, ValueError) as error:
        caught = error
    if caught is not None:
        assert type(caught) in (TypeError, ValueError), repr(caught)
        assert str(caught)
        return None
    assert isinstance(result, result_type)
    return result


@settings(max_examples=150)
@given(
    function=st.sampled_from(
        [conv2d, conv3d, max_pool2d, avg_pool2d, conv_type1, conv_type2_1, conv_type2_2, conv_params, conv_macs]
        + [conv2d_backward, max_pool2d_backward, avg_pool2d_backward]
    ),
    args=st.lists(ARGUMENTS, min_size=1, max_size=4),
    keywords=st.dictionaries(st.sampled_from(["stride", "padding", "dilation", "groups", "bias"]), SCALARS, max_size=3),
)
def test_garbage_gives_a_clear_error_or_an_array(function, args, keywords):
    if function in (conv_params, conv_macs):
        keywords = {k: v for k, v in keywords.items() if k in ("groups", "bias")}
    elif function in (max_pool2d, avg_pool2d, max_pool2d_backward, avg_pool2d_backward):
        keywords = {k: v for k, v in keywords.items() if k in ("stride", "padding")}
    elif function is conv2d_backward:
        keywords.pop("bias", None)
    elif function not in (conv2d, conv3d, conv2d_backward):
        keywords.pop("groups", None)
        keywords.pop("bias", None)
    assert_clear_error_or(lambda: function(*args, **keywords), (np.ndarray, int, tuple))


@settings(max_examples=150)
@given(size=SCALARS, kernel=SCALARS, stride=SCALARS, padding=SCALARS, dilation=SCALARS)
def test_conv_output_size_garbage(size, kernel, stride, padding, dilation):
    result = assert_clear_error_or(lambda: conv_output_size(size, kernel, stride, padding, dilation), int)
    assert result is None or result >= 1
