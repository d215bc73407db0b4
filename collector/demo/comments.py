"""What demo respondents write in the open comment, and when each would write it.

A comment is praise, a complaint or a suggestion about some items (``about``), and
fits only a response whose ratings agree with it: praise needs an overall rating
of 4 or 5 and every item it praises rated 4 or 5; a complaint needs an overall
rating of 3 or less and every item it complains of rated 1 or 2 (with no item
named, an overall 1 or 2); a suggestion needs an overall 3 or more and its items
answered 2 to 4. Some comments belong to one agency or unit, or to the time before
or after the story's improvement (``story``); English ones go with answers given
in English.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Collection
from collections.abc import Hashable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

CITIZEN = "citizen-satisfaction"
LAND_CASES = "land-office-service"
STAFF = "staff-satisfaction"
LAND = "demo-land"
HOUSEHOLD = "demo-household"
ENGLISH = "en"

SPEED = ("prof_efficiency", "measures_wait")
"""A comment that praises speed praises both: how fast the matter went and the wait."""


@dataclass(frozen=True)
class Comment:
    text: str
    tone: str  # "praise" | "complaint" | "suggestion"
    about: tuple[str, ...] = ()
    questionnaire: str = CITIZEN
    agency: str | None = None
    units: tuple[str, ...] = ()  # empty: any unit
    era: str | None = None  # "before" or "after" the story's improvement; None: any time
    language: str = "zh-Hant-TW"

    def fits(self, answers: Mapping[str, Any], overall: int, where: Where) -> bool:
        if (
            where.questionnaire != self.questionnaire
            or where.language != self.language
            or (self.agency is not None and where.agency != self.agency)
            or (self.units and where.unit not in self.units)
            or (self.era is not None and (self.era == "after") != where.after)
        ):
            return False
        given = [answers.get(key) for key in self.about]
        scores = [score for score in given if isinstance(score, int)]
        if len(scores) < len(given):
            return False  # an item it speaks of was not rated (not applicable, skipped)
        if self.tone == "praise":
            return overall >= 4 and all(score >= 4 for score in scores)
        if self.tone == "complaint":
            if not scores:
                return overall <= 2
            return overall <= 3 and all(score <= 2 for score in scores)
        return overall >= 3 and all(2 <= score <= 4 for score in scores)


@dataclass(frozen=True)
class Where:
    """The response a comment is chosen for."""

    questionnaire: str
    agency: str
    unit: str | None
    language: str
    after: bool  # answered after the story's improvement took effect there


def _c(text: str, tone: str, *about: str, **fields: Any) -> Comment:
    return Comment(text, tone, tuple(about), **fields)


COMMENTS: list[Comment] = [
    # -- the household registration office, citizens -------------------------------
    _c(
        "櫃台人員非常親切，手續一下子就辦好了，謝謝！",
        "praise",
        "courtesy_attitude",
        *SPEED,
        agency=HOUSEHOLD,
    ),
    _c(
        "第一次來辦結婚登記，承辦人員很有耐心地一步一步說明，讓我們留下很好的回憶。",
        "praise",
        "courtesy_proactive",
        agency=HOUSEHOLD,
        units=("main", "branch"),
    ),
    _c(
        "換發身分證很順利，現場還可以協助拍照，很方便。",
        "praise",
        "prof_efficiency",
        agency=HOUSEHOLD,
        units=("id",),
    ),
    _c("志工主動幫阿嬤填申請書，很貼心。", "praise", "courtesy_proactive", agency=HOUSEHOLD),
    _c(
        "環境乾淨明亮，有飲水機也有老花眼鏡，很貼心。",
        "praise",
        "env_comfort",
        "env_facilities",
        agency=HOUSEHOLD,
        units=("main", "id"),
    ),
    _c(
        "承辦人員對戶籍法規很熟悉，一次就把要準備的文件講清楚。",
        "praise",
        "prof_knowledge",
        "prof_consistency",
        agency=HOUSEHOLD,
    ),
    _c(
        "現在可以網路預約取號，到現場幾乎不用等，進步很多！",
        "praise",
        *SPEED,
        agency=HOUSEHOLD,
        units=("main",),
        era="after",
    ),
    _c(
        "可以用手機看叫號進度，先去附近辦事再回來剛好輪到，很方便。",
        "praise",
        "measures_wait",
        "measures_online",
        agency=HOUSEHOLD,
        units=("main",),
        era="after",
    ),
    _c(
        "中午來辦戶籍謄本，只開兩個櫃台，等了快一個小時。",
        "complaint",
        "measures_wait",
        agency=HOUSEHOLD,
        units=("main",),
        era="before",
    ),
    _c(
        "午休時間櫃台人力明顯不足，上班族只能請假來辦，希望改善。",
        "complaint",
        "measures_wait",
        agency=HOUSEHOLD,
        units=("main",),
        era="before",
    ),
    _c(
        "叫號很慢，現場也沒有顯示還要等多久。",
        "complaint",
        "measures_wait",
        agency=HOUSEHOLD,
        units=("main", "branch"),
        era="before",
    ),
    _c(
        "網站上寫的應備文件跟現場說的不一樣，白跑了一趟。",
        "complaint",
        "prof_consistency",
        agency=HOUSEHOLD,
    ),
    _c(
        "承辦人員口氣不太好，多問兩句就顯得不耐煩。",
        "complaint",
        "courtesy_attitude",
        agency=HOUSEHOLD,
    ),
    _c(
        "辦公處空間很小，人多的時候連坐的地方都沒有，冷氣也不夠涼。",
        "complaint",
        "env_comfort",
        agency=HOUSEHOLD,
        units=("branch",),
    ),
    _c(
        "辦公處離家近，人也不多，辦事很方便。",
        "praise",
        "measures_wait",
        agency=HOUSEHOLD,
        units=("branch",),
    ),
    _c(
        "辦公處的指標可以再明顯一點，第一次來差點走過頭。",
        "suggestion",
        "env_signage",
        agency=HOUSEHOLD,
        units=("branch",),
    ),
    _c(
        "身分證換發流程很順暢，拍照、收件、領證都在同一區，很方便。",
        "praise",
        "prof_efficiency",
        agency=HOUSEHOLD,
        units=("id",),
    ),
    _c("預約的時間一到就叫號了，很準時。", "praise", *SPEED, agency=HOUSEHOLD, units=("id",)),
    _c(
        "希望身分證換發可以開放更多預約時段。",
        "suggestion",
        "measures_online",
        agency=HOUSEHOLD,
        units=("id",),
    ),
    _c(
        "身分證換發的線上預約一直額滿，只好到現場排隊。",
        "complaint",
        "measures_online",
        agency=HOUSEHOLD,
        units=("id",),
    ),
    _c("希望能增加週六或夜間的服務時段。", "suggestion", agency=HOUSEHOLD),
    _c(
        "停車位太少，建議在網站上提供附近停車場的資訊。",
        "suggestion",
        "env_facilities",
        agency=HOUSEHOLD,
    ),
    _c(
        "叫號螢幕的字有點小，長輩看不太清楚，建議加上語音叫號。",
        "suggestion",
        "env_signage",
        agency=HOUSEHOLD,
    ),
    _c(
        "書寫台的申請書範例可以再多放幾份。", "suggestion", "measures_information", agency=HOUSEHOLD
    ),
    _c("櫃台小姐講解得很清楚，謝謝！", "praise", "prof_knowledge", agency=HOUSEHOLD),
    _c(
        "帶小孩來辦出生登記，同仁還主動讓我們先坐著等，很感動。",
        "praise",
        "courtesy_proactive",
        agency=HOUSEHOLD,
        units=("main", "branch"),
    ),
    _c("整體服務很好，下次會推薦朋友來這裡辦。", "praise", agency=HOUSEHOLD),
    _c(
        "希望網站可以直接查到現場還有多少人在等。",
        "suggestion",
        "measures_wait",
        agency=HOUSEHOLD,
        units=("main",),
        era="before",
    ),
    _c(
        "建議在門口放一張各項業務應備文件的一覽表。",
        "suggestion",
        "measures_information",
        agency=HOUSEHOLD,
    ),
    # -- the land office, citizens -------------------------------------------------
    _c(
        "申請地籍謄本很快就拿到了，櫃台人員也很客氣。",
        "praise",
        "courtesy_attitude",
        *SPEED,
        agency=LAND,
        units=("reg", "info"),
    ),
    _c(
        "承辦人員把買賣移轉要準備的文件一次講清楚，不用再跑第二趟，非常感謝。",
        "praise",
        "prof_consistency",
        "prof_knowledge",
        agency=LAND,
        units=("reg",),
    ),
    _c(
        "服務台志工很熱心，直接帶我到要辦的櫃台。",
        "praise",
        "courtesy_proactive",
        agency=LAND,
        units=("info",),
    ),
    _c(
        "測量課同仁說明鑑界流程很仔細，讓我放心很多。",
        "praise",
        "prof_knowledge",
        agency=LAND,
        units=("survey",),
    ),
    _c("網路申辦和案件進度查詢都很方便，省了不少時間。", "praise", "measures_online", agency=LAND),
    _c("環境明亮整潔，動線也很清楚。", "praise", "env_comfort", "env_signage", agency=LAND),
    _c(
        "補正了兩次才過件，希望第一次就告知所有要補的東西。",
        "complaint",
        "prof_consistency",
        agency=LAND,
        units=("reg",),
    ),
    _c(
        "鑑界等了一個多月才排到，實在太久了。",
        "complaint",
        "measures_wait",
        agency=LAND,
        units=("survey",),
    ),
    _c(
        "申請書範本看不懂，問櫃台也沒有講清楚。",
        "complaint",
        "prof_knowledge",
        "measures_information",
        agency=LAND,
    ),
    _c(
        "下午只剩一個謄本櫃台在收件，排了很久。",
        "complaint",
        "measures_wait",
        agency=LAND,
        units=("reg",),
    ),
    _c("希望地籍圖謄本也可以線上申請、線上付款。", "suggestion", "measures_online", agency=LAND),
    _c("附近停車不方便，常常找不到車位。", "suggestion", "env_facilities", agency=LAND),
    _c("建議多設幾台自助謄本機。", "suggestion", agency=LAND, units=("reg", "info")),
    _c("指引標示可以再清楚一點，第一次來找不到測量課。", "suggestion", "env_signage", agency=LAND),
    _c(
        "測量課櫃台人員很有耐心，教我怎麼填複丈申請書。",
        "praise",
        "courtesy_proactive",
        agency=LAND,
        units=("survey",),
    ),
    _c(
        "希望鑑界也可以在網路上預約時段。",
        "suggestion",
        "measures_online",
        agency=LAND,
        units=("survey",),
    ),
    _c(
        "鑑界費用怎麼算的沒有說明清楚。",
        "complaint",
        "measures_information",
        agency=LAND,
        units=("survey",),
    ),
    _c(
        "收件很順利，文件一次就備齊了。",
        "praise",
        "prof_consistency",
        agency=LAND,
        units=("survey", "reg"),
    ),
    _c("地政士朋友推薦來這裡辦，承辦人員果然很專業。", "praise", "prof_knowledge", agency=LAND),
    _c("整體服務很好，謝謝各位同仁。", "praise", agency=LAND),
    _c("希望規費也可以用行動支付繳納。", "suggestion", "measures_online", agency=LAND),
    _c(
        "建議中午也維持兩個謄本櫃台收件。",
        "suggestion",
        "measures_wait",
        agency=LAND,
        units=("reg",),
    ),
    _c(
        "同一件事問了三個櫃台，每個人講的都不一樣。",
        "complaint",
        "prof_consistency",
        agency=LAND,
    ),
    # -- either office, in English -------------------------------------------------
    _c(
        "Quick and friendly service, thank you.",
        "praise",
        "courtesy_attitude",
        *SPEED,
        language=ENGLISH,
    ),
    _c(
        "The staff explained everything in English, very helpful.",
        "praise",
        "prof_knowledge",
        "courtesy_proactive",
        language=ENGLISH,
    ),
    _c(
        "I waited almost an hour and nobody could tell me how long it would take.",
        "complaint",
        "measures_wait",
        era="before",
        language=ENGLISH,
    ),
    _c(
        "The forms are only in Chinese and nobody could tell me which one I needed.",
        "complaint",
        "measures_information",
        language=ENGLISH,
    ),
    _c(
        "Very efficient, I was done in ten minutes.",
        "praise",
        *SPEED,
        language=ENGLISH,
    ),
    _c(
        "A checklist of the documents in English on the website would help.",
        "suggestion",
        "measures_information",
        language=ENGLISH,
    ),
    _c(
        "Bilingual signs would help; I could not find the right counter at first.",
        "suggestion",
        "env_signage",
        language=ENGLISH,
    ),
    # -- the land office's case survey ---------------------------------------------
    _c(
        "需要補正的地方一次就告知清楚，很快就辦好了。",
        "praise",
        "correction_once",
        questionnaire=LAND_CASES,
    ),
    _c("網路可以隨時查詢辦理進度，很方便。", "praise", "progress_online", questionnaire=LAND_CASES),
    _c(
        "鑑界當天測量人員準時到場，指界說明很清楚。",
        "praise",
        "survey_appointment",
        questionnaire=LAND_CASES,
        units=("survey",),
    ),
    _c(
        "補正通知分兩次寄來，多跑了一趟。", "complaint", "correction_once", questionnaire=LAND_CASES
    ),
    _c(
        "鑑界排程等了快兩個月，希望增加測量人力。",
        "complaint",
        "survey_appointment",
        questionnaire=LAND_CASES,
        units=("survey",),
    ),
    _c(
        "網路查不到案件進度，只能打電話問。",
        "complaint",
        "progress_online",
        questionnaire=LAND_CASES,
    ),
    _c("希望規費可以用行動支付繳納。", "suggestion", questionnaire=LAND_CASES),
    _c(
        "希望可以線上預約鑑界的時間。",
        "suggestion",
        "survey_appointment",
        questionnaire=LAND_CASES,
        units=("survey",),
    ),
    _c(
        "承辦人員主動打電話說明補正事項，很貼心。",
        "praise",
        "correction_once",
        questionnaire=LAND_CASES,
    ),
    _c(
        "希望補正通知也可以用簡訊或電子郵件寄送。",
        "suggestion",
        "correction_once",
        questionnaire=LAND_CASES,
    ),
    _c("整體流程很順利，謝謝。", "praise", questionnaire=LAND_CASES),
    _c(
        "送件後一直沒有消息，網路上也查不到進度。",
        "complaint",
        "progress_online",
        questionnaire=LAND_CASES,
    ),
    _c(
        "地政士代為送件，進度都能在網路上查到，很放心。",
        "praise",
        "progress_online",
        questionnaire=LAND_CASES,
    ),
    _c(
        "抵押權塗銷當天就辦好了，效率很高。",
        "praise",
        "clear_requirements",
        questionnaire=LAND_CASES,
        units=("reg",),
    ),
    _c(
        "承辦人員把應備文件說明得很清楚，一次就送件成功。",
        "praise",
        "clear_requirements",
        questionnaire=LAND_CASES,
    ),
    _c(
        "應備文件的說明太簡略，第一次送件就被退件。",
        "complaint",
        "clear_requirements",
        questionnaire=LAND_CASES,
    ),
    _c("規費還要另外到繳費櫃台排隊，很不方便。", "complaint", questionnaire=LAND_CASES),
    _c(
        "希望登記完成後可以主動用簡訊通知領件。",
        "suggestion",
        "progress_online",
        questionnaire=LAND_CASES,
    ),
    _c(
        "建議網站提供各類登記案件的申請書填寫範例。",
        "suggestion",
        "clear_requirements",
        questionnaire=LAND_CASES,
    ),
    _c(
        "測量人員到場前有先打電話聯絡，很貼心。",
        "praise",
        "survey_appointment",
        questionnaire=LAND_CASES,
        units=("survey",),
    ),
    _c(
        "鑑界當天等了一個小時測量人員才到。",
        "complaint",
        "survey_appointment",
        questionnaire=LAND_CASES,
        units=("survey",),
    ),
    # -- staff ---------------------------------------------------------------------
    _c(
        "主管很願意聽同仁的意見，也會說明決策的原因。",
        "praise",
        "lead_listening",
        "lead_information",
        questionnaire=STAFF,
    ),
    _c("同事之間互相支援，工作氣氛很好。", "praise", "load_division", questionnaire=STAFF),
    _c(
        "網路預約取號上線後，中午尖峰的壓力小了很多。",
        "praise",
        "load_amount",
        questionnaire=STAFF,
        agency=HOUSEHOLD,
        era="after",
    ),
    _c(
        "提案被採納後還記了嘉獎，覺得努力有被看見。",
        "praise",
        "innov_recognition",
        questionnaire=STAFF,
        agency=HOUSEHOLD,
        era="after",
    ),
    _c(
        "中午輪值人力不足，常常沒辦法好好休息。",
        "complaint",
        "load_staffing",
        "load_amount",
        questionnaire=STAFF,
        agency=HOUSEHOLD,
        era="before",
    ),
    _c(
        "外業人力不足，鑑界案件一直積壓。",
        "complaint",
        "load_staffing",
        questionnaire=STAFF,
        agency=LAND,
    ),
    _c("資訊系統常常當機，影響櫃台作業。", "complaint", "env_systems", questionnaire=STAFF),
    _c("公文流程還是有太多層核章，希望能再簡化。", "complaint", "proc_simple", questionnaire=STAFF),
    _c("提了建議卻一直沒有下文。", "complaint", "innov_feedback", questionnaire=STAFF),
    _c(
        "希望教育訓練可以多開實務課程，例如與民眾溝通的技巧。",
        "suggestion",
        "train_relevance",
        questionnaire=STAFF,
    ),
    _c(
        "辦公區的空調可以再調整一下，下午常常很悶。", "suggestion", "env_space", questionnaire=STAFF
    ),
    _c("希望陞遷作業可以更公開透明。", "suggestion", "train_career", questionnaire=STAFF),
    _c("遇到難溝通的民眾，同事都會互相支援。", "praise", "load_division", questionnaire=STAFF),
    _c("希望增加電腦設備的汰換預算。", "suggestion", "env_equipment", questionnaire=STAFF),
    _c(
        "加班時數太多，假日也常常要處理公文。",
        "complaint",
        "load_balance",
        "load_amount",
        questionnaire=STAFF,
    ),
    _c("今年的訓練課程很實用，對工作很有幫助。", "praise", "train_relevance", questionnaire=STAFF),
]
"""Every comment a demo respondent may write."""

BY_TEXT: dict[str, Comment] = {c.text: c for c in COMMENTS}

RECENT = 10
"""A comment is not written again while it is among the last few its office or its
unit received, unless no other fits."""


class Recent:
    """The latest comments of each office and unit (any hashable key), so that the
    newest comments a results page lists do not repeat one another."""

    def __init__(self, size: int = RECENT) -> None:
        self.size = size
        self._latest: dict[Hashable, deque[str]] = {}

    def of(self, *keys: Hashable) -> set[str]:
        return {text for key in keys for text in self._latest.get(key, ())}

    def add(self, text: str | None, *keys: Hashable) -> None:
        if text is not None:
            for key in keys:
                self._latest.setdefault(key, deque(maxlen=self.size)).append(text)


WRITES: dict[int, float] = {1: 0.6, 2: 0.5, 3: 0.3, 4: 0.15, 5: 0.15}
"""How likely a respondent is to write a comment, by overall rating: the unhappy write more."""


def pick_comment(
    rng: random.Random,
    answers: Mapping[str, Any],
    overall: int,
    where: Where,
    recent: Collection[str] = (),
) -> str | None:
    """A comment that fits the response, not among the ``recent`` ones if another fits,
    or None (most respondents write none)."""
    if rng.random() >= WRITES.get(overall, 0.15):
        return None
    fitting = [c for c in COMMENTS if c.fits(answers, overall, where)]
    fitting = [c for c in fitting if c.text not in recent] or fitting
    if not fitting:
        return None
    # Comments about a rated item are likelier than general ones: people write about
    # what struck them.
    weights = [2.0 if c.about else 1.0 for c in fitting]
    return rng.choices(fitting, weights=weights)[0].text
