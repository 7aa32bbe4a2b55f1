"""SVG figures measured before anything draws them: parsed once by expat (no entities, no external anything),
counting elements, nesting and what <use> and url(#…) references expand to."""
from __future__ import annotations

import re
import xml.parsers.expat
from dataclasses import dataclass

MAX_ELEMENTS = 20_000  # elements written in the file
MAX_DEPTH = 100  # nesting of elements
MAX_DRAWN = 50_000  # elements drawn once every <use> and url(#id) is expanded

_XLINK = "http://www.w3.org/1999/xlink"
_URL = re.compile(r"url\(\s*['\"]?\s*([^'\")\s]*)", re.I)
_IMPORT = re.compile(r"@import", re.I)
_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg);base64,", re.I)


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
    import base64
    import binascii

    p = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    p.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    p.buffer_text = True  # a style's text in one piece, so a reference is never split
    children: list[list[int]] = []
    refs: list[list[str]] = []
    ids: dict[str, list[int]] = {}  # every element of an id: a renderer may take any of them, all are counted
    stack: list[int] = []
    images: list[bytes] = []
    state = {"depth": 0, "style": 0}
    error: list[str] = []

    def fail(msg: str) -> None:
        error.append(msg)
        raise _Stop

    def refs_in(text: str, into: list[str]) -> None:
        if _IMPORT.search(text):
            fail("スタイルで別のファイルを読み込んでいます（@import）")
        for target in _URL.findall(text):
            if target.startswith("#"):
                into.append(target[1:])
            else:
                fail("図の中から別のファイルやウェブ上の資源を参照しています")

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition(" ")[2]
        n = len(children)
        if n >= MAX_ELEMENTS:
            fail(f"要素が多すぎます（上限 {MAX_ELEMENTS:,} 個）")
        if len(stack) >= MAX_DEPTH:
            fail(f"要素の入れ子が深すぎます（上限 {MAX_DEPTH} 段）")
        children.append([])
        mine: list[str] = []
        refs.append(mine)
        if stack:
            children[stack[-1]].append(n)
        stack.append(n)
        state["depth"] = max(state["depth"], len(stack))
        for key, value in attrs.items():
            attr = key.rpartition(" ")[2]
            if attr == "id":
                ids.setdefault(value, []).append(n)
            elif attr == "href":
                v = value.strip()
                if v.startswith("#"):
                    mine.append(v[1:])
                elif local in ("image", "feImage") and _DATA_IMAGE.match(v):
                    try:
                        images.append(base64.b64decode(v[_DATA_IMAGE.match(v).end():], validate=False))
                    except (binascii.Error, ValueError):
                        fail("埋め込まれた画像が壊れています")
                elif local != "a" or not re.match(r"(?i)(https?|mailto):", v):
                    fail("図の中から別のファイルやウェブ上の資源を参照しています")
            else:
                refs_in(value, mine)
        if local == "style":
            state["style"] += 1

    def end(name: str) -> None:
        stack.pop()
        if name.rpartition(" ")[2] == "style":
            state["style"] -= 1

    def text(data: str) -> None:
        if state["style"] and stack:
            refs_in(data, refs[stack[-1]])

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
    drawn = _drawn(children, refs, ids, max_drawn)
    return Measure(len(children), state["depth"], drawn, tuple(images))


def _drawn(children: list[list[int]], refs: list[list[str]], ids: dict[str, list[int]], limit: int) -> int:
    """Elements drawn from the root, each reference drawing its target again (iteratively; a reference cycle is an
    error). Sizes are capped just above the limit, so a bomb stops early."""
    size: dict[int, int] = {}
    on_stack: set[int] = set()
    if not children:
        return 0
    todo: list[tuple[int, bool]] = [(0, False)]
    while todo:
        n, done = todo.pop()
        if done:
            total = 1 + sum(size[c] for c in children[n]) + sum(size[m] for r in refs[n] for m in ids.get(r, ()))
            size[n] = min(total, limit + 1)
            on_stack.discard(n)
            continue
        if n in size:
            continue
        on_stack.add(n)
        todo.append((n, True))
        for m in [*children[n], *(m for r in refs[n] for m in ids.get(r, ()))]:
            if m in on_stack:
                raise SvgError("参照（<use> など）が循環しています")
            if m not in size:
                todo.append((m, False))
    if size[0] > limit:
        raise SvgError(f"描く要素が多すぎます: <use> などの参照を展開すると {limit:,} 個を超えます")
    return size[0]
