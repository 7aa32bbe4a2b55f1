"""`pia serve` keeps what it loaded, validated and rendered between versions (pia.document.reuse, serve.Documents):
after any edit its page and its findings are those of a fresh load, check and render of the folder as it is now."""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import ROOT, commit, edit_file
from pia.analysis.check import check, check_assessment
from pia.app import serve
from pia.document import assessment as asm
from pia.document import family
from pia.document.loader import Budget, load_text
from pia.document.reuse import Reuse, plain_copy
from pia.document.validate import validate
from pia.portfolio.render import document_job

DOCS = (None, "basic")  # the 全項目 (the main document) and its 基礎


class Server:
    """page() as the server calls it, with the server's caches."""

    def __init__(self, folder: Path):
        self.folder, self.reuse, self.documents = folder, Reuse(), serve.Documents()

    def page(self, doc: str | None) -> str:
        return serve.page(self.folder, "N", doc, self.reuse, self.documents)[0]

    def findings(self) -> list[dict]:
        return [f.to_dict() for f in check_assessment(asm.load(self.folder, self.reuse)).findings]


def same_as_fresh(s: Server) -> None:
    for doc in DOCS:
        assert s.page(doc) == serve.page(s.folder, "N", doc)[0], doc
    assert s.findings() == [f.to_dict() for f in check(s.folder).findings]


def test_after_each_edit_the_page_and_findings_are_those_of_a_fresh_run(example: Path):
    s = Server(example)
    same_as_fresh(s)
    parsed, renders = s.reuse.parsed, s.documents.renders
    # one per-file YAML of the 全項目: only it is parsed again, a finding appears
    assert edit_file(example, "files/juki.yaml", "      - 移転を行っている: 1", "      - 移転を行っている: 4")
    same_as_fresh(s)
    assert "PIA201" in s.page(None)
    assert s.reuse.parsed == parsed + 1
    # kiso.yaml: the 全項目 page is the one rendered before (it prints nothing of the 基礎)
    parsed, renders = s.reuse.parsed, s.documents.renders
    assert edit_file(example, "kiso.yaml", "公表日:\n", "公表日: 2024/6/1\n")
    s.page(None)
    assert (s.reuse.parsed, s.documents.renders) == (parsed + 1, renders)
    s.page("basic")
    assert s.documents.renders == renders + 1  # the 基礎 itself is rendered again
    same_as_fresh(s)
    assert edit_file(example, "systems.yaml", "番号連携サーバ", "番号連携サーバ（新）")
    same_as_fresh(s)
    # a file added, renamed and removed
    shutil.copy(example / "files" / "sofusaki.yaml", example / "files" / "sofusaki2.yaml")
    same_as_fresh(s)
    (example / "files" / "sofusaki2.yaml").rename(example / "files" / "extra.yaml")
    same_as_fresh(s)
    (example / "files" / "extra.yaml").unlink()
    same_as_fresh(s)
    # a file that stops being YAML, then is YAML again
    f = example / "files" / "honnin-kakunin.yaml"
    good = f.read_bytes()
    f.write_bytes(good + b"x: [\n")
    same_as_fresh(s)
    assert "honnin-kakunin.yaml を読めないため" in s.page(None)
    f.write_bytes(good)
    same_as_fresh(s)


def test_the_bytes_decide_not_the_time_and_a_version_seen_before_is_reused(example: Path):
    s = Server(example)
    f = example / "files" / "juki.yaml"
    a = f.read_text(encoding="utf-8")
    b = a.replace("      - 移転を行っている: 1", "      - 移転を行っている: 4", 1)
    assert len(a.encode()) == len(b.encode()) and a != b
    s.page(None)
    st = f.stat()
    f.write_text(b, encoding="utf-8")
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))  # the same size and time stamp: only the bytes differ
    same_as_fresh(s)
    assert "PIA201" in s.page(None)
    parsed, renders = s.reuse.parsed, s.documents.renders
    f.write_text(a, encoding="utf-8")  # back to the first version (A -> B -> A)
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert "PIA201" not in s.page(None)
    assert (s.reuse.parsed, s.documents.renders) == (parsed, renders)  # both taken from what was kept
    same_as_fresh(s)


