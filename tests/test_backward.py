"""Property tests of the backward passes against loops, finite differences and the documented identities.

The reference below differentiates the definition by hand, one
multiply-accumulate at a time: output pixel ``p`` of map ``o`` took
``w[o, c, tap] * x[c, p * stride + tap * dilation - pad]``, so its gradient
``g`` flows back as ``g * w`` to that input pixel, ``g * x`` to that weight and
``g`` to the bias. It shares no code with ``convutil``. PyTorch comparisons
live in ``test_backward_torch.py``.
"""

from __future__ import annotations

import itertools
import math
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_core_reference import conv_cases, expected_dtype, pool_cases, tolerance

import convutil
import convutil.core
from convutil import avg_pool2d, avg_pool2d_backward, conv2d, conv2d_backward, max_pool2d, max_pool2d_backward

# ---------------------------------------------------------------------------
# The reference: the chain rule, one multiply-accumulate at a time
# ---------------------------------------------------------------------------


def out_size(size, kernel, stride, pad_before, pad_after, dilation):
    return (size + pad_before + pad_after - dilation * (kernel - 1) - 1) // stride + 1


def reference_conv_backward(grad_out, x, w, stride, pads, dilation, groups):
    """Gradients of the cross-correlation of x (N, C, H, W) with w (O, C // groups, kH, kW), by loops."""
    n_batch = x.shape[0]
    c_out, c_group, *kernel = w.shape
    grad_x, grad_w, grad_b = np.zeros(x.shape), np.zeros(w.shape), np.zeros(c_out)
    for n, o in itertools.product(range(n_batch), range(c_out)):
        first_channel = (o // (c_out // groups)) * c_group
        for out_index in itertools.product(*map(range, grad_out.shape[2:])):
            g = float(grad_out[(n, o, *out_index)])
            grad_b[o] += g
            for c, tap in itertools.product(range(c_group), itertools.product(*map(range, kernel))):
                index = tuple(i * s - lo + t * d for i, s, (lo, _), t, d in zip(out_index, stride, pads, tap, dilation))
                if all(0 <= i < m for i, m in zip(index, x.shape[2:])):  # else the tap read a padding zero
                    grad_x[(n, first_channel + c, *index)] += g * float(w[(o, c, *tap)])
                    grad_w[(o, c, *tap)] += g * float(x[(n, first_channel + c, *index)])
    return grad_x, grad_w, grad_b


def reference_pool_backward(grad_out, x, kernel, stride, padding, kind):
    """Gradient of max or average pooling of x (N, C, H, W), by loops over windows.

    Max pooling sends a window's gradient to one pixel: scanning the window's
    pixels inside the input row by row, a pixel replaces the best so far when it
    is larger or NaN (so the first maximum wins a tie).
    """
    grad_x = np.zeros(x.shape)
    for n, c, i, j in itertools.product(*map(range, grad_out.shape)):
        g = float(grad_out[n, c, i, j])
        pixels = [
            (i * stride[0] - padding[0] + u, j * stride[1] - padding[1] + v)
            for u, v in itertools.product(range(kernel[0]), range(kernel[1]))
        ]
        pixels = [(y, z) for y, z in pixels if 0 <= y < x.shape[2] and 0 <= z < x.shape[3]]
        if kind == "avg":
            for y, z in pixels:
                grad_x[n, c, y, z] += g / (kernel[0] * kernel[1])
            continue
        best = None
        for y, z in pixels:
            value = float(x[n, c, y, z])
            if best is None or value > float(x[n, c, best[0], best[1]]) or math.isnan(value):
                best = (y, z)
        grad_x[n, c, best[0], best[1]] += g
    return grad_x


def grad_for(shape, dtype, seed):
    return np.random.default_rng(seed).standard_normal(shape).astype(expected_dtype(dtype))


def conv_out_shape(case):
    x = case.x if case.batched else case.x[None]
    sizes = [
        out_size(m, k, s, lo, hi, d)
        for m, k, s, (lo, hi), d in zip(x.shape[2:], case.weight.shape[2:], case.stride, case.pads, case.dilation)
    ]
    return (x.shape[0], case.weight.shape[0], *sizes)


# ---------------------------------------------------------------------------
# Against the loops
# ---------------------------------------------------------------------------


@given(conv_cases(nd=2), st.integers(0, 2**32 - 1))
def test_conv2d_backward_matches_the_chain_rule(case, seed):
    g = grad_for(conv_out_shape(case), case.dtype, seed)
    x = case.x if case.batched else case.x[None]
    want = reference_conv_backward(g, x, case.weight, case.stride, case.pads, case.dilation, case.groups)
    got = conv2d_backward(g if case.batched else g[0], case.x, case.weight, **case.kwargs)
    assert isinstance(got, tuple)
    assert len(got) == 3
    want_x = want[0] if case.batched else want[0][0]
    for array, expected in zip(got, (want_x, *want[1:])):
        assert array.shape == expected.shape
        assert array.dtype == expected_dtype(case.dtype)
        np.testing.assert_allclose(array, expected, **tolerance(case.dtype))


@pytest.mark.parametrize(("function", "kind"), [(max_pool2d_backward, "max"), (avg_pool2d_backward, "avg")])
@given(case=pool_cases(), seed=st.integers(0, 2**32 - 1))
def test_pool_backward_matches_the_chain_rule(function, kind, case, seed):
    # integer and bool inputs (pool_cases draws them) make ties in most max-pool windows
    x, kernel, stride, padding, k_arg, p_arg, batched, dtype = case
    pooled = max_pool2d(x, k_arg, stride, p_arg)
    g = grad_for(pooled.shape, dtype, seed)
    got = function(g, x, k_arg, stride, p_arg)
    xb, gb = (x, g) if batched else (x[None], g[None])
    want = reference_pool_backward(gb, xb, kernel, stride or kernel, padding, kind)
    want = want if batched else want[0]
    assert got.shape == x.shape
    assert got.dtype == expected_dtype(dtype)
    np.testing.assert_allclose(got, want, **tolerance(dtype))


def test_max_pool_ties_nan_and_minus_inf():
    x = np.array([[2.0, 2.0, np.nan, 1.0, np.nan], [2.0, 0.0, 5.0, 1.0, np.nan]])
    x = np.stack([x, np.full((2, 5), -np.inf)])  # a second map that is -inf everywhere
    got = max_pool2d_backward(np.ones((2, 1, 3)), x, 2, padding=(0, 1))
    # windows over the columns (padding, 0), (1, 2), (3, 4): the tie goes to the first 2, a NaN beats the 5
    # after it, the last NaN beats the first; in an all -inf window the first pixel inside the input wins
    want = np.zeros((2, 2, 5))
    want[0, 0, 0] = want[0, 0, 2] = want[0, 1, 4] = 1.0
    want[1, 0, 0] = want[1, 0, 1] = want[1, 0, 3] = 1.0
    np.testing.assert_array_equal(got, want)


# ---------------------------------------------------------------------------
# Finite differences (float64): the gradients are derivatives of the forward functions
# ---------------------------------------------------------------------------


def directional_derivative(loss, array, direction, eps=1e-6):
    return (loss(array + eps * direction) - loss(array - eps * direction)) / (2 * eps)


@settings(max_examples=25)
@given(conv_cases(nd=2, dtypes=["float64"]), st.integers(0, 2**32 - 1))
def test_conv2d_backward_is_the_derivative(case, seed):
    rng = np.random.default_rng(seed)
    bias = rng.standard_normal(case.weight.shape[0])
    g = rng.standard_normal(conv2d(case.x, case.weight, bias, **case.kwargs).shape)
    grad_x, grad_w, grad_b = conv2d_backward(g, case.x, case.weight, **case.kwargs)
    arrays = {"x": case.x, "weight": case.weight, "bias": bias}
    for name, grad in zip(arrays, (grad_x, grad_w, grad_b)):
        direction = rng.standard_normal(grad.shape)

        def loss(value, name=name):
            call = {**arrays, name: value}
            return float((conv2d(call["x"], call["weight"], call["bias"], **case.kwargs) * g).sum())

        numeric = directional_derivative(loss, arrays[name], direction)
        assert math.isclose(numeric, float((grad * direction).sum()), rel_tol=1e-6, abs_tol=1e-6), name


@pytest.mark.parametrize(
    ("forward", "backward"), [(max_pool2d, max_pool2d_backward), (avg_pool2d, avg_pool2d_backward)]
)
@settings(max_examples=25)
@given(case=pool_cases(), seed=st.integers(0, 2**32 - 1))
def test_pool_backward_is_the_derivative(forward, backward, case, seed):
    _, _, stride, _, k_arg, p_arg, _, _ = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(case[0].shape)  # distinct values: max pooling is differentiable there
    g = rng.standard_normal(forward(x, k_arg, stride, p_arg).shape)
    direction = rng.standard_normal(x.shape)
    numeric = directional_derivative(lambda v: float((forward(v, k_arg, stride, p_arg) * g).sum()), x, direction)
    analytic = float((backward(g, x, k_arg, stride, p_arg) * direction).sum())
    assert math.isclose(numeric, analytic, rel_tol=1e-6, abs_tol=1e-6)


# ---------------------------------------------------------------------------
# The identities the docstrings teach, checked with conv2d itself (groups=1)
# ---------------------------------------------------------------------------


@given(conv_cases(nd=2, max_groups=1, dtypes=["float64"]), st.integers(0, 2**32 - 1))
def test_input_gradient_is_a_transposed_convolution(case, seed):
    x = case.x if case.batched else case.x[None]
    g = grad_for(conv_out_shape(case), "float64", seed)
    (k_h, k_w), (d_h, d_w) = case.weight.shape[2:], case.dilation
    # grad_out dilated by the stride (stride - 1 zeros between pixels), then a full correlation
    spread = np.zeros((*g.shape[:2], *((m - 1) * s + 1 for m, s in zip(g.shape[2:], case.stride))))
    spread[:, :, :: case.stride[0], :: case.stride[1]] = g
    flipped = case.weight[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)
    full = conv2d(spread, flipped, padding=(d_h * (k_h - 1), d_w * (k_w - 1)), dilation=case.dilation)
    padded = np.zeros((*x.shape[:2], *(m + lo + hi for m, (lo, hi) in zip(x.shape[2:], case.pads))))
    padded[:, :, : full.shape[2], : full.shape[3]] = full  # rows the last window never reached get nothing
    (top, _), (left, _) = case.pads
    want = padded[:, :, top : top + x.shape[2], left : left + x.shape[3]]
    got = conv2d_backward(g, x, case.weight, **case.kwargs)[0]
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


@given(conv_cases(nd=2, max_groups=1, dtypes=["float64"]), st.integers(0, 2**32 - 1))
def test_weight_gradient_correlates_the_input_with_grad_out(case, seed):
    x = case.x if case.batched else case.x[None]
    g = grad_for(conv_out_shape(case), "float64", seed)
    padded = np.zeros((*x.shape[:2], *(m + lo + hi for m, (lo, hi) in zip(x.shape[2:], case.pads))))
    (top, _), (left, _) = case.pads
    padded[:, :, top : top + x.shape[2], left : left + x.shape[3]] = x
    # each example: input maps as a batch of one-map inputs, grad_out maps as one-map filters (dilated by the stride)
    k_h, k_w = case.weight.shape[2:]
    want = sum(
        conv2d(padded[n][:, None], g[n][:, None], dilation=case.stride)[
            :, :, : k_h * case.dilation[0] : case.dilation[0], : k_w * case.dilation[1] : case.dilation[1]
        ]
        for n in range(x.shape[0])
    ).transpose(1, 0, 2, 3)
    got = conv2d_backward(g, x, case.weight, **case.kwargs)[1]
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


# ---------------------------------------------------------------------------
# Memory-bounded chunks give the same answer as one big im2col matrix
# ---------------------------------------------------------------------------


@settings(max_examples=20)
@given(conv_cases(nd=2, max_extra=8, dtypes=["float64"]), st.integers(1, 3000))
def test_tiny_memory_budget_changes_nothing(case, budget):
    g = grad_for(conv_out_shape(case), "float64", 0)
    g = g if case.batched else g[0]
    want_forward = conv2d(case.x, case.weight, case.bias, **case.kwargs)
    want_backward = conv2d_backward(g, case.x, case.weight, **case.kwargs)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(convutil.core, "MEMORY_BUDGET", budget)  # bytes: one row, or a few, per chunk
        got_forward = conv2d(case.x, case.weight, case.bias, **case.kwargs)
        got_backward = conv2d_backward(g, case.x, case.weight, **case.kwargs)
    np.testing.assert_allclose(got_forward, want_forward, rtol=1e-12, atol=1e-12)
    for got, want in zip(got_backward, want_backward):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_batch_and_rows_are_chunked_within_the_budget(monkeypatch):
    # 12 weights per filter in float64: one im2col column is 96 bytes
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((5, 2, 9, 7)), rng.standard_normal((3, 2, 2, 3))
    whole = conv2d(x, w)
    monkeypatch.setattr(convutil.core, "MEMORY_BUDGET", 2 * 6 * 5 * 8 * 3)  # 3 output rows of one example
    np.testing.assert_allclose(conv2d(x, w), whole, rtol=1e-12)
    monkeypatch.setattr(convutil.core, "MEMORY_BUDGET", 2 * 6 * 5 * 8 * 8 * 2)  # 2 whole examples
    np.testing.assert_allclose(conv2d(x, w), whole, rtol=1e-12)
    monkeypatch.setattr(convutil.core, "MEMORY_BUDGET", 2 * 6 * 8 * 2)  # 2 output positions: parts of a row
    np.testing.assert_allclose(conv2d(x, w), whole, rtol=1e-12)


@pytest.mark.parametrize(
    ("x_shape", "w_shape"),
    [
        ((2, 32, 40, 40), (4, 32, 5, 5)),  # 2D: the whole im2col matrix would be 16.6 MB
        ((1, 1, 64, 24, 24), (2, 1, 64, 3, 3)),  # a full-depth 3D kernel: one output row is all of it
    ],
)
def test_peak_memory_stays_near_input_plus_output(monkeypatch, x_shape, w_shape):
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    function = conv2d if len(x_shape) == 4 else convutil.conv3d
    out = function(x, w)
    depth = math.prod(w_shape[1:])
    whole_matrix = depth * out[:, 0].size * 8
    budget = 2**18
    assert whole_matrix > 6 * budget
    monkeypatch.setattr(convutil.core, "MEMORY_BUDGET", budget)
    tracemalloc.start()
    try:
        function(x, w)
        forward_peak = tracemalloc.get_traced_memory()[1]
        if function is conv2d:
            tracemalloc.reset_peak()
            conv2d_backward(out, x, w)
            backward_peak = tracemalloc.get_traced_memory()[1]
        else:
            backward_peak = 0
    finally:
        tracemalloc.stop()
    assert forward_peak < out.nbytes + 3 * budget
    assert backward_peak < 2 * x.nbytes + out.nbytes + 3 * budget


def test_empty_batch_gives_empty_gradients_and_zero_weight_gradients():
    x, w = np.zeros((0, 3, 5, 5)), np.ones((4, 3, 3, 3))
    grad_x, grad_w, grad_b = conv2d_backward(np.zeros((0, 4, 3, 3)), x, w)
    assert grad_x.shape == (0, 3, 5, 5)
    np.testing.assert_array_equal(grad_w, np.zeros((4, 3, 3, 3)))
    np.testing.assert_array_equal(grad_b, np.zeros(4))
    assert max_pool2d_backward(np.zeros((0, 3, 2, 2)), x, 2).shape == x.shape
    assert avg_pool2d_backward(np.zeros((0, 3, 2, 2)), x, 2).shape == x.shape
