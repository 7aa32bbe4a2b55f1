"""Reviewer mutations of the 基礎 and 重点 examples: each raises a finding the example does not have.

The same mistakes a PPC or council reviewer rejects in a 全項目評価書 (tests/test_review_mutations.py) are caught in the
重点項目評価書 (juten.yaml and its per-file entries juten/*.yaml), in the 基礎項目評価書 of a 重点 事務 and in a
基礎-only 事務: the rules are written against concepts (schemas/forms.json) and run on every form that has the items.
A case edits files of an example (old -> new, first occurrence) and names the rule and the file it must report in.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, pia
from conftest import FORM_CASES as CASES, JF, JM, JU, K, KI, NETWORK_FLAGS  # noqa: F401 (the table and its names)



def _findings(folder: Path) -> list[dict]:
    r = pia("check", folder, "--format", "json")
    assert r.returncode in (0, 1), r.stderr
    return [f for f in json.loads(r.stdout)["assessments"][0]["findings"] if not f["suppressed"]]


_BEFORE: dict[str, set[tuple[str, str]]] = {}


def _baseline(name: str) -> set[tuple[str, str]]:
    if name not in _BEFORE:
        _BEFORE[name] = {(f["rule_id"], Path(f["file"]).name) for f in _findings(ROOT / "assessments" / name)}
    return _BEFORE[name]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_reviewer_mutation_of_a_kiso_or_juten_raises_a_new_finding(tmp_path: Path, case):
    _, name, edits, rule, rel = case
    folder = tmp_path / name
    shutil.copytree(ROOT / "assessments" / name, folder)
    for f, old, new in edits:
        p = folder / f
        text = p.read_text(encoding="utf-8")
        assert old in text, (f, old)
        p.write_text(text.replace(old, new, 1), encoding="utf-8")
    found = _findings(folder)
    hits = [f for f in found if f["rule_id"] == rule and f["file"].replace("\\", "/").endswith(rel)]
    assert hits, (rule, rel, [(f["rule_id"], Path(f["file"]).name, f["message"]) for f in found])
    assert (rule, Path(rel).name) not in _baseline(name)
    assert all(h["line"] >= 1 for h in hits)


def test_the_table_spreads_over_both_examples_and_every_class():
    assert len(CASES) >= 40
    by = {n: [c for c in CASES if c[1] == n] for n in (KI, JU)}
    assert len(by[KI]) >= 10 and len(by[JU]) >= 25
    assert {c[4] for c in by[JU]} == {JM, JF, K}  # the 重点's main document, a per-file entry and its 基礎
    rules = {c[3] for c in CASES}
    # the classes of the issue: lists and their bases, 委託・再委託, 個人番号, 件数, 十分か, 手数料, procedure dates, 別表第二,
    # blanks of the form, I-4 vs IV-6, 【再掲】, 計数時点, 再評価
    assert {"PIA201", "PIA202", "PIA203", "PIA710", "PIA711", "PIA209", "PIA304", "PIA701", "PIA501", "PIA105", "PIA308",
            "PIA307", "PIA306"} <= rules


@pytest.mark.parametrize("name", [KI, JU])
def test_the_examples_have_no_finding(name):
    assert _baseline(name) == set()


def test_a_juten_reassessment_before_the_previous_publication_is_caught_by_history_and_ci(tmp_path: Path):
    """A 重要な変更 re-assessed (実施済み) on a day before the 公表日 of the version it revises cannot be this revision's
    re-assessment: `pia history` and `pia ci` report PIA632; dated between the two 公表日, nothing is reported."""
    from conftest import OUTLINE, add_revision, commit, repo_with, replace_once as edit

    repo, folder = repo_with(tmp_path, ROOT / "assessments" / JU, "kokuho")
    add_revision(folder / JM, "令和6年6月1日")
    commit(repo, "baseline")
    edit(folder / JM, OUTLINE, OUTLINE + "令和7年度から口座振替の申込みを電子で受け付ける。")
    edit(folder / JM, "公表日: 令和6年6月1日", "公表日: 令和7年3月1日")
    add_revision(folder / JM, "令和7年4月1日", "    再評価:\n      状況: 実施済み\n      日付: 令和6年5月1日\n")
    commit(repo)
    r = pia("history", folder)
    assert r.returncode == 1 and "[PIA632]" in r.stderr and "前回の公表日（令和6年6月1日）より前" in r.stderr, r.stderr
    r = pia("ci", "--base", "HEAD~1", "--head", "HEAD", cwd=repo)
    assert r.returncode == 1 and "PIA632" in r.stdout, r.stdout
    edit(folder / JM, "      日付: 令和6年5月1日", "      日付: 令和7年2月1日")
    commit(repo)
    r = pia("history", folder)
    assert "PIA632" not in r.stderr, r.stderr
    r = pia("ci", "--base", "HEAD~2", "--head", "HEAD", cwd=repo)
    assert "PIA632" not in r.stdout, r.stdout


@pytest.mark.parametrize("name, rel, tag, edit, rule", [
    (JU, JM, "平成26年4月 様式3", (JF, "      - 提供を行っている: 1", "      - 提供を行っている: 2"), "PIA201"),
    (KI, K, "平成26年4月 様式2", (K, NETWORK_FLAGS, NETWORK_FLAGS.replace("false", "true")), "PIA105"),
])
def test_the_rules_run_on_a_document_of_an_older_form_version(tmp_path: Path, name, rel, tag, edit, rule):
    """Concepts name items by code, whatever the version: a 重点/基礎 declared in the first 様式 is checked alike."""
    folder = tmp_path / name
    shutil.copytree(ROOT / "assessments" / name, folder)
    p = folder / rel
    text = p.read_text(encoding="utf-8")
    assert f"様式: 平成30年5月 {tag[-3:]}\n" in text
    p.write_text(text.replace(f"様式: 平成30年5月 {tag[-3:]}\n", f"様式: {tag}\n", 1), encoding="utf-8")
    assert {f["rule_id"] for f in _findings(folder)} == {"PIA821"}  # only "an older version"
    f, old, new = edit
    (folder / f).write_text((folder / f).read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    assert rule in {x["rule_id"] for x in _findings(folder)}
