"""The one URL fetcher WeasyPrint gets: the document is self-contained, so nothing is fetched from outside."""
from __future__ import annotations

import base64
import re
from typing import Any

from pia.base.errors import PiaError

_DATA = re.compile(r"^data:(image/png|image/jpeg|image/svg\+xml);base64,([A-Za-z0-9+/=]+)$")


def refuse_fetch(url: str, *args: Any, **kwargs: Any) -> Any:
    """The document is self-contained; a URL in user text must never be fetched (file://, http://, ...).
    Only the figures pia itself embedded as data: URIs of the image types it checked are decoded."""
    m = _DATA.match(url)
    if m:
        data, mime = base64.b64decode(m.group(2)), m.group(1)
        try:  # WeasyPrint 70 and later
            from weasyprint.urls import URLFetcherResponse
        except ImportError:
            return {"string": data, "mime_type": mime}
        return URLFetcherResponse(url, body=data, headers={"Content-Type": mime})
    raise PiaError(f"外部の資源 {url[:80]} は読み込みません。")
