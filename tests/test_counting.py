"""conv_params and conv_macs against numbers published or counted independently.

The brute-force counts (the loop reference's multiplications and touched
weights) live in ``test_core_reference.py``; here the published numbers of
the papers the course discusses, and the algebra the book relies on.
"""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from convutil import conv_macs, conv_params

# LeNet-5, layer C3 (LeCun et al. 1998, Table I): how many S2 maps each C3 map sees
LENET_C3_INPUTS = [3] * 6 + [4] * 6 + [4] * 3 + [6]


def test_lenet5_c3_matches_the_paper():
    # the paper: 1,516 trainable parameters and 151,600 connections (10x10 outputs, 5x5 kernels)
    params = sum(conv_params(n, 1, 5) for n in LENET_C3_INPUTS)
    macs = sum(conv_macs(n, 1, 5, (10, 10)) for n in LENET_C3_INPUTS)
    assert params == 1516
    assert macs + len(LENET_C3_INPUTS) * 10 * 10 == 151_600  # every bias is one more connection per output


def alexnet_params(split: bool) -> int:
    g = 2 if split else 1
    layers = [
        conv_params(3, 96, 11),
        conv_params(96, 256, 5, groups=g),
        conv_params(256, 384, 3),
        conv_params(384, 384, 3, groups=g),
        conv_params(384, 256, 3, groups=g),
        conv_params(256, 4096, 6),  # a fully connected layer is a convolution as large as its input
        conv_params(4096, 4096, 1),
        conv_params(4096, 1000, 1),
    ]
    return sum(layers)


def test_alexnet_with_and_without_the_two_gpu_split():
    # recomputed with PyTorch modules (see REFERENCES): 60,965,224 with the split, 62,378,344 without
    assert alexnet_params(split=True) == 60_965_224
    assert alexnet_params(split=False) == 62_378_344


def test_vgg16_parameters():
    channels = [3, 64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512]
    convs = sum(conv_params(a, b, 3) for a, b in zip(channels[:-1], channels[1:]))
    fcs = conv_params(512, 4096, 7) + conv_params(4096, 4096, 1) + conv_params(4096, 1000, 1)
    assert convs + fcs == 138_357_544  # torchvision's vgg16


def test_googlenet_inception_3a():
    # filters: #1x1 64, #3x3 reduce 96, #3x3 128, #5x5 reduce 16, #5x5 32, pool proj 32; input 28x28x192
    branches = [(192, 64, 1), (192, 96, 1), (96, 128, 3), (192, 16, 1), (16, 32, 5), (192, 32, 1)]
    weights = sum(conv_params(a, b, k, bias=False) for a, b, k in branches)
    macs = sum(conv_macs(a, b, k, (28, 28)) for a, b, k in branches)
    assert weights == 163_328
    assert macs == 163_328 * 28 * 28
    assert round(macs / 1e6, 1) == 128.0


def test_mobilenet_cost_ratio():
    # depthwise separable / standard = 1/N + 1/Dk^2 (Howard et al. 2017), exactly
    m, n, dk, df = 512, 512, 3, 14
    separable = conv_macs(m, m, dk, df, groups=m) + conv_macs(m, n, 1, df)
    standard = conv_macs(m, n, dk, df)
    assert Fraction(separable, standard) == Fraction(1, n) + Fraction(1, dk * dk)
    assert round(separable / standard, 3) == 0.113


def test_seed_second_layer():
    # k2 filters of 5x5 over k1 maps: k1*k2*25 weights plus k2 biases
    for k1, k2 in [(8, 16), (6, 16), (96, 256)]:
        assert conv_params(k1, k2, 5) == k1 * k2 * 25 + k2
        assert conv_params(k1, k2, (5, 5), bias=False) == k1 * k2 * 25


def test_3d_and_1d_kernels():
    # seed 001's bonus: a 3x4x5 Conv3d over a 1337x42x314 one-channel volume
    assert conv_macs(1, 1, (3, 4, 5), (1335, 39, 310)) == 60 * 1335 * 39 * 310
    assert conv_params(1, 1, (3, 4, 5)) == 61
    assert conv_macs(1, 1, 3, (4, 4, 4)) == 27 * 64  # an int kernel follows output_size's dimensions
    assert conv_macs(2, 3, (5,), 10) == 2 * 3 * 5 * 10
    assert conv_macs(2, 3, (3, 3), 10) == conv_macs(2, 3, 3, (10, 10))


def test_numpy_integers_are_accepted():
    assert conv_params(np.int64(8), np.int32(16), np.array([5, 5]), bias=np.bool_(True)) == 3216
    assert conv_macs(np.int64(8), 16, 5, np.array([24, 24])) == 8 * 16 * 25 * 24 * 24


@given(
    c=st.integers(1, 64),
    k=st.integers(1, 7),
    size=st.integers(1, 64),
    factor=st.integers(2, 4),
)
def test_widening_both_layers_costs_quadratically(c, k, size, factor):
    # GoogLeNet's remark: scale the filters of two chained layers by f, the cost grows by f^2
    assert conv_macs(factor * c, factor * c, k, size) == factor**2 * conv_macs(c, c, k, size)


@given(
    per_group_in=st.integers(1, 8),
    per_group_out=st.integers(1, 8),
    groups=st.integers(1, 8),
    k=st.integers(1, 5),
    size=st.integers(1, 20),
)
def test_groups_divide_weights_and_cost(per_group_in, per_group_out, groups, k, size):
    c_in, c_out = per_group_in * groups, per_group_out * groups
    assert conv_params(c_in, c_out, k, groups=groups, bias=False) * groups == conv_params(c_in, c_out, k, bias=False)
    assert conv_macs(c_in, c_out, k, size, groups=groups) * groups == conv_macs(c_in, c_out, k, size)
    # each group is an independent convolution of per_group_in -> per_group_out maps
    assert conv_params(c_in, c_out, k, groups=groups) == groups * conv_params(per_group_in, per_group_out, k)


@pytest.mark.parametrize("huge", [10**6, 10**9])
def test_counts_are_exact_python_integers(huge):
    # no float rounding and no overflow, however large the layer
    count = conv_macs(huge, huge, 3, (huge, huge))
    assert isinstance(count, int)
    assert count == 9 * huge**4
