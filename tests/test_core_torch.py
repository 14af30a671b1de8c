"""convutil against PyTorch's torch.nn.functional, on hundreds of random valid calls.

PyTorch is never a dependency of the course: without it this module skips.
Every public function is compared: float64 to 1e-10 (relative), float32 to
float32 round-off; integer and bool input against PyTorch on the same values
in float64 (PyTorch's convolutions want floating-point tensors).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")
F = torch.nn.functional
torch.set_num_threads(1)  # tiny tensors: threads only add contention on a shared machine

from test_core_reference import conv_cases, pool_cases, type_cases  # noqa: E402 (after the skip)

import convutil  # noqa: E402

MANY = settings(max_examples=300)
# PyTorch's own performance note for even kernels with padding="same" (exactly the case we want to compare)
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")


def as_torch(array):
    """A float64 tensor, or float32 when the array is float32 (the dtype convutil computes in)."""
    array = np.asarray(array)
    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32 if array.dtype == np.float32 else np.float64))


def assert_close(got, want, float32):
    want = want.numpy()
    assert got.shape == want.shape
    if float32:
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    else:
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


def torch_conv(function, case):
    kwargs = dict(case.kwargs)
    x = as_torch(case.x if case.batched else case.x[None])
    bias = None if case.bias is None else as_torch(case.bias)
    want = function(x, as_torch(case.weight), bias, **kwargs)
    return want if case.batched else want[0]


@MANY
@given(conv_cases(nd=2, max_extra=12, max_channels=4, max_groups=4, max_kernel=5, max_dilation=3, max_stride=4))
def test_conv2d_agrees_with_torch(case):
    got = convutil.conv2d(case.x, case.weight, case.bias, **case.kwargs)
    assert_close(got, torch_conv(F.conv2d, case), case.dtype == "float32")


@MANY
@given(conv_cases(nd=3, max_extra=5, max_channels=3, max_groups=3, max_kernel=3, max_dilation=2, max_stride=3))
def test_conv3d_agrees_with_torch(case):
    got = convutil.conv3d(case.x, case.weight, case.bias, **case.kwargs)
    assert_close(got, torch_conv(F.conv3d, case), case.dtype == "float32")


@MANY
@given(conv_cases(nd=2, max_extra=8, max_channels=1, max_groups=6, max_kernel=4, dtypes=["float64", "float32"]))
def test_depthwise_with_multiplier_agrees_with_torch(case):
    # max_channels=1 makes every grouped case depthwise (one input map per group), with multiplier 1
    got = convutil.conv2d(case.x, case.weight, case.bias, **case.kwargs)
    assert_close(got, torch_conv(F.conv2d, case), case.dtype == "float32")


def test_depthwise_multiplier_and_asymmetric_same_padding():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 9, 10))
    weight = rng.standard_normal((12, 1, 4, 2))  # multiplier 4, even kernels: "same" pads 1+2 and 0+1
    bias = rng.standard_normal(12)
    got = convutil.conv2d(x, weight, bias, padding="same", dilation=(1, 2), groups=3)
    want = F.conv2d(as_torch(x), as_torch(weight), as_torch(bias), padding="same", dilation=(1, 2), groups=3)
    assert_close(got, want, float32=False)


@MANY
@pytest.mark.parametrize("name", ["max_pool2d", "avg_pool2d"])
@given(case=pool_cases(max_kernel=5, max_size=14, max_channels=4))
def test_pooling_agrees_with_torch(name, case):
    x, kernel, stride, padding, k_arg, p_arg, batched, dtype = case
    got = getattr(convutil, name)(x, k_arg, stride, p_arg)
    xt = as_torch(x if batched else x[None])
    want = getattr(F, name)(xt, kernel, stride, padding)
    assert_close(got, want if batched else want[0], dtype == "float32")


@MANY
@given(
    size=st.integers(1, 60),
    kernel=st.integers(1, 9),
    stride=st.integers(1, 6),
    padding=st.integers(0, 5),
    dilation=st.integers(1, 4),
)
def test_conv_output_size_agrees_with_torch(size, kernel, stride, padding, dilation):
    x, w = torch.zeros(1, 1, size, dtype=torch.float64), torch.zeros(1, 1, kernel, dtype=torch.float64)
    try:
        want = F.conv1d(x, w, stride=stride, padding=padding, dilation=dilation).shape[-1]
    except RuntimeError:  # PyTorch refuses: the kernel does not fit
        with pytest.raises(ValueError, match="kernel_size"):
            convutil.conv_output_size(size, kernel, stride, padding, dilation)
    else:
        assert convutil.conv_output_size(size, kernel, stride, padding, dilation) == want


@MANY
@given(type_cases())
def test_type1_agrees_with_torch_on_each_map_alone(case):
    x, kernels, bias, kwargs, _, batched = case
    xb = as_torch(x if batched else x[None])
    n, c, h, w = xb.shape
    # every input map on its own as a one-channel image: (N*C, 1, H, W) -> (N*C, K, ...) -> map c*K + k
    per_map = F.conv2d(
        xb.reshape(n * c, 1, h, w), as_torch(kernels)[:, None], None if bias is None else as_torch(bias), **kwargs
    )
    want = per_map.reshape(n, c * kernels.shape[0], *per_map.shape[-2:])
    assert_close(convutil.conv_type1(x, kernels, bias, **kwargs), want if batched else want[0], float32=False)


@MANY
@given(type_cases())
def test_type2_1_agrees_with_torch_shared_kernels(case):
    x, kernels, bias, kwargs, _, batched = case
    xb = as_torch(x if batched else x[None])
    shared = as_torch(kernels)[:, None].expand(kernels.shape[0], xb.shape[1], *kernels.shape[1:])
    want = F.conv2d(xb, shared, None if bias is None else as_torch(bias), **kwargs)
    assert_close(convutil.conv_type2_1(x, kernels, bias, **kwargs), want if batched else want[0], float32=False)


@MANY
@given(type_cases(), st.integers(0, 2**32 - 1))
def test_type2_2_agrees_with_torch(case, seed):
    x, kernels, bias, kwargs, _, batched = case
    c = x.shape[-3]
    weight = np.random.default_rng(seed).standard_normal((kernels.shape[0], c, *kernels.shape[1:]))
    want = F.conv2d(
        as_torch(x if batched else x[None]), as_torch(weight), None if bias is None else as_torch(bias), **kwargs
    )
    assert_close(convutil.conv_type2_2(x, weight, bias, **kwargs), want if batched else want[0], float32=False)


@MANY
@given(
    per_group_in=st.integers(1, 6),
    per_group_out=st.integers(1, 6),
    groups=st.integers(1, 4),
    kernel=st.one_of(
        st.integers(1, 5), st.tuples(st.integers(1, 4), st.integers(1, 4)), st.tuples(*[st.integers(1, 3)] * 3)
    ),
    bias=st.booleans(),
)
def test_conv_params_agrees_with_torch_modules(per_group_in, per_group_out, groups, kernel, bias):
    c_in, c_out = per_group_in * groups, per_group_out * groups
    module = torch.nn.Conv3d if isinstance(kernel, tuple) and len(kernel) == 3 else torch.nn.Conv2d
    layer = module(c_in, c_out, kernel, groups=groups, bias=bias)
    assert convutil.conv_params(c_in, c_out, kernel, groups=groups, bias=bias) == sum(
        p.numel() for p in layer.parameters()
    )


@settings(max_examples=200)  # the FLOP counter is slow; test_core_reference also counts by brute force
@given(conv_cases(nd=2, max_extra=10, max_channels=4, max_groups=4, max_kernel=5, dtypes=["float64"]))
def test_conv_macs_agrees_with_torch_flop_counter(case):
    from torch.utils.flop_counter import FlopCounterMode

    x = as_torch(case.x if case.batched else case.x[None])
    with FlopCounterMode(display=False) as counter:
        out = torch_conv(F.conv2d, case)
    c_out, c_group, *kernel = case.weight.shape
    macs = convutil.conv_macs(c_group * case.groups, c_out, tuple(kernel), tuple(out.shape[-2:]), groups=case.groups)
    assert 2 * x.shape[0] * macs == counter.get_total_flops()  # PyTorch counts a multiply-add as 2 FLOPs
