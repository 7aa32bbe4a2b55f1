"""The preview offers the outputs of the format table, made from what is on disk now."""
from __future__ import annotations

import http.client
import threading
from pathlib import Path

from pia.render.outputs import OUTPUTS
from pia.serve import make_server


def _get(port: int, path: str) -> http.client.HTTPResponse:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request("GET", path, headers={"Host": f"127.0.0.1:{port}"})
    return c.getresponse()


def test_downloads_follow_the_format_table(example: Path) -> None:
    server = make_server(example, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_port
        page = _get(port, "/").read().decode("utf-8")
        for f in OUTPUTS.values():
            assert (f'href="/download/{f.name}"' in page) == ("assessment" in f.documents)
        r = _get(port, "/download/html")
        body = r.read()
        assert r.status == 200 and r.getheader("Content-Type") == OUTPUTS["html"].mime
        assert "setagaya-juki.html" in r.getheader("Content-Disposition") and b'<html lang="ja">' in body
        r = _get(port, "/download/xlsx")
        assert r.status == 200 and r.read()[:2] == b"PK"
        assert _get(port, "/download/docx").status == 404
    finally:
        server.shutdown()
        server.server_close()
