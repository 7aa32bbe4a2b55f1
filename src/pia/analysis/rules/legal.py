"""Legal bases: what each provision, transfer and information linkage must cite, and citations the law has changed.

Citations are read from free text after NFKC normalisation, with 漢数字 article numbers (第十九条第八号) read as
digits. Reading a citation from prose is a judgement, so these rules warn (except where the form's own logic is
broken, such as providing through the network while declaring no information linkage).
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any, Iterator

from pia.base import dates
from pia.document import family
from pia.form import kinds
from pia.form.concepts import concept
from pia.base.findings import WARNING, Finding
from pia.form.items import Item, each
from pia.base.registry import Certainty
from pia.analysis.rules import Context, rule
from pia.history.classify import revision, revision_date as revision_date_of
from pia.document.values import blank, scalars, ticked


# 令和5年の番号法改正の施行日: 別表第二 deleted, linkage bases moved to a 主務省令 under 第19条第8号 (forms.md §4).
TABLE2_GONE = dt.date(2024, 5, 27)
# 個人情報保護法 unification: national bodies, then local governments (forms.md §4).
OUTDATED_LAWS = (
    (re.compile(r"行政機関の保有する個人情報の保護に関する法律|行政機関個人情報保護法"), dt.date(2022, 4, 1),
     "個人情報の保護に関する法律（個人情報保護法）"),
    (re.compile(r"個人情報保護条例|個人情報の保護に関する条例"), dt.date(2023, 4, 1),
     "個人情報の保護に関する法律（個人情報保護法）（条例は同法が委ねる事項に限る）"),
)

_KANJI = dict(zip("〇一二三四五六七八九", range(10)))
_KANJI_NUMBER = re.compile(r"第([〇一二三四五六七八九十百]+)(条|項|号)")
_ART19 = re.compile(r"19条(?:第\d+項)?第?(\d+)号")
_ARTICLE = re.compile(r"第\d+条")
_TABLE2 = re.compile(r"別表第(?:二|2)")
_TRANSFER_BASIS = re.compile(r"第9条|別表|条例")


def _kanji_int(s: str) -> int:
    total, digit = 0, 0
    for ch in s:
        if ch == "百":
            total, digit = total + (digit or 1) * 100, 0
        elif ch == "十":
            total, digit = total + (digit or 1) * 10, 0
        else:
            digit = _KANJI[ch]
    return total + digit


def citation_text(value: Any) -> str:
    """The text with width folded and 漢数字 article numbers as digits (第十九条第八号 -> 第19条第8号)."""
    t = unicodedata.normalize("NFKC", str(value or ""))
    return _KANJI_NUMBER.sub(lambda m: f"第{_kanji_int(m.group(1))}{m.group(2)}", t)


def article19(value: Any) -> set[int]:
    """The 号 of 番号法第19条 a basis cites."""
    return {int(n) for n in _ART19.findall(citation_text(value))}


def as_of(ctx: Context, key: str) -> dt.date | None:
    """The date a document speaks for: the later of its 公表日 and its latest 改訂's 変更日 (any form)."""
    kind = family.kind_of_key(ctx.a, key)
    if kind is None:
        return None
    rev = revision(ctx.a, kind)
    published = next((dates.parse(it.get(family.data(ctx.a, kind))) for it in ctx.items("published-on") if it.doc == kind.key), None)
    known = [d for d in (revision_date_of(rev, kind) if rev else None, published) if d is not None]
    return max(known) if known else None


def _uses_network(entry: Any, lst: Item, method: Item | None) -> bool:
    return method is not None and method.option("network") in ticked(method.of(entry, lst))


@rule("PIA700", "情報提供ネットワークシステムによる提供の根拠に番号法第19条第8号（又は第9号）がない", WARNING,
      source="番号法第19条第8号・第9号（情報提供ネットワークシステムを使用した提供）、ppc-rules L-5・X-NW-4",
      certainty=Certainty.PRIMARY, concepts=("recipients", "recipient-basis", "recipient-method"))
