"""Before YAML parsing: the typing mistakes staff make, each reported at its own line and column.

The YAML parser stops at the first error and often blames the line after the mistake with a generic message.
This scan reads the text line by line (skipping the bodies of 「|」 blocks, which may hold any character) and names
every 全角 space or tab used as indentation, every 「：」 typed after an item name and every continuation line
written without 「|」. `repair` makes the same lines parseable, so that the parser can then report what remains
(and `pia fix` can rewrite them).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from pia.base.findings import ERROR, WARNING, Finding

_LEAD = re.compile(r"^[ \t\u3000]*")
_LIST = re.compile(r"^(?:-[ \t]+)+")
_KEY = re.compile(r"""^(?:"[^"]*"|'[^']*'|[^\s#"'{\[\]}&*!|>%@`-][^#]*?|-[^\s][^#]*?):(?:[ \t]+|$)""")
_WIDE_KEY = re.compile(r"^([^\s#:：\"'{\[|>][^:：#]{0,40}?)\s*：")
_BLOCK = re.compile(r"[|>][-+0-9]*[ \t]*(?:#.*)?$")
_FLOW_OR_QUOTE = re.compile(r"""^["'\[{]""")


@dataclass(frozen=True)
class Mistake:
    line: int  # 1-based
    column: int  # 1-based, in characters
    rule: str
    severity: str
    message: str
    hint: str
    fixed: str | None  # the repaired line (None: drop nothing, keep the line)


@cache
def _known_keys() -> frozenset[str]:
    """Every item name of the schemas (and options that carry a text, such as その他)."""
    from pia.form import schema as sch

    names: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            names.update(node.get("properties") or {})
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    for doc in sch.load().raw.values():
        walk(doc)
    return frozenset(names)


def _indent_width(lead: str) -> int:
    return sum(1 if c == " " else 2 for c in lead)  # as repaired: 全角 space or tab -> two spaces


