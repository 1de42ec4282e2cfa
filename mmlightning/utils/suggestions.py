"""Close-match suggestions for error messages."""
from __future__ import annotations

import difflib
from collections.abc import Iterable


def close_matches(word: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """Return up to ``n`` candidates that look like ``word``, best first.

    Matching ignores case, so ``'sgd'`` suggests ``'SGD'``.
    """
    candidates = list(candidates)
    by_lower: dict[str, str] = {}
    for candidate in candidates:
        by_lower.setdefault(candidate.lower(), candidate)
    matches = difflib.get_close_matches(word.lower(), list(by_lower), n=n, cutoff=0.6)
    return [by_lower[m] for m in matches]


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """Return ``" Did you mean 'x'?"`` (with a leading space) or ``''``."""
    matches = close_matches(word, candidates)
    if not matches:
        return ''
    if len(matches) == 1:
        return f" Did you mean '{matches[0]}'?"
    return ' Did you mean one of ' + ', '.join(repr(m) for m in matches) + '?'
