"""`pia serve`: a live preview on 127.0.0.1. The page shows one document of the folder (the main one at `/`, the
others at `/?doc=basic|focused|full`, with a switcher between them) with every finding of the folder listed at the
top and shown at its item, and reloads itself when a YAML file of the assessment is saved. Each document's outputs
are at `/download/FORMAT` (`?doc=…` as for its page). Nothing is written.

Only its user's browser gets it: requests must name the server as `127.0.0.1:PORT` or `localhost:PORT` in Host (so a
site re-pointing its own name at 127.0.0.1, DNS rebinding, is refused) and, when they carry one, in Origin. Every page
is sent with a Content-Security-Policy that allows no request to anywhere else. Pages are rendered once per content
of the YAML files (a hash), without a lock shared by all requests; connections time out. From one version to the
next, only the files a save changed are loaded and validated again, and only the documents made from them rendered
again (pia.document.reuse, Documents); the rules run on the whole folder.
"""
from __future__ import annotations

import hashlib
import json
import os
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from markupsafe import escape

from pia.document import assessment as asm
from pia.base import fsread
from pia.form import kinds
from pia.document import family
from pia.analysis.check import check_assessment
from pia.base.errors import PiaError
from pia.base.findings import ERROR
from pia.document.loader import MAX_BYTES, MAX_FILES, MAX_TOTAL_BYTES
from pia.document.reuse import Reuse
from pia.output import pdfparts

POLL_MS = 250  # how often an open page asks whether the YAML changed (a stat of each file while nothing changes)
_CURRENT = ' aria-current="page"'
TIMEOUT_S = 15  # a connection that sends nothing for this long is closed
CACHE_SIZE = 8

_SCRIPT = """
<script nonce="%(nonce)s">
(function () {
  const findings = %(findings)s;
  let version = %(version)s;
  const list = document.getElementById("pia-findings");
  for (const f of findings) {
    let id = f.anchor, el = null;
    while (id && !(el = document.getElementById(id))) { id = id.includes("/") ? id.slice(0, id.lastIndexOf("/")) : ""; }
    if (!el) continue;
    const row = el.closest("tr") || el;
    row.classList.add(f.severity === "error" ? "pia-error" : "pia-warning");
    const note = document.createElement("div");
    note.className = "pia-note";
    note.textContent = f.severity_label + " [" + f.rule_id + "] " + f.message + (f.hint ? "（修正: " + f.hint + "）" : "");
    (row.querySelector("td") || row).appendChild(note);
    if (el.id !== f.anchor && !document.getElementById(f.anchor)) {
      const mark = document.createElement("span");  // so the link in the list reaches the finding's own item
      mark.id = f.anchor;
      (row.querySelector("th") || row).prepend(mark);
    }
  }
  async function poll() {
    try {
      const r = await fetch("/version" + location.search, {cache: "no-store"});
      const v = await r.text();
      if (v !== version) { location.reload(); return; }
    } catch (e) {}
    setTimeout(poll, %(poll)d);
  }
  setTimeout(poll, %(poll)d);
})();
</script>
"""

_STYLE = """
<style>
html { scroll-padding-top: 32vh; }
#pia-panel { position: sticky; top: 0; z-index: 10; background: #fffbe6; border: 1px solid #d4b106; padding: 6px 10px; margin-bottom: 8px; max-height: 30vh; overflow: auto; }
#pia-panel h2 { break-before: auto; font-size: 11pt; margin: 0 0 4px; }
#pia-findings li.error a { color: #a8071a; } #pia-findings li.warning a { color: #ad6800; }
tr.pia-error { outline: 3px solid #f5222d; } tr.pia-warning { outline: 3px solid #faad14; }
.pia-unreadable { margin: 4px 0; padding: 2px 4px; background: #fff1f0; color: #a8071a; font-weight: bold; }
.pia-note { margin-top: 4px; padding: 2px 4px; background: #fff1f0; color: #a8071a; font-size: 9pt; }
</style>
"""


