"""The `pia` command: the only place that prints or exits."""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Sequence

from pia.errors import PiaError

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_BUG, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would print English usage and exit 2
        raise PiaError(f"コマンドの指定が正しくありません（{message}）。`pia {self.prog.split()[-1] if ' ' in self.prog else ''} --help` で使い方を確認してください。")


def _parser() -> argparse.ArgumentParser:
    from pia.render import outputs

    p = _Parser(prog="pia", description="特定個人情報保護評価書（全項目評価書）を YAML から検査・出力します。")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    c = sub.add_parser("check", help="評価書を検査する")
    c.add_argument("paths", nargs="+", type=Path, help="評価書フォルダ（又はそれを含むフォルダ）")
    c.add_argument("--format", choices=["text", "json", "github", "gitlab"], default=None,
                   help="出力形式（既定: text。GitHub Actions の中では github）")
    c.add_argument("--output", type=Path, help="結果を書き出すファイル（gitlab 形式など）")
    c.add_argument("--strict", action="store_true", help="警告もエラーとして扱う")
    c.add_argument("--jobs", type=int, default=0, help="並列数（既定: CPU 数）")
    c.add_argument("--select", default="", help="この規則だけを検査する（カンマ区切りの ID 又は接頭辞。例: PIA2,PIA501）")
    c.add_argument("--ignore", default="", help="この規則を検査しない（カンマ区切りの ID 又は接頭辞）")
    c.add_argument("--statistics", action="store_true", help="検査結果の代わりに、規則ごとの件数を表示する")

    r = sub.add_parser("rules", help="検査規則の一覧を表示する")
    r.add_argument("--markdown", action="store_true", help="docs/rules.md の形式で出力する")

    n = sub.add_parser("new", help="記載例（全項目の雛形）から評価書フォルダを作る")
    n.add_argument("name", help="作成するフォルダ名（assessments/ の下に作ります）")
    n.add_argument("--dir", type=Path, default=Path("assessments"), help="作成先（既定: assessments）")

    d = sub.add_parser("render", help="評価書を HTML・PDF・Excel に出力する")
    d.add_argument("path", type=Path, help="評価書フォルダ")
    d.add_argument("--format", default="html,pdf", help=outputs.help_text("assessment", "html,pdf"))
    d.add_argument("--out", type=Path, default=Path("out"), help="出力フォルダ（既定: out）")
    d.add_argument("--force", action="store_true", help="pia が作ったのではないファイルも上書きする")
    df = sub.add_parser("diff", help="二つの版の変更箇所を、重要な変更かどうかとともに示す")
    df.add_argument("old", help="変更前の版（評価書フォルダ、又は リビジョン:パス）")
    df.add_argument("new", help="変更後の版（評価書フォルダ、又は リビジョン:パス）")
    df.add_argument("--format", choices=["text", "json"], default="text")

    h = sub.add_parser("history", help="バージョン履歴から別添3（変更箇所）の行を作る")
    h.add_argument("path", type=Path, help="git で管理された評価書フォルダ、又は版ごとのフォルダを並べたフォルダ")
    h.add_argument("--format", choices=["text", "json"], default="text")
    ci = sub.add_parser("ci", help="プルリクエストなどで変わった評価書を検査し、変更と必要な手続をまとめる")
    fx = sub.add_parser("fix", help="日付の書き方や全角数字、字下げの全角スペースなどを公式の書き方に直す（既定は差分の表示のみ）")
    fx.add_argument("path", type=Path, help="評価書フォルダ（又は YAML ファイル）")
    fx.add_argument("--write", action="store_true", help="差分を表示せず、ファイルを書き換える")
    ci.add_argument("--base", required=True, help="比較の基準（例: origin/main）")
    ci.add_argument("--head", default=None, help="比較する版（既定: 作業中のファイル）")
    ci.add_argument("--format", choices=["text", "github", "gitlab"], default=None,
                    help="検査結果の形式（既定: text。GitHub Actions の中では github）")
    ci.add_argument("--gitlab-report", type=Path, default=Path("gl-code-quality-report.json"),
                    help="--format gitlab のときの出力先")
    ci.add_argument("--summary", type=Path, help="Markdown の要約の出力先（既定: $GITHUB_STEP_SUMMARY、なければ標準出力）")
    co = sub.add_parser("council", help="審議会資料（外部結合・業務委託）を出力する")
    co.add_argument("path", type=Path, help="審議会資料のフォルダ（council.yaml を含む）")
    co.add_argument("--approved", help="前回審議会で承認を受けた版（git のリビジョン又はフォルダ）。変更箇所を太字・下線にする")
    co.add_argument("--format", default="html,pdf", help=outputs.help_text("council", "html,pdf"))
    co.add_argument("--out", type=Path, default=Path("out"), help="出力フォルダ（既定: out）")
    co.add_argument("--force", action="store_true", help="pia が作ったのではないファイルも上書きする")
    sv = sub.add_parser("serve", help="編集しながら確認できるプレビューを 127.0.0.1 で開く")
    sv.add_argument("path", type=Path, help="評価書フォルダ")
    sv.add_argument("--port", type=int, default=8000, help="ポート番号（既定: 8000）")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
        from pia import commands

        return int(getattr(commands, args.command)(args))
    except PiaError as e:
        print(f"pia: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("pia: 中断しました。", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except SystemExit as e:  # --help
        return int(e.code or 0)
    except Exception:  # our bug: one line for the user, the traceback in a log
        fd, log = tempfile.mkstemp(prefix="pia-error-", suffix=".log")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(traceback.format_exc())
        print(f"pia: 内部エラーが発生しました。詳細は {log} にあります。お手数ですが開発者に知らせてください。", file=sys.stderr)
        return EXIT_BUG
