"""schemas/forms.json as read: the one table of the form family (kinds, threshold, versions, shared facts).

Read here, below the item index, so that the index (pia.form.items) can list the documents the kinds declare;
pia.form.kinds turns it into records.
"""
from __future__ import annotations

import json
from functools import cache
from typing import Any

from pia.base.resources import schemas_dir


@cache
def table() -> dict[str, Any]:
    return json.loads((schemas_dir() / "forms.json").read_text(encoding="utf-8"))


def document_keys() -> tuple[str, ...]:
    """Every document key a folder may hold (the kinds' schemas, shared and per-file schemas), most detailed first."""
    out: list[str] = []
    for k in sorted(table()["kinds"].values(), key=lambda k: -k["rank"]):
        for key in (k["schema"], *k.get("shared", ()), k.get("file_schema")):
            if key and key not in out:
                out.append(key)
    return tuple(out)
