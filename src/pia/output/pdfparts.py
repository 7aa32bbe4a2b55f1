"""One large PDF laid out in parallel and incrementally: the document's HTML is split at the parts of the form (each
begins a new page: `h2 { break-before: page }`), each part is laid out as a document of its own (a unit), by several
processes, and the PDFs are merged (pikepdf).

- Shared work is done once: the processes that lay out are forked from one that has imported WeasyPrint, parsed the
  stylesheet and loaded the fonts; each then parses and lays out only its own units' HTML.
- A unit's PDF depends on its HTML only, so it is kept in a cache (PartCache, under the output folder) by the hash of
  what it prints: after an edit, only the units whose HTML changed are laid out again.
- What spans the parts is laid out once, in one more document (the head): the cover and 項目一覧, then one empty page
  per page of the units, carrying the anchors 項目一覧 points at. WeasyPrint numbers 項目一覧 itself
  (`target-counter`) and paints 「n / N」 and the running title on every page; the head's empty pages are laid over
  the units' pages as an /Artifact (the units are laid out without margin boxes).
- bookmarks: rebuilt from the units' `Page.bookmarks` with WeasyPrint's nesting of levels, over all pages.
- PDF/UA: one StructTreeRoot; the units' Document children go under the first unit's Document, the ParentTree is
  renumbered (pages 0..N-1, then the annotations) with /StructParents and /StructParent moved to match, and the
  table header IDs of each unit are prefixed so that they stay unique.
"""
from __future__ import annotations

import gc
import hashlib
import html as htmllib
import io
import json
import os
import pickle
import re
import threading
from collections import Counter, OrderedDict
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import AbstractSet, Any, Callable, Iterator, Sequence
from urllib.parse import unquote

from pia.base import collect

# Anchored at a line start: user text is escaped, so "<" never begins a line of it.
_PART = re.compile(r"^<(header|nav|section)\b[^>]*>", re.M)
_BODY = re.compile(r"<body>\n?")
_STYLE = re.compile(r"<style>(.*?)</style>\n?", re.S)
_TOC_LINK = re.compile(r'<a href="#([^"]+)">')
_NEWPAGE = re.compile(r'^<table class="newpage">', re.M)
_ID = re.compile(r' id="[^"]*"')
# Margin boxes are painted by the head's empty pages instead.
_NO_FURNITURE = "\n@page { @top-center { content: none } @bottom-center { content: none } }"
_PAGES = "\n.pia-page { break-before: page; }"

ENV = "PIA_PDF_WORKERS"
MIN_SIZE = 60_000      # bytes of HTML (about 15 pages): below this, laying out in parts costs more than it saves
SCALE = 0.75           # CSS px -> PDF pt, as WeasyPrint writes
CACHE_DIR = Path(".pia-cache") / "pdf"  # under the output folder


@cache
def _salt() -> str:
    """What a layout depends on besides its document: the versions of pia, WeasyPrint and pydyf, the code that lays
    out (this module, the URL fetcher and the font merge), and the font files in fontconfig's usual folders (name,
    size, time), so that installing or updating fonts lays everything out again."""
    from importlib.util import find_spec

    import pia

    h = hashlib.sha256(pia.__version__.encode())
    for name in ("weasyprint", "pydyf"):  # their __init__.py holds their version (importlib.metadata is slow to load)
        spec = find_spec(name)
        if spec is not None and spec.origin:
            h.update(Path(spec.origin).read_bytes())
    for source in ("pdfparts.py", "fetch.py", "sfnt.py"):
        h.update(Path(__file__).with_name(source).read_bytes())
    folders = [Path("/usr/share/fonts"), Path("/usr/local/share/fonts")]
    with suppress(RuntimeError, KeyError):
        folders += [Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "fonts", Path.home() / ".fonts"]
    for folder in folders:
        for root, dirs, files in sorted(os.walk(folder)):
            dirs.sort()
            for name in sorted(files):
                with suppress(OSError):
                    st = os.stat(os.path.join(root, name))
                    h.update(f"\0{root}/{name} {st.st_size} {st.st_mtime_ns}".encode())
    return h.hexdigest()


def _key(*texts: str) -> str:
    h = hashlib.sha256(_salt().encode())
    for t in texts:
        h.update(b"\0" + t.encode())
    return h.hexdigest()


@dataclass(frozen=True)
class Doc:
    """One document to lay out: its HTML without its stylesheet, the stylesheet (parsed once per process and shared
    by the documents that use it), and the prefix given to its table header IDs."""
    html: str
    css: str
    ids: str = ""

    @cached_property
    def key(self) -> str:
        return _key("unit", self.css, self.html, self.ids)


def _doc(html: str, ids: str = "") -> Doc:
    """A whole HTML document as a Doc: its first <style> in <head> becomes the shared stylesheet."""
    head = html.find("</head>")
    m = _STYLE.search(html, 0, head) if head >= 0 else None
    return Doc(html[:m.start()] + html[m.end():], m.group(1), ids) if m else Doc(html, "", ids)


@dataclass
class Laid:
    """A laid-out document: its PDF and where its anchors and bookmarks are (page index, PDF point)."""
    pdf: bytes
    pages: int
    anchors: dict[str, int] = field(default_factory=dict)
    bookmarks: list[tuple[int, str, int, float, float, str]] = field(default_factory=list)


