"""The one Jinja2 environment: autoescape on, undefined names are errors, helpers registered here only."""
from __future__ import annotations

from functools import cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from pia import schema as sch
from pia.resources import templates_dir
from pia.rules._util import ticked


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(templates_dir())), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=False, lstrip_blocks=False, keep_trailing_newline=True)
    env.globals.update(
        options=sch.options,
        text_options=sch.text_options,
        count_options=sch.count_options,
        ticked=ticked,
        # the document may not match its schema (render runs even with findings): read shapes defensively
        as_map=lambda v: v if isinstance(v, dict) else {},
        as_list=lambda v: v if isinstance(v, list) else [],
    )
    return env
