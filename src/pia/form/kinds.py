"""The kinds of document (基礎 / 重点 / 全項目) as records of `schemas/forms.json`: their files, code prefixes
and titles, the threshold decision, the form versions and their labels.

Form data only: nothing here reads a loaded folder (that is pia.document.family) or knows a label or option text.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from pia.form import schema as sch
from pia.form.items import UnknownItem, item
from pia.base.resources import schemas_dir

if TYPE_CHECKING:
    pass

Required = frozenset[str]  # the kinds of document the threshold requires, e.g. {"基礎", "全項目"}


@cache
def table() -> dict[str, Any]:
    return json.loads((schemas_dir() / "forms.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Kind:
    id: str  # basic / focused / full: the registry's document kinds
    name: str  # 基礎 / 重点 / 全項目
    number: str  # 様式2 / 様式3 / 様式4
    title: str
    file: str  # the YAML file of the document in an assessment folder
    schema: str
    files_dir: str | None  # per-file documents (II/III) of the detailed forms
    file_schema: str | None
    result: tuple[str, ...]  # where the document states its しきい値判断結果 (its options carry x-pia-meaning)
    code_prefix: str  # item codes of this form: 「重点-II-4-委託の有無」 (the 全項目評価書's codes have none)

    @property
    def key(self) -> str:
        """The document key in Assessment.docs."""
        return self.schema


@cache
def kinds() -> dict[str, Kind]:
    out = {}
    for name, k in table()["kinds"].items():
        out[name] = Kind(k["id"], name, k["number"], k["title"], k["file"], k["schema"], k.get("files_dir"), k.get("file_schema"),
                         tuple(k["result"]), k["code_prefix"])
    return out


ORDER = ("基礎", "重点", "全項目")  # from least to most detailed


def by_id(kind_id: str) -> Kind | None:
    """The kind with that registry id (basic / focused / full)."""
    return next((k for k in kinds().values() if k.id == kind_id), None)


def by_key(key: str) -> Kind | None:
    base = key.split(":", 1)[0]
    return next((k for k in kinds().values() if k.key == base), None)


def owns(kind: Kind, key: str) -> bool:
    """Whether a document key (kiso, juten-file:ID, systems …) is one of the YAML files that make up that document:
    its own file, its per-file files and, for the detailed forms, systems.yaml."""
    base = key.split(":", 1)[0]
    return base in (kind.key, kind.file_schema) or (base == "systems" and kind.file_schema is not None)


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
    names = [short_title(kinds()[k]) for k in ORDER if k in req]
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

# The per-file documents of the detailed forms: (the item listing the files, the file's name, its part heading).
PER_FILE = {"file": ("I-3", "II-1", "II"), "juten-file": ("重点-I-ファイル", "重点-II-1", "重点-II")}


def list_key(kind: Kind) -> str:
    """The key under which a detailed form lists its per-file documents (I-3 特定個人情報ファイル名)."""
    return item(PER_FILE[kind.file_schema][0]).key if kind.file_schema else ""


def item_of(kind: Kind, code: str) -> tuple[tuple[str, ...], sch.Node] | None:
    """A per-file item of a detailed form by its 全項目 code without prefix (「II-4-委託の有無」): (path, node)."""
    return node_by_code(kind.file_schema, kind.code_prefix + code) if kind.file_schema else None


def shared_fact_paths() -> list[tuple[str, ...]]:
    return [tuple(f["kiso"]) for f in table()["kiso_facts"]["items"]]


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
    return stem if kind is main else stem + table()["kinds"][kind.name]["output_suffix"]