@dataclass
class Split:
    prefix: str          # up to and including <body>
    head: list[str]      # the cover and 項目一覧
    parts: list[str]     # the form's parts, in order
    suffix: str          # </body></html>

    @cached_property
    def bare(self) -> tuple[str, str]:
        """(the prefix without its stylesheet, the stylesheet)."""
        d = _doc(self.prefix)
        return d.html, d.css

    def units(self) -> list[Doc]:
        """Each part as a document of its own. Its table header IDs are prefixed by the part's own hash (and how many
        identical parts came before), so that a unit's PDF depends on the unit only."""
        bare, css = self.bare
        seen: Counter[str] = Counter()
        out = []
        for part in self.parts:
            digest = hashlib.sha256(part.encode()).hexdigest()[:12]
            seen[digest] += 1
            out.append(Doc(bare + part + self.suffix, css + _NO_FURNITURE, f"u{digest}.{seen[digest]}-"))
        return out

    def head_doc(self, units: list[Laid]) -> Doc:
        """The cover and 項目一覧, then one empty page per page of the units holding the anchors 項目一覧 points at
        (the first unit that has one wins, as in one document)."""
        targets = {unquote(htmllib.unescape(t)) for t in _TOC_LINK.findall(self.head[1])}
        pages: list[list[str]] = []
        placed: set[str] = set()
        for laid in units:
            on: list[list[str]] = [[] for _ in range(laid.pages)]
            for name, page in laid.anchors.items():
                if name in targets and name not in placed:
                    placed.add(name)
                    on[page].append(name)
            pages += on
        empty = "".join('<div class="pia-page">' + "".join(f'<div id="{htmllib.escape(n)}"></div>' for n in sorted(names))
                        + "</div>\n" for names in pages)
        bare, css = self.bare
        return Doc(bare + "".join(self.head) + empty + self.suffix, css + _PAGES)


def split(html: str) -> Split | None:
    """The document as head (cover, 項目一覧) and parts; None when it is not pia's assessment document."""
    body = _BODY.search(html)
    end = html.rfind("</body>")
    if body is None or end < 0 or "</head>" not in html[:body.start()]:
        return None
    starts = [m for m in _PART.finditer(html, body.end(), end)]
    if not starts or starts[0].start() != body.end():
        return None
    pieces = [html[m.start():(starts[i + 1].start() if i + 1 < len(starts) else end)] for i, m in enumerate(starts)]
    tags = [m.group(1) for m in starts]
    if any(not p.rstrip().endswith(f"</{t}>") for p, t in zip(pieces, tags)) or tags[:2] != ["header", "nav"]:
        return None
    return Split(html[:body.end()], pieces[:2], [p for piece in pieces[2:] for p in _pages(piece)], html[end:])


def _pages(piece: str) -> list[str]:
    """A part, and its section's tables that start on a new page (Block.tables) as parts of their own, each in a copy
    of the section's element without its ID. WeasyPrint tags a section with one element per page it spans, so the
    structure tree is the same as in one document."""
    cuts = [m.start() for m in _NEWPAGE.finditer(piece)] if piece.startswith("<section") else []
    if not cuts:
        return [piece]
    tag = _ID.sub("", piece[:piece.index(">") + 1], count=1)
    edges = [0] + cuts + [len(piece)]
    return [(tag + "\n" if a else "") + piece[a:b] + ("</section>\n" if b < len(piece) else "")
            for a, b in zip(edges, edges[1:])]


