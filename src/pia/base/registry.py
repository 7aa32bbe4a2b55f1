"""Every finding pia can emit, in one explicit table: id, title, severity, stage, document kinds, source, certainty.

The vocabulary (severity, certainty, stage, Spec) and the findings of loading, validation, history, ci, import,
status and council. The rules' own entries sit beside their code (`pia.analysis.rules.rule`); the catalog of every
id, which `pia rules` and docs/rules.md read, is `pia.analysis.catalog`.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Callable, Iterator


class Severity(str, Enum):
    """Stable values for machines (JSON, SARIF); `label` for people."""

    ERROR = "error"
    WARNING = "warning"

    @property
    def label(self) -> str:
        return _SEVERITY_LABELS[self]

    def __str__(self) -> str:
        return self.label


_SEVERITY_LABELS = {Severity.ERROR: "エラー", Severity.WARNING: "警告"}


class Certainty(str, Enum):
    """How sure pia is of the source of a rule (the tags of the reference notes)."""

    PRIMARY = "P"        # primary text read
    QUOTED = "P-q"       # primary text quoted by a third party
    SUMMARY = "S"        # faithful summary
    INFERRED = "I"       # inferred from the form or from published assessments
    RECALLED = "R"       # recalled, not read
    PIA = "pia"          # pia's own requirement (safety, how the YAML is written)

    @property
    def label(self) -> str:
        return _CERTAINTY_LABELS[self]


_CERTAINTY_LABELS = {
    Certainty.PRIMARY: "一次資料を確認", Certainty.QUOTED: "一次資料の引用を確認", Certainty.SUMMARY: "要約に基づく",
    Certainty.INFERRED: "様式・公表例からの推論", Certainty.RECALLED: "記憶に基づく（要確認）", Certainty.PIA: "pia の記載方法・安全上の決まり",
}


class Stage(str, Enum):
    LOAD = "load"          # reading the YAML
    SCHEMA = "schema"      # validation against the schemas
    RULE = "rule"          # rules between items
    CI = "ci"              # `pia ci` on a change
    HISTORY = "history"    # reading versions
    IMPORT = "import"      # reading back an edited workbook (`pia import`)
    STATUS = "status"      # `pia status`: the data its deadlines need
    COUNCIL = "council"    # `pia council`: a council sheet's references to the assessment


STAGE_LABELS = {Stage.LOAD: "読み込み", Stage.SCHEMA: "スキーマの検査", Stage.RULE: "項目間の検査",
                Stage.CI: "変更の検査（pia ci）", Stage.HISTORY: "版の読み込み", Stage.IMPORT: "Excel の読み戻し（pia import）",
                Stage.STATUS: "期限と手続の状況（pia status）", Stage.COUNCIL: "審議会資料（pia council）"}

# The document kinds a finding applies to, by id (schemas/forms.json); none named means every kind.
EVERY: tuple[str, ...] = ()


@dataclass(frozen=True)
class Spec:
    id: str
    title: str
    severity: Severity
    stage: Stage
    source: str
    certainty: Certainty
    kinds: tuple[str, ...] = EVERY
    explanation: str = ""
    func: Callable[..., Iterator[Any]] | None = None  # rules only
    module: str = ""
    concepts: tuple[str, ...] = ()  # rules: the concepts they need (their reach is the kinds that have them all)
    also: tuple[str, ...] = ()  # rules: concepts read where present

    def applies_to(self, kind_ids: set[str]) -> bool:
        """Whether the finding concerns any of these kinds of document."""
        return not self.kinds or bool(kind_ids & set(self.kinds))


def _static(id: str, title: str, stage: Stage, source: str = "pia", certainty: Certainty = Certainty.PIA,
            severity: Severity = Severity.ERROR, explanation: str = "") -> Spec:
    return Spec(id, title, severity, stage, source, certainty, EVERY, explanation)


# Findings that are not rules between items.
STATIC: tuple[Spec, ...] = (
    _static("PIA001", "YAML として読めない（構文、タブ、空ファイル、制御文字）", Stage.LOAD,
            explanation="値が YAML の記号（`[` `{` `*` `!` `>` `|` `@` など）で始まるもの（「[案] 重点項目評価書」）や、引用符で囲んだ"
                        "部分の後に文字が続くもの（「\"評価書\" 全項目」）は、字下げの誤りとせず、その値の行・桁で項目と先頭の文字を示し、"
                        "値全体を引用符で囲んだ行を示す。"),
    _static("PIA002", "項目名の重複", Stage.LOAD, explanation="同じ項目名が二度あると、後の値が前の値を黙って上書きするため。"),
    _static("PIA003", "アンカー・エイリアス・マージキー（大量展開の防止）", Stage.LOAD,
            explanation="評価書では使わないため、書かれていればすべてその位置で示す。「評価書名: &A 国保の評価書」の「&A」は"
                        "アンカーとして読まれて値から消えるので、値全体を引用符で囲んだ行を示す（「*」で始まる値も同じ）。"
                        "同じ一覧・項目の並びに二度たどり着くエイリアスは、展開する前に読み込みをやめる。"),
    _static("PIA004", "YAML タグ（オブジェクトの生成の防止）", Stage.LOAD,
            explanation="標準でないタグ（`!!python/…`、`!secret`）は読み込みをやめる。標準のタグ（`!!str` など）も、値の先頭の"
                        "「!…」が値から消えるため、値全体を引用符で囲んだ行を示す。"),
    _static("PIA005", "ファイルが大きすぎる", Stage.LOAD),
    _static("PIA006", "UTF-8 のテキストでない（文字コード、バイナリ）", Stage.LOAD),
    _static("PIA007", "入れ子が深すぎる", Stage.LOAD),
    _static("PIA020", "評価書フォルダの外を指すシンボリックリンク（files/ 自体も）", Stage.LOAD,
            explanation="評価書の外のファイルの内容が検査結果・注釈・出力に現れないよう、pia はリンク先を読まない。"),
    _static("PIA021", "通常のファイルでないもの（名前付きパイプ、デバイス、ソケット）", Stage.LOAD,
            explanation="名前付きパイプは読むと止まり、デバイスは際限なく読めるため、開かずに指摘する。"),
    _static("PIA022", "リンク先のない、又は循環するシンボリックリンク", Stage.LOAD),
    _static("PIA023", "名前が .yaml のフォルダ", Stage.LOAD),
    _static("PIA024", "読めないファイル・フォルダ（権限など。原因を示す）", Stage.LOAD),
    _static("PIA025", "ファイル名が UTF-8 でない（Shift_JIS の名前など）", Stage.LOAD),
    _static("PIA026", "同じ名前の .yaml と .yml のファイル（files/ の x.yaml と x.yml）", Stage.LOAD,
            explanation="どちらも同じ評価書のファイルになるため、.yaml だけを読み、.yml を指摘する（黙ってどちらかを捨てない）。"),
    _static("PIA027", "重点項目評価書と全項目評価書が同じフォルダにある", Stage.LOAD,
            explanation="一つの事務の評価書は、基礎項目評価書と、重点項目評価書又は全項目評価書のどちらか一方（forms.md §1）。"
                        "どちらの評価書として検査するか決められないため、フォルダを直すまで項目間の検査はしない。"),
    _static("PIA030", "値に制御文字（エスケープ \\e・\\0・\\x9b などを含む）", Stage.LOAD,
            explanation="端末の表示を消す・書き換える文字は、値から取り除いて「�」に置き換え、符号位置と行を示す。"),
    _static("PIA031", "値に表示順を入れ替える制御文字（双方向制御文字）", Stage.LOAD,
            explanation="表示と実際の内容が食い違い、審査する人が見誤るおそれがあるため。"),
    _static("PIA032", "値に見えない文字（ゼロ幅文字、途中の BOM）", Stage.LOAD, severity=Severity.WARNING),
    _static("PIA040", "評価書全体の YAML が大きすぎる（上限 8 MB）", Stage.LOAD),
    _static("PIA041", "評価書全体の項目と値の数が多すぎる（上限 100,000 個）", Stage.LOAD),
    _static("PIA042", "一つの一覧・項目の並びの件数が多すぎる（上限 10,000 件）", Stage.LOAD),
    _static("PIA043", "files/ のファイルが多すぎる（上限 1,000 件）", Stage.LOAD),
    _static("PIA010", "値の型が違う", Stage.SCHEMA, "様式（スキーマ）", Certainty.INFERRED),
    _static("PIA011", "選択肢にない値", Stage.SCHEMA, "様式（スキーマ）", Certainty.INFERRED,
            explanation="表記だけが違う値（全角数字の「３０万人以上」、末尾の全角スペース、半角の括弧）は、その選択肢を示し、"
                        "`pia fix --write` で選択肢の文言に直せる。引用符で囲んだ「- \"その他: …\"」や、全角スペースの後の「#」で"
                        "注釈が値に入ったものは、直し方を示す。"),
    _static("PIA012", "必要な項目がない（ファイル・項目）", Stage.SCHEMA, "様式（スキーマ）", Certainty.INFERRED),
    _static("PIA013", "様式にない項目（近い項目名を提案）", Stage.SCHEMA, "様式（スキーマ）", Certainty.INFERRED),
    _static("PIA014", "その他の値の誤り（ID の書式など）", Stage.SCHEMA),
    _static("PIA610", "版の中のサブモジュール（gitlink）・シンボリックリンクなどを読み飛ばした", Stage.HISTORY, severity=Severity.WARNING),
    _static("PIA611", "版のファイルを git から読めない（コミットを示す）", Stage.HISTORY,
            explanation="読めない版を「すべて追加」として扱うと別添3 が誤るため、その版を比較に使わずに指摘する。"),
    _static("PIA612", "浅いクローンのため変更履歴が欠けている", Stage.HISTORY,
            explanation="別添3 の行が黙って欠けないよう、pia history は終了コード 1、pia render は出力しない。"
                        "git fetch --unshallow（CI では fetch-depth: 0 / GIT_DEPTH: 0）で全履歴を取得する。"),
    _static("PIA613", "版の中の UTF-8 でないファイル名を読み飛ばした", Stage.HISTORY, severity=Severity.WARNING),
    _static("PIA614", "読めない版（YAML の誤りなど）を変更履歴で飛ばした", Stage.HISTORY, severity=Severity.WARNING),
    _static("PIA615", "比較の基準の版を読めないため、変更を判定できない", Stage.CI),

    _static("PIA050", "字下げにタブ文字", Stage.LOAD, "YAML 1.2 §6.1（字下げは半角スペースのみ）",
            explanation="読み込みの前に行ごとに調べ、タブのある行と桁を示す（構文エラーとして次の行のせいにしない）。"
                        "`pia fix --write` はタブを、上の行の字下げに合わせた数の半角スペースにする。"),
    _static("PIA051", "字下げ（又は空行）に全角スペース", Stage.LOAD, "YAML 1.2 §6.1（全角スペースは空白でなく文字）",
            explanation="行頭の全角スペースは YAML では字下げにならず文字として読まれる。`pia fix --write` は、上の行の字下げに合わせた数の半角スペースにする。"),
    _static("PIA052", "項目名の後ろのコロンが全角「：」", Stage.LOAD, "YAML 1.2 §7.4（「: 」で項目名と値を分ける）",
            explanation="「事務の名称：…」のように項目名の後ろが全角コロンの行。行の形から判断する。`pia fix --write` は「: 」にする。"),
    _static("PIA053", "「|」を付けない継続行", Stage.LOAD, "YAML 1.2 §7.3.3（プレーンスカラーの行の折り畳み）",
            explanation="値の続きを「|」なしで次の行に書いた行。YAML として読めないときはエラー、読めても改行が空白一つに"
                        "置き換わるときは警告（この行だけ）。"),
    _static("PIA057", "項目名の後ろのコロン「:」の後に空白がない", Stage.LOAD, "YAML 1.2 §7.4（「: 」で項目名と値を分ける）",
            explanation="「部署:こども未来部」は YAML では行全体が一つの文字になり、構文エラーが次の行に出る。様式の項目名の後ろに"
                        "空白のないコロンがある行を、その桁で示す。`pia fix --write` は「: 」にする。"),
    _static("PIA058", "一覧の「-」の後ろに空白がない", Stage.LOAD, "YAML 1.2 §8.2.1（「- 」で一覧の一件を始める）",
            explanation="「-紙」は一覧の一件ではなく文字「-紙」として読まれる。前後の行が一覧の一件か、上の行が一覧を始める行のとき"
                        "に指摘する。`pia fix --write` は「- 紙」にする。"),
    _static("PIA059", "該当なしのつもりの「-」（「項目名: -」）", Stage.LOAD, "YAML 1.2 §8.2.1、様式（該当なしは「—」）",
            explanation="「他の評価実施機関: -」の「-」は一覧の印として読まれ、構文エラーになる。該当なしは全角のダッシュ「—」で書く。"
                        "`pia fix --write` は「—」にする。"),
    _static("PIA055", "件数を全角数字や「3件」で書いている（読み取ったうえで警告）", Stage.SCHEMA, "様式（（ ）件 の欄は数）",
            Certainty.INFERRED, Severity.WARNING,
            explanation="「３」「3件」「５８件」は件数として読み、そのうえで半角数字だけの書き方を示す。`pia fix --write` で直せる。"),
    _static("PIA070", "使われていない、又は値が変わって外れた pia-ignore", Stage.LOAD, severity=Severity.WARNING,
            explanation="`# pia-ignore: PIA201@指紋 理由` は、その規則の、その検査結果（指紋）だけを抑止する。指紋は値と、規則が"
                        "それと比べたもの（件数と数えた一覧の件数、比べた二つの日付など）から作るため、どちらかが変わると検査結果が"
                        "戻り、この警告が新しい指紋を示す。検査結果のない抑止も報告する。"),
    _static("PIA071", "検査結果の指紋のない pia-ignore", Stage.LOAD, severity=Severity.WARNING,
            explanation="指紋のない抑止は、値や比べた記載が変わっても抑止し続けるため警告し、書くべき指紋を示す。"),
    _static("PIA072", "書き誤りで何も抑止しない pia-ignore（綴り、全角のコロン、番号の書き方、ない規則）", Stage.LOAD,
            severity=Severity.WARNING,
            explanation="「# pia-ingore: PIA202 理由」「# PIA-IGNORE: pia202 理由」「# pia-ignore：PIA202 理由」「# pia-ignore: PIA2 理由」"
                        "や、ない規則の番号（PIA999）を書いた抑止は何も抑止しないため、書いた人が抑止したつもりにならないよう、"
                        "その行で書き方（`# pia-ignore: PIA202@指紋 理由`）を示す。"),
    _static("PIA630", "事前の改訂を公表し直したのに、再評価の日付（意見聴取・第三者点検又は委員会への提出日）が前回のまま又は空欄", Stage.HISTORY,
            "番号法第28条第1項後段・第2項後段（重要な変更は変更前に評価を再実施）、ppc-rules CH-2", Certainty.PRIMARY,
            explanation="重要な変更を含む改訂（事前）は、変更の前に意見聴取・第三者点検（地方公共団体等）又は委員会への提出"
                        "（行政機関等）を経て公表し直す。新しい公表日を書いたのに、これらの日付が前回の改訂のまま又は空欄ならエラー"
                        "（`pia history`）。重点項目評価書は意見聴取・第三者点検が任意のため、新しい公表日だけを求める（[R]）。"),
    _static("PIA631", "事前の改訂の再評価の日付・公表日がまだ新しくなっていない（手続中）", Stage.HISTORY,
            "番号法第28条第1項後段・第2項後段、ppc-rules CH-2", Certainty.PRIMARY, Severity.WARNING,
            explanation="公表日を新しくする前は手続の途中と考え、残っている手続（意見聴取・第三者点検又は提出・公表日）を警告で示す。"),
    _static("PIA632", "改訂の再評価の日付が前回の公表日より前、又は新しい公表日より後", Stage.HISTORY,
            "番号法第28条第1項後段・第2項後段（重要な変更は変更前に評価を再実施して公表する）、ppc-rules CH-2", Certainty.PRIMARY,
            explanation="改訂の「再評価」を実施済みとした日付は、その改訂の前の版の公表日より後で、改訂後に公表し直した公表日以前"
                        "である（基礎項目評価書を除く各評価書。`pia history`・`pia ci`）。前回の公表日より前の日付は前の改訂の再評価を"
                        "写したものか誤りで、新しい公表日より後なら再評価の前に公表したことになる。公表日との前後は `pia check` も"
                        "PIA306 で見る。"),
    _static("PIA601", "評価書の記載が変わったのに改訂の記録に新しい変更日がない", Stage.CI,
            explanation="別添3 の行は改訂の変更日ごとにまとめるため、記載を変えた改訂には変更日を一件追加する。"),
    _static("PIA602", "重要な変更を含むのに再評価の記載がない", Stage.CI, "規則第11条、指針 第6の2", Certainty.SUMMARY,
            explanation="重要な変更（又はしきい値判断結果が重くなる変更）は、変更の前に特定個人情報保護評価を再実施する。"
                        "その改訂に「再評価」（状況: 実施済み|予定、日付）を記録する。"),
    _static("PIA950", "Excel の項目の値ではないセル（項目名・見出し・追加した行）が変わっている", Stage.IMPORT,
            explanation="pia import は項目の値のセルだけを評価書に戻す。それ以外の変更は戻し先がないため、何も書き換えずに報告する。"),
    _static("PIA951", "Excel が評価書の今の版から書き出されていない（項目の並び、又は同じ項目が両方で変わった）", Stage.IMPORT,
            explanation="書き出した後に YAML の側でも変わった項目は、どちらを採るか決められないため戻さない。"
                        "YAML の項目がすでに Excel と同じ値なら（一度戻した Excel をもう一度戻すときなど）、変更なしとする。"),
    _static("PIA952", "Excel のセルの値が項目に書けない（選択肢にない、件数が数でない、○の欄に○以外、二か所の値が違う）", Stage.IMPORT,
            explanation="ドロップダウンを使わずに入力した値などを、様式の選択肢・型と照らして戻す前に確かめる。"
                        "二つのシートに印字される項目（ファイル名は Ⅱ と Ⅲ）を、それぞれ違う値に変えたときも戻さない。"),
)


def static(finding_id: str) -> Spec:
    """A finding id of loading, validation, history, ci, import, status or council (the rules' ids: pia.analysis.catalog)."""
    for s in STATIC:
        if s.id == finding_id:
            return s
    raise KeyError(f"finding id {finding_id} is not a static id of pia.base.registry")


# `pia council` (PIA960–PIA969): what a council sheet refers to.
STATIC += (
    _static("PIA960", "審議会資料の「評価書:」がリポジトリの外、又は評価書フォルダでない", Stage.COUNCIL,
            explanation="「評価書:」は council.yaml のフォルダからの相対パスで、リポジトリ（.git のあるフォルダ。なければ"
                        "審議会資料のフォルダの二つ上）の中の評価書フォルダを指す。外を指すものは読まない（リンクをたどった先も同じ）。"),
    _static("PIA961", "審議会資料の「評価書の項目」が評価書にない、又は空欄", Stage.COUNCIL,
            explanation="「評価書の項目」は項目コードで、基礎・重点・全項目のどの評価書の項目も参照できる（基礎-I-1-①、"
                        "ファイルID/重点-II-4-委託事項-③/委託の id など）。フォルダにない評価書・ファイル・一覧の一件、空欄の項目はエラー。"),
)

# `pia status` (PIA900–PIA949): problems in the data its deadlines are computed from.
STATIC += (
    _static("PIA900", "状況の判定に使う日付が読めない", Stage.STATUS, severity=Severity.WARNING,
            explanation="公表日・事務の実施をやめた日・実施日などが日付として読めないとき、その日付を期限の計算から外して知らせる。"),
    _static("PIA901", "しきい値判断結果がなく必要な評価書を判断できない", Stage.STATUS, "指針 第5の2", Certainty.SUMMARY,
            Severity.WARNING, "しきい値判断結果がないと、事務に義務付けられる評価書（基礎・重点・全項目）を示せない。"),
    _static("PIA902", "評価書を読み込めない", Stage.STATUS,
            explanation="assessment.yaml を読み込めないとき。ほかの義務の状態は判定しない（pia check で原因を確認する）。"),
)
