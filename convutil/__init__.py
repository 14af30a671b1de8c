"""convutil: how a convolution layer combines feature maps, in NumPy.

The numerical core (:mod:`convutil.core`), the question's three candidate
layers (:mod:`convutil.types`) and the arithmetic of parameters and
multiply-accumulates (:mod:`convutil.counting`) are imported here. Drawings
(:mod:`convutil.viz`), interactive explorers (:mod:`convutil.widgets`) and
exercise checkers (:mod:`convutil.checks`) are imported on their own.
"""

from . import core
from .core import *  # noqa: F403 (the names in core.__all__: convolutions, pooling, their gradients)
from .counting import conv_macs, conv_params
from .types import conv_type1, conv_type2_1, conv_type2_2

__all__ = [
    *core.__all__,
    "conv_type1",
    "conv_type2_1",
    "conv_type2_2",
    "conv_params",
    "conv_macs",
]

__version__ = "0.1.0"
