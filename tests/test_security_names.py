"""Names are data too: folder names reach pages, links, the CI summary, manifests and the terminal encoded for each
place; assessment folders that are links out of the repository, or whose names are not UTF-8, are refused."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest

from conftest import pia, small_example

HOSTILE = ["javascript:alert(document.domain)", "a#b", "c%20d", "e?f=1&g", "\u202eevil.exe", "line\n# heading [x](javascript:y)"]


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.links += [v for k, v in attrs if k == "href" and v is not None]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("names") / "assessments"
    base = small_example(root.parent / "base")
    for name in HOSTILE:
        shutil.copytree(base, root / name)
        a = root / name / "assessment.yaml"  # no 事務の名称 nor 評価書名: pages name them after the folder; published
        text = re.sub(r"(?m)^(    事務の名称: |評価書名: ).*$", r"\1", a.read_text(encoding="utf-8"), count=2)
        a.write_text(text.replace("\n公表日:\n", "\n公表日: 令和6年2月1日\n", 1), encoding="utf-8")
    return root


def test_site_links_are_percent_encoded_and_names_neutralised(hostile: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert pia("site", str(hostile), "--out", str(out), "--format", "html").returncode == 0
    pages = sorted(out.rglob("*.html"))
    index = (out / "index.html").read_text(encoding="utf-8")
    checked = 0
    for page in [out / "index.html", *(out / n / "index.html" for n in HOSTILE)]:
        text = page.read_text(encoding="utf-8")
        assert "\u202e" not in text, [ln for ln in text.splitlines() if "\u202e" in ln]
        p = _Links()
        p.feed(text)
        for link in p.links:
            if link.startswith("#"):
                continue
            assert not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", link), link  # no scheme: always a relative path
            assert "#" not in link and "?" not in link, link  # never a fragment or a query of a name
            target = (page.parent / unquote(link)).resolve()
            assert target.is_file(), f"{page}: broken link {link}"
            checked += 1
    assert checked >= 3 * len(HOSTILE) and len(pages) >= len(HOSTILE)
    assert "&lt;U+202E&gt;evil.exe" in index and "line&lt;U+000A&gt;# heading" in index  # the folder name, shown inert
    assert 'href="javascript%3Aalert%28document.domain%29/index.html"' in index
    assert 'href="c%2520d/index.html"' in index and 'href="a%23b/index.html"' in index


def _init(repo: Path) -> None:
    subprocess.run(["git", "init", "-q", str(repo)], check=True)


def test_assessment_folders_linked_out_of_the_repository_are_refused(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "assessments").mkdir(parents=True)
    _init(repo)
    secret = small_example(tmp_path / "outside" / "secret")
    small_example(repo / "assessments" / "ok")
    os.symlink(secret, repo / "assessments" / "linked")
    out = tmp_path / "out"
    for args in (["check", "assessments"], ["status", "assessments"], ["render", "assessments", "--format", "html", "--out", str(out)],
                 ["site", "assessments", "--format", "html", "--out", str(out)], ["render", "assessments/linked", "--format", "html", "--out", str(out)],
                 ["check", "assessments/linked"]):
        r = pia(*args, cwd=repo)
        assert r.returncode == 2 and "リポジトリの外を指すシンボリックリンク" in r.stderr and "linked" in r.stderr, args
        assert not out.exists()
    # a link inside the repository is an ordinary folder
    os.unlink(repo / "assessments" / "linked")
    os.symlink("ok", repo / "assessments" / "alias")
    assert pia("check", "assessments", cwd=repo).returncode in (0, 1)


def test_a_folder_name_that_is_not_utf8_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    root = tmp_path / "assessments"
    root.mkdir()
    name = os.fsdecode("住基".encode("shift_jis"))
    small_example(root / name)
    out = tmp_path / "out"
    for args in (["render", str(root / name), "--format", "html"], ["render", str(root), "--format", "html"],
                 ["site", str(root), "--format", "html"]):
        r = pia(*args, "--out", str(out))
        assert r.returncode == 2 and "UTF-8 ではありません" in r.stderr and "\\x8fZ\\x8a\\xee" in r.stderr, args
        assert not out.exists()


def test_ci_summary_keeps_a_hostile_folder_name_inert(tmp_path: Path) -> None:
    """A folder name with a line break and Markdown cannot add a heading, a link or a line to the job summary."""
    from conftest import EXAMPLE

    repo = tmp_path / "repo"
    name = "x\n## 承認済み [ok](javascript:alert(1)) `code`"
    folder = repo / "assessments" / name
    shutil.copytree(EXAMPLE, folder)

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args], cwd=repo, check=True, capture_output=True)
    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "base")
    f = folder / "files" / "juki.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("    時期・頻度: 随時", "    時期・頻度: 毎月", 1), encoding="utf-8")
    git("commit", "-qam", "change")
    out = tmp_path / "summary.md"
    r = pia("ci", "--base", "HEAD~1", "--head", "HEAD", "--summary", str(out), cwd=repo)
    assert r.returncode in (0, 1), r.stderr
    text = out.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert not any(ln.lstrip().startswith("## 承認済み") for ln in lines)
    hint = next(ln for ln in lines if ln.startswith("長い記載は省略しています"))
    assert not any("[ok](" in ln for ln in lines if ln != hint)  # escaped (\\[ok\\]) outside the code span: never a link
    assert any("\\[ok\\]" in ln for ln in lines if ln.startswith("## assessments/x"))
    assert "$'HEAD:assessments/x\\x0a## 承認済み [ok](javascript:alert(1)) \\x60code\\x60'" in hint
    assert hint.count("`") == 2  # one code span, on one line
