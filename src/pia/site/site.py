"""`pia site`: a static site for residents with every assessment, its documents and what each revision changed.

Layout of the output folder:
  index.html                       all assessments: 事務, kind, version, 公表日, downloads
  <name>/index.html                one assessment: facts, downloads, every revision with its 変更箇所
  <name>/changes-<date>.html       one revision explained in plain Japanese
  <name>/<name>.pdf|html|xlsx      the documents (pia render)
Each assessment is rendered only when its inputs changed (pia.build), in parallel.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pia import dates

FORMATS = ("html", "pdf", "xlsx")
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


def _revisions(a: Any, folder: Path) -> list[dict[str, Any]]:
    """Every revision: the pre-pia 別添3 rows grouped by 変更日, then those derived from the git history."""
    from pia import items, portfolio as pf
    from pia.errors import PiaError
    from pia.history.versions import history_rows, versions_of

    groups: dict[str, dict[str, Any]] = {}

    def add(date_text: str, row: dict[str, Any]) -> None:
        g = groups.setdefault(date_text, {"date_text": date_text, "rows": []})
        g["rows"].append(row)

    for r in pf.value(a.meta, "表紙-変更箇所の記録") or []:
        if isinstance(r, dict):
            get = lambda code: str(pf.value(r, code, "legacy-row") or "")  # noqa: E731
            add(get("別添3-変更日"), {"item": get("別添3-項目"), "before": get("別添3-変更前の記載"),
                                      "after": get("別添3-変更後の記載"), "timing": get("別添3-提出時期"),
                                      "reason": get("別添3-提出時期に係る説明")})
    try:
        derived = history_rows(versions_of(folder))
    except PiaError:
        derived = []  # not under git: the recorded rows only
    for row in derived:
        add(row.date, {"item": row.change.label, "before": row.change.before, "after": row.change.after,
                       "timing": row.timing, "reason": row.reason})
    out = []
    for text, g in groups.items():
        found = dates.find_dates(text)
        d = found[0] if found else None
        timings = sorted({r["timing"] for r in g["rows"] if r["timing"]})
        timing_item = items.item("別添3-提出時期")
        meanings = sorted({m for t in timings if (m := timing_item.meaning(t))}, key=list(TIMING_EXPLAINED).index)
        out.append({"date": _iso(d), "date_ja": dates.to_era(d) if d else (text or "日付不明"), "timing": "・".join(timings),
                    "explained": [TIMING_EXPLAINED[m] for m in meanings], "rows": g["rows"]})
    out.sort(key=lambda r: r["date"] or "", reverse=True)
    for i, r in enumerate(out):
        r["page"] = f"changes-{r['date'] or f'n{len(out) - i}'}.html"
    return out


def _document_of(p: Path, name: str, docs: list[Any]) -> str:
    """Which document a rendered file is: pia render names the most detailed one after the folder and the
    基礎項目評価書 beside it with -kiso."""
    if p.stem == name or not docs:
        return docs[-1].kind if docs else ""
    return docs[0].kind


def build_one(folder: Path, out: Path, formats: tuple[str, ...] = FORMATS) -> dict[str, Any]:
    """Render one assessment into out/<name>/ and return the facts its pages need (JSON data)."""
    from pia import assessment as asm
    from pia import portfolio as pf
    from pia.render import render_all
    from pia.render.outputs import parse

    name = folder.name
    written, result = render_all(folder, parse(",".join(formats), "assessment"), out / name, force=True)
    a = asm.load(folder)
    docs = pf.documents_of(a)
    published = pf.date_of(a.meta, "表紙-公表日")
    ended = pf.date_of(a.meta, "表紙-事務終了日")
    revs = pf.revision_dates(a)
    return {
        "name": name, "jimu": pf.jimu_name(a), "title": str(pf.value(a.meta, "表紙-評価書名") or name),
        "org": str(pf.value(a.meta, "表紙-評価実施機関名") or ""),
        "documents": [d.to_dict() for d in docs],
        "published": _iso(published), "published_ja": dates.to_era(published) if published else "",
        "ended_ja": dates.to_era(ended) if ended else "",
        "last_revision_ja": dates.to_era(revs[-1]) if revs else "",
        "downloads": [{"format": p.suffix[1:], "label": f"{_document_of(p, name, docs)} {LABELS[p.suffix[1:]]}", "href": p.name,
                       "size": _size(p.stat().st_size)}
                      for p in sorted(written, key=lambda p: (p.stem != name, FORMATS.index(p.suffix[1:]) if p.suffix[1:] in FORMATS else 9))],
        "errors": result.errors,
        "revisions": _revisions(a, folder),
    }


def pages(facts: list[dict[str, Any]], site_title: str) -> dict[str, bytes]:
    """Every page of the site, keyed by its path relative to the site root."""
    from pia import portfolio as pf
    from pia.site.pages import css, environment

    env = environment()
    labels = {"date": pf.title_of("別添3-変更日", "legacy-row"), "item": pf.title_of("別添3-項目", "legacy-row"), "before": pf.title_of("別添3-変更前の記載", "legacy-row"),
              "after": pf.title_of("別添3-変更後の記載", "legacy-row"), "timing": pf.title_of("別添3-提出時期", "legacy-row"),
              "reason": pf.title_of("別添3-提出時期に係る説明", "legacy-row"), "published": pf.title_of("表紙-公表日"),
              "ended": pf.title_of("表紙-事務終了日"), "org": pf.title_of("表紙-評価実施機関名")}
    common = {"css": css(), "site_title": site_title, "labels": labels}
    out = {"index.html": env.get_template("site/index.html.j2").render(page_title=site_title, items=facts, root="", **common)}
    for f in facts:
        out[f"{f['name']}/index.html"] = env.get_template("site/assessment.html.j2").render(
            page_title=f"{f['title']}", a=f, root="../", **common)
        for rev in f["revisions"]:
            out[f"{f['name']}/{rev['page']}"] = env.get_template("site/changes.html.j2").render(
                page_title=f"{rev['date_ja']}の変更（{f['jimu']}）", a=f, rev=rev, root="../", **common)
    return {k: v.encode("utf-8") for k, v in out.items()}


def build_site(folders: list[Path], out: Path, formats: tuple[str, ...] = FORMATS, jobs: int = 0,
               title: str | None = None) -> tuple[list[Path], list[Path]]:
    """(pages written, assessments rebuilt)."""
    from functools import partial

    from pia import build
    from pia.output import write_outputs

    def present(folder: Path, facts: Any) -> bool:
        return isinstance(facts, dict) and all((out / folder.name / d["href"]).is_file() for d in facts.get("downloads", []))

    from pia.output import refuse_assessments

    refuse_assessments(out)  # before any rendering, not after minutes of it
    names_before = set(build.read_manifest(out))
    by_name, rebuilt = build.build(folders, out, f"site:{','.join(formats)}:{title or ''}",
                                   partial(build_one, formats=tuple(formats)), jobs, present)
    facts = [by_name[f.name] for f in folders]
    expected = [out / "index.html"] + [out / f["name"] / p for f in facts for p in ["index.html", *(r["page"] for r in f["revisions"])]]
    if not rebuilt and names_before == set(by_name) and all(p.is_file() for p in expected):
        return [], []  # nothing changed: the pages are those of the last build
    org = next((f["org"] for f in facts if f["org"]), "")
    site_title = title or (f"{org} 特定個人情報保護評価書" if org else "特定個人情報保護評価書")
    written: list[Path] = []
    by_dir: dict[str, dict[str, bytes]] = {}
    for rel, data in pages(facts, site_title).items():
        d, _, n = rel.rpartition("/")
        by_dir.setdefault(d, {})[n] = data
    for d, files in sorted(by_dir.items()):
        target = out / d if d else out
        unchanged = {n: b for n, b in files.items() if (target / n).is_file() and (target / n).read_bytes() == b}
        written += write_outputs(target, {n: b for n, b in files.items() if n not in unchanged}, force=False) if len(unchanged) < len(files) else []
    return written, rebuilt
