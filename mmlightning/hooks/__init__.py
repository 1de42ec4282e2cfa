"""Hooks (``mmengine.hooks``) and the dispatcher that runs them as one Lightning callback: lands
with the hooks issue.
"""
