"""Rendering: assessment -> HTML (Jinja2) -> PDF (WeasyPrint); -> XLSX (openpyxl). Formats: pia.render.outputs."""
from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from pia import assessment as asm
from pia.check import CheckResult, check_assessment
from pia.output import write_outputs
from pia.progress import silent
from pia.render.outputs import Job, OutputFormat, write_all

if TYPE_CHECKING:
    from pia.forms import Kind


def document_job(a: asm.Assessment, folder: Path | None, kind: Kind,
                 derived: dict[str, list[dict[str, Any]]] | None = None) -> Job:
    """The outputs of one document of the folder: its view (the 基礎 takes the main document's facts) and its
    変更箇所 (the rows its YAML records, then those derived from history for it: `history_of`, by kind name).
    `pia render`, `pia serve` and `pia import` all make a document's outputs here, so they are the same bytes."""
    from pia import forms
    from pia.history.rows import document_rows
    from pia.render.html import render_html
    from pia.render.xlsx import render_xlsx

    view = forms.render_view(a, kind)
    rows = document_rows(view, kind, derived)
    return Job(partial(render_html, view, folder, rows, kind.id), partial(render_xlsx, view, rows, kind.id, folder))


def render_all(folder: Path, formats: list[OutputFormat], out: Path, force: bool = False,
               progress: Callable[[str, str], None] = silent) -> tuple[list[Path], CheckResult]:
    from pia import forms
    from pia.render.html import history_of

    name = folder.resolve().name
    progress("読み込みと検査", name)
    a = asm.load(folder)
    result = check_assessment(a)
    files: dict[str, bytes] = {}
    progress("変更履歴（変更箇所）", name)
    derived, notes = history_of(folder)  # raises when a 変更箇所 would be incomplete
    result.findings = sorted(result.findings + notes)
    # every document of the 事務, the most detailed first (its name is the folder's; the 基礎 adds -kiso, …)
    for kind in reversed(forms.present(a)):
        job = document_job(a, folder, kind, derived)
        files.update(write_all(formats, job, forms.output_stem(name, kind, forms.main_kind(a)), progress))
    progress("書き出し", name)
    return write_outputs(out, files, force=force), result
