"""What editors are offered: no `null` among options or types, guidance above keys (never on a value line)."""
from __future__ import annotations

import json
from pathlib import Path

import yaml

from conftest import schema_nodes
from pia.form import schema as sch
from pia.app.cli import main


def test_no_schema_offers_null():
    offenders = [(name, n.get("title")) for name, n in schema_nodes()
                 if None in (n.get("enum") or []) or "null" in (n.get("type") if isinstance(n.get("type"), list)
                                                                 else [n.get("type")]) or n.get("const", 0) is None]
    assert not offenders, offenders[:10]


def test_empty_is_still_accepted_and_options_are_unchanged():
    root = sch.load()
    node = root.node_at("assessment", ("評価実施機関の区分",))
    assert sch.options(node) == ["地方公共団体等", "行政機関等"]
    v = root.validator("assessment")
    assert not [e for e in v.iter_errors({"評価実施機関の区分": None}) if list(e.absolute_path) == ["評価実施機関の区分"]]
    bad = [e for e in v.iter_errors({"評価実施機関の区分": "市"}) if list(e.absolute_path) == ["評価実施機関の区分"]]
    assert bad, "a value outside the options must still be an error"


def test_wrong_option_and_wrong_type_keep_their_messages(example: Path, capsys):
    f = example / "assessment.yaml"
    text = f.read_text(encoding="utf-8")
    text = text.replace("評価実施機関の区分: 地方公共団体等", "評価実施機関の区分: 地方公共団体")
    text = text.replace("評価書番号: 1", "評価書番号: [1]")
    f.write_text(text, encoding="utf-8")
    assert main(["check", str(example), "--format", "json"]) == 1
    found = {(x["rule_id"], x["message"]) for a in json.loads(capsys.readouterr().out)["assessments"] for x in a["findings"]}
    assert ("PIA011", "「地方公共団体」は「評価実施機関の区分」の選択肢にありません。") in found
    assert ("PIA010", "「評価書番号」には文字・整数を書いてください（一覧が書かれています）。") in found


def test_skeleton_comments_sit_above_keys(tmp_path: Path, capsys):
    assert main(["new", "s", "--dir", str(tmp_path)]) == 0
    for f in sorted((tmp_path / "s").rglob("*.yaml")):
        lines = f.read_text(encoding="utf-8").splitlines()
        for n, line in enumerate(lines[1:], 2):
            assert line.lstrip().startswith("#") or "#" not in line, (f.name, n, line)
        # every comment is followed by the key it describes, at the same indentation (or at the list item's dash);
        # an empty record's example entry (「改訂: []」 then 「# 書くときの形:」 and the entry commented out) excepted
        example = False
        for n, line in enumerate(lines[1:-1], 2):
            example = line.lstrip().startswith("# 書くときの形:") or example and line.lstrip().startswith("#   ")
            if line.lstrip().startswith("#") and not example:
                nxt = lines[n]
                assert not nxt.lstrip().startswith("#"), (f.name, n)
                assert len(nxt) - len(nxt.lstrip()) == len(line) - len(line.lstrip()), (f.name, n, line, nxt)
        assert yaml.safe_load("\n".join(lines)) is not None
    text = (tmp_path / "s" / "assessment.yaml").read_text(encoding="utf-8")
    assert "# 選択肢: 1) 地方公共団体等 2) 行政機関等\n評価実施機関の区分:\n" in text



def _items(node, path=()):
    """Every item of a schema: each property, each block of a list, each shared definition, with its path."""
    if isinstance(node, dict):
        for key in ("properties", "$defs"):
            for k, v in (node.get(key) or {}).items():
                if k != "empty":  # the "may be empty" marker is not an item
                    yield path + (k,), v
        if isinstance(node.get("items"), dict) and "properties" in node["items"]:
            yield path + ("[]",), node["items"]
        for k, v in node.items():
            yield from _items(v, path + (k,))
    elif isinstance(node, list):
        for v in node:
            yield from _items(v, path)


def test_every_item_of_every_schema_has_guidance():
    import json

    from conftest import ROOT

    total, missing = 0, []
    for p in sorted((ROOT / "schemas").glob("*.schema.json")):
        doc = json.loads(p.read_text(encoding="utf-8"))
        for path, node in [((), doc), *_items(doc)]:
            if isinstance(node, dict) and "$ref" not in node:
                total += 1
                if not str(node.get("description", "")).strip():
                    missing.append((p.name, "/".join(map(str, path))))
    assert total > 350 and not missing, (len(missing), missing[:20])
