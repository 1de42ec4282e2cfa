"""The prefix (protocol) of a URI, as MMEngine's file clients read it."""
from __future__ import annotations

from pathlib import Path

from mmlightning.fileio.errors import FileioTypeError


def uri_prefix(uri: str | Path) -> str | None:
    """The prefix of ``uri``: ``'s3'`` for ``s3://b/k`` and ``cluster:s3://b/k``; None locally.

    Raises:
        FileioTypeError: If ``uri`` is neither a str nor a Path.
    """
    if not isinstance(uri, (str, Path)):
        raise FileioTypeError(f'uri must be a str or a Path, got {type(uri).__name__}: {uri!r}')
    text = str(uri)
    if '://' not in text:
        return None
    prefix = text.split('://', 1)[0]
    # Petrel paths may name a cluster first: clusterName:s3://path/of/your/file
    return prefix.rsplit(':', 1)[-1]
