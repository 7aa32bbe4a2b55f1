"""The documents of one 事務 folder into files: load and check it, read the 変更箇所 rows from its history, and
hand each document to the writers of pia.output (HTML, PDF, Excel). `pia render`, `serve`, `import` and the site
make a document's outputs here.
"""
from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from pia.base.errors import PiaError
from pia.base.progress import silent

if TYPE_CHECKING:  # the package is imported for its format table (the command line's help); load the rest on use
    from pia.document.assessment import Assessment
    from pia.analysis.check import CheckResult
    from pia.form.kinds import Kind
    from pia.output.formats import Job, OutputFormat

Derived = dict[str, list[dict[str, Any]]]  # 変更箇所 rows from the version history, by kind id (history_of)


class Unreadable(PiaError):
    """A file of the folder was not read: its outputs would lack that file's content and yet look complete."""


def refuse_unreadable(a: Assessment) -> None:
    """Raise Unreadable naming the files that did not load (YAML errors and the like) and why."""
    from pia.base.findings import ERROR

    if a.docs and all(d is not None for d in a.docs.values()):
        return
    errors = [f for f in a.load_findings if f.severity == ERROR and f.suppressed is None]
    shown = "".join(f"\n  {f.file}:{f.line}:{f.column}: [{f.rule_id}] {f.message}" for f in errors[:5])
    more = f"\n  ほか {len(errors) - 5} 件" if len(errors) > 5 else ""
    raise Unreadable(f"読めないファイルがあるため、出力しません（出力すると、そのファイルの内容のない評価書になります）。{shown}{more}\n"
                     f"pia check {a.folder} で確認し、直してから出力してください。")


def document_job(a: Assessment, folder: Path | None, kind: Kind, derived: Derived | None = None) -> Job:
    """The outputs of one document of the folder: its view (the 基礎 takes the main document's facts) and its
    変更箇所 (the rows its YAML records, then those derived from history for it).
    `pia render`, `pia serve`, `pia import` and the site's editions all make a document's outputs here."""
    from pia.document import family
    from pia.document import page as pages
    from pia.document.changes import document_rows
    from pia.output.html import render_html
    from pia.output.formats import Job

    view = family.render_view(a, kind)
    page = pages.build(view, kind, folder, document_rows(view, kind, derived))  # built once, for every writer
    return Job(partial(render_html, page), partial(_workbook, page), page)


def _workbook(page: Any) -> bytes:
    from pia.output.xlsx import render_xlsx  # openpyxl only when a workbook is written

    return render_xlsx(page)


def render_all(folder: Path, formats: list[OutputFormat], out: Path, force: bool = False,
               progress: Callable[[str, str], None] = silent, cache: Path | None = None) -> tuple[list[Path], CheckResult]:
    """cache: the folder whose .pia-cache/pdf keeps the laid-out parts of PDFs (default: out)."""
    from contextlib import ExitStack

    from pia.document import assessment as asm
    from pia.document.reuse import Reuse
    from pia.output.outfolder import refuse_assessments, write_outputs
    from pia.output import pdfparts

    asm.admit(folder)  # before anything is read or written
    name = folder.resolve().name
    with ExitStack() as stack:
        if any(f.name == "pdf" for f in formats):
            refuse_assessments(out)  # the cache is written before the outputs
            # the process that lays out PDFs starts now and imports WeasyPrint while the assessment is read and checked
            stack.enter_context(pdfparts.processes())
            stack.enter_context(pdfparts.cached(pdfparts.PartCache(cache or out)))
        progress("読み込みと検査", name)
        a = asm.load(folder, Reuse())
        refuse_unreadable(a)
        # the history reads the working tree again: the same bytes are parsed once
        files, result = render_documents(a, folder, formats, name, progress=progress)
    progress("書き出し", name)
    return write_outputs(out, files, force=force), result


def render_documents(a: Assessment, folder: Path, formats: list[OutputFormat], name: str,
                     derived: Derived | None = None,
                     progress: Callable[[str, str], None] = silent) -> tuple[dict[str, bytes], CheckResult]:
    """Every document of the 事務 in every format, named after `name` (the most detailed document; the 基礎 adds
    -kiso, …). derived: the 変更箇所 rows from the version history, when the caller has them (an old edition);
    otherwise they are read from the folder's git history."""
    from pia.document import family
    from pia.form import kinds
    from pia.analysis.check import check_assessment
    from pia.base.findings import sort_key
    from pia.history.versions import history_of
    from pia.output.formats import write_all

    result = check_assessment(a)
    files: dict[str, bytes] = {}
    if derived is None:
        progress("変更履歴（変更箇所）", name)
        derived, notes = history_of(folder, a.reuse)  # raises when a 変更箇所 would be incomplete
        result.findings = sorted(result.findings + notes, key=sort_key)
    # every document of the 事務, the most detailed first (its name is the folder's; the 基礎 adds -kiso, …)
    jobs = [(document_job(a, folder, kind, derived), kinds.output_stem(name, kind, family.main_kind(a)))
            for kind in reversed(family.present(a))]
    if any(f.name == "pdf" for f in formats):
        from pia.output import pdfparts

        for job, _ in jobs[1:]:  # laid out by a free process while the first document's PDF is put together
            pdfparts.later(job.html)
    for job, stem in jobs:
        files.update(write_all(formats, job, stem, progress))
    return files, result
