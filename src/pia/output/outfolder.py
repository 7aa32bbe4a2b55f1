"""Atomic, deterministic writes into an output folder; never into assessments/, never over others' files or files
changed since pia wrote them (an Excel filled in inside out/)."""
from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import stat
from pathlib import Path
from typing import Iterator

from pia.base.errors import PiaError
from pia.base import fswrite
from pia.base.fsread import os_hint, os_reason

# the files pia wrote in this folder and the sha256 of the bytes it wrote, so it may replace them while unchanged
MANIFEST = ".pia-output.json"


def _manifest(folder: Path) -> dict[str, str | None]:
    """Name -> sha256 of what pia wrote. A manifest of pia 0.2 lists names only: their hash is unknown (None),
    so they are replaced as before and get one when written again."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if isinstance(data, dict):
        return {str(k): v if isinstance(v, str) else None for k, v in data.items()}
    if isinstance(data, list):
        return {str(k): None for k in data}
    return {}


def _digest(path: Path) -> str | None:
    """sha256 of a regular file, read without following a link; None when it is no regular file (a link, a folder:
    fswrite refuses those with its own message) or went away."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as e:
        if e.errno == errno.ELOOP:  # replaced by a link since the lstat
            return None
        raise
    with os.fdopen(fd, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


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


def write_outputs(folder: Path, files: dict[str, bytes], force: bool = False, forcible: bool = True) -> list[Path]:
    """Write files into folder, refusing (unless force) one that pia did not write there or that changed since it did
    (an Excel filled in inside out/). forcible: the command has --force, so the refusal may suggest it."""
    refuse_assessments(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with _locked(folder):
            ours = _manifest(folder)
            _clean_leftovers(folder, set(ours) | set(files) | {MANIFEST})
            if not force:
                _refuse_others(folder, files, ours, forcible)
            # the outputs and the record of them, all or nothing (never through a link in the folder)
            record = {**ours, **{name: hashlib.sha256(data).hexdigest() for name, data in files.items()}}
            manifest = (json.dumps(record, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode()
            fswrite.commit(folder, {**files, MANIFEST: manifest})
        return [folder / name for name in files]
    except OSError as e:
        raise PiaError(f"{folder} に書き込めません（{os_reason(e, writing=True)}）。{os_hint(e, writing=True)}") from None


def _refuse_others(folder: Path, files: dict[str, bytes], ours: dict[str, str | None], forcible: bool) -> None:
    """A PiaError naming the files that pia would replace but did not write, or whose bytes changed since it did."""
    force = "上書きするときは --force を付けてください。" if forcible else "上書きするときは、そのファイルを削除してから、もう一度実行してください。"
    for name in files:
        target = folder / name
        if (target.exists() or target.is_symlink()) and name not in ours:
            raise PiaError(f"{target} は pia が作ったファイルではないため上書きしません。{force}")
    # only files pia wrote with a recorded hash are read (a manifest of names only: unknown, replaced as before)
    changed = [folder / name for name in files if ours.get(name) and _digest(folder / name) not in (None, ours[name])]
    if changed:
        raise PiaError(f"{'、'.join(map(str, changed))} は pia が書き出した後に変更されているため、上書きしません（何も書き出していません）。"
                       f"記入した内容を残すときは、名前を変えるか別のフォルダに移してから、もう一度実行してください。{force}")


def write_text(path: Path, text: str) -> None:
    """One file the user named (pia check --output, --gitlab-report), replaced atomically. No manifest beside it: the
    manifest is for output folders pia owns, not for the folder a report is put in (the repository's root in CI)."""
    folder = path.parent if str(path.parent) else Path(".")
    refuse_assessments(folder)
    fswrite.write(folder, path.name, text.encode("utf-8"))