def network_basis(ctx: Context) -> Iterator[Finding]:
    """提供方法に情報提供ネットワークシステムを選んだ提供先の①法令上の根拠は、番号法第19条第8号（主務省令・
    旧別表第二による情報照会者・提供者）又は第9号（条例事務）を挙げる。同条第11号（同じ地方公共団体の機関の間の
    提供）などの他の号だけでは、情報提供ネットワークシステムを使う根拠にならない。根拠は文章から読み取るため警告。"""
    for key, lst, i, entry in ctx.entries("recipients"):
        basis_item = ctx.sibling("recipient-basis", lst)
        if basis_item is None:
            continue
        basis = basis_item.of(entry, lst)
        if not _uses_network(entry, lst, ctx.sibling("recipient-method", lst)) or blank(basis):
            continue
        cited = article19(basis)
        if not cited & {8, 9}:
            got = "、".join(f"第{n}号" for n in sorted(cited)) or "番号法第19条の号"
            yield ctx.finding(key, basis_item.at(i), f"情報提供ネットワークシステムで提供していますが、根拠に{got}しか挙げられていません。"
                              if cited else "情報提供ネットワークシステムで提供していますが、根拠に番号法第19条第8号（又は第9号）がありません。",
                              "情報提供ネットワークシステムによる提供の根拠は「番号法第19条第8号」と主務省令の該当条項（条例事務なら第9号と条例）"
                              "です。提供方法か根拠を確認してください。")


@rule("PIA701", "令和6年5月27日以後の公表・改訂で、削除された番号法別表第二を根拠に挙げている", WARNING,
      source="令和5年の番号法改正（令和6年5月27日施行）、forms.md §4、ppc-rules L-5", certainty=Certainty.SUMMARY,
      concepts=("use-basis", "published-on"), also=("linkage-basis", "recipient-basis", "transferee-basis", "revision-date"))
def table2_citation(ctx: Context) -> Iterator[Finding]:
    """令和6年5月27日に改正番号法が施行され、別表第二は削除された。情報連携の根拠は番号法第19条第8号に基づく
    主務省令に移ったため、この日以後に公表し又は改訂した評価書（公表日と最新の改訂の変更日の遅い方で判断。基礎・重点・
    全項目のどの評価書も）で「別表第二」「別表第2の○」を根拠（個人番号の利用・情報連携の法令上の根拠、提供先・移転先の
    ①）に挙げるのは古い書き方である。条項の対応は e-Gov で確認すること。"""
    for key, path, value in _bases(ctx):
        when = as_of(ctx, key)
        if when is None or when < TABLE2_GONE:
            continue
        if _TABLE2.search(citation_text(value)):
            yield ctx.finding(key, path, f"別表第二は{dates.to_era(TABLE2_GONE)}の改正番号法の施行で削除されています"
                              f"（この評価書の公表日・改訂の変更日は{dates.to_era(when)}）。",
                              "「番号法第19条第8号に基づく主務省令第○条」のように、主務省令の該当条項で書いてください。")


def _bases(ctx: Context) -> Iterator[tuple[str, tuple[Any, ...], Any]]:
    """(document, path, value) of every legal-basis item, in every form."""
    for cid in ("use-basis", "linkage-basis", "recipient-basis", "transferee-basis"):
        for key, _, path, value in ctx.values(cid):
            yield key, path, value


@rule("PIA702", "廃止・統合された法令（行政機関個人情報保護法・個人情報保護条例）を挙げている", WARNING,
      source="個人情報保護法の一元化（国の機関等 令和4年4月1日、地方公共団体 令和5年4月1日）、forms.md §4",
      certainty=Certainty.SUMMARY, concepts=("document", "published-on"), also=("change-rows", "revision-date"))
def outdated_laws(ctx: Context) -> Iterator[Finding]:
    """行政機関の保有する個人情報の保護に関する法律は令和4年4月1日に、地方公共団体の個人情報保護条例は令和5年4月1日に、
    個人情報の保護に関する法律へ一元化された。それ以後に公表し又は改訂した評価書（公表日と最新の改訂の変更日の遅い方）の
    記載でこれらを挙げるのは古い書き方である。原本のまま残す変更箇所の記録は対象外。"""
    kept = {(it.doc, it.path) for it in ctx.items("change-rows")}
    for key, name, doc in ctx.a.documents():
        when = as_of(ctx, key)
        if when is None:
            continue
        for path, v in scalars(doc.data):
            if not isinstance(v, str) or any(name == d and path[:len(p)] == p for d, p in kept):
                continue
            for pattern, since, current in OUTDATED_LAWS:
                m = pattern.search(v)
                if m and when >= since:
                    yield ctx.finding(key, path, f"「{m.group()}」は{dates.to_era(since)}に個人情報保護法へ一元化されています"
                                      f"（この評価書の公表日・改訂の変更日は{dates.to_era(when)}）。",
                                      f"現在の根拠である{current}の該当条項で書いてください。")


@rule("PIA703", "提供の法令上の根拠に条項が書かれていない", WARNING,
      source="番号法第19条（提供の制限。各号に当たる場合に限り提供できる）、様式 II-5 ①", certainty=Certainty.PRIMARY,
      concepts=("recipients", "recipient-basis"), also=("recipient-method",))
