"""convutil: how a convolution layer combines feature maps, in NumPy.

``import convutil`` loads :mod:`~convutil.core`, :mod:`~convutil.types` and
:mod:`~convutil.counting`; import drawings (``viz``), explorers (``widgets``) and
checkers (``checks``) on their own.
"""

from . import core
from .core import *  # noqa: F403 (the names in core.__all__: convolutions, pooling, their gradients)
from .counting import conv_macs, conv_params
from .types import conv_type1, conv_type2_1, conv_type2_2

__all__ = [*core.__all__, "conv_type1", "conv_type2_1", "conv_type2_2", "conv_params", "conv_macs"]

__version__ = "0.1.0"
