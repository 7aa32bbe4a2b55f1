from __future__ import annotations

import contextlib
import http.client
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "assessments" / "setagaya-juki"
SEED = ROOT.parent / "shared" / "seeds" / "002_34b7a933c326d137.txt"

# The compiled schemas' cache (pia.form.compiled) of this test session, not the user's: compiled once per session.
_CACHE = tempfile.mkdtemp(prefix="pia-test-cache-")
os.environ["XDG_CACHE_HOME"] = _CACHE


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
        # its own process group: the layout workers it forks are ended with it when the session ends early
        _BACKGROUND.update(out=out, proc=subprocess.Popen(
            [sys.executable, "-m", "pia", "render", str(EXAMPLE), "--out", str(out), "--format", "html,pdf,xlsx"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True))


@pytest.hookimpl(trylast=True)  # after -k/-m have deselected
def pytest_collection_modifyitems(session, config, items) -> None:
    """When a test that will run reads the rendered example, start rendering it now, in its own process (the real
    command), so that the 90-page PDF is laid out on the other core while the tests before it run."""
    if not config.option.collectonly and any("rendered" in getattr(item, "fixturenames", ()) for item in items):
        _start_render()


def pytest_sessionfinish(session, exitstatus) -> None:
    proc = _BACKGROUND.pop("proc", None)
    if proc is not None:  # the tests that needed it may not have run (-x, -k, Ctrl-C): end it and its workers
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)  # the group outlives its leader while a worker holds the pipes
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.communicate(timeout=10)
    if "out" in _BACKGROUND:
        shutil.rmtree(_BACKGROUND.pop("out"), ignore_errors=True)
    shutil.rmtree(_CACHE, ignore_errors=True)


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


# ---- git repositories -----------------------------------------------------------------------------------------

def git(cwd: Path, *args: str) -> str:
    """A git command in cwd (with an author, whatever the machine's configuration); its output."""
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.jp", *args], cwd=cwd, check=True,
                          capture_output=True, text=True).stdout


def init_repo(repo: Path) -> Path:
    """A new repository (branch main) at repo, holding whatever is already there, not yet committed."""
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "t@example.jp")
    git(repo, "config", "user.name", "t")
    return repo


def commit(repo: Path, message: str = "change", *extra: str) -> None:
    """Commit everything in the work tree (extra: more options of git commit, such as --allow-empty)."""
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message, *extra)


@pytest.fixture(scope="session")
def base_repo(tmp_path_factory) -> Path:
    """A repository whose one commit holds the example as assessments/juki (copy it through `repo`)."""
    r = tmp_path_factory.mktemp("base") / "repo"
    shutil.copytree(EXAMPLE, r / "assessments" / "juki")
    (r / "README.md").write_text("repo\n", encoding="utf-8")
    init_repo(r)
    commit(r, "base")
    return r


@pytest.fixture
def repo(base_repo: Path, tmp_path: Path) -> Path:
    """A private copy (work tree and .git) of a repository whose one commit holds the example."""
    return Path(shutil.copytree(base_repo, tmp_path / "repo", symlinks=True))


def replace_once(path: Path, old: str, new: str) -> int:
    """Replace old by new (once) in a file and return the 1-based line where new starts."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def edit_repo(repo: Path, rel: str, old: str, new: str) -> None:
    """Edit a file of the example in `repo` (assessments/juki/rel)."""
    replace_once(repo / "assessments" / "juki" / rel, old, new)


def new_revision(repo: Path, date: str = "令和7年4月1日", extra: str = "") -> None:
    """A new 改訂 entry after the example's last one, in `repo`."""
    edit_repo(repo, "assessment.yaml", "  - 変更日: 令和6年1月4日\n    説明: 標準準拠システムへの移行及びガバメントクラウドの利用\n",
              "  - 変更日: 令和6年1月4日\n    説明: 標準準拠システムへの移行及びガバメントクラウドの利用\n"
              f"  - 変更日: {date}\n    説明: 改訂\n{extra}")


def ci(repo: Path, *extra: str, process: bool = False) -> subprocess.CompletedProcess[str]:
    """Commit the work tree, then `pia ci` of that commit against the one before, its summary in summary.md."""
    commit(repo, "change", "--allow-empty")
    return (run_pia if process else pia)("ci", "--base", "HEAD~1", "--head", "HEAD", "--summary",
                                         str(repo.parent / "summary.md"), *extra, cwd=repo)


def ci_summary(repo: Path) -> str:
    return (repo.parent / "summary.md").read_text(encoding="utf-8")


# ---- findings -------------------------------------------------------------------------------------------------

def edit_file(folder: Path, rel: str, old: str, new: str) -> int:
    """Replace old by new (once) in folder/rel; the 1-based line where new starts."""
    return replace_once(folder / rel, old, new)


