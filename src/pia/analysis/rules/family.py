"""The form family: which documents an 事務 needs, facts written once, form versions and drafts (PIA800–PIA849)."""
from __future__ import annotations

from typing import Any, Iterator

from pia.form import kinds
from pia.document import family
from pia.form import schema as sch
from pia.base.findings import WARNING, Finding
from pia.form.concepts import concept
from pia.base.registry import Certainty
from pia.analysis.rules import Context, rule
from pia.form.items import dig, item
from pia.document.values import blank, empty

Required = kinds.Required


def _where(ctx: Context) -> tuple[str, tuple[str, ...]]:
    """Where a finding about the folder as a whole points: the main document's しきい値判断結果."""
    main = family.main_kind(ctx.a)
    assert main is not None
    return main.key, main.result


def _required(ctx: Context) -> Required | None:
    return family.required(ctx.a)


@rule("PIA801", "しきい値判断で必要な重点項目評価書又は全項目評価書がフォルダにない",
      source="指針 第5の2（しきい値判断）、規則第5条・第6条", certainty=Certainty.SUMMARY, concepts=("threshold-result",))
def required_documents(ctx: Context) -> Iterator[Finding]:
    """しきい値判断が義務付ける重点項目評価書又は全項目評価書は、事務のフォルダにある（juten.yaml と juten/、又は
    assessment.yaml と files/）。重点項目評価書が義務のところに全項目評価書を置くのは、任意により詳しい評価を実施した
    ものとして認める（その旨は全項目評価書のしきい値判断結果の「(任意に全項目評価を実施)」で示し、PIA101 が照合する）。
    入力から結果が一つに決まらないときは、評価書が述べるしきい値判断結果に従う（forms.md §1、§2）。"""
    req = _required(ctx)
    if req is None:
        return
    held = family.present(ctx.a)
    key, path = _where(ctx)
    for kind in kinds.ordered():  # the 基礎 is PIA802's
        if kind.id not in req or kind.borrows_facts or any(kinds.covers(h, kind) for h in held):
            continue
        lesser = next((h for h in held if not h.borrows_facts), None)  # a 重点 that the 全項目 replaces
        hint = (f"pia の手引き（docs/guide.md）の「しきい値判断の結果が重くなったとき」の手順で、{lesser.file} の記載を {kind.file} に移してください。"
                if lesser else f"pia new --kind {kind.name} で雛形を作り、{kind.file} を作成してください。")
        yield ctx.finding(key, path, f"しきい値判断では{kinds.short_title(kind)}が必要ですが、このフォルダに {kind.file} がありません。", hint)


@rule("PIA802", "基礎項目評価書（kiso.yaml）がない", WARNING,
      source="規則第5条（基礎項目評価書の提出）", certainty=Certainty.SUMMARY, concepts=("kiso-done-on",))
def kiso_present(ctx: Context) -> Iterator[Finding]:
    """特定個人情報保護評価の実施が義務付けられる事務には、重点項目評価書・全項目評価書に加えて基礎項目評価書がある
    （forms.md §1）。pia 導入前のフォルダでは基礎項目評価書を別に管理していることがあるため警告とする。"""
    req, kiso = _required(ctx), kinds.borrower()
    if req and kiso and kiso.id in req and kiso.key not in ctx.a.docs:
        key, path = _where(ctx)
        yield ctx.finding(key, path, "しきい値判断では基礎項目評価書が必要ですが、このフォルダに kiso.yaml がありません。",
                          "pia new --kind 基礎 の雛形を参考に kiso.yaml を作成してください（事務の名称などは書かず、基礎項目評価書だけの項目を書きます）。")


@rule("PIA803", "基礎項目評価書に、他の評価書に書いた事実を重ねて書いている",
      source="pia の評価書フォルダの構成（事実は一度だけ書く）", certainty=Certainty.PIA, concepts=("kiso-facts",))
