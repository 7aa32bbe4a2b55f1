"""One table: how each kind of item reads, as plain text (Excel, diff) and as HTML (the document, the preview).

The form's fixed texts (＜選択肢＞, [○], （ ）件) come from the layout; labels and options from the schema.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from markupsafe import Markup, escape

from pathlib import Path

from pia.form import schema as sch
from pia.document.figures import Budget, Figure, FigureError
from pia.document.values import ticked
from pia.form.walk import Entry
from pia.form import layout
from pia.document import blocks
from pia.document.assessment import Assessment


@dataclass(frozen=True)
class Ctx:
    texts: dict[str, str]
    file_name: Callable[[str], str] = str
    folder: Path | None = None  # where 別添1's figures are read from (none for versions read from git)
    labels: dict[str, str] = field(default_factory=dict)  # item code -> title in the document's form version
    figures: Budget | None = field(default=None, compare=False)  # the document's figures, in print order

    def __post_init__(self) -> None:
        if self.folder is not None and self.figures is None:
            object.__setattr__(self, "figures", Budget(self.folder))

    def title(self, node: sch.Node) -> str:
        """The item's title as the document's form version prints it (schemas/forms.json, versions)."""
        return self.labels.get(sch.code(node), sch.title(node))

    def figure(self, e: Entry) -> tuple[Figure | None, str]:
        """(the figure, or None with the reason it cannot be shown) for a figure entry."""
        if self.figures is None:
            return None, "（図は評価書フォルダから出力したときに掲載されます）"
        try:
            return self.figures.read(e.value, tuple(e.path)), ""
        except FigureError as err:
            return None, f"（図を掲載できません: {err}）"


def _blank(v: Any) -> str:
    return "　" if v is None or v == "" else str(v)


def _opts(node: sch.Node, t: dict[str, str]) -> str:
    return t["options"] + " " + " ".join(f"{i}) {o}" for i, o in enumerate(sch.options(node), 1))


def _choice_parts(e: Entry, c: Ctx) -> tuple[str, str, str]:
    """(chosen, options, tail): tail is the （ ）件 count or the inline details (V ③ 手数料額、納付方法)."""
    t = c.texts
    node, v = e.node, e.value
    chosen = sch.selected(v)
    props = node.get("properties", {})
    tail = ""
    if sch.COUNT in props:
        tail = t["count"].format(_blank(v.get(sch.COUNT) if isinstance(v, dict) else None))
    elif node.get("x-pia-details-inline"):
        d = v if isinstance(v, dict) else {}
        tail = "".join(t["detail"].format(k, "" if d.get(k) in (None, "") else d[k]) for k, _ in sch.details(node))
    return f"[ {_blank(chosen)} ]", _opts(node, t), tail


def question(e: Entry, c: Ctx) -> str:
    """The question the form prints above a choice's options (基礎 II: 「評価対象の事務の対象人数は何人か」): the
    title of its 選択 when the schema marks it x-pia-question."""
    q = sch.child(e.node, sch.SELECTED) if "properties" in e.node else None
    return c.title(q) if q and q.get("x-pia-question") else ""


def _choice_text(e: Entry, c: Ctx) -> str:
    chosen, opts, tail = _choice_parts(e, c)
    q = question(e, c)
    return (f"{q}\n" if q else "") + f"{chosen}\n{opts}" + (f" {tail}" if tail else "")


# The printed forms' value cells are at least 39 em wide (70 % of A4 less the margins, at the text's size). An option
# of at most ONE_LINE_CHARS characters (none of them wider than 1 em, in any font) is printed as text that does not wrap
# instead of an inline block: the same look, and WeasyPrint need not measure a box for each of the hundreds of options
# (about 14 % of a PDF's layout). Only in print (@media print): a screen's cells have no set width.
ONE_LINE_CHARS = 30


def _span(name: str, text: str) -> Markup:
    """An option's span: class `name`, and `line` when it surely fits on one line of a printed value cell."""
    return Markup('<span class="{}">{}</span>').format(f"{name} line" if len(text) <= ONE_LINE_CHARS else name, text)


