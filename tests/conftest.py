from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "assessments" / "setagaya-juki"
SEED = ROOT.parent / "shared" / "seeds" / "002_34b7a933c326d137.txt"


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A private copy of the real example, safe to mutate."""
    dst = tmp_path / "work" / "setagaya-juki"
    shutil.copytree(EXAMPLE, dst)
    return dst


def schema_nodes(skip: tuple[str, ...] = ()):
    """Every object node of every schema file (except those named in skip), depth first: (file name, node)."""
    import json

    def walk(n, name):
        if isinstance(n, dict):
            yield name, n
            for v in n.values():
                yield from walk(v, name)
        elif isinstance(n, list):
            for v in n:
                yield from walk(v, name)

    for p in sorted((ROOT / "schemas").glob("*.json")):
        if p.name not in skip:
            yield from walk(json.loads(p.read_text(encoding="utf-8")), p.name)


def run_pia(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real command in a new process: for the few tests of the command line itself (exit codes, startup)."""
    return subprocess.run([sys.executable, "-m", "pia", *args], capture_output=True, text=True, cwd=cwd)


def pia(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The same command through `pia.cli.main` in this process: what run_pia gives, without starting Python and
    importing pia again for every case."""
    from pia.cli import main

    out, err = io.StringIO(), io.StringIO()
    before = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with redirect_stdout(out), redirect_stderr(err):
            code = main([str(a) for a in args])
    finally:
        os.chdir(before)
    stderr = err.getvalue()
    log = re.search(r"詳細は (\S+) にあります", stderr)
    if code == 3 and log:  # an internal error: show its traceback in the failing test, not only a log's name
        stderr += Path(log.group(1)).read_text(encoding="utf-8")
    return subprocess.CompletedProcess(["pia", *args], code, out.getvalue(), stderr)


def small_example(dst: Path) -> Path:
    """A small but complete assessment cut from the example: one file (本人確認情報ファイル), three 別添3 rows.
    For properties of the renderer (determinism) that need not be checked on the full 90 pages."""
    shutil.copytree(EXAMPLE, dst)
    for name in ("juki", "sofusaki"):
        (dst / "files" / f"{name}.yaml").unlink()
    a = dst / "assessment.yaml"
    text = a.read_text(encoding="utf-8")
    for name in ("juki", "sofusaki"):
        assert f"\n    - {name}\n" in text
        text = text.replace(f"\n    - {name}\n", "\n", 1)
    head, rows = text.split("\n変更箇所の記録:\n", 1)
    kept = rows.split("\n  - 変更日")[:3]
    assert len(kept) == 3
    a.write_text(head + "\n変更箇所の記録:\n" + "\n  - 変更日".join(kept) + "\n", encoding="utf-8")
    return dst


@pytest.fixture(scope="session")
def rendered(tmp_path_factory) -> dict[str, Path]:
    """The example rendered once (HTML, PDF, Excel) for every test that only reads the output."""
    out = tmp_path_factory.mktemp("rendered")
    r = pia("render", EXAMPLE, "--out", out, "--format", "html,pdf,xlsx")
    assert r.returncode == 0, r.stderr
    return {"dir": out, **{ext: out / f"setagaya-juki.{ext}" for ext in ("pdf", "html", "xlsx")}}
