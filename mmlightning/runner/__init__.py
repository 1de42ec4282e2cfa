"""Runner facade and checkpoint helpers (``mmengine.runner``): lands with the Lightning
integration.
"""
