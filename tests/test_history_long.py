"""A long history: read in bounded memory, stored between runs, extended by the commits since (git fast-import makes
the repositories in a fraction of a second)."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import EXAMPLE, pia

KISO_NOTE = re.compile(r"^特記事項:.*$", re.MULTILINE)


def fast_import(repo: Path, folder: Path, commits: int, revise_every: int = 0) -> str:
    """A repository whose assessments/<folder name> has `commits` commits: the folder as it is, then each commit
    changes kiso.yaml's 特記事項; every revise_every commits the main document gets a new 改訂 entry."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*.yaml"))}
    main = next(m for m in ("assessment.yaml", "juten.yaml", "kiso.yaml") if m in files)
    kiso, head = files["kiso.yaml"].decode(), files[main].decode()
    out, revisions = [], ""
    for i in range(commits):
        changed = dict(files) if i == 0 else {}
        revised = bool(revise_every and i and i % revise_every == 0)
        if revised:
            revisions += f"  - 変更日: 令和7年{i // revise_every}月1日\n    説明: 改訂{i}\n"
        text = head.replace("\n改訂:\n", "\n改訂:\n" + revisions, 1) if "\n改訂:\n" in head else \
            head + ("改訂:\n" + revisions if revisions else "")
        if revised and main != "kiso.yaml":
            changed[main] = text.encode()
        changed["kiso.yaml"] = KISO_NOTE.sub(f"特記事項: 第{i}版の記載。", text if main == "kiso.yaml" else kiso, count=1).encode()
        out.append(f"commit refs/heads/main\ncommitter t <t@example.jp> {1700000000 + i} +0900\ndata 2\nc{i % 10}\n".encode())
        for path, data in changed.items():
            out.append(f"M 100644 inline assessments/{folder.name}/{path}\ndata {len(data)}\n".encode() + data + b"\n")
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=b"".join(out), check=True)
    subprocess.run(["git", "checkout", "-q", "main"], cwd=repo, check=True)
    return f"assessments/{folder.name}"


# pia in a process of its own, reporting its own peak (VmHWM): ru_maxrss of a child also counts the forked copy of
# the test process it was started from, which grows with the tests run before
_MEASURED = """
import sys
from pia.app.cli import main
code = main(sys.argv[1:])
peak = next(ln for ln in open("/proc/self/status") if ln.startswith("VmHWM:")).split()[1]
print("VmHWM", int(peak) // 1024, file=sys.stderr)
sys.exit(code)
"""


def history_rss(repo: Path, folder: str, tmp_path: Path) -> tuple[list[dict], int]:
    """`pia history --format json` as a new process: its rows and its peak memory (MB)."""
    out, err = tmp_path / "out.json", tmp_path / "err.txt"
    with out.open("wb") as o, err.open("wb") as e:
        p = subprocess.Popen([sys.executable, "-c", _MEASURED, "history", folder, "--format", "json"], cwd=repo, stdout=o, stderr=e)
        _, status, _ = os.wait4(p.pid, 0)
    log = err.read_text(encoding="utf-8")
    assert os.waitstatus_to_exitcode(status) == 0, log
    return json.loads(out.read_text(encoding="utf-8")), int(log.rsplit("VmHWM", 1)[1].split()[0])


def test_a_long_history_of_the_largest_example_is_read_in_bounded_memory(tmp_path: Path):
    # 1,000 commits of the Setagaya folder (2 MB parsed per version): kept whole, they would take about 2 GB
    repo = tmp_path / "repo"
    folder = fast_import(repo, EXAMPLE, 1000, revise_every=250)
    rows, rss = history_rss(repo, folder, tmp_path)
    # three revisions after the first: each changes kiso.yaml's 特記事項, which the 基礎 prints
    kiso = [r for r in rows if r["評価書"] == "基礎項目評価書"]
    assert [(r["変更日"], r["変更後の記載"]) for r in kiso] == [
        ("令和7年1月1日", "第499版の記載。"), ("令和7年2月1日", "第749版の記載。"), ("令和7年3月1日", "第999版の記載。")]
    assert rss < 250, f"{rss} MB"
    print(f"peak RSS {rss} MB")


