"""mmlightning: MMEngine-style training on the PyTorch Lightning Trainer."""
from .version import __version__

__all__ = ['__version__']
