"""The writers of the document formats (HTML, PDF, Excel): which function writes each format of pia.base.formats,
and what a person at the terminal sees while it is written.

A new document format is one entry in pia.base.formats plus one here (a function from a Job to bytes).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Callable

from pia.base.formats import FORMATS, Format

if TYPE_CHECKING:
    from pia.document.page import Page


@dataclass
class Job:
    """What a writer may ask for; each product is made once, on first use."""
    make_html: Callable[[], str]
    make_workbook: Callable[[], bytes] | None = None
    page: Page | None = None  # what the products print (pia serve keeps a page's HTML by the files it read)

    @cached_property
    def html(self) -> str:
        return self.make_html()


def _html(job: Job) -> bytes:
    return job.html.encode("utf-8")


def _pdf(job: Job) -> bytes:
    from pia.output.pdf import html_to_pdf  # WeasyPrint is loaded only when a PDF is written

    return html_to_pdf(job.html)


def _xlsx(job: Job) -> bytes:
    assert job.make_workbook is not None  # only documents that list xlsx get here
    return job.make_workbook()


@dataclass(frozen=True)
class OutputFormat:
    format: Format
    write: Callable[[Job], bytes]
    progress: str = ""  # what a person at the terminal sees while it is written

    @property
    def name(self) -> str:
        return self.format.name

    @property
    def suffix(self) -> str:
        return self.format.suffix

    @property
    def title(self) -> str:
        return self.format.title

    @property
    def mime(self) -> str:
        return self.format.mime


OUTPUTS: dict[str, OutputFormat] = {f.name: f for f in (
    OutputFormat(FORMATS["html"], _html, "HTML"),
    OutputFormat(FORMATS["pdf"], _pdf, "PDF（1分ほどかかります）"),
    OutputFormat(FORMATS["xlsx"], _xlsx, "Excel"),
)}


def writers(formats: list[Format]) -> list[OutputFormat]:
    """The writers of the formats a command's `--format` gave (pia.base.formats.parse)."""
    return [OUTPUTS[f.name] for f in formats]


def write_all(formats: list[OutputFormat], job: Job, stem: str,
              progress: Callable[[str, str], None] | None = None) -> dict[str, bytes]:
    out = {}
    for f in formats:
        if progress:
            progress(f.progress or f.name.upper(), stem)
        out[stem + f.suffix] = f.write(job)
    return out


__all__ = ["Job", "OUTPUTS", "OutputFormat", "writers", "write_all"]
