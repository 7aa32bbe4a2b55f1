"""`pia new`: an assessment folder from commented skeletons generated from the schemas."""
from __future__ import annotations

from pathlib import Path

from pia.errors import PiaError
from pia.init import schema_ref
from pia.skeleton import skeleton


def _write(path: Path, name: str, replace: tuple[str, str] | None = None) -> bool:
    ref, inside = schema_ref(path, name)
    text = skeleton(name, ref)
    if replace:
        text = text.replace(*replace)
    path.write_text(text, encoding="utf-8", newline="\n")  # the same bytes on Windows
    return inside


def create(folder: Path) -> tuple[Path, bool]:
    """The folder, and whether its `$schema` references resolve inside the repository it lies in."""
    if folder.exists():
        raise PiaError(f"{folder} はすでにあります。上書きしないため、別の名前を指定してください。")
    if not folder.name or not all(c.isalnum() or c in "-_" for c in folder.name):
        raise PiaError("フォルダ名には英数字・ハイフン・下線だけを使ってください（例: juki-2025）。")
    try:
        (folder / "files").mkdir(parents=True)
        inside = _write(folder / "assessment.yaml", "assessment", ("特定個人情報ファイル名: []", "特定個人情報ファイル名: [file1]"))
        _write(folder / "systems.yaml", "systems")
        _write(folder / "files" / "file1.yaml", "file")
    except OSError as e:
        raise PiaError(f"{folder} を作成できません（{e.strerror}）。") from None
    return folder, inside
