"""HTML -> PDF with WeasyPrint: tagged (PDF/UA-1), fonts embedded, nothing fetched from outside (pia.output.fetch)."""
from __future__ import annotations

import logging

from pia.output import pdfparts


def html_to_pdf(html: str, processes: int | None = None) -> bytes:
    """A large assessment is laid out in parts by several processes (pia.output.pdfparts); anything else whole."""
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    return pdfparts.render(html, processes) or pdfparts.whole(html)
