"""別添1 figures: embedded in HTML, PDF and Excel from the assessment folder; anything else is a located finding."""
from __future__ import annotations

import io
import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image

from conftest import small_example
from pia.document import assessment as asm
from pia.analysis.check import check_assessment
from pia.document import page
from pia.output.html import render_html
from pia.output.xlsx import render_xlsx

SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><rect width="200" height="100" fill="#36c"/></svg>\n'


def _png(fmt: str = "PNG", size: tuple[int, int] = (120, 60)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, fmt)
    return buf.getvalue()


def _set_figures(folder: Path, figures: list[tuple[str, str]]) -> None:
    """Give the first 別添1 entries a 図 and 図の説明 (written as YAML text, as staff would)."""
    a = folder / "assessment.yaml"
    text = a.read_text(encoding="utf-8")
    starts = [m.start() for m in re.finditer(r"^    - 表題: ", text, re.M)]
    for (rel, alt), at in reversed(list(zip(figures, starts))):
        line_end = text.index("\n", at) + 1
        text = text[:line_end] + f"      図: {json.dumps(rel, ensure_ascii=False)}\n      図の説明: {alt}\n" + text[line_end:]
    a.write_text(text, encoding="utf-8")


def _add_figures(folder: Path) -> Path:
    (folder / "figures").mkdir()
    (folder / "figures" / "flow.png").write_bytes(_png())
    (folder / "figures" / "photo.jpg").write_bytes(_png("JPEG"))
    (folder / "figures" / "chart.svg").write_bytes(SVG)
    _set_figures(folder, [("figures/flow.png", "届出から住民記録システムへの流れ"), ("figures/photo.jpg", "窓口の配置"),
                          ("figures/chart.svg", "住基ネットとの接続")])
    return folder


@pytest.fixture
def with_figures(example: Path) -> Path:
    return _add_figures(example)


def test_figures_embed_in_html_pdf_and_excel(with_figures: Path, tmp_path: Path) -> None:
    a = asm.load(with_figures)
    assert [f.rule_id for f in check_assessment(a).findings if f.suppressed is None] == []
    html = render_html(page.of(a, folder=with_figures, rows=[]))
    for mime, alt in (("image/png", "届出から住民記録システムへの流れ"), ("image/jpeg", "窓口の配置"), ("image/svg+xml", "住基ネットとの接続")):
        assert re.search(rf'<img class="figure" src="data:{re.escape(mime)};base64,[A-Za-z0-9+/=]+" alt="{alt}">', html), mime
    from pia.output.pdf import html_to_pdf

    # the PDF of a small assessment with the same 別添1 figures: embedding does not depend on the rest of the document
    small = _add_figures(small_example(tmp_path / "small"))
    pdf = tmp_path / "f.pdf"
    pdf.write_bytes(html_to_pdf(render_html(page.of(asm.load(small), folder=small, rows=[]))))
    listed = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert len([ln for ln in listed.splitlines()[2:] if ln.strip()]) >= 2  # PNG and JPEG (SVG is drawn as vectors)
    wb = load_workbook(io.BytesIO(render_xlsx(page.of(a, folder=with_figures, rows=[]))))
    assert len(wb["別添1"]._images) == 3


@pytest.mark.parametrize("case", ["missing", "not-an-image", "too-big", "dotdot", "absolute", "link-out"])
def test_unusable_figures_are_findings_and_never_read(example: Path, tmp_path: Path, case: str) -> None:
    outside = tmp_path / "secret.png"
    outside.write_bytes(_png())
    (example / "figures").mkdir()
    rel = {"missing": "figures/none.png", "not-an-image": "figures/fake.png", "too-big": "figures/big.png",
           "dotdot": "../../secret.png", "absolute": str(outside), "link-out": "figures/link.png"}[case]
    (example / "figures" / "fake.png").write_text("<html>not an image</html>", encoding="utf-8")
    with open(example / "figures" / "big.png", "wb") as fh:
        fh.write(_png())
        fh.truncate(5_000_001)
    os.symlink(outside, example / "figures" / "link.png")
    _set_figures(example, [(rel, "説明")])
    a = asm.load(example)
    hits = [f for f in check_assessment(a).findings if f.rule_id == "PIA107"]
    assert len(hits) == 1 and hits[0].line > 80 and "図" in hits[0].message
    html = render_html(page.of(a, folder=example, rows=[]))
    assert "data:image" not in html and "図を掲載できません" in html


# ---- bounded cost: SVG bombs and the total of one document's figures, refused at check before anything renders ----

def _use_bomb(levels: int = 8) -> bytes:
    """About 2 KB: each level draws the previous ten times, 10^levels rectangles once expanded."""
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="100" height="100">'
             '<defs><rect id="l0" width="1" height="1"/>']
    parts += [f'<g id="l{i}">' + f'<use xlink:href="#l{i - 1}"/>' * 10 + "</g>" for i in range(1, levels + 1)]
    return ("".join(parts) + f'</defs><use xlink:href="#l{levels}"/></svg>').encode()