def _snapshot(r: Reuse) -> str:
    return json.dumps([[k, e.doc.data if e.doc else None, {"/".join(v): d for v, (d, _) in e.validated.items()}]
                       for k, e in r.entries.items()], ensure_ascii=False, default=repr)


@pytest.mark.parametrize("in_git", [False, True])
def test_values_rewritten_by_validation_stay_in_their_version(example: Path, repo: Path, in_git: bool):
    """「１件」 is read as 1 for the check and the page; the download (not validated) and the cached document keep
    what was loaded, and nothing the rules, the pages, the history or the downloads do changes what the cache holds."""
    folder = repo / "assessments" / "juki" if in_git else example
    assert edit_file(folder, "files/honnin-kakunin.yaml", "      件数: 1\n", "      件数: １件\n")
    if in_git:  # a version in the history besides the work tree
        commit(repo)
        assert edit_file(folder, "systems.yaml", "番号連携サーバ", "番号連携サーバ（新）")
    s = Server(folder)
    validate(asm.load(folder, s.reuse))
    kept = _snapshot(s.reuse)
    e = next(e for k, e in s.reuse.entries.items() if k[0].endswith("honnin-kakunin.yaml"))
    (data, _), = e.validated.values()
    assert "１件" in kept and data != e.doc.data  # the count as written is kept beside the count as read
    same_as_fresh(s)
    assert "PIA055" in s.page(None)
    for doc in DOCS:
        assert serve.output(folder, "html", doc, s.reuse) == serve.output(folder, "html", doc)
    assert _snapshot(s.reuse) == kept


def test_a_cached_file_is_reused_only_within_the_budget(example: Path):
    raw = (example / "assessment.yaml").read_bytes()
    r = Reuse()
    r.load_text("a.yaml", raw, Budget())
    for budget in (Budget(bytes=len(raw) - 1), Budget(nodes=10)):
        fresh = load_text("a.yaml", raw, replace(budget))[1]
        assert fresh and r.load_text("a.yaml", raw, budget)[1] == fresh  # PIA040 / PIA041 as without the cache
    small = Reuse(limit_bytes=2 * len(raw))  # memory is bounded: the least recently used file goes first
    for name in ("a.yaml", "b.yaml", "c.yaml"):
        small.load_text(name, raw, Budget())
    assert [k[0] for k in small.entries] == ["b.yaml", "c.yaml"] and small.bytes == 2 * len(raw)


def _mangled(value):
    """Every value changed (what a page printing it could not hide)."""
    if isinstance(value, dict):
        return {k: _mangled(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mangled(v) for v in value]
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 7
    return (value or "") + "★"


@pytest.mark.parametrize("name", ["setagaya-juki", "marumaru-juten"])
def test_a_page_prints_only_the_documents_it_is_made_from(name: str):
    """What the cache of rendered pages relies on (family.printed_from): any other document of the folder can
    change without changing the page."""
    folder = ROOT / "assessments" / name
    a = asm.load(folder)
    check_assessment(a)
    for kind in family.present(a):
        html = document_job(a, folder, kind, {}).html
        others = [k for k in a.docs if k not in family.printed_from(a, kind)]
        if kind is family.main_kind(a):
            assert others, kind.id  # the 基礎 beside it
        for key in others:
            b = replace(a, docs={**a.docs, key: replace(a.docs[key], data=_mangled(plain_copy(a.docs[key].data)))})
            assert document_job(b, folder, kind, {}).html == html, (kind.id, key)


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><rect width="20" height="10" fill="#%s"/></svg>'


def test_a_figure_changed_on_its_own_shows_on_the_next_page(example: Path):
    (example / "figures").mkdir()
    (example / "figures" / "a.svg").write_bytes(SVG % b"36c")
    assert edit_file(example, "assessment.yaml", "    - 表題: ", "    - 図: figures/a.svg\n      表題: ")
    s = Server(example)
    same_as_fresh(s)
    (example / "figures" / "a.svg").write_bytes(SVG % b"c63")  # no YAML changed: then the 基礎 is saved
    assert edit_file(example, "kiso.yaml", "公表日:\n", "公表日: 2024/6/1\n")
    same_as_fresh(s)
    (example / "figures" / "a.svg").unlink()
    assert edit_file(example, "kiso.yaml", "公表日: 2024/6/1", "公表日: 令和6年6月1日")
    same_as_fresh(s)
