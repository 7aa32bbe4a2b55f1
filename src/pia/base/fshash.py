"""Content hashes of a folder as pia reads it, at a bounded cost (the build's input hash, the preview's version).

Nothing is followed out: a symbolic link is hashed as the text it points to (what it points to inside the folder is
hashed where it lies), a FIFO, device or socket by its kind (never opened). A regular file is read in chunks, opened
O_NOFOLLOW | O_NONBLOCK, only while it is at most `limit` bytes (larger ones pia refuses to read, so their size is
what the outputs depend on) and while the whole hash has read at most `budget` bytes; past that a file is hashed by
its size and modification time. At most MAX_ENTRIES entries and MAX_DEPTH levels are visited.
"""
from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path
from typing import Any

MAX_ENTRIES = 10_000
MAX_DEPTH = 16
CHUNK = 1 << 20


def _entries(folder: Path) -> tuple[list[tuple[str, os.stat_result]], bool]:
    """(every entry under folder with its lstat, in name order, '/'-separated; whether the walk was cut short)."""
    out: list[tuple[str, os.stat_result]] = []
    todo: list[tuple[str, int]] = [("", 0)]
    while todo:
        rel, depth = todo.pop()
        try:
            with os.scandir(folder / rel if rel else folder) as it:
                names = sorted(e.name for e in it)
        except OSError:
            continue  # an unreadable folder: its loader's refusal is in the outputs, not here
        for name in names:
            if len(out) >= MAX_ENTRIES:
                return out, True
            sub = f"{rel}/{name}" if rel else name
            try:
                st = os.lstat(folder / sub)
            except OSError:
                continue
            out.append((sub, st))
            if stat.S_ISDIR(st.st_mode) and name not in (".git", "__pycache__"):
                if depth + 1 >= MAX_DEPTH:
                    return out, True
                todo.append((sub, depth + 1))
    return sorted(out), False


def update(h: Any, folder: Path, limit: int, budget: int, first: tuple[str, ...] = (".yaml", ".yml")) -> None:
    """Add folder's entries to the hash h: names, and contents within limit and budget (files ending in `first`
    are read before the others, so they get the budget)."""
    entries, cut = _entries(Path(folder))
    order = sorted(entries, key=lambda e: (not e[0].endswith(first), e[0]))
    left = budget
    for rel, st in order:
        h.update(os.fsencode(rel) + b"\0")
        mode = st.st_mode
        if stat.S_ISLNK(mode):
            try:
                h.update(b"link\0" + os.fsencode(os.readlink(Path(folder) / rel)))
            except OSError:
                h.update(b"link?\0")
        elif stat.S_ISDIR(mode):
            h.update(b"dir\0")
        elif not stat.S_ISREG(mode):
            h.update(b"special\0%o" % stat.S_IFMT(mode))
        elif st.st_size > limit or st.st_size > left:
            h.update(b"size\0%d\0%d" % (st.st_size, st.st_mtime_ns))
        else:
            left -= _file(h, Path(folder) / rel, limit)
    if cut:
        h.update(b"cut\0%d" % len(entries))


def _file(h: Any, path: Path, limit: int) -> int:
    """Hash a regular file's content (at most limit bytes read); the bytes read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        h.update(b"error\0%d" % (e.errno or 0))
        return 0
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):  # swapped after the walk
            h.update(b"special\0")
            return 0
        inner = hashlib.sha256()
        total = 0
        while total <= limit:
            b = os.read(fd, min(CHUNK, limit + 1 - total))
            if not b:
                break
            inner.update(b)
            total += len(b)
        h.update(b"file\0" + inner.digest() + b"%d" % total)
        return total
    except OSError as e:
        h.update(b"error\0%d" % (e.errno or 0))
        return 0
    finally:
        os.close(fd)


def digest(folder: Path, limit: int, budget: int) -> str:
    h = hashlib.sha256()
    update(h, folder, limit, budget)
    return h.hexdigest()