def _choice_html(e: Entry, c: Ctx) -> Markup:
    chosen, _, tail = _choice_parts(e, c)
    items = Markup(" ").join(_span("opt", o) for o in _numbered(sch.options(e.node)))
    q = question(e, c)
    out = Markup('<div class="choice">') + (Markup('<div class="question">{}</div>').format(q) if q else Markup(""))
    out += Markup('<span class="chosen">{}</span> <span class="opts">{} {}</span>').format(chosen, c.texts["options"], items)
    if tail:
        out += Markup(' <span class="count">{}</span>').format(tail)
    return out + Markup("</div>")


def _numbered(opts: list[str]) -> list[str]:
    return [f"{i}) {o}" for i, o in enumerate(opts, 1)]


def _boxes(e: Entry, c: Ctx) -> list[tuple[str | None, list[str]]]:
    """(group title, box texts) in form order; the form groups some box lists (主な記録項目: 識別情報 …)."""
    t = c.texts
    chosen = ticked(e.value)
    texts, counts = sch.text_options(e.node), sch.count_options(e.node)

    def box(o: str) -> str:
        extra = ""
        if o in texts:
            inner = _blank(chosen.get(o))
            extra = t["count"].format(inner) if o in counts else t["paren"].format(inner)
        return f"{t['tick'] if o in chosen else t['no_tick']} {o}{extra}"

    groups = e.node.get("x-pia-option-groups")
    if groups:
        return [(g["title"], [box(o) for o in g["options"]]) for g in groups]
    return [(None, [box(o) for o in sch.options(e.node)])]


def _multi_text(e: Entry, c: Ctx) -> str:
    lines = []
    for title, boxes in _boxes(e, c):
        body = "　".join(boxes)
        lines.append(f"{c.texts['bullet']}{title}\n{body}" if title else body)
    return "\n".join(lines)


def _multi_html(e: Entry, c: Ctx) -> Markup:
    out = Markup('<div class="multi">')
    for title, boxes in _boxes(e, c):
        if title:
            out += Markup('<div class="boxgroup">{}{}</div>').format(c.texts["bullet"], title)
        out += Markup("").join(_span("box", b) + Markup("\n") for b in boxes)
    return out + Markup("</div>")


def _flag_text(e: Entry, c: Ctx) -> str:
    return f"{c.texts['tick'] if sch.tick(e.value, e.node) else c.texts['no_tick']} {sch.title(e.node)}"


def _flag_html(e: Entry, c: Ctx) -> Markup:
    return _span("box", _flag_text(e, c))


def _plain(e: Entry, c: Ctx) -> str:
    return "" if e.value is None else str(e.value)


def _plain_html(e: Entry, c: Ctx) -> Markup:
    s = _plain(e, c)
    return Markup('<div class="text">{}</div>').format(s) if s else Markup('<span class="blank"></span>')


def _list_lines(e: Entry, c: Ctx) -> list[str]:
    values = e.value if isinstance(e.value, list) else []
    if e.kind == "idlist":
        return [c.texts["numbered"].format(i) + c.file_name(str(x)) for i, x in enumerate(values, 1)]
    # 別添2 numbers its items (1. 住民票コード) unless they stand under a heading of their group (・)
    unless = e.node.get("x-pia-numbered-unless")
    numbered = bool(unless) and not (e.owner or {}).get(unless)
    return [(c.texts["numbered"].format(i) if numbered else c.texts["bullet"]) + str(x) for i, x in enumerate(values, 1)]


def _list_text(e: Entry, c: Ctx) -> str:
    return "\n".join(_list_lines(e, c))


def _list_html(e: Entry, c: Ctx) -> Markup:
    return Markup('<div class="text">{}</div>').format("\n".join(_list_lines(e, c)))


