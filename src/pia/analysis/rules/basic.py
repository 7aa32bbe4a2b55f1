"""I 基本情報 and the threshold decision (しきい値判断)."""
from __future__ import annotations

from typing import Iterator

from pia.document import family
from pia.form import kinds
from pia.form import schema as sch
from pia.base.findings import ERROR, WARNING, Finding
from pia.form.items import each, entry_of, item
from pia.form.concepts import concept
from pia.base.registry import Certainty
from pia.analysis.rules import Context, rule
from pia.document.values import ticked

HANDLERS_INPUT = item("表紙-しきい値判断の入力-取扱者数")
ACCIDENT_INPUT = item("表紙-しきい値判断の入力-特定個人情報に関する重大事故")
ACCIDENT_3Y = item("III-7-リスク1-⑨")


@rule("PIA101", "しきい値判断結果が対象人数・取扱者数・重大事故から導かれる結果と一致しない",
      source="指針 第5の2（しきい値判断）", certainty=Certainty.SUMMARY, concepts=("threshold-result",), also=("persons",))
def threshold(ctx: Context) -> Iterator[Finding]:
    """しきい値判断結果（全項目評価書 VI-1-②、重点項目評価書 V-1-②、基礎項目評価のみの事務では基礎項目評価書 III）は、
    対象人数、取扱者数（500人以上か）及び過去1年以内の特定個人情報に関する重大事故の有無から、特定個人情報保護評価指針
    第5の2 の表のとおりに決まる（ppc-rules §2.2、forms.md §2。表は schemas/forms.json）。結果は、義務付けられる評価書の組
    として比べる（全項目評価書の「(任意に全項目評価を実施)」の選択肢は、義務でない評価を任意に実施したことを示す）。
    取扱者数と重大事故は全項目評価書・重点項目評価書の項目ではないため「しきい値判断の入力」に記録する。記録がないときは、
    使用者数と委託先における取扱者数から数えられる範囲（同じ職員は一度だけ数える。下限は職員・委託先それぞれの最大、
    上限は合計）と、III-7 リスク1⑨（過去3年以内に重大事故発生なし ⇒ 過去1年以内もなし）から判断できる範囲で検査する。
    対象人数「1万人以上10万人未満」の区分の判断は出典が記憶に基づく（[R]）ため、その区分での不一致は警告とする。"""
    inp = family.inputs(ctx.a)
    if inp.kind is None or inp.persons is None:
        return
    declared, text = family.declared_result(ctx.a, inp.kind)
    if declared is None:
        return
    expected = kinds.required_documents(inp.persons, inp.many, inp.accident)
    if declared not in expected:
        want = "」又は「".join(kinds.describe(r) for r in sorted(expected, key=sorted))
        yield ctx.finding(inp.kind.key, inp.kind.result,
                          f"しきい値判断結果「{text}」は、義務付けられる評価書を「{kinds.describe(declared)}」としていますが、"
                          f"対象人数・取扱者数・重大事故から導かれるのは「{want}」です。",
                          "対象人数、取扱者数、過去1年以内の重大事故の有無を確認し、しきい値判断結果を直してください。",
                          severity=WARNING if kinds.row_certainty(inp.persons) == "R" else ERROR)


@rule("PIA102", "しきい値判断の入力が評価書の記載と矛盾する", WARNING,
      source="指針 第5の2、様式（使用者数・委託先における取扱者数・III-7 リスク1⑨）", certainty=Certainty.INFERRED,
      concepts=("handlers-input",))
def threshold_inputs(ctx: Context) -> Iterator[Finding]:
    """「しきい値判断の入力」の取扱者数は、事務の取扱者を一度ずつ数えた数である（同じ職員が複数のファイルを扱っても1人）。
    各ファイルの使用者数と委託先における取扱者数から、その範囲が分かる: 同じ職員が全ファイルを扱うこともあるので少なくとも
    「使用者数の下限の最大＋委託先における取扱者数の下限の最大」、全員が別人でも多くとも「上限の合計」。この範囲と矛盾しては
    ならない。また、過去1年以内に特定個人情報に関する重大事故が「発生あり」なら、III-7 リスク1⑨（過去3年以内の個人情報に
    関する重大事故）も「発生あり」のはずである（ppc-rules TH-2, TH-3。推論に基づくため警告）。"""
    main = family.main_kind(ctx.a)
    if main is None or main.borrows_facts:
        return
    m = family.data(ctx.a, main)
    handlers = HANDLERS_INPUT.bounds(HANDLERS_INPUT.get(m))
    if handlers is not None:
        lo, hi = family.staff_bounds(ctx.a)
        if handlers[1] is not None and lo > handlers[1]:
            yield ctx.finding(main.key, HANDLERS_INPUT.at(),
                              f"取扱者数が「{HANDLERS_INPUT.get(m)}」とされていますが、使用者数と委託先における取扱者数から、同じ人を一度だけ数えても少なくとも{lo}人です。",
                              "取扱者数か、各ファイルの使用者数・委託先における取扱者数を確認してください。")
        if hi is not None and hi < handlers[0]:
            yield ctx.finding(main.key, HANDLERS_INPUT.at(),
                              f"取扱者数が「{HANDLERS_INPUT.get(m)}」とされていますが、使用者数と委託先における取扱者数の合計は多くとも{hi}人です。",
                              "取扱者数か、各ファイルの使用者数・委託先における取扱者数を確認してください。")
    if main.accident_from and ACCIDENT_INPUT.meaning(ACCIDENT_INPUT.get(m)) == "yes":
        for fid, f in ctx.a.files():
            if ACCIDENT_3Y.meaning(ACCIDENT_3Y.get(f)) == "no":
                yield ctx.finding("file:" + fid, ACCIDENT_3Y.at(),
                                  "過去1年以内に特定個人情報に関する重大事故があったとされていますが、ここでは過去3年以内に重大事故は「発生なし」です。",
                                  "どちらかの記載を直してください。")


