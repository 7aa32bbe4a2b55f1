"""The compiled schemas (pia.form.compiled) give jsonschema's answer and errors, and their disk cache is safe."""
from __future__ import annotations

import copy
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import EXAMPLE, ROOT, data_paths
from pia.form import compiled
from pia.form import schema as sch

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _documents() -> list[tuple[str, Any]]:
    """(schema name, data) of every document of the example assessments."""
    out = []
    for p in sorted((ROOT / "assessments").rglob("*.yaml")):
        rel = p.relative_to(ROOT / "assessments").parts
        name = {"assessment.yaml": "assessment", "systems.yaml": "systems", "kiso.yaml": "kiso",
                "juten.yaml": "juten"}.get(rel[-1]) or {"files": "file", "juten": "juten-file"}.get(rel[-2])
        if name:
            out.append((name, yaml.load(p.read_bytes(), Loader=_Loader)))
    return out


# what staff write by mistake: another type, a near-miss option, a dash, nothing, an unknown key, a negative count
REPLACEMENTS = [None, True, 3, -1, 2.5, 1.0, "", "—", "十分に力を入れている", "zzz", [], ["その他"], [{"その他": None}],
                {}, {"選択": "行っている"}, {"未知の項目": 1}, "ab c", [1, 2]]


def _mutations(count: int, seed: int = 27) -> list[tuple[str, Any]]:
    rnd = random.Random(seed)
    docs = _documents()
    out = []
    for _ in range(count):
        name, data = rnd.choice(docs)
        data = copy.deepcopy(data)
        path = rnd.choice(data_paths(data)[1:])
        parent = data
        for p in path[:-1]:
            parent = parent[p]
        how = rnd.random()
        if how < 0.15 and isinstance(parent, dict):
            del parent[path[-1]]
        elif how < 0.25 and isinstance(parent, dict):
            parent["余分な項目"] = "x"
        else:
            parent[path[-1]] = copy.deepcopy(rnd.choice(REPLACEMENTS))
        out.append((name, data))
    return out


def _shape(err: Any) -> tuple:
    """What validate.py reads of an error, the schema node by identity."""
    return (err.validator, tuple(err.absolute_path), tuple(err.relative_schema_path), err.message, id(err.schema),
            repr(err.instance), repr(err.validator_value), tuple(_shape(e) for e in err.context))


def test_compiled_schemas_agree_with_jsonschema_on_mutated_documents():
    root = sch.load()
    valid = invalid = 0
    for name, data in _documents() + _mutations(250):
        expected = [_shape(e) for e in root.validator(name).iter_errors(data)]
        assert root.errors(name, data) is not None
        got = [_shape(e) for e in root.errors(name, data)]
        assert got == expected, (name, got[:2], expected[:2])
        valid, invalid = valid + (not expected), invalid + bool(expected)
    assert valid > 5 and invalid > 120  # both answers were exercised


def test_every_schema_is_compiled():
    root = sch.load()
    src = compiled.generate({n: root.document(n) for n in root.raw})
    ns: dict[str, Any] = {}
    exec(compile(src, "<test>", "exec"), ns)
    assert set(ns["VALIDATORS"]) == set(root.raw)


def test_a_keyword_it_does_not_know_leaves_the_schema_to_jsonschema():
    src = compiled.generate({"a": {"type": "object"}, "b": {"properties": {"x": {"type": "string", "maxLength": 3}}}})
    ns: dict[str, Any] = {}
    exec(compile(src, "<test>", "exec"), ns)
    assert set(ns["VALIDATORS"]) == {"a"}


