"""One function per subcommand: (args) -> exit code. Output goes through `emit` so tests can call these."""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

from pia.base import formats as output_formats
from pia.base.errors import PiaError


def emit(text: str, stream: Any = None) -> None:
    """All of pia's terminal output: control, bidi and invisible characters from values are shown as <U+XXXX>."""
    from pia.document.loader import visible

    (stream or sys.stdout).write(visible(text))


def _check_one(folder: Path, select: list[str] | None = None, ignore: list[str] | None = None,
               final: bool = False) -> Any:
    from pia.analysis.check import check

    return check(folder, select, ignore, final)


def _prepare_workers() -> None:
    """Load the check's modules, schemas and rule catalog once, before the worker processes fork (they inherit them
    instead of each loading them again)."""
    from pia.analysis import catalog
    from pia.form import schema as sch

    catalog.specs()
    root = sch.load()
    root.compiled()
    for name in root.raw:
        root.document(name)


def _check_in_worker(folder: Path, select: list[str] | None = None, ignore: list[str] | None = None,
                     final: bool = False) -> Any:
    """_check_one, sending back only the source lines the report quotes (a finding's line), not every file's text."""
    r = _check_one(folder, select, ignore, final)
    quoted: dict[str, set[int]] = {}
    for f in r.findings:
        quoted.setdefault(f.file, set()).add(f.line)
    r.lines = {file: [t if n in quoted[file] else "" for n, t in enumerate(lines, 1)]
               for file, lines in r.lines.items() if file in quoted}
    return r


def _rule_list(text: str) -> list[str]:
    import re

    from pia.base.errors import PiaError

    parts = [p.strip().upper() for p in re.split(r"[,\s]+", text or "") if p.strip()]
    bad = [p for p in parts if not re.fullmatch(r"PIA\d{0,3}", p)]
    if bad:
        raise PiaError(f"規則の指定「{'、'.join(bad)}」が正しくありません。PIA201 や PIA2 のように書いてください。")
    return parts


def statistics(results: list[Any], fmt: str) -> str:
    """Counts per rule, most frequent first (suppressed findings are counted apart)."""
    import json
    from collections import Counter

    from pia.analysis.catalog import specs

    counts = Counter((f.rule_id, f.suppressed is not None) for r in results for f in r.findings)
    rules = sorted({rid for rid, _ in counts}, key=lambda rid: (-counts[(rid, False)], rid))
    names = {i: s.title for i, s in specs().items()}
    if fmt == "json":
        return json.dumps({rid: {"count": counts[(rid, False)], "suppressed": counts[(rid, True)], "title": names.get(rid, "")}
                           for rid in rules}, ensure_ascii=False, indent=2) + "\n"
    out = [f"{counts[(rid, False)]:>6}  {rid}  {names.get(rid, '')}" + (f"（ほかに抑止 {counts[(rid, True)]} 件）" if counts[(rid, True)] else "")
           for rid in rules]
    return "\n".join(out) + ("\n" if out else "検査結果はありません。\n")


