"""The drop-in as a municipality uses it: a repository holding only assessments, pia installed from its wheel,
`pia init`, `pia new`, the real pre-commit (with the hook pia ships and with the config init writes), and the
GitHub Action's steps run as a script on a pull-request-like checkout. Slow (it installs pia twice): one module."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import EXAMPLE, ROOT

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def sh(*args: str | Path, cwd: Path, env: dict[str, str] | None = None, ok: bool = True) -> subprocess.CompletedProcess[str]:
    r = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, env=env, timeout=900)
    if ok:
        assert r.returncode == 0, (args, r.stdout[-2000:], r.stderr[-2000:])
    return r


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(pia's wheel, a fresh virtualenv's bin folder with only that wheel and its dependencies installed)."""
    base = tmp_path_factory.mktemp("dist")
    sh(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", base / "dist", ROOT, cwd=base)
    wheel = next((base / "dist").glob("pia-*.whl"))
    sh(sys.executable, "-m", "venv", base / "venv", cwd=base)
    bin_ = base / "venv" / "bin"
    sh(bin_ / "python", "-m", "pip", "install", "-q", wheel, cwd=base)
    return wheel, bin_


@pytest.fixture
def repo(tmp_path: Path, installed: tuple[Path, Path]) -> Path:
    """A git repository with only an assessment in it, then `pia init` (from the installed wheel) committed."""
    r = tmp_path / "kuyakusho"
    shutil.copytree(EXAMPLE, r / "assessments" / EXAMPLE.name)
    sh("git", "init", "-q", "-b", "main", cwd=r)
    sh("git", "config", "user.email", "t@example.invalid", cwd=r)
    sh("git", "config", "user.name", "t", cwd=r)
    sh(installed[1] / "pia", "init", cwd=r)
    sh("git", "add", "-A", cwd=r)
    sh("git", "commit", "-q", "-m", "init", cwd=r)
    return r


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "PRE_COMMIT", "VIRTUAL_ENV"))}
    env.update(extra)
    return env


def test_pre_commit_with_the_config_pia_init_writes(repo: Path, installed: tuple[Path, Path], tmp_path: Path):
    wheel, bin_ = installed
    cfg = repo / ".pre-commit-config.yaml"
    # no index holds pia here: point the pinned package at the wheel, as the config's comment tells users to
    text = cfg.read_text(encoding="utf-8")
    cfg.write_text(re.sub(r'additional_dependencies: \[".*"\]', f'additional_dependencies: ["{wheel}"]', text), encoding="utf-8")
    env = _env(PRE_COMMIT_HOME=str(tmp_path / "pc-home"), PATH=f"{bin_}{os.pathsep}{os.environ['PATH']}")
    pre_commit = [sys.executable, "-m", "pre_commit"]
    r = sh(*pre_commit, "run", "--all-files", cwd=repo, env=env)
    assert "pia check" in r.stdout and "Passed" in r.stdout
    sh(bin_ / "pia", "new", "juki-2025", cwd=repo)
    sh("git", "add", "-A", cwd=repo, env=env)
    r = sh(*pre_commit, "run", "--all-files", cwd=repo, env=env, ok=False)
    assert r.returncode == 1 and "Failed" in r.stdout and "assessments/juki-2025/" in r.stdout and "PIA501" in r.stdout
    # a changed file stands for its whole folder; folders not touched are not checked
    f = repo / "assessments" / EXAMPLE.name / "systems.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("システムの名称:", "システム名:", 1), encoding="utf-8")
    r = sh(*pre_commit, "run", "--files", str(f.relative_to(repo)), cwd=repo, env=env, ok=False)
    assert r.returncode == 1 and "PIA013" in r.stdout and "juki-2025" not in r.stdout, r.stdout[-1500:]


def test_pre_commit_try_repo_uses_the_hook_pia_ships(repo: Path, tmp_path: Path):
    f = repo / "assessments" / EXAMPLE.name / "assessment.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("評価実施機関の区分: 地方公共団体等", "評価実施機関の区分: 市"), encoding="utf-8")
    env = _env(PRE_COMMIT_HOME=str(tmp_path / "pc-home"))
    r = sh(sys.executable, "-m", "pre_commit", "try-repo", ROOT, "pia-check", "--files", str(f.relative_to(repo)),
           cwd=repo, env=env, ok=False)
    assert r.returncode == 1 and "PIA011" in r.stdout and "「市」" in r.stdout, r.stdout[-1500:]


def _action_steps(inputs: dict[str, str]) -> list[tuple[str, dict[str, str]]]:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    values = {k: inputs.get(k, v.get("default", "")) for k, v in action["inputs"].items()}

    def expand(s: str) -> str:
        return re.sub(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", lambda m: values[m.group(1)], str(s))

    steps = []
    for step in action["runs"]["steps"]:
        if "uses" in step:
            assert step["uses"].startswith("actions/setup-python@")  # the one step a script replaces by PATH
            continue
        assert step["shell"] == "bash"
        steps.append((step["run"], {k: expand(v) for k, v in step.get("env", {}).items()}))
    return steps


def test_action_steps_as_a_script_on_a_pull_request(repo: Path, installed: tuple[Path, Path], tmp_path: Path):
    wheel, bin_ = installed
    origin = tmp_path / "origin.git"
    sh("git", "checkout", "-q", "-b", "change", cwd=repo)
    f = repo / "assessments" / EXAMPLE.name / "systems.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("システムの名称:", "システム名:", 1), encoding="utf-8")
    sh("git", "commit", "-q", "-am", "change", cwd=repo)
    sh("git", "clone", "-q", "--bare", repo, origin, cwd=tmp_path)
    work = tmp_path / "checkout"  # as actions/checkout leaves it: a shallow clone of the pull request's head
    sh("git", "clone", "-q", "--depth", "1", "--branch", "change", f"file://{repo}", work, cwd=tmp_path)
    sh("git", "remote", "set-url", "origin", f"file://{origin}", cwd=work)
    summary = tmp_path / "summary.md"
    env = _env(PATH=f"{bin_}{os.pathsep}{os.environ['PATH']}", GITHUB_ACTIONS="true", GITHUB_BASE_REF="main",
               GITHUB_ACTION_PATH=str(ROOT), GITHUB_STEP_SUMMARY=str(summary))
    outputs = []
    for script, step_env in _action_steps({"package": str(wheel)}):
        r = sh("bash", "-eo", "pipefail", "-c", script, cwd=work, env={**env, **step_env}, ok=False)
        outputs.append(r)
    assert all(r.returncode == 0 for r in outputs[:-1]), [r.stderr[-800:] for r in outputs]
    last = outputs[-1]
    assert last.returncode == 1, last.stderr[-1500:]  # an error in the change, and no new 改訂
    annotations = [ln for ln in last.stdout.splitlines() if ln.startswith("::error ")]
    assert any("PIA013" in a and "systems.yaml" in a for a in annotations), last.stdout[-1500:]
    md = summary.read_text(encoding="utf-8")
    assert f"assessments/{EXAMPLE.name}" in md and "エラー" in md
