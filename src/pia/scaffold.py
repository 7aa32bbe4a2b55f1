"""`pia new`: an assessment folder from commented skeletons generated from the schemas."""
from __future__ import annotations

from pathlib import Path

import os

from pia.errors import PiaError
from pia.resources import schemas_dir
from pia.skeleton import skeleton


def _write(path: Path, name: str, replace: tuple[str, str] | None = None) -> None:
    ref = os.path.relpath(schemas_dir() / f"{name}.schema.json", path.parent.resolve())
    text = skeleton(name, ref)
    if replace:
        text = text.replace(*replace)
    path.write_text(text, encoding="utf-8")


def create(folder: Path) -> Path:
    if folder.exists():
        raise PiaError(f"{folder} はすでにあります。上書きしないため、別の名前を指定してください。")
    if not folder.name or not all(c.isalnum() or c in "-_" for c in folder.name):
        raise PiaError("フォルダ名には英数字・ハイフン・下線だけを使ってください（例: juki-2025）。")
    try:
        (folder / "files").mkdir(parents=True)
        _write(folder / "assessment.yaml", "assessment", ("特定個人情報ファイル名: []", "特定個人情報ファイル名: [file1]"))
        _write(folder / "systems.yaml", "systems")
        _write(folder / "files" / "file1.yaml", "file")
    except OSError as e:
        raise PiaError(f"{folder} を作成できません（{e.strerror}）。") from None
    return folder
