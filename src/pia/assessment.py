"""An assessment folder: assessment.yaml, systems.yaml and files/<id>.yaml, loaded with positions."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from pia import schema as sch
from pia.errors import PiaError
from pia.findings import ERROR, Finding
from pia import fsread
from pia.items import item
from pia.loader import MAX_FILES, Budget, Document, load_file, load_text, refusal_finding

ASSESSMENT = "assessment.yaml"
SYSTEMS = "systems.yaml"
FILES = "files"


@dataclass
class Assessment:
    folder: str  # as shown to the user
    docs: dict[str, Document | None] = field(default_factory=dict)  # "assessment", "systems", "file:<id>"
    load_findings: list[Finding] = field(default_factory=list)

    @property
    def meta(self) -> dict[str, Any]:
        d = self.docs.get("assessment")
        return d.data if d and isinstance(d.data, dict) else {}

    @property
    def systems(self) -> list[dict[str, Any]]:
        d = self.docs.get("systems")
        val = item("I-システム").get(d.data) if d else None
        return [s for s in val if isinstance(s, dict)] if isinstance(val, list) else []

    def file_ids(self) -> list[str]:
        """Files in the order I-3 lists them; files it does not list follow in name order."""
        present = [k.split(":", 1)[1] for k in self.docs if k.startswith("file:")]
        listed = item("I-3").get(self.meta)
        order = [i for i in listed if isinstance(i, str) and i in present] if isinstance(listed, list) else []
        return order + sorted(i for i in present if i not in order)

    def files(self) -> list[tuple[str, dict[str, Any]]]:
        out = []
        for fid in self.file_ids():
            d = self.docs.get("file:" + fid)
            if d is not None and isinstance(d.data, dict):
                out.append((fid, d.data))
        return out

    def file_name(self, fid: object) -> str:
        """The file's name as its own YAML states it; fid as written when no such file (an empty or numeric entry
        of I-3's list, say: the check reports it)."""
        if not isinstance(fid, str):
            return "" if fid is None else str(fid)
        d = self.docs.get("file:" + fid)
        name = item("II-1").get(d.data) if d else None
        return str(name) if name else fid

    def file_label(self, fid: str) -> str:
        ids = self.file_ids()
        n = ids.index(fid) + 1 if fid in ids else 0
        return f"({n}){self.file_name(fid)}"

    def documents(self) -> Iterator[tuple[str, str, Document]]:
        """(doc key, schema name, document) for every document that loaded."""
        for key, doc in self.docs.items():
            if doc is not None:
                yield key, key.split(":", 1)[0], doc

    # ---- official item paths -------------------------------------------------------------
    def label(self, key: str, path: tuple[str | int, ...]) -> str:
        """The item's official path as the form writes it, e.g.
        `II 特定個人情報ファイルの概要 (1)住民基本台帳ファイル 2. 基本情報 ②対象となる本人の数`."""
        schema_name, _, fid = key.partition(":")
        root = sch.load()
        parts: list[str] = []
        if schema_name == "systems":
            parts.append(item("I").title)
        if schema_name == "file" and path[:1] == item("II-1").at():
            parts.append(item("II").title)
        prev: sch.Node | None = None
        for node, part in root.item_trail(schema_name, path):
            if isinstance(part, int):
                block = prev.get("x-pia-block") if prev else None
                if block and parts and parts[-1] == block:
                    parts[-1] = f"{block}{part + 1}"
                elif block:
                    parts.append(f"{block}{part + 1}")
                else:
                    parts.append(f"{part + 1}件目")
            else:
                t = sch.title(node) + (" ※" if sch.starred(node) else "")
                if not parts or parts[-1] != t:
                    parts.append(t)
                if schema_name == "file" and prev is None:
                    parts.insert(1, self.file_label(fid))
            prev = node
        return " ".join(parts)


def _display(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


def _missing(file: str, what: str) -> Finding:
    return Finding(file, 1, 1, "PIA012", ERROR, "", f"{what} がありません。",
                   "pia new で作成した記載例を参考に、ファイルを作成してください。")


def load(folder: Path) -> Assessment:
    """The folder's documents, read through fsread (nothing outside the folder, no FIFOs or devices, within the
    budget of one assessment). An entry pia will not read becomes a finding naming it."""
    if not folder.is_dir():
        raise PiaError(f"評価書フォルダ {folder} が見つかりません。")
    a = Assessment(_display(folder))
    root = fsread.Root(folder)
    budget = Budget()
    for key, name in (("assessment", ASSESSMENT), ("systems", SYSTEMS)):
        p = folder / name
        if os.path.lexists(p):
            a.docs[key], found = load_file(p, _display(p), root, budget)
            a.load_findings += found
        else:
            a.docs[key] = None
            a.load_findings.append(_missing(_display(p), name))
    fdir = folder / FILES
    if not os.path.lexists(fdir):
        return a
    try:
        entries = root.listdir(FILES)
    except fsread.Refusal as r:
        a.load_findings.append(refusal_finding(_display(fdir), r))
        return a
    for e in entries:
        if not e.rel.endswith((".yaml", ".yml")):
            continue
        shown = fsread.ascii_name(_display(e.path))
        if e.refused is not None:
            a.load_findings.append(refusal_finding(shown, e.refused))
            continue
        budget.files -= 1
        if budget.files < 0:
            a.load_findings.append(Finding(_display(fdir), 1, 1, "PIA043", ERROR, "",
                                           f"files/ のファイルが多すぎます（上限 {MAX_FILES:,} 件）。残りは読みません。",
                                           "誤って大量のファイルを置いていないか確認してください。"))
            break
        a.docs["file:" + Path(e.rel).stem], found = load_file(e.path, shown, root, budget)
        a.load_findings += found
    return a


def from_texts(name: str, texts: dict[str, bytes]) -> Assessment:
    """An assessment from file contents keyed by relative path (git revisions, tests)."""
    a = Assessment(name)
    budget = Budget()
    for rel, raw in sorted(texts.items()):
        shown = f"{name}/{rel}"
        if rel == ASSESSMENT:
            key = "assessment"
        elif rel == SYSTEMS:
            key = "systems"
        elif rel.startswith(FILES + "/") and rel.endswith((".yaml", ".yml")) and rel.count("/") == 1:
            key = "file:" + Path(rel).stem
        else:
            continue
        a.docs[key], found = load_text(shown, raw, budget)
        a.load_findings += found
    return a


def find_assessments(path: Path) -> list[Path]:
    """An assessment folder itself, or the assessment folders directly inside path."""
    if (path / ASSESSMENT).is_file():
        return [path]
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if (p / ASSESSMENT).is_file())
        if found:
            return found
    if path.is_file() and path.suffix in (".yaml", ".yml"):
        for parent in path.parents:
            if (parent / ASSESSMENT).is_file():
                return [parent]
    if not path.exists():
        raise PiaError(f"{path} が見つかりません。")
    raise PiaError(f"{path} は評価書フォルダではありません（{ASSESSMENT} がありません）。")
