"""How a selection, a box list and a flag read as plain text; the HTML macros style the same parts."""
from __future__ import annotations

from typing import Any

from pia import schema as sch
from pia.rules._util import ticked

TICK, NO_TICK = "[○]", "[　]"


def choice_text(node: sch.Node, value: Any, count: Any = None, has_count: bool = False) -> str:
    opts = " ".join(f"{i}) {o}" for i, o in enumerate(sch.options(node), 1))
    chosen = value if value is not None else "　"
    tail = f" （{count if count is not None else '　'}）件" if has_count else ""
    return f"[ {chosen} ]{tail}\n<選択肢> {opts}"


def multi_text(node: sch.Node, value: Any) -> str:
    chosen = ticked(value)
    texts, counts = sch.text_options(node), sch.count_options(node)
    parts = []
    for o in sch.options(node):
        mark = TICK if o in chosen else NO_TICK
        extra = ""
        if o in texts:
            inner = chosen.get(o)
            extra = f"（{inner if inner is not None else '　'}）" + ("件" if o in counts else "")
        parts.append(f"{mark} {o}{extra}")
    return "　".join(parts)


def flag_text(node: sch.Node, value: Any) -> str:
    return f"{TICK if value else NO_TICK} {sch.title(node)}"
