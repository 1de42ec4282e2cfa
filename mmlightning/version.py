"""The package version, as a string and as MMEngine's ``version_info`` tuple."""
__version__ = "0.1.0.dev0"


def parse_version_info(version_str: str) -> tuple[int | str, ...]:
    """Split a version string into its numeric parts, as MMEngine does.

    Args:
        version_str: A version such as ``'0.10.7'`` or ``'1.0.0rc1'``.

    Returns:
        The integer parts, with an ``'rcN'`` entry after the number it follows; other
        suffixes (``dev0``) are dropped, as in MMEngine.
    """
    info: list[int | str] = []
    for part in version_str.split('.'):
        if part.isdigit():
            info.append(int(part))
        elif 'rc' in part:
            number, candidate = part.split('rc')
            info.extend([int(number), f'rc{candidate}'])
    return tuple(info)


version_info = parse_version_info(__version__)
