"""`pia new`: an assessment folder from commented skeletons generated from the schemas, for each kind of document."""
from __future__ import annotations

from pathlib import Path

from pia.base import fswrite
from pia.form import kinds
from pia.base.errors import PiaError
from pia.app.init import schema_ref
from pia.form.skeleton import skeleton


def _write(files: dict[str, bytes], folder: Path, rel: str, name: str, replace: tuple[str, str] | None = None,
           omit: frozenset[tuple[str, ...]] = frozenset(), version: str | None = None) -> bool:
    ref, inside = schema_ref(folder / rel, name)
    text = skeleton(name, ref, omit=omit)
    if replace:
        text = text.replace(*replace)
    if version:
        text = text.replace(f"\n{kinds.version_key()}:", f"\n{kinds.version_key()}: {version}", 1)
    files[rel] = text.encode("utf-8")  # "\n" line ends: the same bytes on Windows
    return inside


def kind_for(name: str) -> kinds.Kind:
    """A kind by its name (基礎 / 重点 / 全項目), its id (basic / focused / full) or its file's stem (kiso / juten)."""
    for k in kinds.kinds().values():
        if name in (k.name, k.id, k.schema, k.number, k.file.removesuffix(".yaml")):
            return k
    raise PiaError(f"評価書の種類「{name}」は使えません。{'、'.join(kinds.kinds())} から選んでください。")


def create(folder: Path, kind: str = "全項目") -> tuple[Path, bool]:
    """The documents of one 事務 whose most detailed assessment is `kind`: that document (with systems.yaml and one
    per-file document for 重点/全項目) and, unless it is the 基礎 itself, the companion kiso.yaml. Returns the folder
    and whether its `$schema` references resolve inside the repository it lies in."""
    main = kind_for(kind)
    if folder.exists():
        raise PiaError(f"{folder} はすでにあります。上書きしないため、別の名前を指定してください。")
    if not folder.name or not all(c.isalnum() or c in "-_" for c in folder.name):
        raise PiaError("フォルダ名には英数字・ハイフン・下線だけを使ってください（例: juki-2025）。")
    current = kinds.current_version()
    files: dict[str, bytes] = {}
    inside = True
    if main.files_dir and main.file_schema:
        listed = kinds.list_key(main)
        inside = _write(files, folder, main.file, main.schema, (f"{listed}: []", f"{listed}: [file1]"),
                        version=f"{current} {main.number}")
        _write(files, folder, "systems.yaml", "systems")
        _write(files, folder, f"{main.files_dir}/file1.yaml", main.file_schema)
    kiso = kinds.kinds()["基礎"]
    omit = frozenset() if main is kiso else frozenset(kinds.shared_fact_paths())
    inside = _write(files, folder, kiso.file, kiso.schema, omit=omit, version=f"{current} {kiso.number}") and inside
    fswrite.new_folder(folder, files)  # the whole folder or nothing
    return folder, inside


def answer_threshold(folder: Path, main: kinds.Kind, answers: dict[tuple[str, ...], str]) -> None:
    """Write the しきい値判断 inputs the user gave to `pia new` (by their place in the 全項目評価書, in its options)
    where this folder keeps them: the main document, or kiso.yaml for a 基礎-only 事務 (forms.json kiso_facts)."""
    from pia.form import schema as sch
    from pia.document import yaml_edit

    kiso = kinds.kinds()["基礎"]
    values: list[tuple[tuple[str | int, ...], str]] = []
    for fact in kinds.table()["kiso_facts"]["items"]:
        value = answers.get(tuple(fact["全項目"])) if isinstance(fact["全項目"], list) else None
        if value is None:
            continue
        path = fact["kiso"] if main is kiso else fact[main.name]
        if fact.get("map") == "option":  # the 基礎's 対象人数 sits in {選択: …}
            value = kinds.map_bounds(value, "assessment", fact["全項目"], main.schema, path[:-1] if main is kiso else path)
        values.append((tuple(path), value))
    text = yaml_edit.set_values((folder / main.file).read_text(encoding="utf-8"), values, sch.load().document(main.schema))
    fswrite.commit(folder, {main.file: text.encode("utf-8")}, create=False)
