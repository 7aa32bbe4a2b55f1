"""One identity per kind of document: a kind is a record of data (schemas/forms.json), and no code outside the form
layer branches on a kind's name. A fourth kind, defined in test data only, goes through new, check, render and diff."""
from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

FORM_LAYER = ROOT / "src" / "pia" / "form"
FOURTH = ROOT / "tests" / "data" / "fourth-kind"


def _display_names() -> set[str]:
    table = json.loads((ROOT / "schemas" / "forms.json").read_text(encoding="utf-8"))
    names = set()
    for k in table["kinds"].values():
        names |= {k["name"], k["title"], k["title"].split("（")[-1].rstrip("）")}
    return names


def _name_uses(tree: ast.AST, names: set[str]) -> list[int]:
    """Lines comparing with, or indexing by, a kind's display name (`kind.name == "基礎"`, `kinds()["重点"]`)."""
    def named(node: ast.AST) -> bool:
        if isinstance(node, ast.Constant) and node.value in names:
            return True
        return isinstance(node, (ast.Tuple, ast.List, ast.Set)) and any(named(e) for e in node.elts)

    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and any(named(n) for n in (node.left, *node.comparators)):
            out.append(node.lineno)
        elif isinstance(node, ast.Subscript) and named(node.slice):
            out.append(node.lineno)
        elif isinstance(node, ast.arg) or not isinstance(node, ast.FunctionDef):
            continue
        else:  # a default argument naming a kind
            out += [d.lineno for d in node.args.defaults + node.args.kw_defaults if d is not None and named(d)]
    return out


def test_no_branch_on_a_kinds_name_outside_the_form_layer():
    names = _display_names()
    found = []
    for path in sorted((ROOT / "src" / "pia").rglob("*.py")):
        if FORM_LAYER in path.parents:
            continue
        found += [f"{path.relative_to(ROOT)}:{line}" for line in _name_uses(ast.parse(path.read_text(encoding="utf-8")), names)]
    assert found == []


def test_the_check_finds_a_branch_on_a_name():
    names = _display_names()
    assert _name_uses(ast.parse('if kind.name == "基礎":\n    pass\nk = kinds()["全項目"]\n'), names) == [1, 3]
    assert _name_uses(ast.parse('def f(kind="重点"):\n    pass\n'), names) == [1]


def _with_fourth_kind(dst: Path) -> Path:
    """schemas/ plus the test-only kind of tests/data/fourth-kind (its schema and layout cut from those of the kind it
    is modelled on, with its own item codes), as PIA_SCHEMAS_DIR reads it."""
    spec = json.loads((FOURTH / "kind.json").read_text(encoding="utf-8"))
    shutil.copytree(ROOT / "schemas", dst)
    table = json.loads((dst / "forms.json").read_text(encoding="utf-8"))
    model = table["kinds"][spec["from"]]
    old_prefix = model["code_prefix"]

    def recode(v):
        if isinstance(v, str):
            return spec["prefix"] + v[len(old_prefix):] if v.startswith(old_prefix) else v
        if isinstance(v, list):
            return [recode(x) for x in v]
        if isinstance(v, dict):
            return {k: recode(x) for k, x in v.items()}
        return v

    schema = json.loads((dst / f"{model['schema']}.schema.json").read_text(encoding="utf-8"))
    schema = recode(schema)
    # its own 様式 number in the version item's pattern
    version = schema["properties"]["様式"]["anyOf"][0]
    version["pattern"] = version["pattern"].replace("[2-4２-４]", "[2-9２-９]")
    schema["title"] = spec["record"]["title"]
    schema["x-pia-form"] = spec["record"]["name"]
    (dst / f"{spec['record']['schema']}.schema.json").write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    layout = recode(json.loads((dst / f"{spec['from']}.layout.json").read_text(encoding="utf-8")))
    layout.update(kind=spec["id"], form=spec["record"]["schema"])
    (dst / f"{spec['id']}.layout.json").write_text(json.dumps(layout, ensure_ascii=False), encoding="utf-8")
    record = {k: v for k, v in recode(model).items() if k not in ("borrows_facts",)}
    table["kinds"][spec["id"]] = {**record, **spec["record"]}
    for v in table["versions"]:
        v.setdefault("kinds", []).append(spec["id"])
    (dst / "forms.json").write_text(json.dumps(table, ensure_ascii=False), encoding="utf-8")
    return dst


def _pia(env: dict[str, str], *args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pia", *map(str, args)], capture_output=True, text=True, env=env)


def test_a_fourth_kind_defined_in_data_only(tmp_path: Path):
    env = {**os.environ, "PIA_SCHEMAS_DIR": str(_with_fourth_kind(tmp_path / "schemas"))}
    r = _pia(env, "new", "shiko", "--kind", "試行", "--dir", tmp_path)
    assert r.returncode == 0, r.stderr
    folder = tmp_path / "shiko"
    assert sorted(p.name for p in folder.iterdir()) == ["kiso.yaml", "shiko.yaml"]
    text = (folder / "shiko.yaml").read_text(encoding="utf-8")
    assert "様式9" in text and "評価書名:" in text

    (folder / "shiko.yaml").write_text(text.replace("特記事項:", "特記事項: [一, 二]", 1), encoding="utf-8")
    r = _pia(env, "check", folder, "--format", "json")
    assert r.returncode == 1, r.stderr  # checked against its own schema, like any other kind
    found = [f for f in json.loads(r.stdout)["assessments"][0]["findings"] if f["file"].endswith("shiko.yaml")]
    assert any("特記事項" in f["item_path"] for f in found), found

    (folder / "shiko.yaml").write_text(text.replace("評価書名:", "評価書名: 試行の事務 試行項目評価書", 1), encoding="utf-8")
    r = _pia(env, "render", folder, "--format", "html", "--out", tmp_path / "out")
    assert r.returncode == 0, r.stderr
    html = (tmp_path / "out" / "shiko.html").read_text(encoding="utf-8")
    assert "試行の事務 試行項目評価書" in html and "様式9]" in html
    assert (tmp_path / "out" / "shiko-kiso.html").is_file()  # the 基礎 beside it keeps its suffix

    new = tmp_path / "new" / "shiko"
    shutil.copytree(folder, new)
    (new / "shiko.yaml").write_text(text.replace("評価書名:", "評価書名: 試行の事務 試行項目評価書（改）", 1), encoding="utf-8")
    r = _pia(env, "diff", folder, new)
    assert r.returncode in (0, 1), r.stderr
    assert "試行の事務 試行項目評価書（改）" in r.stdout and "評価書名" in r.stdout
