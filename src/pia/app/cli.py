"""The `pia` command: the only place that prints or exits."""
from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any, Iterator, NoReturn, Sequence

from pia import __version__
from pia.base.errors import PiaError

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_BUG, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


# argparse's own words (usage, section titles, its errors), in Japanese. argparse looks each up through its module's
# gettext names when it needs it, so they are swapped only while pia builds and runs its parser (see _japanese).
_ARGPARSE_JA = {
    "usage: ": "使い方: ",
    "positional arguments": "引数",
    "options": "オプション",
    "show this help message and exit": "この説明を表示して終了する",
    "argument %(argument_name)s: %(message)s": "%(argument_name)s: %(message)s",
    "unrecognized arguments: %s": "知らない引数があります: %s",
    "the following arguments are required: %s": "次の引数が必要です: %s",
    "one of the arguments %s is required": "次のどれかが必要です: %s",
    "not allowed with argument %s": "%s とは同時に指定できません",
    "expected one argument": "値を一つ指定してください",
    "expected at most one argument": "値は一つまでです",
    "expected at least one argument": "値を一つ以上指定してください",
    "expected %s argument": "値を %s 個指定してください",
    "expected %s arguments": "値を %s 個指定してください",
    "ambiguous option: %(option)s could match %(matches)s": "オプション %(option)s は %(matches)s のどれか分かりません",
    "invalid %(type)s value: %(value)r": "%(value)r は数として読めません。整数を指定してください",
    "invalid choice: %(value)r (choose from %(choices)s)": "%(value)r は選べません（選べるもの: %(choices)s）",
    "ignored explicit argument %r": "値 %r は使いません",
    "unexpected option string: %s": "思いがけないオプションです: %s",
    "%(prog)s: error: %(message)s\n": "%(prog)s: エラー: %(message)s\n",
    "show program's version number and exit": "pia の版を表示して終了する",
}


def _ja(msg: str) -> str:
    return _ARGPARSE_JA.get(msg, msg)


def _nja(singular: str, plural: str, n: int) -> str:
    return _ja(singular if n == 1 else plural)


@contextlib.contextmanager
def _japanese() -> Iterator[None]:
    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._, argparse.ngettext = _ja, _nja  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]


# metavars shown in help for options that take a value (argparse would show the dest in capitals)
_METAVARS = {"output": "ファイル", "jobs": "数", "dir": "フォルダ", "format": "形式", "out": "フォルダ",
             "base": "リビジョン", "head": "リビジョン", "gitlab_report": "ファイル", "summary": "ファイル",
             "approved": "版", "port": "番号", "select": "規則", "ignore": "規則", "kind": "評価書の種類", "persons": "人数",
             "handlers": "人数", "accident": "あり・なし", "as_of": "基準日", "within": "日数", "title": "題名"}


