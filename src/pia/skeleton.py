"""Commented YAML skeletons generated from the schemas (used by `pia new`)."""
from __future__ import annotations

from typing import Any

from pia import schema as sch


def _comment(node: dict[str, Any]) -> str:
    parts = [node.get("title", "")]
    if node.get("x-pia-star"):
        parts.append("※")
    opts = sch.options(node)
    if opts:
        kind = "複数選択" if sch.kind(node) == "multi" else "選択肢"
        parts.append(f"{kind}: " + " ".join(f"{i}) {o}" for i, o in enumerate(opts, 1)))
    if node.get("x-pia-dash"):
        parts.append("該当なしは「—」")
    return "  # " + " / ".join(p for p in parts if p)


def _lines(props: dict[str, Any], required: list[str], indent: int, root: sch.Schema) -> list[str]:
    out: list[str] = []
    pad = " " * indent
    for key, node in props.items():
        kind = sch.kind(node)
        if kind in ("group", "choice") and "properties" in node:
            out.append(f"{pad}{key}:{_comment(node)}")
            out.extend(_lines(node["properties"], node.get("required", []), indent + 2, root))
        elif kind == "list":
            block = node["items"]
            if "properties" in block:
                out.append(f"{pad}{key}:{_comment(node)}")
                inner = _lines(block["properties"], block.get("required", []), indent + 4, root)
                if inner:
                    inner[0] = pad + "  - " + inner[0].lstrip()
                out.extend(inner)
            else:
                out.append(f"{pad}{key}: []{_comment(node)}")
        elif kind in ("multi", "idlist", "strlist", "exceptions"):
            out.append(f"{pad}{key}: []{_comment(node)}")
        elif kind == "id":
            out.append(f"{pad}{key}: id1{_comment(node)}")
        else:
            out.append(f"{pad}{key}:{_comment(node)}")
    return out


def skeleton(schema_name: str, schema_ref: str, root: sch.Schema | None = None) -> str:
    """schema_ref: the schema file as the editor should find it from the YAML file (a relative path)."""
    root = root or sch.load()
    doc = root.document(schema_name)
    header = [f"# yaml-language-server: $schema={schema_ref}"]
    return "\n".join(header + _lines(doc["properties"], doc.get("required", []), 0, root)) + "\n"
