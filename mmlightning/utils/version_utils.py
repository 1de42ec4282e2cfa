"""Version parsing and the git hash of the working tree (MMEngine's ``utils/version_utils.py``)."""
from __future__ import annotations

import os
import subprocess

from packaging.version import InvalidVersion, Version

# Pre-release order used by ``digit_version``: alpha < beta < rc; a dev release
# without a pre-release tag sorts below all of them.
_PRE_RELEASE_CODES = {'a': -3, 'b': -2, 'rc': -1}
_DEV_CODE = -4


def digit_version(version_str: str, length: int = 4) -> tuple[int, ...]:
    """Convert a version string into a tuple of ints, for comparing versions.

    The release part is cut or zero-padded to ``length`` numbers, then two numbers
    encode the release kind: ``(-3|-2|-1, n)`` for ``an``/``bn``/``rcn``,
    ``(-4, 0)`` for a dev release, ``(1, n)`` for ``.postn`` and ``(0, 0)`` for a
    final release, so that ``1.0a1 < 1.0b1 < 1.0rc1 < 1.0 < 1.0.post1``.

    Args:
        version_str: A PEP 440 version such as ``'2.1.0rc1'`` or ``'2.4.0+cu121'``.
        length: Number of release levels kept. Defaults to 4.

    Returns:
        The version as ``length + 2`` integers.

    Raises:
        ValueError: If ``version_str`` is not a PEP 440 version (or is a parrots one).

    Examples:
        >>> digit_version('1.3.0rc2')
        (1, 3, 0, 0, -1, 2)
    """
    if 'parrots' in version_str:
        raise ValueError(f'digit_version does not handle parrots versions: {version_str!r}')
    try:
        version = Version(version_str)
    except InvalidVersion as error:
        raise ValueError(
            f'failed to parse version {version_str!r}: expected a PEP 440 version '
            "such as '1.2.3', '1.2.3rc1' or '1.2.3.post1'") from error
    release = list(version.release[:length])
    release += [0] * (length - len(release))
    if version.is_prerelease:
        if version.pre:
            release += [_PRE_RELEASE_CODES[version.pre[0]], version.pre[1]]
        else:
            release += [_DEV_CODE, 0]
    elif version.is_postrelease:
        release += [1, version.post]
    else:
        release += [0, 0]
    return tuple(release)


def _minimal_ext_cmd(cmd: list[str]) -> bytes:
    """Run ``cmd`` with a minimal, C-locale environment and return its stdout."""
    env = {k: os.environ[k] for k in ('SYSTEMROOT', 'PATH', 'HOME') if k in os.environ}
    env.update(LANGUAGE='C', LANG='C', LC_ALL='C')
    return subprocess.run(cmd, capture_output=True, env=env, check=False).stdout


def get_git_hash(fallback: str = 'unknown', digits: int | None = None) -> str:
    """Return the commit hash of the git repository containing the current directory.

    Args:
        fallback: Returned when git is missing or the directory is not in a repository.
        digits: Number of leading hash characters kept; all if None.

    Returns:
        The (possibly shortened) hash, or ``fallback``.

    Raises:
        TypeError: If ``digits`` is neither None nor an int.
    """
    if digits is not None and not isinstance(digits, int):
        raise TypeError(f'digits must be None or an integer, got {digits!r}')
    try:
        sha = _minimal_ext_cmd(['git', 'rev-parse', 'HEAD']).strip().decode('ascii')
    except OSError:
        return fallback
    if not sha:
        return fallback
    return sha if digits is None else sha[:digits]
