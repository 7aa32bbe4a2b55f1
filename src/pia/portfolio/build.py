"""Incremental, parallel builds over many assessments.

Each assessment gets a content hash of everything its outputs depend on: the files of its folder (YAML, figures),
the last git commit that touched it (別添3 rows come from the history), the schemas, the templates, pia's version
and the build options. A manifest in the output folder (`.pia-build.json`) maps each assessment to the hash and the
facts its last build returned; an assessment whose hash is unchanged is not rebuilt. The others are built in
separate processes, one per core (each then lays out its PDF in one process: pia.output.pdfparts).
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any, Callable

import pia
from pia.base import fshash, fsread
from pia.base.resources import schemas_dir, templates_dir
from pia.document import figures, loader

MANIFEST = ".pia-build.json"
# What hashing one assessment folder may read: a file as large as any reader of pia takes (a figure), and in all
# what the loader and the figures of one document may take together.
HASH_LIMIT = max(loader.MAX_BYTES, figures.MAX_BYTES)
HASH_BUDGET = loader.MAX_TOTAL_BYTES + figures.MAX_TOTAL_BYTES


def _tree_digest(root: Path, h: Any) -> None:
    """pia's own schemas and templates (the users' folders go through pia.base.fshash)."""
    for p in sorted(root.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts:
            h.update(p.relative_to(root).as_posix().encode() + b"\0")
            h.update(hashlib.sha256(p.read_bytes()).digest())


@cache
def shared_digest() -> str:
    h = hashlib.sha256(pia.__version__.encode())
    _tree_digest(schemas_dir(), h)
    _tree_digest(templates_dir(), h)
    return h.hexdigest()


def _git(folder: Path, *args: str) -> str:
    try:
        r = subprocess.run(["git", *args], cwd=folder, capture_output=True, check=False)
    except FileNotFoundError:
        return ""
    return r.stdout.decode().strip() if r.returncode == 0 else ""


@cache
def _head(repo: Path) -> str:
    return _git(repo, "rev-parse", "HEAD")


def last_commit(folder: Path, known: dict[str, Any] | None = None) -> tuple[str, str]:
    """(HEAD of the folder's repository, the last commit that touched the folder). With the same HEAD as a
    previous build (known: its manifest entry) the answer is the one recorded then: one git process per
    repository instead of one per assessment when nothing was committed."""
    repo = fsread.repository(folder, resolve=True)
    if repo is None:
        return "", ""
    head = _head(repo)
    if head and known and known.get("head") == head and isinstance(known.get("commit"), str):
        return head, known["commit"]
    return head, _git(folder, "log", "-1", "--format=%H", "--", ".")


def input_hash(folder: Path, options: str = "", commit: str = "") -> str:
    """The content hash of an assessment's inputs; commit: the last commit that touched it (its 別添3 history)."""
    h = hashlib.sha256(shared_digest().encode())
    h.update(options.encode() + b"\0")
    h.update(commit.encode() + b"\0")
    fshash.update(h, folder, HASH_LIMIT, HASH_BUDGET)
    return h.hexdigest()


def read_manifest(out: Path) -> dict[str, Any]:
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def write_manifest(out: Path, data: dict[str, Any]) -> None:
    from pia.output.outfolder import write_outputs

    write_outputs(out, {MANIFEST: (json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode()}, force=True)


def _one_process_per_pdf() -> None:
    """The build already uses every core: each of its workers lays out its PDFs alone (no nested processes)."""
    from pia.output.pdfparts import ENV

    os.environ[ENV] = "1"


def build(folders: list[Path], out: Path, options: str, worker: Callable[[Path, Path], Any],
          jobs: int = 0, exists: Callable[[Path, Any], bool] = lambda folder, facts: True,
          manifest: dict[str, Any] | None = None,
          finish: Callable[[dict[str, Any], list[Path]], None] | None = None) -> tuple[dict[str, Any], list[Path]]:
    """Run worker(folder, out) for each folder whose inputs changed; return (facts by folder name, rebuilt folders).
    Facts are what the worker returned (JSON data), kept in the manifest for the unchanged ones. manifest: the
    output folder's manifest when the caller has already read it. finish(facts, rebuilt) runs before the manifest
    is recorded: when it fails (a page pia may not replace), the next run builds those folders again."""
    before = read_manifest(out) if manifest is None else manifest
    manifest = dict(before)
    commits = {f.name: last_commit(f, manifest.get(f.name)) for f in folders}
    hashes = {f.name: input_hash(f, options, commits[f.name][1]) for f in folders}
    todo = [f for f in folders if (manifest.get(f.name) or {}).get("hash") != hashes[f.name]
            or not exists(f, (manifest.get(f.name) or {}).get("facts"))]
    jobs = jobs or os.cpu_count() or 1
    if len(todo) > 1 and jobs > 1:
        with ProcessPoolExecutor(min(jobs, len(todo)), initializer=_one_process_per_pdf) as ex:
            results = list(ex.map(worker, todo, [out] * len(todo)))
    else:
        results = [worker(f, out) for f in todo]
    for f, facts in zip(todo, results):
        manifest[f.name] = {"hash": hashes[f.name], "facts": facts}
    names = {f.name for f in folders}
    manifest = {k: v for k, v in manifest.items() if k in names}
    moved = False
    for f in folders:  # where the history was, so that the next run need not ask git once per folder
        head, commit = commits[f.name]
        entry = manifest[f.name]
        if (entry.get("head"), entry.get("commit")) != (head, commit):
            manifest[f.name] = {**entry, "head": head, "commit": commit}
            moved = True
    facts = {f.name: manifest[f.name]["facts"] for f in folders}
    if finish:
        finish(facts, todo)
    if todo or moved or set(before) != names:
        write_manifest(out, manifest)
    return facts, todo


def render_one(folder: Path, out: Path, formats: tuple[str, ...] = ("html", "pdf")) -> dict[str, Any]:
    """`pia render` of one assessment of many: into out/<folder name>/."""
    from pia.portfolio.render import render_all
    from pia.base.formats import parse
    from pia.output.formats import writers

    written, result = render_all(folder, writers(parse("render", ",".join(formats))), out / folder.name, force=True)
    return {"files": [p.name for p in written], "errors": result.errors}


def render_many(folders: list[Path], out: Path, formats: tuple[str, ...], jobs: int = 0) -> tuple[dict[str, Any], list[Path]]:
    from functools import partial

    from pia.output.outfolder import refuse_assessments

    refuse_assessments(out)

    def present(folder: Path, facts: Any) -> bool:
        return isinstance(facts, dict) and all((out / folder.name / n).is_file() for n in facts.get("files", []))

    return build(folders, out, "render:" + ",".join(formats), partial(render_one, formats=formats), jobs, present)
