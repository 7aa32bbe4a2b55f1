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
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "assessments" / "setagaya-juki"
SEED = ROOT.parent / "shared" / "seeds" / "002_34b7a933c326d137.txt"


def pytest_configure(config) -> None:
    """The compiled schemas' cache (pia.form.compiled) of this test session, not the user's: compiled once per
    session. pytest-xdist's workers inherit the folder from the process that starts them (PIA_TEST_CACHE)."""
    if "PIA_TEST_CACHE" not in os.environ:
        config._pia_cache = os.environ["PIA_TEST_CACHE"] = tempfile.mkdtemp(prefix="pia-test-cache-")
    os.environ["XDG_CACHE_HOME"] = os.environ["PIA_TEST_CACHE"]


def pytest_unconfigure(config) -> None:
    if hasattr(config, "_pia_cache"):
        shutil.rmtree(os.environ.pop("PIA_TEST_CACHE"), ignore_errors=True)


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


def _render_dir(config) -> Path:
    """Where the example is rendered for `rendered`: this session's base temp, or under pytest-xdist the folder its
    workers share (the parent of each one's base temp), so that one worker renders and the others read."""
    base = config._tmp_path_factory.getbasetemp()
    return (base.parent if hasattr(config, "workerinput") else base) / "rendered"


def _start_render(config) -> None:
    """Render the example in the background, unless this session or another worker of it already does."""
    if "proc" in _BACKGROUND:
        return
    shared = _render_dir(config)
    try:
        shared.mkdir()  # atomic: the one worker that creates it renders
    except FileExistsError:
        return
    out = shared / "out"
    cmd = [sys.executable, "-m", "pia", "render", str(EXAMPLE), "--out", str(out), "--format", "html,pdf,xlsx"]
    # the exit code is written last (rename), so a reader never sees half of it; the render's own process group lets
    # its layout workers be ended with it when the session ends early
    script = '"$@" >"$0/stdout" 2>"$0/stderr"; echo $? >"$0/rc.tmp"; mv "$0/rc.tmp" "$0/rc"'
    _BACKGROUND["proc"] = subprocess.Popen(["sh", "-c", script, str(shared), *cmd], stdin=subprocess.DEVNULL,
                                           start_new_session=True)
    (shared / "pid.tmp").write_text(str(_BACKGROUND["proc"].pid))
    (shared / "pid.tmp").rename(shared / "pid")  # for the other workers: whether the render still runs


# The longest test files (docs/performance.md), handed out first under pytest-xdist (a file at a time, in this order):
# started last, one of them would keep one worker busy alone at the end.
LONGEST = ("test_ecosystem_dropin.py", "test_ecosystem_xlsx.py", "test_pdf_parts.py", "test_site.py", "test_xlsx.py",
           "test_render.py", "test_robustness.py")


@pytest.hookimpl(trylast=True)  # after -k/-m have deselected
def pytest_collection_modifyitems(session, config, items) -> None:
    """When a test that will run reads the rendered example, start rendering it now, in its own process (the real
    command), so that the 90-page PDF is laid out on the other core while the tests before it run."""
    if hasattr(config, "workerinput"):  # the same order in every worker, as xdist requires
        first = {name: i for i, name in enumerate(LONGEST)}
        items.sort(key=lambda item: first.get(item.path.name, len(first)))
    if not config.option.collectonly and any("rendered" in getattr(item, "fixturenames", ()) for item in items):
        _start_render(config)


def pytest_sessionfinish(session, exitstatus) -> None:
    proc = _BACKGROUND.pop("proc", None)
    if proc is not None and proc.poll() is None:
        # under xdist another worker may still wait for it; otherwise the tests that needed it did not run (-x, -k,
        # Ctrl-C): end it and its workers (the group outlives its leader while a worker holds the pipes)
        if hasattr(session.config, "workerinput") and exitstatus != pytest.ExitCode.INTERRUPTED:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=900)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@pytest.fixture(scope="session")
