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
    kind = kinds.by_name(name)
    if kind is None:
        raise PiaError(f"評価書の種類「{name}」は使えません。{'、'.join(k.name for k in kinds.ordered())} から選んでください。")
    return kind


def create(parent: Path, name: str, main: kinds.Kind) -> tuple[Path, bool]:
    """The folder `name` in parent holding the documents of one 事務 whose most detailed assessment is `kind`: that
    document (with systems.yaml and one per-file document for 重点/全項目) and, unless it is the 基礎 itself, the
    companion kiso.yaml. Returns the folder and whether its `$schema` references resolve inside the repository it
    lies in."""
    # one folder name: never a path out of parent (「../x」) or into a new subfolder (「a/b」)
    if not name or not all(c.isalnum() or c in "-_" for c in name):
        raise PiaError(f"フォルダ名「{name}」は使えません。英数字・ハイフン・下線だけの一つの名前にしてください（例: juki-2025）。")
    folder = parent / name
    if folder.exists():
        raise PiaError(f"{folder} はすでにあります。上書きしないため、別の名前を指定してください。")
    current = kinds.current_version()
    files: dict[str, bytes] = {}
    inside = True
    if main.files_dir and main.file_schema:
        listed = kinds.list_key(main)
        inside = _write(files, folder, main.file, main.schema, (f"{listed}: []", f"{listed}: [file1]"),
                        version=f"{current} {main.number}")
        for shared in main.shared:
            _write(files, folder, f"{shared}.yaml", shared)
        _write(files, folder, f"{main.files_dir}/file1.yaml", main.file_schema)
    elif not main.borrows_facts:
        inside = _write(files, folder, main.file, main.schema, version=f"{current} {main.number}")
    kiso = kinds.borrower()  # every 事務 has its 基礎項目評価書, which takes the facts written above
    if kiso is not None:
        omit = frozenset() if main is kiso else frozenset(kinds.shared_fact_paths())
        inside = _write(files, folder, kiso.file, kiso.schema, omit=omit, version=f"{current} {kiso.number}") and inside
    fswrite.new_folder(folder, files)  # the whole folder or nothing
    return folder, inside


def answer_threshold(folder: Path, main: kinds.Kind, answers: dict[tuple[str, ...], str],
                     required: frozenset[str] | None = None) -> None:
    """Write the しきい値判断 inputs the user gave to `pia new` (by their place in the most detailed form, in its options)
    where this folder keeps them: the main document, or kiso.yaml for a 基礎-only 事務 (forms.json kiso_facts);
    with the しきい値判断結果 they decide (`required`, the kinds' ids, when they decide it) and the 基礎's
    提出する評価書の種類 (the documents the folder holds)."""
    from pia.form.items import UnknownItem, item

    kiso, ref = kinds.borrower(), kinds.most_detailed()
    values: list[tuple[tuple[str | int, ...], str]] = []
    for fact in kinds.table()["kiso_facts"]["items"]:
        value = answers.get(tuple(fact[ref.id])) if isinstance(fact.get(ref.id), list) else None
        if value is None or not isinstance(fact.get(main.id), list):
            continue
        path = fact[main.id]
        if fact.get("map") == "option":  # the 基礎's 対象人数 sits in {選択: …}
            value = kinds.map_bounds(value, ref.schema, fact[ref.id], main.schema, path[:-1] if main is kiso else path)
        values.append((tuple(path), value))
    if required is not None:
        meaning = next(m for m, docs in kinds.table()["meanings"].items() if m != "description" and frozenset(docs) == required)
        result = next((o for o, m in kinds.option_attr(main.schema, main.result, "x-pia-meaning").items() if m == meaning), None)
        if result is not None:  # a voluntary --kind whose form has no option for it: left for check to point at
            values.append((main.result, result))
    _set(folder / main.file, main.schema, values)
    if kiso is not None and "submitted" in kiso.codes:
        submitted = item(kiso.codes["submitted"])
        try:
            _set(folder / kiso.file, kiso.schema, [(submitted.at(), submitted.option(main.id))])
        except UnknownItem:  # a kind the 基礎's IV 1 has no option for: left blank, for check to point at
            pass


def _set(file: Path, schema: str, values: list[tuple[tuple[str | int, ...], str]]) -> None:
    from pia.document import yaml_edit
    from pia.form import schema as sch

    if values:
        text = yaml_edit.set_values(file.read_text(encoding="utf-8"), values, sch.load().document(schema))
        fswrite.commit(file.parent, {file.name: text.encode("utf-8")}, create=False)
