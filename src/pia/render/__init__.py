"""Rendering: assessment -> HTML (Jinja2) -> PDF (WeasyPrint); -> XLSX (openpyxl). Formats: pia.render.outputs."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from pia.progress import silent

if TYPE_CHECKING:  # the package is imported for its format table (the command line's help); load the rest on use
    from pia.assessment import Assessment
    from pia.check import CheckResult
    from pia.render.outputs import OutputFormat


def render_all(folder: Path, formats: list[OutputFormat], out: Path, force: bool = False,
               progress: Callable[[str, str], None] = silent) -> tuple[list[Path], CheckResult]:
    from pia import assessment as asm
    from pia.output import write_outputs

    name = folder.resolve().name
    progress("読み込みと検査", name)
    files, result = render_documents(asm.load(folder), folder, formats, name, progress=progress)
    progress("書き出し", name)
    return write_outputs(out, files, force=force), result


def render_documents(a: Assessment, folder: Path, formats: list[OutputFormat], name: str,
                     derived: list[dict[str, Any]] | None = None,
                     progress: Callable[[str, str], None] = silent) -> tuple[dict[str, bytes], CheckResult]:
    """Every document of the 事務 in every format, named after `name` (the most detailed document; the 基礎 adds
    -kiso, …). derived: the 別添3 rows from the version history, when the caller has them (an old version);
    otherwise they are read from the folder's git history."""
    from functools import partial

    from pia import forms
    from pia.check import check_assessment
    from pia.history.rows import betten3
    from pia.render.outputs import Job, write_all
    from pia.render.html import history_of, render_html
    from pia.render.xlsx import render_xlsx

    result = check_assessment(a)
    files: dict[str, bytes] = {}
    for kind in reversed(forms.present(a)):
        view = forms.render_view(a, kind)
        if kind.id == "full":
            progress("変更履歴（別添3）", name)
            if derived is None:
                derived, notes = history_of(folder)  # raises when the 別添3 would be incomplete
                result.findings = sorted(result.findings + notes)
            rows = betten3(a, derived)
        else:
            rows = forms.recorded_changes(view, kind)
        job = Job(partial(render_html, view, folder, rows, kind.id), partial(render_xlsx, view, rows, kind.id, folder))
        files.update(write_all(formats, job, forms.output_stem(name, kind, forms.main_kind(a)), progress))
    return files, result
