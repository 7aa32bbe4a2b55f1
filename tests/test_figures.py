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
