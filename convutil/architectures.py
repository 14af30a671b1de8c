"""Historical architectures as plain data, their parameters and MACs counted from the layer shapes.

* LeNet-5's layer C3 (LeCun et al. 1998): 16 maps over S2's 6, by the paper's Table I (:func:`lenet5_c3_table`).
* AlexNet (Krizhevsky et al. 2012): five conv layers, three with the two-GPU split
  (``groups=2``), three fully connected ones (:func:`alexnet`, specs for :func:`convutil.summary.summary`).
* GoogLeNet (Szegedy et al. 2015): its nine inception modules' filter counts (:data:`INCEPTION`).

MACs are per example; biases are additions, not MACs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import as_int
from .counting import conv_macs, conv_params
from .nn import Conv2d, Flatten, Linear, MaxPool2d

__all__ = ["alexnet", "ALEXNET_INPUT", "Inception", "INCEPTION", "lenet5_c3_table", "table_params", "table_connections"]


#: The input AlexNet's layer sizes work out for: one 227x227 RGB image (the paper says 224).
ALEXNET_INPUT = (3, 227, 227)


def alexnet(*, groups: int = 2) -> list:
    """AlexNet (Krizhevsky, Sutskever and Hinton 2012) as layer specifications for :func:`convutil.summary.summary`.

    With ``groups=2`` (the paper) conv2, conv4 and conv5 see only their own GPU's
    maps; ``groups=1`` is the one-GPU network. ReLU and local response
    normalisation (no parameters, no MACs) are left out. Use :data:`ALEXNET_INPUT`.

    Examples
    --------
    >>> from convutil.summary import summary
    >>> summary(alexnet(), ALEXNET_INPUT).total_params, summary(alexnet(groups=1), ALEXNET_INPUT).total_params
    (60965224, 62378344)
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

    Four branches over the same ``c_in`` maps, concatenated: 1x1 (``n1x1``); 1x1
    to ``n3x3_reduce`` then 3x3 (``n3x3``); 1x1 to ``n5x5_reduce`` then 5x5
    (``n5x5``); 3x3 max pooling then 1x1 (``pool_proj``); all at ``size x size``.

    Examples
    --------
    >>> m = INCEPTION["3a"]
    >>> m.c_out, m.params(), m.macs()          # weights only, no biases
    (256, 163328, 128049152)
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
        """The six convolutions as ``(name, c_in, c_out, kernel_size)``.

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


#: GoogLeNet's nine inception modules (Szegedy et al. 2015, Table 1): input maps,
#: the six filter counts (#1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj)
#: and the spatial size.
INCEPTION: dict[str, Inception] = {
    m.name: m
    for m in (
        Inception("3a", 192, 64, 96, 128, 16, 32, 32, 28),
        Inception("3b", 256, 128, 128, 192, 32, 96, 64, 28),
        Inception("4a", 480, 192, 96, 208, 16, 48, 64, 14),
        Inception("4b", 512, 160, 112, 224, 24, 64, 64, 14),
        Inception("4c", 512, 128, 128, 256, 24, 64, 64, 14),
        Inception("4d", 512, 112, 144, 288, 32, 64, 64, 14),
        Inception("4e", 528, 256, 160, 320, 32, 128, 128, 14),
        Inception("5a", 832, 256, 160, 320, 32, 128, 128, 7),
        Inception("5b", 832, 384, 192, 384, 48, 128, 128, 7),
    )
}


def lenet5_c3_table() -> np.ndarray:
    """LeNet-5's S2 -> C3 connection table (LeCun et al. 1998, Table I), a fresh bool array (16, 6).

    ``table[j, i]``: C3 map ``j`` takes S2 map ``i``. Maps 0-5 take three cyclically
    contiguous S2 maps, 6-11 four, 12-14 four non-contiguous ones, 15 all six.

    Examples
    --------
    >>> table = lenet5_c3_table()
    >>> table.shape, int(table.sum())
    ((16, 6), 60)
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


def _fan_ins(table) -> list[tuple[int, int]]:
    """``(inputs per output map, how many output maps have that many)`` of a checked ``table``."""
    arr = np.asarray(table)
    if arr.ndim != 2 or arr.dtype != bool:
        raise TypeError(f"table must be a 2D boolean array (c_out, c_in), got dtype {arr.dtype} and shape {arr.shape}")
    if not arr.any(axis=1).all():
        empty = np.flatnonzero(~arr.any(axis=1)).tolist()
        raise ValueError(f"table of shape {arr.shape}: output maps {empty} have no input map")
    return [(int(f), int(n)) for f, n in zip(*np.unique(arr.sum(axis=1), return_counts=True))]


def table_params(table, kernel_size, *, bias: bool = True) -> int:
    """Parameters of a convolution whose output maps see only the inputs ``table`` (c_out, c_in) marks.

    Examples
    --------
    >>> table_params(lenet5_c3_table(), 5)       # LeNet-5's C3
    1516
    """
    return sum(n * conv_params(f, 1, kernel_size, bias=bias) for f, n in _fan_ins(table))


def table_connections(table, kernel_size, output_size) -> int:
    """Connections of such a layer, as LeCun et al. count them: MACs plus one bias addition per output value.

    Examples
    --------
    >>> table_connections(lenet5_c3_table(), 5, (10, 10))
    151600
    """
    fan_ins = _fan_ins(table)
    macs = sum(n * conv_macs(f, 1, kernel_size, output_size) for f, n in fan_ins)
    return macs + sum(n for _, n in fan_ins) * conv_macs(1, 1, 1, output_size)  # + one bias addition per output
