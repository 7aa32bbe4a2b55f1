"""`pia site`: a static site for residents with every assessment, its documents and what each revision changed.

Layout of the output folder:
  index.html                       all assessments: 事務, kind, version, 公表日, downloads
  <name>/index.html                one assessment: facts, downloads, every revision with its 変更箇所
  <name>/changes-<date>.html       one revision explained in plain Japanese
  <name>/<name>.pdf|html|xlsx      the documents (pia render)
  <name>/versions/<name>-<date>.*  every older published edition, from the git history (pia.site.editions)
Each assessment is rendered only when its inputs changed (pia.build), in parallel.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pia.base import dates
from pia.base.formats import USES

FORMATS = USES["site"].formats
LABELS = {"pdf": "PDF", "html": "HTML（ウェブページ）", "xlsx": "Excel"}
# What a 提出時期 means (x-pia-meaning of 別添3's 提出時期) -> the sentence residents read.
TIMING_EXPLAINED = {
    "before": "重要な変更を含むため、変更を行う前に評価をやり直し、意見を聴いたうえで公表しました。",
    "after": "重要な変更に当たらない修正のため、変更を行った後に評価書を直して公表しました。",
}


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def _size(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 1_000_000 else f"{max(1, round(n / 1000))} KB"


def _history(folder: Path) -> Any:
    """The folder's version history, or None outside git (the recorded rows are then all there is)."""
    from pia.base.errors import PiaError
    from pia.history.versions import history, in_git
    from pia.portfolio.site import editions as ed

    if not in_git(folder):
        return None
    try:
        return history(folder, {ed.FACT: ed.fact})
    except PiaError:
        return None


def _revisions(a: Any, history: Any) -> list[dict[str, Any]]:
    """Every revision: the 変更箇所 rows written in each document's YAML (the pre-pia 別添3 of the 全項目評価書)
    grouped by 変更日, then those derived from the git history."""
    from pia.form import layout
    from pia.document import family
    from pia.form import kinds
    from pia.form import items
    from pia.history.versions import history_rows

    groups: dict[str, dict[str, Any]] = {}

    def add(date_text: str, row: dict[str, Any]) -> None:
        g = groups.setdefault(date_text, {"date_text": date_text, "rows": []})
        g["rows"].append(row)

    for kind in reversed(family.present(a)):
        rows_item = layout.changes_item(kind)
        if rows_item is None:
            continue
        col = {k: items.item(kind.code_prefix + code) for k, code in COLUMNS.items()}
        for r in rows_item.get(family.data(a, kind)) or []:
            if isinstance(r, dict):
                row = {k: str(it.of(r, rows_item) or "") for k, it in col.items()}
                add(row.pop("date"), {"document": kinds.short_title(kind), **row})
    main = family.main_kind(a)
    for row in history_rows(history) if history is not None else []:
        add(row.date, {"document": kinds.short_title(main) if main else "", "item": row.change.label, "before": row.change.before,
                       "after": row.change.after, "timing": row.timing, "reason": row.reason})
    out = []
    for text, g in groups.items():
        found = dates.find_dates(text)
        d = found[0] if found else None
        timings = sorted({r["timing"] for r in g["rows"] if r["timing"]})
        timing_item = items.item("別添3-提出時期")
        meanings = sorted({m for t in timings if (m := timing_item.meaning(t))}, key=list(TIMING_EXPLAINED).index)
        out.append({"date": _iso(d), "date_ja": dates.to_era(d) if d else (text or "日付不明"), "timing": "・".join(timings),
                    "explained": [TIMING_EXPLAINED[m] for m in meanings], "rows": g["rows"],
                    "documents": sorted({r["document"] for r in g["rows"]})})
    out.sort(key=lambda r: r["date"] or "", reverse=True)
    for i, r in enumerate(out):
        r["page"] = f"changes-{r['date'] or f'n{len(out) - i}'}.html"
    return out


# The columns of a 変更箇所 row by their code in the 全項目評価書; the other forms prefix it (基礎-別添3-変更日).
COLUMNS = {"date": "別添3-変更日", "item": "別添3-項目", "before": "別添3-変更前の記載", "after": "別添3-変更後の記載",
           "timing": "別添3-提出時期", "reason": "別添3-提出時期に係る説明"}


def _downloads(a: Any, stem: str, files: dict[str, int], href: str = "") -> list[dict[str, Any]]:
    """Download links of one edition's files (name -> size), the most detailed document first, by format. Each
    names its own document: its kind, and its title as the document itself is rendered with."""
    from pia.document import family
    from pia.document.page import document_title
    from pia.form import kinds

    main = family.main_kind(a)
    order = list(reversed(family.present(a)))
    kind_of = {kinds.output_stem(stem, k, main): k for k in order}
    titles = {k.id: document_title(a, k) for k in order}
    out = []
    for n in sorted(files, key=lambda n: (order.index(kind_of[Path(n).stem]) if Path(n).stem in kind_of else 9,
                                           FORMATS.index(Path(n).suffix[1:]) if Path(n).suffix[1:] in FORMATS else 9)):
        kind = kind_of.get(Path(n).stem)
        fmt = Path(n).suffix[1:]
        out.append({"format": fmt, "href": href + n, "size": _size(files[n]), "format_label": LABELS.get(fmt, n),
                    "kind": kinds.short_title(kind) if kind else "", "title": titles[kind.id] if kind else n,
                    "label": f"{kinds.short_title(kind) if kind else ''} {LABELS.get(fmt, n)}".strip()})
    return out