def workers() -> int:
    """How many processes lay out one document: the usable cores, or PIA_PDF_WORKERS (1 = one process)."""
    value = os.environ.get(ENV, "").strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Forking is sound only from a process with one thread (pia serve answers in threads), and a pool's worker
    (daemonic) may not start processes."""
    import multiprocessing

    return ("fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
            and not multiprocessing.current_process().daemon)


# --- laying out, in this process ---------------------------------------------------------------------------------

_FONTS: list[Any] = []          # this process's FontConfiguration, made once
_SHEETS: dict[str, Any] = {}    # parsed stylesheets, by their text


def _warm() -> None:
    import logging

    import weasyprint  # noqa: F401

    logging.getLogger("weasyprint").setLevel(logging.ERROR)


def _fonts() -> Any:
    from weasyprint.text.fonts import FontConfiguration

    if not _FONTS:
        _FONTS.append(FontConfiguration())
    return _FONTS[0]


def _sheet(css: str) -> Any:
    import weasyprint

    from pia.output.fetch import refuse_fetch

    fonts = _fonts()
    if css not in _SHEETS:
        if len(_SHEETS) >= 16:  # a long-running process (pia serve) meets few stylesheets; stay bounded anyway
            _SHEETS.clear()
        _SHEETS[css] = weasyprint.CSS(string=css, font_config=fonts, url_fetcher=refuse_fetch)
    return _SHEETS[css]


def _prepare(sheets: set[str]) -> None:
    """Before forking: import WeasyPrint, parse the stylesheets, and load the fonts they name (a line of text laid
    out with each), so that the forked processes share all of it."""
    import weasyprint

    from pia.output.fetch import refuse_fetch

    _warm()
    for css in sorted(sheets):
        sheet = _sheet(css)
        weasyprint.HTML(string='<p lang="ja">評価書 Aa1</p>', url_fetcher=refuse_fetch).render(
            font_config=_fonts(), stylesheets=[sheet])


def lay_out(doc: Doc | str) -> Laid:
    """A document laid out by WeasyPrint, tagged (PDF/UA-1)."""
    import weasyprint

    from pia.output.fetch import refuse_fetch

    if isinstance(doc, str):
        doc = _doc(doc)
    _warm()
    sheets = [_sheet(doc.css)] if doc.css else []
    with collect.fewer_while():  # WeasyPrint keeps many objects alive while it lays out (pia.base.collect)
        d = weasyprint.HTML(string=doc.html, base_url=None, url_fetcher=refuse_fetch).render(
            pdf_variant="pdf/ua-1", font_config=_fonts(), stylesheets=sheets)
        laid = Laid(d.write_pdf(pdf_variant="pdf/ua-1", uncompressed_pdf=False,
                                finisher=_unique_ids(doc.ids) if doc.ids else None), len(d.pages))
    for i, page in enumerate(d.pages):
        for name in page.anchors:
            laid.anchors.setdefault(name, i)
        for level, label, (x, y), state in page.bookmarks:
            laid.bookmarks.append((level, label, i, x * SCALE, (page.height - y) * SCALE, state))
    return laid


def _unique_ids(prefix: str) -> Any:
    """A finisher: WeasyPrint names table headers by object number, which repeats across units; prefix them."""
    import pydyf

    def finish(document: Any, pdf: Any) -> None:
        for obj in pdf.objects:
            if not isinstance(obj, pydyf.Dictionary) or obj.get("Type") != "/StructElem":
                continue
            if "ID" in obj:
                obj["ID"] = pydyf.String(prefix + obj["ID"].string)
            headers = (obj.get("A") or {}).get("Headers") if isinstance(obj.get("A"), dict) else None
            if headers:
                obj["A"]["Headers"] = pydyf.Array(pydyf.String(prefix + h.string) for h in headers)
    return finish


# --- laying out, in other processes ------------------------------------------------------------------------------

Result = Callable[[], list[Laid]]


class _Layouts:
    """Lays out documents here one after the other, or in `processes` processes forked from this one once it has
    done the shared work (_prepare). Which process lays out a document changes nothing in its bytes."""

    def __init__(self, processes: int):
        self.processes = processes
        self.pool: Any = None

    def start(self, docs: list[Doc], sheets: AbstractSet[str] = frozenset()) -> Result:
        if not docs:
            return lambda: []
        if self.pool is None and (self.processes < 2 or len(docs) < 2 or not can_fork()):
            return lambda: [lay_out(d) for d in docs]
        forking = self.pool is None
        if forking:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            _prepare({d.css for d in docs if d.css} | set(sheets))
            # what the processes inherit (WeasyPrint, the stylesheets, the fonts) stays out of their collections
            gc.collect()
            gc.freeze()
        try:
            if forking:  # a process pool of concurrent.futures reports a worker that died (BrokenProcessPool)
                self.pool = ProcessPoolExecutor(self.processes, multiprocessing.get_context("fork"))
            # the largest first, so that a process that is free takes the next (the first submit forks the processes)
            futures = {i: self.pool.submit(lay_out, docs[i])
                       for i in sorted(range(len(docs)), key=lambda i: -len(docs[i].html))}
        finally:
            if forking:
                gc.unfreeze()
        return lambda: [futures[i].result() for i in range(len(docs))]

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
            self.pool = None


def _serve(conn: Any, processes: int, theirs: Any = None) -> None:
    """The layout server: imports WeasyPrint while its parent reads and checks the assessment, then lays out what it
    is sent, forking its layout processes after the first request's shared work."""
    import signal

    if theirs is not None:  # the parent's end, inherited by the fork: held open here, a send could wait for ever
        theirs.close()
    with suppress(OSError):  # a group of its own: when it must be killed, its layout processes go with it
        os.setpgid(0, 0)

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and closes the connection
    gc.disable()  # importing makes objects that all stay: collecting while WeasyPrint is imported finds nothing
    try:
        _warm()
    finally:
        gc.enable()
    layouts = _Layouts(processes)
    try:
        while True:
            try:
                request = conn.recv()
            except (EOFError, OSError):
                break
            if request is None:
                break
            try:
                answer: tuple[str, Any] = ("ok", layouts.start(*request)())
            except BaseException as e:  # sent back and raised in the parent
                try:
                    pickle.dumps(e)
                except Exception:
                    e = RuntimeError(f"{type(e).__name__}: {e}")
                answer = ("error", e)
            conn.send(answer)
    finally:
        layouts.close()
        conn.close()


