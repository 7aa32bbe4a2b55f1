"""YAML text -> plain values + a map of source positions, or findings. Never raises on user content.

The C composer builds the node tree without constructing anything (an alias is the same node object, so nothing
is expanded); one walk over it then refuses explicit tags, collections reached twice (billion laughs), deep
nesting, duplicate keys and non-scalar keys, reports every anchor, alias and tag written (staff typing 「&A 国保」 mean
the text), and builds plain values with their positions.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml

from pia.base import fsread
from pia.document import prescan
from pia.base.registry import static
from pia.base.findings import ERROR, Finding

MAX_BYTES = 2 * 1024 * 1024  # one file
MAX_DEPTH = 40
# Per assessment (all its files together): the real Setagaya example has 335 KB, about 6,000 nodes and lists of
# fewer than 100 items, so these leave a wide margin while bounding time and memory.
MAX_TOTAL_BYTES = 8 * 1024 * 1024
MAX_NODES = 100_000
MAX_LIST = 10_000
MAX_FILES = 1_000
MAX_SYMBOLS = 100  # anchors, aliases and tags reported in one file: a hostile file may hold 100,000 aliases

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Resolver(_Loader):  # type: ignore[misc, valid-type]
    """YAML 1.1 without its surprises: no dates, floats, sexagesimals or yes/no booleans."""


_Resolver.yaml_implicit_resolvers = {}
for _tag, _regexp, _first in (
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("tag:yaml.org,2002:int", r"^[-+]?(?:0|[1-9][0-9]{0,17})$", list("-+0123456789")),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
):
    _Resolver.add_implicit_resolver(_tag, re.compile(_regexp), _first)

Path_ = tuple[str | int, ...]
Pos = tuple[int, int]

# Characters YAML 1.1 refuses (C0/C1 controls except tab/LF/CR/NEL, surrogates, non-characters).
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
# In values (written as YAML escapes such as "\e", "\0", "\x9b", or typed): control characters other than tab and
# newline, bidirectional controls (which reorder what a reviewer sees) and invisible zero-width characters.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200d\u2060-\u2064\ufeff]")
_UNSAFE = re.compile(f"{_CONTROL.pattern}|{_BIDI.pattern}")
_REPORTED = re.compile(f"{_UNSAFE.pattern}|{_INVISIBLE.pattern}")


@dataclass
class Document:
    """One loaded YAML file: plain JSON-like data and where each value and key was written."""

    file: str
    data: Any
    values: dict[Path_, Pos] = field(default_factory=dict)
    keys: dict[Path_, Pos] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    source: str = field(default="", compare=False, repr=False)  # SHA-256 of its bytes, when read through a reuse cache

    def locate(self, path: Path_) -> Pos:
        """Line and column of the value at path, or of its nearest ancestor that exists."""
        p = tuple(path)
        while p:
            if p in self.values:
                return self.values[p]
            p = p[:-1]
        return self.values.get((), (1, 1))

    def locate_key(self, path: Path_) -> Pos:
        p = tuple(path)
        return self.keys.get(p) or self.locate(p)


def _finding(file: str, line: int, col: int, rule: str, msg: str, hint: str = "") -> Finding:
    """A loading finding with the severity the registry gives its id."""
    return Finding(file, line, col, rule, static(rule).severity, "", msg, hint)


@dataclass
class Budget:
    """What one assessment may cost, shared by all its files (see MAX_* above)."""

    bytes: int = MAX_TOTAL_BYTES
    nodes: int = MAX_NODES
    files: int = MAX_FILES


def _decode(file: str, raw: bytes) -> tuple[str | None, Finding | None]:
    """UTF-8 text without its BOM, or the finding naming what the bytes are instead."""
    for bom, name in ((b"\x00\x00\xfe\xff", "UTF-32（ビッグエンディアン）"), (b"\xff\xfe\x00\x00", "UTF-32（リトルエンディアン）"),
                      (b"\xfe\xff", "UTF-16（ビッグエンディアン）"), (b"\xff\xfe", "UTF-16（リトルエンディアン）")):
        if raw.startswith(bom):
            return None, _encoding(file, name)
    head = raw[:4096]
    if b"\x00" in head:
        for enc, name in (("utf-32-le", "UTF-32（リトルエンディアン）"), ("utf-32-be", "UTF-32（ビッグエンディアン）"),
                          ("utf-16-le", "UTF-16（リトルエンディアン）"), ("utf-16-be", "UTF-16（ビッグエンディアン）")):
            unit = 4 if "32" in enc else 2
            try:
                sample = head[: len(head) // unit * unit].decode(enc)
            except UnicodeDecodeError:
                continue
            if sample and "\x00" not in sample and all(c.isprintable() or c in "\r\n\t" for c in sample):
                return None, _encoding(file, name)
        return None, _finding(file, 1, 1, "PIA006", "テキストファイルではありません（バイナリデータを含みます）。",
                              "評価書フォルダには UTF-8 の YAML ファイルだけを置いてください。")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        col = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        return None, _finding(file, line, col, "PIA006", "文字コードが UTF-8 ではありません（Shift_JIS などで保存されています）。",
                              "エディタで文字コードを UTF-8 にして保存し直してください。")
    return text.removeprefix("\ufeff"), None


def _encoding(file: str, name: str) -> Finding:
    return _finding(file, 1, 1, "PIA006", f"文字コードが {name}です。pia は UTF-8 のファイルだけを読みます。",
                    "エディタで文字コードを UTF-8（BOM なしでも可）にして保存し直してください。")


def _too_many_nodes(file: str, text: str, limit: int) -> bool:
    """Whether the text holds more than limit nodes, counted on the parser's events without building anything."""
    n = 0
    try:
        for ev in yaml.parse(text, Loader=_Resolver):
            if isinstance(ev, (yaml.ScalarEvent, yaml.AliasEvent, yaml.CollectionStartEvent)):
                n += 1
                if n > limit:
                    return True
    except (yaml.YAMLError, RecursionError):
        return False  # composing reports it with its line
    return False


