"""The documents of one loaded 事務 folder: which kinds it holds, the main one, each document's data and version,
the 基礎's view of facts written in the other documents, the threshold inputs, and the documents a change touches.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pia.form import schema as sch
from pia.form.items import item
from pia.form.kinds import Kind, borrower, short_title, option_attr, current_version, kinds, map_bounds, meaning_documents, owns, parse_version, table, version_key, versions
from pia.form.layout import changes_item
from pia.form.kinds import Required, per_file, required_documents
from pia.form.kinds import label as version_label

if TYPE_CHECKING:
    from pia.document.assessment import Assessment


def kind_of_key(a: Assessment, key: str) -> Kind | None:
    """The document a YAML file of the folder belongs to (systems.yaml: the detailed form of the folder)."""
    main = main_kind(a)
    return next((k for k in ([main] if main else []) + list(kinds().values()) if owns(k, key)), None)


# ---- official item paths -------------------------------------------------------------------------------

def label(a: Assessment, key: str, path: tuple[str | int, ...]) -> str:
    """The item's official path as the form writes it, e.g.
    `II 特定個人情報ファイルの概要 (1)住民基本台帳ファイル 2. 基本情報 ②対象となる本人の数`."""
    schema_name, _, fid = key.partition(":")
    root = sch.load()
    form = kind_of_key(a, key)
    tag = version_of(a, form) if form else None

    def title(node: sch.Node) -> str:  # as the document's own form version prints it
        return version_label(node, tag) if tag else sch.title(node)

    parts: list[str] = []
    if schema_name == "systems":
        parts.append(title(item("I").node))
    entry = per_file(schema_name)  # a per-file document: its part heading and the file's name lead the path
    if entry and path[:1] == item(entry[1]).at():
        parts.append(title(item(entry[2]).node))
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
            t = title(node) + (" ※" if sch.starred(node) else "")
            if not parts or parts[-1] != t:
                parts.append(t)
            if entry and prev is None:
                parts.insert(1, a.file_label(fid, schema_name))
        prev = node
    return " ".join(parts)


# ---- the documents of one folder --------------------------------------------------------------------

def present(a: Assessment) -> list[Kind]:
    """The kinds of document the folder holds, least detailed first."""
    return [k for k in kinds().values() if k.key in a.docs]


def main_kind(a: Assessment) -> Kind | None:
    """The most detailed document of the folder: it holds the facts the other documents print."""
    p = present(a)
    return p[-1] if p else None


def data(a: Assessment, kind: Kind) -> dict[str, Any]:
    d = a.docs.get(kind.key)
    return d.data if d is not None and isinstance(d.data, dict) else {}


def declared_result(a: Assessment, kind: Kind) -> tuple[Required | None, str | None]:
    """The しきい値判断結果 the document states, as the set of documents it says are required (and the text)."""
    if kind.borrows_facts and main_kind(a) is not kind:
        return None, None  # a companion 基礎 prints the main document's result
    v = _get(data(a, kind), kind.result)
    meaning = option_attr(kind.schema, kind.result, "x-pia-meaning").get(v) if isinstance(v, str) else None
    return (meaning_documents(meaning), v) if meaning else (None, None)


def required(a: Assessment) -> Required | None:
    """The documents the しきい値判断 requires of the 事務: from its inputs when they decide it (a 重点 whose 対象人数
    grew past 30万人 requires the 全項目, which its own result options cannot say), else as its main document states
    it when the inputs allow that; None when neither tells."""
    main = main_kind(a)
    if main is None:
        return None
    inp = inputs(a)
    expected = required_documents(inp.persons, inp.many, inp.accident)
    declared, _ = declared_result(a, main)
    if len(expected) == 1:
        return next(iter(expected))
    return declared if declared in expected else None


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
    codes = kind.codes if kind else {}
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
    kind, kiso = main_kind(a), borrower()
    if kind is None or kiso is None:
        return Inputs(None, None, None, kind)
    view = kiso_view(a)
    codes = kiso.codes
    persons_item, handlers_item, accident_item = (item(codes[k]) for k in ("persons", "handlers", "accident"))
    persons = persons_item.bounds(persons_item.get(view))
    handlers = handlers_item.bounds(handlers_item.get(view))
    limit = table()["threshold"]["many_handlers"]
    many = None if handlers is None else handlers[0] >= limit
    if many is None:
        lo, hi = staff_bounds(a)
        many = True if lo >= limit else False if hi is not None and hi < limit else None
    accident = {"yes": True, "no": False}.get(accident_item.meaning(accident_item.get(view)) or "")
    if accident is None and kind.accident_from:
        # 過去3年以内に個人情報の重大事故なし ⇒ 過去1年以内に特定個人情報の重大事故なし (TH-2)
        nine = item(kind.accident_from)
        nines = [nine.meaning(nine.get(f)) for _, f in files_of(a, kind)]
        if nines and all(n == "no" for n in nines):
            accident = False
    return Inputs(persons[0] if persons else None, many, accident, kind)


# ---- the 基礎項目評価書 of a folder ---------------------------------------------------------------------

def kiso_view(a: Assessment) -> dict[str, Any]:
    """The complete 基礎項目評価書 (in kiso.schema.json's shape): kiso.yaml, with the facts the main document
    holds filled in from there (facts are written once, printed in every document)."""
    kiso = borrower()
    if kiso is None:
        return {}
    own = data(a, kiso)
    view: dict[str, Any] = json.loads(json.dumps(own))  # a deep copy of plain data
    main = main_kind(a)
    if main is None or main is kiso:
        return view
    src = data(a, main)
    for fact in table()["kiso_facts"]["items"]:
        where = fact.get(main.id)
        if where is None:
            continue
        if where == "systems":
            name = item("I-2-システム-①")
            names = [name.of(s, item("I-システム")) for s in a.systems]
            value: Any = "、".join(str(n) for n in names if n) or None
        elif where == "files":
            value = [a.file_name(fid, main.file_schema) for fid, _ in files_of(a, main)] or None
        else:
            value = _get(src, where)
            if fact.get("map") == "option":
                value = map_bounds(value, main.schema, where, kiso.schema, fact[kiso.id][:-1])
            elif fact.get("map") == "result":
                value = _map_result(value, main, kiso)
        _put(view, fact[kiso.id], value)
    return view


def fact_source(a: Assessment, kiso_path: tuple[str, ...]) -> tuple[str, tuple[str, ...]] | None:
    """Where the main document holds a fact the 基礎 prints: (doc key, path), or None (derived from several)."""
    main, kiso = main_kind(a), borrower()
    if main is None or kiso is None or main is kiso:
        return None
    for fact in table()["kiso_facts"]["items"]:
        if tuple(fact[kiso.id]) == kiso_path and isinstance(fact.get(main.id), list):
            return main.key, tuple(fact[main.id])
    return None


def unprinted_source(a: Assessment, kiso_path: tuple[Any, ...]) -> bool:
    """Whether the 基礎 prints the item at kiso_path from one the main document holds but does not print itself
    (its しきい値判断の入力): a change to it shows in the 基礎's 変更箇所 only."""
    main, kiso = main_kind(a), borrower()
    if main is None or kiso is None or main is kiso:
        return False
    path, root = tuple(kiso_path), sch.load()
    for fact in table()["kiso_facts"]["items"]:
        printed, source = tuple(fact[kiso.id]), fact.get(main.id)
        # the item is the fact, or the group the form prints it in (重大事故 for its 選択)
        if isinstance(source, list) and printed[:len(path)] == path[:len(printed)]:
            return any(node.get("x-pia-internal") for node, _ in root.item_trail(main.schema, tuple(source)))
    return False


def written_in(a: Assessment, kiso_path: tuple[Any, ...]) -> str | None:
    """For an item of the 基礎 that prints a fact another document of the folder holds (kiso_facts): where staff
    write it, in words (「全項目評価書（assessment.yaml）の「事務の名称」」); None for the 基礎's own items."""
    main, kiso = main_kind(a), borrower()
    if main is None or kiso is None or main is kiso:
        return None
    for fact in table()["kiso_facts"]["items"]:
        if tuple(kiso_path[:len(fact[kiso.id])]) != tuple(fact[kiso.id]) or fact.get(main.id) is None:
            continue
        where = fact[main.id]
        if where == "systems":
            return f"systems.yaml の各システムの「{item('I-2-システム-①').title}」"
        if where == "files":
            named = item(main.per_file[1]) if main.per_file else None
            return f"{main.files_dir}/ の各ファイルの「{named.title}」" if named else f"{main.files_dir}/ の各ファイル"
        node = sch.load().node_at(main.schema, tuple(where))
        title = sch.title(node) if node else where[-1]
        return f"{short_title(main)}（{main.file}）の「{title}」"
    return None


def borrowed(a: Assessment, kind: Kind) -> dict[tuple[str, ...], str]:
    """For the document that prints facts of the main document (the 基礎 beside a 全項目 or 重点): each such item's
    path -> where it is written (written_in); empty for any other document."""
    if not kind.borrows_facts:
        return {}
    paths = (tuple(f[kind.id]) for f in table()["kiso_facts"]["items"] if kind.id in f)
    return {p: w for p in paths if (w := written_in(a, p))}


def version_of(a: Assessment, kind: Kind) -> str:
    """The version tag a document declares (`様式:`), or the current one when it declares none or an unknown one."""
    parsed = parse_version(data(a, kind).get(version_key()))
    known = {v["tag"] for v in versions()}
    return parsed[0] if parsed and parsed[0] in known else current_version()


def cover_tag(a: Assessment, kind: Kind) -> str:
    """The version tag the cover prints, as published documents do: 「[平成30年5月 様式4]」."""
    return f"[{version_of(a, kind)} {kind.number}]"


# ---- which documents a change concerns ---------------------------------------------------------------

def change_documents(a: Assessment, key: str, path: tuple[Any, ...]) -> list[Kind]:
    """The documents that print the item changed at (doc key, data path): the document it is written in and,
    for a fact the 基礎項目評価書 takes from the main document, the 基礎 too (each document's 変更箇所)."""
    base = key.split(":", 1)[0]
    kiso = borrower()
    if kiso is not None and base == kiso.key:
        return [kiso]
    main = main_kind(a)
    if main is None:
        return []
    out = [main]
    if kiso is None or kiso.key not in a.docs or main is kiso:
        return out
    prints = False
    if base == "systems":
        prints = bool(path) and path[-1] == item("I-2-システム-①").key
    elif base == main.file_schema:
        prints = main.per_file is not None and tuple(path[:1]) == item(main.per_file[1]).at()
    elif base == main.key:
        sources = [tuple(f[main.id]) for f in table()["kiso_facts"]["items"] if isinstance(f.get(main.id), list)]
        prints = any(tuple(path[:len(s)]) == s for s in sources)
    return out + [kiso] if prints else out


# ---- what the renderers print for each document -------------------------------------------------------

def printed_from(a: Assessment, kind: Kind) -> list[str]:
    """The keys of the documents a document's pages are made from (render_view, pia.document.page): its own files
    and, for a 基礎 beside a main document, the main document's, whose facts it prints (kiso_facts)."""
    main = main_kind(a)
    forms = [kind] + ([main] if kind.borrows_facts and main is not None and main is not kind else [])
    return [k for k in a.docs if any(owns(f, k) for f in forms)]


def render_view(a: Assessment, kind: Kind) -> Assessment:
    """The folder as the renderer reads it for one document: for the 基礎, kiso.yaml completed with the facts the
    main document holds (kiso_view); the other documents are printed from their own files."""
    from dataclasses import replace

    doc = a.docs.get(kind.key)
    if not kind.borrows_facts or doc is None:
        return a
    return replace(a, docs={**a.docs, kind.key: replace(doc, data=kiso_view(a))})


def recorded_changes(a: Assessment, kind: Kind) -> list[list[Any]]:
    """The rows of a document's 変更箇所 as written in its YAML (the 全項目's 別添3 also derives rows from history)."""
    it = changes_item(kind)
    if it is None:
        return []
    cols = [k for k, _ in sch.properties(it.node.get("items", {}))]
    rows = it.get(data(a, kind)) or []
    return [[r.get(k) for k in cols] for r in rows if isinstance(r, dict)]


def _get(d: Any, path: list[str] | tuple[str, ...]) -> Any:
    for k in path:
        d = d.get(k) if isinstance(d, dict) else None
    return d


def _map_result(value: Any, main: Kind, kiso: Kind) -> Any:
    """The 基礎's option with the same meaning as the main document's しきい値判断結果."""
    meaning = option_attr(main.schema, main.result, "x-pia-meaning").get(value) if isinstance(value, str) else None
    if meaning is None:
        return value
    return next((o for o, m in option_attr(kiso.schema, kiso.result, "x-pia-meaning").items() if m == meaning), value)


def _put(d: dict[str, Any], path: list[str], value: Any) -> None:
    for k in path[:-1]:
        nxt = d.get(k)
        if not isinstance(nxt, dict):
            nxt = d[k] = {}
        d = nxt
    d[path[-1]] = value
