"""How often Python's cyclic garbage collector runs in pia's processes.

pia builds large trees of objects that stay alive while it works: the parsed YAML of every version of a history,
WeasyPrint's boxes while it lays out a PDF. At Python's default thresholds (a collection every 700 allocations) the
collector walks them again and again: 8–13 % of the CPU of a long history or a PDF (docs/performance.md). Collecting
less often costs little memory (a few MB per process, measured).
"""
from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Any, Iterator

THRESHOLDS = (20_000, 10, 10)

_LOCK = threading.Lock()
_USERS: list[Any] = [0, None]  # blocks running in this process, the thresholds before the first


def fewer() -> None:
    """For this process and those it forks (the command line sets it once)."""
    gc.set_threshold(*THRESHOLDS)


@contextmanager
def fewer_while() -> Iterator[None]:
    """For the block, in a process that may not be pia's own (a library user; pia serve's threads): the thresholds
    come back when the last such block in the process ends."""
    with _LOCK:
        if _USERS[0] == 0:
            _USERS[1] = gc.get_threshold()
            gc.set_threshold(*THRESHOLDS)
        _USERS[0] += 1
    try:
        yield
    finally:
        with _LOCK:
            _USERS[0] -= 1
            if _USERS[0] == 0:
                gc.set_threshold(*_USERS[1])
