"""Property tests of convutil's numerical core against a textbook reference.

The reference below is written from the definition, one multiplication at a
time, with explicit Python loops and no padding array: a tap that falls
outside the input multiplies a zero. It is slow, so the sizes are small; it
shares no code with ``convutil``. It also counts the multiplications it does
and the distinct weights it touches, which checks ``conv_macs`` and
``conv_params`` by brute force.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import convutil
from convutil import (
    avg_pool2d,
    conv2d,
    conv3d,
    conv_macs,
    conv_output_size,
    conv_params,
    conv_type1,
    conv_type2_1,
    conv_type2_2,
    max_pool2d,
)

# ---------------------------------------------------------------------------
# The reference: the definition, one multiply-accumulate at a time
# ---------------------------------------------------------------------------


def positions(size, kernel, stride, pad_before, pad_after, dilation):
    """Window start offsets that fit in the padded input, counted one by one."""
    span = dilation * (kernel - 1)
    return [p for p in range(0, size + pad_before + pad_after, stride) if p + span < size + pad_before + pad_after]


def same_pads(kernel, dilation):
    """PyTorch's "same": total padding dilation*(k-1), the odd zero after."""
    total = dilation * (kernel - 1)
    return (total // 2, total - total // 2)


def reference_conv(x, w, b, stride, pads, dilation, groups):
    """Cross-correlation of x (N, C, *S) with w (O, C // groups, *K), by loops.

    Returns the output, the number of multiplications done and the set of
    parameters (weights and biases) that took part.
    """
    n_batch, _, *size = x.shape
    c_out, c_group, *kernel = w.shape
    out_per_group = c_out // groups
    starts = [positions(*args) for args in zip(size, kernel, stride, *zip(*pads), dilation)]
    out = np.zeros((n_batch, c_out, *map(len, starts)))
    multiplications = 0
    used = set()
    for n, o in itertools.product(range(n_batch), range(c_out)):
        g = o // out_per_group
        for out_index in itertools.product(*(range(len(s)) for s in starts)):
            total = 0.0
            for c in range(c_group):
                for tap in itertools.product(*map(range, kernel)):
                    index = [s[i] - lo + t * d for s, i, (lo, _), t, d in zip(starts, out_index, pads, tap, dilation)]
                    inside = all(0 <= i < m for i, m in zip(index, size))
                    value = float(x[(n, g * c_group + c, *index)]) if inside else 0.0
                    total += float(w[(o, c, *tap)]) * value
                    multiplications += 1
                    used.add(("w", o, c, *tap))
            if b is not None:
                total += float(b[o])
                used.add(("b", o))
            out[(n, o, *out_index)] = total
    return out, multiplications, used


def corr2d(image, kernel, stride=(1, 1), pads=((0, 0), (0, 0)), dilation=(1, 1)):
    """One 2D map cross-correlated with one 2D kernel (the teaching books' ``corr2d``)."""
    rows = positions(image.shape[0], kernel.shape[0], stride[0], *pads[0], dilation[0])
    cols = positions(image.shape[1], kernel.shape[1], stride[1], *pads[1], dilation[1])
    out = np.zeros((len(rows), len(cols)))
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            total = 0.0
            for u in range(kernel.shape[0]):
                for v in range(kernel.shape[1]):
                    y, x = r - pads[0][0] + u * dilation[0], c - pads[1][0] + v * dilation[1]
                    if 0 <= y < image.shape[0] and 0 <= x < image.shape[1]:
                        total += float(kernel[u, v]) * float(image[y, x])
            out[i, j] = total
    return out


def reference_pool(x, kernel, stride, padding, kind):
    """Max or average pooling of x (N, C, H, W), each map alone, by loops."""
    n_batch, channels, height, width = x.shape
    rows = positions(height, kernel[0], stride[0], padding[0], padding[0], 1)
    cols = positions(width, kernel[1], stride[1], padding[1], padding[1], 1)
    out = np.zeros((n_batch, channels, len(rows), len(cols)))
    for n, c in itertools.product(range(n_batch), range(channels)):
        for (i, r), (j, q) in itertools.product(enumerate(rows), enumerate(cols)):
            values = []
            for u, v in itertools.product(range(kernel[0]), range(kernel[1])):
                y, z = r - padding[0] + u, q - padding[1] + v
                inside = 0 <= y < height and 0 <= z < width
                values.append(float(x[n, c, y, z]) if inside else (-math.inf if kind == "max" else 0.0))
            if kind == "max":
                best = values[0]
                for value in values[1:]:
                    if value > best or math.isnan(value):
                        best = value
                out[n, c, i, j] = best
            else:
                out[n, c, i, j] = sum(values) / len(values)
    return out


# ---------------------------------------------------------------------------
# Random valid configurations
# ---------------------------------------------------------------------------

DTYPES = ["float64", "float32", "int64", "bool"]


def make_array(rng, shape, dtype):
    """Random data of the given dtype: normals, small integers or booleans."""
    if dtype == "int64":
        return rng.integers(-3, 4, size=shape)
    if dtype == "bool":
        return rng.random(shape) < 0.5
    return rng.standard_normal(shape).astype(dtype)


def expected_dtype(dtype):
    return np.float32 if dtype == "float32" else np.float64


def tolerance(dtype):
    return {"rtol": 1e-4, "atol": 1e-4} if dtype == "float32" else {"rtol": 1e-10, "atol": 1e-10}


@dataclass
class ConvCase:
    x: np.ndarray
    weight: np.ndarray
    bias: np.ndarray | None
    kwargs: dict
    pads: list  # resolved (before, after) per dimension, for the reference
    stride: tuple
    dilation: tuple
    groups: int
    batched: bool
    dtype: str


@st.composite
def conv_cases(
    draw, nd=2, max_extra=5, max_channels=3, max_groups=3, max_kernel=3, max_dilation=2, max_stride=3, dtypes=DTYPES
):
    """A valid convolution call: every padding form, stride, dilation, groups, bias, dtype."""
    groups = draw(st.integers(1, max_groups))
    c_in, c_out = groups * draw(st.integers(1, max_channels)), groups * draw(st.integers(1, max_channels))
    kernel = tuple(draw(st.lists(st.integers(1, max_kernel), min_size=nd, max_size=nd)))
    dilation = tuple(draw(st.lists(st.integers(1, max_dilation), min_size=nd, max_size=nd)))
    padding_form = draw(st.sampled_from(["int", "tuple", "same", "valid"]))
    if padding_form == "same":
        stride = (1,) * nd
        padding, pads = "same", [same_pads(k, d) for k, d in zip(kernel, dilation)]
    else:
        stride = tuple(draw(st.lists(st.integers(1, max_stride), min_size=nd, max_size=nd)))
        if padding_form == "valid":
            padding, pads = "valid", [(0, 0)] * nd
        elif padding_form == "int":
            padding = draw(st.integers(0, 2))
            pads = [(padding, padding)] * nd
        else:
            padding = tuple(draw(st.lists(st.integers(0, 2), min_size=nd, max_size=nd)))
            pads = [(p, p) for p in padding]
    size = []
    for k, d, (lo, hi) in zip(kernel, dilation, pads):
        smallest = max(1, d * (k - 1) + 1 - lo - hi)
        size.append(draw(st.integers(smallest, smallest + max_extra)))
    batch = draw(st.sampled_from([None, 1, 2]))
    dtype = draw(st.sampled_from(dtypes))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x_shape = (c_in, *size) if batch is None else (batch, c_in, *size)
    x = make_array(rng, x_shape, dtype)
    weight = make_array(rng, (c_out, c_in // groups, *kernel), dtype)
    bias = rng.standard_normal(c_out).astype(expected_dtype(dtype)) if draw(st.booleans()) else None
    # ints or tuples for stride and dilation: both spellings must work
    kwargs = {
        "stride": stride[0] if len(set(stride)) == 1 and draw(st.booleans()) else stride,
        "padding": padding,
        "dilation": dilation[0] if len(set(dilation)) == 1 and draw(st.booleans()) else dilation,
        "groups": groups,
    }
    return ConvCase(x, weight, bias, kwargs, pads, stride, dilation, groups, batch is not None, dtype)


def check_against_reference(case, function, nd):
    got = function(case.x, case.weight, case.bias, **case.kwargs)
    x = case.x if case.batched else case.x[None]
    want, multiplications, used = reference_conv(
        x, case.weight, case.bias, case.stride, case.pads, case.dilation, case.groups
    )
    if not case.batched:
        want = want[0]
    assert got.shape == want.shape
    assert got.dtype == expected_dtype(case.dtype)
    np.testing.assert_allclose(got, want, **tolerance(case.dtype))

    c_out, c_group, *kernel = case.weight.shape
    out_size = want.shape[-nd:]
    assert multiplications == x.shape[0] * conv_macs(
        c_group * case.groups, c_out, tuple(kernel), out_size, groups=case.groups
    )
    assert len(used) == conv_params(
        c_group * case.groups, c_out, tuple(kernel), groups=case.groups, bias=case.bias is not None
    )
    for i in range(nd):
        size = x.shape[2 + i]
        lo, hi = case.pads[i]
        if lo == hi:  # conv_output_size knows symmetric padding only
            assert out_size[i] == conv_output_size(size, kernel[i], case.stride[i], lo, case.dilation[i])


# ---------------------------------------------------------------------------
# Convolutions
# ---------------------------------------------------------------------------


@given(conv_cases(nd=2))
def test_conv2d_matches_the_definition(case):
    check_against_reference(case, conv2d, nd=2)


@given(conv_cases(nd=3, max_extra=3, max_channels=2, max_groups=2, max_kernel=2))
def test_conv3d_matches_the_definition(case):
    check_against_reference(case, conv3d, nd=3)


@given(conv_cases(nd=2, max_groups=1, dtypes=["float64"]))
def test_batch_is_a_stack_of_single_examples(case):
    x = case.x if case.batched else case.x[None]
    batched = conv2d(np.concatenate([x, x[::-1]]), case.weight, case.bias, **case.kwargs)
    singles = [conv2d(example, case.weight, case.bias, **case.kwargs) for example in np.concatenate([x, x[::-1]])]
    np.testing.assert_allclose(batched, np.stack(singles), rtol=1e-12, atol=1e-12)


@given(conv_cases(nd=2, dtypes=["float64"]))
def test_strided_views_give_the_same_result_as_copies(case):
    # a reversed view (negative strides) and a transposed copy seen through a transpose (F-order planes)
    x = case.x
    reversed_view = x[..., ::-1].copy()[..., ::-1]
    transposed_view = np.ascontiguousarray(x.swapaxes(-1, -2)).swapaxes(-1, -2)
    want = conv2d(np.ascontiguousarray(x), case.weight, case.bias, **case.kwargs)
    for view in (reversed_view, transposed_view):
        np.testing.assert_array_equal(view, x)
        np.testing.assert_allclose(conv2d(view, case.weight, case.bias, **case.kwargs), want, rtol=1e-12, atol=1e-12)


def test_same_padding_puts_the_odd_zero_after():
    # a 2x2 kernel that picks its top-left tap: with the extra zero after, the map comes back unchanged
    x = np.arange(1.0, 10.0).reshape(1, 3, 3)
    picker = np.array([[[[1.0, 0.0], [0.0, 0.0]]]])
    np.testing.assert_array_equal(conv2d(x, picker, padding="same"), x)
    picker_last = np.array([[[[0.0, 0.0], [0.0, 1.0]]]])
    shifted = conv2d(x, picker_last, padding="same")
    np.testing.assert_array_equal(shifted[0, :2, :2], x[0, 1:, 1:])
    np.testing.assert_array_equal(shifted[0, 2, :], 0.0)


@pytest.mark.parametrize("kernel", [(1, 1), (7, 7), (8, 3)])
def test_large_depthwise_kernels_take_the_im2col_path_with_the_same_result(kernel):
    # more than MAX_SHIFT_AND_ADD_TAPS taps switches strategy; the answer must not change
    rng = np.random.default_rng(0)
    x, weight = rng.standard_normal((2, 3, 12, 11)), rng.standard_normal((3, 1, *kernel))
    got = conv2d(x, weight, padding="same", groups=3)
    pads = [same_pads(k, 1) for k in kernel]
    want, _, _ = reference_conv(x, weight, None, (1, 1), pads, (1, 1), 3)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


def test_pooling_with_a_kernel_as_large_as_the_map():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 40, 60))
    np.testing.assert_array_equal(max_pool2d(x, (40, 60))[:, 0, 0], x.max(axis=(1, 2)))
    np.testing.assert_allclose(avg_pool2d(x, (40, 60))[:, 0, 0], x.mean(axis=(1, 2)), rtol=1e-12)


@pytest.mark.parametrize("dtype", ["float16", ">f4", "<f4"])
def test_small_and_foreign_floats_become_native_float32(dtype):
    x = np.arange(16).reshape(1, 4, 4).astype(dtype)
    w = np.ones((1, 1, 2, 2), dtype=dtype)
    got = conv2d(x, w)
    assert got.dtype == np.float32
    assert got.dtype.isnative
    np.testing.assert_array_equal(got, conv2d(x.astype(np.float64), w.astype(np.float64)))
    assert max_pool2d(x, 2).dtype == np.float32
    assert avg_pool2d(x, 2).dtype == np.float32


def test_native_float_input_is_not_copied_by_the_checks():
    from convutil._validate import as_float_array

    for dtype in (np.float32, np.float64):
        x = np.zeros((2, 3), dtype=dtype)
        assert as_float_array(x, "x") is x


@pytest.mark.parametrize(
    ("call", "shape"),
    [
        (lambda x: conv2d(x, np.zeros((4, 3, 3, 3)), np.zeros(4)), (0, 4, 3, 3)),
        (lambda x: conv2d(x, np.zeros((3, 1, 3, 3)), padding=1, groups=3), (0, 3, 5, 5)),
        (lambda x: conv2d(x, np.zeros((3, 1, 3, 3)), stride=2, groups=3), (0, 3, 2, 2)),
        (lambda x: conv3d(x[:, :, None], np.zeros((2, 3, 1, 3, 3))), (0, 2, 1, 3, 3)),
        (lambda x: max_pool2d(x, 2), (0, 3, 2, 2)),
        (lambda x: avg_pool2d(x, 3, 1, 1), (0, 3, 5, 5)),
        (lambda x: conv_type1(x, np.zeros((2, 3, 3))), (0, 6, 3, 3)),
        (lambda x: conv_type2_1(x, np.zeros((2, 3, 3))), (0, 2, 3, 3)),
    ],
)
def test_empty_batch_gives_an_empty_batch(call, shape):
    out = call(np.zeros((0, 3, 5, 5)))
    assert out.shape == shape


def test_nan_and_inf_propagate_like_ieee_arithmetic():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 7, 7))
    x[0, 1, 1] = np.nan
    x[1, 5, 5] = np.inf
    w = rng.standard_normal((3, 2, 3, 3))
    got = conv2d(x, w, padding=1)
    want, _, _ = reference_conv(x[None], w, None, (1, 1), [(1, 1), (1, 1)], (1, 1), 1)
    np.testing.assert_allclose(got, want[0], rtol=1e-10, atol=1e-10)  # NaNs in the same places
    assert np.isnan(got[:, 0:3, 0:3]).all()  # every window that holds the NaN
    assert np.isinf(got[:, 4:7, 4:7]).all()  # the inf, times finite non-zero weights
    assert np.isfinite(got[:, 4:, :3]).all()  # windows that see neither
    pooled = max_pool2d(x, 2)
    assert np.isnan(pooled[0, 0, 0])
    assert np.isinf(pooled[1, 2, 2])
    assert np.isnan(avg_pool2d(x, 2)[0, 0, 0])


