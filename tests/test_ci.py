"""`pia ci` on temporary git repositories, as a pull-request check would run it."""
from __future__ import annotations

from pathlib import Path


from conftest import ci, ci_summary as summary, edit_repo as edit, git, new_revision, parse_github, pia, run_pia


def test_no_assessment_changed(repo: Path):
    (repo / "README.md").write_text("changed\n", encoding="utf-8")
    r = ci(repo)
    assert r.returncode == 0, r.stderr
    assert "評価書は変わっていません" in summary(repo)


def test_ex_post_change(repo: Path):
    new_revision(repo)
    edit(repo, "files/juki.yaml", "    時期・頻度: 随時", "    時期・頻度: 毎月")
    r = ci(repo)
    assert r.returncode == 0, r.stdout + r.stderr
    s = summary(repo)
    assert "提出時期 **事後**" in s and "提供先1 ⑦時期・頻度" in s and "遅滞なく" in s


def test_important_change_needs_the_declaration(repo: Path):
    new_revision(repo)
    edit(repo, "files/juki.yaml", "    使用部署: 住民記録・戸籍課", "    使用部署: 住民記録課")
    r = ci(repo)
    assert r.returncode == 1
    assert "重要な変更 1 件" in summary(repo) and "全項目評価の再実施" in summary(repo) and "番号法第28条" in summary(repo)
    assert "PIA602" in r.stdout


def test_important_change_with_the_declaration_passes(repo: Path):
    new_revision(repo, extra="    再評価:\n      状況: 予定\n      日付: 令和7年3月1日\n")
    edit(repo, "files/juki.yaml", "    使用部署: 住民記録・戸籍課", "    使用部署: 住民記録課")
    r = ci(repo)
    assert r.returncode == 0, r.stdout
    assert "提出時期 **事前**" in summary(repo)


def test_change_without_a_new_revision_date_fails(repo: Path):
    edit(repo, "files/juki.yaml", "    時期・頻度: 随時", "    時期・頻度: 毎月")
    r = ci(repo)
    assert r.returncode == 1 and "新しい変更日がありません" in summary(repo)


def test_rule_breaking_change_is_annotated_at_its_line(repo: Path):
    new_revision(repo)
    edit(repo, "files/juki.yaml", "      - 移転を行っている: 1", "      - 移転を行っている: 4")
    r = ci(repo, "--format", "github", process=True)  # the real command, as the workflow runs it
    assert r.returncode == 1
    cmds = [parse_github(l) for l in r.stdout.splitlines() if l.startswith("::")]
    hit = [c for c in cmds if "PIA201" in c["title"]]
    text = (repo / "assessments/juki/files/juki.yaml").read_text(encoding="utf-8").splitlines()
    assert hit and hit[0]["file"] == "assessments/juki/files/juki.yaml"
    assert "移転を行っている: 4" in text[int(hit[0]["line"]) - 1]


def test_renamed_folder_is_diffed_against_its_old_name(repo: Path):
    git(repo, "mv", "assessments/juki", "assessments/juki-2025")
    r = ci(repo)
    assert r.returncode == 0, r.stdout
    s = summary(repo)
    assert "assessments/juki → assessments/juki-2025（名称変更）" in s and "変更:" not in s


def test_deleted_folder(repo: Path):
    git(repo, "rm", "-rq", "assessments/juki")
    r = ci(repo)
    assert r.returncode == 0
    assert "（削除）" in summary(repo) and "3年間公表" in summary(repo)


def test_gitlab_report(repo: Path):
    new_revision(repo)
    edit(repo, "files/juki.yaml", "      - 移転を行っている: 1", "      - 移転を行っている: 4")
    report = repo.parent / "gl.json"
    r = ci(repo, "--format", "gitlab", "--gitlab-report", str(report))
    assert r.returncode == 1
    import json

    issues = json.loads(report.read_text(encoding="utf-8"))
    assert any(i["check_name"] == "PIA201" and i["location"]["path"] == "assessments/juki/files/juki.yaml" for i in issues)


def test_unreadable_head_is_not_compared(repo: Path):
    # a YAML error in the head: the check names its line; no change table of "everything removed"
    new_revision(repo)
    edit(repo, "files/juki.yaml", "    時期・頻度: 随時", "    時期・頻度: [随時")
    r = ci(repo)
    s = summary(repo)
    assert r.returncode == 1 and "PIA001" in r.stdout and "上のエラーを直すと、項目間の検査も行います" in r.stdout
    assert "判定していません" in s and "（削除）" not in s and "| 項目 |" not in s and "PIA601" not in r.stdout, s


def test_unreadable_base_is_not_compared(repo: Path):
    edit(repo, "files/juki.yaml", "    時期・頻度: 随時", "    時期・頻度: [随時")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "broken")
    edit(repo, "files/juki.yaml", "    時期・頻度: [随時", "    時期・頻度: 随時")
    r = ci(repo)
    assert r.returncode == 1 and "PIA615" in r.stdout
    assert "| 項目 |" not in summary(repo)


def test_default_gitlab_report_leaves_no_manifest_in_the_repository(repo: Path):
    new_revision(repo)
    edit(repo, "files/juki.yaml", "      - 移転を行っている: 1", "      - 移転を行っている: 4")
    r = ci(repo, "--format", "gitlab")
    assert r.returncode == 1
    assert (repo / "gl-code-quality-report.json").is_file()  # the artifact the template names, in the working folder
    assert git(repo, "status", "--porcelain", "--untracked-files=all").split() == ["??", "gl-code-quality-report.json"]


def test_summary_file_is_replaced_and_the_step_summary_appended(repo: Path, monkeypatch):
    title = "# pia: 評価書の変更の確認"
    step = repo.parent / "step.md"
    step.write_text("前のステップの要約\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step))
    for _ in range(2):
        assert ci(repo).returncode == 0
    assert summary(repo).count(title) == 1  # --summary wins over $GITHUB_STEP_SUMMARY, and is replaced
    assert step.read_text(encoding="utf-8") == "前のステップの要約\n"
    for extra in ([], ["--summary", str(step)]):  # GitHub's own file: appended to, also when named by --summary
        r = pia("ci", "--base", "HEAD~1", "--head", "HEAD", *extra, cwd=repo)
        assert r.returncode == 0 and title not in r.stdout
    assert step.read_text(encoding="utf-8").startswith("前のステップの要約\n") and step.read_text(encoding="utf-8").count(title) == 2


def test_summary_to_dev_stdout_as_the_ci_script_runs_it(repo: Path):
    r = run_pia("ci", "--base", "HEAD", "--summary", "/dev/stdout", cwd=repo)
    assert r.returncode == 0 and "評価書は変わっていません" in r.stdout
