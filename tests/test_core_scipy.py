"""One map, one kernel: convutil against SciPy's signal processing.

``scipy.signal.correlate2d`` is exactly deep learning's "convolution" on a
single channel. ``scipy.signal.convolve2d`` is the convolution of signal
processing: it flips the kernel first. A network learns its kernels, so
flipping would only relabel the learned numbers: frameworks skip the flip.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from convutil import conv2d

signal = pytest.importorskip("scipy.signal")


@st.composite
def map_and_kernel(draw):
    kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    h, w = draw(st.integers(kh, kh + 8)), draw(st.integers(kw, kw + 8))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return rng.standard_normal((h, w)), rng.standard_normal((kh, kw))


def conv_one(image, kernel, **kwargs):
    """conv2d on one map with one kernel, back to 2D."""
    return conv2d(image[None], kernel[None, None], **kwargs)[0]


@given(map_and_kernel())
def test_valid_mode_is_correlate2d(case):
    image, kernel = case
    np.testing.assert_allclose(
        conv_one(image, kernel), signal.correlate2d(image, kernel, mode="valid"), rtol=1e-12, atol=1e-12
    )


@given(map_and_kernel())
def test_full_mode_is_padding_by_kernel_minus_one(case):
    image, kernel = case
    kh, kw = kernel.shape
    got = conv_one(image, kernel, padding=(kh - 1, kw - 1))
    np.testing.assert_allclose(got, signal.correlate2d(image, kernel, mode="full"), rtol=1e-12, atol=1e-12)


@given(map_and_kernel())
def test_same_mode_differs_from_scipy_only_for_even_kernels(case):
    image, kernel = case
    (h, w), (kh, kw) = image.shape, kernel.shape
    full = signal.correlate2d(image, kernel, mode="full")
    got = conv_one(image, kernel, padding="same")
    # PyTorch's "same" puts the odd zero after, so it starts ceil((k-1)/2) into the full result
    r0, c0 = kh - 1 - (kh - 1) // 2, kw - 1 - (kw - 1) // 2
    np.testing.assert_allclose(got, full[r0 : r0 + h, c0 : c0 + w], rtol=1e-12, atol=1e-12)
    if kh % 2 and kw % 2:  # odd kernels: the same as SciPy's "same"
        np.testing.assert_allclose(got, signal.correlate2d(image, kernel, mode="same"), rtol=1e-12, atol=1e-12)


@given(map_and_kernel())
def test_convolve2d_is_conv2d_with_the_kernel_flipped(case):
    image, kernel = case
    flipped = kernel[::-1, ::-1]
    np.testing.assert_allclose(
        conv_one(image, flipped), signal.convolve2d(image, kernel, mode="valid"), rtol=1e-12, atol=1e-12
    )


def test_a_lopsided_kernel_tells_the_two_apart():
    image = np.zeros((5, 5))
    image[2, 2] = 1.0  # one bright pixel
    kernel = np.arange(1.0, 10.0).reshape(3, 3)
    correlated = conv_one(image, kernel, padding=1)
    convolved = signal.convolve2d(image, kernel, mode="same")
    np.testing.assert_array_equal(convolved[1:4, 1:4], kernel)  # convolution stamps the kernel
    np.testing.assert_array_equal(correlated[1:4, 1:4], kernel[::-1, ::-1])  # correlation stamps it flipped
