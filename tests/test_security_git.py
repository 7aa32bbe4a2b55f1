"""Git hardened: values never become git options, odd tree entries are skipped with a warning, an unreadable
version is named (never "everything added"), and a shallow clone is said to be one instead of a quiet, short 別添3."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import pia, run_pia
from pia.app.cli import main
from test_ci import base_repo, edit, git, new_revision, repo  # noqa: F401 (fixtures)


def commit(r: Path, msg: str = "c") -> None:
    git(r, "add", "-A")
    git(r, "commit", "-qm", msg)


def history_json(r: Path) -> subprocess.CompletedProcess[str]:
    return run_pia("history", "assessments/juki", "--format", "json", cwd=r)


@pytest.fixture
def revised(repo: Path) -> Path:  # noqa: F811
    """The example, then one ex-post revision: history gives exactly one row."""
    new_revision(repo)
    edit(repo, "files/juki.yaml", "    時期・頻度: 随時", "    時期・頻度: 毎月")
    commit(repo, "revision")
    return repo


@pytest.mark.parametrize("flag", ["--base", "--head"])
def test_revision_values_never_become_git_options(repo: Path, flag: str):  # noqa: F811
    victim = repo / "victim.txt"
    victim.write_text("keep me\n", encoding="utf-8")
    argv = ["ci", f"--base=--output={victim}" if flag == "--base" else "--base=HEAD"] + \
        ([f"--head=--output={victim}"] if flag == "--head" else []) + ["--summary", str(repo.parent / "s.md")]
    r = run_pia(*argv, cwd=repo)
    assert r.returncode == 2 and "コミットではありません" in r.stderr, r.stderr
    assert victim.read_text(encoding="utf-8") == "keep me\n"


def test_diff_and_council_revisions_are_verified_too(repo: Path):  # noqa: F811
    victim = repo / "victim.txt"
    victim.write_text("keep me\n", encoding="utf-8")
    r = run_pia("diff", "--", f"--output={victim}:assessments/juki", "assessments/juki", cwd=repo)
    assert r.returncode == 2 and "コミットではありません" in r.stderr
    assert victim.read_text(encoding="utf-8") == "keep me\n"


def test_a_tree_is_not_a_commit(repo: Path):  # noqa: F811
    tree = git(repo, "rev-parse", "HEAD^{tree}").strip()
    r = run_pia("ci", "--base", tree, "--summary", str(repo.parent / "s.md"), cwd=repo)
    assert r.returncode == 2 and "コミットではありません" in r.stderr


def test_gitlink_in_the_assessment_is_skipped_with_a_warning(revised: Path, tmp_path: Path):
    r = revised
    sub = git(r, "rev-parse", "HEAD").strip()
    git(r, "update-index", "--add", "--cacheinfo", f"160000,{sub},assessments/juki/files/vendor")  # a submodule entry
    git(r, "commit", "-qm", "gitlink")
    h = history_json(r)
    assert h.returncode == 0, h.stderr
    assert len(json.loads(h.stdout)) == 1 and "PIA610" in h.stderr and "サブモジュール" in h.stderr
    d = run_pia("diff", "HEAD~1:assessments/juki", "HEAD:assessments/juki", cwd=r)
    assert d.returncode == 0 and "変更はありません" in d.stdout, d.stderr
    c = run_pia("ci", "--base", "HEAD~2", "--head", "HEAD", "--summary", str(tmp_path / "s.md"), cwd=r)
    assert c.returncode == 0, c.stdout + c.stderr
    rr = run_pia("render", "assessments/juki", "--format", "html", "--out", str(tmp_path / "o"), cwd=r)
    assert rr.returncode == 0 and "PIA610" in rr.stderr, rr.stderr


def test_shift_jis_file_name_in_history_is_skipped_with_a_warning(revised: Path):
    r = revised
    (r / "assessments" / "juki" / "files" / os.fsdecode(b"\x8e\x81\x96\xbc.yaml")).write_text("a: 1\n", encoding="utf-8")
    commit(r, "sjis")
    h = history_json(r)
    assert h.returncode == 0 and "PIA613" in h.stderr and len(json.loads(h.stdout)) == 1, h.stderr


def test_broken_old_commit_adds_no_rows_and_is_named(revised: Path):
    r = revised
    good = (r / "assessments/juki/systems.yaml").read_text(encoding="utf-8")
    (r / "assessments/juki/systems.yaml").write_text(good + "  : [broken\n", encoding="utf-8")
    commit(r, "broken")
    broken = git(r, "rev-parse", "HEAD").strip()
    (r / "assessments/juki/systems.yaml").write_text(good, encoding="utf-8")
    commit(r, "fixed")
    h = history_json(r)
    assert h.returncode == 0, h.stderr
    assert len(json.loads(h.stdout)) == 1  # the broken commit neither removes nor re-adds the systems
    assert "PIA614" in h.stderr and broken[:10] in h.stderr


def test_unreadable_object_is_an_error_naming_the_commit(revised: Path, tmp_path: Path):
    r = revised
    first = git(r, "rev-list", "--max-parents=0", "HEAD").strip()
    oid = git(r, "rev-parse", f"{first}:assessments/juki/systems.yaml").strip()
    later = git(r, "rev-parse", "HEAD:assessments/juki/systems.yaml").strip()
    assert oid == later  # unchanged by the revision: make the old one differ first
    (r / "assessments/juki/systems.yaml").write_text((r / "assessments/juki/systems.yaml").read_text(encoding="utf-8") + "# later\n", encoding="utf-8")
    commit(r, "touch systems")
    obj = r / ".git" / "objects" / oid[:2] / oid[2:]
    obj.chmod(0o644)
    obj.unlink()  # a partial or damaged clone
    h = history_json(r)
    assert h.returncode == 1 and "PIA611" in h.stderr and first[:10] in h.stderr, h.stderr
    rr = run_pia("render", "assessments/juki", "--format", "html", "--out", str(tmp_path / "o"), cwd=r)
    assert rr.returncode == 2 and "不完全" in rr.stderr and not (tmp_path / "o").exists()


def test_shallow_clone_says_what_is_missing_and_how_to_fetch_it(revised: Path, tmp_path: Path):
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{revised}", str(shallow)], check=True)
    h = history_json(shallow)
    assert h.returncode == 1 and "PIA612" in h.stderr and "git fetch --unshallow" in h.stderr and "fetch-depth: 0" in h.stderr
    rr = run_pia("render", "assessments/juki", "--format", "html", "--out", str(tmp_path / "o"), cwd=shallow)
    assert rr.returncode == 2 and "浅いクローン" in rr.stderr and not (tmp_path / "o").exists()
    c = run_pia("ci", "--base", "HEAD~1", "--head", "HEAD", "--summary", str(tmp_path / "s.md"), cwd=shallow)
    assert c.returncode == 2 and "git fetch --unshallow" in c.stderr
    full = run_pia("history", "assessments/juki", "--format", "json", cwd=revised)
    assert full.returncode == 0 and len(json.loads(full.stdout)) == 1


def test_ci_templates_fetch_the_whole_history():
    from conftest import ROOT

    assert "fetch-depth: 0" in (ROOT / ".github/workflows/pia.yml").read_text(encoding="utf-8")
    assert 'GIT_DEPTH: "0"' in (ROOT / "ci/pia.gitlab-ci.yml").read_text(encoding="utf-8")


def test_council_approved_revision_is_verified(tmp_path: Path, capsys):
    from conftest import ROOT

    src = ROOT / "councils"
    folders = sorted(p for p in src.iterdir() if (p / "council.yaml").is_file())
    if not folders:
        pytest.skip("no council example")
    r = tmp_path / "r"
    import shutil

    shutil.copytree(ROOT / "councils", r / "councils")
    shutil.copytree(ROOT / "assessments", r / "assessments")
    subprocess.run(["git", "init", "-q"], cwd=r, check=True)
    victim = r / "victim.txt"
    victim.write_text("keep\n", encoding="utf-8")
    cwd = Path.cwd()
    os.chdir(r)
    try:
        rc = main(["council", str(Path("councils") / folders[0].name), f"--approved=--output={victim}", "--out", str(tmp_path / "o")])
    finally:
        os.chdir(cwd)
    assert rc == 2 and "コミットではありません" in capsys.readouterr().err
    assert victim.read_text(encoding="utf-8") == "keep\n"


def test_diff_refuses_an_unreadable_version_but_not_a_reported_character(repo: Path):  # noqa: F811
    sysf = repo / "assessments/juki/systems.yaml"
    good = sysf.read_text(encoding="utf-8")
    sysf.write_text(good + "  : [broken\n", encoding="utf-8")
    r = run_pia("diff", "HEAD:assessments/juki", "assessments/juki", cwd=repo)
    assert r.returncode == 1 and "読めない版" in r.stderr and "systems.yaml" in r.stderr and not r.stdout
    sysf.write_text(good.replace("システムの名称: 住民記録システム(既存住民基本台帳システム)",
                                 'システムの名称: "\\e[2K住民記録システム"', 1), encoding="utf-8")
    r = run_pia("diff", "HEAD:assessments/juki", "assessments/juki", cwd=repo)
    assert r.returncode == 0 and "システム1 ①システムの名称" in r.stdout and "\x1b" not in r.stdout, r.stderr


# ---- history that cannot go silently short ------------------------------------------------------------------

def _rows(r: Path, folder: str) -> list[dict]:
    h = pia("history", folder, "--format", "json", cwd=r)
    assert h.returncode == 0, h.stderr
    return json.loads(h.stdout)


def test_history_follows_the_folder_through_renames(revised: Path, tmp_path: Path):
    r = revised  # one revision of assessments/juki: one row
    git(r, "mv", "assessments/juki", "assessments/juki-2024")
    commit(r, "rename")
    assert [(x["変更日"], x["変更後の記載"]) for x in _rows(r, "assessments/juki-2024")] == [("令和7年4月1日", "毎月")]
    # renamed again, with a change and its revision in the same commit
    git(r, "mv", "assessments/juki-2024", "assessments/jumin")
    for rel, old, new in (("files/juki.yaml", "    時期・頻度: 毎月", "    時期・頻度: 毎週"),
                          ("assessment.yaml", "  - 変更日: 令和7年4月1日\n    説明: 改訂\n",
                           "  - 変更日: 令和7年4月1日\n    説明: 改訂\n  - 変更日: 令和7年5月1日\n    説明: 改訂\n")):
        f = r / "assessments" / "jumin" / rel
        text = f.read_text(encoding="utf-8")
        assert old in text
        f.write_text(text.replace(old, new, 1), encoding="utf-8")
    commit(r, "rename and revise")
    rows = _rows(r, "assessments/jumin")
    assert [(x["変更日"], x["変更前の記載"], x["変更後の記載"]) for x in rows] == [
        ("令和7年4月1日", "随時", "毎月"), ("令和7年5月1日", "毎月", "毎週")]
    out = tmp_path / "out"
    assert pia("render", "assessments/jumin", "--format", "html", "--out", out, cwd=r).returncode == 0
    html = (out / "jumin.html").read_text(encoding="utf-8")
    assert "令和7年5月1日" in html and "毎週" in html


def test_glob_like_folder_names_are_read_literally(revised: Path):
    # `j*` and `juk[i]` are pathspec patterns matching assessments/juki: read as patterns, they would take its commits
    r = revised
    for name in ("j*", "juk[i]"):
        shutil.copytree(r / "assessments" / "juki", r / "assessments" / name)
    commit(r, "copies")
    for name in ("j*", "juk[i]"):
        assert _rows(r, f"assessments/{name}") == []
    assert len(_rows(r, "assessments/juki")) == 1


@pytest.mark.parametrize("which", ["HEAD", "HEAD~1"])
def test_a_commit_git_cannot_read_is_an_error_never_an_empty_history(revised: Path, tmp_path: Path, which: str):
    r = revised
    sha = git(r, "rev-parse", which).strip()
    obj = r / ".git" / "objects" / sha[:2] / sha[2:]
    obj.chmod(0o644)
    obj.write_bytes(b"damaged")
    h = pia("history", "assessments/juki", cwd=r)
    assert h.returncode == 2 and "git fsck" in h.stderr and "行はありません" not in h.stdout, h.stdout + h.stderr
    rr = pia("render", "assessments/juki", "--format", "html", "--out", tmp_path / "o", cwd=r)
    assert rr.returncode == 2 and not (tmp_path / "o").exists()