# What YAML makes of a value's first character: staff typing 「[案] 評価書」「&A 国保」「*注*」 mean the character itself.
_SYMBOLS = {"&": "アンカー", "*": "エイリアス", "!": "タグ", "[": "一覧の始まり", "{": "項目の並びの始まり",
            "|": "複数行の値の印", ">": "折り返す値の印", "@": "YAML が予約した記号", "`": "YAML が予約した記号",
            "%": "ディレクティブの印"}
_TOKEN = re.compile(r"([&!][^\s,\[\]{}]*)[ \t]*")  # an anchor or a tag before a node
_ALIAS = re.compile(r"\*[^\s,\[\]{}]*")
_COMMENT_START = re.compile(r"[ \t]#")


def quote_scalar(value: str) -> str:
    """value as one quoted YAML scalar: '…' when it holds 「"」 and no 「'」 (no escapes to read), else "…"."""
    if '"' in value and "'" not in value:
        return f"'{value}'"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _quote_hint(line: str, start: int, end: int, what: str = "値") -> str:
    """Say to quote line[start:end], showing the line so written when it then reads back as exactly that text."""
    value, quoted = line[start:end], quote_scalar(line[start:end])
    try:
        node = yaml.compose(f"k: {quoted}", Loader=_Resolver)
        ok = node.value[0][1].value == value
    except yaml.YAMLError:
        ok = False
    if not ok:
        return f'{what}全体を引用符（"…"）で囲んでください。'
    return f'「{(line[:start] + quoted + line[end:]).strip()}」のように、{what}全体を引用符で囲んでください。'


def _whose(item: str | None) -> str:
    return f"「{item}」の値" if item else "値"


def _symbol_text(whose: str, symbol: str, outcome: str) -> str:
    return f"{whose}が「{symbol}」で始まるため、YAML の記号（{_SYMBOLS[symbol]}）として読まれ、{outcome}。"


def _item_above(lines: list[str], no: int) -> str | None:
    """The item a list entry on line no (0-based) belongs to: the nearest less indented line's 「項目名:」."""
    indent = len(lines[no]) - len(lines[no].lstrip(" "))
    for above in range(no - 1, -1, -1):
        text = lines[above]
        if text.strip() and not text.lstrip().startswith("#") and len(text) - len(text.lstrip(" ")) < indent:
            return prescan.value_of(text)[0]
    return None


