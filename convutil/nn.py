"""Layers that carry their own behaviour: shapes, counts, forward and backward.

A network is a plain list of layer specifications, named after the PyTorch
modules they mirror. Each specification keeps together everything that belongs
to its operation (the micrograd habit), so no other module needs a ladder of
``isinstance`` tests:

* :class:`Conv2d` -- the standard convolution (type 2.2, with ``groups``);
  learns ``weight`` ``(C_out, C_in / groups, kH, kW)`` and ``bias``;
* :class:`ConvType1` -- every 2D kernel on every map separately (type 1);
  learns ``weight`` ``(K, kH, kW)`` and ``bias`` ``(K,)``;
* :class:`ConvType2_1` -- one 2D kernel shared by all maps, results summed
  (type 2.1); learns the same shapes as type 1;
* :class:`MaxPool2d`, :class:`AvgPool2d` -- pooling, each map on its own;
* :class:`GlobalAvgPool` -- the mean of every map, one number per map;
* :class:`ReLU`, :class:`Flatten`;
* :class:`Linear` -- a fully connected layer; learns ``weight`` ``(out, in)`` and ``bias``.

Every layer answers, for one example of input shape ``shape``:
``output_shape(shape)``, ``param_shapes(shape)``, ``macs(shape)`` and
``window()`` (kernel size, stride and dilation, for the receptive field); and,
for a batch, ``forward(x, params)`` and ``backward(grad_out, x, params)``,
which returns the gradient with respect to ``x`` and a dict of parameter
gradients. The backward passes are convutil's own
(:func:`convutil.core.conv2d_backward` and the pooling ones); the type 1 and
type 2.1 layers are written as a standard convolution with tied kernels, so
their kernel gradients are sums of a standard weight gradient:

* type 1 is a depthwise convolution (``groups=C``) whose ``C*K`` filters are
  the ``K`` kernels tiled once per map: kernel ``k``'s gradient is the sum of
  the gradients of its ``C`` copies;
* type 2.1 is a standard convolution whose filter ``k`` repeats kernel ``k``
  for every input map: kernel ``k``'s gradient is the sum, over input maps, of
  filter ``k``'s weight gradient.

Module functions run a whole network: :func:`layer_shapes`,
:func:`init_params`, :func:`forward`, :func:`backward`, and the loss
:func:`softmax_cross_entropy`. :mod:`convutil.summary` tabulates a network,
:mod:`convutil.train` trains one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

from . import core
from ._validate import as_float_array, as_int, as_tuple
from .core import avg_pool2d, conv2d, conv_output_size, max_pool2d
from .counting import conv_macs
from .types import conv_type1, conv_type2_1

__all__ = [
    "Layer",
    "Conv2d",
    "ConvType1",
    "ConvType2_1",
    "MaxPool2d",
    "AvgPool2d",
    "GlobalAvgPool",
    "ReLU",
    "Flatten",
    "Linear",
    "LAYERS",
    "layer_shapes",
    "init_params",
    "forward",
    "backward",
    "softmax_cross_entropy",
]

_POINTWISE = ((1, 1), (1, 1), (1, 1))


class Layer:
    """What every layer specification answers (defaults: no parameters, no MACs, shape kept)."""

    #: the field shown without its name in the repr (``Conv2d(6, ...)``)
    _lead = None

    def __repr__(self) -> str:
        shown = []
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, tuple) and len(set(value)) == 1:
                value = value[0]
            if f.name == "name" or value == f.default:
                continue
            shown.append(f"{value!r}" if f.name == self._lead else f"{f.name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"

    @property
    def label(self) -> str:
        """The layer's repr, after its name if it has one (``"C1: Conv2d(6, kernel_size=5)"``)."""
        return f"{self.name}: {self!r}" if self.name else repr(self)

    def output_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """Shape of one output example; ValueError when the layer does not fit ``shape``."""
        return shape

    def param_shapes(self, shape: tuple[int, ...]) -> dict:
        """``{"weight": shape, "bias": shape or None}`` for a learning layer, else ``{}``."""
        return {}

    def fan_in(self, shape: tuple[int, ...]) -> int:
        """Inputs of one output value through distinct weights (for He initialisation)."""
        return 1

    def macs(self, shape: tuple[int, ...]) -> int:
        """Multiply-accumulates for one example (weights times inputs; biases not counted)."""
        return 0

    def window(self):
        """``(kernel_size, stride, dilation)`` pairs of a sliding window, or None if every input counts."""
        return _POINTWISE

    def forward(self, x: np.ndarray, params) -> np.ndarray:
        """The layer's output for ``x`` (one example or a batch)."""
        raise NotImplementedError

    def backward(self, grad_out: np.ndarray, x: np.ndarray, params) -> tuple[np.ndarray, dict]:
        """``(grad_x, {name: gradient})`` given the gradient of the loss with respect to the output."""
        raise NotImplementedError


