"""One large PDF laid out in parallel: the document's HTML is split at the parts of the form (each begins a new page:
`h2 { break-before: page }`), the parts are laid out in separate processes, and the PDFs are merged (pikepdf).

What spans parts is put back by the parent:
- 「n / N」 and the running title: a page-furniture PDF of N empty pages (same CSS, so the same boxes and fonts) is
  laid over each page as an /Artifact; the parts are laid out without margin boxes.
- 項目一覧: laid out last with literal page numbers, from the anchors the workers report (`Page.anchors`).
- bookmarks: rebuilt from the workers' `Page.bookmarks` with WeasyPrint's nesting of levels, over all pages.
- PDF/UA: one StructTreeRoot; the parts' Document children go under the first part's Document, the ParentTree is
  renumbered (pages 0..N-1, then the annotations) with /StructParents and /StructParent moved to match, and the
  table header IDs of later parts are prefixed so that they stay unique.
"""
from __future__ import annotations

import html
import io
import os
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator
from urllib.parse import unquote

# Anchored at a line start: user text is escaped, so "<" never begins a line of it.
_PART = re.compile(r"^<(header|nav|section)\b[^>]*>", re.M)
_BODY = re.compile(r"<body>\n?")
_DOCTITLE = re.compile(r'<h1 class="doctitle">.*?</h1>', re.S)
_TOC_LINK = re.compile(r'<a href="#([^"]+)">')
# Margin boxes are painted by the page-furniture PDF instead; 項目一覧 takes its numbers from data-page.
_NO_FURNITURE = "@page { @top-center { content: none } @bottom-center { content: none } }"
_TOC_LITERAL = 'nav.toc li a::after { content: leader(".") attr(data-page) }'
_TOC_SCHEME = "pia-toc:"
_FURNITURE = "h1.doctitle { visibility: hidden; margin: 0; } .pia-page { break-before: page; }"

ENV = "PIA_PDF_WORKERS"
MIN_SIZE = 60_000      # bytes of HTML (about 15 pages): below this, laying out in parts costs more than it saves
CHUNK_SIZE = 150_000   # bytes of HTML per part laid out alone (about 30 pages), at least 2 parts
MAX_CHUNKS = 8
SCALE = 0.75       # CSS px -> PDF pt, as WeasyPrint writes


@dataclass
class Split:
    prefix: str          # up to and including <body>
    head: list[str]      # the cover and 項目一覧
    parts: list[str]     # the form's parts, in order
    suffix: str          # </body></html>

    def document(self, parts: list[str], css: str) -> str:
        return self.prefix.replace("</head>", f"<style>{css}</style>\n</head>", 1) + "".join(parts) + self.suffix


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
    return Split(html[:body.end()], pieces[:2], pieces[2:], html[end:])


def balanced(weights: list[int], k: int) -> list[int]:
    """Start indexes of at most k contiguous groups whose largest total weight is least (binary search on it)."""
    def cuts(limit: int) -> list[int] | None:
        starts, total = [0], 0
        for i, w in enumerate(weights):
            if total + w > limit and total:
                starts.append(i)
                total = 0
            total += w
        return starts if len(starts) <= k else None

    lo, hi = max(weights), sum(weights)
    while lo < hi:
        mid = (lo + hi) // 2
        if cuts(mid) is None:
            lo = mid + 1
        else:
            hi = mid
    return cuts(lo) or [0]


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


@dataclass
class Laid:
    """What a worker sends back: the part's PDF and where its anchors and bookmarks are (page index, PDF point)."""
    pdf: bytes
    pages: int
    anchors: dict[str, int] = field(default_factory=dict)
    bookmarks: list[tuple[int, str, int, float, float, str]] = field(default_factory=list)


def lay_out(html: str, tagged: bool = True, finisher: Any = None) -> Laid:
    import weasyprint

    from pia.output.fetch import refuse_fetch

    variant = "pdf/ua-1" if tagged else None
    doc = weasyprint.HTML(string=html, base_url=None, url_fetcher=refuse_fetch).render(pdf_variant=variant)
    laid = Laid(doc.write_pdf(pdf_variant=variant, uncompressed_pdf=False, finisher=finisher), len(doc.pages))
    for i, page in enumerate(doc.pages):
        for name in page.anchors:
            laid.anchors.setdefault(name, i)
        for level, label, (x, y), state in page.bookmarks:
            laid.bookmarks.append((level, label, i, x * SCALE, (page.height - y) * SCALE, state))
    return laid


def _unique_ids(prefix: str) -> Any:
    """A finisher: WeasyPrint names table headers by object number, which repeats across parts; prefix them."""
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


def _work(html: str, i: int) -> Laid:
    return lay_out(html, finisher=_unique_ids(f"p{i}-"))


