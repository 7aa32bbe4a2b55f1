from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

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
    """The same command through `pia.app.cli.main` in this process: what run_pia gives, without starting Python and
    importing pia again for every case."""
    from pia.app.cli import main

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


def declare_version(folder: Path, tag: str = "平成26年4月 様式4") -> Path:
    """The folder's 全項目評価書 declared in an older form version (「様式:」 after its first line)."""
    a = folder / "assessment.yaml"
    first, rest = a.read_text(encoding="utf-8").split("\n", 1)
    a.write_text(f"{first}\n様式: {tag}\n{rest}", encoding="utf-8")
    return folder


_BACKGROUND: dict[str, Any] = {}


def _start_render() -> None:
    if "proc" not in _BACKGROUND:
        out = Path(tempfile.mkdtemp(prefix="pia-rendered-"))
        _BACKGROUND.update(out=out, proc=subprocess.Popen(
            [sys.executable, "-m", "pia", "render", str(EXAMPLE), "--out", str(out), "--format", "html,pdf,xlsx"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))


@pytest.hookimpl(trylast=True)  # after -k/-m have deselected
def pytest_collection_modifyitems(session, config, items) -> None:
    """When a test that will run reads the rendered example, start rendering it now, in its own process (the real
    command), so that the 90-page PDF is laid out on the other core while the tests before it run."""
    if not config.option.collectonly and any("rendered" in getattr(item, "fixturenames", ()) for item in items):
        _start_render()


def pytest_sessionfinish(session, exitstatus) -> None:
    proc = _BACKGROUND.pop("proc", None)
    if proc is not None and proc.poll() is None:  # the tests that needed it did not run (-x, -k, Ctrl-C)
        proc.kill()
        proc.communicate()
    if "out" in _BACKGROUND:
        shutil.rmtree(_BACKGROUND.pop("out"), ignore_errors=True)


@pytest.fixture(scope="session")
def rendered() -> dict[str, Path]:
    """The example rendered once (HTML, PDF, Excel) by `pia render`, for every test that only reads the output."""
    _start_render()  # already started after collection, unless the hook did not run
    proc, out = _BACKGROUND["proc"], _BACKGROUND["out"]
    stdout, stderr = proc.communicate(timeout=900)
    assert proc.returncode == 0, stdout + stderr
    return {"dir": out, **{ext: out / f"setagaya-juki.{ext}" for ext in ("pdf", "html", "xlsx")}}


CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")


def chrome():
    """Debian's headless Chromium driven by Selenium (tests skip when chromium/chromium-driver are missing)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,1000"):
        opts.add_argument(a)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