VERSIONS = "versions"  # the folder of an assessment's old editions, under its page


def _hidden(a: Any, stem: str) -> set[str]:
    """The output names (without suffix) of the documents not published — a draft ((案)・(素案)) or one without a
    公表日: the site never writes, lists or links them."""
    from pia.document import family
    from pia.form import kinds
    from pia.portfolio import documents as pf

    main = family.main_kind(a)
    return {kinds.output_stem(stem, k, main) for k, d in zip(family.present(a), pf.documents_of(a)) if not d.is_published}


def unpublished(folders: list[Path]) -> list[str]:
    """「folder: 評価書（理由）」 for every document the site leaves out, for the command to say so."""
    from pia.document import assessment as asm
    from pia.portfolio import documents as pf

    out = []
    for folder in folders:
        left = [f"{d.kind}（{'案' if d.draft else '公表日なし'}）" for d in pf.documents_of(asm.load(folder)) if not d.is_published]
        if left:
            out.append(f"{folder.name}: {'、'.join(left)}")
    return out


def _editions(folder: Path, a: Any, history: Any, out: Path, formats: tuple[str, ...]) -> list[dict[str, Any]]:
    """Every published edition before the current one, rendered into <name>/versions/ unless the last build
    already did (the same commit, pia and options: see editions.digest)."""
    from pia.portfolio import build
    from pia.portfolio import documents as pf
    from pia.output.outfolder import write_outputs
    from pia.portfolio.site import editions as ed

    if history is None:
        return []
    name = folder.name
    options = f"site:{','.join(formats)}"
    before = {v["sha"]: v for v in ((build.read_manifest(out).get(name) or {}).get("facts") or {}).get("versions", [])}
    found = ed.editions(history, a)
    stems = [e.date.isoformat() for e in found]
    result = []
    for e in found:
        stem = f"{name}-{e.date.isoformat()}" + (f"-{e.sha[:7]}" if stems.count(e.date.isoformat()) > 1 else "")
        digest = ed.digest(e, options)
        old = before.get(e.sha)
        target = out / name / VERSIONS
        if old and old.get("hash") == digest and all((target / f).is_file() for f in old.get("files", {})):
            sizes = old["files"]
        else:
            hidden = _hidden(history.version(e.index).assessment, stem)
            files = {n: b for n, b in ed.render(folder, history, e, stem, formats).items() if Path(n).stem not in hidden}
            write_outputs(target, files, force=True)
            sizes = {n: len(b) for n, b in files.items()}
        then = history.version(e.index).assessment
        changed = max([d.changed for d in pf.documents_of(then) if d.changed], default=None)
        result.append({"sha": e.sha, "hash": digest, "date": e.date.isoformat(), "date_ja": dates.to_era(e.date),
                       "last_revision": _iso(changed), "files": sizes, "downloads": _downloads(then, stem, sizes, VERSIONS + "/")})
    return result


def build_one(folder: Path, out: Path, formats: tuple[str, ...] = FORMATS) -> dict[str, Any]:
    """Render one assessment (its current documents into out/<name>/, its older editions into
    out/<name>/versions/) and return the facts its pages need (JSON data)."""
    from pia.document import assessment as asm
    from pia.portfolio import documents as pf
    from pia.portfolio.render import render_all
    from pia.base.formats import parse
    from pia.output.formats import writers
    from pia.portfolio.status import reassessment_due

    name = folder.name
    a = asm.load(folder)
    # only published documents reach the site: a draft ((案)) or a document without 公表日 is never listed or linked
    shown = [d for d in pf.documents_of(a) if d.is_published]
    hidden = _hidden(a, name)
    written: list[Path] = []
    errors = 0
    history = _history(folder) if shown else None  # first, with the editions' facts: the render reuses it
    if shown:
        # one cache of laid-out PDF parts for the whole site: after an edit only the parts it touches are laid out again
        written, result = render_all(folder, writers(parse("render", ",".join(formats))), out / name, force=True, cache=out)
        errors = result.errors
        from pia.base import fswrite

        fswrite.commit(out / name, {}, delete=[p.name for p in written if p.stem in hidden], create=False)
        written = [p for p in written if p.stem not in hidden]
    main = shown[-1] if shown else None
    ended = dates.parse(pf.fact(a, "ended"))
    changed = max([d.changed for d in shown if d.changed], default=None)
    return {
        "name": name, "jimu": pf.jimu_name(a),
        "org": str(pf.author(a) or ""),
        "documents": [{**d.to_dict(), "published_ja": dates.to_era(d.published) if d.published else "",
                       "reassess_ja": dates.to_era(due) if (due := reassessment_due(d.published)) else ""} for d in shown],
        "published": _iso(main.published if main else None),
        "published_ja": dates.to_era(main.published) if main and main.published else "",
        "ended_ja": dates.to_era(ended) if ended else "",
        "last_revision": _iso(changed), "last_revision_ja": dates.to_era(changed) if changed else "",
        "downloads": _downloads(a, name, {p.name: p.stat().st_size for p in written}),
        "errors": errors,
        "revisions": _revisions(a, history) if shown else [],
        "versions": _editions(folder, a, history, out, formats) if shown else [],
    }


