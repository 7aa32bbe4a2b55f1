"""Small readers of values as the YAML holds them, read without trusting their shape (rules, writers, diff)."""
from __future__ import annotations

import re
import unicodedata
from typing import Any, Iterator

from pia.document.validate import is_dash  # noqa: F401  (one definition)


DASH = "—"  # the form's 「該当なし」


def dash_variant(node: dict[str, Any] | None, value: Any) -> bool:
    """A 「該当なし」 written with another dash (ー, ―, －, -, ‐, −) in an item where the form allows 「—」."""
    return bool(node) and bool(node.get("x-pia-dash")) and is_dash(value) and value.strip() != DASH


def empty(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, str):
        return not v.strip()
    if isinstance(v, (list, dict)):
        return not v
    return False


def blank(v: Any) -> bool:
    """Nothing stated: empty or 「—」."""
    return empty(v) or is_dash(v)


def ticked(v: Any) -> dict[str, Any]:
    """Ticked boxes of a multiple-choice item -> their parenthesised text or count (None if none)."""
    out: dict[str, Any] = {}
    for entry in v if isinstance(v, list) else []:
        if isinstance(entry, str):
            out[entry] = None
        elif isinstance(entry, dict) and len(entry) == 1:
            (k, val), = entry.items()
            out[str(k)] = val
    return out


def nfkc(s: str) -> str:
    return unicodedata.normalize("NFKC", s)


def first_int(s: str) -> int | None:
    m = re.search(r"\d[\d,]*", nfkc(s))
    return int(m.group().replace(",", "")) if m else None


def scalars(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """(path, value) of every scalar under value."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from scalars(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from scalars(v, path + (i,))
    else:
        yield path, value
