"""Atomic, deterministic writes into an output folder; never into assessments/, never over others' files."""
from __future__ import annotations

import contextlib
import json
import os
import re
from pathlib import Path
from typing import Iterator

from pia.base.errors import PiaError
from pia.base import fswrite
from pia.base.fsread import os_hint, os_reason

MANIFEST = ".pia-output.json"  # names of the files pia wrote in this folder, so it may replace them


def _manifest(folder: Path) -> set[str]:
    try:
        return set(json.loads((folder / MANIFEST).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return set()


def refuse_assessments(folder: Path) -> None:
    """A PiaError when folder is inside an assessment folder or an assessments/ tree: pia never writes there.
    Commands that write many files call it first, so they refuse before minutes of rendering."""
    from pia.document.assessment import is_assessment

    resolved = folder.resolve()
    for parent in (resolved, *resolved.parents):
        if is_assessment(parent) or parent.name == "assessments":
            raise PiaError(f"{folder} は評価書フォルダの中です。pia は評価書フォルダに書き込みません。--out で別のフォルダを指定してください。")


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One pia at a time updates a folder's outputs and manifest (an flock on the folder itself, so no lock file is
    left behind). Rendering happens before, in parallel; only the short write is serialised."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _clean_leftovers(folder: Path, names: set[str]) -> None:
    """Temporary files of an earlier pia that was killed (`.NAME.xxxx.tmp`). Under the lock no other pia is writing,
    so those of names pia writes are leftovers; anything else is not ours and stays."""
    for p in folder.iterdir():
        m = re.fullmatch(r"\.(.+)\.[^.]+\.tmp", p.name)
        if m and m.group(1) in names and p.is_file() and not p.is_symlink():
            with contextlib.suppress(OSError):
                p.unlink()


def write_outputs(folder: Path, files: dict[str, bytes], force: bool = False) -> list[Path]:
    refuse_assessments(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with _locked(folder):
            ours = _manifest(folder)
            _clean_leftovers(folder, ours | set(files) | {MANIFEST})
            for name in files:
                target = folder / name
                if (target.exists() or target.is_symlink()) and name not in ours and not force:
                    raise PiaError(f"{target} は pia が作ったファイルではないため上書きしません。上書きするときは --force を付けてください。")
            # the outputs and the record of them, all or nothing (never through a link in the folder)
            manifest = (json.dumps(sorted(ours | set(files)), ensure_ascii=False) + "\n").encode()
            fswrite.commit(folder, {**files, MANIFEST: manifest})
        return [folder / name for name in files]
    except OSError as e:
        raise PiaError(f"{folder} に書き込めません（{os_reason(e, writing=True)}）。{os_hint(e, writing=True)}") from None


def write_text(path: Path, text: str, force: bool = False) -> None:
    write_outputs(path.parent if str(path.parent) else Path("."), {path.name: text.encode("utf-8")}, force=force)
