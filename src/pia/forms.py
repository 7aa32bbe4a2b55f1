"""The form family: document kinds (基礎 / 重点 / 全項目), the threshold decision, form versions and drafts.

Everything here reads `schemas/forms.json` (kinds, the threshold table, the versions table, where the 基礎項目評価書
finds the facts other documents hold); nothing here knows a label or an option text.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from pia import schema as sch
from pia.items import UnknownItem, item
from pia.resources import schemas_dir

if TYPE_CHECKING:
    from pia.assessment import Assessment

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


def kind_of_key(a: Assessment, key: str) -> Kind | None:
    """The document a YAML file of the folder belongs to (systems.yaml: the detailed form of the folder)."""
    main = main_kind(a)
    return next((k for k in ([main] if main else []) + list(kinds().values()) if owns(k, key)), None)


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


# ---- the documents of one folder --------------------------------------------------------------------

def present(a: Assessment) -> list[Kind]:
    return [kinds()[n] for n in ORDER if kinds()[n].key in a.docs]


def main_kind(a: Assessment) -> Kind | None:
    """The most detailed document of the folder: it holds the facts the other documents print."""
    p = present(a)
    return p[-1] if p else None


def data(a: Assessment, kind: Kind) -> dict[str, Any]:
    d = a.docs.get(kind.key)
    return d.data if d is not None and isinstance(d.data, dict) else {}


def _get(d: Any, path: list[str] | tuple[str, ...]) -> Any:
    for k in path:
        d = d.get(k) if isinstance(d, dict) else None
    return d


def _opts(schema_name: str, path: tuple[str, ...] | list[str]) -> list[str]:
    return sch.options(sch.load().node_at(schema_name, tuple(path)) or {})


def declared_result(a: Assessment, kind: Kind) -> tuple[Required | None, str | None]:
    """The しきい値判断結果 the document states, as the set of documents it says are required (and the text)."""
    if kind.name == "基礎" and main_kind(a) is not kind:
        return None, None  # a companion 基礎 prints the main document's result
    v = _get(data(a, kind), kind.result)
    meaning = _attr(kind.schema, kind.result, "x-pia-meaning").get(v) if isinstance(v, str) else None
    return (meaning_documents(meaning), v) if meaning else (None, None)


def _attr(schema_name: str, path: tuple[str, ...] | list[str], name: str) -> dict[str, Any]:
    """An option attribute (x-pia-meaning, x-pia-bounds) of the item at path, plain or under 選択."""
    node = sch.load().node_at(schema_name, tuple(path)) or {}
    value = node.get(name)
    if value is None:
        value = node.get("properties", {}).get(sch.SELECTED, {}).get(name)
    return value or {}


@dataclass
class Inputs:
    persons: int | None  # the lower bound of the 対象人数 band
    many: bool | None
    accident: bool | None
    kind: Kind | None  # the document the inputs were read from


def staff_bounds(a: Assessment) -> tuple[int, int | None]:
    """取扱者数 of the 事務, counted once (TH-3): the same staff may handle every file, so staff count at least the
    largest 使用者数 lower bound; contractors' staff are other persons, likewise at least the largest 委託先 lower
    bound. At most everybody is distinct: the sum of the upper bounds (None when a value is missing)."""
    kind = main_kind(a)
    codes = table()["kinds"][kind.name].get("codes", {}) if kind else {}
    if "users" not in codes:
        return 0, None
    users, outsourcing, contractor = (item(codes[k]) for k in ("users", "outsourcing", "contractor_handlers"))
    staff: list[tuple[int, int | None]] = []
    contractors: list[tuple[int, int | None]] = []
    for _, f in files_of(a, kind):
        b = users.bounds(users.get(f))
        if b is None:
            return 0, None
        staff.append(b)
        for it in outsourcing.get(f) or []:
            b = contractor.bounds(contractor.of(it, outsourcing))
            if b is None:
                return 0, None
            contractors.append(b)
    lo = max((b[0] for b in staff), default=0) + max((b[0] for b in contractors), default=0)
    hi: int | None = 0
    for b in staff + contractors:
        hi = None if hi is None or b[1] is None else hi + b[1]
    return lo, hi


def list_key(kind: Kind) -> str:
    """The key under which a detailed form lists its per-file documents (I-3 特定個人情報ファイル名)."""
    from pia.assessment import PER_FILE

    return item(PER_FILE[kind.file_schema][0]).key if kind.file_schema else ""


def item_of(kind: Kind, code: str) -> tuple[tuple[str, ...], sch.Node] | None:
    """A per-file item of a detailed form by its 全項目 code without prefix (「II-4-委託の有無」): (path, node)."""
    return node_by_code(kind.file_schema, kind.code_prefix + code) if kind.file_schema else None


def files_of(a: Assessment, kind: Kind) -> list[tuple[str, dict[str, Any]]]:
    """The per-file documents of a detailed form, in the order its 特定個人情報ファイル名 lists them."""
    if kind.file_schema is None:
        return []
    out = []
    for fid in a.file_ids(kind.file_schema):
        d = a.docs.get(f"{kind.file_schema}:{fid}")
        if d is not None and isinstance(d.data, dict):
            out.append((fid, d.data))
    return out


def inputs(a: Assessment) -> Inputs:
    """The three threshold inputs as the folder states them (the main document's, or the 基礎's own)."""
    kind = main_kind(a)
    if kind is None:
        return Inputs(None, None, None, None)
    view = kiso_view(a)
    codes = table()["kinds"]["基礎"]["codes"]
    persons_item, handlers_item, accident_item = (item(codes[k]) for k in ("persons", "handlers", "accident"))
    persons = persons_item.bounds(persons_item.get(view))
    handlers = handlers_item.bounds(handlers_item.get(view))
    limit = table()["threshold"]["many_handlers"]
    many = None if handlers is None else handlers[0] >= limit
    if many is None:
        lo, hi = staff_bounds(a)
        many = True if lo >= limit else False if hi is not None and hi < limit else None
    accident = {"yes": True, "no": False}.get(accident_item.meaning(accident_item.get(view)) or "")
    if accident is None and kind.name == "全項目":
        # 過去3年以内に個人情報の重大事故なし ⇒ 過去1年以内に特定個人情報の重大事故なし (TH-2)
        nines = [_nine(f) for _, f in files_of(a, kind)]
        if nines and all(n == "no" for n in nines):
            accident = False
    return Inputs(persons[0] if persons else None, many, accident, kind)


def _nine(f: dict[str, Any]) -> Any:
    nine = item("III-7-リスク1-⑨")
    return nine.meaning(nine.get(f))


# ---- the 基礎項目評価書 of a folder ---------------------------------------------------------------------

def kiso_view(a: Assessment) -> dict[str, Any]:
    """The complete 基礎項目評価書 (in kiso.schema.json's shape): kiso.yaml, with the facts the main document
    holds filled in from there (facts are written once, printed in every document)."""
    kiso = kinds()["基礎"]
    own = data(a, kiso)
    view: dict[str, Any] = json.loads(json.dumps(own))  # a deep copy of plain data
    main = main_kind(a)
    if main is None or main.name == "基礎":
        return view
    src = data(a, main)
    for fact in table()["kiso_facts"]["items"]:
        where = fact[main.name]
        if where == "systems":
            name = item("I-2-システム-①")
            names = [name.of(s, item("I-システム")) for s in a.systems]
            value: Any = "、".join(str(n) for n in names if n) or None
        elif where == "files":
            value = [a.file_name(fid, main.file_schema) for fid, _ in files_of(a, main)] or None
        else:
            value = _get(src, where)
            if fact.get("map") == "option":
                value = map_bounds(value, main.schema, where, "kiso", fact["kiso"][:-1])
            elif fact.get("map") == "result":
                value = _map_result(value, main, kiso)
        _put(view, fact["kiso"], value)
    return view


def shared_fact_paths() -> list[tuple[str, ...]]:
    return [tuple(f["kiso"]) for f in table()["kiso_facts"]["items"]]


def fact_source(a: Assessment, kiso_path: tuple[str, ...]) -> tuple[str, tuple[str, ...]] | None:
    """Where the main document holds a fact the 基礎 prints: (doc key, path), or None (derived from several)."""
    main = main_kind(a)
    if main is None or main.name == "基礎":
        return None
    for fact in table()["kiso_facts"]["items"]:
        if tuple(fact["kiso"]) == kiso_path and isinstance(fact[main.name], list):
            return main.key, tuple(fact[main.name])
    return None


def map_bounds(value: Any, from_schema: str, from_path: list[str], to_schema: str, to_path: list[str]) -> Any:
    """The option of another form that stands for the same count range (「1,000人未満」 -> 「1,000人未満（任意実施）」)."""
    bounds = _attr(from_schema, from_path, "x-pia-bounds").get(value) if isinstance(value, str) else None
    if bounds is None:
        return value
    return next((o for o, b in _attr(to_schema, to_path, "x-pia-bounds").items() if b == bounds), value)


def _map_result(value: Any, main: Kind, kiso: Kind) -> Any:
    """The 基礎's option with the same meaning as the main document's しきい値判断結果."""
    meaning = _attr(main.schema, main.result, "x-pia-meaning").get(value) if isinstance(value, str) else None
    if meaning is None:
        return value
    return next((o for o, m in _attr(kiso.schema, kiso.result, "x-pia-meaning").items() if m == meaning), value)


def _put(d: dict[str, Any], path: list[str], value: Any) -> None:
    for k in path[:-1]:
        nxt = d.get(k)
        if not isinstance(nxt, dict):
            nxt = d[k] = {}
        d = nxt
    d[path[-1]] = value


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


def version_of(a: Assessment, kind: Kind) -> str:
    """The version tag a document declares (`様式:`), or the current one when it declares none or an unknown one."""
    parsed = parse_version(data(a, kind).get(version_key()))
    known = {v["tag"] for v in versions()}
    return parsed[0] if parsed and parsed[0] in known else current_version()


def version_key() -> str:
    """The YAML key every document declares its version under (the same in every form)."""
    return item("表紙-様式").key


def title_key() -> str:
    return item("表紙-評価書名").key


def version_entry(tag: str) -> dict[str, Any]:
    return next(v for v in versions() if v["tag"] == tag)


def cover_tag(a: Assessment, kind: Kind) -> str:
    """The version tag the cover prints, as published documents do: 「[平成30年5月 様式4]」."""
    return f"[{version_of(a, kind)} {kind.number}]"


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


@dataclass
class Migration:
    texts: dict[str, str]  # relative path -> new text (only the files that change)
    report: list[str]  # what changed and what the editor must fill or re-check, in Japanese




def migrate(texts: dict[str, str]) -> Migration:
    """Move every document of a folder (relative path -> YAML text) to the current form version: the `様式:` line
    is rewritten; the report lists renamed labels, items the current version adds (to fill) and items to re-check.
    The rest of each text is kept byte for byte (comments and suppressions included)."""
    current = current_version()
    out: dict[str, str] = {}
    report: list[str] = []
    for kind in (kinds()[n] for n in ORDER):
        text = texts.get(kind.file)
        if text is None:
            continue
        line_re = re.compile("^" + re.escape(version_key()) + ":.*$", re.M)
        m = line_re.search(text)
        parsed = parse_version(m.group().split(":", 1)[1].split("#", 1)[0]) if m else None
        old = parsed[0] if parsed else current
        name = short_title(kind)
        if old == current:
            report.append(f"{name}（{kind.file}）: すでに現在の版（{current} {kind.number}）です。")
            continue
        line = f"{version_key()}: {current} {kind.number}"
        out[kind.file] = line_re.sub(line, text, count=1)
        report.append(f"{name}（{kind.file}）: {old} {kind.number} → {current} {kind.number}")
        for code, old_title in version_entry(old).get("labels", {}).items():
            found = node_by_code(kind.schema, code)
            if found:
                report.append(f"  項目名の変更: 「{old_title}」→「{label(found[1], current)}」")
        for code in sorted(absent_codes(old) - absent_codes(current)):
            found = node_by_code(kind.schema, code)
            if found:
                report.append(f"  記入が必要: 「{sch.title(found[1])}」（{code}。{old}の様式にはない項目です）")
        report += _layout_changes(kind, old, current)
        for code in table()["migrate"]["recheck"].get(kind.name, []):
            found = node_by_code(kind.schema, code)
            if found:
                report.append(f"  見直しが必要: 「{label(found[1], current)}」（{code}）")
    return Migration(out, report)


def _layout_changes(kind: Kind, old: str, new: str) -> list[str]:
    """How the printed form differs between two versions (the versions table's `layout` and `absent`)."""
    from pia import layout

    before, after = layout.part_titles(kind.id, old), layout.part_titles(kind.id, new)
    out = [f"  見出しの変更: 「{before[p]}」→「{after[p]}」" for p in after if p in before and before[p] != after[p]]
    out += [f"  部分の追加: 「{after[p]}」（{old}の様式にはない部分です）" for p in after if p not in before]
    out += [f"  部分の削除: 「{before[p]}」（{new}の様式にはない部分です）" for p in before if p not in after]
    return out


# ---- which documents a change concerns ---------------------------------------------------------------

def change_documents(a: Assessment, key: str, path: tuple[Any, ...]) -> list[Kind]:
    """The documents that print the item changed at (doc key, data path): the document it is written in and,
    for a fact the 基礎項目評価書 takes from the main document, the 基礎 too (each document's 変更箇所)."""
    base = key.split(":", 1)[0]
    kiso = kinds()["基礎"]
    if base == kiso.key:
        return [kiso]
    main = main_kind(a)
    if main is None:
        return []
    out = [main]
    if kiso.key not in a.docs or main is kiso:
        return out
    prints = False
    from pia.assessment import PER_FILE
    if base == "systems":
        prints = bool(path) and path[-1] == item("I-2-システム-①").key
    elif base == main.file_schema:
        prints = tuple(path[:1]) == item(PER_FILE[base][1]).at()
    elif base == main.key:
        sources = [tuple(f[main.name]) for f in table()["kiso_facts"]["items"] if isinstance(f[main.name], list)]
        prints = any(tuple(path[:len(s)]) == s for s in sources)
    return out + [kiso] if prints else out


# ---- what the renderers print for each document -------------------------------------------------------

def render_view(a: Assessment, kind: Kind) -> Assessment:
    """The folder as the renderer reads it for one document: for the 基礎, kiso.yaml completed with the facts the
    main document holds (kiso_view); the other documents are printed from their own files."""
    from dataclasses import replace

    doc = a.docs.get(kind.key)
    if kind.name != "基礎" or doc is None:
        return a
    return replace(a, docs={**a.docs, kind.key: replace(doc, data=kiso_view(a))})


def changes_item(kind: Kind) -> Any:
    """The item holding a document's 変更箇所 rows as written in its YAML (the layout's "changes" part)."""
    from pia import layout

    code = next((p["item"] for p in layout.load(kind.id)["parts"] if p.get("role") == "changes"), None)
    return item(code) if code else None


def recorded_changes(a: Assessment, kind: Kind) -> list[list[Any]]:
    """The rows of a document's 変更箇所 as written in its YAML (the 全項目's 別添3 also derives rows from history)."""
    it = changes_item(kind)
    if it is None:
        return []
    cols = [k for k, _ in sch.properties(it.node.get("items", {}))]
    rows = it.get(data(a, kind)) or []
    return [[r.get(k) for k in cols] for r in rows if isinstance(r, dict)]


def output_stem(stem: str, kind: Kind, main: Kind | None) -> str:
    """The file name of a document's outputs: the folder's name for the main document, with 「-kiso」 (「-juten」)
    for the 基礎 (重点) beside a more detailed one."""
    return stem if kind is main else stem + table()["kinds"][kind.name]["output_suffix"]
