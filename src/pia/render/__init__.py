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


def document_job(a: asm.Assessment, folder: Path | None, kind: Kind, derived: list[dict[str, Any]]) -> Job:
    """The outputs of one document of the folder: its view (the 基礎 takes the main document's facts) and its
    変更箇所 (the 全項目's 別添3 with the rows derived from history, the others as their YAML records them).
    `pia render`, `pia serve` and `pia import` all make a document's outputs here, so they are the same bytes."""
    from pia import forms
    from pia.history.rows import betten3
    from pia.render.html import render_html
    from pia.render.xlsx import render_xlsx

    view = forms.render_view(a, kind)
    rows = betten3(a, derived) if kind.id == "full" else forms.recorded_changes(view, kind)
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
    # every document of the 事務, the most detailed first (its name is the folder's; the 基礎 adds -kiso, …)
    for kind in reversed(forms.present(a)):
        derived: list[dict[str, Any]] = []
        if kind.id == "full":
            progress("変更履歴（別添3）", name)
            derived, notes = history_of(folder)  # raises when the 別添3 would be incomplete
            result.findings = sorted(result.findings + notes)
        job = document_job(a, folder, kind, derived)
        files.update(write_all(formats, job, forms.output_stem(name, kind, forms.main_kind(a)), progress))
    progress("書き出し", name)
    return write_outputs(out, files, force=force), result
