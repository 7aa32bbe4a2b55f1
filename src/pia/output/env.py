"""The one Jinja2 environment: autoescape on, undefined names are errors, helpers registered here only."""
from __future__ import annotations

from functools import cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from pia.document.formatting import fmt, heading, label_text, star_html
from pia.base.resources import templates_dir


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
    return env
