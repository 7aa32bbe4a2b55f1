"""The output formats in one table: what `render`, `council` and the command line accept, and who writes each.

A new format is one entry here plus its writer (a function from a Job to bytes).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable

from pia.base.errors import PiaError


@dataclass
class Job:
    """What a writer may ask for; each product is made once, on first use."""
    make_html: Callable[[], str]
    make_workbook: Callable[[], bytes] | None = None

    @cached_property
    def html(self) -> str:
        return self.make_html()


def _html(job: Job) -> bytes:
    return job.html.encode("utf-8")


def _pdf(job: Job) -> bytes:
    from pia.output.pdf import html_to_pdf

    return html_to_pdf(job.html)


def _xlsx(job: Job) -> bytes:
    assert job.make_workbook is not None  # only documents that list xlsx get here
    return job.make_workbook()


@dataclass(frozen=True)
class OutputFormat:
    name: str
    suffix: str
    title: str                       # as staff call it
    write: Callable[[Job], bytes]
    documents: frozenset[str] = field(default_factory=frozenset)  # "assessment", "council"
    progress: str = ""               # what a person at the terminal sees while it is written
    mime: str = "application/octet-stream"


OUTPUTS: dict[str, OutputFormat] = {f.name: f for f in (
    OutputFormat("html", ".html", "HTML（ウェブページ）", _html, frozenset({"assessment", "council"}), "HTML",
                 "text/html; charset=utf-8"),
    OutputFormat("pdf", ".pdf", "PDF（公表用、しおり・タグ付き）", _pdf, frozenset({"assessment", "council"}),
                 "PDF（1分ほどかかります）", "application/pdf"),
    OutputFormat("xlsx", ".xlsx", "Excel（様式の配置）", _xlsx, frozenset({"assessment"}), "Excel",
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
)}


def names(document: str) -> list[str]:
    return [f.name for f in OUTPUTS.values() if document in f.documents]


def parse(text: str, document: str) -> list[OutputFormat]:
    """`html,pdf` -> the formats, in the table's order; a clear message for anything else."""
    wanted = [w.strip().lower() for w in text.split(",") if w.strip()]
    allowed = names(document)
    bad = [w for w in wanted if w not in allowed]
    if bad or not wanted:
        raise PiaError(f"出力形式「{','.join(bad) or text}」は使えません。{', '.join(allowed)} から選び、カンマで区切って指定してください。")
    return [f for f in OUTPUTS.values() if f.name in wanted]


def write_all(formats: list[OutputFormat], job: Job, stem: str,
              progress: Callable[[str, str], None] | None = None) -> dict[str, bytes]:
    out = {}
    for f in formats:
        if progress:
            progress(f.progress or f.name.upper(), stem)
        out[stem + f.suffix] = f.write(job)
    return out


def help_text(document: str, default: str) -> str:
    return f"出力形式をカンマ区切りで（{', '.join(names(document))}。既定: {default}）"


__all__ = ["Job", "OUTPUTS", "OutputFormat", "names", "parse", "write_all", "help_text"]