def _symbol_value(text: str, err: yaml.MarkedYAMLError) -> tuple[int, int, str, str] | None:
    """(line, column, message, hint) when the error comes from a value that starts with a YAML symbol (「[案] 評価書」,
    「*注* 評価書」) or is a quoted part followed by more text (「"評価書" 全項目」). The parser names a later character
    and reads like an indentation error; a line whose value is the culprit fails to parse on its own."""
    marks = [m for m in (err.problem_mark, err.context_mark) if m is not None]
    if not marks:
        return None
    lines = [ln.rstrip("\r") for ln in text.split("\n")]
    last = marks[0].line
    above = next((i for i in range(min(last, len(lines)) - 1, -1, -1) if lines[i].strip()), None)
    for no in dict.fromkeys([m.line for m in marks if m.line <= last] + ([above] if above is not None else [])):
        if not 0 <= no < len(lines):
            continue
        line = lines[no]
        name, col, value = prescan.value_of(line)
        cut = _COMMENT_START.search(value)
        value = value[:cut.start()].rstrip() if cut else value
        if not value or value[0] not in _SYMBOLS and value[0] not in "\"'":
            continue
        try:
            yaml.compose(line.lstrip(" "), Loader=_Resolver)
            continue  # the line reads on its own: the error is elsewhere
        except yaml.YAMLError:
            pass
        name = name or _item_above(lines, no)
        hint = _quote_hint(line, col, col + len(value))
        if value[0] in "\"'":
            quoted = _closed_part(value)
            if quoted is None or quoted == value:
                continue  # an unclosed quote has its own message
            whose = f"「{name}」の値は" if name else "値は"
            return (no + 1, col + 1, f"{whose}引用符で囲んだ「{quoted}」の後ろに文字が続いているため、YAML として読めません。", hint)
        if value[0] in "|>":
            hint += f"（複数行の値なら、「{value[0]}」だけを書き、次の行から字下げして書きます。）"
        return no + 1, col + 1, _symbol_text(_whose(name), value[0], "読み込めません"), hint
    return None


def _closed_part(value: str) -> str | None:
    """The leading quoted part of value (「"評価書"」 of 「"評価書" 全項目」), None when it does not close."""
    q, i = value[0], 1
    while i < len(value):
        if q == '"' and value[i] == "\\":
            i += 2
            continue
        if value[i] == q:
            if q == "'" and value[i + 1:i + 2] == "'":
                i += 2
                continue
            return value[:i + 1]
        i += 1
    return None


def _syntax_message(err: yaml.MarkedYAMLError, text: str) -> tuple[str, str]:
    problem = (err.problem or "") + " " + (err.context or "")
    mark = err.problem_mark
    if mark is not None and 0 <= mark.index < len(text) and text[mark.index] == "\t" or "tab" in problem:
        return ("インデントにタブ文字が使われています。", "YAML のインデントには半角スペースを使ってください。")
    if "sequence entries are not allowed" in problem:
        return ("「- 」で始まる一覧が、項目名と同じ行に書かれています。",
                "一覧は「項目名:」の次の行から、一段深く字下げして「- 」で始めてください。該当なしなら「—」と書きます。")
    if "mapping values are not allowed" in problem:
        return ("値の中に「: 」（コロンと空白）があり、YAML として読めません。",
                "値を「|」の複数行形式にするか、\"…\" で囲んでください。")
    if "could not find expected ':'" in problem or "simple key" in problem:
        return ("「項目名: 値」の形になっていない行があります。", "コロン（:）の抜けやインデントのずれを確認してください。")
    if "expected <block end>" in problem or "did not find expected" in problem:
        return ("インデント（字下げ）がそろっていません。", "同じ階層の項目は同じ数の半角スペースで字下げしてください。")
    if "found character" in problem or "found unknown escape" in problem:
        return ("YAML で使えない文字があります。", "値を「|」の複数行形式にするか、\"…\" で囲んでください。")
    if "unacceptable character" in problem or "special characters" in problem:
        return ("制御文字など、YAML で使えない文字が含まれています。", "その文字を削除してください。")
    if "another document" in problem or "document separator" in problem:
        return ("一つのファイルに YAML の文書が複数あります（「---」や「...」の区切りの後にも記載があります）。",
                "評価書の YAML は一つのファイルに一つの文書です。区切りの行を削除し、内容を一つにまとめてください。")
    if "nesting depth" in problem:
        return ("入れ子が深すぎます。", f"入れ子は {MAX_DEPTH} 段までにしてください。")
    if "undefined alias" in problem:
        return ("エイリアス（*）の参照先のアンカー（&）がありません。", "「*」で始まる記号を削除し、値を書いてください。")
    if "duplicate anchor" in problem:
        return ("同じ名前のアンカー（&）が二つあります。", '「&」で始まる記号を削除してください。値の一部なら、値全体を引用符（"…"）で囲んでください。')
    if "end of stream" in problem and "quoted" in problem:
        return ("引用符（\" 又は '）が閉じられていません。", "値の終わりに同じ引用符を書いてください。")
    if "end of stream" in problem:
        return ("ファイルが途中で終わっています。", "括弧や引用符の閉じ忘れを確認してください。")
    if "directive" in problem:
        return ("「%」で始まる指示（ディレクティブ）が正しくありません。", "「%」で始まる行を削除してください。")
    if "tag" in problem:
        return ("「!」で始まるタグの書き方に誤りがあります。", "「!」で始まる記号を削除し、値だけを書いてください。")
    if "flow" in problem:
        return ("括弧（[ ] や { }）の対応がとれていません。", "括弧を閉じるか、「- 」の並びで書いてください。")
    return ("YAML の書き方に誤りがあります。", "インデント、コロン、引用符、括弧の対応を確認してください。")


