"""MMEngine's warning when iteration-based training comes to the end of its dataloader."""
from __future__ import annotations

import logging

from mmlightning.logging import print_log


def warn_dataloader_restart() -> None:
    """Log MMEngine's warning (to the current ``MMLogger``) that the dataloader restarts."""
    print_log('Reach the end of the dataloader, it will be restarted and continue to '
              'iterate. It is recommended to use `mmlightning.dataset.InfiniteSampler` '
              '(MMEngine: `mmengine.dataset.InfiniteSampler`) to enable the dataloader to '
              'iterate infinitely.', logger='current', level=logging.WARNING)
