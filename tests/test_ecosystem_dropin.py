"""The drop-in as a municipality uses it: pia released as the release workflow builds it (its steps run here),
a repository holding only assessments, `pia init`, `pia new`, the real pre-commit (with the hook pia ships and with
the config init writes, resolving pia-hyoka as from an index), the Excel round trip, and the GitHub Action's steps
run as a script on a pull-request-like checkout. Slow (it builds and installs pia): one module, one build."""
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
from pia import __version__

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def sh(*args: str | Path, cwd: Path, env: dict[str, str] | None = None, ok: bool = True) -> subprocess.CompletedProcess[str]:
    r = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, env=env, timeout=900)
    if ok:
        assert r.returncode == 0, (args, r.stdout[-2000:], r.stderr[-2000:])
    return r


def _workflow_steps(path: Path, job: str) -> list[tuple[str, str]]:
    """(name, script) of a GitHub workflow job's `run` steps; the `uses` steps are what a runner provides (a
    checkout, a Python) or does after (uploads), which the caller replaces."""
    steps = yaml.safe_load(path.read_text(encoding="utf-8"))["jobs"][job]["steps"]
    for step in steps:
        assert "run" in step or step["uses"].startswith(("actions/checkout@", "actions/setup-python@", "actions/upload-artifact@"))
    return [(step["name"], step["run"]) for step in steps if "run" in step]


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The release workflow's build job run as GitHub would on a tag v<version>, on a clean checkout of this tree:
    sdist and wheel built and checked, the wheel tried in a fresh environment. Returns (the dist folder, the bin
    folder of that environment: only pia's wheel and its dependencies)."""
    base = tmp_path_factory.mktemp("release")
    checkout = base / "checkout"
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        if (ROOT / rel).is_file():
            (checkout / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, checkout / rel)
    sh(sys.executable, "-m", "venv", base / "python", cwd=base)  # what actions/setup-python gives: a Python with pip
    env = _env(PATH=f"{base / 'python' / 'bin'}{os.pathsep}{os.environ['PATH']}", RUNNER_TEMP=str(base),
               GITHUB_REF_TYPE="tag", GITHUB_REF_NAME=f"v{__version__}")
    for name, script in _workflow_steps(ROOT / ".github" / "workflows" / "release.yml", "build"):
        r = sh("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script, cwd=checkout, env=env, ok=False)
        assert r.returncode == 0, (name, r.stdout[-2000:], r.stderr[-2000:])
    dist = checkout / "dist"
    assert sorted(p.name for p in dist.iterdir()) == [f"pia_hyoka-{__version__}-py3-none-any.whl", f"pia_hyoka-{__version__}.tar.gz"]
    return dist, base / "pia-try" / "venv" / "bin"


@pytest.fixture
def repo(tmp_path: Path, released: tuple[Path, Path]) -> Path:
    """A git repository with only an assessment in it, then `pia init` (from the installed wheel) committed."""
    r = tmp_path / "kuyakusho"
    shutil.copytree(EXAMPLE, r / "assessments" / EXAMPLE.name)
    _git_init(r)
    sh(released[1] / "pia", "init", cwd=r)
    sh("git", "add", "-A", cwd=r)
    sh("git", "commit", "-q", "-m", "init", cwd=r)
    return r


def _git_init(r: Path) -> None:
    r.mkdir(parents=True, exist_ok=True)
    sh("git", "init", "-q", "-b", "main", cwd=r)
    sh("git", "config", "user.email", "t@example.invalid", cwd=r)
    sh("git", "config", "user.name", "t", cwd=r)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "PRE_COMMIT", "VIRTUAL_ENV"))}
    env.update(extra)
    return env


@pytest.mark.slow
def test_a_new_body_adopts_pia_from_its_release(released: tuple[Path, Path], tmp_path: Path):
    """A body's own repository, nothing but pia's release: `pia init`, the real pre-commit hook with the config
    exactly as init wrote it (pia-hyoka==<version> resolved from the release's files as from an index), `pia new`,
    `pia check`, the Excel out and back in unchanged."""
    dist, bin_ = released
    r = tmp_path / "kodomo"
    _git_init(r)
    pia = str(bin_ / "pia")
    out = sh(pia, "init", cwd=r).stdout
    assert "pip install pre-commit" in out and "pre-commit install" in out, out
    cfg = (r / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    assert f'additional_dependencies: ["pia-hyoka=={__version__}"]' in cfg
    # the registry, as pip sees it: the release's files first, then the usual index for pia's dependencies
    env = _env(PRE_COMMIT_HOME=str(tmp_path / "pc-home"), PATH=f"{bin_}{os.pathsep}{os.environ['PATH']}",
               PIP_FIND_LINKS=" ".join(filter(None, [str(dist), os.environ.get("PIP_FIND_LINKS", "")])))
    sh(sys.executable, "-m", "pre_commit", "install", cwd=r, env=env)
    sh("git", "add", "-A", cwd=r, env=env)
    sh("git", "commit", "-q", "-m", "pia init", cwd=r, env=env)  # the hook runs (nothing to check) and lets it pass
    made = sh(pia, "new", "jido-teate", "--persons", "30万人以上", cwd=r).stdout
    assert "pia check" in made and "pia serve" in made and "assessment.yaml" in made, made
    sh("git", "add", "-A", cwd=r, env=env)
    refused = sh("git", "commit", "-q", "-m", "new", cwd=r, env=env, ok=False)
    said = refused.stdout + refused.stderr  # git passes the hook's output on to stderr
    assert refused.returncode != 0 and "pia check（変更した評価書の検査）" in said and "Failed" in said, said[-1500:]
    assert "assessments/jido-teate/assessment.yaml" in said and "PIA501" in said, said[-1500:]
    checked = sh(pia, "check", "assessments/jido-teate", cwd=r, ok=False)
    assert checked.returncode == 1 and "PIA501" in checked.stdout
    sh(pia, "render", "assessments/jido-teate", "--format", "xlsx", "--out", "out", cwd=r)
    back = sh(pia, "import", "out/jido-teate.xlsx", "assessments/jido-teate", cwd=r)
    assert "変更はありません" in back.stdout, back.stdout[-1500:]
    # a changed file stands for its whole folder; folders not touched are not checked
    shutil.copytree(EXAMPLE, r / "assessments" / EXAMPLE.name)
    f = r / "assessments" / EXAMPLE.name / "systems.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("システムの名称:", "システム名:", 1), encoding="utf-8")
    one = sh(sys.executable, "-m", "pre_commit", "run", "--files", str(f.relative_to(r)), cwd=r, env=env, ok=False)
    assert one.returncode == 1 and "PIA013" in one.stdout and "jido-teate" not in one.stdout, one.stdout[-1500:]


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


def test_action_steps_as_a_script_on_a_pull_request(repo: Path, released: tuple[Path, Path], tmp_path: Path):
    dist, bin_ = released
    wheel = next(dist.glob("*.whl"))
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