def alt_text(e: Entry) -> str:
    """The figure's alternative text, written beside it in the YAML (x-pia-alt names the key)."""
    alt = (e.owner or {}).get(e.node.get("x-pia-alt", ""))
    return str(alt) if alt else str(e.value or "")


def _figure_text(e: Entry, c: Ctx) -> str:
    return f"{e.value}（{alt_text(e)}）" if alt_text(e) != str(e.value) else str(e.value or "")


def _figure_html(e: Entry, c: Ctx) -> Markup:
    fig, why = c.figure(e)
    if fig is None:
        return Markup('<div class="text figure-missing">{}</div>').format(why)
    return Markup('<img class="figure" src="{}" alt="{}">').format(fig.data_uri, alt_text(e))


def _brief_multi(e: Entry, c: Ctx) -> str:
    return "、".join(f"{o}（{'' if v is None else v}）" if v is not None or o in sch.text_options(e.node) else o
                    for o, v in ticked(e.value).items())


def _brief_choice(e: Entry, c: Ctx) -> str:
    """The chosen option with what the same cell prints beside it: （2）件, or inline details."""
    chosen = sch.selected(e.value)
    if chosen is None:
        return ""
    tail = _choice_parts(e, c)[2] if isinstance(e.value, dict) else ""
    return f"{str(chosen).strip()}{tail}"


@dataclass(frozen=True)
class Format:
    text: Callable[[Entry, Ctx], str]    # a value cell as plain text (Excel)
    html: Callable[[Entry, Ctx], Markup]  # a value cell in the HTML document
    brief: Callable[[Entry, Ctx], str]   # the value alone, for 別添3 and diffs


_TEXT = Format(_plain, _plain_html, lambda e, c: _plain(e, c).strip())
_LIST = Format(_list_text, _list_html, lambda e, c: "、".join(x.split(" ", 1)[-1] if e.kind == "idlist" else str(x)
                                                              for x in _list_lines(e, c)))
FORMATS: dict[str, Format] = {
    "choice": Format(_choice_text, _choice_html, _brief_choice),
    "multi": Format(_multi_text, _multi_html, _brief_multi),
    "flag": Format(_flag_text, _flag_html, lambda e, c: c.texts["tick"] if sch.tick(e.value, e.node) else ""),
    "idlist": _LIST,
    "strlist": _LIST,
    "text": _TEXT,
    "date": _TEXT,
    "count": _TEXT,
    "figure": Format(_figure_text, _figure_html, lambda e, c: str(e.value or "")),
}


def fmt(kind: str) -> Format:
    """Every value kind has a format; headings (group, block, note) are drawn by the renderers."""
    return FORMATS.get(kind, _TEXT)


def heading(e: Entry, c: Ctx, flags: bool = True) -> str:
    """The text of a heading row: a group with its flags (unless they are rows of their own), a numbered block with
    its name, a fixed note."""
    if e.kind == "block":
        label = e.node["x-pia-block"]
        name = e.value.get(label) if isinstance(e.value, dict) else None
        return f"{label}{e.number}" + (f"　{name}" if name else "")
    title = c.title(e.node) + (f" {c.texts['star']}" if e.starred else "")
    if e.flags and flags:
        title += "　" + "　".join(_flag_text(f, c) for f in e.flags)
    return title


def star_html(node: sch.Node, c: Ctx) -> Markup:
    if not sch.starred(node):
        return Markup("")
    note = node.get("x-pia-star-note", "")
    return Markup('<span class="star"> {}{}</span>').format(c.texts["star"], note)


def label_text(e: Entry, c: Ctx) -> str:
    return c.title(e.node) + (f" {c.texts['star']}" if e.starred else "")


__all__ = ["Ctx", "FORMATS", "Format", "fmt", "heading", "label_text", "star_html", "escape"]






def format_ctx(a: Assessment, kind: str = "full", folder: Path | None = None) -> Ctx:
    """The form's fixed texts, and the item titles as the document's own form version prints them."""
    return Ctx(layout.texts(kind), a.file_name, folder, blocks.version_of(a, kind).labels)
