"""Merging subsets of one TrueType font into one program (pia.output.pdfparts: one embedded font for the whole PDF).

WeasyPrint subsets each font with HarfBuzz keeping the glyph ids (HB_SUBSET_FLAGS_RETAIN_GIDS), so the subsets that the
units of a PDF embed differ only in which glyphs have outlines: the union takes, for each glyph id, the outline and
metrics of a subset that has it. Only the tables that hold glyphs change (glyf, loca, hmtx/vmtx and the counts and
extremes in maxp, head, hhea/vhea); the others are the largest subset's.
"""
from __future__ import annotations

import struct
import sys
from array import array
from itertools import accumulate, compress, islice
from operator import lt


def _tables(data: bytes) -> dict[bytes, bytes]:
    n = struct.unpack_from(">H", data, 4)[0]
    out = {}
    for i in range(n):
        tag, _, offset, length = struct.unpack_from(">4sIII", data, 12 + 16 * i)
        out[tag] = data[offset:offset + length]
    return out


def _u16(b: bytes, o: int) -> int:
    return struct.unpack_from(">H", b, o)[0]


def _s16(b: bytes, o: int) -> int:
    return struct.unpack_from(">h", b, o)[0]


def _metric(table: bytes, longs: int, g: int) -> bytes:
    """The 4 bytes (advance, side bearing) of glyph g in an hmtx/vmtx table with `longs` long metrics."""
    if g < longs:
        return table[4 * g:4 * g + 4]
    return table[4 * longs - 4:4 * longs - 2] + table[4 * longs + 2 * (g - longs):4 * longs + 2 * (g - longs) + 2]


def _loca(t: dict[bytes, bytes], n: int) -> tuple[array, int]:
    """The glyph offsets, and what they are to be multiplied by (2 in the short format)."""
    long = _s16(t[b"head"], 50) == 1
    a = array("I" if long else "H", t[b"loca"][: (n + 1) * (4 if long else 2)])
    if sys.byteorder == "little":  # the table is big-endian
        a.byteswap()
    return a, 1 if long else 2


def _metrics(table: bytes, longs: int, n: int) -> bytearray:
    """The 4 bytes of each of the first n glyphs (as _metric), for all of them at once."""
    head = min(n, longs)
    out = bytearray(table[:4 * head])
    rest = n - head
    if rest > 0:
        tail = bytearray(4 * rest)
        advance = table[4 * longs - 4:4 * longs - 2]
        bearings = table[4 * longs + 2 * (head - longs):4 * longs + 2 * (n - longs)]
        tail[0::4], tail[1::4] = advance[:1] * rest, advance[1:] * rest
        tail[2::4], tail[3::4] = bearings[0::2], bearings[1::2]
        out += tail
    return out


def _checksum(b: bytes) -> int:
    b += b"\0" * (-len(b) % 4)
    return sum(struct.unpack(f">{len(b) // 4}I", b)) & 0xFFFFFFFF