def facts_once(ctx: Context) -> Iterator[Finding]:
    """事務の名称、事務の概要、システム、特定個人情報ファイル名、担当部署、対象人数、取扱者数、重大事故、しきい値判断結果
    などは、事務に一度だけ書く。全項目評価書又は重点項目評価書のある事務では、それらの評価書（assessment.yaml、
    juten.yaml、systems.yaml、files/、juten/）に書き、基礎項目評価書（kiso.yaml）にはその内容が印字される。
    kiso.yaml に同じ事実を書くと、二か所の記載が食い違うおそれがあるため誤りとする（対応表は schemas/forms.json の kiso_facts）。"""
    main = family.main_kind(ctx.a)
    kiso = ctx.a.docs.get("kiso")
    if main is None or main.borrows_facts or kiso is None or not isinstance(kiso.data, dict):
        return
    for path in kinds.shared_fact_paths():
        if not empty(dig(kiso.data, tuple(path))):
            node = sch.load().node_at("kiso", path) or {}
            yield ctx.finding("kiso", path, f"「{sch.title(node)}」は{kinds.short_title(main)}（{main.file} など）に書いた内容が印字される項目です。",
                              "kiso.yaml からこの行を削除してください（事実は一度だけ書きます）。")


def _own_sections(main: kinds.Kind) -> list[str]:
    """Top-level parts of kiso.yaml the 基礎 must have: all of them when it stands alone, else its own parts."""
    root = sch.load().document("kiso")
    shared_tops = {p[0] for p in kinds.shared_fact_paths()}
    return [k for k, n in sch.properties(root) if sch.kind(n) == "group" and (main.borrows_facts or k not in shared_tops)]


@rule("PIA804", "基礎項目評価書の記載が足りない",
      source="様式2（基礎項目評価書）", certainty=Certainty.RECALLED, concepts=("kiso-facts",))
def kiso_complete(ctx: Context) -> Iterator[Finding]:
    """基礎項目評価書には、I 関連情報、II しきい値判断項目、III しきい値判断結果、IV リスク対策がそろっている。
    基礎項目評価のみの事務では、他の評価書から印字される事実がないため、kiso.yaml にそれらの部分をすべて書く。
    全項目評価書・重点項目評価書のある事務でも、IV リスク対策は基礎項目評価書だけの項目として kiso.yaml に書く。
    部分の中の空欄は、他の評価書と同じく PIA501 が示す。"""
    main = family.main_kind(ctx.a)
    kiso = ctx.a.docs.get("kiso")
    if main is None or kiso is None or not isinstance(kiso.data, dict):
        return
    for top in _own_sections(main):
        if top not in kiso.data:
            node = sch.load().node_at("kiso", (top,)) or {}
            yield ctx.finding("kiso", (), f"「{sch.title(node)}」がありません。", f"「{top}:」以下の項目を記載してください（pia new --kind 基礎 の雛形を参考にできます）。")


@rule("PIA805", "提出する評価書の種類（基礎項目評価書 IV-1）がフォルダの評価書と一致しない",
      source="様式2 IV 1（提出する特定個人情報保護評価書の種類）", certainty=Certainty.RECALLED, concepts=("submitted",))
def submitted_kinds(ctx: Context) -> Iterator[Finding]:
    """基礎項目評価書 IV 1. 提出する特定個人情報保護評価書の種類は、この事務について作る評価書の組（フォルダにある
    kiso.yaml、juten.yaml、assessment.yaml）と一致する（forms.md §1）。"""
    kiso = ctx.a.docs.get("kiso")
    if kiso is None or not isinstance(kiso.data, dict):
        return
    submitted = item(kinds.borrower().codes["submitted"])
    v = submitted.get(kiso.data)
    meaning = submitted.meaning(v)
    if meaning is None:
        return
    said = kinds.meaning_documents(meaning)
    have = frozenset(k.id for k in family.present(ctx.a))
    if said != have:
        yield ctx.finding("kiso", submitted.at(), f"「{v}」としていますが、このフォルダの評価書は「{kinds.describe(have)}」です。",
                          "選択を直すか、必要な評価書（kiso.yaml、juten.yaml、assessment.yaml）をそろえてください。")


@rule("PIA807", "基礎項目評価書 IV の「委託しない」「提供・移転しない」「接続しない」が他の評価書のファイルの記載と矛盾する", WARNING,
      source="様式2 IV 4〜6 と様式3・4 III 4〜6", certainty=Certainty.INFERRED,
      concepts=("kiso-facts", "no-outsourcing", "no-provision", "no-network-in", "no-network-out"))