@rule("PIA103", "対象人数がファイルの対象となる本人の数より少ない", WARNING,
      source="様式（I-1-③ と II-2-②）", certainty=Certainty.INFERRED, concepts=("persons", "file-persons"))
def persons_vs_files(ctx: Context) -> Iterator[Finding]:
    """I-1-③対象人数は、各ファイルの II-2-②対象となる本人の数の下限を下回らないはずである（ppc-rules TH-4。推論に基づくため警告）。
    二つの項目は区分の刻みが違う（1,000/1万/10万/30万 と 1万/10万/100万/1,000万）ため、人数の範囲で比べる。"""
    for key, persons, main in ctx.each("persons"):
        kind = kinds.by_key(key)
        whole = persons.bounds(persons.get(main))
        part_item = concept("file-persons").item_in(kind.file_schema) if kind and kind.file_schema else None
        if whole is None or whole[1] is None or part_item is None:
            continue
        for fkey, f in ctx.docs(part_item.doc):
            part = part_item.bounds(part_item.get(f))
            if part is not None and part[0] > whole[1]:
                yield ctx.finding(key, persons.at(),
                                  f"対象人数「{persons.get(main)}」が、{ctx.file_label(fkey)}の対象となる本人の数「{part_item.get(f)}」より少なくなっています。",
                                  "対象人数か、ファイルの対象となる本人の数を確認してください。")


@rule("PIA104", "特定個人情報ファイル名と、ファイルごとの YAML（files/・juten/）が対応しない",
      source="様式（I-3 と II・III の対応）、pia の評価書フォルダの構成", certainty=Certainty.PIA, concepts=("file-list",))
def file_references(ctx: Context) -> Iterator[Finding]:
    """特定個人情報ファイル名には、ファイルごとの YAML（全項目評価書は files/ID.yaml、重点項目評価書は juten/ID.yaml）の
    ID を漏れなく、重複なく並べる。II・III は各ファイルの YAML にまとめて書くため、ファイルごとに II と III が一つずつ、
    同じ順・同じ名称で対応することはこの対応関係によって保証される（様式の I-3 と II・III の対応）。"""
    for key, lister, main in ctx.each("file-list"):
        listed = lister.get(main)
        schema = lister.node.get("x-pia-refers-to") or "file"
        folder = (kinds.by_key(key).files_dir if kinds.by_key(key) else None) or "files"
        if not isinstance(listed, list):
            continue
        p = lister.at()
        present = {k.split(":", 1)[1] for k in ctx.a.docs if k.split(":", 1)[0] == schema and ":" in k}
        seen: set[str] = set()
        for i, fid in enumerate(listed):
            if fid in seen:
                yield ctx.finding(key, p + (i,), f"ファイル「{fid}」が二度挙げられています。", "重複を削除してください。")
            elif fid not in present:
                yield ctx.finding(key, p + (i,), f"ファイル「{fid}」に対応する {folder}/{fid}.yaml がありません。",
                                  f"ID の綴りを確認するか、{folder}/ にファイルを作成してください。")
            seen.add(str(fid))
        for fid in sorted(present - seen):
            yield ctx.finding(key, p, f"{folder}/{fid}.yaml が{lister.title}に挙げられていません。", f"「- {fid}」を追加してください。")


@rule("PIA105", "情報提供ネットワークシステムによる情報連携の有無と「接続しない」が矛盾する", WARNING,
      source="様式（全項目評価書 I-6 と III-6、重点項目評価書 I-4 と III-6、基礎項目評価書 I-4 と IV-6）", certainty=Certainty.INFERRED,
      concepts=("linkage", "no-network-in", "no-network-out"))