def merge(programs: list[bytes], used: list[set[int]]) -> bytes | None:
    """One program holding every glyph any of them holds, with its metrics (used: the glyphs each program's document
    shows, for the metrics of those without an outline, such as a space); None when they are not what is expected
    (then they are left as they are)."""
    fonts = [_tables(p) for p in programs]
    need = {b"head", b"hhea", b"hmtx", b"maxp", b"loca", b"glyf"}
    if any(not need <= set(t) or _u16(t[b"maxp"], 0) != 1 for t in fonts):
        return None
    vertical = all(b"vhea" in t and b"vmtx" in t for t in fonts)
    counts = [_u16(t[b"maxp"], 4) for t in fonts]
    # WeasyPrint's second subsetting (up to the last glyph used, without retaining ids) keeps the ids up to the last
    # glyph used and may append a few glyphs after it under new ids: only the ids up to the last one used are shared
    last = [min(max(u, default=-1), c - 1) for u, c in zip(used, counts)]
    n = max(last) + 1
    if n < 1:
        return None
    base = max(range(len(fonts)), key=lambda i: (last[i], -i))
    locas = [_loca(t, c) for t, c in zip(fonts, counts)]
    owner: dict[int, int] = {}
    for i, gids in enumerate(used):
        for g in gids:
            if g <= last[i]:
                owner.setdefault(g, i)
    for i, (loca, _) in enumerate(locas):  # the glyphs with an outline (iterators only: fonts have many glyphs)
        for g in compress(range(last[i] + 1), map(lt, loca, islice(loca, 1, None))):
            owner.setdefault(g, i)
    longs = [_u16(t[b"hhea"], 34) for t in fonts]
    vlongs = [_u16(t[b"vhea"], 34) for t in fonts] if vertical else []
    # a glyph nobody owns has no outline, and the metrics of the base
    sizes, glyf = array("I", bytes(4 * n)), []
    hmtx = _metrics(fonts[base][b"hmtx"], longs[base], n)
    vmtx = _metrics(fonts[base][b"vmtx"], vlongs[base], n) if vertical else bytearray()
    for g in sorted(owner):
        src = owner[g]
        loca, scale = locas[src]
        piece = fonts[src][b"glyf"][loca[g] * scale:loca[g + 1] * scale]
        piece += b"\0" * (-len(piece) % 4)
        glyf.append(piece)
        sizes[g] = len(piece)
        if src != base:
            hmtx[4 * g:4 * g + 4] = _metric(fonts[src][b"hmtx"], longs[src], g)
            if vertical:
                vmtx[4 * g:4 * g + 4] = _metric(fonts[src][b"vmtx"], vlongs[src], g)
    loca = array("I", accumulate(sizes, initial=0))
    t = dict(fonts[base])
    if sys.byteorder == "little":
        loca.byteswap()
    t[b"loca"], t[b"glyf"], t[b"hmtx"] = loca.tobytes(), b"".join(glyf), bytes(hmtx)
    maxp = bytearray(t[b"maxp"])
    for o in range(6, min(32, len(maxp)), 2):
        struct.pack_into(">H", maxp, o, max(_u16(f[b"maxp"], o) for f in fonts))
    t[b"maxp"] = bytes(maxp)
    head = bytearray(t[b"head"])
    struct.pack_into(">I", head, 8, 0)
    for o, pick in ((36, min), (38, min), (40, max), (42, max)):
        struct.pack_into(">h", head, o, pick(_s16(f[b"head"], o) for f in fonts))
    struct.pack_into(">h", head, 50, 1)
    t[b"head"] = bytes(head)
    for hhea, mtx, data in ((b"hhea", b"hmtx", None), (b"vhea", b"vmtx", vmtx)):
        if hhea not in t or (hhea == b"vhea" and not vertical):
            continue
        h = bytearray(t[hhea])
        struct.pack_into(">H", h, 10, max(_u16(f[hhea], 10) for f in fonts))
        for o, pick in ((12, min), (14, min), (16, max)):
            struct.pack_into(">h", h, o, pick(_s16(f[hhea], o) for f in fonts))
        struct.pack_into(">H", h, 34, n)
        t[hhea] = bytes(h)
        if data is not None:
            t[mtx] = bytes(data)
    tags = sorted(t)
    count = len(tags)
    es = count.bit_length() - 1
    header = struct.pack(">IHHHH", 0x00010000, count, 16 << es, es, count * 16 - (16 << es))
    offset = 12 + 16 * count
    records, body = [], []
    for tag in tags:
        data = t[tag]
        records.append(struct.pack(">4sIII", tag, _checksum(data), offset, len(data)))
        data += b"\0" * (-len(data) % 4)
        body.append(data)
        offset += len(data)
    out = bytearray(header + b"".join(records) + b"".join(body))
    at = next(i for i, tag in enumerate(tags) if tag == b"head")
    head_offset = struct.unpack_from(">I", out, 12 + 16 * at + 8)[0]
    struct.pack_into(">I", out, head_offset + 8, (0xB1B0AFBA - _checksum(bytes(out))) & 0xFFFFFFFF)
    return bytes(out)
