"""Rendering: assessment -> HTML (Jinja2) -> PDF (WeasyPrint); -> XLSX (openpyxl). Formats: pia.render.outputs."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from pia import assessment as asm
from pia.check import CheckResult, check_assessment
from pia.output import write_outputs
from pia.progress import silent
from pia.render.outputs import Job, OutputFormat, write_all


def render_all(folder: Path, formats: list[OutputFormat], out: Path, force: bool = False,
               progress: Callable[[str, str], None] = silent) -> tuple[list[Path], CheckResult]:
    from contextlib import nullcontext

    from pia.render import pdfparts

    # the processes that lay out PDFs start now and import WeasyPrint while the assessment is read and checked
    with pdfparts.processes() if any(f.name == "pdf" for f in formats) else nullcontext():
        return _render_all(folder, formats, out, force, progress)


def _render_all(folder: Path, formats: list[OutputFormat], out: Path, force: bool,
                progress: Callable[[str, str], None]) -> tuple[list[Path], CheckResult]:
    from functools import partial

    from pia import forms
    from pia.history.rows import betten3
    from pia.render.html import history_of, render_html
    from pia.render import pdfparts
    from pia.render.xlsx import render_xlsx

    name = folder.resolve().name
    progress("読み込みと検査", name)
    a = asm.load(folder)
    result = check_assessment(a)
    files: dict[str, bytes] = {}
    jobs = []
    # every document of the 事務, the most detailed first (its name is the folder's; the 基礎 adds -kiso, …)
    for kind in reversed(forms.present(a)):
        view = forms.render_view(a, kind)
        if kind.id == "full":
            progress("変更履歴（別添3）", name)
            derived, notes = history_of(folder)  # raises when the 別添3 would be incomplete
            rows = betten3(a, derived)
            result.findings = sorted(result.findings + notes)
        else:
            rows = forms.recorded_changes(view, kind)
        job = Job(partial(render_html, view, folder, rows, kind.id), partial(render_xlsx, view, rows, kind.id, folder))
        jobs.append((job, forms.output_stem(name, kind, forms.main_kind(a))))
    if any(f.name == "pdf" for f in formats):
        for job, _ in jobs[1:]:  # laid out by a free process while the first document's PDF is put together
            pdfparts.later(job.html)
    for job, stem in jobs:
        files.update(write_all(formats, job, stem, progress))
    progress("書き出し", name)
    return write_outputs(out, files, force=force), result
