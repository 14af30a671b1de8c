"""Historical architectures as plain data, with their parameters and MACs counted.

The layer specifications of three networks that the course uses as evidence,
written down from their papers, and a few functions that count their learned
parameters and multiply-accumulates (MACs) with :func:`convutil.conv_params`
and :func:`convutil.conv_macs`. Nothing here runs a network and nothing is
downloaded: the numbers are recomputed from the layer shapes alone.

* LeNet-5's layer C3 (LeCun et al. 1998): 16 maps over S2's 6 maps, connected
  by the paper's Table I, not all-to-all (:func:`lenet5_c3_table`).
* AlexNet (Krizhevsky et al. 2012): five convolution layers, three with the
  two-GPU split (``groups=2``), and three fully connected layers
  (:func:`alexnet`, as layer specifications for :func:`convutil.summary.summary`).
* GoogLeNet (Szegedy et al. 2015): the filter counts of its nine inception
  modules (:data:`INCEPTION`).

Conventions: channels-first, PyTorch's output-size formula
(:func:`convutil.conv_output_size`), MACs per example, biases are additions
(not counted as MACs). Per-layer tables are :mod:`convutil.summary`'s job.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import as_int
from .counting import conv_macs, conv_params
from .nn import Conv2d, Flatten, Linear, MaxPool2d

__all__ = [
    "alexnet",
    "ALEXNET_INPUT",
    "Inception",
    "INCEPTION",
    "lenet5_c3_table",
    "table_params",
    "table_connections",
]


#: The input AlexNet's layer sizes work out for: one 227x227 RGB image (the paper says 224).
ALEXNET_INPUT = (3, 227, 227)


def alexnet(*, groups: int = 2) -> list:
    """AlexNet (Krizhevsky, Sutskever and Hinton 2012) as :mod:`convutil.summary` layer specifications.

    Five convolution layers, three overlapping 3x3 stride-2 max poolings and
    three fully connected layers. With ``groups=2`` (the default, as in the
    paper) conv2, conv4 and conv5 see only the maps on their own GPU; conv3
    and the fully connected layers connect across both. ``groups=1`` gives the
    same network as if one GPU had held every map. ReLU and local response
    normalisation are left out: they have no parameters and no MACs.

    Parameters
    ----------
    groups : int, default 2
        ``groups`` of conv2, conv4 and conv5.

    Returns
    -------
    list of :class:`convutil.summary.Conv2d`, :class:`~convutil.summary.MaxPool2d`,
    :class:`~convutil.summary.Flatten`, :class:`~convutil.summary.Linear`
        Give it to :func:`convutil.summary.summary` with :data:`ALEXNET_INPUT`.

    Examples
    --------
    >>> from convutil.summary import summary
    >>> summary(alexnet(), ALEXNET_INPUT).total_params
    60965224
    >>> summary(alexnet(groups=1), ALEXNET_INPUT).total_params
    62378344
    >>> [r.output_shape[1] for r in summary(alexnet(), ALEXNET_INPUT).rows if r.layer.name in ("conv1", "pool1", "pool2", "pool5")]
    [55, 27, 13, 6]
    """
    g = as_int(groups, "groups", minimum=1)
    return [
        Conv2d(96, 11, stride=4, name="conv1"),
        MaxPool2d(3, stride=2, name="pool1"),
        Conv2d(256, 5, padding=2, groups=g, name="conv2"),
        MaxPool2d(3, stride=2, name="pool2"),
        Conv2d(384, 3, padding=1, name="conv3"),
        Conv2d(384, 3, padding=1, groups=g, name="conv4"),
        Conv2d(256, 3, padding=1, groups=g, name="conv5"),
        MaxPool2d(3, stride=2, name="pool5"),
        Flatten(),
        Linear(4096, name="fc6"),
        Linear(4096, name="fc7"),
        Linear(1000, name="fc8"),
    ]


@dataclass(frozen=True)
class Inception:
    """One GoogLeNet inception module: its filter counts, as in the paper's Table 1.

    Four parallel branches over the same ``c_in`` maps, concatenated:
    a 1x1 convolution (``n1x1``); a 1x1 reduction to ``n3x3_reduce`` maps
    followed by a 3x3 convolution (``n3x3``); a 1x1 reduction to ``n5x5_reduce``
    maps followed by a 5x5 convolution (``n5x5``); a 3x3 max pooling followed by
    a 1x1 projection (``pool_proj``). Every convolution keeps the
    ``size x size`` resolution.

    Examples
    --------
    >>> m = INCEPTION["3a"]
    >>> m.c_out
    256
    >>> m.params(), m.macs()          # weights only, no biases
    (163328, 128049152)
    """

    name: str
    c_in: int
    n1x1: int
    n3x3_reduce: int
    n3x3: int
    n5x5_reduce: int
    n5x5: int
    pool_proj: int
    size: int

    @property
    def c_out(self) -> int:
        """Maps after concatenating the four branches."""
        return self.n1x1 + self.n3x3 + self.n5x5 + self.pool_proj

    def convolutions(self) -> tuple[tuple[str, int, int, int], ...]:
        """The module's six convolutions as ``(name, c_in, c_out, kernel_size)``.

        Examples
        --------
        >>> INCEPTION["3a"].convolutions()[3:5]
        (('5x5 reduce', 192, 16, 1), ('5x5', 16, 32, 5))
        """
        return (
            ("1x1", self.c_in, self.n1x1, 1),
            ("3x3 reduce", self.c_in, self.n3x3_reduce, 1),
            ("3x3", self.n3x3_reduce, self.n3x3, 3),
            ("5x5 reduce", self.c_in, self.n5x5_reduce, 1),
            ("5x5", self.n5x5_reduce, self.n5x5, 5),
            ("pool proj", self.c_in, self.pool_proj, 1),
        )

    def params(self, *, bias: bool = False) -> int:
        """Learned parameters of the six convolutions (by default weights only, no biases)."""
        return sum(conv_params(c_in, c_out, k, bias=bias) for _, c_in, c_out, k in self.convolutions())

    def macs(self) -> int:
        """Multiply-accumulates of the six convolutions at ``size x size``, for one example."""
        out = (self.size, self.size)
        return sum(conv_macs(c_in, c_out, k, out) for _, c_in, c_out, k in self.convolutions())


def _inception(name, c_in, counts, size):
    return Inception(name, c_in, *counts, size)


#: GoogLeNet's nine inception modules (Szegedy et al. 2015, Table 1): input maps,
#: the six filter counts (#1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj)
#: and the spatial size.
INCEPTION: dict[str, Inception] = {
    m.name: m
    for m in (
        _inception("3a", 192, (64, 96, 128, 16, 32, 32), 28),
        _inception("3b", 256, (128, 128, 192, 32, 96, 64), 28),
        _inception("4a", 480, (192, 96, 208, 16, 48, 64), 14),
        _inception("4b", 512, (160, 112, 224, 24, 64, 64), 14),
        _inception("4c", 512, (128, 128, 256, 24, 64, 64), 14),
        _inception("4d", 512, (112, 144, 288, 32, 64, 64), 14),
        _inception("4e", 528, (256, 160, 320, 32, 128, 128), 14),
        _inception("5a", 832, (256, 160, 320, 32, 128, 128), 7),
        _inception("5b", 832, (384, 192, 384, 48, 128, 128), 7),
    )
}


def lenet5_c3_table() -> np.ndarray:
    """LeNet-5's S2 -> C3 connection table (LeCun et al. 1998, Table I).

    ``table[j, i]`` is True when C3 map ``j`` takes S2 map ``i`` as input: maps
    0-5 take three cyclically contiguous S2 maps, 6-11 four contiguous ones,
    12-14 four non-contiguous ones, and map 15 all six. A fresh array on every call.

    Returns
    -------
    ndarray of bool, shape (16, 6)
        Rows are C3 maps (outputs), columns S2 maps (inputs), as
        ``convutil.viz.plot_connections(kind="table")`` expects.

    Examples
    --------
    >>> table = lenet5_c3_table()
    >>> table.shape, int(table.sum())
    ((16, 6), 60)
    >>> table.sum(axis=1).tolist()
    [3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 6]
    """
    j = np.arange(6)[:, None]
    offsets3 = (j + np.arange(3)) % 6  # maps 0-5: S2 maps j, j+1, j+2 (cyclic)
    offsets4 = (j + np.arange(4)) % 6  # maps 6-11: S2 maps j..j+3 (cyclic)
    table = np.zeros((16, 6), dtype=bool)
    np.put_along_axis(table[0:6], offsets3, True, axis=1)
    np.put_along_axis(table[6:12], offsets4, True, axis=1)
    table[12, [0, 1, 3, 4]] = True
    table[13, [1, 2, 4, 5]] = True
    table[14, [0, 2, 3, 5]] = True
    table[15] = True
    return table


def _check_table(table) -> np.ndarray:
    arr = np.asarray(table)
    if arr.ndim != 2 or arr.dtype != bool:
        raise TypeError(f"table must be a 2D boolean array (c_out, c_in), got dtype {arr.dtype} and shape {arr.shape}")
    if not arr.any(axis=1).all():
        empty = np.flatnonzero(~arr.any(axis=1)).tolist()
        raise ValueError(f"table of shape {arr.shape}: output maps {empty} have no input map")
    return arr


def table_params(table, kernel_size, *, bias: bool = True) -> int:
    """Parameters of a convolution whose output maps see only the inputs ``table`` marks.

    Output map ``j`` is a convolution over its own ``table[j].sum()`` input
    maps; the counts are summed with :func:`convutil.conv_params`.

    Parameters
    ----------
    table : array_like of bool, shape (c_out, c_in)
    kernel_size : int or tuple of int
    bias : bool, default True

    Examples
    --------
    >>> table_params(lenet5_c3_table(), 5)       # LeNet-5's C3
    1516
    >>> import numpy as np
    >>> table_params(np.ones((16, 6), dtype=bool), 5) == 6 * 16 * 25 + 16   # all-to-all
    True
    """
    arr = _check_table(table)
    inputs_per_map = arr.sum(axis=1)
    fan_ins, counts = np.unique(inputs_per_map, return_counts=True)
    return sum(int(n) * conv_params(int(f), 1, kernel_size, bias=bias) for f, n in zip(fan_ins, counts))


def table_connections(table, kernel_size, output_size) -> int:
    """Connections of such a layer: (weights + bias) per output value, times output values.

    LeCun et al. count a connection for every weight use and every bias use:
    multiply-accumulates (:func:`convutil.conv_macs`) plus one bias addition
    per output value.

    Parameters
    ----------
    table : array_like of bool, shape (c_out, c_in)
    kernel_size : int or tuple of int
    output_size : int or tuple of int
        Spatial size of each output map, e.g. ``(10, 10)`` for C3.

    Examples
    --------
    >>> table_connections(lenet5_c3_table(), 5, (10, 10))
    151600
    """
    arr = _check_table(table)
    fan_ins, counts = np.unique(arr.sum(axis=1), return_counts=True)
    macs = sum(int(n) * conv_macs(int(f), 1, kernel_size, output_size) for f, n in zip(fan_ins, counts))
    bias_adds = arr.shape[0] * conv_macs(1, 1, 1, output_size)
    return macs + bias_adds
