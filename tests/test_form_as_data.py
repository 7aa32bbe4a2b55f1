"""The form is data: labels live in the schemas only, items are reached by code, layout drives every output."""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from pia.form import layout
from pia.form.items import UnknownItem, all_items, item
from pia.analysis.catalog import rules

ROOT = Path(__file__).resolve().parents[1]
# Literals that docs/design.md lists with the reason each cannot come from the schema.
ALLOWED = {"選択", "件数", "○"}


def _schema_words() -> set[str]:
    words: set[str] = set()

    def walk(x: object) -> None:
        if isinstance(x, dict):
            for k, v in (x.get("properties") or {}).items():
                words.add(k)
                if isinstance(v, dict) and isinstance(v.get("title"), str):
                    words.add(v["title"])
            words.update(o for o in x.get("enum") or [] if isinstance(o, str))
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    for p in (ROOT / "schemas").glob("*.schema.json"):
        if p.name != "council.schema.json":  # the council sheets are a document of their own, not the form
            walk(json.loads(p.read_text(encoding="utf-8")))
    return {w for w in words if re.search(r"[^\x00-\x7f]", w)}


def _literals() -> list[tuple[str, str]]:
    out = []
    for p in (ROOT / "src" / "pia").rglob("*.py"):
        for n in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(n, ast.Constant) and isinstance(n.value, str):
                out.append((str(p.relative_to(ROOT)), n.value))
    for p in (ROOT / "templates").rglob("*.j2"):
        out += [(str(p.relative_to(ROOT)), a or b) for a, b in re.findall(r'"([^"\n]+)"|\'([^\'\n]+)\'', p.read_text(encoding="utf-8"))]
    return out


def test_no_schema_label_or_option_is_written_in_code() -> None:
    words = _schema_words()
    assert len(words) > 300  # really read the schemas
    found = sorted({(f, s) for f, s in _literals() if s in words and s not in ALLOWED})
    assert found == []


def test_allowed_literals_are_documented() -> None:
    design = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    for w in ALLOWED:
        assert f"`{w}`" in design


def test_unknown_item_codes_fail_loudly() -> None:
    with pytest.raises(UnknownItem):
        item("II-99-存在しない")
    with pytest.raises(UnknownItem):
        item("I-1-③").option("no-such-meaning")


def test_every_rule_module_resolved_its_items() -> None:
    # importing the rules resolves every item they name; a renamed code stops the import, not the rule
    assert len(rules()) >= 25
    assert len(all_items()) > 250


def test_option_meanings_cover_their_options() -> None:
    for it in all_items():
        for attr in ("x-pia-meaning", "x-pia-bounds"):
            m = it.node.get(attr)
            if isinstance(m, dict):
                assert set(m) <= set(it.options), (it.code, attr)
                if attr == "x-pia-bounds":
                    assert set(m) == set(it.options), it.code


def test_layout_names_only_known_items() -> None:
    for p in (ROOT / "schemas").glob("*.layout.json"):
        if p.name == "council.layout.json":  # the council sheet's own layout: keys of council.schema.json (test_council)
            continue
        lay = json.loads(p.read_text(encoding="utf-8"))
        for part in lay["parts"]:
            for sub in part.get("per_file", [part]):
                for code in [sub.get("item"), sub.get("lead"), *sub.get("items", []), *sub.get("insert_after", {}).keys(),
                             *sub.get("insert_after", {}).values()]:
                    if code:
                        item(code)
        assert layout.texts(lay["kind"])["options"]


def test_the_layout_file_decides_the_order_of_the_document(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pia.document import assessment as asm
    from pia.document import page
    from pia.output.html import render_html

    lay = json.loads((ROOT / "schemas" / "full.layout.json").read_text(encoding="utf-8"))
    ids = [p["id"] for p in lay["parts"]]
    i, j = ids.index("IV"), ids.index("V")
    lay["parts"][i], lay["parts"][j] = lay["parts"][j], lay["parts"][i]
    (tmp_path / "full.layout.json").write_text(json.dumps(lay, ensure_ascii=False), encoding="utf-8")
    a = asm.load(ROOT / "assessments" / "setagaya-juki")
    iv, v = item("IV").title, item("V").title
    html = render_html(page.of(a, rows=[]))
    assert html.index(iv) < html.index(v)
    monkeypatch.setattr(layout, "schemas_dir", lambda: tmp_path)
    layout.load.cache_clear()
    try:
        html = render_html(page.of(a, rows=[]))
        assert html.index(v) < html.index(iv)
    finally:
        layout.load.cache_clear()
