"""Where the packaged schemas and templates live (installed wheel or source checkout)."""
from __future__ import annotations

import os
from functools import cache
from pathlib import Path

_PKG = Path(__file__).resolve().parent.parent  # the pia package (this module is in pia/base)


@cache
def data_dir(name: str) -> Path:
    for candidate in (_PKG / "_data" / name, _PKG.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(name)


def schemas_dir() -> Path:
    """The form data. PIA_SCHEMAS_DIR points at another copy: a form kind or version under development (the tests'
    fourth kind), tried with every command before it is added to schemas/."""
    other = os.environ.get("PIA_SCHEMAS_DIR")
    return Path(other) if other else data_dir("schemas")


def templates_dir() -> Path:
    return data_dir("templates")