def check_json(capsys, *args: str) -> tuple[int, list[dict]]:
    """`pia check ... --format json` in this process: the exit code and every finding of every assessment."""
    from pia.app.cli import main

    rc = main(["check", *args, "--format", "json"])
    out = capsys.readouterr().out
    return rc, [f for a in json.loads(out)["assessments"] for f in a["findings"]]


_GITHUB = re.compile(r"^::(error|warning|notice) (?P<props>[^:]*)::(?P<msg>.*)$")


def parse_github(line: str) -> dict[str, str]:
    """Parse a workflow command the way the Actions runner does (properties split on ',', then unescaped)."""
    m = _GITHUB.match(line)
    assert m, line
    props = {}
    for part in m.group("props").split(","):
        k, _, v = part.partition("=")
        props[k] = v.replace("%2C", ",").replace("%3A", ":").replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")
    props["message"] = m.group("msg").replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")
    return props


# A sitecustomize.py that makes the clock say January 15 of {year} (for a child process's PYTHONPATH).
FAKE_CLOCK = """
import datetime as _dt, time as _time
class _Date(_dt.date):
    @classmethod
    def today(cls):
        return cls({year}, 1, 15)
class _DateTime(_dt.datetime):
    @classmethod
    def now(cls, tz=None):
        return cls({year}, 1, 15, 12, 0, 0, tzinfo=tz)
    @classmethod
    def today(cls):
        return cls({year}, 1, 15, 12, 0, 0)
_dt.date, _dt.datetime = _Date, _DateTime
_time.time = lambda: _DateTime({year}, 1, 15).timestamp()
"""


# ---- the live preview -----------------------------------------------------------------------------------------

@contextlib.contextmanager
def serving(folder: Path):
    """`pia serve`'s server for folder in a thread of this process, on a free port; shut down afterwards."""
    from pia.app.serve import make_server

    server = make_server(folder, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def http_get(server: Any, path: str = "/", host: str | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    """GET path from a preview server as its user's browser asks (Host 127.0.0.1:PORT unless given)."""
    port = server.server_address[1]
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.putrequest("GET", path, skip_host=True)
    c.putheader("Host", host if host is not None else f"127.0.0.1:{port}")
    for k, v in (headers or {}).items():
        c.putheader(k, v)
    c.endheaders()
    r = c.getresponse()
    body = r.read().decode("utf-8", "replace")
    c.close()
    return r.status, dict(r.getheaders()), body


# ---- rule triggers on the 基礎・重点 examples (tests/test_forms.py runs them; tests/test_rules.py counts them) ----

SET, KI, JU = "setagaya-juki", "marumaru-kiso", "marumaru-juten"
# rule -> (example, edits, extra check flags): a real variant of an example that breaks the rule
FORM_TRIGGERS: dict[str, tuple[str, list[tuple[str, str, str | None]], tuple[str, ...]]] = {
    "PIA801": (KI, [("kiso.yaml", "    選択: 1万人以上10万人未満", "    選択: 30万人以上"),
                    ("kiso.yaml", "  しきい値判断結果: 基礎項目評価の実施が義務付けられる", "  しきい値判断結果: 基礎項目評価及び全項目評価の実施が義務付けられる")], ()),
    "PIA802": (SET, [("kiso.yaml", "", None)], ()),
    "PIA803": (SET, [("kiso.yaml", "公表日:\n", "公表日:\n関連情報:\n  他の評価実施機関: —\n")], ()),
    "PIA804": (KI, [("kiso.yaml", "しきい値判断結果:\n  しきい値判断結果: 基礎項目評価の実施が義務付けられる\n", "")], ()),
    "PIA805": (JU, [("kiso.yaml", ": 基礎項目評価書及び重点項目評価書", ": 基礎項目評価書")], ()),
    "PIA806": (JU, [("juten.yaml", "  取扱者数: 500人未満", "  取扱者数:")], ()),
    "PIA807": (JU, [("kiso.yaml", "    委託しない: false", "    委託しない: true")], ()),
    "PIA810": (JU, [("juten.yaml", "評価書名: 国民健康保険に関する事務 重点項目評価書", "評価書名: 国民健康保険に関する事務 重点項目評価書（案）")], ()),
    "PIA811": (KI, [("kiso.yaml", "公表日: 令和6年6月1日", "公表日:")], ("--final",)),
    "PIA812": (JU, [("juten.yaml", "評価書名: 国民健康保険に関する事務 重点項目評価書", "評価書名: 国民健康保険に関する事務 重点項目評価書(素案)")], ("--final",)),
    "PIA820": (KI, [("kiso.yaml", "様式: 平成30年5月 様式2", "様式: 平成30年5月 様式4")], ()),
    "PIA821": (KI, [("kiso.yaml", "様式: 平成30年5月 様式2", "様式: 平成29年5月 様式2")], ()),
}
