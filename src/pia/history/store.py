"""The stamps of a folder's committed history, kept on disk between runs (docs/performance.md).

One JSON file per assessment folder in the repository's own git directory (`<git common dir>/pia/history/`), never
in the work tree: nothing to commit or ignore, and it goes with the clone. It holds what the history keeps of each
commit (pia.history.versions.Stamp) and the problems met, for the last commit that touched the folder; a later run
whose last commit is the same reads nothing else from git, and one whose last commit descends from it reads only the
new commits. It is written through pia.base.fswrite (atomic, never through a link). The file is a cache: pia's own
version and inputs are part of its key, anything unreadable or unexpected in it is ignored, and a failure to write
it changes nothing else.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import stat
import sys
from functools import cache
from pathlib import Path
from typing import Any, Callable

from pia.base import fswrite
from pia.base.errors import PiaError
from pia.base.findings import Finding
from pia.base.registry import Severity
from pia.base.resources import schemas_dir

FORMAT = 1
MAX_BYTES = 64 * 1024 * 1024  # a stored history larger than this is not read (10,000 commits take about 3 MB)


@cache
def _digest() -> str:
    """What the stamps depend on besides the commits: pia's version, its schemas and the code of the layers that
    read a version (base, form, document, history)."""
    import pia

    h = hashlib.sha256(f"{FORMAT}\0{pia.__version__}".encode())
    pkg = Path(pia.__file__).resolve().parent
    for root, pattern in ((schemas_dir(), "*.json"), *((pkg / sub, "*.py") for sub in ("base", "form", "document", "history"))):
        for p in sorted(root.rglob(pattern)):
            h.update(p.relative_to(root).as_posix().encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def observer_digest(fn: Callable[..., Any]) -> str:
    """An observer's facts depend on its module's code."""
    mod = sys.modules.get(fn.__module__)
    src = Path(getattr(mod, "__file__", "") or "")
    return hashlib.sha256(f"{fn.__module__}.{fn.__qualname__}\0".encode() + (src.read_bytes() if src.is_file() else b"")).hexdigest()


def _path(git_dir: Path, rel: str) -> Path:
    return git_dir / "pia" / "history" / (hashlib.sha256(rel.encode("utf-8", "surrogateescape")).hexdigest()[:32] + ".json")


def _plain_dirs(git_dir: Path, target: Path) -> bool:
    """Every folder from the git directory to the file is a real folder (no link to elsewhere)."""
    p = git_dir
    for part in target.parent.relative_to(git_dir).parts:
        p = p / part
        try:
            if not stat.S_ISDIR(os.lstat(p).st_mode):
                return False
        except FileNotFoundError:
            return True  # created below as real folders
    return True


def read(git_dir: Path, rel: str) -> dict[str, Any] | None:
    """The stored entry of the folder (rel: its path in the repository), or None."""
    p = _path(git_dir, rel)
    try:
        if not _plain_dirs(git_dir, p) or not stat.S_ISREG(os.lstat(p).st_mode) or os.lstat(p).st_size > MAX_BYTES:
            return None
        entry = json.loads(p.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(entry, dict) or entry.get("digest") != _digest() or entry.get("rel") != rel:
        return None
    return entry


def write(git_dir: Path, rel: str, entry: dict[str, Any]) -> None:
    """Store the folder's entry (pia.base.fswrite: atomic, never through a link); nothing when it cannot."""
    p = _path(git_dir, rel)
    data = json.dumps({**entry, "digest": _digest(), "rel": rel}, ensure_ascii=False).encode("utf-8", "surrogateescape")
    try:
        if git_dir.is_dir():
            fswrite.write(git_dir, p.relative_to(git_dir).as_posix(), data)
    except (PiaError, OSError):
        pass  # a read-only clone, a full disk: the history is read from git again next time


# ---- stamps and findings as JSON ----------------------------------------------------------------------------

def finding_to_json(f: Finding) -> dict[str, Any]:
    return {"file": f.file, "line": f.line, "column": f.column, "rule": f.rule_id, "severity": f.severity.value,
            "item": f.item_path, "message": f.message, "hint": f.hint, "anchor": f.anchor}


def finding_from_json(d: dict[str, Any]) -> Finding:
    return Finding(str(d["file"]), int(d["line"]), int(d["column"]), str(d["rule"]), Severity(d["severity"]),
                   str(d["item"]), str(d["message"]), str(d["hint"]), anchor=str(d["anchor"]))


def key_to_json(key: tuple[int, dt.date]) -> list[Any]:
    return [key[0], key[1].isoformat()]


def key_from_json(v: list[Any]) -> tuple[int, dt.date]:
    return int(v[0]), dt.date.fromisoformat(str(v[1]))