# ---------------------------------------------------------------------------
# Output size and counting
# ---------------------------------------------------------------------------


@given(
    size=st.integers(1, 40),
    kernel=st.integers(1, 9),
    stride=st.integers(1, 5),
    padding=st.integers(0, 4),
    dilation=st.integers(1, 3),
)
def test_conv_output_size_counts_the_windows(size, kernel, stride, padding, dilation):
    count = len(positions(size, kernel, stride, padding, padding, dilation))
    if count == 0:
        with pytest.raises(ValueError, match="kernel_size"):
            conv_output_size(size, kernel, stride, padding, dilation)
    else:
        assert conv_output_size(size, kernel, stride, padding, dilation) == count


@given(
    c_in_per_group=st.integers(1, 4),
    c_out_per_group=st.integers(1, 4),
    groups=st.integers(1, 3),
    kernel=st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3))),
    bias=st.booleans(),
)
def test_conv_params_counts_every_weight_and_bias(c_in_per_group, c_out_per_group, groups, kernel, bias):
    c_in, c_out = c_in_per_group * groups, c_out_per_group * groups
    k = (kernel, kernel) if isinstance(kernel, int) else kernel
    # list every connection (output map, input map, tap) a grouped layer has, each with its own weight
    connections = [
        (o, c, u, v)
        for o in range(c_out)
        for c in range(c_in)
        if c // c_in_per_group == o // c_out_per_group
        for u in range(k[0])
        for v in range(k[1])
    ]
    assert conv_params(c_in, c_out, kernel, groups=groups, bias=bias) == len(connections) + (c_out if bias else 0)