def kiso_flags(ctx: Context) -> Iterator[Finding]:
    """全項目評価書・重点項目評価書のある事務では、基礎項目評価書 IV 4「委託しない」・5「提供・移転しない」・6「接続しない
    （入手）」「接続しない（提供）」の印は、その評価書の各ファイルの III 4〜6 の同じ印と合う（すべてのファイルに印がある
    ⇔ 基礎項目評価書に印がある。どちらも同じ意味の項目（概念）として比べる。様式の構成からの推論のため警告）。
    各ファイルの III の印と II の記載との矛盾は PIA202・PIA207・PIA208 が見る。"""
    main = family.main_kind(ctx.a)
    kiso = ctx.a.docs.get("kiso")
    if main is None or main.borrows_facts or main.file_schema is None or kiso is None or not isinstance(kiso.data, dict):
        return
    files = list(ctx.docs(main.file_schema))
    for cid in ("no-outsourcing", "no-provision", "no-network-in", "no-network-out"):
        mine, theirs = concept(cid).item_in("kiso"), concept(cid).item_in(main.file_schema)
        if mine is None or theirs is None or not files:
            continue
        flag = mine.get(kiso.data)
        said = [theirs.get(f) for _, f in files]
        if not isinstance(flag, bool) or any(not isinstance(s, bool) for s in said):
            continue  # not answered yet: PIA501 reports it
        if flag != all(said):
            other = next(k for (k, _), s in zip(files, said) if s is not flag)
            yield ctx.finding("kiso", mine.at(), f"「{mine.title}」の印が{'ありますが' if flag else 'ありませんが'}、"
                              f"{kinds.short_title(main)}の{ctx.file_label(other)}の「{theirs.title}」は{'印なし' if flag else '印あり'}です。",
                              f"「{mine.title}」の印か、各ファイルの III の「{theirs.title}」を確認してください。")


@rule("PIA806", "基礎項目評価書に印字する事実が他の評価書で空欄", WARNING,
      source="様式2 II（しきい値判断項目）", certainty=Certainty.QUOTED, concepts=("handlers-input",))
def shared_fact_blank(ctx: Context) -> Iterator[Finding]:
    """全項目評価書・重点項目評価書のある事務では、基礎項目評価書の事実（しきい値判断の入力の取扱者数、重大事故など）は
    それらの評価書から印字される。全項目評価書では空欄でよい「しきい値判断の入力」も、基礎項目評価書では記載が必要な
    ため、空欄なら警告する。"""
    main = family.main_kind(ctx.a)
    if main is None or main.borrows_facts or "kiso" not in ctx.a.docs:
        return
    src = family.data(ctx.a, main)
    for path in kinds.shared_fact_paths():
        where = family.fact_source(ctx.a, path)
        if where is None or where[1][0] != item("表紙-しきい値判断の入力").key:
            continue
        if blank(dig(src, tuple(where[1]))):
            node = sch.load().node_at("kiso", path) or {}
            yield ctx.finding(where[0], where[1], f"基礎項目評価書の「{sch.title(node)}」に印字する内容が空欄です。",
                              "しきい値判断の入力に記載してください。")


@rule("PIA810", "案（(案)・(素案)）なのに公表日が書かれている", WARNING,
      source="公表された案の評価書（評価書名の(案)・(素案)）", certainty=Certainty.INFERRED, concepts=("title", "published-on"))
def draft_published(ctx: Context) -> Iterator[Finding]:
    """意見聴取などのために公表する案は、評価書名に「(案)」又は「(素案)」を付け、評価書番号・公表日・承認日を空欄にできる。
    案に公表日があるのは、案の印を外し忘れたか、公表日を早く書きすぎたかのどちらかである（forms.md §3）。"""
    for key, doc in _cover_docs(ctx):
        title, published = concept("title").item_in(key), concept("published-on").item_in(key)
        if title and published and kinds.is_draft(doc) and not blank(published.get(doc)):
            yield ctx.finding(key, published.at(), f"評価書名が案（{title.get(doc)}）ですが、公表日が書かれています。",
                              "公表する版なら評価書名から「(案)」を外し、案なら公表日を空欄にしてください。")


def _cover_docs(ctx: Context) -> Iterator[tuple[str, dict[str, Any]]]:
    for kind in family.present(ctx.a):
        d = family.data(ctx.a, kind)
        if d:
            yield kind.key, d


