"""Rendering: assessment -> HTML (Jinja2) -> PDF (WeasyPrint); -> XLSX (openpyxl)."""
from __future__ import annotations

from pathlib import Path

from pia import assessment as asm
from pia.check import CheckResult, check_assessment
from pia.output import write_outputs


def render_all(folder: Path, formats: list[str], out: Path, force: bool = False) -> tuple[list[Path], CheckResult]:
    from pia.render.html import render_html

    a = asm.load(folder)
    result = check_assessment(a)
    name = folder.resolve().name
    from pia.history.rows import betten3
    from pia.render.html import history_of

    derived, notes = history_of(folder)  # raises when the 別添3 would be incomplete
    rows = betten3(a, derived)
    result.findings = sorted(result.findings + notes)
    html = render_html(a, folder, rows)
    files: dict[str, bytes] = {}
    if "html" in formats:
        files[f"{name}.html"] = html.encode("utf-8")
    if "pdf" in formats:
        from pia.render.pdf import html_to_pdf

        files[f"{name}.pdf"] = html_to_pdf(html)
    if "xlsx" in formats:
        from pia.render.xlsx import render_xlsx

        files[f"{name}.xlsx"] = render_xlsx(a, rows)
    return write_outputs(out, files, force=force), result
