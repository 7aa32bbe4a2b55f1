"""The kinds of document (基礎 / 重点 / 全項目) as records of `schemas/forms.json`: their files, code prefixes
and titles, the threshold decision, the form versions and their labels.

Form data only: nothing here reads a loaded folder (that is pia.document.family) or knows a label or option text.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pia.form import schema as sch
from pia.form.items import UnknownItem, item
from pia.form.table import table

Required = frozenset[str]  # the kinds of document the threshold requires, by id, e.g. {"basic", "full"}


@dataclass(frozen=True)
class Kind:
    """One kind of document, as schemas/forms.json declares it. Code asks the record, never the kind's name."""
    id: str  # basic / focused / full: the one identity of a kind (data is keyed by it)
    name: str  # 基礎 / 重点 / 全項目: how staff name it
    number: str  # 様式2 / 様式3 / 様式4
    title: str
    file: str  # the YAML file of the document in an assessment folder
    schema: str
    files_dir: str | None  # per-file documents (II/III) of the detailed forms
    file_schema: str | None
    result: tuple[str, ...]  # where the document states its しきい値判断結果 (its options carry x-pia-meaning)
    code_prefix: str  # item codes of this form: 「重点-II-4-委託の有無」 (the 全項目評価書's codes have none)
    rank: int  # how detailed: a folder's main document is its most detailed one
    output_suffix: str  # beside a more detailed document, its outputs are named <folder><suffix>
    shared: tuple[str, ...] = ()  # documents shared with other detailed forms (systems)
    borrows_facts: bool = False  # prints facts written once in the main document (kiso_facts)
    legacy_changes: bool = False  # keeps the 変更箇所 rows recorded before pia (表紙-変更箇所の記録)
    procedure: str | None = None  # 意見聴取・第三者点検: "mandatory", "voluntary", or None (the form has none)
    accident_from: str | None = None  # the per-file item that stands in for a missing 重大事故 input
    per_file: tuple[str, str, str] | None = None  # (item listing the files, the file's name, its part heading)
    obligations: tuple[tuple[str, str], ...] = ()  # (procedure, source) a 重要な変更 calls for: re-assessed kinds only
    codes: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)  # roles -> item codes

    @property
    def key(self) -> str:
        """The document key in Assessment.docs."""
        return self.schema


@cache
def kinds() -> dict[str, Kind]:
    """Every kind, by id, least detailed first."""
    out = []
    for kid, k in table()["kinds"].items():
        pf = k.get("per_file")
        out.append(Kind(kid, k["name"], k["number"], k["title"], k["file"], k["schema"], k.get("files_dir"),
                        k.get("file_schema"), tuple(k["result"]), k["code_prefix"], k["rank"], k["output_suffix"],
                        tuple(k.get("shared", ())), bool(k.get("borrows_facts")), bool(k.get("legacy_changes")),
                        k.get("procedure"), k.get("accident_from"),
                        (pf["list"], pf["name"], pf["heading"]) if pf else None,
                        tuple((what, src) for what, src in k.get("obligations", ())), k.get("codes", {})))
    return {k.id: k for k in sorted(out, key=lambda k: k.rank)}


def ordered() -> list[Kind]:
    """Every kind from the least to the most detailed."""
    return list(kinds().values())


def most_detailed() -> Kind:
    return ordered()[-1]


def borrower() -> Kind | None:
    """The kind that prints facts written once in a more detailed document (the 基礎項目評価書)."""
    return next((k for k in ordered() if k.borrows_facts), None)


def covers(held: Kind, required: Kind) -> bool:
    """Whether a document held meets the obligation to a required one: itself, or a more detailed one done
    voluntarily in place of a required 重点 (forms.md §1); nothing stands in for the 基礎, which every 事務 files."""
    return held is required or held.rank > required.rank and not required.borrows_facts and not held.borrows_facts


def by_id(kind_id: str) -> Kind | None:
    """The kind with that id (basic / focused / full)."""
    return kinds().get(kind_id)


def by_name(text: str) -> Kind | None:
    """The kind staff name: its id, its name (基礎), its short title (基礎項目評価書) or its 様式 number."""
    t = _nfkc(str(text)).strip()
    return next((k for k in ordered() if t in (k.id, k.name, short_title(k), _nfkc(k.number), k.schema,
                                                 k.file.removesuffix(".yaml"))), None)


def by_key(key: str) -> Kind | None:
    base = key.split(":", 1)[0]
    return next((k for k in kinds().values() if k.key == base), None)


def owns(kind: Kind, key: str) -> bool:
    """Whether a document key (kiso, juten-file:ID, systems …) is one of the YAML files that make up that document:
    its own file, its per-file files and the documents it shares with other detailed forms (systems.yaml)."""
    base = key.split(":", 1)[0]
    return base in (kind.key, kind.file_schema, *kind.shared)


# ---- threshold ------------------------------------------------------------------------------------

def meaning_documents(meaning: str) -> Required:
    """The documents a しきい値判断結果 means (x-pia-meaning "full" -> {基礎, 全項目})."""
    return frozenset(table()["meanings"][meaning])


def _row(persons_low: int) -> dict[str, Any]:
    return [r for r in table()["threshold"]["rows"] if r["from"] <= persons_low][-1]


