"""`pia serve` answers only its user's browser: forged Host (DNS rebinding) and Origin are refused, paths read no
files, pages carry a CSP, finding text cannot break the inline script, rendering is cached by content and not
serialised, and silent connections time out."""
from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest

from conftest import http_get as get, serving
from pia.app import serve


@pytest.fixture
def srv(example: Path):
    with serving(example) as server:
        yield server


def test_only_loopback_host_names_with_the_port_are_answered(srv):
    port = srv.server_address[1]
    assert get(srv, host=f"127.0.0.1:{port}")[0] == 200
    assert get(srv, "/version", host=f"localhost:{port}")[0] == 200
    for forged in ("evil.example", f"evil.example:{port}", "127.0.0.1", f"127.0.0.1:{port + 1}", f"localhost.evil.example:{port}", ""):
        status, _, body = get(srv, host=forged)
        assert status == 403 and "pia-panel" not in body, forged


def test_foreign_origin_is_refused(srv):
    port = srv.server_address[1]
    assert get(srv, headers={"Origin": "http://evil.example"})[0] == 403
    assert get(srv, headers={"Origin": "null"})[0] == 403
    assert get(srv, headers={"Origin": f"http://127.0.0.1:{port}"})[0] == 200


@pytest.mark.parametrize("path", ["/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc%2fpasswd",
                                  "/files/juki.yaml", "/assessment.yaml", "//etc/passwd", "/%252e%252e/etc/passwd"])
def test_traversal_reads_nothing(srv, path: str):
    status, _, body = get(srv, path)
    assert status == 404 and "root:" not in body and "評価書名" not in body


def test_csp_forbids_outside_requests(srv):
    status, headers, body = get(srv)
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "connect-src 'self'" in csp and "script-src 'nonce-" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in body
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_finding_text_cannot_break_the_inline_script(example: Path, srv):
    (example / "systems.yaml").write_text((example / "systems.yaml").read_text(encoding="utf-8") +
                                          '"<!--<script>": 1\n"</script><script>alert(1)</script>": 2\n', encoding="utf-8")
    status, _, body = get(srv)
    assert status == 200 and "PIA013" in body
    assert "<!--<script>" not in body and "<script>alert(1)" not in body
    assert body.count("<script") == body.count("</script>") == 1


