"""Commented YAML skeletons generated from the schemas (used by `pia new`).

Guidance comments sit on their own line above a key, never after the value: an editor completes a value only
where the line holds nothing else (and the full guidance is the schema's description, shown on hover)."""
from __future__ import annotations

from typing import Any

from pia.form import schema as sch


def _comment(key: str, node: dict[str, Any], pad: str) -> list[str]:
    if key == sch.SELECTED or sch.kind(node) == "id":  # the parent names the item; an id needs no words
        parts = []
    else:
        parts = [] if node.get("title", key) == key else [node["title"]]
    if node.get("x-pia-star"):
        parts.append("※")
    opts = sch.options(node)
    if opts and sch.SELECTED not in node.get("properties", {}):
        kind = "複数選択" if sch.kind(node) == "multi" else "選択肢"
        parts.append(f"{kind}: " + " ".join(f"{i}) {o}" for i, o in enumerate(opts, 1)))
    if sch.kind(node) == "flag":
        parts.append(f"○の欄: ○を付けるなら「{sch.TICK}」、付けないなら空欄")
    if node.get("x-pia-dash"):
        parts.append("該当なしは「—」")
    return [f"{pad}# " + " / ".join(parts)] if parts else []


def _lines(props: dict[str, Any], indent: int, omit: frozenset[tuple[str, ...]] = frozenset(),
           path: tuple[str, ...] = ()) -> list[str]:
    out: list[str] = []
    pad = " " * indent
    for key, node in props.items():
        kind = sch.kind(node)
        if path + (key,) in omit:
            continue
        if kind in ("group", "choice") and "properties" in node:
            inner = _lines(node["properties"], indent + 2, omit, path + (key,))
            if not any(not line.lstrip().startswith("#") for line in inner):
                continue  # every item of the group is written in another document
            out.extend(_comment(key, node, pad))
            out.append(f"{pad}{key}:")
            out.extend(inner)
            continue
        out.extend(_comment(key, node, pad))
        if kind == "list" and "properties" in node["items"]:
            inner = _lines(node["items"]["properties"], indent + 4)
            first = next(i for i, line in enumerate(inner) if not line.lstrip().startswith("#"))
            inner[:first] = [pad + "  " + line.lstrip() for line in inner[:first]]  # aligned with the "- "
            inner[first] = pad + "  - " + inner[first].lstrip()
            if node.get("x-pia-optional"):
                # a record (改訂, 変更箇所) holds only what happened: empty, its entry's shape as a comment (a blank
                # entry would be printed and published as a change)
                out.append(f"{pad}{key}: []")
                out.append(f"{pad}# 書くときの形:")
                out.extend(f"{pad}# {line[len(pad):]}" for line in inner if not line.lstrip().startswith("#"))
            else:
                out.append(f"{pad}{key}:")
                out.extend(inner)
        elif kind in ("list", "multi", "idlist", "strlist", "exceptions"):
            out.append(f"{pad}{key}: []")
        elif kind == "id":
            out.append(f"{pad}{key}: id1")
        else:
            out.append(f"{pad}{key}:")
    return out


def skeleton(schema_name: str, schema_ref: str, root: sch.Schema | None = None,
             omit: frozenset[tuple[str, ...]] = frozenset()) -> str:
    """schema_ref: the schema file as the editor should find it from the YAML file (a relative path).
    omit: data paths left out (the facts a 基礎項目評価書 takes from the folder's other documents)."""
    root = root or sch.load()
    doc = root.document(schema_name)
    header = [f"# yaml-language-server: $schema={schema_ref}"]
    return "\n".join(header + _lines(doc["properties"], 0, omit)) + "\n"