def _yaml_rels(root: fsread.Root) -> tuple[list[str], list[str]]:
    """(the YAML files the loader reads, the refusals of their folders)."""
    singles, dirs = asm.folder_files()
    rels = [name for _, name, _ in singles]
    refused = []
    for _, dirname in dirs:
        try:
            rels += [e.rel for e in root.listdir(dirname) if e.rel.endswith((".yaml", ".yml"))][:MAX_FILES + 1]
        except fsread.Refusal as r:
            refused.append(r.message)
    return rels, refused


def _version(folder: Path, rels: list[str] | None = None, refused: list[str] | None = None) -> str:
    """A hash of the assessment's YAML files as pia reads them (through fsread: a FIFO or a link leading out is
    hashed as its refusal, never opened), within the loader's budgets: what is past MAX_FILES files or
    MAX_TOTAL_BYTES in all (which the loader does not read either) is hashed by its size and time."""
    h = hashlib.sha256()
    root = fsread.Root(folder)
    if rels is None or refused is None:
        rels, refused = _yaml_rels(root)
    for message in refused:
        h.update(message.encode())
    left = MAX_TOTAL_BYTES
    for i, rel in enumerate(rels):
        name = rel.encode("utf-8", "surrogateescape") + b"\0"
        if i >= MAX_FILES + len(asm.folder_files()[0]) or left <= 0:
            h.update(name + repr(_stat(folder / rel)).encode())
            continue
        try:
            data = root.read(rel, min(MAX_BYTES, left))
            left -= len(data)
        except fsread.Refusal as r:
            data = r.message.encode()
        h.update(name + hashlib.sha256(data).digest())
    return h.hexdigest()[:16]


