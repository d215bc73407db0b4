"""What the demo's complainants wrote and how each case went.

Every case is filed at the agency whose business it is, under the category that
names that business (land registration and surveys at the land office; household
registration and identity cards at the household registration office); the one
household matter sent to the land office is transferred. Replies answer what was
asked and agree with how the case was closed. Two older cases belong to the
demo's story (``collector.demo.story``): citizens complaining of the lunchtime
queue at the household office's main counter, answered with the improvement.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

LAND = "demo-land"
HOUSEHOLD = "demo-household"


@dataclass(frozen=True)
class Person:
    name: str
    phone: str
    address: str


PEOPLE = {
    "wang": Person("王小明", "0912-345-678", "示範市中正區博愛路 1 號"),
    "chen": Person("陳美玲", "0922-111-222", "示範市大安區和平東路 2 段 5 號"),
    "lin": Person("林志強", "02-2345-6789", "示範市中正區重慶南路 3 號 4 樓"),
    "huang": Person("黃淑芬", "0933-456-789", "示範市大安區信義路 4 段 10 號"),
    "chang": Person("張家豪", "0958-222-333", "示範市大安區復興南路 1 段 88 號 3 樓"),
    "lee": Person("李宜蓁", "0935-777-888", "示範市中正區南昌路 2 段 16 號"),
    "wu": Person("吳建宏", "02-2700-1234", "示範市大安區敦化南路 2 段 33 號"),
    "tsai": Person("蔡佩君", "0988-123-456", "示範市大安區新生南路 3 段 7 號 2 樓"),
    "cheng": Person("鄭文雄", "0911-654-321", "示範市中正區汀州路 1 段 120 號"),
    "hsu": Person("許雅婷", "0920-246-810", "示範市大安區臥龍街 55 號"),
    "miller": Person("Chris Miller", "0955-000-111", "No. 8, Sec. 1, Heping E. Rd., Demo City"),
}


@dataclass(frozen=True)
class Case:
    """One demo case: where it was filed, what it said, and its steps after receipt.

    Steps: start, note, supplement (asked), supplied, extend, reply, close:<outcome>,
    decline, transfer, unit:<code> (moved to that unit). ``texts`` holds the words of
    a note, a supplement request, what was supplied, an extension's reason or a
    transfer's reason; ``reply`` the handler's answer.
    """

    agency: str
    category: str
    age: int  # days before today it was received
    steps: tuple[str, ...]
    subject: str
    description: str
    person: str | None  # None: anonymous
    channel: str
    reply: str = ""
    texts: dict[str, str] = field(default_factory=dict)
    confidential: bool = False

    @property
    def english(self) -> bool:
        return self.subject.isascii()


CASES: list[Case] = [
    # -- the land office -------------------------------------------------------------
    Case(
        LAND,
        "registration",
        1,
        (),
        "買賣移轉登記進度查詢不到",
        "上週五送件的買賣所有權移轉登記案，在地政事務所網站輸入收件字號後一直顯示查無資料，"
        "請協助確認案件是否已經收件。",
        "wang",
        "online",
    ),
    Case(
        LAND,
        "survey",
        2,
        ("start",),
        "鑑界日期可否提前",
        "我申請的土地鑑界排在下個月底，因為要和鄰地協調圍牆施工，想請問有沒有可能提前，"
        "或是有人取消時可以遞補。",
        "lin",
        "phone",
    ),
    Case(
        LAND,
        "service",
        4,
        ("start", "note"),
        "停車場出口標示不清",
        "地下停車場出口的標示被柱子擋住，今天開出來時差點和進場的車擦撞，建議加裝反光鏡或改善標示。",
        "chang",
        "counter",
        texts={"note": "已會同總務人員至停車場現場查看，出口轉角確有視線死角，將評估加裝反光鏡。"},
    ),
    Case(
        LAND,
        "registration",
        6,
        (),
        "繼承登記應備文件說法不一",
        "父親過世後要辦理繼承登記，網站上的應備文件清單和電話中告知的不一樣"
        "（是否需要遺產稅繳清證明書正本），請以書面說明。",
        "lee",
        "email",
    ),
    Case(
        LAND,
        "survey",
        9,
        ("start", "supplement"),
        "鑑界結果與鄰地認知不同",
        "上個月鑑界後，鄰居認為界址應該再往我家這邊移半公尺，雙方僵持不下，請問該如何處理。",
        "cheng",
        "online",
        texts={"supplement": "請提供複丈案件收件字號及鑑界日期，以便調閱成果圖。"},
    ),
    Case(
        LAND,
        "registration",
        12,
        ("supplement",),
        "抵押權塗銷登記補正理由不明",
        "本人辦理抵押權塗銷登記接到補正通知，但通知書上沒有寫明要補正什麼，請說明。",
        "wu",
        "letter",
        texts={"supplement": "請提供補正通知書字號或影本，以便查明補正事由。"},
    ),
    Case(
        LAND,
        "service",
        27,
        ("unit:reg", "start"),
        "謄本櫃台中午等候過久",
        "中午 12 點半到所申請土地登記謄本，只有一個櫃台收件，等了 40 分鐘，希望中午能多開櫃台。",
        "hsu",
        "online",
        texts={"unit:reg": "謄本收件屬登記課櫃台，改由登記課處理。"},
    ),
    Case(
        LAND,
        "registration",
        28,
        ("start", "note"),
        "實價登錄成交價格有誤",
        "內政部實價登錄網站上，我去年買的房子成交價格比實際多了兩百萬元，請協助更正。",
        "tsai",
        "phone",
        texts={"note": "已電話聯繫陳情人，請其提供買賣契約書影本以利查核申報資料。"},
    ),
    Case(
        LAND,
        "survey",
        38,
        ("start",),
        "建物測量成果圖面積與預售資料不符",
        "新成屋辦理建物第一次測量後，成果圖上的陽台面積和建商提供的資料不同，請說明計算方式。",
        "chen",
        "letter",
    ),
    Case(
        LAND,
        "service",
        45,
        (),
        "Broken links to the application forms",
        "The links to the land registration application forms on your website return "
        '"404 Not Found", and the forms are only available in Chinese.',
        "miller",
        "email",
    ),
    Case(
        LAND,
        "registration",
        52,
        ("start", "note"),
        "法院拍賣取得土地遲未辦竣登記",
        "法院拍賣取得的土地，權利移轉證書送件已經超過一個月，仍然沒有辦好登記，請說明原因。",
        "lin",
        "letter",
        texts={"note": "已向登記課查詢，本案因原所有權人另有假扣押登記，正函請法院確認塗銷範圍。"},
    ),
    Case(
        LAND,
        "survey",
        35,
        ("start", "extend"),
        "界樁遭鄰地施工移動",
        "鑑界後埋設的界樁被隔壁工地移動，請派員重新確認並處理。",
        "chang",
        "online",
        texts={"extend": "需排定測量人員會同雙方土地所有權人現場勘查，延長處理期間 10 日。"},
    ),
    Case(
        LAND,
        "service",
        20,
        ("start", "reply", "close:upheld"),
        "無障礙坡道鐵板鬆脫",
        "大門口無障礙坡道上有一塊鐵板鬆脫，輪椅經過會卡住，請盡快修理。",
        "huang",
        "online",
        reply="經查大門口無障礙坡道之止滑鐵板確有鬆脫，本所已於接獲陳情隔日完成修復，"
        "並將坡道納入每週設施巡檢項目。",
    ),
    Case(
        LAND,
        "registration",
        25,
        ("start", "reply", "close:explained"),
        "登記費計算方式疑問",
        "辦理贈與移轉登記時繳的登記費，和我自己用申報地價算的不一樣，請說明計算方式。",
        "wang",
        "email",
        reply="登記費依土地法第 76 條按權利價值千分之一計收；贈與移轉之權利價值以申報當期之"
        "公告土地現值計算，並非申報地價，因此金額與您試算者不同。隨函附上計算明細供參。",
    ),
    Case(
        LAND,
        "survey",
        33,
        ("start", "reply", "close:partly_upheld"),
        "鑑界排程等候過久",
        "申請鑑界後等了五個禮拜才排到，希望能增加測量人力。",
        "cheng",
        "online",
        reply="本所近期受理複丈案件量較往年增加約兩成，目前平均排程約四週。已自下月起調派一組"
        "外業人員支援，並開放線上查詢排程進度；增加員額部分已向市府地政局反映，尚待核定。",
    ),
    Case(
        LAND,
        "service",
        40,
        ("reply", "close:not_upheld"),
        "櫃台人員拒絕代填申請書",
        "請櫃台人員幫忙填寫登記申請書被拒絕，態度很差。",
        "wu",
        "counter",
        reply="依規定申請書應由申請人或代理人填寫並簽章，櫃台同仁不宜代為填寫，以免影響您的權益。"
        "經調閱當日錄影，同仁係說明上述規定並提供填寫範例，態度尚屬妥適。如仍有不清楚之處，"
        "服務台志工可協助說明填寫方式。",
    ),
    Case(
        LAND,
        "registration",
        18,
        ("start", "reply"),
        "權狀寄到舊地址",
        "辦好的所有權狀寄到我的舊地址，請協助處理。",
        "lee",
        "phone",
        reply="經查本案係依申請書所載地址郵寄，已請郵局協尋並攔回，改寄至您提供之新址，"
        "預計三個工作天內送達。",
    ),
    Case(
        LAND,
        "service",
        8,
        ("decline",),
        "服務很差",
        "你們的服務真的很差，每次去都一樣，自己好好檢討！",
        None,
        "online",
    ),
    Case(
        LAND,
        "registration",
        14,
        ("start", "supplement", "supplied", "reply", "close:withdrawn"),
        "共有土地分割登記程序",
        "和兄弟共有一筆土地，想辦理分割登記，請問需要全部共有人同意嗎？",
        "tsai",
        "online",
        reply="共有物分割登記須經全體共有人協議，協議不成時得訴請法院裁判分割；應備文件請參考"
        "隨函附上之說明。陳情人來電表示已委託地政士辦理，同意撤回本陳情。",
        texts={
            "supplement": "請提供土地坐落地段地號，以便查詢共有人及持分。",
            "supplied": "陳情人來電補充土地坐落地段地號。",
        },
    ),
    Case(
        LAND,
        "registration",
        3,
        ("transfer",),
        "繼承人戶籍資料出生日期錯誤",
        "在地政事務所辦理繼承登記時發現，其中一位繼承人的戶籍謄本出生日期登記錯誤，"
        "導致登記無法辦理，請協助更正。",
        "hsu",
        "online",
        texts={
            "transfer": "陳情事項為戶籍資料更正，屬戶政事務所權責，依行政程序法第 17 條"
            "移送示範市大安戶政事務所辦理。"
        },
    ),
    # -- the household registration office -------------------------------------------
    Case(
        HOUSEHOLD,
        "household",
        0,
        (),
        "出生登記可否網路申辦",
        "小孩下個月出生，想請問出生登記能不能用網路申辦，還是一定要到現場？需要帶哪些文件？",
        "tsai",
        "online",
    ),
    Case(
        HOUSEHOLD,
        "id-card",
        1,
        ("start",),
        "身分證換發線上預約一直額滿",
        "連續一週每天上網預約換發身分證都顯示額滿，請問能否增加名額或開放現場取號。",
        "chang",
        "phone",
    ),
    Case(
        HOUSEHOLD,
        "service",
        2,
        ("start", "note"),
        "叫號機故障現場秩序混亂",
        "今天上午叫號機故障，現場改用人工喊號，後面的民眾根本聽不到，秩序很亂。",
        "huang",
        "counter",
        texts={"note": "已通知廠商到場維修，當日下午恢復正常；人工喊號時另以擴音器輔助。"},
    ),
    Case(
        HOUSEHOLD,
        "service",
        3,
        ("start",),
        "承辦人員態度不佳",
        "辦理遷入登記時，承辦人員口氣很不耐煩，還當著其他民眾的面說我文件都沒準備好。"
        "請不要透露我的身分。",
        "lee",
        "email",
        confidential=True,
    ),
    Case(
        HOUSEHOLD,
        "household",
        4,
        ("start", "supplement"),
        "戶籍謄本記事欄內容錯誤",
        "申請的戶籍謄本記事欄把我的遷入日期寫錯了，請協助更正。",
        "wu",
        "online",
        texts={"supplement": "請提供申請謄本之日期及錯誤記事之內容，以便調閱戶籍資料。"},
    ),
    Case(
        HOUSEHOLD,
        "id-card",
        6,
        ("supplement",),
        "補發身分證被重複收費",
        "遺失身分證申請補發，被收了兩次規費，請查明。",
        "wang",
        "letter",
        texts={"supplement": "請提供申請補發之日期、辦理地點及收據影本，以便查核。"},
    ),
    Case(
        HOUSEHOLD,
        "household",
        7,
        ("start",),
        "門牌整編後戶籍地址未更新",
        "住家門牌整編已經三個月，戶口名簿上還是舊門牌，請協助辦理。",
        "chen",
        "online",
    ),
    Case(
        HOUSEHOLD,
        "service",
        8,
        ("unit:branch",),
        "和平辦公處冷氣故障",
        "和平辦公處的冷氣壞了好幾天，等候區非常悶熱，長輩在裡面等很辛苦。",
        "cheng",
        "phone",
        texts={"unit:branch": "冷氣設備屬和平辦公處，改由辦公處處理。"},
    ),
    Case(
        HOUSEHOLD,
        "household",
        13,
        ("start",),
        "結婚登記可否預約時段",
        "想在 2 月 14 日辦理結婚登記，請問可以預約時段嗎？怕當天人太多。",
        "hsu",
        "online",
    ),
    Case(
        HOUSEHOLD,
        "id-card",
        16,
        (),
        "身分證照片被說不符規格",
        "在照相館拍的身分證照片被說背景顏色不符合規格，但照相館說是符合的，請說明標準。",
        "lin",
        "email",
    ),
    Case(
        HOUSEHOLD,
        "household",
        21,
        ("start", "note"),
        "租屋遷入戶籍被要求屋主同意書",
        "租屋處要遷入戶籍，被要求提供房東的同意書，但房東不願意配合，請問有沒有其他方式。",
        "chang",
        "online",
        texts={"note": "已電話說明可檢附租賃契約辦理遷入，並告知應備文件；待書面回覆。"},
    ),
    Case(
        HOUSEHOLD,
        "household",
        10,
        ("start", "extend"),
        "死亡登記後資料未同步",
        "家父已辦理死亡登記一個月，但銀行查詢時戶籍資料仍未註記，無法辦理後續手續。",
        "huang",
        "letter",
        texts={"extend": "需向內政部戶政司查詢系統資料介接情形，延長處理期間 10 日。"},
    ),
    Case(
        HOUSEHOLD,
        "service",
        12,
        ("start", "reply", "close:upheld"),
        "等候區座椅損壞",
        "綜合櫃台等候區有兩張椅子的椅腳鬆動，坐下時會搖晃，很危險。",
        "tsai",
        "online",
        reply="經查等候區確有兩張座椅椅腳鬆動，已於接獲陳情當日撤除並更換新椅，"
        "並請總務同仁每週檢查等候區設施。",
    ),
    Case(
        HOUSEHOLD,
        "id-card",
        15,
        ("reply", "close:explained"),
        "初領身分證應備文件說法不一",
        "小孩滿 14 歲要初領身分證，網站上說帶戶口名簿就好，現場又說要父母一方陪同，請說明。",
        "wu",
        "email",
        reply="未滿 18 歲初領國民身分證，應由法定代理人一方陪同，並攜帶戶口名簿、相片及印章辦理；"
        "本所網站說明已於本週修正並列出陪同規定，造成不便，敬請見諒。",
    ),
    Case(
        HOUSEHOLD,
        "household",
        19,
        ("start", "reply", "close:upheld"),
        "電子戶籍謄本規費重複扣款",
        "申請電子戶籍謄本時被扣了兩次規費，請查明並退費。",
        "lee",
        "online",
        reply="經查當日系統連線異常，致重複收取規費新臺幣 15 元，已辦理退費，並以掛號寄送退費通知。",
    ),
    Case(
        HOUSEHOLD,
        "service",
        24,
        ("start", "reply", "close:partly_upheld"),
        "希望週六全天服務",
        "希望週六可以全天開放，上班族平日很難請假。",
        "chen",
        "online",
        reply="本所週六上午 8 時至 12 時提供遷徙登記、戶籍謄本及身分證換發服務；全天開放涉及人力"
        "輪值，目前尚無法辦理。已自本月起每週三延長服務至晚上 8 時，歡迎多加利用。",
    ),
    Case(
        HOUSEHOLD,
        "household",
        5,
        ("start", "reply"),
        "戶口名簿遺失可否委託補領",
        "戶口名簿遺失了，想請家人代為申請補領，需要哪些文件？",
        "cheng",
        "email",
        reply="戶口名簿補領得委託他人辦理，受託人應攜帶委託書、雙方國民身分證及印章，"
        "規費新臺幣 30 元，當場即可領取。",
    ),
    Case(
        HOUSEHOLD,
        "service",
        9,
        ("decline",),
        "我要檢舉",
        "你們那個人很有問題，我要檢舉。",
        None,
        "online",
    ),
    Case(
        HOUSEHOLD,
        "id-card",
        11,
        ("start", "reply", "close:not_upheld"),
        "換發身分證無法當天領取",
        "換發身分證為什麼不能當天拿到？其他地方都可以。",
        "hsu",
        "counter",
        reply="國民身分證由各戶政事務所現場受理、當日製發；經查您申辦當日適逢製證設備故障，"
        "已依規定改為次日領取並以電話通知，處理程序尚無不當，造成不便敬請見諒。",
    ),
]
"""The demo's current cases, in the states a queue holds: new, in progress, awaiting a
supplement, due soon, overdue, extended, replied, closed with each outcome, declined,
and one transfer from the land office to the household registration office."""


STORY_CASES: list[tuple[int, Case]] = [
    (
        40,
        Case(
            HOUSEHOLD,
            "service",
            0,
            ("start", "reply", "close:upheld"),
            "中午時段等候超過一小時",
            "中午 12 點到綜合櫃台申請戶籍謄本，現場只開兩個櫃台，等了一個多小時。"
            "很多上班族都是利用午休來辦，希望中午能多開櫃台。",
            "wang",
            "online",
            reply="本所已檢討中午時段人力配置，將自{effective}起綜合櫃台於中午及尖峰時段彈性增開櫃台，"
            "並上線網路預約取號及叫號進度即時查詢，民眾可先預約或以手機查看叫號進度，"
            "減少現場等候。",
        ),
    ),
    (
        120,
        Case(
            HOUSEHOLD,
            "service",
            0,
            ("start", "reply", "close:upheld"),
            "等候時無法得知叫號進度",
            "在等候區不知道前面還有幾號，也不敢離開去處理其他事情，建議提供叫號進度查詢。",
            "hsu",
            "email",
            reply="感謝您的建議。本所將自{effective}起提供叫號進度即時查詢（本所網站），"
            "並開放網路預約取號，您可於手機查看目前叫號進度。",
        ),
    ),
]
"""The story's complaints: (days into the wave before the improvement, the case). The
reply names the day the improvement took effect."""