def load_text(file: str, raw: bytes, budget: Budget | None = None, scan: bool = True) -> tuple[Document | None, list[Finding]]:
    """raw -> Document, or None with the findings that stopped it. Findings that do not stop loading (a zero-width
    character, say) come with the Document. budget is shared by every file of one assessment."""
    budget = budget if budget is not None else Budget()
    if len(raw) > MAX_BYTES:
        return None, [_finding(file, 1, 1, "PIA005", f"ファイルが大きすぎます（{len(raw):,} バイト、上限 {MAX_BYTES:,} バイト）。",
                               "評価書の YAML としては大きすぎます。誤って別のファイルを置いていないか確認してください。")]
    budget.bytes -= len(raw)
    if budget.bytes < 0:
        return None, [_finding(file, 1, 1, "PIA040", f"評価書全体の YAML が大きすぎます（上限 {MAX_TOTAL_BYTES:,} バイト）。このファイルから先は読みません。",
                               "誤って大きなファイルを置いていないか確認してください。")]
    text, bad_encoding = _decode(file, raw)
    if text is None:
        return None, [bad_encoding] if bad_encoding else []
    if not text.strip() or all(ln.strip().startswith("#") or not ln.strip() for ln in text.splitlines()):
        return None, [_finding(file, 1, 1, "PIA001", "ファイルが空です。", "記載例（pia new で作成できます）を参考に項目を記載してください。")]
    lines = text.splitlines()
    bad = _FORBIDDEN.search(text)
    if bad:
        line, col = _position(text, bad.start())
        return None, [_finding(file, line, col, "PIA001", f"YAML で使えない制御文字（U+{ord(bad.group()):04X}）が含まれています。",
                               "その文字を削除してください（見えない文字のため、前後を打ち直すと確実です）。")]
    if len(text) // 2 > budget.nodes and _too_many_nodes(file, text, budget.nodes):
        return None, [_nodes_exceeded(file, 1, 1)]
    pre = prescan.scan(file, text) if scan else []
    if any(f.severity == ERROR for f in pre):  # named where they are; the parser then reports what remains
        # one repaired pass only: what the repair leaves is the parser's to report, never another repair
        return None, pre + [f for f in load_text(file, prescan.repair(text).encode("utf-8"), scan=False)[1]
                            if f.rule_id == "PIA001" and all(p.line != f.line for p in pre)]
    try:
        node = yaml.compose(text, Loader=_Resolver)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        msg, hint = _syntax_message(e, text)
        symbol = _symbol_value(text, e)
        if symbol and msg != "入れ子が深すぎます。":
            line, col, msg, hint = symbol
        return None, [_finding(file, line, col, "PIA007" if msg == "入れ子が深すぎます。" else "PIA001", msg, hint)]
    except yaml.reader.ReaderError as e:
        line, col = _position(text, e.position)
        return None, [_finding(file, line, col, "PIA001", f"YAML で使えない制御文字（U+{e.character:04X}）が含まれています。",
                               "その文字を削除してください。")]
    except yaml.YAMLError:
        return None, [_finding(file, 1, 1, "PIA001", "YAML として読めません。", "インデント、コロン、引用符、括弧の対応を確認してください。")]
    except RecursionError:
        return None, [_finding(file, 1, 1, "PIA007", "入れ子が深すぎます。", f"入れ子は {MAX_DEPTH} 段までにしてください。")]
    doc = Document(file, None, lines=lines)
    findings: list[Finding] = []
    if node is None:
        return None, [_finding(file, 1, 1, "PIA001", "ファイルが空です。", "")]
    walker = _Walker(doc, findings, budget, text)
    try:
        doc.data = walker.walk(node, (), node)
    except _Reject as r:
        return None, [r.finding]
    if not isinstance(doc.data, dict):
        findings.append(_finding(file, 1, 1, "PIA010", "ファイルの最上位は「項目名: 値」の並び（マッピング）でなければなりません。",
                                 "記載例を参考に、項目名から書き始めてください。"))
    return (None if findings else doc), (findings + pre if findings else walker.notes + pre)


