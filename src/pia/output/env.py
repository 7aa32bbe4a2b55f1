"""The one Jinja2 environment: autoescape on, undefined names are errors, helpers registered here only."""
from __future__ import annotations

import os
from functools import cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from pia.document.formatting import fmt, heading, label_text, star_html
from pia.base.resources import templates_dir


def href(path: str) -> str:
    """A relative link to a file pia wrote, each '/'-separated part percent-encoded: a folder named
    `javascript:alert(1)` or holding `#`, `?`, `%20` links to itself, never to a scheme, a fragment or a query.
    Names that are not UTF-8 are encoded as their bytes."""
    from urllib.parse import quote

    return "/".join(quote(os.fsencode(part), safe="") for part in path.split("/"))


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(templates_dir())), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=False, lstrip_blocks=False, keep_trailing_newline=True)
    env.globals.update(
        heading=heading,
        label=label_text,
        star=star_html,
        cell=lambda e, c: fmt(e.kind).html(e, c),
    )
    env.filters["href"] = href
    return env
