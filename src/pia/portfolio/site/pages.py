"""Templates and the stylesheet shared by the site, the status page and the reports."""
from __future__ import annotations

from functools import cache

from jinja2 import Environment

from pia.base.resources import templates_dir


def environment() -> Environment:
    from pia.output.env import environment as env

    return env()


@cache
def css() -> str:
    return (templates_dir() / "site" / "site.css").read_text(encoding="utf-8")