class _Server:
    """The parent's side of the layout server (one request at a time)."""

    def __init__(self, processes: int):
        import multiprocessing

        ctx = multiprocessing.get_context("fork")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child, processes, self.conn), name="pia-pdf-layout")
        self.process.start()
        child.close()
        self.pending: Result | None = None

    def start(self, docs: list[Doc], sheets: AbstractSet[str] = frozenset()) -> Result:
        if self.pending is not None:  # an answer nobody waited for (an error in between)
            with suppress(Exception):
                self.pending()
        self.conn.send((docs, set(sheets)))

        def result() -> list[Laid]:
            self.pending = None
            try:
                kind, value = self.conn.recv()
            except (EOFError, OSError):
                from pia.base.errors import PiaError

                raise PiaError("PDF をレイアウトするプロセスが止まりました（メモリ不足など）。もう一度実行してください。") from None
            if kind == "error":
                raise value
            return value

        self.pending = result
        return result

    def close(self, wait: float = 60) -> None:
        """End the server: after an error, first take the answer nobody asked for (so that it is not left sending it);
        after `wait` seconds (0 after Ctrl-C), kill it with its layout processes."""
        import signal

        if self.pending is not None and self.conn.poll(wait):
            with suppress(Exception):
                self.pending()
        with suppress(OSError):
            self.conn.send(None)
        self.conn.close()
        self.process.join(wait)
        if self.process.is_alive():
            with suppress(OSError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.kill()
            self.process.join()


_SHARED: list[_Server] = []
_LATER: list[str] = []            # whole documents to lay out beside the large one's head
_STARTED: dict[str, Laid] = {}    # their results, by key


@contextmanager
def processes() -> Iterator[None]:
    """Start the layout server before the HTML is ready (pia render: it imports WeasyPrint meanwhile), and use it for
    every PDF written inside the block."""
    n = workers()
    if _SHARED or n < 2 or not can_fork():
        yield
        return
    _SHARED.append(_Server(n))
    interrupted = False
    try:
        yield
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        _SHARED.pop().close(0 if interrupted else 60)
        _LATER.clear()
        _STARTED.clear()


def later(html: str) -> None:
    """A document that will be written next: with a layout server, lay it out beside the large one's head."""
    if _SHARED and (len(html) < MIN_SIZE or split(html) is None):
        _LATER.append(html)


# --- the cache ---------------------------------------------------------------------------------------------------

def _valid(laid: Any) -> bool:
    """A laid-out document as the merge expects it (what a cache gives back is checked, never trusted)."""
    return (isinstance(laid, Laid) and isinstance(laid.pdf, bytes) and laid.pdf.startswith(b"%PDF-")
            and isinstance(laid.pages, int) and laid.pages >= 0 and isinstance(laid.anchors, dict)
            and all(isinstance(k, str) and isinstance(v, int) and 0 <= v < laid.pages for k, v in laid.anchors.items())
            and isinstance(laid.bookmarks, list)
            and all(isinstance(b, tuple) and len(b) == 6 and isinstance(b[0], int) and isinstance(b[1], str)
                    and isinstance(b[2], int) and 0 <= b[2] < laid.pages and all(isinstance(v, (int, float)) for v in b[3:5])
                    and isinstance(b[5], str) for b in laid.bookmarks))


class PartCache:
    """Laid-out units and documents in `<root>/.pia-cache/pdf/`, by the hash of what they print (Doc.key). Bounded:
    when it holds more than `entries` files or `size` bytes, the least recently used go. An entry is a header (its
    key, the SHA-256 of its PDF, pages, anchors, bookmarks) and the PDF; one that does not read back exactly is ignored
    and removed. Written and removed through pia.base.fswrite (atomic, never through a link, not synced to disk),
    best effort: a cache that cannot be written only makes the next render slower."""

    MAGIC = b"pia-pdf-part 1\n"

    def __init__(self, root: Path, entries: int = 1000, size: int = 300_000_000):
        self.root, self.folder = root, root / CACHE_DIR
        self.entries, self.size = entries, size
        self.hits = self.misses = 0
        self.lock = threading.Lock()

    def _remove(self, names: list[str]) -> None:
        from pia.base import fswrite
        from pia.base.errors import PiaError

        with suppress(PiaError, OSError):
            fswrite.commit(self.root, {}, delete=[f"{CACHE_DIR.as_posix()}/{n}" for n in names], create=False)

    def get(self, key: str) -> Laid | None:
        path = self.folder / key
        laid = None
        try:
            data = path.read_bytes()
            if data.startswith(self.MAGIC):
                header, pdf = data[len(self.MAGIC):].split(b"\n", 1)
                h = json.loads(header)
                if h.get("key") == key and h.get("sha256") == hashlib.sha256(pdf).hexdigest():
                    laid = Laid(pdf, h["pages"], h["anchors"], [tuple(b) for b in h["bookmarks"]])
            if laid is None or not _valid(laid):
                laid = None
                self._remove([key])
            else:
                with suppress(OSError):
                    os.utime(path)  # recently used
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            laid = None
        with self.lock:
            if laid is None:
                self.misses += 1
            else:
                self.hits += 1
        return laid

    def put(self, key: str, laid: Laid) -> None:
        from pia.base import fswrite
        from pia.base.errors import PiaError

        header = json.dumps({"key": key, "sha256": hashlib.sha256(laid.pdf).hexdigest(), "pages": laid.pages,
                             "anchors": laid.anchors, "bookmarks": laid.bookmarks}, ensure_ascii=False, sort_keys=True)
        with suppress(PiaError, OSError):
            fswrite.write(self.root, f"{CACHE_DIR.as_posix()}/{key}", self.MAGIC + header.encode() + b"\n" + laid.pdf,
                          durable=False)  # an entry torn by a crash reads back wrong and is removed

    def prune(self) -> None:
        """Remove the least recently used entries beyond the bounds (and temporary files of a killed pia)."""
        try:
            files = [(e.stat().st_mtime_ns, e.stat().st_size, e.name) for e in os.scandir(self.folder) if e.is_file()]
        except OSError:
            return
        files.sort(reverse=True)
        total, doomed = 0, []
        for i, (_, size, name) in enumerate(files):
            total += size
            if i >= self.entries or total > self.size or name.startswith("."):
                doomed.append(name)
        if doomed:
            self._remove(doomed)


class MemoryCache:
    """The same in memory, for a long-running process that writes no files (pia serve)."""

    def __init__(self, size: int = 100_000_000):
        self.size = size
        self.items: OrderedDict[str, Laid] = OrderedDict()
        self.lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: str) -> Laid | None:
        with self.lock:
            laid = self.items.get(key)
            if laid is None:
                self.misses += 1
            else:
                self.hits += 1
                self.items.move_to_end(key)
            return laid

    def put(self, key: str, laid: Laid) -> None:
        with self.lock:
            self.items[key] = laid
            self.items.move_to_end(key)
            while sum(len(v.pdf) for v in self.items.values()) > self.size and len(self.items) > 1:
                self.items.popitem(last=False)

    def prune(self) -> None:
        pass


