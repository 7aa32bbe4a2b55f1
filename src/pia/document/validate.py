"""Schema validation of every document of an assessment, each error turned into a located Japanese finding."""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import replace
from functools import partial
from typing import Any, Callable, Iterator, TYPE_CHECKING

if TYPE_CHECKING:  # the errors come from pia.form.compiled (jsonschema only for a schema it does not compile)
    from jsonschema.exceptions import ValidationError

from pia.form import schema as sch
from pia.document.assessment import Assessment
from pia.base.findings import ERROR, WARNING, Finding
from pia.document.loader import Document
from pia.document import family

_TYPES = {"string": "文字", "integer": "整数", "array": "一覧（「- 」で始まる行の並び）",
          "object": "項目の並び（「項目名: 値」）", "boolean": "○か空欄", "null": "空欄"}


def _type_name(value: Any) -> str:
    if value is None:
        return "空欄"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "数値"
    if isinstance(value, str):
        return "文字"
    if isinstance(value, list):
        return "一覧"
    return "項目の並び"


def _option_hint(opts: list[str]) -> str:
    return "選択肢: " + " ".join(f"{i}) {o}" for i, o in enumerate(opts, 1))


_DASHES = {"—", "-", "－", "―", "ー", "‐", "–", "−"}  # as rules._util.DASHES (importing it would be circular)


def is_dash(v: Any) -> bool:
    return isinstance(v, str) and v.strip() in _DASHES


def _blank_hint(node: sch.Node) -> str:
    """What to write when the item does not apply. Agrees with PIA501/PIA502 and the type checks: 「—」 only
    where the form allows it (x-pia-dash), otherwise an option or an empty value."""
    if sch.dash_allowed(node):
        return "該当がなければ「—」、まだ書けないときは値を空欄にしておけます。"
    if sch.options(node):
        return "選択肢から選んでください（まだ決まっていなければ値を空欄にしておけます）。" + _option_hint(sch.options(node))
    return "この項目は「—」とせず内容を書きます。まだ書けないときは値を空欄にしておけます。"


def _id_hint(data: Any, entry: tuple[Any, ...], key: str) -> str:
    """What to write as the id of one entry of a list (提供先, 委託事項, システム): one its neighbours do not use,
    in their style (t01, t03 -> t02)."""
    entries: Any = data
    for p in entry[:-1]:
        entries = entries.get(p) if isinstance(entries, dict) else entries[p] if isinstance(entries, list) and isinstance(p, int) and p < len(entries) else None
    used = [e.get(key) for e in entries if isinstance(e, dict) and isinstance(e.get(key), str)] if isinstance(entries, list) else []
    m = next((re.fullmatch(r"(.*?)(\d+)", u) for u in used if re.fullmatch(r"(.*?)(\d+)", u)), None)
    prefix, width = (m.group(1), len(m.group(2))) if m else ("id", 1)
    n = int(entry[-1]) + 1
    while f"{prefix}{n:0{width}d}" in used:
        n += 1
    example = f"{prefix}{n:0{width}d}"
    return (f"「{key}: {example}」のように、この一件を見分ける ID を半角英数字で書いてください（ほかの一件と重ならない、"
            "変えない名前。変更箇所の記録で同じものを見分けるために使います）。")


def anchor(key: str, path: tuple[Any, ...]) -> str:
    """The id the rendered HTML gives the item at path (templates build the same string)."""
    return "/".join([key, *map(str, path)])


# A finding of one document before its item path is labelled: (finding, data path, extra key). The label depends on
# the other documents (a file's number in I-3's list, the form version), the rest only on the document itself.
Unlabelled = tuple[Finding, tuple[Any, ...], str | None]


def validate(a: Assessment) -> list[Finding]:
    """Every document read as the schema wants it (its values rewritten in place: 「３件」 -> 3) and checked against
    its schema. With the assessment's reuse cache (pia serve), a document whose bytes were validated before takes
    that result: its rewritten data and its findings, labelled again here."""
    root = sch.load()
    out: list[Finding] = []
    for key, name, doc in a.documents():
        if a.reuse is not None:
            doc.data, found = a.reuse.validated(doc, key, name, partial(document_findings, key=key, name=name, root=root))
        else:
            found = document_findings(doc, key, name, root)
        out += [labelled(a, key, *f) for f in found]
    return out


