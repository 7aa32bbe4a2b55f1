"""The schema mapping an editor uses (.vscode/settings.json and the yaml-language-server modelines) validates the
example exactly as pia does: every $ref resolves to a sibling file, every item has a Japanese description."""
from __future__ import annotations

import glob
import json
import re
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from conftest import ROOT, schema_nodes


def registry() -> Registry:
    return Registry().with_resources(
        (p.resolve().as_uri(), Resource.from_contents(json.loads(p.read_text(encoding="utf-8")), default_specification=DRAFT202012))
        for p in (ROOT / "schemas").glob("*.json"))


def editor_validate(schema_path: Path, data) -> list[str]:
    reg = registry()
    schema = reg.contents(schema_path.resolve().as_uri())
    v = Draft202012Validator({"$ref": schema_path.resolve().as_uri()}, registry=reg)
    assert schema
    return [f"{list(e.absolute_path)}: {e.message[:100]}" for e in v.iter_errors(data)]


def test_vscode_mapping_validates_the_examples():
    settings = json.loads((ROOT / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    seen = 0
    for schema, patterns in settings["yaml.schemas"].items():
        for pattern in patterns:
            for f in glob.glob(str(ROOT / pattern)):
                text = Path(f).read_text(encoding="utf-8")
                data = yaml.safe_load(text)
                errors = [e for e in editor_validate(ROOT / schema, data)]
                # the example keeps the original document's non-standard options, silenced in pia (PIA011)
                allowed = text.count("pia-ignore: PIA011")
                assert len(errors) == allowed, (f, errors[:5])
                seen += 1
    assert seen >= 7


def test_modelines_point_at_the_schemas():
    for f in (ROOT / "assessments").rglob("*.yaml"):
        first = f.read_text(encoding="utf-8").splitlines()[0]
        m = re.match(r"# yaml-language-server: \$schema=(.+)$", first)
        assert m, f
        assert (f.parent / m.group(1)).resolve().is_file(), (f, m.group(1))


def test_every_form_item_has_a_japanese_description():
    missing = [(name, n.get("title")) for name, n in schema_nodes(skip=("council.schema.json",))
               if n.get("x-pia-kind") not in (None, "id", "internal") and not n.get("description")]
    assert not missing, missing[:20]
