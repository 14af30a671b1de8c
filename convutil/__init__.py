"""convutil: how a convolution layer combines feature maps, in NumPy.

The numerical core (:mod:`convutil.core`), the question's three candidate
layers (:mod:`convutil.types`) and the arithmetic of parameters and
multiply-accumulates (:mod:`convutil.counting`) are imported here. Drawings
(:mod:`convutil.viz`), interactive explorers (:mod:`convutil.widgets`) and
exercise checkers (:mod:`convutil.checks`) are imported on their own.
"""

from .core import avg_pool2d, conv2d, conv3d, conv_output_size, max_pool2d
from .counting import conv_macs, conv_params
from .types import conv_type1, conv_type2_1, conv_type2_2

__all__ = [
    "conv2d",
    "conv3d",
    "max_pool2d",
    "avg_pool2d",
    "conv_output_size",
    "conv_type1",
    "conv_type2_1",
    "conv_type2_2",
    "conv_params",
    "conv_macs",
]

__version__ = "0.1.0"