# ---------------------------------------------------------------------------
# Pooling
# ---------------------------------------------------------------------------


@st.composite
def pool_cases(draw, max_kernel=3, max_size=8, max_channels=3):
    kernel = (draw(st.integers(1, max_kernel)), draw(st.integers(1, max_kernel)))
    padding = (draw(st.integers(0, kernel[0] // 2)), draw(st.integers(0, kernel[1] // 2)))
    stride = draw(st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    size = [draw(st.integers(max(1, k - 2 * p), max(k, max_size))) for k, p in zip(kernel, padding)]
    batch = draw(st.sampled_from([None, 1, 2]))
    dtype = draw(st.sampled_from(DTYPES))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    channels = draw(st.integers(1, max_channels))
    x = make_array(rng, (channels, *size) if batch is None else (batch, channels, *size), dtype)
    # spell kernel and padding as ints when square (both spellings must work)
    spell = draw(st.booleans())
    k_arg = kernel[0] if spell and kernel[0] == kernel[1] else kernel
    p_arg = padding[0] if spell and padding[0] == padding[1] else padding
    return x, kernel, stride, padding, k_arg, p_arg, batch is not None, dtype


@pytest.mark.parametrize(("function", "kind"), [(max_pool2d, "max"), (avg_pool2d, "avg")])
@given(case=pool_cases())
def test_pooling_matches_the_definition(function, kind, case):
    x, kernel, stride, padding, k_arg, p_arg, batched, dtype = case
    got = function(x, k_arg, stride, p_arg)
    want = reference_pool(x if batched else x[None], kernel, stride or kernel, padding, kind)
    want = want if batched else want[0]
    assert got.shape == want.shape
    assert got.dtype == expected_dtype(dtype)
    np.testing.assert_allclose(got, want, **tolerance(dtype))


# ---------------------------------------------------------------------------
# The question's three types
# ---------------------------------------------------------------------------


@st.composite
def type_cases(draw):
    channels, n_kernels = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    pad = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    size = [max(1, d * (k - 1) + 1 - 2 * p) + draw(st.integers(0, 4)) for k, d, p in zip(kernel, dilation, pad)]
    batch = draw(st.sampled_from([None, 2]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal((channels, *size) if batch is None else (batch, channels, *size))
    kernels = rng.standard_normal((n_kernels, *kernel))
    bias = rng.standard_normal(n_kernels) if draw(st.booleans()) else None
    kwargs = {"stride": stride, "padding": pad, "dilation": dilation}
    pads = [(p, p) for p in pad]
    return x, kernels, bias, kwargs, pads, batch is not None


@given(type_cases())
def test_type1_applies_every_kernel_to_every_map_separately(case):
    x, kernels, bias, kwargs, pads, batched = case
    xb = x if batched else x[None]
    n_kernels = kernels.shape[0]
    maps = [
        [
            corr2d(xb[n, c], kernels[k], kwargs["stride"], pads, kwargs["dilation"]) + (0 if bias is None else bias[k])
            for c in range(xb.shape[1])
            for k in range(n_kernels)  # map c*K + k
        ]
        for n in range(xb.shape[0])
    ]
    want = np.array(maps) if batched else np.array(maps)[0]
    np.testing.assert_allclose(conv_type1(x, kernels, bias, **kwargs), want, rtol=1e-10, atol=1e-10)


@given(type_cases())
def test_type2_1_shares_one_kernel_across_the_maps(case):
    x, kernels, bias, kwargs, pads, batched = case
    xb = x if batched else x[None]
    maps = [
        [
            sum(corr2d(xb[n, c], kernels[k], kwargs["stride"], pads, kwargs["dilation"]) for c in range(xb.shape[1]))
            + (0 if bias is None else bias[k])
            for k in range(kernels.shape[0])
        ]
        for n in range(xb.shape[0])
    ]
    want = np.array(maps) if batched else np.array(maps)[0]
    np.testing.assert_allclose(conv_type2_1(x, kernels, bias, **kwargs), want, rtol=1e-10, atol=1e-10)


@given(type_cases(), st.integers(0, 2**32 - 1))
def test_type2_2_gives_each_filter_its_own_kernel_per_map(case, seed):
    x, kernels, bias, kwargs, pads, batched = case
    xb = x if batched else x[None]
    weight = np.random.default_rng(seed).standard_normal((kernels.shape[0], xb.shape[1], *kernels.shape[1:]))
    maps = [
        [
            sum(corr2d(xb[n, c], weight[k, c], kwargs["stride"], pads, kwargs["dilation"]) for c in range(xb.shape[1]))
            + (0 if bias is None else bias[k])
            for k in range(weight.shape[0])
        ]
        for n in range(xb.shape[0])
    ]
    want = np.array(maps) if batched else np.array(maps)[0]
    np.testing.assert_allclose(conv_type2_2(x, weight, bias, **kwargs), want, rtol=1e-10, atol=1e-10)


def test_types_keep_float32_and_promote_integers():
    x32 = np.ones((2, 5, 5), dtype=np.float32)
    k32 = np.ones((3, 3, 3), dtype=np.float32)
    assert conv_type1(x32, k32).dtype == np.float32
    assert conv_type2_1(x32, k32).dtype == np.float32
    assert conv_type2_2(x32, np.ones((3, 2, 3, 3), dtype=np.float32)).dtype == np.float32
    assert conv_type1(np.ones((2, 5, 5), dtype=int), np.ones((3, 3, 3), dtype=int)).dtype == np.float64


def test_public_api_is_exported():
    for name in convutil.__all__:
        assert callable(getattr(convutil, name))