def network_consistency(ctx: Context) -> Iterator[Finding]:
    """情報連携の①実施の有無が「実施しない」なら、「接続しない（入手）」「接続しない（提供）」の両方に○が付く（全項目・
    重点項目評価書はすべてのファイルの III-6、基礎項目評価書は IV-6）。「実施する」なら、少なくとも一つのファイル
    （基礎項目評価書では IV-6）が接続する（様式の構成からの推論のため警告）。基礎項目評価書の I-4 は、重点・全項目評価書の
    ある事務ではその評価書から印字される値で比べる。"""
    for kind in family.present(ctx.a):
        linkage = concept("linkage").item_in(kind.key)
        flags_doc = kind.file_schema or kind.key
        no_in, no_out = concept("no-network-in").item_in(flags_doc), concept("no-network-out").item_in(flags_doc)
        if linkage is None or no_in is None or no_out is None:
            continue
        main = family.kiso_view(ctx.a) if kind.borrows_facts else family.data(ctx.a, kind)
        said = linkage.get(main)
        v = linkage.meaning(said)
        flagged = list(ctx.docs(flags_doc))
        if not flagged or v not in ("yes", "no"):
            continue
        if any(no_in.get(f) is None or no_out.get(f) is None for _, f in flagged):
            continue  # not answered yet: PIA501 reports it
        connected = [k for k, f in flagged if not (no_in.get(f) is True and no_out.get(f) is True)]
        own = family.main_kind(ctx.a) is kind or not kind.borrows_facts
        at_key, at = (kind.key, linkage.at()) if own else (kind.key, no_in.at())
        where = "III-6" if kind.file_schema else "IV-6"
        if v == "no" and connected:
            whom = ctx.file_label(connected[0]) or "ここ"
            yield ctx.finding(at_key, at, f"情報連携を「{said}」としていますが、{whom}では情報提供ネットワークシステムに接続しています（{where}）。",
                              f"情報連携の実施の有無か、{where} の「接続しない」の記載を確認してください。")
        if v == "yes" and not connected:
            yield ctx.finding(at_key, at, f"情報連携を「{said}」としていますが、{where} では情報提供ネットワークシステムに接続しないとしています。",
                              f"情報連携の実施の有無か、{where} の「接続しない」の記載を確認してください。")


@rule("PIA106", "「その他」などに○を付けたのに括弧内が空", source="様式（括弧付きの選択肢）", certainty=Certainty.INFERRED,
      concepts=("other-text",))
def other_text(ctx: Context) -> Iterator[Finding]:
    """複数選択の項目で、括弧（ ）付きの選択肢（その他（ ）、評価実施機関内の他部署（ ）など）に○を付けたときは、
    括弧内の内容を書く（様式）。「提供を行っている（ ）件」のような件数は PIA201 が検査する。"""
    from pia.form.walk import values

    for key, name, doc in ctx.a.documents():
        for path, node, value in values(sch.load().document(name), doc.data):
            if sch.kind(node) != "multi":
                continue
            texts = set(sch.text_options(node)) - set(sch.count_options(node))
            for opt, text in ticked(value).items():
                if opt in texts and (text is None or str(text).strip() == ""):
                    yield ctx.finding(key, path + (entry_of(value, opt),), f"「{opt}」に○を付けていますが、括弧内の内容が書かれていません。",
                                      f"「- {opt}: 内容」の形で括弧内の内容を書いてください。")


FIGURE_LIST, FIGURE = item("別添1-事務の内容"), item("別添1-図")


@rule("PIA107", "別添1 の図を掲載できない", source="pia の安全上の決まり（評価書フォルダの外を読まない、画像の形式と大きさ）",
      certainty=Certainty.PIA, concepts=("figure",))
def figures(ctx: Context) -> Iterator[Finding]:
    """別添1 の「図」には、評価書フォルダの中の PNG・JPEG・SVG ファイルを、フォルダからの相対パスで書く。
    ファイルがない、形式が違う（中身で判定する）、5MB 又は 4,000万画素を超える、フォルダの外（絶対パス、「..」、
    フォルダの外へのリンク）を指す図は、HTML・PDF・Excel に掲載できない。SVG は要素 20,000 個・入れ子 100 段・
    `<use>` などの参照を展開して 50,000 個まで、外部の資源を参照しないもの。一つの評価書の図は合わせて 30 個、
    15MB、1億画素、SVG の描く要素 50,000 個まで（上限を超えた図から後は掲載しない）。図を見られない人のため、
    「図の説明」に代替テキストを書く。"""
    from pathlib import Path

    from pia.document.figures import Budget, FigureError

    folder = Path(ctx.a.folder)
    if not (folder / "assessment.yaml").is_file():
        return  # a version read from git: its figures are checked where it is checked out
    budget = Budget(folder)  # counted in print order, as the renders count them
    for i, entry in enumerate(each(FIGURE_LIST.get(ctx.a.meta))):
        rel = FIGURE.of(entry, FIGURE_LIST)
        if rel in (None, ""):
            continue
        try:
            budget.read(rel, i)
        except FigureError as err:
            yield ctx.finding("assessment", FIGURE.at(i), str(err), "図のファイルと、書いたパスを確認してください。")
