"""mmcv's kernels (``mmcv._ext``) written in torch, for ``mmcv-lite`` installs.

mmcv's Python wrappers (``mmcv.ops.*``: ``RoIAlign``, ``nms``, ``DeformConv2d``, ...) keep their
argument handling and autograd Functions; :func:`install` gives them these kernels as ``mmcv._ext``
when no compiled extension exists. Importing this package does not import mmcv.
"""

from mmlightning.ops.extension import build_extension, implemented_kernels, is_mmlightning_extension
from mmlightning.ops.names import EXT_NAMES, EXT_NAMES_BY_WRAPPER
from mmlightning.ops.registration import install

__all__ = ['EXT_NAMES', 'EXT_NAMES_BY_WRAPPER', 'build_extension', 'implemented_kernels', 'install',
           'is_mmlightning_extension']
