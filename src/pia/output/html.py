"""A page (pia.document.page) -> one standalone HTML document: the blocks of the form's layout, its 項目一覧 and
its 変更箇所, in the templates. Reads no YAML, no git and no clock."""
from __future__ import annotations

from typing import Any

from pia.base.resources import templates_dir
from pia.document.page import Page
from pia.output.env import environment


def context(page: Page) -> dict[str, Any]:
    return {
        "blocks": page.blocks, "toc": page.toc, "c": page.ctx, "title": page.title, "form_title": page.form_title,
        "toc_title": page.toc_title, "author": page.author, "date": page.date, "version_tag": page.version_tag,
        "betten3": {"columns": page.changes.columns, "rows": page.changes.rows},
        "css": (templates_dir() / "style.css").read_text(encoding="utf-8"),
    }


def render_html(page: Page) -> str:
    return environment().get_template("document.html.j2").render(**context(page))