def rendered(pytestconfig) -> dict[str, Path]:
    """The example rendered once (HTML, PDF, Excel) by `pia render`, for every test that only reads the output."""
    _start_render(pytestconfig)  # already started after collection, unless the hook did not run
    shared = _render_dir(pytestconfig)
    rc, pid, deadline = shared / "rc", shared / "pid", time.monotonic() + 900
    started = time.monotonic() + 60  # a worker that made the folder and died before starting the render
    while not rc.is_file():
        assert time.monotonic() < deadline, "the background render did not finish"
        if pid.is_file():
            assert _alive(int(pid.read_text())) or rc.is_file(), "the background render ended without an exit code"
        else:
            assert time.monotonic() < started, "the worker that was to render the example did not start it"
        time.sleep(0.1)
    out = shared / "out"
    assert rc.read_text().strip() == "0", (shared / "stdout").read_text() + (shared / "stderr").read_text()
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


def text_of(driver, element_id: str) -> str:
    """The element's text read in one script call, "" while the page is reloading: an element found first and read
    afterwards can be replaced in between, which chromedriver reports in more than one way."""
    from selenium.common.exceptions import WebDriverException

    try:
        return driver.execute_script(f"const e = document.getElementById({element_id!r}); return e ? e.innerText : '';") or ""
    except WebDriverException:
        return ""


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


OUTLINE = "国民健康保険法に基づき、被保険者の資格の取得・喪失、保険料の賦課・徴収、保険給付を行う。"


def repo_with(tmp_path: Path, example: Path, name: str) -> tuple[Path, Path]:
    repo = tmp_path / "repo"
    folder = repo / "assessments" / name
    shutil.copytree(example, folder)
    init_repo(repo)
    return repo, folder


def add_revision(path: Path, date: str, extra: str = "") -> None:
    """Append a 改訂 entry to the document (the key is written once, before 変更箇所; entries oldest first)."""
    text = path.read_text(encoding="utf-8")
    if "\n改訂:\n" not in text:
        text = text.replace("\n変更箇所:", "\n改訂:\n変更箇所:", 1) if "\n変更箇所:" in text else text + "改訂:\n"
    entry = f"  - 変更日: {date}\n    説明: 改訂\n{extra}"
    if "\n変更箇所:" in text:  # the 改訂 list ends there: the new entry goes last (oldest first, PIA402)
        text = text.replace("\n変更箇所:", "\n" + entry.rstrip("\n") + "\n変更箇所:", 1)
    else:
        text = text.replace("\n改訂:\n", "\n改訂:\n" + entry, 1)
    path.write_text(text, encoding="utf-8")


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


# (name, example, edits [(file, old, new)], rule, file the finding is in): the rules of the 基礎・重点 on their examples
# (tests/test_review_forms.py runs them; tests/test_rules.py counts them)
K, JM, JF = "kiso.yaml", "juten.yaml", "juten/kokuho.yaml"
RECIPIENT_BASIS = "        法令上の根拠: 番号法第19条第8号に基づく主務省令第2条の表の国民健康保険法による保険給付の支給に関する事務の項"
NETWORK_FLAGS = "    接続しない（入手）: false\n    接続しない（提供）: false"
REVISIONS = "変更箇所: []"  # 改訂 and 変更箇所 rows are added in front of / instead of this line


def _revision_rows(*rows: tuple[str, str]) -> str:
    return "変更箇所:\n" + "".join(f"  - 変更日: {d}\n    項目: 特記事項\n    変更前の記載: —\n    変更後の記載: —\n    提出時期: {t}\n"
                                  f"    提出時期に係る説明: —\n" for d, t in rows)


TRANSFEREE = """    移転先:
      - id: zeimu
        移転先: 〇〇市税務課
        法令上の根拠: 地方税法第1条
        移転先における用途: 国民健康保険税の賦課
        移転する情報: 被保険者の資格に関する情報
        移転する情報の対象となる本人の数: 10万人以上100万人未満
        移転する情報の対象となる本人の範囲: 「2. ③対象となる本人の範囲」と同じ
        移転方法:
          - 庁内連携システム
        時期・頻度: 随時
"""