def check(args: Any) -> int:
    from pia.document.assessment import find_assessments
    from pia.analysis.reporters import REPORTERS

    fmt = _format(args, "check")  # a format check does not take is refused before anything is read
    # files (as pre-commit passes them) stand for their assessment folder, each checked once
    folders = list(dict.fromkeys(f for p in args.paths for f in find_assessments(p)))
    jobs = args.jobs or os.cpu_count() or 1
    sel, ign = _rule_list(getattr(args, "select", "")), _rule_list(getattr(args, "ignore", ""))
    final = bool(getattr(args, "final", False))
    from pia.base.progress import Progress

    progress = Progress()
    results = []
    try:
        if len(folders) > 1 and jobs > 1:
            from concurrent.futures import ProcessPoolExecutor  # lazy loading: one folder needs no processes

            _prepare_workers()
            with ProcessPoolExecutor(min(jobs, len(folders))) as ex:
                done = ex.map(_check_in_worker, folders, [sel] * len(folders), [ign] * len(folders), [final] * len(folders),
                              chunksize=max(1, len(folders) // (jobs * 4)))
                for i, r in enumerate(done, 1):
                    progress(f"検査 {i}/{len(folders)}", str(folders[i - 1]))
                    results.append(r)
        else:
            for i, f in enumerate(folders, 1):
                progress(f"検査 {i}/{len(folders)}", str(f))
                results.append(_check_one(f, sel, ign, final))
    finally:
        progress.done()
    out = statistics(results, fmt) if getattr(args, "statistics", False) else REPORTERS[fmt](results)
    if args.output:
        from pia.output.outfolder import write_text

        write_text(args.output, out)
    else:
        emit(out)
    failed = any(r.errors for r in results) or (args.strict and any(f.suppressed is None for r in results for f in r.findings))
    return 1 if failed else 0


def rules(args: Any) -> int:
    from pia.analysis.catalog import specs

    if args.markdown:
        from pia.analysis.docs import rules_markdown

        emit(rules_markdown())
        return 0
    from pia.analysis.docs import documents_label

    for s in specs().values():
        emit(f"{s.id}  {s.severity.label}  [{documents_label(s.kinds)}]  {s.title}\n")
    return 0


def fix(args: Any) -> int:
    from pia.analysis.fix import fix_path

    changed = fix_path(args.path, write=args.write, out=emit)
    return 1 if changed and not args.write else 0


def new(args: Any) -> int:
    from pia.app.scaffold import answer_threshold, create, kind_for
    from pia.form import kinds as form_kinds
    from pia.form.items import item

    answers = threshold_answers(args)
    name = args.kind or derive_kind(answers) or (_ask_kind() if sys.stdin.isatty() else form_kinds.most_detailed().name)
    kind = kind_for(name)
    folder, inside = create(args.dir if args.dir is not None else _assessments_dir(), args.name, kind)
    # the しきい値判断 inputs given are written into the skeleton (a voluntary --kind keeps them too), with the
    # result they decide; the 基礎's 提出する評価書の種類 is the folder's documents
    answer_threshold(folder, kind, {item(c).at(): v for c, v in answers.items()}, required_for(answers))
    emit(f"{folder} を作成しました（{_documents(kind)}）。\n")
    for f in sorted(p for p in folder.rglob("*") if p.is_file()):
        emit(f"  {f}\n")
    emit("次に:\n"
         "  1. YAML の空欄を記入します（エディタで開くと項目の補完と説明が出ます）。\n"
         f"  2. pia check {folder}    … 検査します（未記入の項目も示します）。\n"
         f"  3. pia serve {folder}    … 記入しながらブラウザで様式どおりの表示と検査結果を確かめます。\n")
    if not inside:
        emit("注意: このリポジトリにスキーマがないため、エディタ用の $schema はこのパソコンの pia を指しています。"
             "リポジトリの最上位で `pia init` を実行すると、スキーマがリポジトリに入り、他の人の環境でも補完が働きます。\n", sys.stderr)
    return 0


def _assessments_dir() -> Path:
    """Where `pia new` puts a folder: the assessments/ it is run in (or below), else the repository's, else ./assessments
    (run inside assessments/, a plain 「assessments」 would nest a second one that the hook and the editor miss)."""
    from pia.base import fsread

    here = Path.cwd()
    top = fsread.repository(here)
    for d in (here, *here.parents):
        if d.name == "assessments":
            return Path(os.path.relpath(d))
        if d == top:
            return Path(os.path.relpath(d / "assessments"))
    return Path("assessments")


def _documents(main: Any) -> str:
    """「全項目評価書と基礎項目評価書」: the documents `pia new` made for a 事務 whose most detailed one is main."""
    from pia.form import kinds as form_kinds

    kiso = form_kinds.borrower()
    return "と".join(form_kinds.short_title(k) for k in ([main] if kiso is main or kiso is None else [main, kiso]))


def migrate(args: Any) -> int:
    """Write the folder, moved to the current form version, into --out (a new folder) and print what changed."""
    from pia.form import kinds as form_kinds
    from pia.analysis import migrate
    from pia.document.assessment import find_assessments

    [src] = find_assessments(args.path)[:1] or [args.path]
    if args.out.exists():
        raise PiaError(f"{args.out} はすでにあります。上書きしないため、新しいフォルダを指定してください。")
    from pia.base import fsread
    from pia.document.loader import MAX_BYTES

    root, texts = fsread.Root(src), {}
    for k in form_kinds.kinds().values():
        if (src / k.file).is_file():
            try:  # read as the loader reads: a link leading out of the folder is not followed
                texts[k.file] = root.read(k.file, MAX_BYTES).decode("utf-8")
            except (fsread.Refusal, UnicodeDecodeError) as e:
                raise PiaError(f"{src / k.file} を読めません（{getattr(e, 'message', 'UTF-8 ではありません')}）。pia check で確認してください。") from None
    result = migrate.migrate(texts)
    from pia.base import fswrite

    # a new folder, made complete under a temporary name: links stay links inside it, never their targets
    fswrite.copy_tree(src, args.out, {rel: text.encode("utf-8") for rel, text in sorted(result.texts.items())})
    emit("".join(line + "\n" for line in result.report))
    emit(f"{args.out} に書き出しました。記入・見直しが必要な項目を直し、pia check で検査してください。\n")
    return 0


def _ask_kind() -> str:
    """At a terminal, `pia new NAME` asks which documents the 事務 needs (Enter: the most detailed); a number or a
    name (重点, 重点項目評価書, 様式3) answers, anything else is asked again."""
    from pia.form import kinds as form_kinds

    choices = list(reversed(form_kinds.ordered()))
    menu = "  ".join(f"{i}) {form_kinds.short_title(k)}" for i, k in enumerate(choices, 1))
    emit("最も詳しい評価書の種類を選んでください（分からなければ、--persons・--handlers・--accident でしきい値判断の入力を"
         "指定すると pia が決めます）。\n" f"  {menu}\n")
    while True:
        try:
            answer = input("番号か名前 [1]: ").strip()
        except EOFError:
            raise PiaError(f"評価書の種類が選ばれませんでした。--kind {choices[0].name} のように指定してください。") from None
        if not answer:
            return choices[0].name
        if answer.isdigit() and 1 <= int(answer) <= len(choices):
            return choices[int(answer) - 1].name
        kind = form_kinds.by_name(answer)
        if kind is not None:
            return kind.name
        emit(f"「{answer}」は選べません。1〜{len(choices)} の番号か、" + "・".join(k.name for k in choices) + " で答えてください。\n")


def _band(it: Any, given: str | None) -> str | None:
    """An option of a count item (対象人数, 取扱者数) as written, or the option a number of persons falls in
    (「50000」「5万」「50,000人」)."""
    import unicodedata

    if given is None or given in it.options:
        return given
    text = unicodedata.normalize("NFKC", given).replace(",", "").removesuffix("人").strip()
    m = re.fullmatch(r"(\d+)(万)?", text)
    option = it.option_for(int(m.group(1)) * (10_000 if m.group(2) else 1)) if m else None
    if option is None:
        raise PiaError(f"「{given}」は「{it.title}」の選択肢にも人数にも当たりません。"
                       "選択肢（" + "、".join(it.options) + "）か、人数（例: 50000、5万）を指定してください。")
    return option


PERSONS, HANDLERS, ACCIDENT = "I-1-③", "表紙-しきい値判断の入力-取扱者数", "表紙-しきい値判断の入力-特定個人情報に関する重大事故"


def threshold_answers(args: Any) -> dict[str, str]:
    """--persons/--handlers/--accident as options of the 全項目評価書's items, by item code (counts become the option
    they fall in); empty when none is given."""
    from pia.form.items import item

    answers = {PERSONS: _band(item(PERSONS), args.persons), HANDLERS: _band(item(HANDLERS), args.handlers)}
    answers[ACCIDENT] = _yes_no(item(ACCIDENT), args.accident)
    return {code: v for code, v in answers.items() if v is not None}


# short answers staff give for an option that means yes / no (発生あり / 発生なし)
_SHORT = {"yes": ("あり", "有り", "有", "ある", "はい"), "no": ("なし", "無し", "無", "ない", "いいえ")}


def _yes_no(it: Any, given: str | None) -> str | None:
    import unicodedata

    if given is None or given in it.options:
        return given
    text = unicodedata.normalize("NFKC", given).strip()
    for meaning, words in _SHORT.items():
        if text in words:
            return it.option(meaning)
    raise PiaError(f"「{given}」は「{it.title}」の選択肢にありません。選択肢（" + "、".join(it.options) + "）か、"
                   "あり・なし で指定してください。")


def _outcomes(answers: dict[str, str]) -> set[frozenset[str]]:
    """Every set of documents the threshold may require for these answers (one when they decide it)."""
    from pia.form import kinds as form_kinds
    from pia.form.items import item

    bounds = item(HANDLERS).bounds(answers.get(HANDLERS))
    many = None if bounds is None else bounds[0] >= form_kinds.table()["threshold"]["many_handlers"]
    accident = {"yes": True, "no": False}.get(item(ACCIDENT).meaning(answers.get(ACCIDENT)) or "")
    return form_kinds.required_documents((item(PERSONS).bounds(answers[PERSONS]) or (0, None))[0], many, accident)


def required_for(answers: dict[str, str]) -> frozenset[str] | None:
    """The documents the threshold requires for these answers, None when they do not decide it."""
    if PERSONS not in answers:
        return None
    outcomes = _outcomes(answers)
    return next(iter(outcomes)) if len(outcomes) == 1 else None


def derive_kind(answers: dict[str, str]) -> str | None:
    """The most detailed document the threshold requires for these answers (None without 対象人数)."""
    from pia.form import kinds as form_kinds

    if PERSONS not in answers:
        return None
    outcomes = _outcomes(answers)
    if len(outcomes) != 1:
        raise PiaError("取扱者数（--handlers）と重大事故（--accident）も指定してください。この対象人数ではそれらで結果が変わります。")
    req = next(iter(outcomes))
    if not req:
        raise PiaError("この対象人数では特定個人情報保護評価の実施は義務付けられません（任意に実施するときは --kind を指定してください）。")
    return next(k.name for k in reversed(form_kinds.ordered()) if k.id in req)


def init(args: Any) -> int:
    from pia.app import init as init_mod

    outcome = init_mod.upgrade(args.dir) if args.upgrade else init_mod.init(args.dir, args.ci, force=args.force)
    for rel in outcome.written:
        emit(f"{args.dir / rel} を書き出しました。\n")
    for rel in outcome.deleted:
        emit(f"{args.dir / rel} を削除しました（この版の pia にはないスキーマです）。\n")
    if outcome.unchanged and not (outcome.written or outcome.deleted or outcome.skipped or outcome.merged or outcome.left):
        emit("すべて最新です。\n")
    for rel in outcome.merged:
        layout = "。JSON の書式は整え直すことがあります" if rel.suffix == ".json" else ""
        emit(f"{args.dir / rel} に pia の設定を加えました（ほかの設定の値はそのままです{layout}）。\n")
    for rel in outcome.skipped:
        emit(f"{args.dir / rel} はすでにあり内容が違うため、上書きしませんでした（pia が用意するファイルです。"
             "上書きするには --force）。\n", sys.stderr)
    for left in outcome.left:
        emit(f"{args.dir / left.path} に pia の設定を加えられませんでした（--force でも書き換えません）: {left.why}。\n"
             f"{left.todo}", sys.stderr)
    if not args.upgrade and not outcome.in_git:
        emit(f"注意: {args.dir} は git のリポジトリではありません。pre-commit は git のコミットのたびに動くため、"
             "`pre-commit install` の前にこのフォルダで `git init` を実行してください"
             "（GitHub・GitLab のリポジトリで使うなら、そのクローンの最上位で pia init を実行します）。\n", sys.stderr)
    if not args.upgrade:
        emit("次は `pia new 名前` で評価書を作ります。\n"
             f"コミットのたびに検査するには（pre-commit）: {init_mod.PRE_COMMIT_SETUP}\n")
    return 1 if outcome.skipped or outcome.left else 0


def render(args: Any) -> int:
    from pia.portfolio.render import render_all
    from pia.output.formats import writers

    from pia.document.assessment import is_assessment
    from pia.base.progress import Progress

    formats = writers(output_formats.parse("render", args.format))
    if args.path.is_dir() and not is_assessment(args.path):
        return _render_many(args, [f.name for f in formats])
    progress = Progress()
    try:
        written, result = render_all(args.path, formats, args.out, force=args.force, progress=progress)
    finally:
        progress.done()
    if result.errors:
        emit(f"注意: この評価書には検査エラーが {result.errors} 件あります（pia check で確認してください）。\n", sys.stderr)
    for f in result.findings:
        if f.rule_id.startswith("PIA61"):  # what the version history skipped
            emit(f"注意: [{f.rule_id}] {f.file}: {f.message}\n", sys.stderr)
    for p in written:
        emit(f"{p} を書き出しました。\n")
    return 0


def _render_many(args: Any, formats: list[str]) -> int:
    """A folder of assessments: each into out/<name>/, only those whose inputs changed, in parallel."""
    from pia.document.assessment import find_assessments
    from pia.portfolio.build import render_many

    folders = find_assessments(args.path)
    facts, rebuilt = render_many(folders, args.out, tuple(formats))
    for f in rebuilt:
        if facts[f.name]["errors"]:
            emit(f"注意: {f} には検査エラーが {facts[f.name]['errors']} 件あります（pia check で確認してください）。\n", sys.stderr)
    emit(f"評価書 {len(folders)} 件のうち {len(rebuilt)} 件を出力しました（ほかは入力が変わっていません）: {args.out}\n")
    return 0


def _table(rows: list[list[str]], headers: list[str]) -> str:
    def cell(s: object) -> str:
        t = "" if s is None else str(s).replace("\n", " ")
        return t if len(t) <= 60 else t[:59] + "…"
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(c).replace("|", "｜") for c in r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def diff(args: Any) -> int:
    from pia.base.findings import ERROR
    from pia.history.versions import Version, load_version

    old, new = load_version(args.old), load_version(args.new)
    unread = [f for a in (old, new) if not Version("", a).readable for f in a.load_findings if f.severity == ERROR]
    if unread:  # a version not read as written would show as "all added" or "all removed"
        emit("".join(f"{f.file}:{f.line}:{f.column}: {f.severity} [{f.rule_id}] {f.message}\n" for f in unread), sys.stderr)
        emit("読めない版があるため、差分を作りません。\n", sys.stderr)
        return 1
    _emit_diff(old, new, _format(args, "diff"))
    return 0


def _emit_diff(old: Any, new: Any, fmt: str = "text") -> int:
    """`pia diff` of two loaded versions (warning of declared exceptions no change matches); the number of changes."""
    import json

    from pia.history.classify import classified, document_timings
    from pia.document.changes import COLUMNS

    rows, docs, unmatched = classified(old, new)
    for item in unmatched:
        emit(f"警告: 例外「{item}」に当たる変更はありません（項目の表記を pia diff の「項目」のとおりに書いてください）。\n", sys.stderr)
    timings = document_timings(old, new) if rows else {}
    # each document that prints a row, with the 提出時期 of its own 変更箇所 (the 基礎 prints a 事前 change of the 重点 as 事後)
    per_doc = [{d: timings.get(d, r.timing) for d in ds} for r, ds in zip(rows, docs)]
    if fmt == "json":
        emit(json.dumps([dict(r.change.to_dict(), important=r.important, timing=r.timing, reason=r.reason, documents=d,
                              timings=t) for r, d, t in zip(rows, docs, per_doc)], ensure_ascii=False, indent=2) + "\n")
    elif not rows:
        emit("変更はありません。\n")
    else:
        # each side's items as its own form version names them: a column for the old side's labels when any differ
        versions = any(r.change.old_label for r in rows)
        emit(_table([[r.change.kind, r.change.label, *([r.change.old_label or r.change.label] if versions else []),
                      r.change.before, r.change.after, "重要な変更" if r.important else "", r.timing, r.reason,
                      "・".join(f"{name}（{when}）" if len(t) > 1 else name for name, when in t.items())]
                     for r, t in zip(rows, per_doc)],
                    ["変更の種類", COLUMNS[1], *([f"{COLUMNS[1]}（変更前の版）"] if versions else []), "変更前", "変更後", "重要な変更",
                     COLUMNS[4], COLUMNS[5], "評価書"]))
    return len(rows)


def import_(args: Any) -> int:
    from pia.app import xlsx_import
    from pia.analysis.check import CheckResult
    from pia.analysis.reporters import text as text_report

    if args.write and args.out:
        raise PiaError("--write と --out は同時に指定できません。")
    if args.out and args.out.exists():
        raise PiaError(f"{args.out} はすでにあります。上書きしないため、新しいフォルダ名を指定してください。")
    result = xlsx_import.read(args.workbook, args.path)
    if result.findings:
        emit(text_report([CheckResult(str(args.workbook), sorted(result.findings), False, {})]), sys.stderr)
        emit("Excel の内容を評価書に戻せませんでした（何も書き換えていません）。\n", sys.stderr)
        return 1
    if not result.texts or result.new is None:
        emit("Excel の内容は評価書と同じです（変更はありません）。\n")
        return 0
    _emit_diff(result.old, result.new)
    target = args.path if args.write else args.out
    added = xlsx_import.added_findings(result)  # the result is checked before anything is written
    errors = [f for f in added if f.is_error]
    if added:
        emit(text_report([CheckResult(str(args.path), sorted(added), True, {})]), sys.stderr)
        emit(f"Excel の内容を戻すと、上の{'エラー' if errors else '警告'}が新たに出ます。\n", sys.stderr)
    if target is None:
        emit("上の変更を評価書に書き込むには --write（又は新しいフォルダへ --out フォルダ）を付けて実行してください。\n")
        return 1 if errors else 0
    if errors and not args.force:
        emit("何も書き換えていません。Excel（又は YAML）を直してから戻すか、このまま書き込むには --force を付けてください。\n",
             sys.stderr)
        return 1
    from pia.base import fsread, fswrite

    changed = {rel: text.encode("utf-8") for rel, text in result.texts.items()}
    if args.out:  # a copy of the folder with the changed files, all at once; links never followed
        fswrite.copy_tree(args.path, args.out, changed)
    else:  # every changed file or none, the real files (a link inside the folder is followed, never out of it)
        root = fsread.Root(args.path)
        try:
            fswrite.commit(root.real, {root.real_rel(rel): data for rel, data in changed.items()}, create=False)
        except fsread.Refusal as r:
            raise PiaError(f"{r.message} {r.hint}".strip()) from None
    for rel in result.texts:
        emit(f"{target / rel} を書き換えました。\n")
    return 0


def history(args: Any) -> int:
    import json

    from pia.form import kinds as form_kinds
    from pia.analysis.check import CheckResult
    from pia.document.changes import COLUMNS
    from pia.history.versions import history as load_history, reassessment_findings, revision_findings, revisions
    from pia.analysis.reporters import text as text_report

    h = load_history(args.path)
    kinds = list(reversed(h.present()))
    per_kind = [(k, revisions(h, k)) for k in kinds]  # each document's own 変更箇所, the main document first
    for p in h.problems:
        emit(f"{p.file}: {p.severity} [{p.rule_id}] {p.message}{'（' + p.hint + '）' if p.hint else ''}\n", sys.stderr)
    if _format(args, "history") == "json":
        doc = "評価書"  # which document's 変更箇所 the row belongs to
        emit(json.dumps([dict(r.betten3(), **{doc: form_kinds.short_title(k)}) for k, revs in per_kind for rev in revs for r in rev.rows],
                        ensure_ascii=False, indent=2) + "\n")
    else:
        for k, revs in per_kind:
            rows = [r.betten3() for rev in revs for r in rev.rows]
            if len(per_kind) > 1:
                emit(f"{form_kinds.short_title(k)}の変更箇所:\n")
            emit(_table([[r[c] for c in COLUMNS] for r in rows], list(COLUMNS)) if rows else "バージョン履歴から作られる変更箇所の行はありません。\n")
    problems = sorted(f for k, revs in per_kind for f in revision_findings(revs, k))
    problems += sorted(f for k, revs in per_kind for rev in revs for f in reassessment_findings(rev.base.assessment, rev.end.assessment, k))
    if problems:  # on stderr, so that the rows stay machine-readable
        emit(text_report([CheckResult(str(args.path), problems, False)], checking=False), sys.stderr)
    return 0 if h.complete and not any(f.is_error for f in problems) else 1


def ci(args: Any) -> int:
    from pia.app import ci as ci_mod
    from pia.analysis.check import CheckResult
    from pia.output.outfolder import write_text
    from pia.analysis.reporters import REPORTERS

    reports = ci_mod.run(args.base, args.head)
    results = [CheckResult(r.check.folder, sorted([*r.check.findings, *r.problems]), r.check.rules_ran, r.check.lines)
               for r in reports if r.check]
    fmt = _format(args, "ci")
    if fmt == "gitlab":
        write_text(args.gitlab_report, REPORTERS["gitlab"](results))
    else:
        emit(REPORTERS[fmt](results))
    md = ci_mod.summary(reports, args.base, args.head)
    step = os.environ.get("GITHUB_STEP_SUMMARY") or None
    target = args.summary or (Path(step) if step else None)  # the option the user typed wins
    if target is None:
        emit(md)
    elif args.summary and not _appended(args.summary, step):
        write_text(args.summary, md)  # a file the user named: replaced, so a second run does not repeat the summary
    else:
        from pia.base.fsread import os_hint, os_reason

        try:
            with open(target, "a", encoding="utf-8") as fh:  # GitHub requires appending to the step summary
                fh.write(md)
        except OSError as e:
            raise PiaError(f"要約を {target} に書き込めません（{os_reason(e, writing=True)}）。{os_hint(e, writing=True)}") from None
    return 1 if any(r.failed() for r in reports) else 0


def _appended(path: Path, step: str | None) -> bool:
    """--summary is appended to when it is GitHub's step summary, or no regular file (/dev/stdout as .ci/run uses it,
    a link, a FIFO), which cannot be replaced by a new file; any other file is replaced."""
    import stat

    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return True
        return step is not None and os.path.samefile(path, step)
    except OSError:
        return False  # not there yet (or unreadable: writing it names the cause)


def council(args: Any) -> int:
    from pia.app import council as cm
    from pia.output.outfolder import write_outputs
    from pia.output.formats import Job, write_all, writers
    from pia.analysis.reporters import text as text_report
    from pia.analysis.check import CheckResult

    c = cm.load(args.path)
    if c.findings:
        emit(text_report([CheckResult(str(args.path), sorted(c.findings), False,
                                      {c.doc.file: c.doc.lines} if c.doc else {})], checking=False), sys.stderr)
    if c.doc is None or cm.errors(c):
        return 1
    formats = writers(output_formats.parse("council", args.format))
    approved = cm.load_approved(args.approved, args.path) if args.approved else None
    from pia.base.progress import Progress

    progress = Progress()
    try:
        files = write_all(formats, Job(lambda: cm.render(c, approved)), args.path.resolve().name, progress)
    finally:
        progress.done()
    for p in write_outputs(args.out, files, force=args.force):
        emit(f"{p} を書き出しました。\n")
    return 0


def serve(args: Any) -> int:
    from pia.document.assessment import ASSESSMENT, admit, is_assessment
    from pia.app.serve import make_server

    if not is_assessment(args.path):
        raise PiaError(f"{args.path} は評価書フォルダではありません（{ASSESSMENT} などの評価書の YAML がありません）。")
    admit(args.path)
    try:
        server = make_server(args.path, args.port)
    except OSError as e:
        from pia.base.fsread import os_reason

        raise PiaError(f"ポート {args.port} を使えません（{os_reason(e, writing=None)}）。--port で別の番号を指定してください。") from None
    emit(f"プレビュー: http://127.0.0.1:{server.server_port}/ （YAML を保存すると自動で更新されます。終了は Ctrl-C）\n")
    sys.stdout.flush()
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


def _as_of(args: Any) -> Any:
    import datetime as dt

    from pia.base import dates

    # the only clock read: here, at the edge. An empty --as-of "" is a mistake, never today
    as_of = dates.parse(args.as_of) if args.as_of is not None else dt.date.today()
    if as_of is None:
        raise PiaError(f"基準日「{args.as_of}」を日付として読めません。「令和7年4月1日」又は「2025-04-01」の形で指定してください。")
    return as_of


def _format(args: Any, command: str) -> str:
    """The one format of a command that writes one (check, ci: GitHub Actions annotations inside GitHub Actions)."""
    auto = "github" if command in ("check", "ci") and os.environ.get("GITHUB_ACTIONS") == "true" else None
    return output_formats.parse(command, args.format or auto)[0].name


def _body_report(args: Any, module: str, stem: str) -> int:  # plan, report
    import importlib

    from pia.document import assessment as asm
    from pia.output.outfolder import write_outputs
    from pia.portfolio.reports import WRITERS

    formats = [f.name for f in output_formats.parse(args.command, args.format)]
    as_of = _as_of(args)
    items = [asm.load(f) for p in args.paths for f in asm.find_assessments(p)]
    report = importlib.import_module(f"pia.portfolio.reports.{module}").build(items, as_of)
    files = {f"{stem}.{fmt}": WRITERS[fmt](report) for fmt in formats}
    for p in write_outputs(args.out, files, force=args.force):
        emit(f"{p} を書き出しました。\n")
    return 0


def plan(args: Any) -> int:
    return _body_report(args, "plan", "keikaku-kanrisho")


def report(args: Any) -> int:
    return _body_report(args, "yearly", "teiki-hokoku")


def status(args: Any) -> int:
    from pia.portfolio import status as sm
    from pia.document.assessment import find_assessments

    fmt = _format(args, "status")
    as_of = _as_of(args)
    if args.within < 0:
        raise PiaError("--within には 0 以上の日数を指定してください。")
    folders = [f for p in args.paths for f in find_assessments(p)]
    items = sm.statuses(folders, as_of, args.within)
    out = sm.FORMATS[fmt](items, as_of, args.within)
    if args.output:
        from pia.output.outfolder import write_text

        write_text(args.output, out)
    else:
        emit(out)
    return 1 if args.strict and any(st.overdue for st in items) else 0


def site(args: Any) -> int:
    from pia.document.assessment import find_assessments
    from pia.portfolio.site.site import build_site, unpublished

    formats = [f.name for f in output_formats.parse("site", args.format)]
    folders = find_assessments(args.path)
    if len({f.name for f in folders}) < len(folders):
        raise PiaError("同じ名前の評価書フォルダが複数あります。フォルダ名を変えてください（サイトのページ名に使います）。")
    written, rebuilt = build_site(folders, args.out, tuple(formats), args.jobs, args.title)
    emit(f"評価書 {len(folders)} 件のうち {len(rebuilt)} 件を出力し、ページを {len(written)} 件書き出しました: {args.out / 'index.html'}\n")
    left = unpublished(folders)
    if left:  # never on the residents' site: say so, so that a missing 公表日 is noticed
        emit("次の評価書は公表していない（公表日がない、又は評価書名に(案)・(素案)がある）ため、サイトに載せていません:\n"
             + "".join(f"  {line}\n" for line in left))
    return 0
