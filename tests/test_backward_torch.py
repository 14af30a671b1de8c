"""The backward passes against torch.autograd, on hundreds of random valid calls.

PyTorch is never a dependency of the course: without it this module skips.
float64 agrees to 1e-10 (relative), float32 to float32 round-off; integer and
bool input is compared with PyTorch on the same values in float64.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

pytest.importorskip("torch")
# PyTorch with one thread, and the forward tests' settings (300 examples, "same"-padding warning ignored)
from test_core_reference import conv_cases, pool_cases  # noqa: E402 (after the skip)
from test_core_torch import MANY, F, pytestmark, torch  # noqa: E402, F401 (pytestmark applies here too)

import convutil  # noqa: E402


def leaf(array):
    """A float64 tensor that records its gradient (float32 when the array is float32)."""
    array = np.asarray(array)
    dtype = np.float32 if array.dtype == np.float32 else np.float64
    return torch.tensor(np.ascontiguousarray(array, dtype=dtype), requires_grad=True)


def assert_close(got, want, float32):
    want = want.detach().numpy()
    assert got.shape == want.shape
    assert got.dtype == (np.float32 if float32 else np.float64)
    tol = 1e-4 if float32 else 1e-10
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


@MANY
@given(
    conv_cases(nd=2, max_extra=8, max_channels=4, max_groups=4, max_kernel=5, max_dilation=3, max_stride=4),
    st.integers(0, 2**32 - 1),
)
def test_conv2d_backward_agrees_with_autograd(case, seed):
    x, weight = leaf(case.x if case.batched else case.x[None]), leaf(case.weight)
    bias = leaf(np.zeros(case.weight.shape[0], dtype=weight.detach().numpy().dtype))
    out = F.conv2d(x, weight, bias, **case.kwargs)
    g = np.random.default_rng(seed).standard_normal(out.shape).astype(weight.detach().numpy().dtype)
    out.backward(torch.from_numpy(g))
    grad_x, grad_w, grad_b = convutil.conv2d_backward(g if case.batched else g[0], case.x, case.weight, **case.kwargs)
    float32 = case.dtype == "float32"
    assert_close(grad_x, x.grad if case.batched else x.grad[0], float32)
    assert_close(grad_w, weight.grad, float32)
    assert_close(grad_b, bias.grad, float32)


@MANY
@given(
    conv_cases(nd=2, max_extra=6, max_channels=1, max_groups=6, max_kernel=4, dtypes=["float64", "float32"]),
    st.integers(0, 2**32 - 1),
)
def test_depthwise_backward_agrees_with_autograd(case, seed):
    # max_channels=1: every grouped case is depthwise, the shift-and-add path in both directions
    x, weight = leaf(case.x if case.batched else case.x[None]), leaf(case.weight)
    out = F.conv2d(x, weight, **case.kwargs)
    g = np.random.default_rng(seed).standard_normal(out.shape).astype(case.dtype)
    out.backward(torch.from_numpy(g))
    grad_x, grad_w, _ = convutil.conv2d_backward(g if case.batched else g[0], case.x, case.weight, **case.kwargs)
    assert_close(grad_x, x.grad if case.batched else x.grad[0], case.dtype == "float32")
    assert_close(grad_w, weight.grad, case.dtype == "float32")


@pytest.mark.parametrize("name", ["max_pool2d", "avg_pool2d"])
@MANY
@given(case=pool_cases(max_kernel=5, max_size=12, max_channels=4), seed=st.integers(0, 2**32 - 1))
def test_pool_backward_agrees_with_autograd(name, case, seed):
    # pool_cases draws integer and bool maps too: ties in most max-pool windows
    x, _, stride, _, k_arg, p_arg, batched, dtype = case
    tx = leaf(x if batched else x[None])
    out = getattr(F, name)(tx, k_arg, stride, p_arg)
    g = np.random.default_rng(seed).standard_normal(out.shape).astype(tx.detach().numpy().dtype)
    out.backward(torch.from_numpy(g))
    got = getattr(convutil, f"{name}_backward")(g if batched else g[0], x, k_arg, stride, p_arg)
    assert_close(got, tx.grad if batched else tx.grad[0], dtype == "float32")


@pytest.mark.parametrize("special", [np.nan, -np.inf, np.inf])
def test_max_pool_backward_routes_like_autograd_with_nan_and_inf(special):
    rng = np.random.default_rng(0)
    x = rng.integers(-1, 2, size=(2, 3, 9, 8)).astype(np.float64)
    x[rng.random(x.shape) < 0.2] = special
    x[1, 2] = special  # a whole map of it
    tx = leaf(x)
    out = F.max_pool2d(tx, 3, 2, 1)
    g = rng.standard_normal(out.shape)
    out.backward(torch.from_numpy(g))
    np.testing.assert_allclose(convutil.max_pool2d_backward(g, x, 3, 2, 1), tx.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_even_kernel_same_padding_with_groups_and_dilation():
    # PyTorch pads "same" asymmetrically for even kernels: the odd zero goes after
    rng = np.random.default_rng(1)
    x, weight = rng.standard_normal((2, 4, 9, 10)), rng.standard_normal((6, 2, 4, 2))
    tx, tw = leaf(x), leaf(weight)
    out = F.conv2d(tx, tw, padding="same", dilation=(1, 3), groups=2)
    g = rng.standard_normal(out.shape)
    out.backward(torch.from_numpy(g))
    grad_x, grad_w, grad_b = convutil.conv2d_backward(g, x, weight, padding="same", dilation=(1, 3), groups=2)
    assert_close(grad_x, tx.grad, False)
    assert_close(grad_w, tw.grad, False)
    np.testing.assert_allclose(grad_b, g.sum(axis=(0, 2, 3)), rtol=1e-12)