def _mistakes(text: str) -> list[Mistake]:
    out: list[Mistake] = []
    block_parent: int | None = None  # indentation of the key that opened a | or > block
    open_plain: tuple[int, str, bool] | None = None  # (indent of the key, key, value begun) of a plain value
    quote: str | None = None  # the quote of a quoted value still open at the end of the previous line
    for no, line in enumerate(text.split("\n"), 1):
        line = line.rstrip("\r")
        lead = _LEAD.match(line).group()  # type: ignore[union-attr]
        body = line[len(lead):]
        indent = _indent_width(lead)
        if quote is not None:
            if _closes(line, quote):
                quote = None
            continue
        if block_parent is not None:
            if not body or indent > block_parent:
                continue  # inside the block: any character is text
            block_parent = None
        if not body or body.startswith("#") or body in ("---", "..."):
            if lead and "\u3000" in lead:
                where = "空行" if not body else "注釈（#）の行の行頭"
                out.append(Mistake(no, lead.index("\u3000") + 1, "PIA051", ERROR,
                                   f"{where}に全角スペース（U+3000「　」）があります。YAML では文字として読まれます。",
                                   "この行の全角スペースを削除してください（pia fix --write で直せます）。",
                                   lead.replace("\u3000", "  ").replace("\t", "  ") + body if body else ""))
            continue
        fixed_lead = lead.replace("\u3000", "  ").replace("\t", "  ")
        if "\t" in lead:
            out.append(Mistake(no, lead.index("\t") + 1, "PIA050", ERROR,
                               "字下げにタブ文字（U+0009）が使われています。YAML の字下げには使えません。",
                               "タブを半角スペースに置き換え、同じ階層の項目を同じ数の半角スペースで字下げしてください"
                               "（pia fix --write はタブを半角スペース2つにします）。", None))
        if "\u3000" in lead:
            out.append(Mistake(no, lead.index("\u3000") + 1, "PIA051", ERROR,
                               "字下げに全角スペース（U+3000「　」）が使われています。YAML の字下げには使えません。",
                               "行頭の全角スペースを半角スペース2つずつに置き換えてください（pia fix --write で直せます）。", None))
        marker = _LIST.match(body)
        rest = body[marker.end():] if marker else body
        key_indent = indent + (marker.end() if marker else 0)
        key = _KEY.match(rest)
        wide = None if key else _WIDE_KEY.match(rest)
        if wide and marker and wide.group(1).strip() not in _known_keys():
            wide = None  # 「- 住所：東京」 may be a string in a list; only an item name of the form is a typo
        if open_plain is not None and not marker and not key:
            parent_indent, parent_key, started = open_plain
            if not started and indent > parent_indent and not wide:
                open_plain = (parent_indent, parent_key, True)  # the value begins on the line under `key:`
                continue
            if started and not (wide and indent <= parent_indent):
                folded = indent > parent_indent
                out.append(Mistake(
                    no, len(lead) + 1, "PIA053", WARNING if folded else ERROR,
                    f"「{parent_key}」の値の続きが、「|」を付けずに次の行に書かれています。"
                    + ("このままでは改行が空白一つに置き換わります。" if folded else "YAML として読めません。"),
                    f"複数行の値は「{parent_key}: |」と書き、次の行から一段深く字下げして本文を書いてください。",
                    None if folded else ""))
                continue
        if wide:
            col = len(lead) + (marker.end() if marker else 0) + wide.end()
            out.append(Mistake(no, col, "PIA052", ERROR,
                               f"項目名「{wide.group(1).strip()}」の後ろのコロンが全角「：」（U+FF1A）です。",
                               f"半角のコロンと空白「: 」に置き換えてください（例: {wide.group(1).strip()}: 値。"
                               "pia fix --write で直せます）。", None))
            rest = wide.group(1).rstrip() + ": " + rest[wide.end():].lstrip(" \u3000")
            key = _KEY.match(rest)
        if fixed_lead != lead or wide:
            repaired = fixed_lead + (body[:marker.end()] if marker else "") + rest
            out = [m if m.line != no or m.fixed is not None else
                   Mistake(m.line, m.column, m.rule, m.severity, m.message, m.hint, repaired) for m in out]
        value = rest[key.end():].strip() if key else rest
        if value[:1] in ("'", '"') and not _closes(value[1:], value[0]):
            quote, open_plain = value[0], None
            continue
        if key:
            name = key.group().rstrip().rstrip(":").strip("\"'")
            if _BLOCK.match(value):
                block_parent, open_plain = key_indent, None
            elif not value or not (_FLOW_OR_QUOTE.match(value) or value.startswith("#")):
                open_plain = (key_indent, name, bool(value))
            else:
                open_plain = None
        elif marker and _BLOCK.match(rest):
            block_parent, open_plain = indent, None  # 「- |」: a block scalar as a list entry
        elif marker and not _FLOW_OR_QUOTE.match(rest):
            open_plain = (indent, rest.strip()[:20], True)
        else:
            open_plain = None
    return out


def _closes(text: str, quote: str) -> bool:
    """Whether text holds the closing quote ('' and \\" are escapes, not the end)."""
    if quote == "'":
        return "'" in text.replace("''", "")
    return re.search(r'(?<!\\)(?:\\\\)*"', text) is not None


def scan(file: str, text: str) -> list[Finding]:
    return [Finding(file, m.line, m.column, m.rule, m.severity, "", m.message, m.hint) for m in _mistakes(text)]


def repair(text: str, rules: frozenset[str] | None = None) -> str:
    """The text with every repairable mistake rewritten, line numbers kept (continuation lines become blank
    when they would not parse, so the parser can report what remains). With `rules`, only lines whose every
    mistake is of those rules are rewritten (`pia fix` never blanks a line)."""
    lines = text.split("\n")
    mistakes = _mistakes(text)
    refused = {m.line for m in mistakes if rules is not None and m.rule not in rules}
    for m in mistakes:
        if m.fixed is not None and m.line not in refused:
            cr = "\r" if lines[m.line - 1].endswith("\r") else ""
            lines[m.line - 1] = m.fixed + cr if m.fixed or not cr else cr
    return "\n".join(lines)