_CACHE: ContextVar[Any] = ContextVar("pia_pdf_cache", default=None)


@contextmanager
def cached(cache: PartCache | MemoryCache | None) -> Iterator[Any]:
    """Use `cache` for the PDFs written inside the block (in this thread); prune it at the end."""
    token = _CACHE.set(cache)
    try:
        yield cache
    finally:
        _CACHE.reset(token)
        if cache is not None:
            cache.prune()


class _Started:
    """Documents being laid out: calling it waits for them; store() then keeps the new ones in the cache (a separate
    step, so that the next layout starts first: the cache is written while it runs)."""

    def __init__(self, runner: Any, docs: list[Doc], cache: Any, extra: Sequence[Doc] = (),
                 sheets: AbstractSet[str] = frozenset()):
        """Start laying out the documents the cache does not hold (and `extra`, kept in _STARTED for whole());
        sheets: stylesheets of later documents, parsed before the layout processes fork."""
        self.docs, self.cache = docs, cache
        self.found = {d.key: cache.get(d.key) for d in docs} if cache is not None else {}
        if cache is not None:
            todo = []
            for d in extra:
                laid = cache.get(d.key)
                if laid is None:
                    todo.append(d)
                else:
                    _STARTED[d.key] = laid
            extra = todo
        self.extra = extra
        self.work = list({d.key: d for d in [*docs, *extra] if self.found.get(d.key) is None}.values())
        self.started = runner.start(self.work, set(sheets)) if self.work else (lambda: [])
        self.done: dict[str, Laid] = {}

    def __call__(self) -> list[Laid]:
        self.done = dict(zip([d.key for d in self.work], self.started()))
        _STARTED.update({d.key: self.done[d.key] for d in self.extra})
        return [self.found.get(d.key) or self.done[d.key] for d in self.docs]

    def store(self) -> None:
        if self.cache is not None:
            for key, laid in self.done.items():
                self.cache.put(key, laid)
            self.done = {}


def whole(html: str) -> bytes:
    """A document laid out in one piece (small, or not pia's assessment), by the layout server if there is one."""
    doc = _doc(html)
    laid = _STARTED.pop(doc.key, None)
    if laid is None:
        started = _Started(_SHARED[0] if _SHARED else _Layouts(1), [doc], _CACHE.get())
        laid = started()[0]
        started.store()
    return laid.pdf


def render(html: str, processes: int | None = None) -> bytes | None:
    """The PDF of a large assessment laid out in parts, by `processes` processes (default: the layout server, else
    workers()); None for a small document or one that is not pia's assessment document (then lay it out whole)."""
    s = split(html) if len(html) >= MIN_SIZE else None
    if s is None or len(s.parts) < 2:
        return None
    cache = _CACHE.get()
    final = _key("document", html)
    hit = cache.get(final) if cache is not None else None
    if hit is not None:
        return hit.pdf
    own = processes is not None or not _SHARED
    runner: Any = _Layouts(processes or workers()) if own else _SHARED[0]
    try:
        extra = [] if own else [_doc(h) for h in _LATER]
        _LATER.clear()
        started = _Started(runner, s.units(), cache, sheets={s.bare[1] + _PAGES} | {d.css for d in extra if d.css})
        _merging()  # while the units are laid out
        units = started()
        # the small documents of the same folder are laid out beside the head, which has only one process to itself
        head = _Started(runner, [s.head_doc(units)], cache, extra)
        started.store()  # meanwhile
        merged = Merge(units)
        pdf = merged.finish(head()[0])
        head.store()
    finally:
        if own:
            runner.close()
    if cache is not None:
        cache.put(final, Laid(pdf, 0))
    return pdf


# --- merging -----------------------------------------------------------------------------------------------------

def _merging() -> None:
    """Import what merging needs (pikepdf), in a process that would otherwise wait."""
    import pikepdf  # noqa: F401