def document_findings(doc: Document, key: str, name: str, root: sch.Schema) -> list[Unlabelled]:
    """One document read as its schema wants it (doc.data rewritten) and its findings, not yet labelled."""
    found: list[Unlabelled] = []
    doc.data = _accept(key, doc, root.document(name), doc.data, (), found)
    for err in root.errors(name, doc.data):
        found.extend(_unlabelled(key, name, doc, err, root))
    return found


def labelled(a: Assessment, key: str, f: Finding, path: tuple[Any, ...], extra: str | None) -> Finding:
    """The finding with its item's official path (and, for an item the form does not have, that item's name)."""
    return _named(family.label(a, key, path), f, extra)


def _named(label: str, f: Finding, extra: str | None) -> Finding:
    if extra is not None:
        label = (label + " " if label else "") + extra
    return replace(f, item_path=label)


_COUNT = re.compile(r"(\d+)\s*件?")


def _count_value(key: str, doc: Document, path: tuple[Any, ...], value: Any, out: list[Unlabelled]) -> Any:
    """A count written 「３」 or 「3件」 is read as 3, with a warning saying what to write."""
    if not isinstance(value, str):
        return value
    m = _COUNT.fullmatch(unicodedata.normalize("NFKC", value).strip().replace(",", ""))
    if not m:
        return value
    n = int(m.group(1))
    if value == str(n):
        return n  # already as it should be written (a number the loader kept as text, too long for an integer)
    line, col = doc.locate(path)
    out.append((Finding(doc.file, line, col, "PIA055", WARNING, "",
                        f"件数「{value}」を {n} と読みました。", f"件数は半角数字だけで「{n}」と書いてください（pia fix --write で直せます）。",
                        anchor=anchor(key, path)), path, None))
    return n


def _accept(key: str, doc: Document, node: sch.Node, value: Any, path: tuple[Any, ...], out: list[Unlabelled]) -> Any:
    """Values staff write the form's way, read as the schema wants them before validation."""
    kind = sch.kind(node)
    if kind == "flag" and value is not None:  # ○ items: every spelling of a box, read as the schema's true / false
        ticked = sch.tick(value, node)  # (a blank stays blank: not ticked, and for the rules not yet decided)
        return value if ticked is None else ticked
    if kind == "count" or (sch.kind(node) == "" and sch.types(node) == ["integer"]):
        return _count_value(key, doc, path, value, out)
    if kind == "multi" and isinstance(value, list):
        counted = set(sch.count_options(node))
        for i, entry in enumerate(value):
            if isinstance(entry, dict) and len(entry) == 1:
                (k, v), = entry.items()
                if k in counted:
                    entry[k] = _count_value(key, doc, path + (i, k), v, out)
        return value
    if isinstance(value, dict):
        for k, sub in sch.properties(node):
            if k in value:
                value[k] = _accept(key, doc, sub, value[k], path + (k,), out)
    elif isinstance(value, list) and isinstance(node.get("items"), dict) and "properties" in node["items"]:
        for i, v in enumerate(value):
            value[i] = _accept(key, doc, node["items"], v, path + (i,), out)
    return value


def _findings(a: Assessment, key: str, name: str, doc: Document, err: ValidationError,
              root: sch.Schema) -> Iterator[Finding]:
    return (labelled(a, key, *f) for f in _unlabelled(key, name, doc, err, root))


def schema_findings(doc: Document, name: str, err: ValidationError, root: sch.Schema,
                    label: Callable[[tuple[Any, ...]], str]) -> Iterator[Finding]:
    """The findings of one schema error in a document that is no assessment's (a council sheet), its items named by
    label."""
    return (_named(label(path), f, extra) for f, path, extra in _unlabelled(name, name, doc, err, root))


