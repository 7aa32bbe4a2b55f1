"""Atomic, deterministic writes into an output folder; never into assessments/, never over others' files."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from pia.errors import PiaError

MANIFEST = ".pia-output.json"  # names of the files pia wrote in this folder, so it may replace them


def _manifest(folder: Path) -> set[str]:
    try:
        return set(json.loads((folder / MANIFEST).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return set()


def _refuse_assessments(folder: Path) -> None:
    resolved = folder.resolve()
    for parent in (resolved, *resolved.parents):
        if (parent / "assessment.yaml").is_file() or parent.name == "assessments":
            raise PiaError(f"{folder} は評価書フォルダの中です。pia は評価書フォルダに書き込みません。--out で別のフォルダを指定してください。")


def _atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_outputs(folder: Path, files: dict[str, bytes], force: bool = False) -> list[Path]:
    _refuse_assessments(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        ours = _manifest(folder)
        for name in files:
            target = folder / name
            if target.exists() and name not in ours and not force:
                raise PiaError(f"{target} は pia が作ったファイルではないため上書きしません。上書きするときは --force を付けてください。")
        written = []
        for name, data in files.items():
            _atomic(folder / name, data)
            written.append(folder / name)
        _atomic(folder / MANIFEST, (json.dumps(sorted(ours | set(files)), ensure_ascii=False) + "\n").encode())
        return written
    except OSError as e:
        raise PiaError(f"{folder} に書き込めません（{e.strerror}）。書き込み権限と空き容量を確認してください。") from None


def write_text(path: Path, text: str, force: bool = False) -> None:
    write_outputs(path.parent if str(path.parent) else Path("."), {path.name: text.encode("utf-8")}, force=force)
