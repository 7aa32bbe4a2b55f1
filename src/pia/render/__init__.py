"""Rendering: assessment -> HTML (Jinja2) -> PDF (WeasyPrint); -> XLSX (openpyxl)."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from pia import assessment as asm
from pia.check import CheckResult, check_assessment
from pia.output import write_outputs
from pia.progress import silent


def render_all(folder: Path, formats: list[str], out: Path, force: bool = False,
               progress: Callable[[str, str], None] = silent) -> tuple[list[Path], CheckResult]:
    from pia.render.html import render_html

    name = folder.resolve().name
    progress("読み込みと検査", name)
    a = asm.load(folder)
    result = check_assessment(a)
    from pia.render.html import betten3_rows

    progress("変更履歴（別添3）", name)
    rows = betten3_rows(a, folder)
    progress("HTML", name)
    html = render_html(a, folder, rows)
    files: dict[str, bytes] = {}
    if "html" in formats:
        files[f"{name}.html"] = html.encode("utf-8")
    if "pdf" in formats:
        from pia.render.pdf import html_to_pdf

        progress("PDF（1分ほどかかります）", name)
        files[f"{name}.pdf"] = html_to_pdf(html)
    if "xlsx" in formats:
        from pia.render.xlsx import render_xlsx

        progress("Excel", name)
        files[f"{name}.xlsx"] = render_xlsx(a, rows)
    progress("書き出し", name)
    return write_outputs(out, files, force=force), result
