"""Council sheets: the two real examples render with every field of seeds 003/004; changes since approval marked."""
from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from conftest import ROOT, git, pia

SEEDS = ROOT.parent / "shared" / "seeds"


def squash(s: str) -> str:
    s = unicodedata.normalize("NFKC", re.sub(r"<[^>]+>", "", s)).replace("びったり", "ぴったり")
    return re.sub(r"[\s*#|\-]", "", s)


@pytest.mark.parametrize("name,seed", [("kosodate-2017", "003_9015e87258c1506f.txt"), ("pittari-2023", "004_5e943b0c469c4a8c.txt")])
def test_rendered_sheets_hold_every_field_value_of_the_seed(tmp_path: Path, name: str, seed: str):
    if not (SEEDS / seed).exists():
        pytest.skip("shared/seeds is not beside the checkout")
    r = pia("council", ROOT / "councils" / name, "--out", tmp_path)
    assert r.returncode == 0, r.stderr
    pdf = subprocess.run(["pdftotext", "-raw", str(tmp_path / f"{name}.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    html = (tmp_path / f"{name}.html").read_text(encoding="utf-8")
    text = squash(pdf)
    missing = []
    for line in (SEEDS / seed).read_text(encoding="utf-8").splitlines():
        if "\t" not in line:
            continue
        value = squash(line.split("\t", 1)[1])
        chunks = [value[i:i + 15] for i in range(0, len(value), 15)]
        if value and not all(c in text for c in chunks if len(c) >= 4):
            missing.append(line[:80])
    assert not missing, missing
    assert '<html lang="ja">' in html and "<strong>" not in html  # nothing marked without an approved version


def _approved(tmp_path: Path) -> Path:
    """The bundled kosodate-2017 sheet committed as the approved version (HEAD) of a fresh repository: its folder."""
    repo = tmp_path / "repo"
    folder = repo / "councils" / "k"
    shutil.copytree(ROOT / "councils" / "kosodate-2017", folder)
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "t@example.jp")
    git(repo, "config", "user.name", "t")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "approved")
    return folder


def _marks(tmp_path: Path, changes: dict[str, str]) -> tuple[list[str], str]:
    """The marked passages (and the HTML) of the sheet against its approved version, after the changes (old -> new)."""
    folder = _approved(tmp_path)
    f = folder / "council.yaml"
    text = f.read_text(encoding="utf-8")
    for a, b in changes.items():
        assert a in text, a
        text = text.replace(a, b, 1)
    f.write_text(text, encoding="utf-8")
    r = pia("council", folder, "--approved", "HEAD", "--out", tmp_path / "out", "--format", "html", cwd=folder.parent.parent)
    assert r.returncode == 0, r.stderr
    html = (tmp_path / "out" / "k.html").read_text(encoding="utf-8")
    return re.findall(r"<strong><u>(.*?)</u></strong>", html, re.S), html


def test_a_changed_number_or_date_is_marked_whole_and_japanese_text_by_character(tmp_path: Path):
    marks, _ = _marks(tmp_path, {
        "児童扶養手当 約 1,500 名": "児童扶養手当 約 1,700 名",
        "運用開始日 平成29年7月18日(予定)": "運用開始日 平成29年8月18日(予定)",
        "保育所入所に係る支給認定及び": "保育所入所に係る支給認定、一時預かり及び",
    })
    assert marks == ["平成29年8月18日", "1,700", "、一時預かり"], marks


def _noted(html: str) -> list[str]:
    """The ids of the sections (and "cover") that print the note on what the marks mean."""
    blocks = re.split(r"(?=<section[^>]*>)", html)
    ids = [re.search(r'id="([^"]+)"', b).group(1) if b.startswith("<section") else "cover" for b in blocks]
    return [i for i, b in zip(ids, blocks) if "※太字ゴシック(下線)が、" in b]


def test_the_note_on_marks_stands_in_each_part_that_holds_a_mark(tmp_path: Path):
    marks, html = _marks(tmp_path, {"児童扶養手当 約 1,500 名": "児童扶養手当 約 1,700 名",  # 事業の概要 only
                                    "担当部課: 総合政策部企画政策課": "担当部課: 総合政策部企画政策課、子ども家庭部子ども家庭課"})
    assert marks == ["、子ども家庭部子ども家庭課", "1,700"], marks
    assert _noted(html) == ["cover", "jigyo"]  # not the unchanged sheets


def test_changes_since_the_approved_revision_are_marked(tmp_path: Path):
    folder = _approved(tmp_path)
    repo = folder.parent.parent
    f = folder / "council.yaml"
    text = f.read_text(encoding="utf-8")
    assert "処理させる情報項目の記録媒体: 共同運営センターの専用サーバ" in text
    text = text.replace("処理させる情報項目の記録媒体: 共同運営センターの専用サーバ", "処理させる情報項目の記録媒体: ガバメントクラウド上の専用サーバ")
    text = text.replace("    特記事項:\n", "    特記事項:\n      - (新設) 乙は、作業場所を甲に届け出なければならない。\n", 1)
    f.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    r = pia("council", folder, "--approved", "HEAD", "--out", out, cwd=repo)
    assert r.returncode == 0, r.stderr
    html = (out / "k.html").read_text(encoding="utf-8")
    marks = re.findall(r"<strong><u>(.*?)</u></strong>", html, re.S)
    assert marks == ["ガバメントクラウド上", "(新設) 乙は、作業場所を甲に届け出なければならない。"], marks
    assert _noted(html) == ["業務委託-1"]  # the changed sheet only
    pdf = subprocess.run(["pdftotext", "-raw", str(out / "k.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    assert "ガバメントクラウド上の専用サーバ" in pdf
    fonts = subprocess.run(["pdffonts", str(out / "k.pdf")], capture_output=True, text=True, check=True).stdout
    assert "Bold" in fonts


def test_reference_to_the_assessment_is_resolved(tmp_path: Path):
    folder = tmp_path / "councils" / "x"
    folder.mkdir(parents=True)
    shutil.copytree(ROOT / "assessments" / "setagaya-juki", tmp_path / "assessments" / "setagaya-juki")
    text = (ROOT / "councils" / "kosodate-2017" / "council.yaml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^    委託先: .*$", "    委託先:\n      評価書の項目: juki/委託事項/itaku-01/委託先名", text)
    (folder / "council.yaml").write_text("評価書: ../../assessments/setagaya-juki\n" + text, encoding="utf-8")
    r = pia("council", folder, "--out", tmp_path / "out", "--format", "html")
    assert r.returncode == 0, r.stderr
    assert "富士通Japan株式会社" in (tmp_path / "out" / "x.html").read_text(encoding="utf-8")


def _sheet(tmp_path: Path, base: str, refs: dict[str, str], assessment: str = "marumaru-juten") -> Path:
    """A repository with an assessment and a council sheet whose fields refer to it (field -> reference)."""
    repo = tmp_path / "repo"
    folder = repo / "councils" / "x"
    folder.mkdir(parents=True)
    (repo / ".git").mkdir()  # the repository's root, as git marks it
    shutil.copytree(ROOT / "assessments" / assessment, repo / "assessments" / assessment)
    text = (ROOT / "councils" / "kosodate-2017" / "council.yaml").read_text(encoding="utf-8")
    for key, ref in refs.items():
        text, n = re.subn(rf"(?m)^    {key}: .*$", f"    {key}:\n      評価書の項目: {ref}", text, count=1)
        assert n == 1, key
    (folder / "council.yaml").write_text(f"評価書: {base}\n" + text, encoding="utf-8")
    return folder


def test_references_reach_the_kiso_and_juten_documents_by_item_code(tmp_path: Path):
    folder = _sheet(tmp_path, "../../assessments/marumaru-juten", {
        "委託先": "kokuho/重点-II-4-委託事項-③/unyo",  # a per-file list entry of the 重点, by its id
        "保有課": "基礎-I-1-①",  # a 基礎 item the 重点 holds (printed in both)
        "登録業務の名称": "重点-I-1-①",
        "委託の内容": "kokuho/重点-II-4-委託事項-①/1",  # the same entry by its number
    })
    r = pia("council", folder, "--out", tmp_path / "out", "--format", "html")
    assert r.returncode == 0, r.stderr
    text = re.sub(r"<[^>]+>", "", (tmp_path / "out" / "x.html").read_text(encoding="utf-8"))
    assert "株式会社〇〇情報サービス" in text and "国民健康保険システムの運用保守" in text
    assert text.count("国民健康保険に関する事務") >= 2


def test_unknown_references_are_findings_with_their_line(tmp_path: Path):
    folder = _sheet(tmp_path, "../../assessments/marumaru-juten", {
        "委託先": "kokuho/重点-II-4-委託事項-③/nai",
        "保有課": "I-1-①",  # a 全項目 item: this folder has no 全項目評価書
        "登録業務の名称": "基礎-I-99",
        "委託の内容": "重点-II-4-委託事項-③",  # per-file item without the file's ID
    })
    r = pia("council", folder, "--out", tmp_path / "out", "--format", "html")
    assert r.returncode == 1 and not (tmp_path / "out").exists()
    lines = (folder / "council.yaml").read_text(encoding="utf-8").splitlines()
    for ref, message in [("kokuho/重点-II-4-委託事項-③/nai", "一覧に「nai」の一件がありません"),
                         ("I-1-①", "全項目評価書（assessment.yaml）がありません"),
                         ("基礎-I-99", "評価書の項目「基礎-I-99」が見つかりません"),
                         ("重点-II-4-委託事項-③", "ファイルごとの項目です")]:
        line = next(i for i, ln in enumerate(lines, 1) if ln.endswith(f"評価書の項目: {ref}"))
        assert re.search(rf"council\.yaml:{line}:\d+: エラー \[PIA961\][^\n]*{re.escape(message)}", r.stderr), (ref, r.stderr)


@pytest.mark.parametrize("base", ["../../../outside/marumaru-juten", "/etc", "../../link"])
def test_the_assessment_folder_must_stay_inside_the_repository(tmp_path: Path, base: str):
    folder = _sheet(tmp_path, base, {"委託先": "基礎-I-1-①"})
    shutil.copytree(ROOT / "assessments" / "marumaru-juten", tmp_path / "outside" / "marumaru-juten")
    (tmp_path / "repo" / "link").symlink_to(tmp_path / "outside" / "marumaru-juten")  # a link leading out
    r = pia("council", folder, "--out", tmp_path / "out", "--format", "html")
    assert r.returncode == 1 and not (tmp_path / "out").exists()
    assert "[PIA960]" in r.stderr and "外を指しています" in r.stderr and "council.yaml:1:" in r.stderr


def test_a_system_is_referred_to_by_its_code_and_id(tmp_path: Path):
    folder = _sheet(tmp_path, "../../assessments/marumaru-juten", {"委託先": "I-2-システム-①/2"})
    r = pia("council", folder, "--out", tmp_path / "out", "--format", "html")
    assert r.returncode == 0, r.stderr
    assert "中間サーバー" in (tmp_path / "out" / "x.html").read_text(encoding="utf-8")


def test_the_sheet_follows_its_layout_data(tmp_path: Path):
    """The cover rows and the order of the parts come from schemas/council.layout.json, not the template."""
    import json
    import os
    import sys

    schemas = tmp_path / "schemas"
    shutil.copytree(ROOT / "schemas", schemas)
    lay = json.loads((schemas / "council.layout.json").read_text(encoding="utf-8"))
    lay["parts"] = list(reversed(lay["parts"]))
    lay["cover"] = [r for r in lay["cover"] if r["key"] != "担当部課"]
    (schemas / "council.layout.json").write_text(json.dumps(lay, ensure_ascii=False), encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "pia", "council", ROOT / "councils" / "kosodate-2017", "--format", "html",
                        "--out", tmp_path / "out"], capture_output=True, text=True, env={**os.environ, "PIA_SCHEMAS_DIR": str(schemas)})
    assert r.returncode == 0, r.stderr
    html = (tmp_path / "out" / "kosodate-2017.html").read_text(encoding="utf-8")
    assert html.index('id="業務委託-1"') < html.index('id="外部結合-1"') < html.index('id="jigyo"')
    assert '<th scope="row" class="label">担当部課</th>' not in html.split("</header>")[0]


@pytest.mark.parametrize("old,new,mark", [
    ("約１，５００名", "約１，７００名", "１，７００名"),  # full-width, with its unit
    ("約１．５万人", "約１．７万人", "１．７万人"),  # a full-width decimal point does not end the sentence
    ("約 1,500 名", "約 1,50 名", "1,50"),  # a digit taken out changes the number too
    ("IPv4 で接続", "IPv6 で接続", "IPv6"),
    ("TLS1.2 で暗号化", "TLS1.3 で暗号化", "TLS1.3"),  # a version is part of its word
    ("LGWAN端末", "LGWAN-ASP端末", "-ASP"),  # the added word, not the unchanged one before it
])
def test_numbers_and_ascii_words_are_marked_as_tokens(old: str, new: str, mark: str):
    from pia.app.council import marked

    assert re.findall(r"<strong><u>(.*?)</u></strong>", str(marked(new, old))) == [mark]


def test_a_council_sheet_that_does_not_match_its_schema_is_reported_at_its_lines(tmp_path: Path):
    # a missing or unknown key: findings at council.yaml's lines, never an internal error
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "council.yaml").write_text("件名: テスト\n未知の項目: x\n", encoding="utf-8")
    r = pia("council", folder, "--out", tmp_path / "out")
    assert r.returncode == 1 and "内部エラー" not in r.stderr, r.stderr
    assert "council.yaml:2:1: エラー [PIA013] 未知の項目: 「未知の項目」という項目は様式にありません。" in r.stderr
    assert "[PIA012] 事業の概要:" in r.stderr and not (tmp_path / "out").exists()
