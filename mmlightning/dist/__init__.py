"""MMEngine's distributed helpers on Lightning's process group: lands with the Lightning
integration.
"""