def provision_basis(ctx: Context) -> Iterator[Finding]:
    """特定個人情報の提供は番号法第19条の各号に当たる場合に限られる。提供先の①法令上の根拠には、番号法第19条の号か、
    その号が認める法律の条項（例: 住基法第30条の6）を「第○条」の形で挙げる。「法令による」「省令による」のように
    条項のない記載はこの警告になる（情報提供ネットワークシステムによる提供は PIA700 が見る）。"""
    for key, lst, i, entry in ctx.entries("recipients"):
        basis_item = ctx.sibling("recipient-basis", lst)
        basis = basis_item.of(entry, lst) if basis_item else None
        if basis_item is None or blank(basis) or _uses_network(entry, lst, ctx.sibling("recipient-method", lst)):
            continue
        if not _ARTICLE.search(citation_text(basis)):
            yield ctx.finding(key, basis_item.at(i), f"「{basis}」には提供を認める条項が書かれていません。",
                              "番号法第19条の該当号、又はその号が認める法律の条項（例: 住基法第30条の6）を書いてください。")


@rule("PIA704", "移転の法令上の根拠に番号法第9条・別表・条例のいずれもない", WARNING,
      source="番号法第9条（利用範囲。第1項 別表、第2項 条例）、様式 II-5 移転先①", certainty=Certainty.PRIMARY,
      concepts=("transferees", "transferee-basis"))
def transfer_basis(ctx: Context) -> Iterator[Finding]:
    """移転（同じ機関の中で他の事務に使う）は個人番号の利用に当たり、番号法第9条（第1項の別表に掲げる事務、又は
    第2項の条例で定める事務）に根拠がなければならない。移転先の①法令上の根拠に第9条、別表、条例のいずれも
    書かれていないときに警告する。"""
    for key, lst, i, entry in ctx.entries("transferees"):
        basis_item = ctx.sibling("transferee-basis", lst)
        basis = basis_item.of(entry, lst) if basis_item else None
        if basis_item is not None and not blank(basis) and not _TRANSFER_BASIS.search(citation_text(basis)):
            yield ctx.finding(key, basis_item.at(i), f"「{basis}」には移転（利用）の根拠となる番号法第9条・別表・条例が書かれていません。",
                              "「番号法第9条第1項 別表の○の項」又は「番号法第9条第2項（○○条例）」のように書いてください。")


@rule("PIA705", "情報連携の記載が、情報提供ネットワークシステムを使う提供先・入手と合わない", WARNING,
      source="様式 I（情報提供ネットワークシステムによる情報連携）と II-5 提供方法・II-3 ②、番号法第19条第8号",
      certainty=Certainty.INFERRED, concepts=("linkage", "linkage-basis", "recipients", "recipient-method", "obtain-method"))
def linkage_agrees(ctx: Context) -> Iterator[Finding]:
    """提供先の提供方法又は II-3 ②入手方法に情報提供ネットワークシステムがあるのに、情報連携の①実施の有無が
    「実施する」でない、又は「実施する」の②法令上の根拠に番号法第19条第8号（又は第9号）がないときに警告する
    （様式の構成からの推論のため警告。PIA105 が III-6 との矛盾を見る）。"""
    for key, linkage, main in ctx.each("linkage"):
        kind = kinds.by_key(key)
        basis = ctx.sibling("linkage-basis", linkage)
        if kind is None or kind.file_schema is None or basis is None:
            continue
        lst, method, obtain = (concept(c).item_in(kind.file_schema) for c in ("recipients", "recipient-method", "obtain-method"))
        if lst is None or obtain is None:
            continue
        users = [k for k, f in ctx.docs(kind.file_schema)
                 if any(_uses_network(t, lst, method) for t in each(lst.get(f)) if isinstance(t, dict))
                 or obtain.option("network") in ticked(obtain.get(f))]
        if not users:
            continue
        done = linkage.get(main)
        if linkage.meaning(done) != "yes":
            yield ctx.finding(key, linkage.at(),
                              f"{ctx.file_label(users[0])}は情報提供ネットワークシステムを使いますが、{linkage.title}が「{done or ''}」です。",
                              f"「{linkage.option('yes')}」とし、{basis.title}を書いてください。")
        elif not blank(basis.get(main)) and not article19(basis.get(main)) & {8, 9}:
            yield ctx.finding(key, basis.at(), "情報連携の根拠に番号法第19条第8号（又は第9号）がありません。",
                              "情報提供ネットワークシステムによる情報連携の根拠として、番号法第19条第8号と主務省令の該当条項を書いてください。")