def _unlabelled(key: str, name: str, doc: Document, err: ValidationError, root: sch.Schema) -> Iterator[Unlabelled]:
    if err.validator == "anyOf" and sch.may_be_empty(err.schema):
        # not empty, so the value itself is wrong: report why against what may be written
        inner = [e for e in err.context if e.relative_schema_path[0] == 0]
        if inner:
            err = inner[0]
    path = tuple(err.absolute_path)
    node = root.node_at(name, path) or {}
    title = sch.title(node) or (str(path[-1]) if path else "")
    v = err.validator

    def make(rule: str, at: tuple[int, int], item_path: tuple[Any, ...], msg: str, hint: str, extra: str | None = None) -> Unlabelled:
        return Finding(doc.file, at[0], at[1], rule, ERROR, "", msg, hint, anchor=anchor(key, item_path)), item_path, extra

    if sch.kind(node) == "flag" and v in ("type", "anyOf", "enum", "pattern"):
        yield make("PIA010", doc.locate(path), path,
                   f"「{title}」は様式の「[ ] {title}」の○の欄です。「{err.instance}」は○の付け方として読めません。",
                   sch.tick_hint(node))
    elif v == "required":
        missing = err.message.split("'")[1] if "'" in err.message else "?"
        sub = sch.child(node, missing) if node else None
        mt = sch.title(sub) if sub else missing
        if sub is not None and sch.kind(sub) == "id" and path and isinstance(path[-1], int):
            yield make("PIA012", doc.locate_key(path), path + (missing,), f"「{mt}」（{missing}）がありません。",
                       _id_hint(doc.data, path, missing))
        else:
            yield make("PIA012", doc.locate_key(path), path + (missing,), f"「{mt}」（{missing}）がありません。",
                       f"「{missing}:」の行を追加してください。" + _blank_hint(sub or {}))
    elif v == "additionalProperties":
        allowed = list((err.schema.get("properties") or {}).keys())
        for extra in sorted(set(err.instance) - set(allowed)):
            near = difflib.get_close_matches(extra, allowed, n=1, cutoff=0.4)
            hint = f"「{near[0]}」の誤りではありませんか。" if near else "この階層に書ける項目: " + "、".join(allowed[:12]) + ("…" if len(allowed) > 12 else "")
            where = f"「{title}」の中に" if path else ""
            yield make("PIA013", doc.locate_key(path + (extra,)), path, f"{where}「{extra}」という項目は様式にありません。", hint, extra)
    elif v == "enum" or (v == "anyOf" and sch.kind(root.node_at(name, path[:-1]) or {}) == "multi"):
        owner = node if v == "enum" else (root.node_at(name, path[:-1]) or {})
        opts = sch.options(owner)
        shown = err.instance if not isinstance(err.instance, dict) else "、".join(map(str, err.instance))
        close = sch.closest_option(str(shown), opts) if isinstance(shown, str) else None
        near = difflib.get_close_matches(sch.normalise(shown), [sch.normalise(o) for o in opts], n=1, cutoff=0.6) \
            if isinstance(shown, str) and not close else []
        comment = re.search(r"[\u3000\t]+#", shown) if isinstance(shown, str) else None
        head = shown.split(":", 1)[0].strip() if isinstance(shown, str) and ":" in shown else None
        at = doc.locate(path)
        if comment and sch.closest_option(shown[:comment.start()], opts):
            opt = sch.closest_option(shown[:comment.start()], opts)
            hint = (f"「{shown[:comment.start()]}」の後ろの全角スペースと「#」以降も値として読まれています（注釈の「#」の前には"
                    f"半角スペースを置きます）。「{opt}  {shown[comment.start():].lstrip()}」と書いてください。")
            at = (at[0], at[1] + comment.start())
        elif head and head in opts and v != "enum":
            hint = (f"引用符を外して「- {shown}」と書いてください（引用符で囲むと、選択肢「{head}」と括弧内の内容が"
                    "一つの文字として読まれます）。")
        elif v != "enum" and isinstance(shown, str) and (split := sch.bracketed_option(shown, owner)):
            hint = (f"選択肢と括弧内の内容は「:」で分けて「- {split[0]}: {split[1]}」と書いてください"
                    "（pia fix --write で直せます）。")
        elif close:
            hint = f"「{close}」と書いてください（表記だけが違います。pia fix --write で直せます）。"
        elif isinstance(shown, str) and is_dash(shown):
            hint = "「—」は選択肢の項目には書けません。選択肢から選ぶか、まだ決まっていなければ空欄にしてください。" + _option_hint(opts)
        elif near:
            guess = opts[[sch.normalise(o) for o in opts].index(near[0])]
            hint = f"「{shown}」→「{guess}」ですか？ " + _option_hint(opts)
        else:
            hint = _option_hint(opts)
        t = sch.title(owner) or title
        yield make("PIA011", at, path if v == "enum" else path[:-1], f"「{shown}」は「{t}」の選択肢にありません。", hint)
    elif v == "type":
        expected = err.validator_value if isinstance(err.validator_value, list) else [err.validator_value]
        want = "・".join(_TYPES.get(t, t) for t in expected)
        if sch.kind(node) == "choice" and isinstance(err.instance, str) and "properties" in node:
            detail = "」「".join(k for k, _ in sch.details(node)) or sch.COUNT
            yield make("PIA010", doc.locate(path), path,
                       f"「{title}」は選択した値と「{detail}」を分けて書く項目です。",
                       f"次の形で書いてください:  選択: {err.instance} / {detail}: …")
        elif sch.kind(node) == "id" and err.instance is None and len(path) >= 2 and isinstance(path[-2], int):
            yield make("PIA010", doc.locate(path), path, f"「{title}」（{path[-1]}）が空欄です。",
                       _id_hint(doc.data, path[:-1], str(path[-1])))
        elif isinstance(err.instance, str) and is_dash(err.instance):
            yield make("PIA010", doc.locate(path), path, f"「{title}」には「—」を書けません。", _blank_hint(node))
        elif "integer" in expected and isinstance(err.instance, str):
            yield make("PIA010", doc.locate(path), path,
                       f"「{title}」には件数を半角数字で書いてください（「{err.instance}」が書かれています）。",
                       "例: 3（「件」は付けません）。まだ決まっていなければ空欄にしてください。")
        else:
            yield make("PIA010", doc.locate(path), path,
                       f"「{title}」には{want}を書いてください（{_type_name(err.instance)}が書かれています）。",
                       _option_hint(sch.options(node)) if sch.options(node) else "")
    elif v == "pattern" and (node.get("x-pia-pattern-hint") or sch.kind(node) != "id"
                             and sch.kind(root.node_at(name, path[:-1]) or {}) != "idlist"):
        yield make("PIA014", doc.locate(path), path, f"「{title}」の「{err.instance}」は書き方が正しくありません。",
                   node.get("x-pia-pattern-hint", ""))
    elif v == "pattern":  # an identifier (x-pia-kind id, or an entry of an idlist)
        yield make("PIA014", doc.locate(path), path, f"「{err.instance}」は ID として使えません。",
                   "ID は半角英数字で始め、半角英数字・ハイフン・下線だけで書いてください。")
    elif v == "minimum":
        yield make("PIA014", doc.locate(path), path, f"「{title}」に負の数は書けません。", "0 以上の整数を書いてください。")
    elif v in ("minProperties", "maxProperties"):
        owner = root.node_at(name, path[:-1]) or {}
        yield make("PIA011", doc.locate(path), path[:-1], f"「{sch.title(owner)}」の選択肢の書き方が正しくありません。",
                   "「- その他: 内容」のように、選択肢一つと括弧内の内容を書いてください。")
    elif v == "anyOf":
        yield make("PIA010", doc.locate(path), path, f"「{title}」の書き方が正しくありません。", _option_hint(sch.options(node)))
    else:
        yield make("PIA014", doc.locate(path), path, f"「{title}」の値が正しくありません（{v}）。", "")
