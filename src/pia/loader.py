"""YAML text -> plain values + a map of source positions, or findings. Never raises on user content.

The C composer builds the node tree without constructing anything (an alias is the same node object, so nothing
is expanded); one walk over it then refuses explicit tags, collections reached twice (billion laughs), deep
nesting, duplicate keys and non-scalar keys, and builds plain values with their positions.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pia import prescan
from pia.findings import ERROR, Finding

MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 40

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
_IGNORE = re.compile(r"#\s*pia-ignore:\s*((?:PIA\d+[,\s]*)+)(.*)$")


@dataclass
class Document:
    """One loaded YAML file: plain JSON-like data and where each value and key was written."""

    file: str
    data: Any
    values: dict[Path_, Pos] = field(default_factory=dict)
    keys: dict[Path_, Pos] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

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

    def suppression(self, line: int, rule_id: str) -> str | None:
        """The reason written as `# pia-ignore: PIA011 理由` on that line, if it names this rule."""
        if not 0 < line <= len(self.lines):
            return None
        m = _IGNORE.search(self.lines[line - 1])
        if m and rule_id in re.findall(r"PIA\d+", m.group(1)):
            return m.group(2).strip() or "（理由の記載なし）"
        return None


def _finding(file: str, line: int, col: int, rule: str, msg: str, hint: str = "") -> Finding:
    return Finding(file, line, col, rule, ERROR, "", msg, hint)


def _syntax_message(err: yaml.MarkedYAMLError, text: str) -> tuple[str, str]:
    problem = (err.problem or "") + " " + (err.context or "")
    mark = err.problem_mark
    if mark is not None and 0 <= mark.index < len(text) and text[mark.index] == "\t" or "tab" in problem:
        return ("インデントにタブ文字が使われています。", "YAML のインデントには半角スペースを使ってください。")
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
    return ("YAML の書き方に誤りがあります（" + problem.strip() + "）。", "インデント、コロン、引用符の対応を確認してください。")


def load_text(file: str, raw: bytes) -> tuple[Document | None, list[Finding]]:
    if len(raw) > MAX_BYTES:
        return None, [_finding(file, 1, 1, "PIA005", f"ファイルが大きすぎます（{len(raw):,} バイト、上限 {MAX_BYTES:,} バイト）。",
                               "評価書の YAML としては大きすぎます。誤って別のファイルを置いていないか確認してください。")]
    if b"\x00" in raw[:8192]:
        return None, [_finding(file, 1, 1, "PIA006", "テキストファイルではありません（バイナリデータを含みます）。",
                               "評価書フォルダには UTF-8 の YAML ファイルだけを置いてください。")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        col = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        return None, [_finding(file, line, col, "PIA006", "文字コードが UTF-8 ではありません（Shift_JIS などで保存されています）。",
                               "エディタで文字コードを UTF-8 にして保存し直してください。")]
    text = text.removeprefix("\ufeff")
    if not text.strip() or all(ln.strip().startswith("#") or not ln.strip() for ln in text.splitlines()):
        return None, [_finding(file, 1, 1, "PIA001", "ファイルが空です。", "記載例（pia new で作成できます）を参考に項目を記載してください。")]
    lines = text.splitlines()
    bad = _FORBIDDEN.search(text)
    if bad:
        pos = bad.start()
        line = text.count("\n", 0, pos) + 1
        col = pos - (text.rfind("\n", 0, pos) + 1) + 1
        return None, [_finding(file, line, col, "PIA001", f"YAML で使えない制御文字（U+{ord(bad.group()):04X}）が含まれています。",
                               "その文字を削除してください（見えない文字のため、前後を打ち直すと確実です）。")]
    pre = prescan.scan(file, text)
    if any(f.severity == ERROR for f in pre):  # named where they are; the parser then reports what remains
        return None, pre + [f for f in load_text(file, prescan.repair(text).encode("utf-8"))[1]
                            if f.rule_id == "PIA001" and all(p.line != f.line for p in pre)]
    try:
        node = yaml.compose(text, Loader=_Resolver)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        msg, hint = _syntax_message(e, text)
        return None, [_finding(file, line, col, "PIA001", msg, hint)]
    except yaml.reader.ReaderError as e:
        pos = e.position
        line = text.count("\n", 0, pos) + 1
        col = pos - (text.rfind("\n", 0, pos) + 1) + 1
        return None, [_finding(file, line, col, "PIA001", f"YAML で使えない制御文字（U+{e.character:04X}）が含まれています。",
                               "その文字を削除してください。")]
    except yaml.YAMLError as e:
        return None, [_finding(file, 1, 1, "PIA001", f"YAML として読めません（{e}）。", "")]
    except RecursionError:
        return None, [_finding(file, 1, 1, "PIA007", "入れ子が深すぎます。", f"入れ子は {MAX_DEPTH} 段までにしてください。")]
    doc = Document(file, None, lines=lines)
    findings: list[Finding] = []
    if node is None:
        return None, [_finding(file, 1, 1, "PIA001", "ファイルが空です。", "")]
    try:
        doc.data = _walk(node, (), doc, findings, set(), node)
    except _Reject as r:
        return None, [r.finding]
    if not isinstance(doc.data, dict):
        findings.append(_finding(file, 1, 1, "PIA010", "ファイルの最上位は「項目名: 値」の並び（マッピング）でなければなりません。",
                                 "記載例を参考に、項目名から書き始めてください。"))
    return (None if findings else doc), findings + pre


class _Reject(Exception):
    def __init__(self, finding: Finding):
        self.finding = finding


_STANDARD_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "bool", "null", "seq", "map")}


def _walk(node: yaml.Node, path: Path_, doc: Document, findings: list[Finding], seen: set[int], parent: yaml.Node) -> Any:
    """One pass over the composed nodes. Hostile input is refused here, before any value is expanded:
    explicit tags (object construction), a collection reached twice (aliases: billion laughs), deep nesting."""
    line, col = node.start_mark.line + 1, node.start_mark.column + 1
    if node.tag not in _STANDARD_TAGS:
        raise _Reject(_finding(doc.file, line, col, "PIA004", f"YAML のタグ（{node.tag}）は使えません。",
                               "「!」や「!!」で始まる記号を削除し、値だけを書いてください。"))
    if isinstance(node, (yaml.SequenceNode, yaml.MappingNode)):
        if id(node) in seen:
            at = parent.start_mark
            raise _Reject(_finding(doc.file, at.line + 1, at.column + 1, "PIA003", "アンカーとエイリアス（& と *）による繰り返しは使えません。",
                                   "同じ内容でも、それぞれの項目に書いてください。"))
        seen.add(id(node))
        if len(path) >= MAX_DEPTH:
            raise _Reject(_finding(doc.file, line, col, "PIA007", "入れ子が深すぎます。", f"入れ子は {MAX_DEPTH} 段までにしてください。"))
    doc.values[path] = (line, col)
    if isinstance(node, yaml.ScalarNode):
        if node.tag.endswith(":null"):
            return None
        if node.tag.endswith(":bool"):
            return node.value.lower() == "true"
        if node.tag.endswith(":int"):
            return int(node.value)
        return node.value
    if isinstance(node, yaml.SequenceNode):
        return [_walk(item, path + (i,), doc, findings, seen, node) for i, item in enumerate(node.value)]
    out: dict[str, Any] = {}
    for key_node, value_node in node.value:
        kline, kcol = key_node.start_mark.line + 1, key_node.start_mark.column + 1
        if not isinstance(key_node, yaml.ScalarNode):
            findings.append(_finding(doc.file, kline, kcol, "PIA010", "項目名に一覧やマッピングは使えません。", "項目名は文字で書いてください。"))
            continue
        if key_node.value == "<<":
            findings.append(_finding(doc.file, kline, kcol, "PIA003", "マージキー（<<）は使えません。", "項目はそれぞれ書いてください。"))
            continue
        key = key_node.value if key_node.value is not None else ""
        if key in out:
            first = doc.keys[path + (key,)][0]
            findings.append(_finding(doc.file, kline, kcol, "PIA002", f"項目「{key}」が重複しています（{first}行目にもあります）。",
                                     "どちらか一方を削除し、内容を一つにまとめてください。"))
            continue
        doc.keys[path + (key,)] = (kline, kcol)
        out[key] = _walk(value_node, path + (key,), doc, findings, seen, node)
    return out


def load_file(path: Path, display: str) -> tuple[Document | None, list[Finding]]:
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as e:
        return None, [_finding(display, 1, 1, "PIA006", f"ファイルを読めません（{e.strerror}）。", "")]
    return load_text(display, raw)
