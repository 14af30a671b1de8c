"""convutil.architectures against independently recomputed numbers (REFERENCES.md)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from convutil import conv_macs, conv_params
from convutil.architectures import ALEXNET_INPUT, INCEPTION, alexnet, lenet5_c3_table, table_connections, table_params
from convutil.summary import Conv2d, summary

# LeNet-5, Table I, written as the input S2 maps of each C3 map (checked against
# two independent reimplementations of the paper).
C3_INPUTS = [
    {0, 1, 2},
    {1, 2, 3},
    {2, 3, 4},
    {3, 4, 5},
    {0, 4, 5},
    {0, 1, 5},
    {0, 1, 2, 3},
    {1, 2, 3, 4},
    {2, 3, 4, 5},
    {0, 3, 4, 5},
    {0, 1, 4, 5},
    {0, 1, 2, 5},
    {0, 1, 3, 4},
    {1, 2, 4, 5},
    {0, 2, 3, 5},
    {0, 1, 2, 3, 4, 5},
]


def test_lenet5_c3_table_matches_the_paper():
    table = lenet5_c3_table()
    assert table.shape == (16, 6)
    assert table.dtype == bool
    assert [set(np.flatnonzero(row).tolist()) for row in table] == C3_INPUTS


def test_lenet5_c3_table_is_a_fresh_copy():
    table = lenet5_c3_table()
    table[:] = False
    assert lenet5_c3_table().sum() == 60


def test_lenet5_c3_params_and_connections():
    table = lenet5_c3_table()
    assert table_params(table, 5) == 1516
    assert table_params(table, 5, bias=False) == 1500
    assert table_connections(table, 5, (10, 10)) == 151600


def test_table_params_full_table_equals_conv_params():
    full = np.ones((16, 6), dtype=bool)
    assert table_params(full, 5) == 6 * 16 * 25 + 16
    assert table_connections(full, 3, 4) == (6 * 9 + 1) * 16 * 16


@pytest.mark.parametrize(
    ("table", "error", "words"),
    [
        (np.ones((4, 3)), TypeError, "boolean"),
        (np.ones(4, dtype=bool), TypeError, "2D"),
        (np.array([[True, False], [False, False]]), ValueError, "[1]"),
    ],
)
def test_table_params_rejects_bad_tables(table, error, words):
    with pytest.raises(error) as info:
        table_params(table, 5)
    assert words in str(info.value)
    assert str(table.shape) in str(info.value)


def alexnet_summary(groups=2, size=227):
    return summary(alexnet(groups=groups), (3, size, size))


def test_alexnet_parameters():
    assert alexnet_summary().total_params == 60_965_224
    assert alexnet_summary(groups=1).total_params == 62_378_344
    grouped = {layer.name for layer in alexnet() if isinstance(layer, Conv2d) and layer.groups == 2}
    assert grouped == {"conv2", "conv4", "conv5"}


def test_alexnet_per_layer_weights_match_the_paper_kernel_shapes():
    # the paper: 96 kernels 11x11x3, 256 of 5x5x48, 384 of 3x3x256, 384 of 3x3x192, 256 of 3x3x192
    expected = {"conv1": 96 * 11 * 11 * 3, "conv2": 256 * 5 * 5 * 48, "conv3": 384 * 3 * 3 * 256}
    expected |= {"conv4": 384 * 3 * 3 * 192, "conv5": 256 * 3 * 3 * 192}
    got = {r.layer.name: r.params - r.layer.c_out for r in alexnet_summary().rows if isinstance(r.layer, Conv2d)}
    assert got == expected


def test_alexnet_spatial_sizes():
    sizes = {r.layer.name: r.output_shape for r in alexnet_summary().rows}
    assert [sizes[name][1] for name in ("conv1", "pool1", "pool2", "pool5")] == [55, 27, 13, 6]
    assert sizes["conv2"] == (256, 27, 27)
    assert sizes["conv5"] == (256, 13, 13)
    assert sizes["fc6"] == (4096,)
    sizes_224 = {r.layer.name: r.output_shape for r in alexnet_summary(size=224).rows}
    assert sizes_224["conv1"] == (96, 54, 54)
    assert sizes_224["pool5"] == (256, 5, 5)


def test_alexnet_rejects_bad_groups():
    with pytest.raises(ValueError, match="groups"):
        alexnet(groups=0)
    with pytest.raises(TypeError, match="groups"):
        alexnet(groups=2.0)


# (weights without biases, MACs in millions rounded to 0.1), REFERENCES.md
INCEPTION_EXPECTED = {
    "3a": (163_328, 128.0),
    "3b": (388_096, 304.3),
    "4a": (375_552, 73.6),
    "4b": (448_512, 87.9),
    "4c": (509_440, 99.9),
    "4d": (604_672, 118.5),
    "4e": (867_328, 170.0),
    "5a": (1_042_432, 51.1),
    "5b": (1_442_816, 70.7),
}


@pytest.mark.parametrize("name", list(INCEPTION_EXPECTED))
def test_inception_params_and_macs(name):
    params, mmacs = INCEPTION_EXPECTED[name]
    module = INCEPTION[name]
    assert module.params() == params
    assert round(module.macs() / 1e6, 1) == mmacs


def test_inception_3a_5x5_branch():
    assert INCEPTION["3a"].convolutions()[3:5] == (("5x5 reduce", 192, 16, 1), ("5x5", 16, 32, 5))


def test_inception_3a_by_hand():
    # 1x1: 192*64; 3x3: 192*96 + 96*128*9; 5x5: 192*16 + 16*32*25; pool proj: 192*32
    weights = 192 * 64 + 192 * 96 + 96 * 128 * 9 + 192 * 16 + 16 * 32 * 25 + 192 * 32
    module = INCEPTION["3a"]
    assert module.params() == weights
    assert module.params(bias=True) == weights + 64 + 96 + 128 + 16 + 32 + 32
    assert module.macs() == weights * 28 * 28


def test_inception_modules_chain():
    outs = {"3a": 256, "3b": 480, "4a": 512, "4d": 528, "4e": 832, "5b": 1024}
    for name, c_out in outs.items():
        assert INCEPTION[name].c_out == c_out
    names = list(INCEPTION)
    for before, after in zip(names, names[1:]):
        assert INCEPTION[after].c_in == INCEPTION[before].c_out


def test_alexnet_parameters_agree_with_pytorch_modules():
    torch = pytest.importorskip("torch")
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(3, 96, 11, stride=4),
        nn.Conv2d(96, 256, 5, padding=2, groups=2),
        nn.Conv2d(256, 384, 3, padding=1),
        nn.Conv2d(384, 384, 3, padding=1, groups=2),
        nn.Conv2d(384, 256, 3, padding=1, groups=2),
        nn.Linear(9216, 4096),
        nn.Linear(4096, 4096),
        nn.Linear(4096, 1000),
    )
    assert sum(p.numel() for p in model.parameters()) == summary(alexnet(), ALEXNET_INPUT).total_params


@settings(max_examples=60, deadline=None)
@given(
    table=arrays(bool, st.tuples(st.integers(1, 12), st.integers(1, 12))),
    k=st.integers(1, 7),
    bias=st.booleans(),
)
def test_table_counts_are_sums_over_connections(table, k, bias):
    table[:, 0] |= ~table.any(axis=1)  # every output map sees at least one input map
    connections = int(np.count_nonzero(table))
    assert table_params(table, k, bias=bias) == connections * k * k + (table.shape[0] if bias else 0)
    assert table_connections(table, k, (3, 2)) == (connections * k * k + table.shape[0]) * 6


@settings(max_examples=40, deadline=None)
@given(c_out=st.integers(1, 16), c_in=st.integers(1, 16), k=st.integers(1, 7))
def test_a_full_table_is_an_ordinary_convolution(c_out, c_in, k):
    full = np.ones((c_out, c_in), dtype=bool)
    assert table_params(full, k) == conv_params(c_in, c_out, k)
    assert table_connections(full, k, 4) == conv_macs(c_in, c_out, k, 4) + c_out * 16
