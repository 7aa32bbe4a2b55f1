"""`pia site`: the residents' site from a git repository of assessments — pages, revisions from the history, links,
accessibility in Chromium with axe-core, and incremental rebuilds."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag

import pytest
import yaml

from pia.portfolio import documents as pf
from pia.app.cli import main

from conftest import CHROMEDRIVER, CHROMIUM, EXAMPLE, ROOT, git

# where .ci/run installs axe-core (npm), or where `npm install axe-core` in the checkout puts it
AXE = next((p for p in (Path(os.environ.get("PIA_AXE", "/nonexistent")), ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js",
                        ROOT / "node_modules" / "axe-core" / "axe.min.js") if p.is_file()), ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js")


def _edit(folder: Path, edits: dict[str, object], revision: str | None = None) -> None:
    p = folder / "assessment.yaml"
    data = yaml.safe_load(p.read_text(encoding="utf-8"))
    for code, v in edits.items():
        node = data
        path = pf.path_of(code)
        for k in path[:-1]:
            node = node.setdefault(k, {})
        node[path[-1]] = v
    if revision:
        rev: dict = {}
        rev[pf.path_of("改訂-変更日", "revision")[0]] = revision
        data[pf.path_of("表紙-改訂")[0]].append(rev)
    p.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A body's repository: two 事務 (one ended), and a revision of the first committed after it was published."""
    repo = tmp_path_factory.mktemp("body")
    root = repo / "assessments"
    shutil.copytree(EXAMPLE, root / "juki")
    shutil.copytree(EXAMPLE, root / "old-jimu")
    _edit(root / "juki", {"表紙-公表日": "令和6年2月1日"})
    _edit(root / "old-jimu", {"I-1-①": "旧住民記録に関する事務", "表紙-評価書名": "旧住民記録に関する事務 全項目評価書",
                              "表紙-公表日": "令和3年4月1日", "表紙-事務終了日": "令和6年3月31日"})
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "first")
    _edit(root / "juki", {"I-7-①": "地域行政部住民記録課"}, revision="令和7年4月1日")
    git(repo, "commit", "-qam", "renamed section")
    return repo


