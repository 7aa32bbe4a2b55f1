"""The corpus of pathological files (tests/data/pathological) as regression tests, bounded cost, the output manifest
under concurrent renders, OS errors in Japanese, and escaping in the CI summary."""
from __future__ import annotations

import errno
import json
import multiprocessing
import os
import time
from pathlib import Path

import pytest

from conftest import EXAMPLE, ROOT
from pia.document import assessment as asm
from pia.analysis.check import check_assessment
from pia.base.errors import PiaError
from pia.history.diff import diff
from pia.document.loader import load_text
from pia.output.outfolder import MANIFEST, write_outputs
from pia.document import page
from pia.output.html import render_html
from pia.output.xlsx import render_xlsx

CORPUS = ROOT / "tests" / "data" / "pathological"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
FILES = {p.relative_to(EXAMPLE).as_posix(): p.read_bytes() for p in sorted(EXAMPLE.rglob("*.yaml"))}
BASE = asm.from_texts("base", FILES)


def test_corpus_is_complete():
    assert sorted(EXPECTED) == sorted(p.name for p in CORPUS.glob("*.yaml"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_pathological_file_gives_its_findings(name: str):
    t = time.perf_counter()
    _, found = load_text(name, (CORPUS / name).read_bytes())
    assert sorted(f.rule_id for f in found) == sorted(EXPECTED[name])
    assert all(f.line >= 1 and f.message for f in found)
    assert time.perf_counter() - t < 2


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_pathological_file_in_an_assessment_never_raises(name: str):
    a = asm.from_texts("a", {**FILES, f"files/{name}": (CORPUS / name).read_bytes()})
    result = check_assessment(a)
    assert result.errors >= 1 or any(f.rule_id == "PIA032" for f in result.findings)
    assert "<html" in render_html(page.of(a))
    diff(BASE, a)


@pytest.mark.parametrize("entry", ["123", "", "[a]", "{a: 1}", "true", "''"])
def test_odd_entries_of_the_file_list_never_raise(entry: str):
    text = FILES["assessment.yaml"].decode().replace("    - sofusaki\n", f"    - sofusaki\n    - {entry}\n", 1)
    a = asm.from_texts("a", {**FILES, "assessment.yaml": text.encode()})
    check_assessment(a)
    assert "<html" in render_html(page.of(a))
    render_xlsx(page.of(a))
    diff(BASE, a)


# ---- bounded cost -------------------------------------------------------------------------------------------------

def test_council_marks_40000_characters_quickly():
    from pia.app.council import marked

    sentence = "委託先は、特定個人情報の取扱いについて、契約に基づき必要かつ適切な監督を受ける。"
    old = "".join(f"{i}番目の{sentence}\n" if i % 7 else sentence for i in range(40_000 // len(sentence)))
    new = old.replace("適切な監督", "適切かつ継続的な監督", 40).replace("契約に基づき", "契約及び仕様書に基づき", 25)
    assert len(new) >= 40_000
    t = time.perf_counter()
    html = str(marked(new, old))
    assert time.perf_counter() - t < 3
    assert html.count("<strong><u>") >= 40 and "<strong><u>かつ継続的</u></strong>" in html


def test_council_marks_one_long_unbroken_change_quickly():
    from pia.app.council import marked

    old = "あ" * 40_000
    t = time.perf_counter()
    html = str(marked("い" + old[1:], old))
    assert time.perf_counter() - t < 3 and "<strong><u>" in html


# ---- output manifest --------------------------------------------------------------------------------------------

def _write(args: tuple[str, int]) -> str:
    folder, k = args
    try:
        write_outputs(Path(folder), {f"a{k:02d}.html": f"<html>{k}</html>".encode() * 2000})
        return ""
    except PiaError as e:
        return str(e)


def test_twelve_concurrent_renders_all_listed_in_the_manifest(tmp_path: Path):
    out = tmp_path / "out"
    with multiprocessing.get_context("fork").Pool(12) as pool:
        for _ in range(2):  # and again: each process now replaces a file the others listed
            errors = pool.map(_write, [(str(out), k) for k in range(12)])
            assert errors == [""] * 12
            assert sorted(json.loads((out / MANIFEST).read_text(encoding="utf-8"))) == [f"a{k:02d}.html" for k in range(12)]
    assert sorted(p.name for p in out.iterdir()) == sorted([MANIFEST] + [f"a{k:02d}.html" for k in range(12)])


def test_leftover_temporary_files_are_cleaned_and_foreign_files_kept(tmp_path: Path):
    out = tmp_path / "out"
    write_outputs(out, {"x.html": b"1"})
    (out / ".x.html.k2j4l5.tmp").write_bytes(b"half written")  # kill -9 in the middle of a write
    (out / "..pia-output.json.abc123.tmp").write_bytes(b"[")  # mkstemp names it .NAME.xxx.tmp
    (out / ".notes.txt.zz.tmp").write_bytes(b"someone else's")
    (out / "mine.html").write_bytes(b"user file")
    write_outputs(out, {"x.html": b"2"})
    assert sorted(p.name for p in out.iterdir()) == [".notes.txt.zz.tmp", MANIFEST, "mine.html", "x.html"]
    with pytest.raises(PiaError, match="pia が作ったファイルではない"):
        write_outputs(out, {"mine.html": b"x"})


@pytest.mark.parametrize("err,text", [(errno.ENOSPC, "空き容量が足りません"), (errno.EACCES, "書き込みの権限がありません"),
                                      (errno.EROFS, "読み取り専用")])
def test_os_errors_on_writing_are_named_in_japanese(tmp_path: Path, monkeypatch, err: int, text: str):
    def fail(fd):
        raise OSError(err, os.strerror(err))
    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(PiaError) as e:
        write_outputs(tmp_path / "out", {"x.html": b"1"})
    assert text in str(e.value) and os.strerror(err) not in str(e.value)
    assert [p.name for p in (tmp_path / "out").iterdir()] == []  # no temporary file left


def test_disk_full_on_the_cli_is_a_japanese_message(tmp_path: Path, capsys, monkeypatch):
    from pia.app.cli import main

    monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(errno.ENOSPC, "No space left on device")))
    rc = main(["render", str(EXAMPLE), "--format", "html", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 2 and "空き容量が足りません" in err and "No space" not in err


# ---- CI summary -------------------------------------------------------------------------------------------------

def test_ci_summary_escapes_markdown_and_html_from_values():
    from pia.app.ci import AssessmentReport, summary
    from pia.history.classify import Row
    from pia.history.diff import Change

    evil = '[承認済み](https://evil.example) <img src=x onerror=alert(1)> **太字** `code` | 列'
    change = Change("変更", "項目 " + evil, "", "前", evil, False, "file:x", ("a",))
    rep = AssessmentReport("assessments/x", "変更", "assessments/x", rows=[Row(change, False, "事後", "", "令和7年4月1日")])
    md = summary([rep], "origin/main", None)
    assert "[承認済み](" not in md and "<img" not in md and "**太字**" not in md and "`code`" not in md
    assert "\\[承認済み\\]" in md and "&lt;img" in md


# ---- longer runs: PIA_HYPOTHESIS_EXAMPLES=5000 (the scheduled workflow) -------------------------------------------

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

EXAMPLES = int(os.environ.get("PIA_HYPOTHESIS_EXAMPLES", "40"))
SEEDS = [(CORPUS / n).read_bytes() for n in sorted(EXPECTED)] + [FILES["systems.yaml"]]


@st.composite
def mangled(draw) -> bytes:
    raw = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 3))):
        pos = draw(st.integers(0, len(raw)))
        cut = draw(st.integers(0, 8))
        raw = raw[:pos] + draw(st.binary(max_size=6) | st.sampled_from(
            [b"\\e", b"\\x9b", b"\\0", "\u202e".encode(), "\u200b".encode(), b"---\n", b"&a ", b"*a", b"!!str ", b"[", b"{",
             b"\t", b"\xef\xbb\xbf", b"\xff\xfe", b"- ", b": ", b'"', b"\n  "])) + raw[pos + cut:]
    return raw


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(mangled())
def test_mangled_bytes_never_raise_and_stay_bounded(raw: bytes):
    t = time.perf_counter()
    doc, found = load_text("x.yaml", raw)
    assert doc is not None or found
    for f in found:
        assert f.line >= 1 and f.message and not any(ord(c) < 32 for c in f.message)
    if doc is not None:
        a = asm.from_texts("a", {**FILES, "files/x.yaml": raw})
        check_assessment(a)
    assert time.perf_counter() - t < 10


def test_scheduled_workflow_runs_the_long_campaign_and_the_bench():
    import yaml

    wf = yaml.safe_load((ROOT / ".github" / "workflows" / "robustness.yml").read_text(encoding="utf-8"))
    assert wf[True]["schedule"] if True in wf else wf["on"]["schedule"]  # PyYAML reads the key `on` as True
    job = wf["jobs"]["robustness"]
    assert int(job["env"]["PIA_HYPOTHESIS_EXAMPLES"]) >= 1000
    runs = " ".join(s.get("run", "") for s in job["steps"])
    assert "tests/test_robustness.py" in runs and "bench/pathological" in runs
    for test in ("tests/test_security_corpus.py", "tests/test_security_names.py", "tests/test_security_serve.py", "tests/test_figures.py"):
        assert test in runs or test.startswith("tests/test_security_") and "tests/test_security_*.py" in runs, test
    assert "scripts/setup" in runs  # fonts and poppler: the bench renders figures