def test_pages_are_cached_by_content(example: Path, srv):
    cache = srv.RequestHandlerClass.cache
    get(srv)
    get(srv)
    assert cache.renders == 1
    f = example / "files" / "juki.yaml"
    f.write_text(f.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    get(srv)
    assert cache.renders == 2


def test_rendering_is_not_serialised_behind_one_lock(example: Path, srv, monkeypatch):
    entered: list[float] = []
    release = threading.Event()
    real_page = serve.page

    def slow_page(*args):
        entered.append(time.monotonic())
        release.wait(20)
        return real_page(*args)
    monkeypatch.setattr(serve, "page", slow_page)
    t1 = threading.Thread(target=get, args=(srv,))
    t1.start()
    for _ in range(100):
        if entered:
            break
        time.sleep(0.05)
    f = example / "files" / "juki.yaml"
    f.write_text(f.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    t2 = threading.Thread(target=get, args=(srv,))
    t2.start()
    for _ in range(100):
        if len(entered) == 2:
            break
        time.sleep(0.05)
    both = len(entered)
    release.set()
    t1.join(30)
    t2.join(30)
    assert both == 2  # the second content rendered while the first was still rendering


def test_silent_connection_times_out(srv, monkeypatch):
    assert srv.RequestHandlerClass.timeout and srv.RequestHandlerClass.timeout <= 60  # on by default
    monkeypatch.setattr(srv.RequestHandlerClass, "timeout", 1)
    s = socket.create_connection(srv.server_address, timeout=10)
    try:
        s.sendall(b"GET / HTTP/1.1\r\n")  # and then nothing
        t = time.monotonic()
        assert s.recv(1000) == b""  # closed by the server
        assert time.monotonic() - t < 8
    finally:
        s.close()


def test_fifo_in_the_folder_does_not_hang_the_preview(example: Path, srv):
    import os

    os.mkfifo(example / "files" / "pipe.yaml")
    status, _, body = get(srv, "/version")
    assert status == 200
    status, _, body = get(srv)
    assert status == 200 and "PIA021" in body


# ---- as docs/security.md says: a nonce per response, cross-site requests refused, nothing loaded for unknown
# documents, Japanese pages with the CSP for every status, /version without rereading -------------------------

def _nonce(headers: dict) -> str:
    return headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]


def test_every_response_has_its_own_nonce(srv):
    seen = set()
    for _ in range(3):
        status, headers, body = get(srv)
        nonce = _nonce(headers)
        assert status == 200 and f'<script nonce="{nonce}">' in body and body.count("nonce=") == 1
        seen.add(nonce)
    assert len(seen) == 3 and srv.RequestHandlerClass.cache.renders == 1  # one render, three nonces
    assert srv.RequestHandlerClass.cache.mark not in body


def test_cross_site_requests_start_no_render(srv, monkeypatch):
    """An <img> or link on another site pointing at a download carries no Origin, but the browser says where it
    comes from (Sec-Fetch-Site): refused before anything is loaded or rendered."""
    def never(*args, **kwargs):
        raise AssertionError("rendered for a cross-site request")
    monkeypatch.setattr(serve, "output", never)
    monkeypatch.setattr(serve, "page", never)
    for site in ("cross-site", "same-site", "CROSS-SITE"):
        for path in ("/download/pdf", "/download/xlsx", "/", "/?doc=full", "/version"):
            status, headers, body = get(srv, path, headers={"Sec-Fetch-Site": site, "Sec-Fetch-Dest": "image"})
            assert status == 403 and "ほかのページから読み込むことはできません" in body, (site, path)
            assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert srv.RequestHandlerClass.cache.renders == 0


def test_own_pages_and_typed_addresses_are_served(srv):
    for site in ("same-origin", "none"):
        assert get(srv, headers={"Sec-Fetch-Site": site})[0] == 200
    status, headers, _ = get(srv, "/download/html", headers={"Sec-Fetch-Site": "same-origin"})
    assert status == 200 and "attachment" in headers["Content-Disposition"]


def test_unknown_documents_are_answered_without_loading(srv, monkeypatch):
    from pia.document import assessment as asm

    loads = []
    real = asm.load
    monkeypatch.setattr(asm, "load", lambda *a, **k: loads.append(1) or real(*a, **k))
    cache = srv.RequestHandlerClass.cache
    for i in range(200):
        status, headers, body = get(srv, f"/?doc=x{i}")
        assert status == 404 and "その評価書はありません" in body
    for path in ("/download/pdf?doc=nothing", "/?doc=full&doc=basic", "/version?doc=zzz"):
        assert get(srv, path)[0] == 404
    assert loads == [] and cache.locks == {} and cache.renders == 0
    # a known kind the folder lacks is loaded once per request, and leaves no lock behind
    assert get(srv, "/?doc=focused")[0] == 404 and cache.locks == {}


@pytest.mark.parametrize("request_bytes, status", [
    (b"POST / HTTP/1.1\r\nHost: {host}\r\nContent-Length: 3\r\n\r\nabc", 405),
    (b"DELETE /download/pdf HTTP/1.1\r\nHost: {host}\r\n\r\n", 405),
    (b"BREW / HTTP/1.1\r\nHost: {host}\r\n\r\n", 501),
    (b"GET / HTTP/9.9\r\nHost: {host}\r\n\r\n", 505),
    (b"GARBAGE\r\n\r\n", 400),
    (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 414),
    (b"GET /nothing HTTP/1.1\r\nHost: {host}\r\n\r\n", 404),
])
def test_every_status_is_a_japanese_page_with_the_csp(srv, request_bytes: bytes, status: int):
    port = srv.server_address[1]
    s = socket.create_connection(srv.server_address, timeout=20)
    try:
        s.sendall(request_bytes.replace(b"{host}", f"127.0.0.1:{port}".encode()))
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    finally:
        s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    text = head.decode("latin-1").lower()
    assert text.startswith(f"http/1.0 {status}") or text.startswith(f"http/1.1 {status}"), text[:80]
    assert "content-security-policy: default-src 'none'" in text and "x-content-type-options: nosniff" in text
    page = body.decode("utf-8")
    assert "<html lang='ja'>" in page and "Error response" not in page
    assert any("\u3040" <= ch <= "\u30ff" for ch in page)  # Japanese
    if status == 405:
        assert "allow: get, head" in text


def test_version_rereads_only_what_changed(example: Path, srv):
    import os

    old = time.time() - 60
    for p in [example / "assessment.yaml", example / "systems.yaml", *(example / "files").iterdir()]:
        os.utime(p, (old, old))
    versions = srv.RequestHandlerClass.cache.version
    first = get(srv, "/version")[2]
    reads = versions.reads
    for _ in range(5):
        assert get(srv, "/version")[2] == first
    assert versions.reads == reads  # listed and stat'ed, not read again
    f = example / "files" / "juki.yaml"
    f.write_text(f.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert get(srv, "/version")[2] != first and versions.reads == reads + 1