def _stat(path: Path) -> tuple[Any, ...]:
    """What tells a changed file from an unchanged one without reading it (the link and what it points to)."""
    out: list[Any] = []
    for follow in (False, True):
        try:
            st = os.stat(path, follow_symlinks=follow)
            out.append((st.st_mode, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
        except OSError as e:
            out.append(e.errno)
    return tuple(out)


class _Versions:
    """The folder's version for `/version` (polled every POLL_MS by each open page): the files are listed and
    stat'ed, and read again only when that changed, or when a file changed so recently that a second change
    could leave the same time stamp."""

    RECENT_NS = 2_000_000_000

    def __init__(self, folder: Path):
        self.folder = folder
        self.lock = threading.Lock()
        self.seen: tuple[Any, ...] | None = None
        self.value = ""
        self.reads = 0

    def __call__(self) -> str:
        rels, refused = _yaml_rels(fsread.Root(self.folder))
        stats = tuple((rel, _stat(self.folder / rel)) for rel in rels)
        newest = max((s[3] for _, st in stats for s in st if isinstance(s, tuple)), default=0)
        signature = (tuple(refused), stats)
        recent = time.time_ns() - newest < self.RECENT_NS
        with self.lock:
            if signature == self.seen and not recent:
                return self.value
        value = _version(self.folder, rels, refused)
        with self.lock:
            self.seen, self.value = signature, value
            self.reads += 1
        return value


def _script_json(value: Any) -> str:
    """JSON that cannot end or re-open the inline script (`</script>`, `<!--<script>`) nor break a JS string."""
    text = json.dumps(value, ensure_ascii=False)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


class NoDocument(PiaError):
    """A request names a document the folder does not have (answered with 404)."""


def document_of(a: asm.Assessment, doc: str | None) -> kinds.Kind | None:
    """The document a request names (`?doc=basic`, the registry's kind id), the main document when it names none;
    None when the folder has no such document."""
    if doc is None:
        return family.main_kind(a)
    return next((k for k in family.present(a) if k.id == doc), None)


def _finding_kind(a: asm.Assessment, f: Any) -> kinds.Kind | None:
    """The document whose page shows a finding's item (systems and per-file documents belong to their form)."""
    key = f.anchor.split("/", 1)[0].split(":", 1)[0]
    kind = kinds.by_key(key)
    if kind is None:
        kind = family.kind_of_key(a, key)
    return kind


def _href(kind: kinds.Kind | None, shown: kinds.Kind, main: kinds.Kind | None) -> str:
    """The page of a document: `/` for the main one, `/?doc=ID` for the others."""
    if kind is None or kind is shown:
        return ""
    return "/" if kind is main else f"/?doc={kind.id}"


def page(folder: Path, nonce: str = "", doc: str | None = None, reuse: Reuse | None = None,
         documents: Documents | None = None) -> tuple[str, str]:
    """The preview of one document of the folder (the main one unless `doc` names another), with the findings of
    the whole folder: those of another document link to that document's page. reuse and documents: what the
    server keeps between versions (files loaded and validated, documents rendered), so that a save re-reads,
    re-validates and re-renders only what it changed; the page is the same as without them."""
    from pia.history.versions import history_of

    version = _version(folder)
    a = asm.load(folder, reuse)
    result = check_assessment(a)  # the rules read the folder as a whole: they run again on every version
    main = family.main_kind(a)
    kind = document_of(a, doc)
    if kind is None:
        raise NoDocument("この評価書フォルダにその評価書はありません。")
    derived: dict[str, list[dict[str, Any]]] = {}
    notes: list[Any] = []
    history_error = ""
    try:
        derived, notes = history_of(folder, reuse)
    except PiaError as e:  # shown in the panel: the preview's 変更箇所 then lacks the rows history would give
        history_error = str(e)
    html = (documents or Documents(0)).html(a, folder, kind, derived)
    shown = [f for f in [*result.findings, *notes] if not f.suppressed]
    items = "".join(
        f'<li class="{f.severity.value}"><a href="{escape(_href(_finding_kind(a, f), kind, main))}#{escape(f.anchor)}">'
        f'{escape(f.severity.label)} [{escape(f.rule_id)}] {escape(f.item_path or Path(f.file).name)}: {escape(f.message)}</a>'
        f' <small>{escape(asm.display_name(f.file))}:{f.line}</small></li>' for f in shown)
    if history_error:
        items += f'<li class="error">{escape(history_error)}</li>'
    errors = sum(f.severity == ERROR for f in shown) + bool(history_error)
    query = "" if kind is main else f"?doc={kind.id}"
    downloads = "".join(f' <a href="/download/{f.name}{query}" download>{escape(f.title)}</a>' for f in _downloads())
    switcher = "".join(f' <a href="{"/" if k is main else "/?doc=" + k.id}"{_CURRENT if k is kind else ""}>{escape(kinds.short_title(k))}</a>'
                       for k in family.present(a))
    panel = (f'<aside id="pia-panel" aria-label="検査結果"><nav class="pia-documents" aria-label="評価書">この事務の評価書:{switcher}</nav>'
             f'{_unreadable(a)}'
             f'<h2>検査結果: エラー {errors} 件、'
             f'警告 {sum(f.severity != ERROR for f in shown)} 件（保存すると自動で更新されます）</h2>'
             f'<p class="pia-downloads">この評価書をこの内容で出力する:{downloads}</p>'
             f'<ol id="pia-findings">{items}</ol></aside>')
    data = _script_json([{"anchor": f.anchor, "severity": f.severity.value, "severity_label": f.severity.label, "rule_id": f.rule_id,
                          "message": f.message, "hint": f.hint} for f in shown if _finding_kind(a, f) is kind])
    script = _SCRIPT % {"findings": data, "version": _script_json(version), "poll": POLL_MS, "nonce": nonce}
    html = html.replace("</head>", _STYLE + "</head>", 1).replace("<body>", "<body>" + panel, 1)
    return html.replace("</body>", script + "</body>", 1), version


def _unreadable(a: asm.Assessment) -> str:
    """A file pia could not read (a YAML syntax error, say) is missing from the page: say so where it shows."""
    loaded = {d.file for d in a.docs.values() if d is not None}
    first: dict[str, Any] = {}
    for f in a.load_findings:
        if f.severity == ERROR and f.file not in loaded:
            first.setdefault(f.file, f)
    return "".join(f'<p class="pia-unreadable" role="alert">{escape(file)} を読めないため、このプレビューに載っていません'
                   f'（{f.line}行目: {escape(f.message)}）。直して保存すると表示されます。</p>' for file, f in first.items())


def _downloads() -> list[Any]:
    from pia.base.formats import USES
    from pia.output.formats import OUTPUTS

    return [OUTPUTS[n] for n in USES["render"].formats]


def output(folder: Path, name: str, doc: str | None = None, reuse: Reuse | None = None) -> tuple[bytes, str]:
    """One output format of one document as it is now on disk (the same bytes and file name `pia render` writes)."""
    from pia.portfolio.render import document_job, refuse_unreadable
    from pia.history.versions import history_of
    from pia.output.formats import OUTPUTS

    a = asm.load(folder, reuse)
    kind = document_of(a, doc)
    if kind is None:
        raise NoDocument("この評価書フォルダにその評価書はありません。")
    refuse_unreadable(a)  # as pia render: never a download missing a file's content
    check_assessment(a)  # as pia render does: values read the schema's way (「３件」 -> 3) before they are printed
    derived = history_of(folder, reuse)[0]
    stem = kinds.output_stem(folder.resolve().name, kind, family.main_kind(a))
    with pdfparts.cached(_PDF_PARTS):  # after an edit, only the parts of the PDF it touches are laid out again
        return OUTPUTS[name].write(document_job(a, folder, kind, derived)), stem + OUTPUTS[name].suffix


_PDF_PARTS = pdfparts.MemoryCache()  # laid-out parts of the PDF downloads, in memory: serve writes no files


class Documents:
    """Each document's HTML (before the panel goes in) by what it is made from: the documents it prints
    (family.printed_from) by the hash of their files, the folder's kinds, its 変更箇所 rows from history, and the
    figures it read (their bytes, read again before a page is reused). A save of one file re-renders only the
    documents made from it: a 全項目 page when kiso.yaml changed is the one rendered before."""

    def __init__(self, size: int = CACHE_SIZE):
        self.size = size
        self.lock = threading.Lock()
        self.pages: dict[str, tuple[tuple[tuple[object, str], ...], str]] = {}  # inputs -> (figures read, HTML)
        self.renders = 0

    def html(self, a: asm.Assessment, folder: Path, kind: kinds.Kind, derived: dict[str, Any]) -> str:
        from pia.document import figures
        from pia.portfolio.render import document_job

        key = _made_from(a, kind, derived) if self.size else None
        with self.lock:
            got = self.pages.get(key) if key else None
        if got is not None and all(figures.state(folder, rel) == state for rel, state in got[0]):
            return got[1]
        job = document_job(a, folder, kind, derived)
        html = job.html
        with self.lock:
            self.renders += 1
            if key:
                budget = job.page.ctx.figures if job.page is not None else None
                self.pages.pop(key, None)
                self.pages[key] = (tuple(budget.read_from) if budget else (), html)
                while len(self.pages) > self.size:
                    self.pages.pop(next(iter(self.pages)))
        return html


def _made_from(a: asm.Assessment, kind: kinds.Kind, derived: dict[str, Any]) -> str | None:
    """A hash of what a document's page is made from besides its figures; None when a file of it was not read
    through the reuse cache (its bytes have no hash)."""
    docs = []
    for key in family.printed_from(a, kind):
        d = a.docs[key]
        if d is not None and not d.source:
            return None
        docs.append((key, d.source if d is not None else None))
    main = family.main_kind(a)
    blob = json.dumps([kind.id, main.id if main else None, [k.id for k in family.present(a)], a.folder, a.final,
                       docs, derived.get(kind.id)], ensure_ascii=False, sort_keys=True, default=repr)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class _Cache:
    """Pages by content hash: a request renders only when the YAML changed; requests for different contents render
    side by side, requests for the same content wait for the one rendering it."""

    def __init__(self, folder: Path):
        self.folder = folder
        # pages are kept with this mark where the nonce goes; each response puts its own nonce there (the YAML
        # cannot contain the mark: it is drawn when the server starts)
        self.mark = "pia-nonce-" + secrets.token_hex(16)
        self.version = _Versions(folder)
        self.reuse = Reuse()  # files loaded and validated, by their bytes
        self.documents = Documents()  # documents rendered, by what they are made from
        self.pages: dict[tuple[str, str | None], str] = {}  # (content hash, document) -> page
        self.locks: dict[tuple[str, str | None], threading.Lock] = {}
        self.guard = threading.Lock()  # held only to look up or store, never while rendering
        self.renders = 0

    def get(self, version: str, doc: str | None = None) -> str:
        key = (version, doc)
        with self.guard:
            if key in self.pages:
                return self.pages[key]
            lock = self.locks.setdefault(key, threading.Lock())
        try:
            with lock:
                with self.guard:
                    if key in self.pages:
                        return self.pages[key]
                html, actual = page(self.folder, self.mark, doc, self.reuse, self.documents)
                self.renders += 1
                with self.guard:
                    self.pages[(actual, doc)] = html
                    while len(self.pages) > CACHE_SIZE:
                        self.pages.pop(next(iter(self.pages)))
                return html
        finally:  # a failed render leaves no entry: the table holds only renders under way
            with self.guard:
                self.locks.pop(key, None)

    def prepare(self, version: str, doc: str | None = None) -> None:
        """Start rendering the page of a new version in the background (the poll that saw the change answers at
        once; the reload it causes finds the page ready or being rendered)."""
        if doc is not None and doc not in kinds.kinds():
            return
        with self.guard:
            if (version, doc) in self.pages or (version, doc) in self.locks:
                return
        threading.Thread(target=self._prepare, args=(version, doc), daemon=True).start()

    def _prepare(self, version: str, doc: str | None) -> None:
        try:
            self.get(version, doc)
        except Exception:  # the request that follows renders again and shows the error
            pass


def _doc_param(query: str) -> str | None:
    """`doc=basic` of a query: one of the registry's kind ids; anything else raises NoDocument (a 404) before the
    folder is read."""
    from urllib.parse import parse_qs

    values = parse_qs(query).get("doc")
    if not values:
        return None
    if len(values) > 1 or kinds.by_id(values[0]) is None:
        raise NoDocument("その評価書はありません。")
    return values[0]


# Japanese text of every status pia serve sends (http.server's own pages are English and carry no CSP).
STATUS_TEXT = {
    400: "要求の形式が正しくありません。",
    403: "このプレビューは、このパソコンのブラウザで http://127.0.0.1:ポート/ として開いたときだけ表示します。"
         "ほかのページから読み込むことはできません。",
    404: "ありません。",
    405: "この操作はできません（プレビューは表示とダウンロードだけです）。",
    408: "要求が届くまでに時間がかかりすぎました。",
    413: "要求が大きすぎます。",
    414: "アドレスが長すぎます。",
    431: "要求のヘッダーが大きすぎます。",
    500: "プレビューの内部エラーです。",
    501: "この操作はできません（プレビューは表示とダウンロードだけです）。",
    505: "この HTTP の版には対応していません。",
}


class _Handler(BaseHTTPRequestHandler):
    cache: _Cache
    timeout = TIMEOUT_S  # socket timeout: a silent or slow client cannot hold a thread for ever

    def _allowed(self) -> bool:
        """Host and Origin name this server, and the browser did not send the request for another site's page
        (an <img> or link there pointing here carries `Sec-Fetch-Site: cross-site` and no Origin)."""
        port = self.server.server_address[1]
        hosts = {f"127.0.0.1:{port}", f"localhost:{port}"}
        origin = self.headers.get("Origin")
        site = self.headers.get("Sec-Fetch-Site")
        return (self.headers.get("Host", "").lower() in hosts
                and (origin is None or origin.lower() in {f"http://{h}" for h in hosts})
                and (site is None or site.lower() in ("same-origin", "none")))

    def _send(self, status: int, body: bytes | str, ctype: str, filename: str = "") -> None:
        """One response, with a nonce of its own (put where the page has the cache's mark)."""
        nonce = secrets.token_urlsafe(16)
        if isinstance(body, str):
            body = body.replace(self.cache.mark, nonce).encode("utf-8")
        if self.request_version == "HTTP/0.9":  # http.server's default before the request line is read: no headers
            self.request_version = "HTTP/1.0"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if filename:
            self.send_header("Content-Disposition", f"attachment; filename*=UTF-8''{quote(filename)}")
        if status == 405:
            self.send_header("Allow", "GET, HEAD")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Security-Policy",
                         f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; "
                         "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; "
                         "form-action 'none'; frame-ancestors 'none'")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _status_page(self, status: int, text: str = "") -> None:
        body = (f"<!DOCTYPE html><html lang='ja'><head><meta charset='utf-8'><title>pia serve: {status}</title></head>"
                f"<body><p>{escape(text or STATUS_TEXT.get(status, 'できません。'))}</p></body></html>")
        self._send(status, body, "text/html; charset=utf-8")

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's answer to a malformed request, an unknown method, a too long line: in Japanese, with
        the same headers as every other response."""
        self.close_connection = True
        self.command = getattr(self, "command", None) or "GET"  # the request line itself may be unreadable
        self._status_page(code)

    def _refuse_method(self) -> None:
        self._status_page(405)

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_CONNECT = do_TRACE = _refuse_method

    def do_HEAD(self) -> None:  # noqa: N802 (http.server's name)
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802
        if not self._allowed():
            self._status_page(403)
            return
        url = urlsplit(self.path)
        path = url.path  # nothing is read by path: the pages, their version and the format table's outputs
        try:
            doc = _doc_param(url.query)  # an unknown document is refused before anything is read
            if path == "/version":
                version = self.cache.version()
                self.cache.prepare(version, doc)  # the page the browser will ask for next is rendered now
                body, ctype = version, "text/plain; charset=utf-8"
            elif path in ("/", "/index.html"):
                body, ctype = self.cache.get(self.cache.version(), doc), "text/html; charset=utf-8"
            elif path.startswith("/download/") and path.removeprefix("/download/") in {f.name for f in _downloads()}:
                fmt = next(f for f in _downloads() if f.name == path.removeprefix("/download/"))
                data, filename = output(self.cache.folder, fmt.name, doc, self.cache.reuse)
                self._send(200, data, fmt.mime, filename)
                return
            else:
                self._status_page(404)
                return
        except NoDocument as e:
            self._status_page(404, str(e))
            return
        except Exception as e:  # a broken file is shown, not a crash of the server
            if isinstance(e, PiaError) and path.startswith("/download/"):
                self._status_page(409, str(e))  # a download refused (a file not read): said, not served in its place
                return
            body = (f"<!DOCTYPE html><html lang='ja'><meta charset='utf-8'><p>表示できませんでした: {escape(str(e))}</p>"
                    f"<script nonce='{self.cache.mark}'>setTimeout(()=>location.reload(),{POLL_MS * 2})</script></html>")
            ctype = "text/html; charset=utf-8"
        self._send(200, body, ctype)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A browser that went away (a download cancelled, a page left while loading) is no error to print."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def make_server(folder: Path, port: int) -> ThreadingHTTPServer:
    handler = type("Handler", (_Handler,), {"cache": _Cache(folder)})
    server = _Server(("127.0.0.1", port), handler)  # never reachable from other machines
    server.daemon_threads = True
    return server