CORPUS = Path(__file__).parent / "data" / "pathological" / "figures"
# what the finding says for each SVG of the corpus (tests/data/pathological/figures)
SVG_BOMBS = {
    "use-bomb.svg": "50,000 個を超えます",  # _use_bomb(): 2 KB, 10^8 rectangles
    "use-cycle.svg": "循環",
    "marker-bomb.svg": "50,000 個を超えます",  # 11 KB: a 100-element marker on each of 1,000 vertices
    "deep-nesting.svg": "入れ子が深すぎます",
    "external-image.svg": "参照しています",
    "nested-svg-image.svg": "参照しています",
    "css-import.svg": "@import",
    "entity-expansion.svg": "いずれでもありません",  # a DOCTYPE with entities is not taken for an SVG at all
}


def _add_entries(folder: Path, figures: list[str]) -> None:
    """New 別添1 entries, one per figure, before the existing ones (so they are printed first)."""
    a = folder / "assessment.yaml"
    text = a.read_text(encoding="utf-8")
    head = "別添1:\n  事務の内容:\n"
    assert head in text
    entries = "".join(f"    - 表題: 図{i}\n      備考: 流れ{i}\n      図: {rel}\n      図の説明: 図{i}の説明\n" for i, rel in enumerate(figures, 1))
    a.write_text(text.replace(head, head + entries, 1), encoding="utf-8")


def test_the_corpus_holds_every_svg_bomb() -> None:
    assert sorted(p.name for p in CORPUS.glob("*.svg")) == sorted(SVG_BOMBS)
    assert (CORPUS / "use-bomb.svg").read_bytes() == _use_bomb()


@pytest.mark.parametrize("case", [*sorted(SVG_BOMBS), "many-elements"])
def test_svg_bombs_are_refused_at_check_and_never_drawn(example: Path, case: str) -> None:
    if case == "many-elements":  # 600 KB, made here rather than kept
        data, why = b'<svg xmlns="http://www.w3.org/2000/svg">' + b'<rect width="1" height="1"/>' * 20_001 + b"</svg>", "要素が多すぎます"
    else:
        data, why = (CORPUS / case).read_bytes(), SVG_BOMBS[case]
    (example / "figures").mkdir()
    (example / "figures" / "f.svg").write_bytes(data)
    _set_figures(example, [("figures/f.svg", "説明")])
    a = asm.load(example)
    hits = [f for f in check_assessment(a).findings if f.rule_id == "PIA107"]
    assert len(hits) == 1 and why in hits[0].message and "図「figures/f.svg」" in hits[0].message
    html = render_html(page.of(a, folder=example, rows=[]))
    assert "data:image/svg" not in html and "図を掲載できません" in html


def test_the_svg_parser_refuses_entities_and_allows_character_references() -> None:
    from pia.document import svg

    with pytest.raises(svg.SvgError, match="実体宣言"):
        svg.measure((CORPUS / "entity-expansion.svg").read_bytes())
    m = svg.measure(b'<svg xmlns="http://www.w3.org/2000/svg"><text>&#60;&lt;</text><rect id="r"/><use href="#r"/>'
                    b'<use href="#r"/><rect fill="url(#r)"/></svg>')
    assert (m.elements, m.depth, m.drawn) == (6, 2, 6 + 3)


def test_figures_of_one_document_are_bounded_in_total(example: Path) -> None:
    from pia.document import figures

    (example / "figures").mkdir()
    big = example / "figures" / "big.png"
    with open(big, "wb") as fh:  # a valid PNG padded to 4.9 MB: Pillow reads the header, the bytes count
        fh.write(_png())
        fh.truncate(4_900_000)
    (example / "figures" / "small.png").write_bytes(_png())
    # the same big figure cited four times (each citation is embedded), then 30 small ones
    _add_entries(example, ["figures/big.png"] * 4 + ["figures/small.png"] * 30)
    a = asm.load(example)
    hits = [f for f in check_assessment(a).findings if f.rule_id == "PIA107"]
    over_bytes = [f for f in hits if "15,000,000 バイト" in f.message]
    over_count = [f for f in hits if f"{figures.MAX_COUNT} 個まで" in f.message]
    assert len(over_bytes) == 1 and len(over_count) == 4 + 30 - 1 - figures.MAX_COUNT
    assert all("上限を超えます" in f.message for f in hits) and len(hits) == len(over_bytes) + len(over_count)
    html = render_html(page.of(a, folder=example, rows=[]))
    assert html.count('<img class="figure"') == figures.MAX_COUNT  # the render stops where the check does
    assert len(html) < figures.MAX_TOTAL_BYTES * 4 / 3 + 2_000_000


def test_docs_state_the_limits_the_code_applies() -> None:
    from conftest import ROOT
    from pia.document import figures, svg
    from pia.portfolio import build

    doc = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    table = doc.split("### 図の上限", 1)[1].split("\n## ", 1)[0]
    for cell in (f"| {svg.MAX_ELEMENTS:,} 個 |", f"| {svg.MAX_DEPTH} 段 |", f"| {svg.MAX_DRAWN:,} 個 |", f"| {figures.MAX_COUNT} 個 |",
                 f"| {figures.MAX_TOTAL_BYTES // 1_000_000} MB |", f"| {figures.MAX_TOTAL_PIXELS // 100_000_000} 億画素 |",
                 f"| {figures.MAX_TOTAL_DRAWN:,} 個（", f"| {figures.MAX_BYTES // 1_000_000} MB、{figures.MAX_PIXELS // 10_000:,} 万画素 |"):
        assert cell in table, cell
    assert f"一つのファイルは {build.HASH_LIMIT // 1_000_000} MB まで" in doc
    assert f"合わせて {build.HASH_BUDGET // 1_000_000} MB" in doc
