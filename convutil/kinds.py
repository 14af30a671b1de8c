"""The layer kinds the course compares, one :class:`Kind` each in :data:`KINDS`: the single place that knows a kind.

A kind knows its title, weight shape, connections (:func:`connection_table`), the
``conv2d`` that computes it and its counts with their formulas (:func:`layer_outputs`).
``c_out`` is the number of 2D kernels for the shared kinds (type 1, type 2.1) and
the number of output maps otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._validate import as_float_array, as_int
from .core import conv2d
from .counting import conv_macs, conv_params
from .types import conv_type1, conv_type2_1

__all__ = ["Kind", "KINDS", "LAYER_KINDS", "Connections", "get_kind", "connection_table", "layer_outputs"]


@dataclass(frozen=True)
class Kind:
    """One way a layer can connect ``c_in`` input maps to its output maps.

    Attributes
    ----------
    name, label, heading : str
        Key (``"type2.2"``), text name (``"type 2.2"``), two-line diagram title (``{groups}`` filled in).
    params_formula, macs_formula : str
        The counts in ``k1``, ``k2``, ``k`` (kernel), ``g`` (groups), ``H``, ``W`` (output).
    shared, layer
        ``c_out`` 2D kernels serve several links each; ``layer`` (:mod:`convutil.types`) computes it.
    maps_per_input, takes_groups : bool
        The explorers' ``k2`` counts filters per input map; ``groups`` is an argument.
    note : str
        The diagram's note (``{n_kernels}`` filled in); default: kernels and maps per output.
    conv_groups, maps : callable
        ``(c_in, groups)`` -> the ``conv2d``'s groups; ``(c_in, c_out)`` -> its output maps.
    """

    name: str
    label: str
    heading: str
    params_formula: str = ""
    macs_formula: str = ""
    shared: bool = False
    layer: Callable | None = None
    maps_per_input: bool = False
    takes_groups: bool = False
    note: str = ""
    conv_groups: Callable[[int, int], int] = lambda c_in, groups: groups
    maps: Callable[[int, int], int] = lambda c_in, c_out: c_out

    def title(self, groups: int = 1) -> str:
        return self.heading.format(groups=groups)

    def name_with(self, groups: int = 1) -> str:
        return self.label.format(groups=groups)

    def check(self, c_in: int, c_out: int, groups: int = 1) -> tuple[int, int, int]:
        """``(c_in, output maps, conv2d groups)``; ValueError when ``groups`` does not fit."""
        c_in = as_int(c_in, "c_in", minimum=1)
        c_out = as_int(c_out, "c_out", minimum=1)
        groups = as_int(groups, "groups", minimum=1)
        if groups != 1 and not self.takes_groups:
            raise ValueError(f'groups={groups} only applies to kind="grouped" (or "type2.2"), not kind={self.name!r}')
        maps, conv_groups = self.maps(c_in, c_out), self.conv_groups(c_in, groups)
        if c_in % conv_groups == 0 and maps % conv_groups == 0:
            return c_in, maps, conv_groups
        if conv_groups == groups:
            raise ValueError(f"groups={groups} must divide both c_in={c_in} and c_out={c_out}")
        raise ValueError(
            f"{self.name} needs c_out to be a multiple of c_in (a channel multiplier), got c_in={c_in}, c_out={c_out}"
        )

    def c_out_for(self, k1: int, k2: int) -> int:
        """What :func:`connection_table` takes as ``c_out`` when the explorers' ``k2`` is given."""
        return k1 * k2 if self.maps_per_input and not self.shared else k2

    def weight_shape(self, c_in: int, c_out: int, kernel_size: int, groups: int = 1) -> tuple[int, ...]:
        """Shape of the learned weights: ``(K, k, k)`` 2D kernels if shared, else ``conv2d``'s 4D weight.

        Examples
        --------
        >>> KINDS["type1"].weight_shape(8, 16, 5), KINDS["grouped"].weight_shape(8, 16, 3, groups=2)
        ((16, 5, 5), (16, 4, 3, 3))
        """
        c_in, maps, g = self.check(c_in, c_out, groups)
        k = as_int(kernel_size, "kernel_size", minimum=1)
        return (c_out, k, k) if self.shared else (maps, c_in // g, k, k)

    def counts(self, c_in: int, c_out: int, kernel_size, output_size, groups: int = 1) -> tuple[int, int]:
        """``(parameters, multiply-accumulates)`` of one such layer (:mod:`convutil.counting`)."""
        c_in, maps, g = self.check(c_in, c_out, groups)
        params = conv_params(1, c_out, kernel_size) if self.shared else conv_params(c_in, maps, kernel_size, groups=g)
        return params, conv_macs(c_in, maps, kernel_size, output_size, groups=g)

    def compute(self, x, pool, c_out: int, groups: int = 1, **conv_kwargs) -> np.ndarray:
        """The layer on ``x``, its 2D kernels taken from ``pool[:maps, :c_in // groups]``."""
        c_in, _, g = self.check(x.shape[-3], c_out, groups)
        shape = self.weight_shape(c_in, c_out, pool.shape[-1], groups)
        if self.shared:
            return self.layer(x, pool[: shape[0], 0], **conv_kwargs)
        return conv2d(x, pool[: shape[0], : shape[1]], groups=g, **conv_kwargs)


_PER_MAP = {"conv_groups": lambda c_in, groups: c_in}
KINDS = {
    kind.name: kind
    for kind in (
        Kind("type1", "type 1", "type 1\nevery kernel on every map separately", "k2*k*k + k2", "k1*k2*H*W*k*k",
             shared=True, layer=conv_type1, maps_per_input=True, maps=lambda c_in, c_out: c_in * c_out, **_PER_MAP,
             note="{n_kernels} kernels, each on every map:\nno output mixes maps"),
        Kind("type2.1", "type 2.1", "type 2.1\none kernel per filter, shared by all maps", "k2*k*k + k2",
             "k2*H*W*k1*k*k (map by map)", shared=True, layer=conv_type2_1,
             note="{n_kernels} kernels: the links into\nan output share one kernel"),
        Kind("type2.2", "type 2.2", "type 2.2 (the standard layer)\nits own kernel per filter and input map",
             "k2*k1*k*k + k2", "k2*H*W*k1*k*k", takes_groups=True),
        Kind("grouped", "grouped, groups={groups}",
             "grouped convolution, groups={groups}\nfilters see only their group's maps",
             "k2*(k1/g)*k*k + k2", "k2*H*W*(k1/g)*k*k", takes_groups=True),
        Kind("depthwise", "depthwise", "depthwise convolution\nevery filter sees one input map",
             "k1*k2*k*k + k1*k2", "k1*k2*H*W*k*k", maps_per_input=True, **_PER_MAP),
        Kind("table", "connection table", "explicit connection table\neach output sees the maps its row lists"),
    )
}  # fmt: skip
"""Every kind, by name: ``type1``, ``type2.1``, ``type2.2``, ``grouped``, ``depthwise``, ``table``."""

LAYER_KINDS = ("type1", "type2.1", "type2.2", "depthwise", "grouped")
"""The kinds that compute a layer from kernels (all but ``"table"``), in the explorers' order."""


def get_kind(name) -> Kind:
    """The :class:`Kind` called ``name``; ValueError naming the known kinds otherwise."""
    if name not in KINDS:
        raise ValueError(f"kind must be one of {tuple(KINDS)}, got {name!r}")
    return KINDS[name]


@dataclass(frozen=True)
class Connections:
    """Which input map feeds which output map, and through which 2D kernel.

    ``edges`` (E, 2) holds ``(output map, input map)`` per link, ``kernel`` (E,) the
    index of the 2D kernel each link applies (equal index: a shared kernel).
    """

    n_in: int
    n_out: int
    edges: np.ndarray
    kernel: np.ndarray
    n_kernels: int

    @property
    def inputs_per_output(self) -> np.ndarray:
        """How many input maps each output map sums."""
        return np.bincount(self.edges[:, 0], minlength=self.n_out)

    def note(self, kind: Kind) -> str:
        """Two lines on what the links say: what is shared, how many maps each output mixes."""
        if kind.note:
            return kind.note.format(n_kernels=self.n_kernels)
        lo, hi = (self.inputs_per_output.min(), self.inputs_per_output.max()) if self.n_out else (0, 0)
        each = f"each output sums {lo} map(s)" if lo == hi else f"outputs sum {lo} to {hi} maps"
        return f"{self.n_kernels} distinct kernels;\n{each}"


def connection_table(c_in: int, c_out: int, *, kind: str = "type2.2", groups: int = 1, table=None) -> Connections:
    """The links (:class:`Connections`) of a layer between ``c_in`` input maps and its output maps.

    Parameters
    ----------
    c_in, c_out : int
        Input maps (``k1``); 2D kernels (``k2``) for ``"type1"`` and ``"type2.1"``, else output maps.
    kind : str, default "type2.2"
        A key of :data:`KINDS`.
    groups : int, default 1
        For ``"grouped"`` (and ``"type2.2"``); must divide ``c_in`` and ``c_out``.
    table : array_like of bool, shape (c_out, c_in)
        For ``"table"``: ``table[j, c]``, output map ``j`` sees input map ``c``.

    Examples
    --------
    >>> t = connection_table(3, 4, kind="type1")
    >>> t.n_out, t.n_kernels, len(t.edges)     # 12 maps, 4 shared kernels, one link each
    (12, 4, 12)
    """
    spec = get_kind(kind)
    if kind == "table":
        edges, c_in, c_out = _table_edges(table, c_in, c_out)
        return Connections(c_in, c_out, edges, _input_major(edges), len(edges))
    if table is not None:
        raise ValueError(f'table is only used with kind="table", not kind={kind!r}')
    c_in, maps, g = spec.check(c_in, c_out, groups)
    j, c = (a.ravel() for a in np.meshgrid(np.arange(maps), np.arange(c_in), indexing="ij"))
    edges = np.stack([j, c], axis=1)[j // (maps // g) == c // (c_in // g)]
    if spec.shared:  # output map j applies kernel j % c_out (type 1: map c*K + k is kernel k on map c)
        return Connections(c_in, maps, edges, edges[:, 0] % c_out, c_out)
    return Connections(c_in, maps, edges, _input_major(edges), len(edges))


def _table_edges(table, c_in, c_out):
    if table is None:
        raise ValueError('kind="table" needs table, a boolean (c_out, c_in) array')
    t = np.asarray(table)
    if t.ndim != 2 or t.dtype.kind not in "biu" or 0 in t.shape:
        raise ValueError(f"table must be a 2D boolean (c_out, c_in) array, got shape {t.shape} dtype {t.dtype}")
    if np.any((t != 0) & (t != 1)):
        raise ValueError("table must hold only True/False (or 1/0)")
    for name, given, actual in (("c_in", c_in, t.shape[1]), ("c_out", c_out, t.shape[0])):
        if given is not None and as_int(given, name, minimum=1) != actual:
            raise ValueError(f"table has shape {t.shape} = (c_out, c_in) but {name}={given}")
    return np.argwhere(t.astype(bool)), t.shape[1], t.shape[0]


def _input_major(edges):
    """Number the links' distinct kernels input map first, so links into one output get far-apart colours."""
    order = np.lexsort((edges[:, 0], edges[:, 1]))
    kernel = np.empty(len(edges), dtype=int)
    kernel[order] = np.arange(len(edges))
    return kernel


def layer_outputs(x, k2: int, kernel_size: int, kind: str, groups: int = 1, *, seed: int = 0):
    """``(y, params, macs, c_out)`` of a second layer of ``kind`` on ``x`` (``c_out`` for :func:`connection_table`).

    ``k2`` counts filters (per input map for ``"type1"`` and ``"depthwise"``); the
    kernels are slices of one seeded pool (changing ``k2`` keeps those shown); padding
    ``kernel_size // 2`` keeps the size.

    Examples
    --------
    >>> y, params, macs, c_out = layer_outputs(np.ones((3, 8, 8)), 2, 3, "type1")
    >>> y.shape, params, c_out
    ((6, 8, 8), 20, 2)
    """
    x = as_float_array(x, "x", (3,))
    if kind not in LAYER_KINDS:
        raise ValueError(f"kind must be one of {LAYER_KINDS}, got {kind!r}")
    spec = KINDS[kind]
    k1, h, w = x.shape
    c_out = spec.c_out_for(k1, k2)
    _, maps, _ = spec.check(k1, c_out, groups)
    ks = as_int(kernel_size, "kernel_size", minimum=1)
    pool = np.random.default_rng([seed, ks]).normal(size=(max(maps, 36), max(k1, 6), ks, ks)) / ks
    y = spec.compute(x, pool, c_out, groups, padding=ks // 2)
    return (y, *spec.counts(k1, c_out, ks, y.shape[1:], groups), c_out)
