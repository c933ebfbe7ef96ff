"""The contract and the explanation of important matters (契約書 兼 重要事項説明書), as structured sections
in Japanese with the contract's own figures: what the e-signed PDF carries (billing/esign/document.py).

Seed 000 ②: the explanation of important matters the 警備業法 requires is given electronically and signed
with the contract, with one signature; its content is seed 002's: 重要事項 1 (the services A–I), 2 (rental:
term and renewal, deposit, premises changes, removal, cancellation fee, non-payment, price changes,
suspension, company termination, damages, personal data) or 3 (purchase: no deposit, no cancellation fee,
10 years of free repairs), 4 (theft insurance and consolation money), お知らせ (2)④ (arming cards) and
ご利用規定 (9./10.: the terms of use). The consumption-tax sentence follows seed 004 第8条: the rate of the
period the fee covers, and a later change billed as a separate difference. The figures come from the rule
modules, so the document and the billing cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from billing import cards, claims, premises_changes, repairs
from billing.cancellation import COMPANY_NOTICE_MONTHS, MINIMUM_REMAINING
from billing.dunning import DEMAND_DAYS


@dataclass(frozen=True)
class ContractText:
    number: int
    subscriber: str
    address: str
    plan: str  # rental | purchase
    service_start: dt.date
    expiry: dt.date
    monthly_fee: int  # yen, tax excluded
    deposit: int
    services: tuple[str, ...] = ()  # the service letters at the premises (A–I)


@dataclass(frozen=True)
class Section:
    title: str
    paragraphs: tuple[str, ...]


# 重要事項 1.【サービス一覧】: A–H basic, I an option.
SERVICES = (
    (
        "A",
        "防犯サービス",
        "「異常」情報の受信時、緊急対処員を急行させ、ご利用先に電話します。異常事態と判断したとき、"
        "または電話がつながらず緊急対処員が確認したうえ必要なときは、警察へ通報します。",
    ),
    (
        "B",
        "火災監視サービス",
        "「異常」情報の受信時、緊急対処員を急行させ、ご利用先に電話します。火災と判断したとき、"
        "または緊急対処員の確認により必要なときは、消防へ通報します。",
    ),
    (
        "C",
        "非常通報サービス",
        "非常ボタンの「異常」情報の受信時、緊急対処員を急行させ、ご利用先に電話し、"
        "異常事態と判断したときは直ちに警察へ通報します。",
    ),
    (
        "D",
        "救急通報サービス（マイドクター）",
        "救急の「異常」情報の受信時、緊急対処員を急行させ、消防へ通報して救急車の"
        "出動を要請し、指定の医師（医療機関）に電話します。",
    ),
    (
        "E",
        "ガス漏れ監視サービス",
        "ガス漏れの「異常」情報の受信時、緊急対処員を急行させ、ガス供給会社へ通報して緊急出動を"
        "要請し、点検作業を援助します。必要に応じて消防・警察へ通報します。",
    ),
    (
        "F",
        "断線監視サービス",
        "断線の「異常」情報の受信時、緊急対処員を急行させ、異常事態と判断したときは警察へ通報します。",
    ),
    (
        "G",
        "設備監視サービス",
        "設備の「異常」情報の受信時、対応タイプ（通報／対処・通報／対処・応急処置）に従い、"
        "緊急連絡先へ通報し、または緊急対処員が確認・応急処置をします。応急処置の保守部品の交換費用はお客様"
        "のご負担です。",
    ),
    (
        "H",
        "ライフ監視サービス",
        "あらかじめ設定した時間（12時間を基本）機器の状態変化がないとき「異常」として、"
        "緊急対処員を急行させ、必要に応じて消防へ通報し、指定の医師に電話します。",
    ),
    (
        "I",
        "屋外画像監視サービス（オプション）",
        "監視カメラの画像を受信し、違法行為を認めたときは警察へ通報し、状況に応じて"
        "緊急対処員を急行させ、音声アナウンスを行います。",
    ),
)  # fmt: skip


def _yen(amount: int) -> str:
    return f"{amount:,}円"


def _day(day: dt.date) -> str:
    return f"{day:%Y年%m月%d日}"


def sections(c: ContractText) -> list[Section]:
    """The document's sections in order, with the contract's own figures filled in."""
    rental = c.plan == "rental"
    chosen = set(c.services)
    plan_name = "レンタルプラン（機器はセコムの所有）" if rental else "買取プラン（機器はお客様がお買い取り）"
    out = [
        Section(
            "1. 契約の内容",
            (
                f"契約者: {c.subscriber} 様。ご利用先（警備対象）: {c.address}。",
                f"プラン: {plan_name}。",
                f"ご利用開始日: {_day(c.service_start)}。月額料金: {_yen(c.monthly_fee)}（税抜）。",
                "セコムは、ご利用先に設置したセキュリティ機器から送信される「異常」情報を受信したとき、"
                "下記のサービスを"
                "毎日24時間提供します。管制員および緊急対処員は警備業法に定める教育を受けています（重要"
                "事項 1.(4)）。",
            ),
        ),
        Section(
            "2. 提供サービス（重要事項 1. サービス一覧 A〜I）",
            tuple(
                f"{letter}．{name}{'【ご契約】' if letter in chosen else ''}: {text}"
                for letter, name, text in SERVICES
            ),
        ),
        Section(
            "3. 契約期間と延長",
            (
                f"契約期間はご利用開始日より満5年間です（満了日 {_day(c.expiry)}）。",
                "満了日の3か月前までに文書による終了のお申し入れがないときは、1年間自動的に延長し、以後"
                "も同様とします。",
            ),
        ),
        Section(
            "4. 料金と消費税",
            (
                f"月額料金は {_yen(c.monthly_fee)}（税抜）です。消費税は、料金の対象となる期間に適用され"
                "る税率によります。",
                "請求後に税率が変更された場合、変更後の税率が適用される期間の料金については、変更前の税"
                "率との差額を別途"
                "ご請求します（ご利用規定 第8条）。",
                f"ライフカードは{cards.INCLUDED}本お渡しします。追加は1本あたり {_yen(cards.EXTRA_PRICE)}"
                "（税抜）で、"
                "次回のご請求に含めます（セコムからのお知らせ (2)④）。",
            ),
        ),
    ]
    if rental:
        out += [
            Section(
                "5. 保証金",
                (
                    f"保証金: {_yen(c.deposit)}（無利息）。当初の契約期間（満5年間）満了まで契約を続けて"
                    "いただくことの保証"
                    "として、機器の取り付け完了後にお預かりします（重要事項 2.(2)）。",
                    "お返しするとき: ご利用開始日から5年経過後に契約が終了するとき、セコムからの申し入れ"
                    "による中途終了のとき、"
                    "セコム側の原因による中途終了のとき。",
                    "お返ししないとき: お客様の理由により5年経過前に中途終了されるとき、料金をお支払いい"
                    "ただけなかったことに"
                    "よる中途終了のとき。",
                ),
            ),
            Section(
                "6. 中途解約の解約金",
                (
                    "解約金: 契約者の都合による中途解約の場合、解約日の月額料金（税抜）× 1/5 × 残存月数"
                    "を直ちにお支払い"
                    "いただきます（重要事項 2.(5)）。",
                    f"この契約では {_yen(c.monthly_fee)} × 1/5 × 残存月数です。残存月数は解約日の翌日から"
                    "満了日"
                    f"（{_day(c.expiry)}）までの月数で、1か月未満の日数は1か月を30.4日として日割りします"
                    "（小数点第2位以下"
                    "切り捨て）。基準月額はサービス停止中であれば停止前の月額です。",
                    f"残存月数が{int(MINIMUM_REMAINING)}か月未満の場合、解約金はいただきません。解約金と"
                    "お預かりした保証金の"
                    "合計が、お客様がセコムの損害額として解約時に負担される金額です。",
                    "もらい火など、お客様の解約の理由が真にやむを得ないときは、セコムは解約金を減額する"
                    "か、請求を行いません。"
                    "料金の値上げに合意いただけない解約のお申し出もこの取り扱いとします（重要事項 2.(7)）。",
                ),
            ),
            Section(
                "7. 機器の取り外し",
                (
                    "契約終了に際し、セコムはセキュリティ機器を取り外します。取り外しの費用は、期間満了"
                    "による終了のとき、"
                    "またはお客様の理由による終了のときはお客様のご負担です（重要事項 2.(4)①）。セコムの"
                    "申し入れによる終了の"
                    "ときはセコムが負担します。",
                    "取り外し跡はパテ埋め等の簡易な補修を行いますが、取り付け前の状態には戻しません。お"
                    "客様側が機器を壊した"
                    "場合は、その修復費用をご負担いただきます。",
                ),
            ),
        ]
    else:
        out.append(Section("5. 保証金・解約金（買取プラン）", (
            "買取プランには保証金はありません。契約期間満了前の終了にも解約金はいただきません（重要事項 "
            "3.）。",
        )))  # fmt: skip
    notice = premises_changes.NOTICE_DAYS
    out += [
        Section(
            f"{len(out) + 1}. 機器の修理・交換",
            (
                f"機器の設置日より{repairs.FREE_YEARS}年間は、調整・修理・交換の費用をお客様に請求しませ"
                "ん（契約の有効期間"
                "中に限ります）。ただし、お客様側に原因があるとき、第三者に原因があるとき、天災などの不"
                "可抗力によるときは"
                "ご負担いただきます。ガスセンサーは初回の定期交換分のみセコムが負担します（ご利用規定 2."
                "、重要事項 3.(3)）。",
            ),
        ),
        Section(
            f"{len(out) + 2}. ご利用先の変更のお知らせ",
            (
                "移転・増改築・模様替え・電話回線の変更・事業の開始や変更・用途変更があるときは、"
                f"{notice}日前"
                f"（移転の場合は{premises_changes.MOVE_NOTICE_MONTHS}か月前）までにセコムにお知らせくださ"
                "い。増設・移設の"
                "費用はお客様のご負担です（重要事項 2.(3)、ご利用規定 5.）。",
                "事業の開始・変更をお知らせいただかなかったことにより発生・拡大した損害には保険は適用さ"
                "れません。",
            ),
        ),
        Section(
            f"{len(out) + 3}. 料金をお支払いいただけなかったとき",
            (
                f"セコム本社より文書にてお支払いを催告します。催告を受けた日から{DEMAND_DAYS}日以内にお支"
                "払いいただけない"
                "ときは、セコムはお客様の事情を考慮のうえ直ちにこの契約を終了できます。"
                + (
                    "この場合、解約金、未払いの料金および機器の取り外し費用をお支払いいただきます（重要"
                    "事項 2.(6)）。"
                    if rental
                    else "（重要事項 3.(4)）"
                ),
                "料金が未払いの間に発生した盗難等の損害には、盗難保険も見舞金も支払われません。",
            ),
        ),
        Section(
            f"{len(out) + 4}. 料金の変更",
            (
                "コストの増加により安定したサービスの提供が困難になるときは、セコムは合理的な範囲内で契"
                "約料金を変更でき、"
                "変更はお客様に通知してから適用します。特にやむを得ないお申し出には、打ち合わせのうえ公"
                "平な方向で解決します。",
            ),
        ),
        Section(
            f"{len(out) + 5}. サービスの提供停止",
            (
                "天災やもらい火などセコム側の原因によらずサービスが提供できないときは、状況がやむまでサ"
                "ービスを停止します。",
                "サービスの全部が提供できない期間の料金は請求しません。一部のみのときは全額お支払いいた"
                "だきます。",
                "停止の原因がお客様側にあるときは料金をお支払いいただきます。大幅な増改築など真にやむを"
                "得ない理由による"
                "全部の停止は、停止期間の料金を減額するか請求しません。",
            ),
        ),
        Section(
            f"{len(out) + 6}. セコムからの契約の終了",
            (
                "セコムは、経営方針の変更等でやむを得ないときは、文書により予告してから"
                f"{COMPANY_NOTICE_MONTHS}か月後に"
                "契約を終了できます。"
                + (
                    "このとき保証金をお返しし、解約金は請求せず、機器の撤去費用もセコムが負担します（重"
                    "要事項 2.(9)）。"
                    if rental
                    else "（重要事項 3.(7)）"
                ),
            ),
        ),
        Section(
            f"{len(out) + 7}. 盗難保険（重要事項 4.(1)）",
            (
                "盗難によるご利用先の財物の損害は、セコム損害保険株式会社のセコム・ホームセキュリティ盗"
                "難保険でてん補します。"
                "保険責任はサービスの利用開始（再開）時に始まり、契約終了時に終わります。",
                f"保険金額: 現金・貴金属・美術品等 {_yen(claims.CASH_LIMIT)}（住宅と店舗あわせて）、家財 "
                f"{_yen(claims.GOODS_LIMIT)}、店舗の商品・什器・備品 {_yen(claims.SHOP_GOODS_LIMIT)}。免"
                "責金額は1事故につき "
                f"{_yen(claims.DEDUCTIBLE)}です。",
                "支払われない主な例: 料金未払いの間の損害、セコム側の原因によらず全サービスが停止してい"
                "る間の損害、"
                "ご利用先の外にある間の盗難、お客様の故意・重過失、家族・使用人による盗難、外部からの侵"
                "入が証明できない損害、"
                f"発生後{claims.NOTICE_DAYS}日以内に気付けなかった盗難、戦争・騒じょう・地震・火災などの"
                "変災の際の盗難、"
                "窃盗・強盗のために生じた火災・爆発による損害、原子力危険、紛失・万引き。",
                "対象外の物: 営業用現金・有価証券・印紙・切手・自動車・動植物・稿本・帳簿等、金庫に保管"
                "されていない店舗の現金。",
                "セコムに故意・重大な過失があったとき、または異常情報に適正な対応を怠ったときは、上限を"
                "設けずセコムが補償します。",
            ),
        ),
        Section(
            f"{len(out) + 8}. 建物損害修復費用見舞金（重要事項 4.(2)）",
            (
                "火災（自火・類焼）、破裂・爆発、盗難の際の破損などでご利用先の建物に生じた損害に見舞金"
                "をお支払いします。",
                f"損害額 {_yen(claims.CONSOLATION_CAP)}以上: {_yen(claims.CONSOLATION_CAP)}。"
                f"{_yen(claims.CONSOLATION_UNIT)}"
                f"以上 {_yen(claims.CONSOLATION_CAP)}未満: 損害額の範囲内で"
                f"{_yen(claims.CONSOLATION_UNIT)}単位。"
                f"{_yen(claims.CONSOLATION_UNIT)}未満: お支払いしません。",
                "支払われない主な例: 料金未払いの間の損害、全サービス停止中の損害、故意・重過失、戦争・"
                "変乱、原子力危険、"
                "地震・噴火・津波、凍結・気温の変化、台風等による水災。",
            ),
        ),
        Section(
            f"{len(out) + 9}. お客様情報の取り扱い",
            (
                "セコムは個人情報保護法を守り、お客様の同意なくお客様の情報を第三者に提供・開示しません"
                "。ただし、法律の定め"
                "による場合、セコムの権利・財産の保護に必要な場合、お客様または公共の安全を守る緊急事態"
                "の場合（消防・救急隊"
                "への連絡など）、サービスの開始・維持に合理的に必要な場合（回線事業者への連絡など）は開"
                "示します。",
            ),
        ),
        Section(
            f"{len(out) + 10}. ご利用規定（{'機器レンタル' if rental else '機器お買い取り'}の場合）",
            (
                "第1条（目的）セコムはセキュリティ機器をコントロールセンターにオンラインしてサービスを提"
                "供します。お客様側は"
                "取扱説明書に従って機器を利用し、異常を知ったときは直ちにセコムに通知します。",
                "第2条（修理および交換費用）上記「機器の修理・交換」のとおりです。",
                "第3条（契約料金）契約内容の変更が必要なとき、または経済情勢に鑑みて著しく不相当なときは"
                "、協議のうえ、"
                "または合理的範囲内で契約料金を変更できます。",
                "第4条（サービス提供の一時停止）お客様側の原因（料金の不払いを含みます）またはいずれの原"
                "因にもよらずサービスを"
                "提供できないときは、その状態がやむまでサービスを停止します。",
                "第5条（変更）上記「ご利用先の変更のお知らせ」のとおりです。",
                "第6条（譲渡禁止）お客様およびセコムは、相手方の同意なしにこの契約の権利・義務を第三者に"
                "譲渡できません。",
                "第7条（有効期間）上記「契約期間と延長」のとおりです。",
                f"第8条（終了）セコムはやむを得ない理由が発生したときは、{COMPANY_NOTICE_MONTHS}か月前ま"
                "でに文書で予告して"
                "この契約を終了できます。",
                f"第9条 料金を支払期日に支払わないときは文書で催告し、催告された日から{DEMAND_DAYS}日以内"
                "に支払いがないときは"
                "直ちにこの契約を終了できます。",
                "第10条（責任）保険金額を超える損害および保険適用外の損害について、セコムの故意・重大な"
                "過失または異常情報への"
                "不適正な対応による場合を除き、お客様はセコムの責任を問わないものとします。対処時の器物"
                "の損壊などセコムに"
                "不法行為責任があるときはセコムが責任を負います。",
                "第11条（お客様の情報）上記「お客様情報の取り扱い」のとおりです。",
                "第12条（協議事項）疑問が生じたとき、または定めのないことは、双方誠意をもって協議し解決"
                "します。",
            ),
        ),
        Section(
            "電子交付と署名",
            (
                "お客様は、警備業法等の法令で定める説明事項を書面に代えて電磁的方法により提供されること"
                "に同意し、"
                "本契約書および重要事項説明書の内容を確認のうえ、一つの電子署名により両方に同意します。",
            ),
        ),
    ]
    return out


def explanation(c: ContractText) -> list[str]:
    """The sections as plain lines (title first), for the signing page's summary."""
    return [line for s in sections(c) for line in (s.title, *s.paragraphs)]