def _volume(shape):
    if len(shape) != 3:
        raise ValueError(f"needs a (C, H, W) volume but receives shape {shape}; put it before Flatten()")


def _sizes(shape, kernel_size, stride, padding, dilation=(1, 1)):
    _volume(shape)
    try:
        return tuple(map(conv_output_size, shape[1:], kernel_size, stride, padding, dilation))
    except ValueError as exc:
        raise ValueError(f"does not fit its input of shape {shape}: {exc}") from None


def _setup_conv(spec, count_field):
    """Validate and normalise the fields every convolution layer shares."""
    kind = type(spec).__name__
    object.__setattr__(spec, count_field, as_int(getattr(spec, count_field), f"{kind} {count_field}", minimum=1))
    for arg, minimum in (("kernel_size", 1), ("stride", 1), ("padding", 0), ("dilation", 1)):
        object.__setattr__(spec, arg, as_tuple(getattr(spec, arg), f"{kind} {arg}", 2, minimum=minimum))
    if not isinstance(spec.bias, bool):
        raise TypeError(f"{kind} bias must be True or False, got {spec.bias!r}")


class _Conv(Layer):
    """Behaviour shared by the three convolution layers."""

    def conv_kwargs(self) -> dict:
        """``stride``, ``padding`` and ``dilation``, as :func:`convutil.conv2d` takes them."""
        return {"stride": self.stride, "padding": self.padding, "dilation": self.dilation}

    def window(self):
        return self.kernel_size, self.stride, self.dilation

    def _spatial(self, shape):
        return _sizes(shape, self.kernel_size, self.stride, self.padding, self.dilation)


