"""HTML -> PDF with WeasyPrint: tagged (PDF/UA-1), fonts embedded, nothing fetched from outside."""
from __future__ import annotations

from typing import Any

from pia.errors import PiaError


def refuse_fetch(url: str, *args: Any, **kwargs: Any) -> Any:
    """The document is self-contained; a URL in user text must never be fetched (file://, http://, ...)."""
    raise PiaError(f"外部の資源 {url[:80]} は読み込みません。")


def html_to_pdf(html: str) -> bytes:
    import logging

    import weasyprint

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    doc = weasyprint.HTML(string=html, base_url=None, url_fetcher=refuse_fetch)
    return doc.write_pdf(pdf_variant="pdf/ua-1", uncompressed_pdf=False)
