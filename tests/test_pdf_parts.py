"""A large PDF laid out in parts by several processes and merged (pia.render.pdfparts) reads exactly like the same
document laid out whole by WeasyPrint: per-page text with 「n / N」, 項目一覧 numbers and links, outline, one PDF/UA
structure tree; and the bytes do not depend on how many processes laid it out."""
from __future__ import annotations

import io
import os
import re
import threading
from collections import Counter
from pathlib import Path

import pikepdf
import pypdf
import pytest

from conftest import small_example
from pia.output import pdfparts


@pytest.fixture(scope="module")
def laid(tmp_path_factory) -> dict[str, bytes]:
    """The small example (about 26 pages; 9 sections, one of them laid out as 4 parts: its lists of 委託 and 提供・移転
    start on new pages) laid out whole by WeasyPrint, in parts by 2 processes, and by 1."""
    import weasyprint

    from pia.document import assessment as asm
    from pia.document import page as pages
    from pia.output.fetch import refuse_fetch
    from pia.output.html import render_html

    folder = small_example(tmp_path_factory.mktemp("parts") / "small")
    html = render_html(pages.of(asm.load(folder)))
    s = pdfparts.split(html)
    assert len(html) >= pdfparts.MIN_SIZE and len(s.parts) == 12
    assert sum(p.startswith('<section class="part file">\n<table class="newpage">') for p in s.parts) == 3
    return {"whole": weasyprint.HTML(string=html, url_fetcher=refuse_fetch).write_pdf(pdf_variant="pdf/ua-1"),
            "parts": pdfparts.render(html, 2), "one": pdfparts.render(html, 1), "html": html.encode()}