@dataclass(frozen=True, repr=False)
class Conv2d(_Conv):
    """A convolution layer (type 2.2): ``c_out`` filters, each ``C_in / groups`` kernels deep.

    Parameters
    ----------
    c_out : int
        Number of filters = number of output feature maps.
    kernel_size : int or (int, int)
    stride, dilation : int or (int, int), default 1
    padding : int or (int, int), default 0
        Zeros on each side (``"same"`` is not accepted here: give the number).
    groups : int, default 1
        ``groups=C_in`` with ``c_out = K * C_in`` is a depthwise convolution.
    bias : bool, default True
    name : str, optional
        A label for tables, e.g. ``"C1"``.

    Examples
    --------
    >>> conv = Conv2d(6, 5, padding=2)
    >>> conv
    Conv2d(6, kernel_size=5, padding=2)
    >>> conv.output_shape((1, 28, 28)), conv.param_shapes((1, 28, 28))["weight"]
    ((6, 28, 28), (6, 1, 5, 5))
    """

    c_out: int
    kernel_size: int | tuple[int, int]
    stride: int | tuple[int, int] = 1
    padding: int | tuple[int, int] = 0
    dilation: int | tuple[int, int] = 1
    groups: int = 1
    bias: bool = True
    name: str | None = None
    _lead = "c_out"

    def __post_init__(self):
        _setup_conv(self, "c_out")
        object.__setattr__(self, "groups", as_int(self.groups, "Conv2d groups", minimum=1))
        if self.c_out % self.groups:
            raise ValueError(f"Conv2d groups={self.groups} does not divide c_out={self.c_out}")

    def output_shape(self, shape):
        _volume(shape)
        if shape[0] % self.groups:
            raise ValueError(f": groups={self.groups} does not divide the {shape[0]} input maps (shape {shape})")
        return (self.c_out, *self._spatial(shape))

    def param_shapes(self, shape):
        weight = (self.c_out, shape[0] // self.groups, *self.kernel_size)
        return {"weight": weight, "bias": (self.c_out,) if self.bias else None}

    def fan_in(self, shape):
        return shape[0] // self.groups * math.prod(self.kernel_size)

    def macs(self, shape):
        return conv_macs(shape[0], self.c_out, self.kernel_size, self._spatial(shape), groups=self.groups)

    def forward(self, x, params):
        return conv2d(x, params["weight"], params["bias"], groups=self.groups, **self.conv_kwargs())

    def backward(self, grad_out, x, params):
        gx, gw, gb = core.conv2d_backward(grad_out, x, params["weight"], groups=self.groups, **self.conv_kwargs())
        return gx, {"weight": gw, "bias": gb if params["bias"] is not None else None}


@dataclass(frozen=True, repr=False)
class _SharedKernels(_Conv):
    """Fields of the type 1 and type 2.1 layers: ``kernels`` 2D kernels, each used on several maps."""

    kernels: int
    kernel_size: int | tuple[int, int]
    stride: int | tuple[int, int] = 1
    padding: int | tuple[int, int] = 0
    dilation: int | tuple[int, int] = 1
    bias: bool = True
    name: str | None = None
    _lead = "kernels"

    def __post_init__(self):
        _setup_conv(self, "kernels")

    def param_shapes(self, shape):
        return {"weight": (self.kernels, *self.kernel_size), "bias": (self.kernels,) if self.bias else None}


class ConvType1(_SharedKernels):
    """The type 1 layer: ``kernels`` 2D kernels, each applied to every input map on its own.

    ``C`` input maps give ``C * kernels`` output maps (map ``c*K + k`` is kernel
    ``k`` on map ``c``, plus ``bias[k]``), none of which mixes two maps; see
    :func:`convutil.conv_type1`. Parameters: ``weight`` of shape
    ``(kernels, kH, kW)`` and ``bias`` of shape ``(kernels,)``.

    Examples
    --------
    >>> layer = ConvType1(3, 5, padding=2)
    >>> layer.output_shape((4, 10, 10)), layer.param_shapes((4, 10, 10))["weight"]
    ((12, 10, 10), (3, 5, 5))
    """

    def output_shape(self, shape):
        return (shape[0] * self.kernels, *self._spatial(shape))

    def fan_in(self, shape):
        return math.prod(self.kernel_size)

    def macs(self, shape):
        c = shape[0]
        return conv_macs(c, c * self.kernels, self.kernel_size, self._spatial(shape), groups=c)

    def forward(self, x, params):
        return conv_type1(x, params["weight"], params["bias"], **self.conv_kwargs())

    def backward(self, grad_out, x, params):
        c, (k, kh, kw) = x.shape[-3], params["weight"].shape
        tiled = np.tile(params["weight"], (c, 1, 1))[:, None]  # (C*K, 1, kH, kW): map c*K+k uses kernel k
        gx, gw, gb = core.conv2d_backward(grad_out, x, tiled, groups=c, **self.conv_kwargs())
        grads = {"weight": gw.reshape(c, k, kh, kw).sum(axis=0), "bias": None}
        if params["bias"] is not None:
            grads["bias"] = gb.reshape(c, k).sum(axis=0)
        return gx, grads


class ConvType2_1(_SharedKernels):
    """The type 2.1 layer: ``kernels`` 2D kernels, each shared by all input maps, results summed.

    ``kernels`` output maps; by linearity each one is its kernel applied to the
    *sum* of the input maps (see :func:`convutil.conv_type2_1`). MACs are
    counted as the layer is written, every kernel on every map (summing the
    maps first would need ``C`` times fewer).

    Examples
    --------
    >>> layer = ConvType2_1(3, 5, padding=2)
    >>> layer.output_shape((4, 10, 10)), layer.param_shapes((4, 10, 10))["weight"]
    ((3, 10, 10), (3, 5, 5))
    """

    def output_shape(self, shape):
        return (self.kernels, *self._spatial(shape))

    def fan_in(self, shape):
        return shape[0] * math.prod(self.kernel_size)

    def macs(self, shape):
        return conv_macs(shape[0], self.kernels, self.kernel_size, self._spatial(shape))

    def forward(self, x, params):
        return conv_type2_1(x, params["weight"], params["bias"], **self.conv_kwargs())

    def backward(self, grad_out, x, params):
        w = params["weight"]
        repeated = np.broadcast_to(w[:, None], (w.shape[0], x.shape[-3], *w.shape[1:]))  # filter k = kernel k, C times
        gx, gw, gb = core.conv2d_backward(grad_out, x, repeated, **self.conv_kwargs())
        return gx, {"weight": gw.sum(axis=1), "bias": gb if params["bias"] is not None else None}


@dataclass(frozen=True, repr=False)
class _Pool(Layer):
    kernel_size: int | tuple[int, int]
    stride: int | tuple[int, int] | None = None
    padding: int | tuple[int, int] = 0
    name: str | None = None

    def __post_init__(self):
        kind = type(self).__name__
        k = as_tuple(self.kernel_size, f"{kind} kernel_size", 2, minimum=1)
        object.__setattr__(self, "kernel_size", k)
        if self.stride is not None:
            object.__setattr__(self, "stride", as_tuple(self.stride, f"{kind} stride", 2, minimum=1))
        p = as_tuple(self.padding, f"{kind} padding", 2, minimum=0)
        object.__setattr__(self, "padding", p)
        if any(2 * pi > ki for pi, ki in zip(p, k)):
            raise ValueError(f"{kind} padding={p} must be at most half of kernel_size={k} (as in PyTorch)")

    @property
    def step(self) -> tuple[int, int]:
        """The stride actually used (``kernel_size`` when ``stride`` is None)."""
        return self.kernel_size if self.stride is None else self.stride

    def output_shape(self, shape):
        return (shape[0], *_sizes(shape, self.kernel_size, self.step, self.padding))

    def window(self):
        return self.kernel_size, self.step, (1, 1)

    def _args(self):
        return self.kernel_size, self.stride, self.padding


class MaxPool2d(_Pool):
    """Max pooling, each map on its own (stride defaults to ``kernel_size``).

    Examples
    --------
    >>> MaxPool2d(2).output_shape((6, 28, 28))
    (6, 14, 14)
    """

    def forward(self, x, params):
        return max_pool2d(x, *self._args())

    def backward(self, grad_out, x, params):
        return core.max_pool2d_backward(grad_out, x, *self._args()), {}


class AvgPool2d(_Pool):
    """Average pooling, each map on its own; zero padding counts in the mean.

    Examples
    --------
    >>> AvgPool2d(3, stride=2, padding=1)
    AvgPool2d(kernel_size=3, stride=2, padding=1)
    """

    def forward(self, x, params):
        return avg_pool2d(x, *self._args())

    def backward(self, grad_out, x, params):
        return core.avg_pool2d_backward(grad_out, x, *self._args()), {}


@dataclass(frozen=True, repr=False)
class GlobalAvgPool(Layer):
    """The mean of every map: ``(C, H, W)`` becomes ``(C,)``; no two maps are combined.

    PyTorch's ``AdaptiveAvgPool2d(1)`` followed by ``Flatten()``; see
    :func:`convutil.crossmap.global_avg_pool2d`.

    Examples
    --------
    >>> GlobalAvgPool().output_shape((16, 7, 7))
    (16,)
    """

    name: str | None = None

    def output_shape(self, shape):
        _volume(shape)
        return (shape[0],)

    def window(self):
        return None

    def forward(self, x, params):
        return x.mean(axis=(-2, -1))

    def backward(self, grad_out, x, params):
        area = x.shape[-2] * x.shape[-1]
        return np.broadcast_to((grad_out / area)[..., None, None], x.shape).copy(), {}


@dataclass(frozen=True, repr=False)
class ReLU(Layer):
    """``max(0, x)`` elementwise: shape unchanged, no parameters."""

    name: str | None = None

    def forward(self, x, params):
        return np.maximum(x, 0)

    def backward(self, grad_out, x, params):
        return grad_out * (x > 0), {}


@dataclass(frozen=True, repr=False)
class Flatten(Layer):
    """Turn a ``(C, H, W)`` volume into a vector of ``C*H*W`` numbers (C first, as PyTorch)."""

    name: str | None = None

    def output_shape(self, shape):
        return (math.prod(shape),)

    def forward(self, x, params):
        return x.reshape(x.shape[0], -1) if x.ndim == 4 else x.reshape(-1)

    def backward(self, grad_out, x, params):
        return grad_out.reshape(x.shape), {}


@dataclass(frozen=True, repr=False)
class Linear(Layer):
    """A fully connected layer on a flat vector: ``y = W x + b``.

    Parameters
    ----------
    out_features : int
    bias : bool, default True
    name : str, optional

    Examples
    --------
    >>> Linear(10).param_shapes((400,))
    {'weight': (10, 400), 'bias': (10,)}
    """

    out_features: int
    bias: bool = True
    name: str | None = None
    _lead = "out_features"

    def __post_init__(self):
        object.__setattr__(self, "out_features", as_int(self.out_features, "Linear out_features", minimum=1))
        if not isinstance(self.bias, bool):
            raise TypeError(f"Linear bias must be True or False, got {self.bias!r}")

    def output_shape(self, shape):
        if len(shape) != 1:
            raise ValueError(f"needs a flat vector but receives shape {shape}; put Flatten() before it")
        return (self.out_features,)

    def param_shapes(self, shape):
        return {"weight": (self.out_features, shape[0]), "bias": (self.out_features,) if self.bias else None}

    def fan_in(self, shape):
        return shape[0]

    def macs(self, shape):
        return shape[0] * self.out_features

    def window(self):
        return None

    def forward(self, x, params):
        y = x @ np.asarray(params["weight"]).T
        return y if params["bias"] is None else y + params["bias"]

    def backward(self, grad_out, x, params):
        g2, x2 = grad_out.reshape(-1, self.out_features), x.reshape(-1, x.shape[-1])
        grads = {"weight": g2.T @ x2, "bias": None if params["bias"] is None else g2.sum(axis=0)}
        return grad_out @ params["weight"], grads


#: Every layer specification a network may contain.
LAYERS = (Conv2d, ConvType1, ConvType2_1, MaxPool2d, AvgPool2d, GlobalAvgPool, ReLU, Flatten, Linear)


def _check_layers(layers) -> list:
    if isinstance(layers, Layer):
        raise TypeError("layers must be a list of layer specifications, got a single layer; wrap it in [ ]")
    try:
        layers = list(layers)
    except TypeError:
        raise TypeError(f"layers must be a list of layer specifications, got {type(layers).__name__}") from None
    if not layers:
        raise ValueError("layers must not be empty")
    for i, layer in enumerate(layers, start=1):
        if not isinstance(layer, Layer):
            names = ", ".join(s.__name__ for s in LAYERS)
            raise TypeError(f"layer {i} must be one of {names}; got {layer!r} ({type(layer).__name__})")
    return layers


def layer_shapes(layers, input_shape) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Check a network against one example's shape: ``(input shape, output shape)`` of every layer.

    Parameters
    ----------
    layers : list of layer specifications
    input_shape : (int, int, int)
        ``(C, H, W)`` of one example.

    Raises
    ------
    TypeError, ValueError
        For a malformed list or a layer that does not fit what it receives; the
        message names the layer (``layer 3 (Conv2d(16, kernel_size=5))``) and the shape.

    Examples
    --------
    >>> layer_shapes([Conv2d(4, 3), ReLU(), GlobalAvgPool()], (1, 8, 8))
    [((1, 8, 8), (4, 6, 6)), ((4, 6, 6), (4, 6, 6)), ((4, 6, 6), (4,))]
    """
    layers = _check_layers(layers)
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3:
        raise ValueError(f"input_shape must be (C, H, W) for one example, got {input_shape!r}")
    shape = as_tuple(input_shape, "input_shape", 3, minimum=1)
    result = []
    for i, layer in enumerate(layers, start=1):
        try:
            out = layer.output_shape(shape)
        except ValueError as exc:
            sep = "" if str(exc).startswith(":") else " "
            raise ValueError(f"layer {i} ({layer.label}){sep}{exc}") from None
        result.append((shape, tuple(out)))
        shape = tuple(out)
    return result


def init_params(layers, input_shape, *, seed: int = 0) -> list[dict | None]:
    """Seeded random weights for every layer that has any (He initialisation).

    Weights are normal with standard deviation ``sqrt(2 / fan_in)`` (fan_in =
    inputs of one output value), biases are zero, so that a real image keeps a
    sensible range as it passes through ReLU layers.

    Parameters
    ----------
    layers : list of layer specifications
    input_shape : (int, int, int)
    seed : int, default 0

    Returns
    -------
    list of dict or None
        For each layer: ``{"weight": ..., "bias": ...}`` (``bias`` may be None)
        with PyTorch's shapes (``(c_out, c_in // groups, kH, kW)`` for a
        convolution, ``(out_features, in_features)`` for a linear layer), or
        None for layers without parameters.

    Examples
    --------
    >>> p = init_params([Conv2d(4, 3), ReLU(), Flatten(), Linear(2)], (2, 5, 5))
    >>> p[0]["weight"].shape, p[1], p[3]["weight"].shape
    ((4, 2, 3, 3), None, (2, 36))
    """
    shapes = layer_shapes(layers, input_shape)
    rng = np.random.default_rng(seed)
    params = []
    for layer, (shape, _) in zip(layers, shapes):
        wanted = layer.param_shapes(shape)
        if not wanted:
            params.append(None)
            continue
        scale = math.sqrt(2 / layer.fan_in(shape))
        bias = None if wanted["bias"] is None else np.zeros(wanted["bias"])
        params.append({"weight": rng.normal(scale=scale, size=wanted["weight"]), "bias": bias})
    return params


def forward(layers, x, params=None, *, seed: int = 0) -> list[np.ndarray]:
    """Run a network with convutil's functions and return every layer's output.

    Parameters
    ----------
    layers : list of layer specifications
    x : array_like, shape (C, H, W) or (N, C, H, W)
        One example or a batch.
    params : list, optional
        Weights as returned by :func:`init_params` (one entry per layer); by
        default ``init_params(layers, x.shape[-3:], seed=seed)``.
    seed : int, default 0

    Returns
    -------
    list of ndarray
        The output of each layer in turn (the volumes of the network); the
        last one is the network's output.

    Examples
    --------
    >>> import numpy as np
    >>> outs = forward([Conv2d(3, 3, padding=1), ReLU(), MaxPool2d(2)], np.ones((1, 4, 4)))
    >>> [o.shape for o in outs]
    [(3, 4, 4), (3, 4, 4), (3, 2, 2)]
    """
    layers = _check_layers(layers)
    x = as_float_array(x, "x", (3, 4))
    if params is None:
        params = init_params(layers, x.shape[-3:], seed=seed)
    else:
        layer_shapes(layers, x.shape[-3:])
        if len(params) != len(layers):
            raise ValueError(f"params must have one entry per layer ({len(layers)}), got {len(params)}")
    outputs = []
    for layer, p in zip(layers, params):
        x = layer.forward(x, p)
        outputs.append(x)
    return outputs


def backward(layers, params, x, outputs, grad_out) -> tuple[np.ndarray, list[dict | None]]:
    """Backpropagate ``grad_out`` (gradient of the loss w.r.t. the network's output) through every layer.

    Parameters
    ----------
    layers, params : as for :func:`forward`
    x : ndarray
        The network's input (as given to :func:`forward`).
    outputs : list of ndarray
        What :func:`forward` returned for ``x`` (every layer's input is kept there).
    grad_out : ndarray, shape of ``outputs[-1]``

    Returns
    -------
    grad_x : ndarray, shape of ``x``
    grads : list of dict or None
        For each layer, the gradients of its parameters (same keys and shapes
        as ``params``), or None for layers without parameters.

    Examples
    --------
    >>> import numpy as np
    >>> net = [Flatten(), Linear(1, bias=False)]
    >>> params = [None, {"weight": np.array([[2.0, 3.0]]), "bias": None}]
    >>> x = np.ones((1, 1, 1, 2))                       # a batch of one 1 x 1 x 2 volume
    >>> outputs = forward(net, x, params)               # 2 * 1 + 3 * 1
    >>> grad_x, grads = backward(net, params, x, outputs, np.ones((1, 1)))
    >>> grad_x.ravel().tolist(), grads[1]["weight"].tolist()
    ([2.0, 3.0], [[1.0, 1.0]])
    """
    if grad_out.shape != outputs[-1].shape:
        raise ValueError(f"grad_out must have the output's shape {outputs[-1].shape}, got {grad_out.shape}")
    inputs = [x, *outputs[:-1]]
    grads = [None] * len(layers)
    grad = grad_out
    for i in reversed(range(len(layers))):
        grad, g = layers[i].backward(grad, inputs[i], params[i])
        if params[i] is not None:
            grads[i] = g
    return grad, grads


def softmax_cross_entropy(logits, labels) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of softmax(logits) against integer labels, and its gradient.

    The loss of one example is ``-log p[label]`` with ``p = softmax(logits)``;
    its gradient with respect to the logits is ``p - onehot(label)``, divided
    here by the batch size because the loss is the batch mean.

    Parameters
    ----------
    logits : array_like, shape (N, classes)
    labels : array_like of int, shape (N,)

    Returns
    -------
    loss : float
    grad : ndarray, shape (N, classes)

    Examples
    --------
    >>> import numpy as np
    >>> loss, grad = softmax_cross_entropy(np.zeros((2, 4)), [0, 3])
    >>> round(loss, 6) == round(float(np.log(4)), 6), grad[0].tolist()
    (True, [-0.375, 0.125, 0.125, 0.125])
    """
    z = as_float_array(logits, "logits", (2,))
    y = np.asarray(labels)
    if y.shape != z.shape[:1] or y.dtype.kind not in "iu":
        raise ValueError(
            f"labels must be {z.shape[0]} integers (one per row of logits {z.shape}), got {y.dtype} {y.shape}"
        )
    if y.size and (y.min() < 0 or y.max() >= z.shape[1]):
        raise ValueError(f"labels must lie in 0..{z.shape[1] - 1}, got values from {y.min()} to {y.max()}")
    z = z - z.max(axis=1, keepdims=True)  # same softmax, no overflow
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    rows = np.arange(len(y))
    loss = -float(log_p[rows, y].mean())
    grad = np.exp(log_p)
    grad[rows, y] -= 1
    return loss, grad / len(y)