# (name, example, edits [(file, old, new)], rule, file the finding is in)
FORM_CASES = [
    # 重点: II 特定個人情報ファイルの概要 (juten/kokuho.yaml)
    ("ju-recipient-count", JU, [(JF, "      - 提供を行っている: 1", "      - 提供を行っている: 2")], "PIA201", JF),
    ("ju-recipient-not-ticked", JU, [(JF, "      - 提供を行っている: 1", "      - 行っていない")], "PIA201", JF),
    ("ju-recipient-basis-blank", JU, [(JF, RECIPIENT_BASIS, "        法令上の根拠:")], "PIA501", JF),
    ("ju-outsourcing-count", JU, [(JF, "      件数: 1", "      件数: 2")], "PIA202", JF),
    ("ju-outsourcing-none-but-listed", JU, [(JF, "      選択: 委託する", "      選択: 委託しない")], "PIA202", JF),
    ("ju-no-outsourcing-ticked", JU, [(JF, "    委託しない: false", "    委託しない: true")], "PIA202", JF),
    ("ju-subcontract-without-item", JU, [(JF, "        再委託の有無: 再委託しない", "        再委託の有無: 再委託する")], "PIA203", JF),
    ("ju-no-individual-number", JU, [(JF, "      - 個人番号\n      - その他識別情報", "      - その他識別情報")], "PIA710", JF),
    ("ju-records-band", JU, [(JF, "    記録される項目: 10項目未満", "    記録される項目: 50項目以上100項目未満")], "PIA205", JF),
    ("ju-network-basis-19-11", JU, [(JF, RECIPIENT_BASIS, "        法令上の根拠: 番号法第19条第11号")], "PIA700", JF),
    ("ju-recipient-table2", JU, [(JF, RECIPIENT_BASIS, "        法令上の根拠: 番号法第19条第8号 別表第2の30")], "PIA701", JF),
    ("ju-basis-without-article", JU, [(JF, RECIPIENT_BASIS, "        法令上の根拠: 法令による"),
                                      (JF, "          - 情報提供ネットワークシステム\n        時期", "          - 紙\n        時期")], "PIA703", JF),
    ("ju-transfer-basis", JU, [(JF, "      - 提供を行っている: 1", "      - 提供を行っている: 1\n      - 移転を行っている: 1"),
                               (JF, "    移転先: []\n", TRANSFEREE)], "PIA704", JF),
    ("ju-not-connected-but-risks", JU, [(JF, "    接続しない（入手）: false", "    接続しない（入手）: true")], "PIA206", JF),
    ("ju-not-connected-but-network", JU, [(JF, "    接続しない（入手）: false", "    接続しない（入手）: true")], "PIA207", JF),
    ("ju-no-provision-unticked", JU, [(JF, "    提供・移転しない: true", "    提供・移転しない: false")], "PIA208", JF),
    ("ju-risk-insufficient", JU, [(JF, "      リスクへの対策は十分か: 十分である", "      リスクへの対策は十分か: 課題が残されている")], "PIA711", JF),
    ("ju-recipient-persons-over", JU, [(JF, "        提供する情報の対象となる本人の数: 10万人以上100万人未満",
                                        "        提供する情報の対象となる本人の数: 100万人以上1,000万人未満")], "PIA210", JF),
    ("ju-duplicate-id", JU, [(JF, "      件数: 1", "      件数: 2"),
                             (JF, "        再委託事項:\n", "        再委託事項:\n      - id: unyo\n        委託内容: 帳票の印刷\n"
                                                       "        委託先における取扱者数: 10人未満\n        委託先名: 株式会社〇〇印刷\n"
                                                       "        再委託の有無: 再委託しない\n        再委託事項:\n")], "PIA211", JF),
    ("ju-other-without-text", JU, [(JF, "      - 評価実施機関内の他部署: 市民課、税務課", "      - 評価実施機関内の他部署:")], "PIA106", JF),
    ("ju-formula", JU, [(JF, "    使用目的: 国民健康保険", "    使用目的: =国民健康保険")], "PIA503", JF),
    # 重点: the main document (juten.yaml)
    ("ju-persons-below-file", JU, [(JM, "    対象人数: 10万人以上30万人未満", "    対象人数: 1万人以上10万人未満")], "PIA103", JM),
    ("ju-body-name-blank", JU, [(JM, "評価実施機関名: 〇〇市長", "評価実施機関名:")], "PIA501", JM),
    ("ju-fee-without-amount", JU, [(JM, "      選択: 無料", "      選択: 有料")], "PIA209", JM),
    ("ju-audit-insufficient", JU, [(JM, "    自己点検:\n      選択: 十分に行っている", "    自己点検:\n      選択: 十分に行っていない")], "PIA711", JM),
    ("ju-education-insufficient", JU, [(JM, "  従業者に対する教育・啓発:\n    従業者に対する教育・啓発:\n      選択: 十分に行っている",
                                        "  従業者に対する教育・啓発:\n    従業者に対する教育・啓発:\n      選択: 十分に行っていない")], "PIA711", JM),
    ("ju-kiso-done-after-published", JU, [(JM, "    実施日: 令和6年4月15日", "    実施日: 令和6年7月1日")], "PIA304", JM),
    ("ju-inspection-after-published", JU, [(JM, "  第三者点検:\n    実施日:", "  第三者点検:\n    実施日: 令和6年7月1日")], "PIA304", JM),
    ("ju-consultation-after-published", JU, [(JM, "    実施日・期間:", "    実施日・期間: 令和6年5月1日から令和6年6月30日まで")], "PIA304", JM),
    ("ju-consultation-days", JU, [(JM, "    実施日・期間:", "    実施日・期間: 令和6年4月16日から令和6年5月15日まで（20日間）")], "PIA303", JM),
    ("ju-linkage-table2", JU, [(JM, "    法令上の根拠: 番号法第19条第8号及び同号に基づく主務省令", "    法令上の根拠: 番号法第19条第7号 別表第二の42の項")], "PIA701", JM),
    ("ju-linkage-not-done", JU, [(JM, "    実施の有無: 実施する", "    実施の有無: 実施しない")], "PIA705", JM),
    ("ju-linkage-basis-19-11", JU, [(JM, "    法令上の根拠: 番号法第19条第8号及び同号に基づく主務省令", "    法令上の根拠: 番号法第19条第11号")], "PIA705", JM),
    ("ju-linkage-but-never-connected", JU, [(JF, NETWORK_FLAGS, NETWORK_FLAGS.replace("false", "true"))], "PIA105", JM),
    ("ju-file-list-typo", JU, [(JM, "    - kokuho", "    - kokuh")], "PIA104", JM),
    ("ju-revision-order", JU, [(JM, REVISIONS, "改訂:\n  - 変更日: 令和7年4月1日\n  - 変更日: 令和6年10月1日\n" + REVISIONS)], "PIA402", JM),
    ("ju-reassessed-after-published", JU, [(JM, REVISIONS, "改訂:\n  - 変更日: 令和7年4月1日\n    再評価:\n      状況: 実施済み\n"
                                                            "      日付: 令和7年3月1日\n" + REVISIONS)], "PIA306", JM),
    ("ju-change-rows-mixed-timing", JU, [(JM, REVISIONS, _revision_rows(("令和5年4月1日", "事前"), ("令和5年4月1日", "事後")))], "PIA401", JM),
    ("ju-abolished-ordinance", JU, [(JM, "特記事項: 国民健康保険システム", "特記事項: 〇〇市個人情報保護条例に基づき、国民健康保険システム")], "PIA702", JM),
    ("ju-handlers-counted-after-published", JU, [(JM, "  取扱者数の計数時点: 令和6年4月1日時点", "  取扱者数の計数時点: 令和6年7月1日時点")], "PIA307", JM),
    ("ju-unreadable-date", JU, [(JM, "公表日: 令和6年6月1日", "公表日: 令和6年6月31日")], "PIA301", JM),
    # 基礎 of the 重点 事務 (kiso.yaml beside juten.yaml)
    ("ju-kiso-published-before-kiso-done", JU, [(K, "公表日: 令和6年6月1日", "公表日: 令和6年4月1日")], "PIA304", K),
    ("ju-kiso-network-flag-vs-files", JU, [(K, "    接続しない（入手）: false", "    接続しない（入手）: true")], "PIA807", K),
    ("ju-kiso-i4-vs-iv6", JU, [(K, NETWORK_FLAGS, NETWORK_FLAGS.replace("false", "true"))], "PIA105", K),
    ("ju-kiso-provision-flag-vs-files", JU, [(K, "    提供・移転しない: true", "    提供・移転しない: false")], "PIA807", K),
    ("ju-kiso-counted-after-published", JU, [(K, "    いつ時点の計数か: 令和6年4月1日時点", "    いつ時点の計数か: 令和6年8月1日時点")], "PIA307", K),
    ("ju-kiso-education-insufficient", JU, [(K, "  従業者に対する教育・啓発: 十分に行っている", "  従業者に対する教育・啓発: 十分に行っていない")], "PIA711", K),
    ("ju-kiso-audit-unticked", JU, [(K, "    実施の有無:\n      - 自己点検\n      - 内部監査\n", "    実施の有無: []\n")], "PIA501", K),
    # 基礎-only 事務 (kiso.yaml)
    ("ki-not-connected-but-answered", KI, [(K, "    接続しない（入手）: false", "    接続しない（入手）: true")], "PIA206", K),
    ("ki-iv-answer-blank", KI, [(K, "    委託先における不正な使用等のリスクへの対策は十分か: 十分である",
                                 "    委託先における不正な使用等のリスクへの対策は十分か:")], "PIA501", K),
    ("ki-body-name-blank", KI, [(K, "評価実施機関名: 〇〇市長", "評価実施機関名:")], "PIA501", K),
    ("ki-i4-vs-iv6", KI, [(K, NETWORK_FLAGS, NETWORK_FLAGS.replace("false", "true"))], "PIA105", K),
    ("ki-i4-not-done-but-connected", KI, [(K, "    実施の有無: 実施する", "    実施の有無: 実施しない")], "PIA105", K),
    ("ki-repeated-differs", KI, [(K, "    当該対策は十分か【再掲】: 十分である", "    当該対策は十分か【再掲】: 特に力を入れている")], "PIA308", K),
    ("ki-repeated-education-differs", KI, [(K, "    最も優先度が高いと考えられる対策: 権限のない者によって不正に使用されるリスクへの対策",
                                            "    最も優先度が高いと考えられる対策: 従業者に対する教育・啓発"),
                                           (K, "  従業者に対する教育・啓発: 十分に行っている", "  従業者に対する教育・啓発: 十分に行っていない")], "PIA308", K),
    ("ki-persons-counted-after-published", KI, [(K, "    いつ時点の計数か: 令和6年4月1日時点", "    いつ時点の計数か: 令和6年7月1日時点")], "PIA307", K),
    ("ki-handlers-counted-after-published", KI, [(K, "    選択: 500人未満\n    いつ時点の計数か: 令和6年4月1日時点",
                                                  "    選択: 500人未満\n    いつ時点の計数か: 令和7年4月1日時点")], "PIA307", K),
    ("ki-linkage-table2", KI, [(K, "    法令上の根拠: 番号法第19条第8号及び同号に基づく主務省令", "    法令上の根拠: 番号法第19条第7号 別表第二の16の2の項")], "PIA701", K),
    ("ki-abolished-ordinance", KI, [(K, "特記事項: なし", "特記事項: 〇〇市個人情報保護条例による")], "PIA702", K),
    ("ki-risk-insufficient", KI, [(K, "リスクへの対策は十分か: 十分である\n  人手", "リスクへの対策は十分か: 課題が残されている\n  人手")], "PIA711", K),
    ("ki-submitted-kind-blank", KI, [(K, "  提出する特定個人情報保護評価書の種類: 基礎項目評価書", "  提出する特定個人情報保護評価書の種類:")], "PIA501", K),
    ("ki-audit-unticked", KI, [(K, "    実施の有無:\n      - 自己点検\n      - 内部監査\n", "    実施の有無: []\n")], "PIA501", K),
    ("ki-unreadable-date", KI, [(K, "公表日: 令和6年6月1日", "公表日: 令和6年6月31日")], "PIA301", K),
    ("ki-revision-order", KI, [(K, REVISIONS, "改訂:\n  - 変更日: 令和7年4月1日\n  - 変更日: 令和6年10月1日\n" + REVISIONS)], "PIA402", K),
    ("ki-change-rows-mixed-timing", KI, [(K, REVISIONS, _revision_rows(("令和5年4月1日", "事前"), ("令和5年4月1日", "事後")))], "PIA401", K),
    ("ki-formula", KI, [(K, "    部署: 健康福祉部健康づくり課", "    部署: '=1+1'")], "PIA503", K),
]


def data_paths(node: Any, path: tuple = ()) -> list[tuple]:
    """Every path into plain data (keys and list positions), the root first: where a test may plant a value."""
    out = [path]
    if isinstance(node, dict):
        for k, v in node.items():
            out += data_paths(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += data_paths(v, path + (i,))
    return out
