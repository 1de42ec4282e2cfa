"""General helpers with no engine knowledge (mirrors ``mmengine.utils``)."""
from .manager import ManagerMeta, ManagerMixin

__all__ = ['ManagerMeta', 'ManagerMixin']