def _columns(text: str) -> int:
    """The width of text at a terminal: 全角 characters take two columns."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


class _Formatter(argparse.HelpFormatter):
    def _get_default_metavar_for_optional(self, action: argparse.Action) -> str:
        return _METAVARS.get(action.dest, action.dest.upper())

    def _format_action(self, action: argparse.Action) -> str:
        # argparse pads by characters; a Japanese metavar is wider: take the extra columns off the padding
        text = super()._format_action(action)
        header = self._format_action_invocation(action)
        extra = _columns(header) - len(header)
        first, sep, rest = text.partition("\n")
        at = first.find(header)
        if not extra or not action.help or at < 0:
            return text
        after = first[at + len(header):]
        pad = len(after) - len(after.lstrip(" "))
        if pad - extra >= 2:
            first = first[: at + len(header)] + after[extra:]
        else:  # no longer fits: the help starts on the next line, where argparse puts that of a long option
            help_position = min(self._action_max_length + 2, self._max_help_position)
            first = first[: at + len(header)] + "\n" + " " * help_position + after.lstrip(" ")
        return first + sep + rest


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    command = ""  # the subcommand being parsed: set by main, since argparse reports a subcommand's unknown
    # options from the top-level parser

    def error(self, message: str) -> NoReturn:  # argparse would print its usage and exit 2
        cmd = self.prog.split()[-1] if " " in self.prog else self.command
        raise PiaError(f"コマンドの指定が正しくありません（{message}）。{self._near(cmd, message)}"
                       f"`pia {cmd + ' ' if cmd else ''}--help` で使い方を確認してください。")

    def _near(self, cmd: str, message: str) -> str:
        """「もしかして」 for a misspelt option of the subcommand (--formt -> --format)."""
        import difflib

        sub = next((a.choices[cmd] for a in self._actions if isinstance(a, argparse._SubParsersAction) and cmd in a.choices),
                   self)
        known = [o for a in sub._actions for o in a.option_strings if o.startswith("--")]
        for word in message.replace(":", " ").split():
            if word.startswith("--") and word.split("=")[0] not in known:
                near = difflib.get_close_matches(word.split("=")[0], known, n=1, cutoff=0.6)
                if near:
                    return f"もしかして {near[0]} ですか？ "
        return ""


def _command(parser: argparse.ArgumentParser, argv: Sequence[str]) -> str:
    """The subcommand argv names (its first word that is not an option); 「もしかして」 for a misspelt one."""
    import difflib

    word = next((a for a in argv if not a.startswith("-")), None)
    if word is None:
        return ""
    names = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    if word in names:
        return word
    if any(a in ("-h", "--help", "--version") for a in argv[: list(argv).index(word)]):
        return ""
    near = difflib.get_close_matches(word, list(names), n=1, cutoff=0.5)
    guess = f"もしかして `pia {near[0]}` ですか？ " if near else ""
    raise PiaError(f"「{word}」というコマンドはありません。{guess}コマンドの一覧は `pia --help` で確認できます。")


def _parser() -> argparse.ArgumentParser:
    from pia.base import formats

    p = _Parser(prog="pia", description="特定個人情報保護評価書（基礎項目評価書・重点項目評価書・全項目評価書）を YAML から検査・出力します。",
                epilog="各コマンドの使い方: pia コマンド --help")
    p.add_argument("--version", action="version", version=f"pia {__version__}", help="pia の版を表示して終了する")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser, title="コマンド", metavar="コマンド",
                         help="次のどれか一つ")

    c = sub.add_parser("check", help="評価書を検査する")
    c.add_argument("paths", metavar="フォルダ", nargs="+", type=Path, help="評価書フォルダ（又はそれを含むフォルダ）")
    formats.add_argument(c, "check")
    c.add_argument("--output", type=Path, help="結果を書き出すファイル（gitlab 形式など）")
    c.add_argument("--strict", action="store_true", help="警告もエラーとして扱う")
    c.add_argument("--final", action="store_true", help="公表する版として検査する（案では空欄でよい評価書番号・公表日なども求める）")
    c.add_argument("--jobs", type=int, default=0, help="並列数（既定: CPU 数）")
    c.add_argument("--select", default="", help="この規則だけを検査する（カンマ区切りの ID 又は接頭辞。例: PIA2,PIA501）")
    c.add_argument("--ignore", default="", help="この規則を検査しない（カンマ区切りの ID 又は接頭辞）")
    c.add_argument("--statistics", action="store_true", help="検査結果の代わりに、規則ごとの件数を表示する")

    r = sub.add_parser("rules", help="検査規則の一覧を表示する")
    r.add_argument("--markdown", action="store_true", help="docs/rules.md の形式で出力する")

    n = sub.add_parser("new", help="記載例（評価書の種類ごとの雛形）から評価書フォルダを作る")
    n.add_argument("name", metavar="名前", help="作成するフォルダ名（assessments/ の下に作ります）")
    n.add_argument("--dir", type=Path, help="作成先（既定: リポジトリの最上位の assessments。その中から実行したときはそこ）")
    n.add_argument("--kind", help="最も詳しい評価書の種類: 基礎、重点、全項目（既定: しきい値判断の入力から。なければ端末では尋ね、それ以外では全項目）")
    n.add_argument("--persons", help="しきい値判断の対象人数（選択肢の文言か人数。例: 10万人以上30万人未満、150000）。--kind の代わりに評価書の種類を決める")
    n.add_argument("--handlers", help="しきい値判断の取扱者数（選択肢の文言か人数。例: 500人未満、120）")
    n.add_argument("--accident", help="過去1年以内の特定個人情報の重大事故の有無（あり・なし、又は選択肢の文言。例: なし）")

    i = sub.add_parser("init", help="評価書のリポジトリを準備する（スキーマ、エディタ・pre-commit・CI の設定）")
    i.add_argument("dir", metavar="フォルダ", nargs="?", type=Path, default=Path("."), help="リポジトリの最上位のフォルダ（既定: 現在のフォルダ。git のリポジトリの中のフォルダは受け付けません）")
    i.add_argument("--ci", choices=["github", "gitlab", "none"], default="github",
                   help="作成する CI の設定（既定: github。gitlab なら .gitlab-ci.yml と ci/pia.gitlab-ci.yml）")
    i.add_argument("--force", action="store_true",
                   help="pia が用意するファイル（.pia/、ci/pia.gitlab-ci.yml、.github/workflows/pia*.yml）は内容が違っても上書きする。"
                        "利用者と共有するファイル（.vscode/settings.json、.pre-commit-config.yaml、.gitlab-ci.yml）は上書きせず、"
                        "pia の設定を加えるだけです")
    i.add_argument("--upgrade", action="store_true", help="リポジトリのスキーマ（.pia/schemas）をこの pia の版に更新する")

    d = sub.add_parser("render", help="評価書を HTML・PDF・Excel に出力する")
    d.add_argument("path", metavar="フォルダ", type=Path, help="評価書フォルダ")
    formats.add_argument(d, "render")
    d.add_argument("--out", type=Path, default=Path("out"), help="出力フォルダ（既定: out）")
    d.add_argument("--force", action="store_true", help="pia が作ったのではないファイルも上書きする")
    im = sub.add_parser("import", help="Excel で編集した評価書（pia render --format xlsx の出力）を YAML に戻す")
    im.add_argument("workbook", metavar="Excel", type=Path, help="編集した Excel ファイル（.xlsx）")
    im.add_argument("path", metavar="フォルダ", type=Path, help="書き出し元の評価書フォルダ")
    im.add_argument("--write", action="store_true", help="評価書フォルダの YAML を書き換える（既定: 変更を表示するだけ）")
    im.add_argument("--out", type=Path, help="書き換えた評価書を新しいフォルダに書き出す（評価書フォルダは変えない）")
    im.add_argument("--force", action="store_true", help="戻した結果に検査で新たなエラーが出ても書き込む（エラーは表示する）")
    df = sub.add_parser("diff", help="二つの版の変更箇所を、重要な変更かどうかとともに示す")
    df.add_argument("old", metavar="変更前", help="変更前の版（評価書フォルダ、又は リビジョン:パス）")
    df.add_argument("new", metavar="変更後", help="変更後の版（評価書フォルダ、又は リビジョン:パス）")
    formats.add_argument(df, "diff")

    h = sub.add_parser("history", help="バージョン履歴から別添3（変更箇所）の行を作る")
    h.add_argument("path", metavar="フォルダ", type=Path, help="git で管理された評価書フォルダ、又は版ごとのフォルダを並べたフォルダ")
    formats.add_argument(h, "history")
    ci = sub.add_parser("ci", help="プルリクエストなどで変わった評価書を検査し、変更と必要な手続をまとめる")
    fx = sub.add_parser("fix", help="日付の書き方や全角数字、字下げの全角スペースなどを公式の書き方に直す（既定は差分の表示のみ）")
    fx.add_argument("path", metavar="フォルダ", type=Path, help="評価書フォルダ（又は YAML ファイル）")
    fx.add_argument("--write", action="store_true", help="差分を表示せず、ファイルを書き換える")
    ci.add_argument("--base", required=True, help="比較の基準（例: origin/main）")
    ci.add_argument("--head", default=None, help="比較する版（既定: 作業中のファイル）")
    formats.add_argument(ci, "ci")
    ci.add_argument("--gitlab-report", type=Path, default=Path("gl-code-quality-report.json"),
                    help="--format gitlab のときの出力先（既定: gl-code-quality-report.json）")
    ci.add_argument("--summary", type=Path, help="Markdown の要約の出力先（置き換える。既定: $GITHUB_STEP_SUMMARY に追記、なければ標準出力）")
    co = sub.add_parser("council", help="審議会資料（外部結合・業務委託）を出力する")
    co.add_argument("path", metavar="フォルダ", type=Path, help="審議会資料のフォルダ（council.yaml を含む）")
    co.add_argument("--approved", help="前回審議会で承認を受けた版（git のリビジョン又はフォルダ）。変更箇所を太字・下線にする")
    formats.add_argument(co, "council")
    co.add_argument("--out", type=Path, default=Path("out"), help="出力フォルダ（既定: out）")
    co.add_argument("--force", action="store_true", help="pia が作ったのではないファイルも上書きする")
    mg = sub.add_parser("migrate", help="古い版の様式の評価書を現在の版に移し、記入・見直しが必要な項目を示す")
    mg.add_argument("path", metavar="フォルダ", type=Path, help="評価書フォルダ")
    mg.add_argument("--out", type=Path, required=True, help="移した評価書を書き出す新しいフォルダ")
    sv = sub.add_parser("serve", help="編集しながら確認できるプレビューを 127.0.0.1 で開く")
    sv.add_argument("path", metavar="フォルダ", type=Path, help="評価書フォルダ")
    sv.add_argument("--port", type=int, default=8000, help="ポート番号（既定: 8000）")
    st = sub.add_parser("status", help="すべての評価書の期限・手続の状況を一覧にする（年1回の見直し、5年以内の再評価など）")
    st.add_argument("paths", metavar="フォルダ", nargs="*", type=Path, default=[Path("assessments")], help="評価書フォルダ（又はそれを含むフォルダ。既定: assessments）")
    st.add_argument("--as-of", dest="as_of", help="基準日（令和7年4月1日 又は 2025-04-01。既定: 今日）")
    st.add_argument("--within", type=int, default=60, help="この日数以内の期限を「期限間近」とする（既定: 60）")
    formats.add_argument(st, "status")
    st.add_argument("--output", type=Path, help="結果を書き出すファイル")
    st.add_argument("--strict", action="store_true", help="期限超過があれば終了コード 1 にする（定期実行の CI 向け）")
    si = sub.add_parser("site", help="住民向けの公開サイト（評価書の一覧・ダウンロード・変更の説明）を作る")
    si.add_argument("path", metavar="フォルダ", type=Path, help="評価書フォルダを含むフォルダ（例: assessments）")
    si.add_argument("--out", type=Path, default=Path("site"), help="出力フォルダ（既定: site）")
    formats.add_argument(si, "site")
    si.add_argument("--jobs", type=int, default=0, help="並列数（既定: CPU 数）")
    si.add_argument("--title", help="サイトの題名（既定: 評価実施機関名から作る）")
    for name, help_ in (("plan", "計画管理書（様式1）を全評価書から作る"),
                        ("report", "定期的な報告（リスク対策の実施状況）の下書きを作る")):
        rp = sub.add_parser(name, help=help_)
        rp.add_argument("paths", metavar="フォルダ", nargs="*", type=Path, default=[Path("assessments")], help="評価書フォルダ（又はそれを含むフォルダ。既定: assessments）")
        rp.add_argument("--as-of", dest="as_of", help="基準日（既定: 今日）")
        formats.add_argument(rp, name)
        rp.add_argument("--out", type=Path, default=Path("out"), help="出力フォルダ（既定: out）")
        rp.add_argument("--force", action="store_true", help="pia が作ったのではないファイルも上書きする")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    from pia.base import collect

    collect.fewer()  # pia's trees of objects stay alive while it works (pia.base.collect)
    try:
        with _japanese():
            parser = _parser()
            if argv is None and "_ARGCOMPLETE" in os.environ:  # the shell asks for completions (argcomplete)
                import argcomplete

                argcomplete.autocomplete(parser)  # prints them and exits
            given = sys.argv[1:] if argv is None else list(argv)
            parser.command = _command(parser, given)  # type: ignore[attr-defined]
            args = parser.parse_args(given)
        from pia.app import commands

        return int(getattr(commands, {"import": "import_"}.get(args.command, args.command))(args))
    except PiaError as e:
        from pia.document.loader import visible

        print(visible(f"pia: {e}"), file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK
    except OSError as e:  # the OS refused something no finding covers (a folder that cannot be listed, say)
        from pia.base.fsread import os_hint, os_reason
        from pia.document.loader import visible

        # not known here whether it was a read or a write: the permission is named without a direction
        where = f"{os.fsdecode(e.filename)} を" if e.filename else ""
        print(visible(f"pia: {where}扱えません（{os_reason(e, writing=None)}）。{os_hint(e, writing=None)}"), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("pia: 中断しました。", file=sys.stderr)
        return EXIT_INTERRUPTED
    except SystemExit as e:  # --help
        return int(e.code or 0)
    except Exception:  # our bug: one line for the user, the traceback in a log
        fd, log = tempfile.mkstemp(prefix="pia-error-", suffix=".log")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(traceback.format_exc())
        print(f"pia: 内部エラーが発生しました。詳細は {log} にあります。お手数ですが開発者に知らせてください。", file=sys.stderr)
        return EXIT_BUG