def _validators(cache: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, Any], list[str]]:
    """The compiled schemas as `pia check` gets them with this cache folder, and whether they were generated."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    root, generated = sch.load(), []

    def trees() -> dict[str, Any]:
        generated.append("yes")
        return {n: root.document(n) for n in root.raw}
    return compiled.validators(root.key, trees), generated


def _works(found: dict[str, Any]) -> None:
    assert set(found) == set(sch.load().raw)
    assert found["systems"](["一覧ではなく項目の並び"]) is False and found["assessment"](None) is False


def test_cache_is_written_once_and_reused_and_a_corrupt_entry_is_replaced(tmp_path: Path, monkeypatch):
    found, generated = _validators(tmp_path, monkeypatch)
    _works(found)
    entry, = (tmp_path / "pia").glob("schemas-*.marshal")
    assert entry.stat().st_mode & 0o077 == 0 and generated  # private to the user
    found, generated = _validators(tmp_path, monkeypatch)
    _works(found)
    assert not generated  # read from the cache
    good = entry.read_bytes()
    for damage in (b"", good[:200], good[:90] + b"\x00" * 500, good.replace(b"VALIDATORS", b"VALIDATORZ")):
        entry.write_bytes(damage)
        found, generated = _validators(tmp_path, monkeypatch)
        _works(found)
        assert generated and entry.read_bytes() == good  # ignored, compiled again and replaced


def test_an_entry_others_can_write_is_not_used(tmp_path: Path, monkeypatch):
    _validators(tmp_path, monkeypatch)
    entry, = (tmp_path / "pia").glob("schemas-*.marshal")
    os.chmod(entry, 0o666)
    found, generated = _validators(tmp_path, monkeypatch)
    _works(found)
    assert generated and entry.stat().st_mode & 0o077 == 0  # compiled again and replaced by a private entry


def test_a_changed_schema_is_a_new_entry():
    a = compiled.digest([("file.schema.json", b"{}")])
    assert a != compiled.digest([("file.schema.json", b"{ }")]) and a == compiled.digest([("file.schema.json", b"{}")])


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes anywhere")
def test_an_unwritable_cache_folder_costs_nothing_but_time(tmp_path: Path, monkeypatch):
    (tmp_path / "pia").mkdir()
    os.chmod(tmp_path / "pia", 0o500)
    try:
        _works(_validators(tmp_path, monkeypatch)[0])
    finally:
        os.chmod(tmp_path / "pia", 0o700)


def test_a_cache_path_that_is_a_file_costs_nothing_but_time(tmp_path: Path, monkeypatch):
    (tmp_path / "pia").write_text("not a folder")
    _works(_validators(tmp_path, monkeypatch)[0])


def test_check_imports_only_what_it_needs(tmp_path: Path):
    """`pia check` of one folder (what pre-commit runs on every commit) loads no writer, jsonschema or pool."""
    code = ("import sys, io, contextlib\nfrom pia.app.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()): main(['check', sys.argv[1]])\n"
            "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))")
    r = subprocess.run([sys.executable, "-c", code, str(EXAMPLE)], capture_output=True, text=True,
                       env={**os.environ, "XDG_CACHE_HOME": str(tmp_path)})
    loaded = set(r.stdout.split())
    assert "yaml" in loaded, r.stderr
    assert not loaded & {"jsonschema", "weasyprint", "openpyxl", "jinja2", "ruamel", "markupsafe", "pikepdf", "PIL",
                         "multiprocessing", "concurrent"}


def test_render_to_html_imports_no_other_writer(tmp_path: Path):
    """`pia render --format html` (and the preview, which builds the same page) loads neither openpyxl nor WeasyPrint."""
    code = ("import sys, io, contextlib\nfrom pia.app.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()): main(['render', sys.argv[1], '--format', 'html', '--out', sys.argv[2]])\n"
            "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))")
    r = subprocess.run([sys.executable, "-c", code, str(EXAMPLE), str(tmp_path / "out")], capture_output=True, text=True,
                       env={**os.environ, "XDG_CACHE_HOME": str(tmp_path)})
    loaded = set(r.stdout.split())
    assert "jinja2" in loaded and (tmp_path / "out" / "setagaya-juki.html").is_file(), r.stderr
    assert not loaded & {"openpyxl", "weasyprint", "pikepdf"}