def _position(text: str, pos: int) -> Pos:
    return text.count("\n", 0, pos) + 1, pos - (text.rfind("\n", 0, pos) + 1) + 1


def _nodes_exceeded(file: str, line: int, col: int) -> Finding:
    return _finding(file, line, col, "PIA041", f"評価書全体の項目と値の数が多すぎます（上限 {MAX_NODES:,} 個）。ここから先は読みません。",
                    "同じ内容の繰り返しや、誤って貼り付けた大量の行がないか確認してください。")


class _Reject(Exception):
    def __init__(self, finding: Finding):
        self.finding = finding


def _item(path: Path_) -> str | None:
    """The item a path names (a list entry: the list's item)."""
    return next((p for p in reversed(path) if isinstance(p, str)), None)


_STANDARD_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "bool", "null", "seq", "map")}


class _Walker:
    """One pass over the composed nodes. Hostile input is refused here, before any value is expanded:
    explicit tags (object construction), a collection reached twice (aliases: billion laughs), deep nesting,
    more nodes or longer lists than the budget. Control and bidi characters in values are reported and replaced
    by U+FFFD, so no output (terminal, HTML, PDF, Excel) ever carries them."""

    def __init__(self, doc: Document, findings: list[Finding], budget: Budget, text: str):
        self.doc, self.findings, self.budget, self.text = doc, findings, budget, text
        self.seen: set[int] = set()
        self.last_alias = 0  # where the last alias found was written
        self.symbols_left = MAX_SYMBOLS
        self.notes: list[Finding] = []  # findings that do not stop loading

    def walk(self, node: yaml.Node, path: Path_, parent: yaml.Node, at: int = 0) -> Any:
        """at: where in the text the node's own writing starts at the earliest (an alias is found from there)."""
        doc = self.doc
        line, col = node.start_mark.line + 1, node.start_mark.column + 1
        self.budget.nodes -= 1
        if self.budget.nodes < 0:
            raise _Reject(_nodes_exceeded(doc.file, line, col))
        if node.tag not in _STANDARD_TAGS:
            raise _Reject(_finding(doc.file, line, col, "PIA004", f"YAML のタグ（{visible(node.tag)}）は使えません。",
                                   "「!」や「!!」で始まる記号を削除し、値だけを書いてください。"
                                   + ('値の一部なら、値全体を引用符（"…"）で囲んでください。' if isinstance(node, yaml.ScalarNode) else "")))
        if id(node) in self.seen:  # reached again: through an alias
            if isinstance(node, yaml.ScalarNode):
                self.alias(node, path, at)
            else:  # billion laughs: refused before anything is expanded
                line, col = self._alias_at(at, parent)[:2]
                raise _Reject(_finding(doc.file, line, col, "PIA003", "アンカーとエイリアス（& と *）による繰り返しは使えません。",
                                       "同じ内容でも、それぞれの項目に書いてください。"))
        else:
            self.seen.add(id(node))
            if self.text[node.start_mark.index:node.start_mark.index + 1] in ("&", "!"):
                self.symbols(node, _whose(_item(path)))
        if isinstance(node, (yaml.SequenceNode, yaml.MappingNode)):
            if len(path) >= MAX_DEPTH:
                raise _Reject(_finding(doc.file, line, col, "PIA007", "入れ子が深すぎます。", f"入れ子は {MAX_DEPTH} 段までにしてください。"))
            if len(node.value) > MAX_LIST:
                raise _Reject(_finding(doc.file, line, col, "PIA042", f"一つの一覧又は項目の並びの件数が多すぎます（{len(node.value):,} 件、上限 {MAX_LIST:,} 件）。",
                                       "誤って貼り付けた大量の行がないか確認してください。"))
        doc.values[path] = (line, col)
        if isinstance(node, yaml.ScalarNode):
            if node.tag.endswith(":null"):
                return None
            if node.tag.endswith(":bool"):
                return node.value.lower() == "true"
            if node.tag.endswith(":int"):
                return int(node.value)
            return self.text_value(node)
        if isinstance(node, yaml.SequenceNode):
            out_: list[Any] = []
            at = node.start_mark.index
            for i, item in enumerate(node.value):
                again = id(item) in self.seen
                out_.append(self.walk(item, path + (i,), node, at))
                at = self.last_alias + 1 if again else item.end_mark.index  # an alias's node was written elsewhere
            return out_
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            kline, kcol = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            if not isinstance(key_node, yaml.ScalarNode):
                self.findings.append(_finding(doc.file, kline, kcol, "PIA010", "項目名に一覧やマッピングは使えません。", "項目名は文字で書いてください。"))
                continue
            if key_node.value == "<<":
                self.findings.append(_finding(doc.file, kline, kcol, "PIA003", "マージキー（<<）は使えません。", "項目はそれぞれ書いてください。"))
                continue
            self.budget.nodes -= 1
            key = self.text_value(key_node) if key_node.value is not None else ""
            if key in out:
                first = doc.keys[path + (key,)][0]
                self.findings.append(_finding(doc.file, kline, kcol, "PIA002", f"項目「{key}」が重複しています（{first}行目にもあります）。",
                                              "どちらか一方を削除し、内容を一つにまとめてください。"))
                continue
            doc.keys[path + (key,)] = (kline, kcol)
            if self.text[key_node.start_mark.index:key_node.start_mark.index + 1] in ("&", "!"):
                self.symbols(key_node, "項目名")
            out[key] = self.walk(value_node, path + (key,), node, key_node.end_mark.index)
        return out

    def symbols(self, node: yaml.Node, whose: str) -> None:
        """Anchors and tags written on a node (which starts with 「&」 or 「!」). Staff never mean them: 「評価書名: &A 国保の評価書」 reads as 「国保の評価書」,
        so each is an error where it was written, saying to quote the value (or, on a list or a group, to delete it)."""
        i, text = node.start_mark.index, self.text
        if self.symbols_left <= 0:
            return
        if isinstance(node, yaml.MappingNode) and node.value and node.value[0][0].start_mark.index == i:
            return  # a block mapping starts where its first key does: the symbol is that key's
        lines = self.doc.lines
        start, end = node.start_mark, node.end_mark
        while m := _TOKEN.match(text, i):
            token, anchor = m.group(1), m.group(1)[0] == "&"
            self.symbols_left -= 1
            line, col = _position(text, i)
            rule = "PIA003" if anchor else "PIA004"
            if isinstance(node, yaml.ScalarNode):
                src = lines[start.line] if start.line < len(lines) else ""
                stop = end.column if end.line == start.line else len(src)
                what = "項目名" if whose == "項目名" else "値"
                msg = _symbol_text(whose, token[0], f"「{visible(token)}」が{what}から消えています")
                # a value going on to the next lines: no one line to show quoted
                hint = _quote_hint(src, start.column, stop, what) if end.line == start.line else \
                    f'{what}全体を引用符（"…"）で囲んでください（複数行の値なら「|」だけを書き、次の行から字下げして書きます）。'
                self.findings.append(_finding(self.doc.file, line, col, rule, msg, hint))
            else:
                what = "アンカー" if anchor else "タグ"
                self.findings.append(_finding(self.doc.file, line, col, rule,
                                              f"{whose.removesuffix('の値')}に YAML の{what}「{visible(token)}」が付いています。評価書では使えません。",
                                              f"「{visible(token)}」を削除してください。"))
            i = m.end()

    def alias(self, node: yaml.ScalarNode, path: Path_, at: int) -> None:
        """A scalar reached again: an alias (「*注」) written where the value was meant, found from at."""
        self.symbols_left -= 1
        if self.symbols_left < 0:
            return
        line, col, token = self._alias_at(at, node)
        src = self.doc.lines[line - 1] if line <= len(self.doc.lines) else ""
        msg = _symbol_text(_whose(_item(path)), "*", f"「{visible(token)}」がアンカー（&）を付けた別の値に置き換わっています")
        self.findings.append(_finding(self.doc.file, line, col, "PIA003", msg, _quote_hint(src, col - 1, col - 1 + len(token))))

    def _alias_at(self, at: int, node: yaml.Node) -> tuple[int, int, str]:
        """Line, column and text of the alias written from at on (the node's own place if none is found)."""
        m = _ALIAS.search(self.text, at)
        where = m.start() if m else node.start_mark.index
        self.last_alias = where
        return (*_position(self.text, where), m.group() if m else "*")

    def text_value(self, node: yaml.ScalarNode) -> str:
        value: str = node.value
        if not _REPORTED.search(value):
            return value
        reported: set[str] = set()
        for m in _REPORTED.finditer(value):
            ch = m.group()
            if ch in reported:
                continue
            reported.add(ch)
            line, col = self._locate(node, ch)
            if _CONTROL.match(ch):
                f = _finding(self.doc.file, line, col, "PIA030", f"値に制御文字（U+{ord(ch):04X}）が含まれています（{line}行目）。",
                             "エスケープ（\\e、\\0、\\x9b など）や貼り付けた見えない文字を削除してください。出力では「�」に置き換えます。")
            elif _BIDI.match(ch):
                f = _finding(self.doc.file, line, col, "PIA031", f"値に文字の表示順を入れ替える制御文字（U+{ord(ch):04X}）が含まれています（{line}行目）。",
                             "表示と実際の内容が食い違うおそれがあるため、削除してください。出力では「�」に置き換えます。")
            else:
                what = "BOM（U+FEFF）" if ch == "\ufeff" else f"見えない文字（U+{ord(ch):04X}）"
                f = _finding(self.doc.file, line, col, "PIA032", f"値に{what}が含まれています（{line}行目）。",
                             "検索や比較で一致しなくなるため、削除してください（前後を打ち直すと確実です）。")
            self.notes.append(f)
        return _UNSAFE.sub("\ufffd", value)

    def _locate(self, node: yaml.Node, ch: str) -> Pos:
        """Where ch was typed in the scalar's source; the scalar's start when it was written as an escape."""
        i = self.text.find(ch, node.start_mark.index, node.end_mark.index)
        if i < 0:
            return node.start_mark.line + 1, node.start_mark.column + 1
        return _position(self.text, i)


