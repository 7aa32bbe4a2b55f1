"""One function per subcommand: (args) -> exit code. Output goes through `emit` so tests can call these."""
from __future__ import annotations

import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from pia.errors import PiaError


def emit(text: str, stream: Any = None) -> None:
    (stream or sys.stdout).write(text)


def _check_one(folder: Path) -> Any:
    from pia.check import check

    return check(folder)


def check(args: Any) -> int:
    from pia.assessment import find_assessments
    from pia.reporters import REPORTERS

    folders = [f for p in args.paths for f in find_assessments(p)]
    fmt = args.format or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    jobs = args.jobs or os.cpu_count() or 1
    if len(folders) > 1 and jobs > 1:
        with ProcessPoolExecutor(min(jobs, len(folders))) as ex:
            results = list(ex.map(_check_one, folders, chunksize=max(1, len(folders) // (jobs * 4))))
    else:
        results = [_check_one(f) for f in folders]
    out = REPORTERS[fmt](results)
    if args.output:
        from pia.output import write_text

        write_text(args.output, out, force=True)
    else:
        emit(out)
    failed = any(r.errors for r in results) or (args.strict and any(f.suppressed is None for r in results for f in r.findings))
    return 1 if failed else 0


def rules(args: Any) -> int:
    from pia.rules import RULES

    if args.markdown:
        from pia.docs import rules_markdown

        emit(rules_markdown())
        return 0
    for r in RULES.values():
        emit(f"{r.id}  {r.severity}  {r.title}\n")
    return 0


def new(args: Any) -> int:
    from pia.scaffold import create

    folder = create(args.dir / args.name)
    emit(f"{folder} を作成しました。YAML を記入し、`pia check {folder}` で検査してください。\n")
    return 0


def render(args: Any) -> int:
    from pia.render import render_all

    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    bad = [f for f in formats if f not in ("html", "pdf", "xlsx")]
    if bad or not formats:
        raise PiaError(f"出力形式「{','.join(bad) or args.format}」は使えません。html, pdf, xlsx から選んでください。")
    written, result = render_all(args.path, formats, args.out, force=args.force)
    if result.errors:
        emit(f"注意: この評価書には検査エラーが {result.errors} 件あります（pia check で確認してください）。\n", sys.stderr)
    for p in written:
        emit(f"{p} を書き出しました。\n")
    return 0