def test_the_stored_history_is_extended_and_gives_what_a_full_read_gives(tmp_path: Path):
    repo = tmp_path / "repo"
    folder = fast_import(repo, EXAMPLE.parent / "marumaru-kiso", 120, revise_every=40)
    first = pia("history", folder, "--format", "json", cwd=repo)
    assert first.returncode == 0, first.stderr
    stored = list((repo / ".git" / "pia" / "history").glob("*.json"))
    assert len(stored) == 1 and json.loads(stored[0].read_text(encoding="utf-8"))["newest"]
    # a new revision committed: the stored history is extended by the one commit
    kiso = repo / folder / "kiso.yaml"
    kiso.write_text(KISO_NOTE.sub("特記事項: 追加の記載。", kiso.read_text(encoding="utf-8"), count=1)
                    .replace("改訂:\n", "改訂:\n  - 変更日: 令和8年1月1日\n    説明: 追加\n", 1), encoding="utf-8")
    subprocess.run(["git", "commit", "-qam", "more"], cwd=repo, check=True)
    extended = pia("history", folder, "--format", "json", cwd=repo)
    assert json.loads(extended.stdout)[-1]["変更後の記載"] == "追加の記載。"
    assert len(json.loads(stored[0].read_text(encoding="utf-8"))["stamps"]) == 121
    # the same as a history read from scratch, in another process (no stored history, nothing kept in memory)
    shutil.rmtree(repo / ".git" / "pia")
    full = subprocess.run([sys.executable, "-m", "pia", "history", folder, "--format", "json"], cwd=repo,
                          capture_output=True, text=True, check=False)
    assert json.loads(full.stdout) == json.loads(extended.stdout) and len(json.loads(full.stdout)) == 3
    # a damaged stored history is ignored, never trusted
    stored[0].write_text('{"newest": "x", "stamps": [1]}', encoding="utf-8")
    again = subprocess.run([sys.executable, "-m", "pia", "history", folder, "--format", "json"], cwd=repo,
                           capture_output=True, text=True, check=False)
    assert again.returncode == 0 and json.loads(again.stdout) == json.loads(full.stdout), again.stderr


def test_a_first_read_shared_among_processes_gives_what_one_process_gives(tmp_path: Path, monkeypatch):
    import threading

    from pia.history import versions

    repo = tmp_path / "repo"
    folder = fast_import(repo, EXAMPLE.parent / "marumaru-kiso", 90, revise_every=30)
    with versions.Objects(repo) as objs:
        commits = versions._commits(repo, objs, folder)
    monkeypatch.setattr(versions, "PARALLEL_FROM", 20)  # parts of 10 commits or more: here 2 or more parts
    assert len(os.sched_getaffinity(0)) >= 2 and threading.active_count() == 1  # so the parts run in processes
    shared = versions._stamps(repo, commits, None, {})
    monkeypatch.setenv(versions.WORKERS, "1")
    alone = versions._stamps(repo, commits, None, {})
    assert shared == alone and len(alone[0]) == 90 and len({s.keys["basic"] for s in alone[0]}) == 3


def test_each_new_working_version_reuses_the_history_read_before(tmp_path: Path, monkeypatch):
    # pia serve re-renders on every save, pia import on every workbook: the committed history is read once
    from pia.history import versions

    repo = tmp_path / "repo"
    folder = repo / fast_import(repo, EXAMPLE.parent / "marumaru-kiso", 30, revise_every=10)
    read: list[int] = []
    part = versions._stamp_part
    monkeypatch.setattr(versions, "_stamp_part", lambda top, commits, *rest: read.append(len(commits)) or part(top, commits, *rest))
    assert versions.derived_rows(folder)[0]["basic"][-1]["変更後の記載"] == "第29版の記載。"
    kiso = folder / "kiso.yaml"
    for text in ("保存1。", "保存2。"):  # two saves in the working tree
        kiso.write_text(KISO_NOTE.sub(f"特記事項: {text}", kiso.read_text(encoding="utf-8"), count=1), encoding="utf-8")
        assert versions.derived_rows(folder)[0]["basic"][-1]["変更後の記載"] == text
    assert read == [30]
    versions._SUMMARIES.clear()  # another process: the history stored in the git directory
    assert versions.derived_rows(folder)[0]["basic"][-1]["変更後の記載"] == "保存2。" and read == [30]