def _with_numbers(head: list[str], numbers: dict[str, int]) -> list[str]:
    """項目一覧 with literal page numbers. Its targets are in other parts, and WeasyPrint drops links to anchors it
    cannot see, so the links are written as external ones (_TOC_SCHEME) and made internal again in Merge.finish()."""
    def link(m: re.Match[str]) -> str:
        page = numbers.get(unquote(html.unescape(m.group(1))), "")
        return f'<a href="{_TOC_SCHEME}{m.group(1)}" data-page="{page}">'
    return [head[0], _TOC_LINK.sub(link, head[1])]


def chunks(s: Split) -> list[list[str]]:
    """The parts grouped for layout. The grouping depends on the document only, never on the machine, so that the
    same input gives the same bytes with any number of processes."""
    weights = [len(p) for p in s.parts]
    k = max(2, min(MAX_CHUNKS, sum(weights) // CHUNK_SIZE))
    starts = balanced(weights, k)
    return [s.parts[a:b] for a, b in zip(starts, starts[1:] + [len(s.parts)])]


def _warm() -> None:
    import logging

    import weasyprint  # noqa: F401

    logging.getLogger("weasyprint").setLevel(logging.ERROR)


class _Runner:
    """Runs layouts in forked processes, or here one after the other (the same results either way). A process pool
    of concurrent.futures, because it reports a worker that died (BrokenProcessPool) instead of waiting for ever."""

    def __init__(self, processes: int):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.pool = None
        if processes > 1:
            self.pool = ProcessPoolExecutor(processes, multiprocessing.get_context("fork"), initializer=_warm)
            self.pool.submit(int)  # start the processes now: they import WeasyPrint while the caller goes on

    def submit(self, fn: Any, *args: Any) -> Any:
        if self.pool is None:
            value = fn(*args)
            return lambda: value
        return self.pool.submit(fn, *args).result

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


_SHARED: list[_Runner] = []
_LATER: list[str] = []           # whole documents to lay out once the large one's parts are laid out
_STARTED: dict[str, Any] = {}    # their results, by HTML


@contextmanager
def processes() -> Iterator[None]:
    """Start the layout processes before the HTML is ready (pia render: they import WeasyPrint meanwhile), and use
    them for every PDF written inside the block."""
    n = workers()
    if _SHARED or n < 2 or not can_fork():
        yield
        return
    _SHARED.append(_Runner(n))
    try:
        yield
    finally:
        _SHARED.pop().close()
        _LATER.clear()
        _STARTED.clear()


def later(html: str) -> None:
    """A document that will be written next: with started processes, lay it out as soon as one is free."""
    if _SHARED and (len(html) < MIN_SIZE or split(html) is None):
        _LATER.append(html)


def _start_later() -> None:
    while _LATER:
        html = _LATER.pop(0)
        _STARTED[html] = _SHARED[0].submit(lay_out, html)


def whole(html: str) -> bytes:
    """A document laid out in one piece (small, or not pia's assessment), in a started process if there is one."""
    if _SHARED:
        _start_later()
        return (_STARTED.pop(html, None) or _SHARED[0].submit(lay_out, html))().pdf
    return lay_out(html).pdf


def render(html: str, processes: int | None = None) -> bytes | None:
    """The PDF of a large assessment laid out in parts, by `processes` processes (default: the started ones, else
    workers()); None for a small document or one that is not pia's assessment document (then lay it out whole)."""
    s = split(html) if len(html) >= MIN_SIZE else None
    if s is None or len(s.parts) < 2:
        return None
    groups = chunks(s)
    own = processes is not None or not _SHARED
    if own:
        _warm()  # before forking, so that the workers do not import WeasyPrint again
    runner = _Runner(min(processes or workers(), len(groups)) if can_fork() else 1) if own else _SHARED[0]
    jobs = [s.document(g, _NO_FURNITURE) for g in groups]
    head_css = _NO_FURNITURE + _TOC_LITERAL
    try:
        # the largest first, then how many pages the head takes (checked below with the real numbers), then the
        # others, largest first, so that a process that is free takes the next
        order = sorted(range(len(groups)), key=lambda i: -len(jobs[i]))
        pending = {order[0]: runner.submit(_work, jobs[order[0]], order[0])}
        counted = runner.submit(lay_out, s.document(_with_numbers(s.head, {}), head_css))
        pending.update({i: runner.submit(_work, jobs[i], i) for i in order[1:]})
        head_pages = counted().pages
        laid = [pending[i]() for i in range(len(groups))]
        title = _DOCTITLE.search(s.head[0])
        merged = None
        for _ in range(3):
            offsets = _offsets([head_pages] + [p.pages for p in laid])
            numbers: dict[str, int] = {}
            for part, offset in zip(laid, offsets[1:]):
                for name, page in part.anchors.items():
                    numbers.setdefault(name, offset + page + 1)
            total = offsets[-1]
            head = runner.submit(lay_out, s.document(_with_numbers(s.head, numbers), head_css))
            furniture = runner.submit(lay_out, s.document([f"<div>{title.group(0) if title else ''}</div>"]
                                                          + ['<div class="pia-page"></div>'] * (total - 1), _FURNITURE), False)
            if not own:
                _start_later()
            merged = merged or Merge(laid)  # meanwhile
            done, page = head(), furniture()
            if done.pages == head_pages:
                break
            head_pages = done.pages
    finally:
        if own:
            runner.close()
    return merged.finish(done, page.pdf)


def _tree(node: Any, leaves: str) -> list[tuple[Any, Any]]:
    """The (key, value) pairs of a number tree (leaves "/Nums") or name tree ("/Names"), in order."""
    out = []
    pairs = node.get(leaves)
    if pairs is not None:
        out += [(pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2)]
    for kid in node.get("/Kids", ()):
        out += _tree(kid, leaves)
    return out


class Merge:
    """One PDF from the parts' PDFs, in two steps: the form's parts as soon as they are laid out (while the processes
    lay out the head and the page furniture), then the head in front and the furniture over every page. The first
    part gives the catalog, XMP and Info (every part has the same <head>, so the same metadata)."""

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
            self._add(part)

    @staticmethod
    def _dests(src: Any) -> list[tuple[Any, Any]]:
        return _tree(src.Root.Names.Dests, "/Names") if "/Names" in src.Root and "/Dests" in src.Root.Names else []

    def _add(self, part: Laid, front: bool = False) -> int:
        import pikepdf

        pdf, src = self.pdf, pikepdf.open(io.BytesIO(part.pdf))
        self.sources.append(src)
        owner = len(self.keys)
        if front:
            for i, page in enumerate(src.pages):
                pdf.pages.insert(i, page)
        else:
            pdf.pages.extend(src.pages)
        tree = pdf.copy_foreign(src.Root.StructTreeRoot)  # after the pages, so /Pg and /Obj point at the copies
        self.keys.append({int(k): v for k, v in _tree(tree.ParentTree, "/Nums")})
        kids = list(tree.K[0].K)
        for kid in kids:
            kid.P = self.document
        dests = self._dests(src) and _tree(pdf.copy_foreign(src.make_indirect(src.Root.Names.Dests)), "/Names")
        owners = [owner] * len(src.pages)
        if front:
            self.kids, self.owners, self.dests = kids + self.kids, owners + self.owners, dests + self.dests
        else:
            self.kids, self.owners, self.dests = self.kids + kids, self.owners + owners, self.dests + dests
        return owner

    def finish(self, head: Laid, furniture: bytes) -> bytes:
        import pikepdf
        from pikepdf import Array, Dictionary

        pdf, keys = self.pdf, self.keys
        toc = self._add(head, front=True)
        self.document.K = Array(self.kids)
        # ParentTree: pages 0..N-1, then the annotations, as WeasyPrint numbers them in one document
        nums = Array()
        annots: list[Any] = []
        for g, (page, owner) in enumerate(zip(pdf.pages, self.owners)):
            nums.extend([g, keys[owner][int(page.obj.StructParents)]])
            page.obj.StructParents = g
            annots += [(owner, a) for a in page.obj.get("/Annots", Array()) if "/StructParent" in a]
        for k, (owner, a) in enumerate(annots, len(pdf.pages)):
            uri = bytes(a.A.URI) if "/A" in a and "/URI" in a.A else b""
            if owner == toc and uri.startswith(_TOC_SCHEME.encode()):  # 項目一覧: back to an internal link
                name = pikepdf.String(unquote(uri[len(_TOC_SCHEME):].decode()))
                del a.A
                a.Dest, a.Contents = name, name
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
        parts = [head] + self.parts
        _outline(pdf, [(lv, label, offset + i, x, y, st) for part, offset in zip(parts, _offsets([p.pages for p in parts]))
                       for lv, label, i, x, y, st in part.bookmarks])
        _lay_over(pdf, pikepdf.open(io.BytesIO(furniture)))
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate,
                 fix_metadata_version=False)  # keep WeasyPrint's XMP (pdfuaid) as it is
        return out.getvalue()


def _offsets(pages: list[int]) -> list[int]:
    """Where each part begins (0-based page index), then the total."""
    out = [0]
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


def _lay_over(pdf: Any, furniture: Any) -> None:
    """Paint each page of the furniture PDF over the same page, as an artifact, outside the page's own state."""
    from pikepdf import Array, Dictionary, Name

    save = pdf.make_stream(b"q\n")
    for g, (page, over) in enumerate(zip(pdf.pages, furniture.pages)):
        form = pdf.copy_foreign(over.as_form_xobject())
        name = Name(f"/PiaPage{g}")
        resources = page.obj.Resources  # shared by the pages of one part: their forms' names differ
        if "/XObject" not in resources:
            resources.XObject = Dictionary()
        resources.XObject[name] = form
        restore = pdf.make_stream(b"Q\n/Artifact BMC q " + name.unparse() + b" Do Q EMC\n")
        contents = page.obj.Contents
        page.obj.Contents = Array([save] + (list(contents) if isinstance(contents, Array) else [contents]) + [restore])