@pytest.fixture(scope="module")
def site(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("out") / "site"
    assert main(["site", str(repo / "assessments"), "--out", str(out), "--format", "html,xlsx"]) == 0
    return out


def test_index_lists_every_assessment_with_downloads(site: Path):
    html = (site / "index.html").read_text(encoding="utf-8")
    assert '<html lang="ja">' in html
    assert 'href="juki/index.html"' in html and 'href="old-jimu/index.html"' in html
    assert 'href="juki/juki.html"' in html and 'href="juki/juki.xlsx"' in html and "juki.pdf" not in html
    assert "令和6年2月1日" in html and "旧住民記録に関する事務" in html and "【令和6年3月31日 終了】" in html
    assert (site / "juki" / "juki.xlsx").stat().st_size > 10_000
    # the title names the body as its 評価実施機関名 is written; the formats said are those built (no PDF here)
    assert "<h1>特定個人情報保護評価書（東京都世田谷区長）</h1>" in html, re.findall(r"<h1>.*?</h1>", html)
    assert "評価書は ウェブページ・Excel で読めます。" in html and "PDF" not in html


def test_revision_from_git_history_has_a_plain_japanese_page(site: Path):
    page = (site / "juki" / "index.html").read_text(encoding="utf-8")
    assert 'href="changes-2025-04-01.html"' in page and 'href="changes-2016-04-01.html"' in page
    assert page.index("changes-2025-04-01.html") < page.index("changes-2016-04-01.html")  # newest first
    changes = (site / "juki" / "changes-2025-04-01.html").read_text(encoding="utf-8")
    assert "令和7年4月1日に、評価書の 1 か所を変更しました。" in changes
    assert "重要な変更に当たらない修正のため" in changes  # 部署 carries no ※: 事後
    assert "住民記録・戸籍課" in changes and "地域行政部住民記録課" in changes
    assert f'<th scope="col">{pf.title_of("別添3-変更前の記載", "legacy-row")}</th>' in changes
    # legacy 別添3 rows of the example keep their own pages
    assert "1-1-②事務の内容" in (site / "juki" / "changes-2016-04-01.html").read_text(encoding="utf-8")


def test_every_published_edition_can_be_downloaded(site: Path):
    """The edition published on 令和6年2月1日 (before the 令和7年4月1日 revision) is rendered from its commit."""
    page = (site / "juki" / "index.html").read_text(encoding="utf-8")
    old = site / "juki" / "versions"
    # its 基礎項目評価書 (kiso.yaml) has no 公表日: never on the site, in no edition
    assert sorted(p.name for p in old.iterdir() if not p.name.startswith(".")) == ["juki-2024-02-01.html", "juki-2024-02-01.xlsx"]
    assert 'href="versions/juki-2024-02-01.html"' in page and 'href="versions/juki-2024-02-01.xlsx"' in page
    assert "令和6年2月1日の版" in page
    # the old edition prints what was published then: the old 部署 and no 令和7年4月1日 row in its 別添3
    then = (old / "juki-2024-02-01.html").read_text(encoding="utf-8")
    now = (site / "juki" / "juki.html").read_text(encoding="utf-8")
    assert "地域行政部住民記録課" not in then and "地域行政部住民記録課" in now
    assert "令和7年4月1日" not in then and "令和7年4月1日" in now
    # each edition row links the page of the changes it brought
    row = page[page.index("令和6年2月1日の版"):].split("</tr>")[0]
    assert 'href="changes-2024-01-04.html"' in row
    current = page[page.index("現在の版"):].split("</tr>")[0]
    assert 'href="changes-2025-04-01.html"' in current and 'href="juki.html"' in current
    assert "versions/" not in (site / "old-jimu" / "index.html").read_text(encoding="utf-8")  # one commit: no older edition


@pytest.fixture(scope="module")
def family_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folders with a 基礎項目評価書 beside the main document: one with its own 評価書名 (marumaru-juten), one
    without (setagaya-juki, both documents published here)."""
    repo = tmp_path_factory.mktemp("family")
    root = repo / "assessments"
    shutil.copytree(ROOT / "assessments" / "marumaru-juten", root / "marumaru-juten")
    shutil.copytree(EXAMPLE, root / "juki")
    _edit(root / "juki", {"表紙-公表日": "令和6年2月1日"})
    kiso = root / "juki" / "kiso.yaml"
    text = kiso.read_text(encoding="utf-8")
    assert re.search(r"^評価書名:  #", text, re.M) and "\n公表日:\n" in text  # the example's 基礎 has no title
    kiso.write_text(text.replace("\n公表日:\n", "\n公表日: 令和6年2月1日\n"), encoding="utf-8")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "first")
    out = tmp_path_factory.mktemp("out") / "site"
    assert main(["site", str(root), "--out", str(out), "--format", "html,xlsx"]) == 0
    return out


def _title(p: Path) -> str:
    return re.search(r"<title>(.*?)</title>", p.read_text(encoding="utf-8")).group(1)


def test_each_download_is_titled_with_its_own_document(family_site: Path):
    """The 基礎 beside a 重点 or 全項目 is its own document: its links carry its title as pia render titles it
    (its 評価書名, else the 事務 and the form), and the page is the 事務's, not the main document's."""
    for name, main_title, kiso_title in [("marumaru-juten", "国民健康保険に関する事務 重点項目評価書", "国民健康保険に関する事務 基礎項目評価書"),
                                          ("juki", "住民基本台帳に関する事務 全項目評価書", "住民基本台帳に関する事務 基礎項目評価書")]:
        page = (family_site / name / "index.html").read_text(encoding="utf-8")
        read = page[page.index("<h2>評価書を読む</h2>"):].split("</ul>")[0]
        links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', read)
        assert [h for h, _ in links] == [f"{name}.html", f"{name}.xlsx", f"{name}-kiso.html", f"{name}-kiso.xlsx"], links
        for href, text in links:  # the title the document itself carries (pia render's <title>)
            assert text.startswith(_title(family_site / name / href.replace(".xlsx", ".html")) + "（"), (href, text)
        assert _title(family_site / name / f"{name}.html") == main_title
        assert _title(family_site / name / f"{name}-kiso.html") == kiso_title
        assert len({t for _, t in links}) == len(links)  # every link says which file it is
        # the heading names the 事務 whose documents the page holds, not one of them
        jimu = re.search(r'<li aria-current="page">(.*?)</li>', page).group(1)
        assert re.findall(r"<h1>(.*?)</h1>", page) == [f"{jimu}の評価書"] and _title(family_site / name / "index.html") == f"{jimu}の評価書"
        assert main_title not in re.search(r"<h1>.*?</h1>", page).group(0)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        for key in ("href", "src"):
            if a.get(key) and tag in ("a", "link", "img", "script"):
                self.links.append(a[key])


def _parse(p: Path) -> _Links:
    parser = _Links()
    parser.feed(p.read_text(encoding="utf-8"))
    return parser


def test_every_link_resolves(site: Path):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 10
    checked = 0
    for page in pages:
        for link in _parse(page).links:
            assert not link.startswith(("http:", "https:", "//", "/", "file:")), f"{page}: external or absolute {link}"
            target, frag = urldefrag(link)
            path = (page.parent / unquote(target)).resolve() if target else page
            assert path.is_file(), f"{page.relative_to(site)}: broken link {link}"
            if frag and path.suffix == ".html":
                assert frag in _parse(path).ids, f"{page.relative_to(site)}: no #{frag} in {target}"
            checked += 1
    assert checked > 30


def test_rebuild_only_what_changed(repo: Path, tmp_path: Path, capsys):
    out = tmp_path / "site"
    args = ["site", str(repo / "assessments"), "--out", str(out), "--format", "html"]
    assert main(args) == 0
    assert "2 件のうち 2 件を出力" in capsys.readouterr().out
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    assert main(args) == 0
    assert "2 件のうち 0 件を出力し、ページを 0 件書き出しました" in capsys.readouterr().out
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before
    work = tmp_path / "copy"
    shutil.copytree(repo / "assessments", work)  # outside git: the folder's content alone decides
    args = ["site", str(work), "--out", str(tmp_path / "site2"), "--format", "html"]
    assert main(args) == 0
    capsys.readouterr()
    _edit(work / "old-jimu", {"I-7-①": "別の課"})
    assert main(args) == 0
    assert "2 件のうち 1 件を出力" in capsys.readouterr().out
    assert "別の課" in (tmp_path / "site2" / "old-jimu" / "old-jimu.html").read_text(encoding="utf-8")
    (tmp_path / "site2" / "juki" / "juki.html").unlink()  # a missing output is rebuilt too
    assert main(args) == 0
    assert "2 件のうち 1 件を出力" in capsys.readouterr().out


def test_a_page_edited_in_the_site_folder_is_named_not_replaced(repo: Path, tmp_path: Path, capsys):
    work, out = tmp_path / "copy", tmp_path / "site"
    shutil.copytree(repo / "assessments", work)
    args = ["site", str(work), "--out", str(out), "--format", "html"]
    assert main(args) == 0
    index = out / "index.html"
    index.write_text(index.read_text(encoding="utf-8").replace("</body>", "<p>手で足した案内</p></body>"), encoding="utf-8")
    edited = index.read_bytes()
    _edit(work / "old-jimu", {"I-7-①": "別の課"})
    capsys.readouterr()
    assert main(args) == 2
    err = capsys.readouterr().err
    assert str(index) in err and "変更されている" in err and "--force" not in err  # pia site has no --force
    assert index.read_bytes() == edited
    assert main(args) == 2  # the build was not recorded as done: no stale pages behind a 「0 件を出力」
    index.unlink()
    assert main(args) == 0 and index.is_file()


def test_old_editions_are_rendered_once(repo: Path, tmp_path: Path, capsys):
    """A new revision makes the previous current version an edition; editions rendered before are not redone."""
    work = tmp_path / "body"
    shutil.copytree(repo, work)
    out = tmp_path / "site"
    args = ["site", str(work / "assessments"), "--out", str(out), "--format", "html"]
    assert main(args) == 0
    first = out / "juki" / "versions" / "juki-2024-02-01.html"
    stamp = first.stat().st_mtime_ns
    _edit(work / "assessments" / "juki", {"I-7-②": "住民記録課長"}, revision="令和8年1月5日")
    git(work, "commit", "-qam", "another revision")
    assert main(args) == 0
    assert "2 件のうち 1 件を出力" in capsys.readouterr().out
    assert first.stat().st_mtime_ns == stamp  # the same commit, pia and options: kept
    second = (out / "juki" / "versions" / "juki-2025-04-01.html").read_text(encoding="utf-8")
    assert "地域行政部住民記録課" in second and "住民記録課長" not in second
    page = (out / "juki" / "index.html").read_text(encoding="utf-8")
    assert page.index("令和7年4月1日の版") < page.index("令和6年2月1日の版")  # newest first
    first.unlink()  # a missing edition is rendered again
    assert main(args) == 0
    assert "2 件のうち 1 件を出力" in capsys.readouterr().out and first.is_file()


def test_rerun_with_nothing_changed_loads_no_renderer(repo: Path, site: Path):
    """The no-change path hashes and compares only: no WeasyPrint, openpyxl or jsonschema to import (issue 18: < 2 s
    for 40 assessments; bench/portfolio measures it)."""
    import sys

    code = ("import sys; from pia.app.cli import main; main(sys.argv[1:]); "
            "print(sorted(m for m in ('weasyprint', 'openpyxl', 'jsonschema', 'jinja2') if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code, "site", str(repo / "assessments"), "--out", str(site), "--format", "html,xlsx"],
                       capture_output=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT / "src")}, check=True)
    out = r.stdout.decode()
    assert "2 件のうち 0 件を出力し、ページを 0 件書き出しました" in out and out.strip().endswith("[]"), out


def test_site_refuses_to_write_into_assessments(repo: Path, capsys):
    assert main(["site", str(repo / "assessments"), "--out", str(repo / "assessments" / "juki" / "site")]) == 2


@pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="Debian chromium and chromium-driver are not installed")
@pytest.mark.skipif(not AXE.is_file(), reason="axe-core is not installed (npm install axe-core; .ci/run does)")
def test_axe_core_finds_no_serious_or_critical_violation(site: Path, family_site: Path):
    from conftest import chrome

    driver = chrome()
    driver.set_script_timeout(60)
    axe = AXE.read_text(encoding="utf-8")
    pages = [site / "index.html", site / "juki" / "index.html", site / "old-jimu" / "index.html",
             site / "juki" / "changes-2025-04-01.html", site / "juki" / "changes-2024-01-04.html",
             family_site / "marumaru-juten" / "index.html"]
    bad: dict[str, list[str]] = {}
    ran = 0
    try:
        for page in pages:
            driver.get(page.as_uri())
            driver.execute_script(axe)
            result = driver.execute_async_script(
                "const done = arguments[arguments.length - 1];"
                "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
                ".then(r => done({violations: r.violations.map(v => ({id: v.id, impact: v.impact, n: v.nodes.length})),"
                " passes: r.passes.map(p => p.id)}));")
            ran += 1
            assert {"html-has-lang", "color-contrast", "th-has-data-cells"} & set(result["passes"])  # axe really ran
            serious = [f"{v['id']}({v['n']})" for v in result["violations"] if v["impact"] in ("serious", "critical")]
            if serious:
                bad[str(page.relative_to(site))] = serious
    finally:
        driver.quit()
    assert ran == len(pages) and not bad, bad


def test_render_of_a_folder_of_assessments_is_incremental(repo: Path, tmp_path: Path, capsys):
    args = ["render", str(repo / "assessments"), "--out", str(tmp_path / "out"), "--format", "html"]
    assert main(args) == 0
    assert "2 件のうち 2 件を出力" in capsys.readouterr().out
    html = (tmp_path / "out" / "juki" / "juki.html").read_text(encoding="utf-8")
    assert "地域行政部住民記録課" in html and (tmp_path / "out" / "old-jimu" / "old-jimu.html").is_file()
    assert main(args) == 0
    assert "2 件のうち 0 件を出力" in capsys.readouterr().out
    assert main([*args[:-1], "html,xlsx"]) == 0  # other formats are other outputs
    assert "2 件のうち 2 件を出力" in capsys.readouterr().out and (tmp_path / "out" / "juki" / "juki.xlsx").is_file()


def test_a_revision_waiting_for_its_reassessment_is_no_published_edition(tmp_path: Path):
    # a 事前 revision recorded with 再評価 予定 was never published: it neither makes an edition nor stands for the
    # one before it; once re-assessed (実施済み) and published it does
    import shutil

    from conftest import add_revision
    from pia.document import assessment as asm
    from pia.portfolio.site.editions import fact

    folder = tmp_path / "kokuho"
    shutil.copytree(ROOT / "assessments" / "marumaru-juten", folder)
    assert fact(asm.load(folder)) is not None
    add_revision(folder / "juten.yaml", "令和8年2月1日", "    再評価:\n      状況: 予定\n      日付: 令和8年1月15日\n")
    assert fact(asm.load(folder)) is None
    p = folder / "juten.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace("      状況: 予定", "      状況: 実施済み"), encoding="utf-8")
    assert fact(asm.load(folder)) is not None