def required_documents(persons_low: int | None, many: bool | None, accident: bool | None) -> set[Required]:
    """The documents the しきい値判断 requires, from 対象人数 (the lower bound of its band, in persons), whether
    取扱者数 is 500 or more, and whether a 重大事故 happened within a year. None means unknown: the result is then
    every outcome the unknown input allows (one element when the inputs decide it)."""
    rows = table()["threshold"]["rows"]
    if persons_low is None:
        return {meaning_documents(r[c]) for r in rows for c in ("normal", "escalated")}
    row = _row(persons_low)
    if many or accident:
        escalate = {True}
    elif many is False and accident is False:
        escalate = {False}
    else:
        escalate = {True, False}
    return {meaning_documents(row["escalated" if e else "normal"]) for e in escalate}


def row_certainty(persons_low: int) -> str:
    return _row(persons_low)["certainty"]


def describe(req: Required) -> str:
    """Plain Japanese for a set of documents, from the kinds' titles (e.g. 「基礎項目評価書及び全項目評価書」)."""
    if not req:
        return "評価書なし（実施が義務付けられない）"
    names = [short_title(k) for k in ordered() if k.id in req]
    return "及び".join(names)


def short_title(kind: Kind) -> str:
    m = re.search(r"（(.+)）", kind.title)
    return m.group(1) if m else kind.title


def _opts(schema_name: str, path: tuple[str, ...] | list[str]) -> list[str]:
    return sch.options(sch.load().node_at(schema_name, tuple(path)) or {})


def option_attr(schema_name: str, path: tuple[str, ...] | list[str], name: str) -> dict[str, Any]:
    """An option attribute (x-pia-meaning, x-pia-bounds) of the item at path, plain or under 選択."""
    node = sch.load().node_at(schema_name, tuple(path)) or {}
    value = node.get(name)
    if value is None:
        value = node.get("properties", {}).get(sch.SELECTED, {}).get(name)
    return value or {}

def per_file(file_schema: str) -> tuple[str, str, str] | None:
    """(item listing the files, the file's name, its part heading) of the kind whose per-file documents use that schema."""
    return next((k.per_file for k in ordered() if k.file_schema == file_schema), None)


def list_key(kind: Kind) -> str:
    """The key under which a detailed form lists its per-file documents (I-3 特定個人情報ファイル名)."""
    return item(kind.per_file[0]).key if kind.per_file else ""


def item_of(kind: Kind, code: str) -> tuple[tuple[str, ...], sch.Node] | None:
    """A per-file item of a detailed form by its 全項目 code without prefix (「II-4-委託の有無」): (path, node)."""
    return node_by_code(kind.file_schema, kind.code_prefix + code) if kind.file_schema else None


def shared_fact_paths() -> list[tuple[str, ...]]:
    kiso = borrower()
    return [tuple(f[kiso.id]) for f in table()["kiso_facts"]["items"]] if kiso else []


def map_bounds(value: Any, from_schema: str, from_path: list[str], to_schema: str, to_path: list[str]) -> Any:
    """The option of another form that stands for the same count range (「1,000人未満」 -> 「1,000人未満（任意実施）」)."""
    bounds = option_attr(from_schema, from_path, "x-pia-bounds").get(value) if isinstance(value, str) else None
    if bounds is None:
        return value
    return next((o for o, b in option_attr(to_schema, to_path, "x-pia-bounds").items() if b == bounds), value)


# ---- versions ---------------------------------------------------------------------------------------

_VERSION = re.compile(r"^\s*[\[［]?\s*((?:平成|令和)[0-9元]+年[0-9]+月)\s*(様式[0-9])\s*[\]］]?\s*$")


def _nfkc(s: str) -> str:
    return unicodedata.normalize("NFKC", s)


def parse_version(text: Any) -> tuple[str, str] | None:
    """「平成30年5月 様式4」 (with or without the brackets of the cover) -> ("平成30年5月", "様式4")."""
    if not isinstance(text, str):
        return None
    m = _VERSION.match(_nfkc(text))
    return (m.group(1), m.group(2)) if m else None


def versions() -> list[dict[str, Any]]:
    return table()["versions"]


def current_version() -> str:
    return next(v["tag"] for v in versions() if v.get("current"))


def version_key() -> str:
    """The YAML key every document declares its version under (the same in every form)."""
    return item("表紙-様式").key


def title_key() -> str:
    return item("表紙-評価書名").key


def version_entry(tag: str) -> dict[str, Any]:
    return next(v for v in versions() if v["tag"] == tag)


def label(node: sch.Node, tag: str) -> str:
    """An item's title as the given version prints it (the versions table overrides titles by item code)."""
    return version_entry(tag).get("labels", {}).get(sch.code(node), sch.title(node))


def absent_codes(tag: str) -> set[str]:
    return set(version_entry(tag).get("absent", []))


# ---- drafts -----------------------------------------------------------------------------------------

def is_draft(doc: Any) -> bool:
    """A draft (for public comment): the 評価書名 carries 「(案)」 or 「(素案)」, as published drafts do."""
    name = doc.get(title_key()) if isinstance(doc, dict) else None
    return isinstance(name, str) and any(m in _nfkc(name) for m in table()["draft_marks"])


# ---- migration to the current version -----------------------------------------------------------------

def node_by_code(schema_name: str, code: str) -> tuple[tuple[Any, ...], sch.Node] | None:
    """(data path, schema node) of the item with that code in that document's schema, or None."""
    try:
        it = item(code)
    except UnknownItem:
        return None
    return (it.path, it.node) if it.doc == schema_name else None


def output_stem(stem: str, kind: Kind, main: Kind | None) -> str:
    """The file name of a document's outputs: the folder's name for the main document, with 「-kiso」 (「-juten」)
    for the 基礎 (重点) beside a more detailed one."""
    return stem if kind is main else stem + kind.output_suffix
