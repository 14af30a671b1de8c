"""Tests of convutil.summary: shapes against running the network, counts against hand arithmetic and PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from convutil import conv2d, nn
from convutil.summary import (
    AvgPool2d,
    Conv2d,
    ConvType1,
    ConvType2_1,
    Flatten,
    GlobalAvgPool,
    Linear,
    MaxPool2d,
    ReLU,
    forward,
    init_params,
    receptive_fields,
    summary,
)

LENET = [
    Conv2d(6, 5, padding=2, name="C1"),
    ReLU(),
    MaxPool2d(2, name="S2"),
    Conv2d(16, 5, name="C3"),
    ReLU(),
    MaxPool2d(2, name="S4"),
    Flatten(),
    Linear(120),
    ReLU(),
    Linear(84),
    ReLU(),
    Linear(10),
]

# A net that uses every option: stride, padding, dilation, groups, no bias, both poolings.
MIXED = [
    Conv2d(8, 3, stride=2, padding=1),
    ReLU(),
    Conv2d(8, (3, 5), dilation=(1, 2), groups=4, bias=False),
    AvgPool2d(3, stride=2, padding=1),
    Conv2d(12, 1, groups=2),
    MaxPool2d((2, 3), stride=1),
    Flatten(),
    Linear(5, bias=False),
]


def test_lenet_shapes_by_hand():
    s = summary(LENET, (1, 28, 28))
    # 28 + 2*2 - 5 + 1 = 28; pooled 14; 14 - 5 + 1 = 10; pooled 5; 16*5*5 = 400
    expected = [
        (6, 28, 28),
        (6, 28, 28),
        (6, 14, 14),
        (16, 10, 10),
        (16, 10, 10),
        (16, 5, 5),
        (400,),
        (120,),
        (120,),
        (84,),
        (84,),
        (10,),
    ]
    assert [r.output_shape for r in s.rows] == expected
    assert s.output_shape == (10,)
    assert [r.input_shape for r in s.rows[1:]] == expected[:-1]


def test_lenet_params_and_macs_by_hand():
    s = summary(LENET, (1, 28, 28))
    params = [r.params for r in s.rows]
    macs = [r.macs for r in s.rows]
    assert params == [
        6 * 25 + 6,
        0,
        0,
        16 * 6 * 25 + 16,
        0,
        0,
        0,
        400 * 120 + 120,
        0,
        120 * 84 + 84,
        0,
        84 * 10 + 10,
    ]
    assert macs == [28 * 28 * 6 * 25, 0, 0, 10 * 10 * 16 * 6 * 25, 0, 0, 0, 400 * 120, 0, 120 * 84, 0, 84 * 10]
    assert s.total_params == 61706
    assert s.total_macs == 117600 + 240000 + 48000 + 10080 + 840


def test_mixed_shapes_and_counts_by_hand():
    # conv1: floor((17 + 2 - 3) / 2) + 1 = 9, floor((20 + 2 - 3) / 2) + 1 = 10
    # conv2: 9 - 3 + 1 = 7, 10 - 2*(5-1) - 1 + 1 = 2; groups=4: each filter sees 8/4 = 2 maps
    # avgpool 3/2/1: floor((7 + 2 - 3)/2) + 1 = 4, floor((2 + 2 - 3)/2) + 1 = 1
    # conv3 1x1 groups=2: 12 maps; maxpool (2, 3) stride 1 on (4, 1)? width 1 < 3 -> must not fit
    with pytest.raises(ValueError, match=r"layer 6 \(MaxPool2d.*\(12, 4, 1\)"):
        summary(MIXED, (4, 17, 20))
    net = MIXED[:5] + [MaxPool2d((2, 1), stride=1), Flatten(), Linear(5, bias=False)]
    s = summary(net, (4, 17, 20))
    assert [r.output_shape for r in s.rows] == [
        (8, 9, 10),
        (8, 9, 10),
        (8, 7, 2),
        (8, 4, 1),
        (12, 4, 1),
        (12, 3, 1),
        (36,),
        (5,),
    ]
    assert [r.params for r in s.rows] == [8 * 4 * 9 + 8, 0, 8 * 2 * 15, 0, 12 * 4 + 12, 0, 0, 36 * 5]
    assert [r.macs for r in s.rows] == [90 * 8 * 4 * 9, 0, 14 * 8 * 2 * 15, 0, 4 * 12 * 4, 0, 0, 36 * 5]


def test_run_confirms_shapes():
    s = summary(LENET, (1, 28, 28), run=True)
    assert s.ran
    assert all(r.run_shape == r.output_shape for r in s.rows)
    assert not summary(LENET, (1, 28, 28)).ran
    assert all(r.run_shape is None for r in summary(LENET, (1, 28, 28)).rows)


@settings(max_examples=40, deadline=None)
@given(
    c_in=st.integers(1, 4),
    mult=st.integers(1, 3),
    groups_pick=st.booleans(),
    size=st.tuples(st.integers(5, 14), st.integers(5, 14)),
    k=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    padding=st.tuples(st.integers(0, 2), st.integers(0, 2)),
    dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    pool=st.sampled_from([MaxPool2d, AvgPool2d]),
)
def test_summary_shapes_match_running_convutil(c_in, mult, groups_pick, size, k, stride, padding, dilation, pool):
    groups = c_in if groups_pick else 1
    assume(all(n + 2 * p >= d * (kk - 1) + 1 for n, p, d, kk in zip(size, padding, dilation, k)))
    conv = Conv2d(c_in * mult, k, stride=stride, padding=padding, dilation=dilation, groups=groups)
    net = [conv, ReLU(), pool(2, stride=1, padding=1), Flatten(), Linear(3)]
    s = summary(net, (c_in, *size))
    x = np.random.default_rng(0).normal(size=(c_in, *size))
    outs = forward(net, x)
    assert [o.shape for o in outs] == [r.output_shape for r in s.rows]
    # the convolution itself, run directly
    w = np.ones((c_in * mult, c_in // groups, *k))
    direct = conv2d(x, w, stride=stride, padding=padding, dilation=dilation, groups=groups)
    assert direct.shape == s.rows[0].output_shape
    # parameters counted from the weight array that was actually used
    p = init_params(net, (c_in, *size))
    assert s.rows[0].params == p[0]["weight"].size + p[0]["bias"].size
    assert s.rows[4].params == p[4]["weight"].size + p[4]["bias"].size


def test_forward_batch_and_values():
    x = np.random.default_rng(1).normal(size=(2, 1, 28, 28))
    outs = forward(LENET, x, seed=3)
    assert outs[-1].shape == (2, 10)
    single = forward(LENET, x[1], seed=3)
    np.testing.assert_allclose(outs[-1][1], single[-1])
    # seeded: same seed, same output; different seed, different output
    np.testing.assert_array_equal(forward(LENET, x[0], seed=3)[-1], forward(LENET, x[0], seed=3)[-1])
    assert not np.allclose(forward(LENET, x[0], seed=4)[-1], single[-1])
    # ReLU really clips, pooling really takes the max of each 2x2 block
    assert outs[1].min() >= 0
    np.testing.assert_array_equal(outs[2], outs[1].reshape(2, 6, 14, 2, 14, 2).max(axis=(3, 5)))


def test_forward_with_given_params():
    net = [Conv2d(1, 2, bias=True), Flatten(), Linear(1)]
    params = [
        {"weight": np.ones((1, 1, 2, 2)), "bias": np.array([1.0])},
        None,
        {"weight": np.ones((1, 4)), "bias": None},
    ]
    x = np.arange(9.0).reshape(1, 3, 3)
    outs = forward(net, x, params)
    # windows of [[0,1,2],[3,4,5],[6,7,8]]: 8, 12, 20, 24, each + 1
    np.testing.assert_array_equal(outs[0], [[[9.0, 13.0], [21.0, 25.0]]])
    np.testing.assert_array_equal(outs[-1], [68.0])
    with pytest.raises(ValueError, match="one entry per layer"):
        forward(net, x, params[:2])


def test_text_and_html_tables():
    s = summary(LENET, (1, 28, 28), run=True)
    text = str(s)
    assert "C1: Conv2d(6, kernel_size=5, padding=2)" in text
    assert "(16, 5, 5)" in text
    assert "(400,)" in text
    assert "61,706" in text
    assert "416,520" in text
    assert "confirmed" in text
    assert "receptive field" in text.splitlines()[0]
    assert "whole input" in text  # after the first linear layer
    assert repr(s) == text
    page = s._repr_html_()
    assert page.startswith("<table")
    assert page.count("<tr>") == len(LENET) + 3  # head, input row, layers, totals
    assert "61,706" in page
    assert "not run" in str(summary(LENET, (1, 28, 28)))


def test_html_escapes_names():
    s = summary([Conv2d(1, 1, name="<b>")], (1, 2, 2))
    assert "<b>" not in s._repr_html_()
    assert "&lt;b&gt;" in s._repr_html_()


def test_spec_reprs():
    assert repr(Conv2d(8, (3, 5), stride=2)) == "Conv2d(8, kernel_size=(3, 5), stride=2)"
    assert repr(MaxPool2d(3, 2)) == "MaxPool2d(kernel_size=3, stride=2)"
    assert repr(Linear(10, bias=False)) == "Linear(10, bias=False)"
    assert repr(ReLU()) == "ReLU()"
    assert Conv2d(4, 3).kernel_size == (3, 3)


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: Conv2d(0, 3), ValueError, "c_out must be >= 1"),
        (lambda: Conv2d(4, 0), ValueError, "kernel_size must be >= 1"),
        (lambda: Conv2d(4, 3.0), TypeError, "kernel_size must be an integer"),
        (lambda: Conv2d(4, (3, 3, 3)), ValueError, "kernel_size must be an int or a sequence of 2"),
        (lambda: Conv2d(4, 3, padding=-1), ValueError, "padding must be >= 0"),
        (lambda: Conv2d(4, 3, bias=1), TypeError, "bias must be True or False"),
        (lambda: Conv2d(6, 3, groups=4), ValueError, "groups=4 does not divide c_out=6"),
        (lambda: MaxPool2d(2, padding=2), ValueError, "at most half of kernel_size"),
        (lambda: AvgPool2d(0), ValueError, "kernel_size must be >= 1"),
        (lambda: Linear(0), ValueError, "out_features must be >= 1"),
        (lambda: Linear(3, bias="yes"), TypeError, "bias must be True or False"),
    ],
)
def test_bad_specs(make, error, match):
    with pytest.raises(error, match=match):
        make()


@pytest.mark.parametrize(
    ("layers", "shape", "error", "match"),
    [
        ([], (1, 8, 8), ValueError, "layers must not be empty"),
        (Conv2d(2, 3), (1, 8, 8), TypeError, "wrap it in"),
        (5, (1, 8, 8), TypeError, "layers must be a list"),
        ([Conv2d(2, 3), "relu"], (1, 8, 8), TypeError, "layer 2 must be one of"),
        ([Conv2d(2, 3)], (8, 8), ValueError, r"input_shape must be \(C, H, W\)"),
        ([Conv2d(2, 3)], (1, 0, 8), ValueError, "input_shape.* must be >= 1"),
        ([Conv2d(2, 9)], (1, 8, 8), ValueError, r"layer 1 \(Conv2d\(2, kernel_size=9\)\) does not fit.*\(1, 8, 8\)"),
        ([Conv2d(4, 3, groups=2)], (3, 8, 8), ValueError, "groups=2 does not divide the 3 input maps"),
        ([Linear(3)], (1, 8, 8), ValueError, r"layer 1 \(Linear\(3\)\) needs a flat vector.*Flatten"),
        ([Flatten(), Conv2d(2, 1)], (1, 8, 8), ValueError, r"layer 2 .* needs a \(C, H, W\) volume.*\(64,\)"),
        ([Flatten(), MaxPool2d(2)], (1, 8, 8), ValueError, r"needs a \(C, H, W\) volume"),
        ([MaxPool2d(5, padding=1)], (1, 2, 2), ValueError, "does not fit its input"),
    ],
)
def test_bad_networks(layers, shape, error, match):
    with pytest.raises(error, match=match):
        summary(layers, shape)


def test_forward_rejects_bad_input():
    with pytest.raises(ValueError, match="x must have 3 or 4 dimensions"):
        forward(LENET, np.zeros((28, 28)))
    with pytest.raises(ValueError, match="does not fit"):
        forward([Conv2d(2, 5)], np.zeros((1, 3, 3)))


# ---- PyTorch, where it is installed ----------------------------------------------------------


def _torch_modules(layers, torch):
    nn = torch.nn
    mods = []
    for layer in layers:
        if isinstance(layer, Conv2d):
            mods.append(
                nn.LazyConv2d(
                    layer.c_out,
                    layer.kernel_size,
                    stride=layer.stride,
                    padding=layer.padding,
                    dilation=layer.dilation,
                    groups=layer.groups,
                    bias=layer.bias,
                )
            )
        elif isinstance(layer, MaxPool2d):
            mods.append(nn.MaxPool2d(layer.kernel_size, layer.stride, layer.padding))
        elif isinstance(layer, AvgPool2d):
            mods.append(nn.AvgPool2d(layer.kernel_size, layer.stride, layer.padding))
        elif isinstance(layer, ReLU):
            mods.append(nn.ReLU())
        elif isinstance(layer, Flatten):
            mods.append(nn.Flatten())
        else:
            mods.append(nn.LazyLinear(layer.out_features, bias=layer.bias))
    return mods


@pytest.mark.parametrize(("net", "shape"), [(LENET, (1, 28, 28)), (MIXED[:5] + [Flatten(), Linear(5)], (4, 17, 20))])
def test_against_torch(net, shape):
    torch = pytest.importorskip("torch")
    mods = _torch_modules(net, torch)
    model = torch.nn.Sequential(*mods).double()
    x = np.random.default_rng(2).normal(size=(1, *shape))
    with torch.no_grad():
        model(torch.from_numpy(x))  # materialise the lazy modules
        params = init_params(net, shape, seed=5)
        for mod, p in zip(mods, params):
            if p is not None:
                mod.weight.copy_(torch.from_numpy(p["weight"]))
                if p["bias"] is not None:
                    mod.bias.copy_(torch.from_numpy(p["bias"]))
        t = torch.from_numpy(x)
        torch_outs = []
        for mod in mods:
            t = mod(t)
            torch_outs.append(t.numpy())
    s = summary(net, shape)
    assert [r.params for r in s.rows] == [sum(q.numel() for q in m.parameters()) for m in mods]
    assert [r.output_shape for r in s.rows] == [o.shape[1:] for o in torch_outs]
    for ours, theirs in zip(forward(net, x, params), torch_outs):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10)


# ---- receptive field ----------------------------------------------------------------------


def test_lenet_receptive_fields_by_hand():
    # C1 5; S2 5 + 1*1 = 6, jump 2; C3 6 + 4*2 = 14; S4 14 + 1*2 = 16, jump 4; Flatten keeps it
    s = summary(LENET, (1, 28, 28))
    assert [r.receptive_field for r in s.rows[:7]] == [(5, 5), (5, 5), (6, 6), (14, 14), (14, 14), (16, 16), (16, 16)]
    assert all(r.receptive_field is None for r in s.rows[7:])
    # non-square: kernel (3, 5) with dilation (1, 2) after a stride-(2, 1) layer
    net = [Conv2d(2, 3, stride=(2, 1)), Conv2d(2, (3, 5), dilation=(1, 2)), GlobalAvgPool(), Linear(2)]
    assert receptive_fields(net) == [(3, 3), (3 + 2 * 2, 3 + 4 * 2 * 1), None, None]


@settings(max_examples=30, deadline=None)
@given(
    spec=st.lists(
        st.tuples(st.sampled_from(["conv", "type1", "avg"]), st.integers(1, 3), st.integers(1, 2), st.integers(1, 2)),
        min_size=1,
        max_size=3,
    )
)
def test_receptive_field_equals_the_inputs_one_output_depends_on(spec):
    # Measured independently of the closed form: with all weights 1 (no cancellation), backpropagate
    # a single output value and see how far the input gradient reaches.
    layers = []
    for kind, k, s, d in spec:
        if kind == "conv":
            layers.append(Conv2d(2, k, stride=s, dilation=d))
        elif kind == "type1":
            layers.append(ConvType1(1, k, stride=s, dilation=d))
        else:
            layers.append(AvgPool2d(k, stride=s))
    size = 40
    shapes = nn.layer_shapes(layers, (2, size, size))
    params = init_params(layers, (2, size, size))
    for p in params:
        if p is not None:
            p["weight"][:] = 1.0
    x = np.ones((1, 2, size, size))
    outputs = forward(layers, x, params)
    grad = np.zeros_like(outputs[-1])
    grad[0, 0, 0, 0] = 1.0  # the top-left output value: its window lies inside the image
    grad_x, _ = nn.backward(layers, params, x, outputs, grad)
    rows, cols = np.nonzero(grad_x[0].sum(axis=0))
    assert shapes[-1][1][1] >= 1
    assert (rows.max() - rows.min() + 1, cols.max() - cols.min() + 1) == receptive_fields(layers)[-1]


def test_new_layer_counts_by_hand():
    net = [ConvType1(3, 5, padding=2), ConvType2_1(2, 3), GlobalAvgPool(), Linear(4)]
    s = summary(net, (4, 10, 10), run=True)
    assert s.ran
    assert [r.output_shape for r in s.rows] == [(12, 10, 10), (2, 8, 8), (2,), (4,)]
    # type 1: 3 kernels of 5x5 + 3 biases, each kernel on each of the 4 maps at 100 positions
    # type 2.1: 2 kernels of 3x3 + 2 biases, each kernel on each of the 12 maps at 64 positions
    assert [r.params for r in s.rows] == [3 * 25 + 3, 2 * 9 + 2, 0, 2 * 4 + 4]
    assert [r.macs for r in s.rows] == [4 * 3 * 25 * 100, 12 * 2 * 9 * 64, 0, 2 * 4]
    assert repr(net[0]) == "ConvType1(3, kernel_size=5, padding=2)"
    assert repr(net[1]) == "ConvType2_1(2, kernel_size=3)"


def test_bias_free_counts_are_weight_counts_times_positions():
    # the MAC convention: without biases torchinfo's Mult-Adds and these MACs coincide,
    # (parameters x output positions per convolution, parameters per linear layer)
    net = [Conv2d(4, 3, bias=False), Conv2d(6, 3, stride=2, groups=2, bias=False), Flatten(), Linear(3, bias=False)]
    s = summary(net, (2, 11, 11))
    positions = [9 * 9, 4 * 4, 1, 1]
    assert [r.macs for r in s.rows] == [r.params * n for r, n in zip(s.rows, positions)]
