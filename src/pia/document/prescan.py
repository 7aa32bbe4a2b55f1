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

    def _replace_fixed(self, fixed: str) -> "Mistake":
        return Mistake(self.line, self.column, self.rule, self.severity, self.message, self.hint, fixed)


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
    return sum(1 if c == " " else 2 for c in lead)  # as read by eye: a 全角 space or a tab is two columns


_NO_SPACE = re.compile(r"^([^\s#:：\"'{\[|>&*!%@`-][^:#\s]{0,40}?):(?=[^\s:/])")  # 部署:こども未来部
_DASH_GLUED = re.compile(r"^-(?=[^\s\-—－―ー‐−–])")  # -紙 (the list marker without its space)
_DASH_ONLY = re.compile(r"^-[ \t]*(?:#.*)?$")  # 他の評価実施機関: - (meant as 該当なし)
_FIX = "pia fix --write で直せます"


class _Indent:
    """Where a line indented with tabs or 全角 spaces belongs: of the indentations open at that point (the line
    above, its parents, a child of the line above when it opens a block), the nearest to how wide the line's
    indentation looks (a 全角 space two columns, a tab four); the deeper one on a tie."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        self.levels: list[tuple[int, bool]] = []  # (indentation, of a 「- 」) of the enclosing lines, outermost first
        self.opens = False  # the last content line opens a block (`key:` with nothing after it, a bare `-`)

    def seen(self, indent: int, key_indent: int, opens: bool) -> None:
        while self.levels and self.levels[-1][0] > indent:
            self.levels.pop()
        if self.levels and self.levels[-1][0] == indent:
            self.levels.pop()
        self.levels.append((indent, key_indent != indent))
        if key_indent != indent:
            self.levels.append((key_indent, False))
        self.opens = opens

    def wanted(self, no: int, lead: str, entry: bool) -> int:
        """entry: the line is a list entry (「- 」), which lines up with the entries above it."""
        width = sum({" ": 1, "\t": 4}.get(c, 2) for c in lead)
        same = [i for i, dash in self.levels if dash == entry]
        candidates = same or [i for i, _ in self.levels] or [0]
        if self.opens:  # the block's own indentation, as its next line written with spaces has it
            child = (self.levels[-1][0] if self.levels else 0) + 2
            for line in self.lines[no:]:
                head = _LEAD.match(line).group()  # type: ignore[union-attr]
                body = line[len(head):].strip()
                if body and not body.startswith("#") and set(head) <= {" "}:
                    child = len(head) if len(head) > child - 2 else child
                    break
            candidates.append(child)
        return min(reversed(candidates), key=lambda c: abs(c - width))


def _mistakes(text: str) -> list[Mistake]:
    out: list[Mistake] = []
    block_parent: int | None = None  # indentation of the key that opened a | or > block
    block_indent: int | None = None  # indentation of that block's text (from its first line)
    open_plain: tuple[int, str, bool] | None = None  # (indent of the key, key, value begun) of a plain value
    quote: str | None = None  # the quote of a quoted value still open at the end of the previous line
    lines = [line.rstrip("\r") for line in text.split("\n")]
    where = _Indent(lines)
    for no, line in enumerate(lines, 1):
        lead = _LEAD.match(line).group()  # type: ignore[union-attr]
        body = line[len(lead):]
        indent = _indent_width(lead)
        spaces = len(lead) - len(lead.lstrip(" "))  # the half-width spaces before any 全角 space or tab
        if quote is not None:
            if _closes(line, quote):
                quote = None
            continue
        if block_parent is not None:
            if not body:
                continue
            if spaces > block_parent:
                block_indent = block_indent or spaces
                continue  # inside the block: any character is text (a 全角 space after the indentation too)
            wide_key = _WIDE_KEY.match(body) or _KEY.match(body)
            if lead != " " * len(lead) and spaces <= block_parent and not (wide_key and _name(wide_key.group()) in _known_keys()):
                # 「|」の本文 indented with 全角 spaces or tabs: meant as the block's text, not as its end
                want = block_indent or block_parent + 2
                bad = lead.lstrip(" ")[0]
                out.append(Mistake(no, len(lead) - len(lead.lstrip(" ")) + 1, "PIA050" if bad == "\t" else "PIA051", ERROR,
                                   f"「|」の本文の行が{_CHAR[bad]}で字下げされています。YAML の字下げにならないため、本文がここで途切れます。",
                                   f"行頭を半角スペース{want}個にしてください（{_FIX}）。", " " * want + body))
                block_indent = want
                continue
            block_parent = block_indent = None
        if not body or body.startswith("#") or body in ("---", "..."):
            if lead and "\u3000" in lead:
                place = "空行" if not body else "注釈（#）の行の行頭"
                out.append(Mistake(no, lead.index("\u3000") + 1, "PIA051", ERROR,
                                   f"{place}に全角スペース（U+3000「　」）があります。YAML では文字として読まれます。",
                                   f"この行の全角スペースを削除してください（{_FIX}）。",
                                   lead.replace("\u3000", "  ").replace("\t", "  ") + body if body else ""))
            continue
        marker = _LIST.match(body)
        fixed_lead = lead
        if lead != " " * len(lead):
            want = where.wanted(no, lead, bool(marker))
            fixed_lead = " " * want
            bad = "\t" if "\t" in lead else "\u3000"
            tab = bad == "\t"
            out.append(Mistake(no, lead.index(bad) + 1, "PIA050" if tab else "PIA051", ERROR,
                               f"字下げに{_CHAR[bad]}が使われています。YAML の字下げには使えません。",
                               f"行頭を半角スペース{want}個にしてください（上の行に合わせた字下げです。{_FIX}）。", None))
            if tab and "\u3000" in lead:
                out.append(Mistake(no, lead.index("\u3000") + 1, "PIA051", ERROR,
                                   "字下げに" + _CHAR["\u3000"] + "が使われています。YAML の字下げには使えません。",
                                   f"行頭を半角スペース{want}個にしてください（{_FIX}）。", None))
            indent = want
        glued = None if marker else _DASH_GLUED.match(body)
        if glued and (where.opens or _sibling_entry(lines, no, spaces)):
            out.append(Mistake(no, len(lead) + 2, "PIA058", ERROR,
                               f"「-」の後ろに空白がないため、「{body[:20]}」は一覧の一件ではなく文字として読まれます。",
                               f"「- {body[1:21]}」のように、「-」の後ろに半角スペースを入れてください（{_FIX}）。", None))
            body = "- " + body[1:]
            marker = _LIST.match(body)
        rest = body[marker.end():] if marker else body
        key_indent = indent + (marker.end() if marker else 0)
        key = _KEY.match(rest)
        wide = None if key else _WIDE_KEY.match(rest)
        if wide and marker and wide.group(1).strip() not in _known_keys():
            wide = None  # 「- 住所：東京」 may be a string in a list; only an item name of the form is a typo
        glue = None if key or wide else _NO_SPACE.match(rest)
        if glue and glue.group(1) not in _known_keys():
            glue = None  # 「- 住所:東京」「URL:http…」: text, not an item name
        if open_plain is not None and not marker and not key and not glue:
            parent_indent, parent_key, started = open_plain
            if not started and indent > parent_indent and not wide:
                open_plain = (parent_indent, parent_key, True)  # the value begins on the line under `key:`
                continue
            if started and not (wide and indent <= parent_indent):
                wide_lead = fixed_lead != lead
                if wide_lead:  # the real mistake is the missing 「|」: one finding, at the line's first character
                    out = [m for m in out if m.line != no]
                    indent = spaces
                    wide_lead = spaces <= parent_indent  # else the 全角 space is text after a real indentation
                folded = indent > parent_indent
                out.append(Mistake(
                    no, 1 if wide_lead else spaces + 1, "PIA053", WARNING if folded else ERROR,
                    f"「{parent_key}」の値の続きが、「|」を付けずに次の行に書かれています。"
                    + ("行頭の全角スペースやタブは字下げになりません。" if wide_lead else "")
                    + ("このままでは改行が空白一つに置き換わります。" if folded else "YAML として読めません。"),
                    f"複数行の値は「{parent_key}: |」と書き、次の行から本文を半角スペース{parent_indent + 2}個で字下げして"
                    "書いてください。", None if folded else ""))
                continue
        col0 = len(lead) + (marker.end() if marker else 0)
        if wide:
            out.append(Mistake(no, col0 + wide.end(), "PIA052", ERROR,
                               f"項目名「{wide.group(1).strip()}」の後ろのコロンが全角「：」（U+FF1A）です。",
                               f"半角のコロンと空白「: 」に置き換えてください（例: {wide.group(1).strip()}: 値。{_FIX}）。", None))
            rest = wide.group(1).rstrip() + ": " + rest[wide.end():].lstrip(" \u3000")
            key = _KEY.match(rest)
        elif glue:
            name = glue.group(1)
            out.append(Mistake(no, col0 + glue.end() + 1, "PIA057", ERROR,
                               f"項目名「{name}」の後ろのコロン「:」の後に空白がないため、行全体が一つの文字として読まれます。",
                               f"「{name}: {rest[glue.end():][:20]}」のように、コロンの後に半角スペースを入れてください（{_FIX}）。", None))
            rest = name + ": " + rest[glue.end():]
            key = _KEY.match(rest)
        value = rest[key.end():].strip() if key else rest
        if key and _DASH_ONLY.match(value):
            name = _name(key.group())
            col = col0 + key.end() + 1 + (len(rest[key.end():]) - len(rest[key.end():].lstrip(" \t")))
            out.append(Mistake(no, col, "PIA059", ERROR,
                               f"「{name}: -」の「-」は、YAML では一覧の印として読まれます（該当なしの意味になりません）。",
                               f"該当がなければ「{name}: —」（全角のダッシュ）と書いてください（{_FIX}）。", None))
            rest = rest[:key.end()] + "—" + rest[key.end():].lstrip(" \t")[1:]
            value = "—"
        if fixed_lead != lead or wide or glue or glued or rest is not body[marker.end() if marker else 0:]:
            repaired = fixed_lead + (body[:marker.end()] if marker else "") + rest
            out = [m if m.line != no or m.fixed is not None else m._replace_fixed(repaired) for m in out]
        if value[:1] in ("'", '"') and not _closes(value[1:], value[0]):
            quote, open_plain = value[0], None
            continue
        opens = False
        if key:
            name = _name(key.group())
            if _BLOCK.match(value):
                block_parent, block_indent, open_plain = key_indent, None, None
            elif not value or not (_FLOW_OR_QUOTE.match(value) or value.startswith("#")):
                open_plain = (key_indent, name, bool(value))
                opens = not value or value.startswith("#")
            else:
                open_plain = None
        elif marker and _BLOCK.match(rest):
            block_parent, block_indent, open_plain = indent, None, None  # 「- |」: a block scalar as a list entry
        elif marker and not _FLOW_OR_QUOTE.match(rest):
            open_plain = (indent, rest.strip()[:20], True)
            opens = not rest.strip()
        else:
            open_plain = None
        where.seen(indent, key_indent, opens)
    return out


_CHAR = {"\t": "タブ文字（U+0009）", "\u3000": "全角スペース（U+3000「　」）"}


def _name(key: str) -> str:
    return key.rstrip().rstrip(":").strip().strip("\"'")


def _sibling_entry(lines: list[str], no: int, spaces: int) -> bool:
    """Whether a neighbouring line at the same indentation is a list entry (「- 」): then 「-紙」 is one too."""
    for other in (no - 2, no):
        if 0 <= other < len(lines):
            line = lines[other]
            lead = line[:len(line) - len(line.lstrip(" "))]
            if len(lead) == spaces and line[len(lead):].startswith(("- ", "-\t")) or line[len(lead):] == "-":
                return True
    return False


def _closes(text: str, quote: str) -> bool:
    """Whether text holds the closing quote ('' and \\" are escapes, not the end)."""
    if quote == "'":
        return "'" in text.replace("''", "")
    return re.search(r'(?<!\\)(?:\\\\)*"', text) is not None


def mistakes(text: str) -> list[Mistake]:
    """Every mistake of the text, each with its repaired line (`pia fix` repairs them line by line)."""
    return _mistakes(text)


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


def value_of(line: str) -> tuple[str | None, int, str]:
    """(item name, 0-based column, text) of the value written on a line: after its 「- 」 markers and its
    「項目名: 」. The name is None on a list entry without one."""
    lead = len(line) - len(line.lstrip(" "))
    marker = _LIST.match(line[lead:])
    col = lead + (marker.end() if marker else 0)
    key = _KEY.match(line[col:])
    if key is None:
        return None, col, line[col:].rstrip()
    return _name(key.group()), col + key.end(), line[col + key.end():].rstrip()