@rule("PIA811", "公表する版（--final）で評価書番号・公表日などが空欄",
      source="記載要領（評価書番号・公表日）", certainty=Certainty.QUOTED, concepts=("number", "published-on"))
def final_blanks(ctx: Context) -> Iterator[Finding]:
    """pia check --final は、公表する版として検査する。案では空欄でよい評価書番号・公表日（行政機関等では個人情報保護
    委員会の承認日も）を求める（スキーマの x-pia-draft-blank の項目）。"""
    if not ctx.a.final:
        return
    for key, doc in _cover_docs(ctx):
        for k, node in sch.properties(sch.load().document(key)):
            if not node.get("x-pia-draft-blank") or not blank(doc.get(k)):
                continue
            approved, body = concept("approved-on").item_in(key), concept("body-type").item_in(key)
            if approved and k == approved.key and not (body and body.meaning(body.get(doc)) == "national"):
                continue  # only 行政機関等 are approved by the PPC
            yield ctx.finding(key, (k,), f"公表する版では「{sch.title(node)}」を記載します。", "記載してください。")


@rule("PIA812", "公表する版（--final）の評価書名に(案)が残っている",
      source="公表された案の評価書（評価書名の(案)・(素案)）", certainty=Certainty.INFERRED, concepts=("title",))
def final_not_draft(ctx: Context) -> Iterator[Finding]:
    """pia check --final は、評価書名の「(案)」「(素案)」を誤りとする（公表する版に案の印を残さない）。"""
    if not ctx.a.final:
        return
    for key, doc in _cover_docs(ctx):
        title = concept("title").item_in(key)
        if title and kinds.is_draft(doc):
            yield ctx.finding(key, title.at(), f"評価書名「{title.get(doc)}」に案の印が残っています。", "公表する版では「(案)」「(素案)」を外してください。")


@rule("PIA820", "様式の版の記載が読めない、又は評価書の種類と合わない",
      source="様式の版の表示（表紙の［平成30年5月 様式4］など）", certainty=Certainty.INFERRED, concepts=("form-version",))
def version_known(ctx: Context) -> Iterator[Finding]:
    """「様式:」には、表紙の版の表示のとおり「平成30年5月 様式4」の形で、pia が知っている版（schemas/forms.json の
    versions）と、その評価書の様式番号（基礎項目評価書は様式2、重点項目評価書は様式3、全項目評価書は様式4）を書く。"""
    known = [v["tag"] for v in kinds.versions()]
    for kind in family.present(ctx.a):
        version = concept("form-version").item_in(kind.key)
        raw = version.get(family.data(ctx.a, kind)) if version else None
        if version is None or empty(raw):
            continue
        parsed = kinds.parse_version(raw)
        if parsed is None:
            yield ctx.finding(kind.key, version.at(), f"「{raw}」を様式の版として読めません。", f"「{kinds.current_version()} {kind.number}」の形で書いてください。")
        elif parsed[0] not in known:
            yield ctx.finding(kind.key, version.at(), f"「{parsed[0]}」の版は pia の版の一覧にありません。", "pia が知っている版: " + "、".join(known))
        elif parsed[1] != kind.number:
            yield ctx.finding(kind.key, version.at(), f"{kinds.short_title(kind)}の様式は{kind.number}ですが、「{parsed[1]}」と書かれています。",
                              f"「{parsed[0]} {kind.number}」と書いてください。")


@rule("PIA821", "古い版の様式で書かれている", WARNING,
      source="様式の版の表示、schemas/forms.json の版の表", certainty=Certainty.INFERRED, concepts=("form-version",))
def version_current(ctx: Context) -> Iterator[Finding]:
    """古い版の様式の評価書は、その版の項目名で出力できるが、再評価や修正の際は現在の版に移す（pia migrate が、
    移した後に記入・見直しが必要な項目を示す）。"""
    current = kinds.current_version()
    for kind in family.present(ctx.a):
        version = concept("form-version").item_in(kind.key)
        parsed = kinds.parse_version(version.get(family.data(ctx.a, kind))) if version else None
        if version and parsed and parsed[0] != current and parsed[0] in {v["tag"] for v in kinds.versions()}:
            yield ctx.finding(kind.key, version.at(), f"{kinds.short_title(kind)}は{parsed[0]}の様式で書かれています（現在の版は{current}）。",
                              f"pia migrate で{current}の様式に移せます。")
