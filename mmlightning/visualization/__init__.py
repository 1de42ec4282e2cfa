"""Visualizer and vis backends (``mmengine.visualization``): lands with the hooks and logging
issue.
"""
