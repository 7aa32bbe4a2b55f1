"""SVG figures measured before anything draws them: parsed once by expat (no entities, no external anything),
counting elements, nesting and what references expand to.

A reference draws its target again: `<use href="#id">` and `url(#id)` (fill, clip-path, mask, filter, ...) once per
referring element; a marker on every vertex of its path (`marker-mid`, `marker`); a style sheet rule may apply to
every element, so a `url(#id)` in a `<style>` counts once per element of the file when its target draws more than a
gradient does (and once per vertex of the file for markers). The count is an upper bound of what a renderer draws.
"""
from __future__ import annotations

import base64
import binascii
import re
import xml.parsers.expat
from dataclasses import dataclass

MAX_ELEMENTS = 20_000  # elements written in the file
MAX_DEPTH = 100  # nesting of elements
MAX_DRAWN = 50_000  # elements drawn once every reference is expanded

_XLINK = "http://www.w3.org/1999/xlink"
_URL = re.compile(r"url\(\s*['\"]?\s*([^'\")\s]*)", re.IGNORECASE)
_DECLARATION = re.compile(r"([-\w]+)\s*:\s*([^;{}]*)")
_IMPORT = re.compile(r"@import", re.IGNORECASE)
_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg);base64,", re.IGNORECASE)
_NUMBER = re.compile(r"[-+]?(?:\d*\.\d+|\d+\.?)(?:[eE][-+]?\d+)?")
_PER_VERTEX = ("marker", "marker-mid")
_CHEAP = 16  # a target this small (a gradient and its stops) costs little however many elements use it


class SvgError(Exception):
    """Why the SVG cannot be drawn safely, in Japanese (the figure's name is added by the caller)."""


@dataclass(frozen=True)
class Measure:
    elements: int
    depth: int
    drawn: int
    images: tuple[bytes, ...]  # embedded PNG/JPEG (data: URIs), to be checked as figures are


class _Stop(Exception):
    pass


def measure(data: bytes, max_drawn: int = MAX_DRAWN) -> Measure:
    """The SVG's size as a renderer would meet it, or SvgError when it exceeds a limit, references anything but
    itself, declares entities or is not well-formed XML."""
    p = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    p.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    p.buffer_text = True  # a style's text in one piece, so a reference is never split
    children: list[list[int]] = []
    refs: list[list[tuple[str, int]]] = []  # per element: (target id, times drawn)
    sheet: list[tuple[str, bool]] = []  # references in <style> elements: (target id, per vertex)
    ids: dict[str, list[int]] = {}  # every element of an id: a renderer may take any of them, all are counted
    stack: list[int] = []
    images: list[bytes] = []
    state = {"depth": 0, "style": 0, "vertices": 0}
    error: list[str] = []

    def fail(msg: str) -> None:
        error.append(msg)
        raise _Stop

    def targets(value: str) -> list[str]:
        if _IMPORT.search(value):
            fail("スタイルで別のファイルを読み込んでいます（@import）")
        out = []
        for target in _URL.findall(value):
            if not target.startswith("#"):
                fail("図の中から別のファイルやウェブ上の資源を参照しています")
            out.append(target[1:])
        return out

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition(" ")[2]
        n = len(children)
        if n >= MAX_ELEMENTS:
            fail(f"要素が多すぎます（上限 {MAX_ELEMENTS:,} 個）")
        if len(stack) >= MAX_DEPTH:
            fail(f"要素の入れ子が深すぎます（上限 {MAX_DEPTH} 段）")
        children.append([])
        mine: list[tuple[str, int]] = []
        refs.append(mine)
        if stack:
            children[stack[-1]].append(n)
        stack.append(n)
        state["depth"] = max(state["depth"], len(stack))
        plain = {key.rpartition(" ")[2]: value for key, value in attrs.items()}
        vertices = max(1, len(_NUMBER.findall(plain.get("d", "") + " " + plain.get("points", ""))))
        state["vertices"] += vertices
        for attr, value in plain.items():
            if attr == "id":
                ids.setdefault(value, []).append(n)
            elif attr == "href":
                v = value.strip()
                if v.startswith("#"):
                    mine.append((v[1:], 1))
                elif local in ("image", "feImage") and (m := _DATA_IMAGE.match(v)):
                    try:
                        images.append(base64.b64decode(v[m.end():], validate=False))
                    except (binascii.Error, ValueError):
                        fail("埋め込まれた画像が壊れています")
                elif local != "a" or not re.match(r"(?i)(https?|mailto):", v):
                    fail("図の中から別のファイルやウェブ上の資源を参照しています")
            elif attr == "style":
                for prop, val in _DECLARATION.findall(value):
                    mine += [(t, vertices if prop.lower() in _PER_VERTEX else 1) for t in targets(val)]
            else:
                mine += [(t, vertices if attr in _PER_VERTEX else 1) for t in targets(value)]
        if local == "style":
            state["style"] += 1

    def end(name: str) -> None:
        stack.pop()
        if name.rpartition(" ")[2] == "style":
            state["style"] -= 1

    def text(data: str) -> None:
        if state["style"]:
            targets(data)  # refuses @import and outside references
            for prop, val in _DECLARATION.findall(data):
                sheet.extend((t, prop.lower() in _PER_VERTEX) for t in targets(val))

    def entity(*_: object) -> None:
        fail("実体宣言（<!ENTITY>）があります")

    def external(*_: object) -> int:
        fail("外部の実体を参照しています")
        return 0

    p.StartElementHandler = start
    p.EndElementHandler = end
    p.CharacterDataHandler = text
    p.EntityDeclHandler = entity
    p.ExternalEntityRefHandler = external
    try:
        p.Parse(data, True)
    except _Stop:
        raise SvgError(error[0]) from None
    except xml.parsers.expat.ExpatError as e:
        raise SvgError(f"SVG（XML）として読めません（{e.lineno}行目）") from None
    size = _sizes(children, refs, ids, max_drawn)
    drawn = size.get(0, 0)
    for target, per_vertex in sheet:  # a rule may apply to every element (to every vertex, for markers)
        s = sum(size[m] for m in ids.get(target, ()))
        drawn += s * (state["vertices"] if per_vertex else len(children) if s > _CHEAP else 1)
    if drawn > max_drawn:
        raise SvgError(f"描く要素が多すぎます: <use>・マーカー・url(#…) などの参照を展開すると {max_drawn:,} 個を超えます")
    return Measure(len(children), state["depth"], drawn, tuple(images))


def _sizes(children: list[list[int]], refs: list[list[tuple[str, int]]], ids: dict[str, list[int]],
           limit: int) -> dict[int, int]:
    """Elements drawn from each element, each reference drawing its target again as often as it says
    (iteratively; a reference cycle is an error). Sizes are capped just above the limit, so a bomb stops early."""
    size: dict[int, int] = {}
    on_stack: set[int] = set()
    if not children:
        return size
    todo: list[tuple[int, bool]] = [(0, False)]
    while todo:
        n, done = todo.pop()
        if done:
            total = 1 + sum(size[c] for c in children[n]) + sum(size[m] * times for r, times in refs[n] for m in ids.get(r, ()))
            size[n] = min(total, limit + 1)
            on_stack.discard(n)
            continue
        if n in size:
            continue
        on_stack.add(n)
        todo.append((n, True))
        for m in [*children[n], *(m for r, _ in refs[n] for m in ids.get(r, ()))]:
            if m in on_stack:
                raise SvgError("参照（<use> など）が循環しています")
            if m not in size:
                todo.append((m, False))
    return size