def _tree(node: Any, leaves: str) -> list[tuple[Any, Any]]:
    """The (key, value) pairs of a number tree (leaves "/Nums") or name tree ("/Names"), in order."""
    out = []
    pairs = node.get(leaves)
    if pairs is not None:
        out += [(pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2)]
    for kid in node.get("/Kids", ()):
        out += _tree(kid, leaves)
    return out


_MARKED = re.compile(rb"/[A-Za-z]+\s*<<\s*/MCID\s+(\d+)\s*>>\s*BDC")


def _artifacts(pdf: Any, page: Any, keep: Callable[[int], bool]) -> None:
    """Mark the page's marked content whose MCID keep() refuses as /Artifact (WeasyPrint tags the margin boxes'
    text with MCIDs that no element of the tree holds). WeasyPrint writes text as hex strings, so the pattern cannot
    occur inside one."""
    from pikepdf import Array

    contents = page.obj.Contents
    data = b"".join(c.read_bytes() for c in contents) if isinstance(contents, Array) else contents.read_bytes()
    new = _MARKED.sub(lambda m: m.group(0) if keep(int(m.group(1))) else b"/Artifact BMC", data)
    if new != data:
        page.obj.Contents = pdf.make_stream(new)


def _reachable(element: Any, seen: set[tuple[int, int]]) -> None:
    import pikepdf

    stack = [element]
    while stack:
        e = stack.pop()
        if not isinstance(e, pikepdf.Dictionary) or e.objgen in seen:
            continue
        if e.objgen != (0, 0):
            seen.add(e.objgen)
        k = e.get("/K")
        stack += list(k) if isinstance(k, pikepdf.Array) else [] if k is None else [k]


def _head(src: Any, units: int) -> tuple[int, list[Any]]:
    """Prune the head's PDF to its own pages (the cover and 項目一覧) and return how many there are and its empty
    pages (one per page of the units) as Form XObjects, all of their content an artifact."""
    import pikepdf

    n = len(src.pages) - units
    if n < 1:
        raise AssertionError(f"the head has {len(src.pages)} pages for {units} pages of units")
    own = {src.pages[i].objgen for i in range(n)}
    root = src.Root.StructTreeRoot
    document = root.K[0]

    def on_head(e: Any) -> bool:
        while isinstance(e, pikepdf.Dictionary):
            if "/Pg" in e:
                return e.Pg.objgen in own
            k = e.get("/K")
            e = k[0] if isinstance(k, pikepdf.Array) and len(k) else k
        return False

    document.K = pikepdf.Array([kid for kid in document.K if on_head(kid)])
    reachable: set[tuple[int, int]] = set()
    _reachable(document, reachable)
    nums = dict((int(k), v) for k, v in _tree(root.ParentTree, "/Nums"))
    kept = pikepdf.Array()
    annotations = [a for i in range(n) for a in src.pages[i].obj.get("/Annots", ()) if "/StructParent" in a]
    for i in range(n):
        page = src.pages[i]
        elements = nums[int(page.obj.StructParents)]
        inside = [isinstance(e, pikepdf.Dictionary) and e.objgen in reachable for e in elements]
        _artifacts(src, page, lambda mcid, inside=inside: mcid < len(inside) and inside[mcid])
        kept.extend([int(page.obj.StructParents), pikepdf.Array([e if ok else None for e, ok in zip(elements, inside)])])
    for a in annotations:
        kept.extend([int(a.StructParent), nums[int(a.StructParent)]])
    root.ParentTree = src.make_indirect(pikepdf.Dictionary(Nums=kept))
    if "/Names" in src.Root and "/Dests" in src.Root.Names:
        dests = [x for name, dest in _tree(src.Root.Names.Dests, "/Names") if dest[0].objgen in own for x in (name, dest)]
        src.Root.Names.Dests = src.make_indirect(pikepdf.Dictionary(Names=pikepdf.Array(dests)))
    forms = []
    for i in range(n, len(src.pages)):
        page = src.pages[i]
        _artifacts(src, page, lambda mcid: False)
        forms.append(page.as_form_xobject())
    return n, forms


