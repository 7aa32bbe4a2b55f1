"""Change values in a YAML text and keep everything else: comments (pia-ignore reasons), key order, ids, quoting.

A round-trip load and dump (ruamel.yaml) of pia's YAML gives the same text back, except that an explicit `null`
is written as an empty value (the same value): lines that differ only so are put back as written, as are a UTF-8 BOM
and CRLF line endings, so the bytes of what is not changed stay."""
from __future__ import annotations

import difflib
import io
import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from pia.form import schema as sch


def _yaml() -> YAML:
    y = YAML()
    y.preserve_quotes = True
    y.width = 10**6  # never fold a long line
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def as_written(text: str) -> str:
    """A text as set_values writes it: with a line break, a literal block, which ends with one."""
    return text + "\n" if "\n" in text and not text.endswith("\n") else text


def _scalar(value: Any) -> Any:
    if isinstance(value, str) and "\n" in value:
        return LiteralScalarString(as_written(value))
    return value


def _ensure_key(m: CommentedMap, key: str, node: sch.Node | None, default: Any) -> None:
    """Add a missing key where the form puts it (before the next key the schema lists after it)."""
    if key in m:
        return
    order = list((node or {}).get("properties", {}))
    later = order[order.index(key) + 1:] if key in order else []
    pos = next((i for i, k in enumerate(m) if k in later), len(m))
    m.insert(pos, key, default)


def _entry_key(e: Any) -> Any:
    return e if isinstance(e, str) else next(iter(e)) if isinstance(e, dict) and len(e) == 1 else None


def _set_list(seq: CommentedSeq, new: list[Any]) -> None:
    """Make a multiple-choice list equal to new, moving nothing that stays (comments stay with their entries)."""
    wanted = [_entry_key(e) for e in new]
    for i in reversed(range(len(seq))):
        if _entry_key(seq[i]) not in wanted:
            del seq[i]
    for i, e in enumerate(new):
        k = _entry_key(e)
        have = [_entry_key(x) for x in seq]
        if k in have:
            j = have.index(k)
            if isinstance(e, dict) and (not isinstance(seq[j], dict) or seq[j].get(k) != e[k]):
                if isinstance(seq[j], dict):
                    seq[j][k] = _scalar(e[k])
                else:
                    seq[j] = CommentedMap([(k, _scalar(e[k]))])
            elif isinstance(e, str) and isinstance(seq[j], dict):
                seq[j] = e
        else:
            seq.insert(i, CommentedMap([(k, _scalar(e[k]))]) if isinstance(e, dict) else e)
    if len(seq):
        seq.fa.set_block_style()


_NULL = re.compile(r"(?<=[:-])[ \t]+(?:null|Null|NULL|~)(?=[ \t]*(?:#|$))")


def _keep_nulls(before: str, after: str) -> str:
    """after, with each line that differs from before only by an explicit null dropped put back as written."""
    old, new = before.split("\n"), after.split("\n")
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "replace" and i2 - i1 == j2 - j1:
            for k in range(i2 - i1):
                o, n = old[i1 + k], new[j1 + k]
                if _NULL.search(o) and re.sub(r"\s+", "", _NULL.sub("", o)) == re.sub(r"\s+", "", n):
                    new[j1 + k] = o
    return "\n".join(new)


def set_values(text: str, values: list[tuple[tuple[str | int, ...], Any]], root: sch.Node) -> str:
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    text = text[len(bom):]
    crlf = "\r\n" in text
    text = text.replace("\r\n", "\n")  # ruamel keeps a CR in comments, which would double on the way back
    y = _yaml()
    data = y.load(text)
    if data is None:
        data = CommentedMap()
    for path, value in values:
        parent: Any = data
        node: sch.Node | None = root
        for part in path[:-1]:
            child = sch.child(node, part) if node else None
            if isinstance(parent, CommentedMap) and isinstance(part, str):
                if not isinstance(parent.get(part), (CommentedMap, CommentedSeq)):
                    if part in parent:
                        parent[part] = CommentedMap()
                    else:
                        _ensure_key(parent, part, node, CommentedMap())
                parent = parent[part]
            else:
                parent = parent[part]
            node = child
        last = path[-1]
        if isinstance(value, list):
            if not isinstance(parent.get(last) if isinstance(parent, dict) else parent[last], CommentedSeq):
                if isinstance(parent, CommentedMap):
                    _ensure_key(parent, str(last), node, None)
                parent[last] = CommentedSeq()
            _set_list(parent[last], value)
        elif isinstance(parent, CommentedMap):
            _ensure_key(parent, str(last), node, None)
            parent[last] = _scalar(value)
        else:
            parent[last] = _scalar(value)
    buf = io.StringIO()
    y.dump(data, buf)
    out = _keep_nulls(text, buf.getvalue())
    return bom + (out.replace("\n", "\r\n") if crlf else out)
