"""MMEngine's file helpers on fsspec: lands with the checkpoint issue."""
