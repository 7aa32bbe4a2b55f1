"""Published editions of an assessment, from its git history: the site offers each one for download.

An edition is the last commit of the folder that carries a given set of 公表日 and 変更日 (every document's): a
new 公表日 or a new change makes a new edition. Drafts (評価書名 with (案)), versions with no date and states of a
事前 revision waiting for its 再評価 (never published) are not editions. The working tree's edition is the current one, rendered beside the folder's pages; the older ones are
rendered from the commit's files with the 別添3 rows their own history gave (so an old PDF is what was published).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pia.portfolio import documents as pf
from pia.document.assessment import Assessment


@dataclass(frozen=True)
class Edition:
    sha: str
    date: dt.date  # the latest 公表日 or 変更日 it carries
    index: int  # its place in the history (the versions up to it give its 別添3)


def _shown(a: Assessment) -> list[pf.DocumentInfo]:
    """The documents of a state that were published: a 公表日 and no (案). Only they make or show an edition."""
    return [d for d in pf.documents_of(a) if d.is_published]


def _key(a: Assessment) -> tuple[Any, ...]:
    """The dates that make an edition: each published document's 公表日 and last 変更日 (a document added without a
    公表日, such as a 基礎項目評価書 written down later, makes none)."""
    return tuple(sorted((d.kind, d.published, d.changed) for d in _shown(a)))


def _date(a: Assessment) -> dt.date | None:
    return max([d for doc in _shown(a) for d in (doc.published, doc.changed) if d], default=None)


FACT = "edition"  # the name of fact() among the facts the history keeps of each version


def _in_preparation(a: Assessment) -> bool:
    """A document's latest 改訂 waits for its 再評価 (予定): a 事前 revision, published only once re-assessed, so this
    state was never published (and must not stand for the edition before it either)."""
    from pia.document import family
    from pia.history.classify import awaiting_reassessment, revision

    return any(awaiting_reassessment(revision(a, kind), kind) for kind in family.present(a))


def fact(a: Assessment) -> list[Any] | None:
    """What makes a version an edition, kept by the history for every version (`history(folder, {FACT: fact})`):
    its key and date as text, or None when no document of it was published or it is a revision in preparation."""
    when = _date(a) if _shown(a) and not _in_preparation(a) else None
    return [_text_key(a), when.isoformat()] if when else None


def _text_key(a: Assessment) -> list[list[Any]]:
    return [[k, p.isoformat() if p else None, c.isoformat() if c else None] for k, p, c in _key(a)]


def editions(history: Any, current: Assessment) -> list[Edition]:
    """The published editions before the current one, newest first."""
    last: dict[str, Edition] = {}
    for i, s in enumerate(history.stamps):
        found = s.seen.get(FACT) if s.where else None  # a commit, not the working tree
        if found:
            last[json.dumps(found[0])] = Edition(s.name, dt.date.fromisoformat(found[1]), i)
    current_key = json.dumps(_text_key(current))
    return sorted((e for k, e in last.items() if k != current_key), key=lambda e: (e.date, e.index), reverse=True)


def digest(e: Edition, options: str) -> str:
    """What an edition's outputs depend on: the commit (its files and its history) and pia's own inputs."""
    from pia.portfolio.build import shared_digest

    return hashlib.sha256(f"{shared_digest()}\0{options}\0{e.sha}".encode()).hexdigest()


def render(folder: Path, history: Any, e: Edition, stem: str, formats: tuple[str, ...]) -> dict[str, bytes]:
    """The files of an edition: its documents as the commit holds them (figures included), rendered in a
    temporary folder."""
    from pia.document import assessment as asm
    from pia.history.versions import cat, toplevel, tree_blobs
    from pia.portfolio.render import render_documents
    from pia.base.formats import parse
    from pia.output.formats import writers

    top = toplevel(folder)
    blobs, _ = tree_blobs(top, e.sha, history.stamps[e.index].where[0])  # the folder's path then (before a git mv)
    with tempfile.TemporaryDirectory(prefix="pia-edition-") as tmp:
        root = Path(tmp) / folder.name
        for (name, _), data in zip(blobs, cat(top, [o for _, o in blobs])):
            parts = name.split("/")
            if data is None or any(p in ("", ".", "..") for p in parts):
                continue  # git never stores such a path; never write outside the temporary folder
            root.joinpath(*parts).parent.mkdir(parents=True, exist_ok=True)
            root.joinpath(*parts).write_bytes(data)
        derived = {k.id: [r.betten3() for r in history.rows(k, e.index)] for k in history.present(e.index)}
        files, _ = render_documents(asm.load(root), root, writers(parse("render", ",".join(formats))), stem, derived)
    return files
