"""MessageHub, MMLogger, LogProcessor (``mmengine.logging``): lands with the hooks and logging
issue.
"""