def site_title_of(facts: list[dict[str, Any]]) -> str:
    """「特定個人情報保護評価書（東京都世田谷区長・世田谷区教育委員会）」: every body whose assessments the site
    holds, as their 評価実施機関名 is written (the head of a body is not the body's name to prefix)."""
    orgs = list(dict.fromkeys(f["org"] for f in facts if f["org"]))
    return f"特定個人情報保護評価書（{'・'.join(orgs)}）" if orgs else "特定個人情報保護評価書"


def formats_built(facts: list[dict[str, Any]]) -> str:
    """How the site's documents can be read (「PDF・ウェブページ・Excel」), from the downloads it links."""
    have = {d["format"] for f in facts for d in f.get("downloads", [])}
    return "・".join(name for fmt, name in (("pdf", "PDF"), ("html", "ウェブページ"), ("xlsx", "Excel")) if fmt in have)


def listed(facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The assessments the site shows: those with at least one published document."""
    return [f for f in facts if f["documents"]]


def pages(facts: list[dict[str, Any]], site_title: str) -> dict[str, bytes]:
    """Every page of the site, keyed by its path relative to the site root."""
    from pia.portfolio import documents as pf
    from pia.portfolio.site.pages import css, environment

    env = environment()
    labels = {**{k: pf.title_of(code, "legacy-row") for k, code in COLUMNS.items()}, "published": pf.title_of("表紙-公表日"),
              "ended": pf.title_of("表紙-事務終了日"), "org": pf.title_of("表紙-評価実施機関名")}
    facts = listed(facts)
    common = {"css": css(), "site_title": site_title, "labels": labels, "formats": formats_built(facts)}
    out = {"index.html": env.get_template("site/index.html.j2").render(page_title=site_title, items=facts, root="", **common)}
    for f in facts:
        rev_of = {r["date"]: r for r in f["revisions"] if r["date"]}
        out[f"{f['name']}/index.html"] = env.get_template("site/assessment.html.j2").render(
            page_title=f"{f['jimu']}の評価書", a=f, root="../", rev_of=rev_of, **common)
        for rev in f["revisions"]:
            out[f"{f['name']}/{rev['page']}"] = env.get_template("site/changes.html.j2").render(
                page_title=f"{rev['date_ja']}の変更（{f['jimu']}）", a=f, rev=rev, root="../", **common)
    return {k: v.encode("utf-8") for k, v in out.items()}


def build_site(folders: list[Path], out: Path, formats: tuple[str, ...] = FORMATS, jobs: int = 0,
               title: str | None = None) -> tuple[list[Path], list[Path]]:
    """(pages written, assessments rebuilt)."""
    from functools import partial

    from pia.portfolio import build
    from pia.output.outfolder import write_outputs

    def present(folder: Path, facts: Any) -> bool:
        return isinstance(facts, dict) and all((out / folder.name / d["href"]).is_file() for d in facts.get("downloads", []) +
                                               [d for v in facts.get("versions", []) for d in v["downloads"]])

    from pia.output.outfolder import refuse_assessments

    refuse_assessments(out)  # before any rendering, not after minutes of it
    manifest = build.read_manifest(out)
    names_before = set(manifest)
    written: list[Path] = []

    def write_pages(by_name: dict[str, Any], rebuilt: list[Path]) -> None:
        facts = [by_name[f.name] for f in folders]
        expected = [out / "index.html"] + [out / f["name"] / p for f in listed(facts) for p in ["index.html", *(r["page"] for r in f["revisions"])]]
        if not rebuilt and names_before == set(by_name) and all(p.is_file() for p in expected):
            return  # nothing changed: the pages are those of the last build
        site_title = title or site_title_of(listed(facts))
        by_dir: dict[str, dict[str, bytes]] = {}
        for rel, data in pages(facts, site_title).items():
            d, _, n = rel.rpartition("/")
            by_dir.setdefault(d, {})[n] = data
        for d, files in sorted(by_dir.items()):
            target = out / d if d else out
            changed = {n: b for n, b in files.items() if not ((target / n).is_file() and (target / n).read_bytes() == b)}
            if changed:  # pia site has no --force: a page someone edited is named, to be moved away
                written.extend(write_outputs(target, changed, forcible=False))

    # the pages are written before the build is recorded: a refused page leaves the next run to write them all again
    _, rebuilt = build.build(folders, out, f"site:{','.join(formats)}:{title or ''}",
                             partial(build_one, formats=tuple(formats)), jobs, present, manifest, write_pages)
    return written, rebuilt