def _texts(pdf: bytes) -> list[str]:
    return [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def _outline(pdf: bytes) -> list[tuple[int, str, int]]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    out: list[tuple[int, str, int]] = []

    def walk(items, depth):
        for it in items:
            if isinstance(it, list):
                walk(it, depth + 1)
            else:
                out.append((depth, it.title, reader.get_destination_page_number(it)))
    walk(reader.outline, 0)
    return out


def test_every_page_reads_as_in_one_document(laid, tmp_path: Path):
    whole, parts = _texts(laid["whole"]), _texts(laid["parts"])
    n = len(whole)
    assert len(parts) == n > 20
    assert parts == whole  # includes the running title, 「n / N」 and 項目一覧's numbers
    assert all(t.rstrip().endswith(f"{i} / {n}") for i, t in enumerate(parts, 1))
    # poppler reads them the same way too (the footers are drawn from a form XObject)
    import subprocess

    out = []
    for name in ("parts", "whole"):
        (tmp_path / name).write_bytes(laid[name])
        out.append(subprocess.run(["pdftotext", "-layout", str(tmp_path / name), "-"], capture_output=True, text=True,
                                  check=True).stdout)
    assert out[0] == out[1]


def test_outline_is_the_one_documents(laid):
    outline = _outline(laid["parts"])
    assert outline == _outline(laid["whole"])
    assert len({page for _, _, page in outline}) > 10 and max(depth for depth, _, _ in outline) == 2


def _toc(pdf: bytes, html: str) -> list[tuple[str, str, int]]:
    """(target id, title, printed page number) of each 項目一覧 line, in order."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    entries = re.findall(r'<li class="lv\d"><a href="#([^"]+)">([^<]+)</a>', html)
    text = "".join(t for t in (p.extract_text() for p in reader.pages[1:4]) if "……" in t)
    numbers = [int(n) for n in re.findall(r"…{2,}\s*(\d+)", text)]
    assert len(numbers) == len(entries) > 5
    return [(i, t, n) for (i, t), n in zip(entries, numbers)]


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def test_toc_numbers_and_links_point_at_the_parts(laid):
    reader = pypdf.PdfReader(io.BytesIO(laid["parts"]))
    dests = reader.named_destinations
    texts = _texts(laid["parts"])
    for target, title, number in _toc(laid["parts"], laid["html"].decode()):
        page = reader.get_destination_page_number(dests[target])
        assert number == page + 1, (title, number, page)
        assert _squash(title) in _squash(texts[page]), title
    links = [a.get_object() for a in reader.pages[1].get("/Annots", [])]
    assert links and all(a["/Dest"] in dests and "/A" not in a for a in links)
    assert {a["/Dest"] for a in links} == {t for t, _, _ in _toc(laid["parts"], laid["html"].decode())}


def test_the_example_toc_numbers_match_its_pages(rendered):
    # the 90-page example as `pia render` wrote it (in parts, on a machine with more than one core)
    pdf, html = rendered["pdf"].read_bytes(), rendered["html"].read_text(encoding="utf-8")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    texts = _texts(pdf)
    n = len(texts)
    assert n > 80 and all(t.rstrip().endswith(f"{i} / {n}") for i, t in enumerate(texts, 1))
    for target, title, number in _toc(pdf, html):
        page = reader.get_destination_page_number(reader.named_destinations[target])
        assert number == page + 1 and _squash(title) in _squash(texts[page]), (title, number, page)


def _structure(pdf: bytes) -> dict:
    """Element types under the one Document, marked content per page in the content streams and in the tree, and
    the ParentTree's answers for each page's marked content and each annotation."""
    doc = pikepdf.open(io.BytesIO(pdf))
    root = doc.Root.StructTreeRoot
    pages = {p.objgen: i for i, p in enumerate(doc.pages)}
    types: Counter = Counter()
    in_tree: set[tuple[int, int]] = set()
    owner: dict[tuple, tuple[int, int]] = {}
    ids: list[bytes] = []
    stack = [(e, None, None) for e in root.K]
    while stack:
        e, page, parent = stack.pop()
        if isinstance(e, int):
            in_tree.add((page, int(e)))
            owner[("mc", page, int(e))] = parent.objgen
            continue
        if e.get("/Type") == "/OBJR":
            owner[("annot", e.Obj.objgen)] = parent.objgen
            continue
        types[str(e.S)] += 1
        if "/ID" in e:
            ids.append(bytes(e.ID))
        page = pages[e.Pg.objgen] if "/Pg" in e else page
        k = e.get("/K")
        kids = list(k) if isinstance(k, pikepdf.Array) else [] if k is None else [k]
        stack += [(kid, page, e) for kid in kids]
    marked: set[tuple[int, int]] = set()
    for i, p in enumerate(doc.pages):
        for operands, op in pikepdf.parse_content_stream(p):
            if op == pikepdf.Operator("BDC") and isinstance(operands[1], pikepdf.Dictionary) and "/MCID" in operands[1]:
                marked.add((i, int(operands[1].MCID)))
    nums = root.ParentTree.Nums
    tree = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    wrong = [(i, m) for i, m in in_tree if tree[int(doc.pages[i].StructParents)][m].objgen != owner[("mc", i, m)]]
    annots = [a for p in doc.pages for a in p.get("/Annots", [])]
    wrong += [a.objgen for a in annots if tree[int(a.StructParent)].objgen != owner[("annot", a.objgen)]]
    return {"roots": len(root.K), "types": types, "in_tree": in_tree, "marked": marked, "wrong": wrong, "ids": ids,
            "annots": len(annots), "keys": sorted(tree), "doc": doc}


def test_one_structure_tree_covers_every_page(laid):
    whole, parts = _structure(laid["whole"]), _structure(laid["parts"])
    assert parts["roots"] == 1 and parts["types"]["/Document"] == 1
    assert parts["types"] == whole["types"] and parts["types"]["/TD"] > 200 and parts["types"]["/Link"] > 5
    assert len(parts["in_tree"]) == len(whole["in_tree"])
    # every marked content on every page is in the tree, and the ParentTree finds its element; the running title and
    # 「n / N」 are artifacts (one document leaves them as marked content outside the tree)
    assert parts["marked"] == parts["in_tree"] and not parts["wrong"] and not whole["wrong"]
    assert whole["in_tree"] < whole["marked"]
    assert parts["keys"] == whole["keys"] == list(range(len(parts["doc"].pages) + parts["annots"]))
    assert len(parts["ids"]) == len(set(parts["ids"])) == len(whole["ids"]) > 100  # table header IDs stay unique
    d, w = parts["doc"], whole["doc"]
    for key in ("/Lang", "/MarkInfo", "/ViewerPreferences"):
        assert d.Root[key] == w.Root[key], key
    assert d.Root.Metadata.read_bytes() == w.Root.Metadata.read_bytes() and b"pdfuaid:part" in d.Root.Metadata.read_bytes()
    assert dict(d.docinfo) == dict(w.docinfo) and str(d.docinfo.Title)
    assert d.pdf_version == w.pdf_version


def test_fonts_are_embedded(laid):
    doc = pikepdf.open(io.BytesIO(laid["parts"]))
    fonts = [o for o in doc.objects if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/FontDescriptor"]
    assert fonts and all(any(k in f for k in ("/FontFile", "/FontFile2", "/FontFile3")) for f in fonts)


def test_bytes_do_not_depend_on_the_number_of_processes(laid):
    assert laid["parts"] == laid["one"]
    assert pikepdf.open(io.BytesIO(laid["parts"])).trailer.ID[0] == pikepdf.open(io.BytesIO(laid["one"])).trailer.ID[0]


def test_layouts_collect_less_often_and_give_the_process_back_as_it_was(laid):
    import gc

    from pia.base import collect

    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)  # as in a process that is not pia's command line
    try:
        seen = []
        with collect.fewer_while():
            seen.append(gc.get_threshold())
            with collect.fewer_while():  # another thread's layout (pia serve)
                seen.append(gc.get_threshold())
            seen.append(gc.get_threshold())
        assert seen == [collect.THRESHOLDS] * 3 and gc.get_threshold() == (700, 10, 10)
        pdfparts.render(laid["html"].decode(), 2)
        assert gc.get_threshold() == (700, 10, 10) and gc.get_freeze_count() == 0  # frozen only while forking
    finally:
        gc.set_threshold(*before)


def test_small_documents_threads_and_build_workers_stay_in_one_process(monkeypatch):
    from pia.portfolio.build import _one_process_per_pdf

    assert pdfparts.render("<html><head></head><body><p>小さな文書</p></body></html>") is None
    assert pdfparts.split("<html><head></head><body><p>pia の評価書ではない</p></body></html>") is None
    monkeypatch.setenv(pdfparts.ENV, "3")
    assert pdfparts.workers() == 3
    monkeypatch.setenv(pdfparts.ENV, "")
    assert pdfparts.workers() == len(os.sched_getaffinity(0))
    monkeypatch.delenv(pdfparts.ENV)
    _one_process_per_pdf()  # what each process of `pia site` / a build runs first
    try:
        assert pdfparts.workers() == 1
    finally:
        os.environ.pop(pdfparts.ENV, None)
    seen = []
    t = threading.Thread(target=lambda: seen.append(pdfparts.can_fork()))
    t.start()
    t.join()
    assert seen == [False]  # pia serve answers in threads: no fork there


def test_the_command_in_one_process_writes_the_same_files(tmp_path: Path):
    # `pia render` as a user runs it: its processes start before the HTML exists and also lay out the 基礎項目評価書
    # while the large PDF is merged; PIA_PDF_WORKERS=1 lays out everything in the one process
    import subprocess
    import sys

    folder = small_example(tmp_path / "small")
    for out, env in (("a", {}), ("b", {pdfparts.ENV: "1"})):
        r = subprocess.run([sys.executable, "-m", "pia", "render", str(folder), "--out", str(tmp_path / out), "--format", "pdf"],
                           capture_output=True, text=True, env={**os.environ, **env})
        assert r.returncode == 0, r.stderr
    names = sorted(p.name for p in (tmp_path / "a").glob("*.pdf"))
    assert names == ["small-kiso.pdf", "small.pdf"]
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_the_layout_server_ends_when_nobody_takes_its_answer():
    # after an error in pia (say, in the merge) the answer being laid out is never asked for: closing the server
    # must still end it (it used to wait for ever, sending a PDF larger than the pipe's buffer into a pipe that its
    # own forked processes kept open)
    import base64

    from PIL import Image

    noise = io.BytesIO()
    Image.frombytes("RGB", (600, 600), os.urandom(600 * 600 * 3)).save(noise, "PNG")  # about 1 MB in the PDF
    img = f'<img src="data:image/png;base64,{base64.b64encode(noise.getvalue()).decode()}" alt="">'
    server = pdfparts._Server(1)
    server.start([pdfparts._doc(f"<html><body><p>評価書</p>{img}</body></html>")])
    server.close()
    assert server.process.exitcode == 0  # ended by itself, not killed after the wait


def test_a_server_killed_after_its_wait_takes_its_layout_processes_with_it():
    # the last resort (after Ctrl-C, or a server that does not end): no layout process is left behind
    import time

    if not Path("/proc/self/task").is_dir():
        pytest.skip("no /proc")
    server = pdfparts._Server(2)
    html = "<html><body>" + "<p>特定個人情報保護評価書の本文。Aa1</p>" * 3000 + "</body></html>"
    server.start([pdfparts._doc(html), pdfparts._doc(html + " ")])  # two documents: the two layout processes fork
    workers: set[int] = set()
    for _ in range(200):
        workers = {int(p) for t in Path(f"/proc/{server.process.pid}/task").glob("*/children")
                   for p in t.read_text().split()}
        if len(workers) >= 2:
            break
        time.sleep(0.05)
    assert len(workers) >= 2
    server.close(wait=0.1)
    assert server.process.exitcode == -9
    time.sleep(0.2)
    alive = [pid for pid in workers if Path(f"/proc/{pid}").exists()
             and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]]
    for pid in alive:  # left behind, they would keep the test run's output pipes open
        os.kill(pid, 9)
    assert not alive


def test_after_an_edit_only_the_parts_it_touches_are_laid_out_again(rendered, tmp_path: Path):
    # the cache `pia render` left beside the example's PDF, and a copy of the example with one value changed in one
    # per-file YAML: the re-render lays out only what changed, and its bytes are those of a render from nothing
    import shutil
    import subprocess
    import sys

    from conftest import EXAMPLE

    cache = rendered["dir"] / pdfparts.CACHE_DIR
    before = {p.name for p in cache.iterdir()}
    assert len(before) > 15  # the units, the head, the 基礎項目評価書 and the whole document
    folder = shutil.copytree(EXAMPLE, tmp_path / "setagaya-juki")
    f = folder / "files" / "sofusaki.yaml"
    text = f.read_text(encoding="utf-8")
    assert text.count("\n    使用目的: ") == 1
    f.write_text(text.replace("\n    使用目的: ", "\n    使用目的: （改）", 1), encoding="utf-8")
    shutil.copytree(cache, tmp_path / "again" / pdfparts.CACHE_DIR)
    for out in ("again", "fresh"):
        r = subprocess.run([sys.executable, "-m", "pia", "render", str(folder), "--out", str(tmp_path / out), "--format", "pdf"],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    pdf = (tmp_path / "again" / "setagaya-juki.pdf").read_bytes()
    assert pdf == (tmp_path / "fresh" / "setagaya-juki.pdf").read_bytes()
    assert any("（改）" in t for t in _texts(pdf))
    laid_again = {p.name for p in (tmp_path / "again" / pdfparts.CACHE_DIR).iterdir()} - before
    fresh = {p.name for p in (tmp_path / "fresh" / pdfparts.CACHE_DIR).iterdir()}
    # the changed unit and the whole document, plus what the copy's missing git history changes (別添3); not the rest
    assert 2 <= len(laid_again) <= 5 < len(fresh) - 10, (len(laid_again), len(fresh))
    assert (tmp_path / "again" / "setagaya-juki-kiso.pdf").read_bytes() == (tmp_path / "fresh" / "setagaya-juki-kiso.pdf").read_bytes()


def _laid() -> pdfparts.Laid:
    return pdfparts.Laid(b"%PDF-1.7 a small pdf", 2, {"x": 1}, [(1, "見出し", 0, 10.0, 20.5, "open")])


def test_a_cache_entry_that_does_not_read_back_exactly_is_ignored(tmp_path: Path):
    cache = pdfparts.PartCache(tmp_path)
    key = "a" * 64
    cache.put(key, _laid())
    assert cache.get(key) == _laid() and cache.hits == 1
    path = tmp_path / pdfparts.CACHE_DIR / key
    data = path.read_bytes()
    for broken in (data[:-1], data[:-3] + b"XYZ", data.replace(b'"pages": 2', b'"pages": 1'), b"", b"\xff" * 40,
                   data.replace(b'"x": 1', b'"x": 7')):
        path.write_bytes(broken)
        assert cache.get(key) is None and not path.exists()
    path.write_bytes(data)
    (tmp_path / pdfparts.CACHE_DIR / ("b" * 64)).write_bytes(data)  # an entry under another key than its own
    assert cache.get("b" * 64) is None and cache.get(key) == _laid()
    assert cache.get("c" * 64) is None


def test_cache_entries_are_not_synced_to_disk_but_outputs_are(tmp_path: Path, monkeypatch):
    # a cache entry torn by a crash reads back wrong and is removed (above): its writes need not wait for the disk
    import os

    from pia.base import fswrite

    synced: list[int] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real(fd)))
    pdfparts.PartCache(tmp_path).put("a" * 64, _laid())
    assert synced == [] and pdfparts.PartCache(tmp_path).get("a" * 64) == _laid()
    fswrite.write(tmp_path, "out.pdf", b"%PDF-")
    assert len(synced) >= 2  # the file and its folder


def test_the_cache_stays_bounded(tmp_path: Path):
    import os

    c = tmp_path / pdfparts.CACHE_DIR
    cache = pdfparts.PartCache(tmp_path, entries=3)
    for i in range(6):
        cache.put(f"{i:064d}", _laid())
        os.utime(c / f"{i:064d}", ns=(i * 10**9, i * 10**9))
    cache.get(f"{1:064d}")  # used now: stays
    cache.prune()
    assert sorted(p.name[-1] for p in c.iterdir()) == ["1", "4", "5"]
    small = pdfparts.PartCache(tmp_path, size=len((c / f"{5:064d}").read_bytes()) * 2)
    small.prune()
    assert len(list(c.iterdir())) == 2


def test_the_cache_is_never_written_through_a_link(tmp_path: Path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / ".pia-cache").symlink_to(elsewhere)
    cache = pdfparts.PartCache(tmp_path / "out")
    cache.put("a" * 64, _laid())  # refused quietly: the render goes on without the cache
    assert list(elsewhere.iterdir()) == [] and cache.get("a" * 64) is None


def test_serve_downloads_reuse_the_parts_laid_out_before(tmp_path: Path):
    # pia serve answers in threads and writes no files: its PDF downloads keep the laid-out parts in memory
    from pia.app import serve

    folder = small_example(tmp_path / "small")
    got: list[tuple[bytes, str]] = []

    def download() -> None:
        t = threading.Thread(target=lambda: got.append(serve.output(folder, "pdf")))
        t.start()
        t.join()

    cache = serve._PDF_PARTS
    download()
    first_misses = cache.misses
    download()  # nothing changed: the whole PDF from memory
    assert got[0] == got[1] and got[0][1] == "small.pdf" and cache.misses == first_misses
    f = next((folder / "files").glob("*.yaml"))
    text = f.read_text(encoding="utf-8")
    f.write_text(text.replace("\n    使用目的: ", "\n    使用目的: （改）", 1), encoding="utf-8")
    hits = cache.hits
    download()
    # the changed unit, the head (or not) and the whole document are new; every other unit came from memory
    assert got[2][0] != got[0][0] and cache.misses - first_misses <= 3 and cache.hits - hits >= 6


def test_no_row_is_torn_from_its_label_and_no_heading_ends_a_page(laid):
    # a row's label and value start on the same page (a 2-line label once moved on alone, leaving its 1-line value
    # under an empty label), and a heading, group or fixed note row never ends a page apart from what it heads
    import weasyprint
    from weasyprint.formatting_structure import boxes

    from pia.output.fetch import refuse_fetch

    def rows(box, out):
        if isinstance(box, boxes.TableRowBox):
            out.append(box)
        for child in getattr(box, "children", None) or []:
            rows(child, out)
        return out

    def text(box):
        return (getattr(box, "text", None) or "") + "".join(text(c) for c in getattr(box, "children", None) or [])

    doc = weasyprint.HTML(string=laid["html"].decode(), url_fetcher=refuse_fetch).render()
    pages = [rows(p._page_box, []) for p in doc.pages]
    torn, alone = [], []
    for n, (a, b) in enumerate(zip(pages, pages[1:]), 1):
        if a and b and a[-1].element is b[0].element and len(a[-1].children) == 2:
            (label, value), (label2, value2) = ([text(c) for c in r.children] for r in (a[-1], b[0]))
            if (not label and value) or (label2 and not value2):
                torn.append(n)
        if a and {"group", "block", "note"} & set((a[-1].element.get("class") or "").split()):
            alone.append(n)
    assert len(pages) > 20 and torn == [] and alone == [], (torn, alone)