class Merge:
    """One PDF from the units' PDFs, in two steps: the units as soon as they are laid out (while the head is laid
    out), then the head's own pages in front and its empty pages over the units' pages. The first unit gives the
    catalog, XMP and Info (every unit has the same <head>, so the same metadata)."""

    def __init__(self, parts: list[Laid]):
        import pikepdf

        self.parts = parts
        self.pdf = pikepdf.open(io.BytesIO(parts[0].pdf))
        self.sources = [self.pdf]  # open until saved: their objects are copied lazily
        root = self.pdf.Root.StructTreeRoot
        self.document = root.K[0]
        self.kids = list(self.document.K)
        self.keys = [{int(k): v for k, v in _tree(root.ParentTree, "/Nums")}]
        self.dests = self._dests(self.pdf)
        self.owners = [0] * len(self.pdf.pages)
        for part in parts[1:]:
            self._add(pikepdf.open(io.BytesIO(part.pdf)))
        _share_fonts(self.pdf)  # the units' fonts now, while the head is laid out; the head's join them in finish()

    @staticmethod
    def _dests(src: Any) -> list[tuple[Any, Any]]:
        return _tree(src.Root.Names.Dests, "/Names") if "/Names" in src.Root and "/Dests" in src.Root.Names else []

    def _add(self, src: Any, pages: int | None = None, front: bool = False) -> int:
        pdf = self.pdf
        self.sources.append(src)
        owner = len(self.keys)
        copied = list(src.pages)[:pages]
        if front:
            for i, page in enumerate(copied):
                pdf.pages.insert(i, page)
        else:
            pdf.pages.extend(copied)
        tree = pdf.copy_foreign(src.Root.StructTreeRoot)  # after the pages, so /Pg and /Obj point at the copies
        self.keys.append({int(k): v for k, v in _tree(tree.ParentTree, "/Nums")})
        kids = list(tree.K[0].K)
        for kid in kids:
            kid.P = self.document
        dests = self._dests(src) and _tree(pdf.copy_foreign(src.make_indirect(src.Root.Names.Dests)), "/Names")
        owners = [owner] * len(copied)
        if front:
            self.kids, self.owners, self.dests = kids + self.kids, owners + self.owners, dests + self.dests
        else:
            self.kids, self.owners, self.dests = self.kids + kids, self.owners + owners, self.dests + dests
        return owner

    def finish(self, head: Laid) -> bytes:
        import pikepdf
        from pikepdf import Array, Dictionary

        pdf, keys = self.pdf, self.keys
        src = pikepdf.open(io.BytesIO(head.pdf))
        n, forms = _head(src, len(pdf.pages))
        self._add(src, n, front=True)
        self.document.K = Array(self.kids)
        # ParentTree: pages 0..N-1, then the annotations, as WeasyPrint numbers them in one document
        nums = Array()
        annots: list[Any] = []
        for g, (page, owner) in enumerate(zip(pdf.pages, self.owners)):
            nums.extend([g, keys[owner][int(page.obj.StructParents)]])
            page.obj.StructParents = g
            annots += [(owner, a) for a in page.obj.get("/Annots", Array()) if "/StructParent" in a]
        for k, (owner, a) in enumerate(annots, len(pdf.pages)):
            nums.extend([k, keys[owner][int(a.StructParent)]])
            a.StructParent = k
        pdf.Root.StructTreeRoot.ParentTree = pdf.make_indirect(Dictionary(Nums=nums))
        first: dict[bytes, Any] = {}
        for name, dest in self.dests:  # the first part that has an anchor wins, as in one document
            first.setdefault(bytes(name), dest)
        if first:  # a name tree is sorted by its keys' bytes
            names = [x for name in sorted(first) for x in (pikepdf.String(name), first[name])]
            if "/Names" not in pdf.Root:
                pdf.Root.Names = Dictionary()
            pdf.Root.Names.Dests = Dictionary(Names=Array(names))
        marks = [b for b in head.bookmarks if b[2] < n]
        parts = self.parts
        _outline(pdf, marks + [(lv, label, offset + i, x, y, st) for part, offset in zip(parts, _offsets([p.pages for p in parts], n))
                               for lv, label, i, x, y, st in part.bookmarks])
        _lay_over(pdf, n, [pdf.copy_foreign(f) for f in forms])
        _share_fonts(pdf)
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate,
                 fix_metadata_version=False)  # keep WeasyPrint's XMP (pdfuaid) as it is
        return out.getvalue()


_BFCHAR = re.compile(rb"<([0-9a-fA-F]{4})>\s*<([0-9a-fA-F]*)>")


def _share_fonts(pdf: Any) -> None:
    """One embedded program per font for the whole PDF: each unit embeds its own subset of a font under the same name
    (WeasyPrint names a font by its description), so the fonts of that name get one program holding all their
    glyphs (pia.output.sfnt), one width array and one ToUnicode map. A font not as WeasyPrint writes it is left alone."""
    import pikepdf
    from pikepdf import Array

    from pia.output import sfnt

    groups: dict[str, list[Any]] = {}
    seen: set[tuple[int, int]] = set()
    for page in pdf.pages:
        holders = [page.obj.Resources] + [x.Resources for x in page.obj.Resources.get("/XObject", {}).values()
                                          if "/Resources" in x]
        for resources in holders:
            for font in resources.get("/Font", {}).values():
                if font.objgen not in seen:
                    seen.add(font.objgen)
                    groups.setdefault(str(font.get("/BaseFont")), []).append(font)
    for fonts in groups.values():
        if len(fonts) < 2:
            continue
        try:
            # one per program: fonts merged before (the units', in Merge) share theirs
            own = list({c.objgen: (f, c) for f in fonts for c in [f.DescendantFonts[0]]}.values())
            if len(own) < 2:
                continue
            cids = [c for _, c in own]
            if any(f.Subtype != "/Type0" or f.Encoding != "/Identity-H" or c.Subtype != "/CIDFontType2"
                   or c.get("/CIDToGIDMap") != "/Identity" or "/FontFile2" not in c.FontDescriptor
                   or "/CIDSet" in c.FontDescriptor for f, c in own):
                continue
            maps = [f.ToUnicode.read_bytes() for f, _ in own]
            if any(b"bfrange" in m for m in maps):
                continue
            widths = [_widths(c.W) for c in cids]
            program = sfnt.merge([c.FontDescriptor.FontFile2.read_bytes() for c in cids], [set(w) for w in widths])
        except (AttributeError, KeyError, TypeError, ValueError, IndexError, pikepdf.PdfError):
            continue
        if program is None:
            continue
        union: dict[int, Any] = {}
        for w in widths:
            for cid, width in w.items():
                union.setdefault(cid, width)
        text: dict[int, bytes] = {}
        for m in maps:
            for gid, hexa in _BFCHAR.findall(m):
                text.setdefault(int(gid, 16), hexa)
        first, descriptor = cids[0], cids[0].FontDescriptor
        w = Array()
        for cid in sorted(union):  # runs of consecutive CIDs, as WeasyPrint writes them
            if cid - 1 not in union:
                w.append(cid)
                w.append(Array())
            w[-1].append(union[cid])
        first.W = w
        boxes = [[float(x) for x in c.FontDescriptor.FontBBox] for c in cids]
        descriptor.FontBBox = Array([min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
                                     max(b[3] for b in boxes)])
        descriptor.FontFile2 = pdf.make_stream(program, Length1=len(program))
        items = sorted(text.items())
        lines = [b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap", b"/CIDSystemInfo",
                 b"<< /Registry (Adobe)", b"/Ordering (UCS)", b"/Supplement 0", b">> def", b"/CMapName /Adobe-Identity-UCS def",
                 b"/CMapType 2 def", b"1 begincodespacerange", b"<0000> <ffff>", b"endcodespacerange"]
        for i in range(0, len(items), 100):
            lines.append(f"{len(items[i:i + 100])} beginbfchar".encode())
            lines += [b"<%04x> <%s>" % (gid, hexa) for gid, hexa in items[i:i + 100]]
            lines.append(b"endbfchar")
        lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
        to_unicode = pdf.make_stream(b"\n".join(lines))
        descendants = Array([first])
        for f in fonts:
            f.DescendantFonts, f.ToUnicode = descendants, to_unicode



