"""Lightning's console messages that a user of mmlightning cannot act on, filtered narrowly.

Two of them reach every run: the "💡 Tip" advertising Lightning's cloud products (logged by
``<namespace>.utilities.rank_zero``) and the ``FutureWarning`` torch raises when Lightning's own
``utilities._pytree`` builds a ``LeafSpec``. Each filter matches one message from one module, in
both namespaces (``lightning.pytorch`` and ``pytorch_lightning``); every other warning and log
record passes.
"""
from __future__ import annotations

import logging
import warnings

_NAMESPACES = ('lightning.pytorch', 'pytorch_lightning')
_TIP_PREFIX = '💡 Tip: For seamless cloud'
_LEAF_SPEC_WARNING = r'`isinstance\(treespec, LeafSpec\)` is deprecated'


class _ProductTips(logging.Filter):
    """Drops Lightning's product tips (litlogger, litmodels)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(_TIP_PREFIX)


def quiet_lightning_console() -> None:
    """Install the two filters (idempotent; the Trainer's own messages stay)."""
    for namespace in _NAMESPACES:
        rank_zero = logging.getLogger(f'{namespace}.utilities.rank_zero')
        if not any(isinstance(f, _ProductTips) for f in rank_zero.filters):
            rank_zero.addFilter(_ProductTips())
        warnings.filterwarnings('ignore', message=_LEAF_SPEC_WARNING, category=FutureWarning,
                                module=namespace.replace('.', r'\.') + r'\.utilities\._pytree')