_SHOWN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u00ad\u180e\u200b-\u200d\u2060-\u2064\ufeff\u2028\u2029]")


def visible(s: str) -> str:
    """s with control (except tab and newline), bidi and invisible characters shown as <U+XXXX>: what pia prints
    to a terminal or log never moves the cursor, erases lines or reorders text."""
    return _SHOWN.sub(lambda m: f"<U+{ord(m.group()):04X}>", s)


def load_file(path: Path, display: str, root: fsread.Root | None = None, budget: Budget | None = None,
              parse: Callable[[str, bytes, Budget], tuple[Document | None, list[Finding]]] | None = None
              ) -> tuple[Document | None, list[Finding]]:
    """A file read through fsread: inside root (default: its own folder), regular, at most MAX_BYTES. parse: what
    turns its bytes into a document instead of load_text (a reuse cache's load_text, which parses only new bytes)."""
    root = root or fsread.Root(path.parent)
    rel = path.relative_to(root.folder).as_posix() if root.folder in path.parents else path.name
    try:
        raw = root.read(rel, MAX_BYTES)
    except fsread.Refusal as r:
        return None, [refusal_finding(display, r)]
    if parse is not None:
        return parse(display, raw, budget if budget is not None else Budget())
    return load_text(display, raw, budget)


def refusal_finding(display: str, r: fsread.Refusal) -> Finding:
    return _finding(display, 1, 1, r.rule_id, r.message, r.hint)