def _widths(w: Any) -> dict[int, Any]:
    """A CIDFont's /W as {CID: width}: `c [w1 w2 ...]` and `c1 c2 w` entries."""
    import pikepdf

    out: dict[int, Any] = {}
    items = list(w)
    i = 0
    while i < len(items):
        if isinstance(items[i + 1], pikepdf.Array):
            for k, width in enumerate(items[i + 1]):
                out.setdefault(int(items[i]) + k, width)
            i += 2
        else:
            for cid in range(int(items[i]), int(items[i + 1]) + 1):
                out.setdefault(cid, items[i + 2])
            i += 3
    return out


def _offsets(pages: list[int], start: int = 0) -> list[int]:
    """Where each part begins (0-based page index), then the total."""
    out = [start]
    for n in pages:
        out.append(out[-1] + n)
    return out


def _outline(pdf: Any, bookmarks: list[tuple[int, str, int, float, float, str]]) -> None:
    """The outline as WeasyPrint nests bookmark levels (anchors.make_page_bookmark_tree) and writes them."""
    import pikepdf
    from pikepdf import Array, Dictionary, Name

    root: list[Any] = []
    last_by_depth, skipped, previous = [root], [], 0
    for level, label, page, x, y, state in bookmarks:
        if level > previous:
            skipped.append(level - previous - 1)
        else:
            temp = level
            while temp < previous:
                temp += 1 + skipped.pop()
            if temp > previous:
                skipped.append(temp - previous - 1)
        previous = level
        depth = level - sum(skipped)
        children: list[Any] = []
        last_by_depth[depth - 1].append((label, page, x, y, children, state))
        del last_by_depth[depth:]
        last_by_depth.append(children)

    def write(items: list[Any], parent: Any) -> int:
        count = len(items)
        made = []
        for label, page, x, y, children, state in items:
            item = pdf.make_indirect(Dictionary(Title=pikepdf.String(label),
                                                Dest=Array([pdf.pages[page].obj, Name.XYZ, x, y, 0])))
            sub = write(children, item)
            item.Count = -sub if state == "closed" else sub
            if state != "closed":
                count += sub
            if made:
                item.Prev = made[-1]
                made[-1].Next = item
            item.Parent = parent
            made.append(item)
        if made:
            parent.First, parent.Last = made[0], made[-1]
        return count

    if "/Outlines" in pdf.Root:
        del pdf.Root.Outlines
    if root:
        outlines = pdf.make_indirect(Dictionary())
        outlines.Count = write(root, outlines)
        pdf.Root.Outlines = outlines


def _lay_over(pdf: Any, start: int, forms: list[Any]) -> None:
    """Paint each form over the page `start` + its index, as an artifact, outside the page's own state."""
    from pikepdf import Array, Dictionary, Name

    save = pdf.make_stream(b"q\n")
    for g, form in enumerate(forms, start):
        page = pdf.pages[g]
        name = Name(f"/PiaPage{g}")
        resources = page.obj.Resources  # shared by the pages of one unit: their forms' names differ
        if "/XObject" not in resources:
            resources.XObject = Dictionary()
        resources.XObject[name] = form
        restore = pdf.make_stream(b"Q\n/Artifact BMC q " + name.unparse() + b" Do Q EMC\n")
        contents = page.obj.Contents
        page.obj.Contents = Array([save] + (list(contents) if isinstance(contents, Array) else [contents]) + [restore])
