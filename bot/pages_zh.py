"""The Chinese vocabulary and rules of the page importer (bot/pages.py).

Pure, stdlib only. Chinese text has no spaces between words, so every pattern here is
anchored or built from fixed words with bounded runs: none can backtrack badly on a
long line of Han characters.
"""

from __future__ import annotations

import re
from typing import NamedTuple

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN = re.compile(f"[{HAN}]")

# The traditional characters of the vocabulary below (and of the time readers' words, in
# bot/when.py, bot/when_typed.py and bot/zones.py), each before its simplified form: pages
# from Taiwan and Hong Kong write 主講人, 與談人, 報名已截止, 下午3點. The rules read
# `fold(text)`; one character stands for one, so a match's positions hold in the text as
# written, and the names, places and titles taken from there stay as the page writes them.
_TRADITIONAL = (
    "與与 專专 為为 爲为 舉举 會会 傳传 體体 內内 憑凭 辦办 動动 華华 協协 參参 發发 號号 "
    "員员 國国 場场 處处 學学 賓宾 對对 將将 錄录 總总 報报 擔担 數数 時时 漢汉 滿满 點点 "
    "現现 簡简 線线 綫线 紹绍 經经 結结 絡络 絕绝 網网 羅罗 聯联 觀观 討讨 議议 講讲 論论 "
    "評评 譯译 話话 語语 說说 説说 請请 談谈 謝谢 進进 長长 閉闭 間间 韓韩 項项 須须 顧顾 "
    "頓顿 題题 額额 鮮鲜 級级 庫库 係系 繫系 們们 僅仅 聲声 於于 兩两 導导 開开 關关 "
    "週周 這这 個个 禮礼 後后 鐘钟 頭头 蘭兰 復复 擬拟 確确 視视 認认 連连 頻频 魯鲁 "
    "辭辞 無无 沒没 設设 備备 雙双 採采 別别 隨随 屆届 獲获 獎奖 簽签 組组 問问 壇坛 佈布 "
    "術术 預预 綜综 紀纪 遞递 側侧 實实 記记 還还 計计 劃划 圓圆 順顺 門门 "
    "當当 頁页 圖图 攝摄 來来 編编 輯辑 責责 審审 條条 則则 聞闻 師师 監监 書书 單单 歡欢 "
    "領领 貴贵 詞词 團团 隊队 輪轮 親亲 屬属 賽赛 裡里 裏里 "
    "東东 紐纽 約约 標标 準准 舊旧 磯矶 歐欧 爾尔 灣湾 倫伦 臺台 調调 薦荐 熱热 資资 訊讯 "
    "閱阅 讀读 態态 寫写 溫温 買买 達达 馬马 廣广 蘇苏 瀏浏 覽览 擊击 訪访")
# Marks a Chinese page writes for the ones the rules read, one for one too: the ratio sign
# for the colon of a time ("14∶30", as Chinese typesetting sets it, and "时间∶"), the wave
# dash for the full-width tilde of a range ("19:00〜21:00")
_LOOKALIKES = {"∶": "：", "〜": "～"}
_FOLD = str.maketrans({pair[0]: pair[1] for pair in _TRADITIONAL.split()} | _LOOKALIKES)


def fold(text: str) -> str:
    """The text as the vocabulary reads it: its traditional characters as simplified, one
    for one (positions are kept)."""
    return text.translate(_FOLD)


# A year of the Minguo (民国) calendar, as Taiwan writes dates: 民國115年 is 2026 (folded
# first: 民国)
_MINGUO_YEAR = re.compile(r"民国\s*(\d{2,3})(?=\s*年)")
MINGUO_FIRST_YEAR = 1911  # its year 0


def fold_dates(text: str) -> str:
    """`fold`, and Minguo years as the Gregorian ones ("民國115年" as " 2026年"), each in
    its place: padded to the length it had, so that positions are kept."""
    return _MINGUO_YEAR.sub(lambda m: str(MINGUO_FIRST_YEAR + int(m[1])).rjust(len(m[0])),
                            fold(text))


# Role words, longest first so "主持人" is read before "主持".
_ROLE_WORDS = {
    "主持人": "moderator", "主持": "moderator",
    "主讲人": "speaker", "主讲嘉宾": "speaker", "主讲": "speaker", "演讲人": "speaker",
    "讲者": "speaker", "主讲者": "speaker",  # Taiwan's words
    "演讲嘉宾": "speaker", "发言人": "speaker", "发言嘉宾": "speaker", "对话嘉宾": "speaker",
    "嘉宾": "speaker",  # a guest: the importer has no separate role for guests
    "评议人": "discussant", "评议嘉宾": "discussant", "点评人": "discussant",
    "点评嘉宾": "discussant", "评论人": "discussant", "与谈人": "discussant",
    # who hosts: a person ("主办：赵通") as "Host: Tong Zhao" is; an organisation
    # ("主办：清华大学") is no name, and its line stays in the description
    "主办": "host", "主办人": "host", "主办方": "host", "主办单位": "host",
    # who gives remarks ("致辞：邱勇", "开幕致辞：邱勇"): a speaker, as "Welcome remarks by
    # Jane Doe" makes her
    "致辞": "speaker", "致辞人": "speaker", "致辞嘉宾": "speaker", "开幕致辞": "speaker",
    "欢迎致辞": "speaker", "闭幕致辞": "speaker",
}
# A heading of people in a role over their cards ("评议学者", "点评专家", "特邀评议学者"), or a
# label as its role's is ("评议学者：王海燕"): the scholars or experts of the role its stem names
# ("特邀学者", invited scholars, are guests)
_ROLE_STEMS = {"主持": "moderator", "主讲": "speaker", "发言": "speaker", "特邀": "speaker",
               "评议": "discussant", "点评": "discussant", "与谈": "discussant"}
_ROLE_WORDS |= {f"{invited}{stem}{who}": role for stem, role in _ROLE_STEMS.items()
                for who in ("学者", "专家") for invited in ("", "特邀")
                if not (invited and stem == "特邀")}
# and a two-character word as a page pads it to the width of its longer labels ("嘉　宾：",
# "主　持：" over "主持人："), its ideographic spaces read as spaces
_PADDED_ROLE_WORDS = [f"{word[0]} {{1,2}}{word[1]}" for word in _ROLE_WORDS if len(word) == 2]
_ROLE_ALT = "|".join([*sorted(_ROLE_WORDS, key=len, reverse=True), *_PADDED_ROLE_WORDS])
# A label may follow a bullet ("• 地点：", "■ 主讲人：") and stand in brackets, as posts set
# it ("【地点】清华大学", "[主讲人] 李彬"), or stand before a bar ("地点｜清华大学")
LABEL_BULLET = r"(?:[•▪●◦‣■□◆◇▶►▸★☆] *)?"
LABEL_OPENS = r"(?:[【\[] {0,2})?"
_LABEL_ENDS = r"(?: *[】\]] *[：:]?| *[：:｜|])"
# "主持人：赵通", "主持人 赵通", "嘉宾：李彬、樊吉社", "【主讲人】李彬"
ROLE_LINE = re.compile(rf"{LABEL_BULLET}{LABEL_OPENS}(?:{_ROLE_ALT})(?:{_LABEL_ENDS} *| +)(?=\S)")
ROLE_WORD = re.compile(rf"(?:{_ROLE_ALT})")
# The dot between the parts of a name written in Chinese from another language ("约瑟夫·奈",
# Joseph Nye): U+00B7 as the mainland writes it, ・ and ‧ as Japanese and Taiwanese fonts
# give it, • as it is often typed
NAME_DOT = "·・‧•"
# A Chinese name: two to four Han characters standing alone, or such a name's parts
# between its dots ("亨利·基辛格", "玛丽亚·德拉克鲁斯").
NAME = re.compile(rf"(?:[{HAN}]{{1,8}}(?:[{NAME_DOT}][{HAN}]{{1,8}}){{1,3}}|[{HAN}]{{2,4}})"
                  rf"(?![{HAN}])")
# What follows a name in brackets: "（Tong Zhao）", "（主持人）", "(卡内基研究员)".
BRACKETS = re.compile(r" *[（(] *([^（）()]{1,80}?) *[）)]")
# Words of two to four characters that head lines or stand in for a name, never names.
NOT_NAMES = frozenset(re.findall(
    r"\S+",
    "待定 另定 嘉宾 主持 主持人 主讲人 讲者 主讲者 演讲人 评议人 点评人 与谈人 要点 主要观点 "
    "主办 主办人 主办方 "
    "观点 简介 介绍 嘉宾介绍 嘉宾简介 时间 日期 地点 活动 活动简介 活动介绍 活动回顾 会议 议程 "
    "主题 题目 背景 内容 概要 摘要 总结 回顾 报名 联系 联系人 注意 注意事项 说明 研究员 教授 学者 "
    "专家 中国 美国 日本 韩国 朝鲜 俄罗斯 北京 上海 华盛顿 中美 中美关系 我们 他们 本次 本场 此次 "
    # remarks in brackets after a name ("Ada Lovelace（线上）"), and institutions' short names
    "线上 线下 在线 视频 远程 现场 连线 视频连线 待确认 确认中 拟邀 特邀 受邀 女士 先生 博士 美方 "
    "中方 外方 哈佛 兰德 清华 北大 复旦 卡内基 布鲁金斯 "
    # words that open a sentence, some pages with a 、 after them ("此外、赵通将主持")
    "此外 另外 随后 然后 其后 此后 之后 同时 最后 首先 其次 届时 "
    # and the day it happens, after who speaks ("院长今天将致辞")
    "今天 明天 后天 今日 明日 当天 当日 次日 "
    # who gives remarks, unnamed ("领导致辞", "来宾致辞")
    "领导 来宾 贵宾 "
    # who comes with a guest, after her bracket ("Jane Doe（前美国驻华大使）及夫人")
    "夫人 太太 丈夫 妻子 家人 家属 随员 随行 随行人员 团队 同事 助手 "
    # an agenda's items, which pages pad as names are ("致　辞", "茶　歇"), and the welcome
    # of "欢迎致辞" (welcome remarks), no one's name before 致辞 as "邱勇致辞" has
    "致辞 茶歇 签到 午餐 晚宴 开幕 闭幕 欢迎 提问 问答 合影 讨论 休息"))
# Words a narrated subject may hold that no person's name does: a group ("与会代表",
# "各位嘉宾", "获奖者"), or a time ("周三下午将进行演讲", "本周四"); and what follows a
# title before the verb when no name does: the rest of the post ("代表团团长", "主任助理",
# "主任委员"), how they do it ("两位院长联合主持", "所长本人致辞", "院长先后致辞"), or when
# ("院长本周将致辞").
_NOT_A_PERSON = re.compile(r"代表|嘉宾|学员|获奖|组长|团长|队长|助理|委员|各位|与会|全体|双方|"
                           r"共同|联合|轮流|亲自|先后|分别|一同|一起|本人|^其|[上下]午|晚上|星期|"
                           r"礼拜|^[本下上]?周[一二三四五六日]?$|^[本下上]个?月$|^[今明去本]年$")

# What says a bracket after a foreign name is a remark, not their Chinese name:
# "Eve Stone（特邀嘉宾）", "（视频发言）", "（线上参会）".
REMARK = re.compile("嘉宾|线上|线下|在线|连线|视频|远程|现场|发言|参会|出席|待定|确认|特邀|"
                    "拟邀|受邀|致辞|主旨|翻译|同传|女士|先生|博士|教授|研究员|学者|专家")

SENTENCE_END = re.compile(r"(?<=[。！？；])")
_SECTION_OF = r"(?:活动|会议|讲座|论坛|报告|讨论|主要|核心|重要|嘉宾)?"  # "会议要点", "活动简介"
SECTION = re.compile(
    rf"{_SECTION_OF}"
    r"(?:要点|观点|主要观点|内容|简介|介绍|概要|回顾|议程|摘要|总结|嘉宾|发言嘉宾|演讲嘉宾|主讲嘉宾|"
    r"与会嘉宾|参会嘉宾|嘉宾介绍|嘉宾简介)[:：]?")
# The sections of those that head a recap's takeaways ("主要观点", "会议要点")
TAKEAWAYS_HEADING = re.compile(rf"{_SECTION_OF}(?:要点|观点)[:：]?")
# "时间：…", "活动地点：…", "讲座主题：…": the label may name what kind of event it is, and
# a bilingual page's may say it in English too ("地点 Venue：", "Venue 地点：", "地点/Venue：",
# "地点（Venue）：")
_FIELD_GLOSS = (r"(?:time|date|when|venue|location|address|place|where|topic|theme|title|"
                r"subject)")
_GAP = r" {0,2}"  # a bounded gap: runs of optional spaces that could split many ways
# (after a bullet, in brackets or before a bar too, as LABEL_BULLET says)
FIELD_LINE = re.compile(rf"{LABEL_BULLET}{LABEL_OPENS}(?:{_FIELD_GLOSS}{_GAP}[/／|]?{_GAP})?"
                        r"(?:活动|会议|讲座|论坛|研讨会|报告会|会场|举办)?"
                        rf"((?:开始|结束)?时{_GAP}间|日{_GAP}期|地{_GAP}点|地{_GAP}址|主{_GAP}题|题{_GAP}目)"
                        rf"(?:{_GAP}[/／|]?{_GAP}[（(]?{_GAP}{_FIELD_GLOSS}{_GAP}[)）]?)?"
                        rf"{_LABEL_ENDS} *(\S.{{0,150}})", re.IGNORECASE)
# (and a form's start and end, each on its line: "开始时间：2026年6月5日 15:00", "结束时间：…")
_FIELD_WORDS = {"时间": "date_text", "日期": "date_text", "地点": "location", "地址": "location",
                "主题": "title", "题目": "title", "开始时间": "date_text", "结束时间": "ends"}
# and as a page pads them to the width of its longer labels ("时　间：", "地　　点：" over
# "主办单位："), its ideographic spaces read as spaces, before the label's last character
# as FIELD_LINE allows them
FIELD_NAMES = {f"{word[:-1]}{' ' * gap}{word[-1]}": field
               for word, field in _FIELD_WORDS.items() for gap in range(3)}
# A date's parts in Chinese numerals, as pages write them too ("二〇二七年三月十二日"): the
# year digit by digit (〇 or 零 for nought), a month 一 to 十二, a day 一 to 三十一 (the
# twenties and thirties also as 廿 and 卅: "廿一日", "卅日"), each a fixed shape; `number`
# gives their values.
NUMERAL_YEAR = r"[〇零一二三四五六七八九]{4}"
NUMERAL_MONTH = r"十[一二]?|[一二三四五六七八九]"
DAY_TENS = r"廿[一二三四五六七八九]?|卅一?"  # a day of the twenties or thirties so written
NUMERAL_DAY = rf"三十一?|二?十[一二三四五六七八九]?|{DAY_TENS}|[一二三四五六七八九]"
# A date as bot.when reads it; its day may end a run of days ("2026年6月1-3日"). In
# numerals only with its year ("二〇二七年三月十二日"): "九月十一日之后的美国" is a title.
_DAY_OF_MONTH = rf"(?:\d{{1,2}}|{NUMERAL_DAY})"
DATE = (r"(?:(?:\d{4} *年 *)?\d{1,2} *月 *\d{1,2} *(?:[-–—~～−－至到] *\d{1,2} *)?[日号]|"
        rf"(?:\d{{4}}|{NUMERAL_YEAR}) *年 *(?:\d{{1,2}}|{NUMERAL_MONTH}) *月 *"
        rf"{_DAY_OF_MONTH} *(?:[-–—~～−－至到] *{_DAY_OF_MONTH} *)?[日号])")
# A number up to 99 in Chinese numerals: "三", "两", "十二", "二十五", "零五" (in "三点零五分").
NUMERAL = r"[一二三四五六七八九两]?十[一二三四五六七八九]?|[零〇]?[一二三四五六七八九两]"
NUMERAL_CHARACTERS = "零〇一二三四五六七八九十廿卅两"  # of NUMERAL and the date's numerals
# An hour in numerals: a NUMERAL, or nought alone, as midnight is written ("零点", "零时")
HOUR_NUMERAL = rf"{NUMERAL}|[零〇]"
# What follows the hour's 点: "半", "一刻", "三刻", "15分", "十五分", and digits without their
# 分 ("3点30", as a typed time's too); not those of a date after it ("3点12月10日").
MINUTES = rf"半|[一三]刻|(?:\d{{1,2}}|{NUMERAL})分|\d{{1,2}}(?![\d:：分刻月日号])"
# The parts of the day written before an hour: "下午3点", and on posters the short "晚7点"
# (evening) and "早8点" (morning).
MORNING = ("上午", "早上", "早晨", "凌晨", "早")
EVENING = ("下午", "午后", "傍晚", "晚上", "晚间", "晚", "夜里", "夜间", "深夜", "半夜", "午夜")
# The night's: "晚上12点" and "晚上24点" are the midnight that ends the day, and "半夜2点"
# the small hours after it (`bot.when.read_clock`)
NIGHT = ("晚上", "晚间", "晚", "夜里", "夜间", "深夜", "半夜", "午夜")
# longest first: a regular expression takes the first alternative that matches ("晚上")
PART_OF_DAY = "|".join(sorted((*MORNING, "中午", *EVENING), key=len, reverse=True))
TIME = re.compile(rf"(?:{PART_OF_DAY})? *"
                  rf"(?:\d{{1,2}}[:：]\d\d|(?:\d{{1,2}}|{HOUR_NUMERAL})[点时](?:{MINUTES})?)")
NUMBERED = r"[一二三四五六七八九十]{1,3}[、.．]|[（(][一二三四五六七八九十]{1,3}[）)]|\d{1,2}[、．]"

# Notices: registration closed, off the record, language, translation, other access notes.
# ("本活动已额满", as Taiwan writes it; "报名已于6月1日截止", a date between; not "额满为止",
# until full, nor "报名已于11月1日开通（额满为止）", opened)
_DATE_GAP = r"[\d０-９一二三四五六七八九十〇零年月日号点时分:：. ]{1,20}"  # "6月1日", "6月1日17时"
CLOSED = re.compile(rf"报名(?:现?已(?:经)?|已于{_DATE_GAP})(?:截止|结束|关闭|满|额满)"
                    r"|(?:名额|座位|席位|人数)已(?:经)?满|已(?:经)?(?:报满|额满)|已截止报名"
                    r"|报名通道已(?:经)?关闭|停止报名")
# A closed-door meeting, the sentence's subject the event or nothing: "本次会议为闭门会议",
# "以闭门形式举行", "会议闭门举行", "闭门会议，谢绝媒体" (not "他曾参加多次闭门会议", "本书研究
# 以闭门形式举行的对话", "讲座将讨论为闭门会议制定规则", nor the idioms 闭门羹, 闭门造车)
_CLOSED_DOOR_SUBJECT = (r"^\s*(?:(?:本次|本场|此次)?(?:活动|会议|讲座|论坛|研讨会|座谈会|对话|"
                        r"讨论会)?(?:将|均|仍)?)")
OFF_RECORD = re.compile(r"不对外公开|不(?:公开|对外|作公开)报[道导]|不录(?:音|像|影)|"
                        rf"{_CLOSED_DOOR_SUBJECT}(?:(?:为|以|采取|采用)闭门|闭门(?:举行|进行|召开)"
                        r"|闭门(?:会议|研讨|座谈))")
# A sentence about this event ("本次活动以中文进行"), or one that opens with its notice, with
# no other subject ("报名已截止。", "不对外公开。"): what a paragraph of prose says of the event
# still counts. Not "活动" or "报名" anywhere: bios and histories say "曾参与不对外公开的对话
# 活动", "去年的活动报名两天名额已满", and "该对话不对外公开" is about another meeting.
ABOUT_EVENT = re.compile(r"本次|本场|此次|^(?:活动|会议|讲座)?(?:报名已|名额已满|座位已满|人数已满|"
                         r"停止报名|不对外|不公开|不录|(?:现场)?(?:提供|配有)|全程|将?以)")
ACCESS = re.compile(r"不对媒体开放|谢绝媒体|仅限(?:受邀|邀请)|凭邀请|需(?:要)?(?:提前)?报名|"
                    r"须(?:提前)?报名|网[络路]直播|线上直播|全程直播")
_LANGUAGE_NAMES = {"中": "Chinese", "汉": "Chinese", "英": "English", "日": "Japanese",
                   "韩": "Korean", "俄": "Russian", "法": "French", "德": "German",
                   "西班牙": "Spanish", "阿拉伯": "Arabic"}
_LANG_ALT = "|".join(sorted(_LANGUAGE_NAMES, key=len, reverse=True))
# "中文", "英语", "中英文", "中英双语", "中文和英文": the event's language is the first named
# (the page model holds one, as "held in English and Chinese" gives English).
_SPOKEN = (rf"({_LANG_ALT})(?:{_LANG_ALT})?(?:文|语|双语)"
           rf"(?:[和与及、](?:{_LANG_ALT})(?:文|语))?")
_USING = "(?:以|用|使用|采用)"
# Each with the language as its group: a bare "使用中文" may be about anything, so the event
# is "conducted in" it, it is used "throughout", or it is the event's "language".
LANGUAGE = (re.compile(rf"{_USING}{_SPOKEN}(?:进行|举行|开展)"),  # "以中文进行"
            re.compile(rf"全程{_USING}?{_SPOKEN}"),  # "活动全程使用中文"
            re.compile(rf"语言[：:为是] *{_SPOKEN}"))  # "会议语言：中文", "工作语言为中英文"
TRANSLATION = re.compile(
    rf"(?:({_LANG_ALT})(?:文|语))?(?:(?:同声|同步|交替)?(?:翻译|传译|口译)|同传)")
# What says a translation is offered, not only talked about: 同传 is always a service.
OFFERED = re.compile("提供|配有|配备|同声|同传")
# "不提供翻译", "无同声传译", "现场不设英文翻译": the page says there is none.
NO_TRANSLATION = re.compile(
    rf"(?:不|无|没有|未)(?:提供|设置|设|配备|配有|安排)?{TRANSLATION.pattern}")
PAST = re.compile(r"(?:主持|讨论|探讨|分析|介绍|发表|评议|点评|交流|对话|举办|举行|参加|出席|"
                  r"分享)了|已于|于\d{4}年.{0,12}?举行")
# A bio opens with the name and then says who the person is.
BIO_AFTER_NAME = re.compile(r" *(?:是|现任|现为|为|系|任|曾任|曾|担任|长期|主要|目前|，|,)")
BIO_WORDS = re.compile(r"研究员|教授|主任|院长|所长|学者|博士|大使|会长|理事|成员|专家|副|高级|"
                       r"fellow|professor", re.I)


# A heading over the guests' names and bios ("嘉宾简介", "与会嘉宾"), not over what they
# said ("嘉宾观点")
# ("主讲人简介", "講者簡介", "与谈人介绍" too: the same heading, naming the role)
GUESTS_HEADING = re.compile(r"(?:(?:与会|参会|发言|演讲|主讲|对话)?嘉宾(?:简介|介绍)?|"
                            r"(?:主讲人|主讲者|讲者|演讲人|与谈人|评议人|点评人|主持人)"
                            r"(?:简介|介绍))[:：]?")
# A sentence whose subject is the event ("讲座由……主持", "活动将……"); the word that names
# an event, at the end of its name ("本次中美关系研讨会将……")
EVENT_SUBJECT = re.compile(r"讲座|活动|会议|论坛|研讨会|报告会|对话|座谈会?")
# A post a guest holds, early in the line under their name ("清华大学国际关系学系教授"): the
# card's bio. Narrower than BIO_WORDS, whose 专家 or 高级 a sentence about the event has too.
_CARD_BIO = re.compile(r"研究员|教授|主任|院长|所长|学者|大使|会长|理事长|董事长|主席|部长|司长|"
                       r"总裁|fellow|professor|director", re.I)
_CARD_POST_LAST = re.compile(f"(?:{_CARD_BIO.pattern})$", re.I)  # a title line's post
# A post named in a title after a name ("卡内基研究员", "中国人民大学副教授", "所长"): a card's
# posts, and the others a title may end with.
POST = re.compile(f"{_CARD_BIO.pattern}|讲师|专家|成员|顾问|主编|编辑|记者|总监|经理|秘书长|校长|"
                  r"理事|会长|代表", re.I)
# Narration: "由赵通主持", "赵通将主持", "赵通担任主持人", "邱勇将致开幕词", "李彬将作主旨演讲",
# and up to four names for one role: "樊吉社、段占元将进行评议", "樊吉社与段占元担任评议人".
# Group 1 is a title before the first name, where they work and their post ("清华大学校长
# 邱勇将致辞"), groups 2-5 the names, group 6 the verb; each name is as short as the sentence
# allows ("李和平" is one name), and holds none of the words that join a subject to its verb
# ("教授都将作主旨演讲", "学者们将…" name nobody).
_NARRATED_NAME = rf"((?:(?![将会都均也亦们等])[{HAN}]){{2,4}}?)"
_NARRATED_TITLE = rf"((?:(?!由)[{HAN}]){{0,24}}?(?:{POST.pattern}))?"  # ("由" opens the sentence's)
NARRATION = re.compile(rf"(?:由|(?<![^，。；、 ])){_NARRATED_TITLE}{_NARRATED_NAME}"
                       + rf"(?:[、与和及]{_NARRATED_NAME})?" * 3
                       + r"(?:将|会|也将)?(?:分别)?(?:进行|担任|作|做|发表)?(主持人|主持|主讲|"
                       r"(?:主旨|主题)?演讲|点评|评议|致辞|致(?:开幕|欢迎|闭幕)[辞词])")
# The role of who the verb names: who gives remarks ("邱勇将致辞") or a keynote speaks, as
# "致辞：邱勇" makes him a speaker (the page model has no role of its own for them)
NARRATION_ROLES = {"主持": "moderator", "主持人": "moderator", "点评": "discussant",
                   "评议": "discussant"}


_CLAUSES = re.compile(r"[，。；！？,;\s]")
_CARD_TITLE_SIZE = 4  # characters at least: a place and a post ("北大教授")
# What a heading of people says, not a post ("评议学者", "主持嘉宾")
_ROLE_STEM = re.compile(r"主持|主讲|评议|点评|与谈|嘉宾|特邀|发言")


def has_han(text: str) -> bool:
    return _HAN.search(text) is not None


# Every byte but the ASCII letters: deleting them counts the letters at C speed (a
# Python loop over the characters was half the cost of saving a sample event).
_NOT_ASCII_LETTERS = bytes(b for b in range(256) if not chr(b).isalpha() or b > 127)


def han_share(text: str) -> float:
    """The share of Han characters among the letters of the text (0 when it has none)."""
    han = len(_HAN.findall(text))
    letters = han + len(text.encode("ascii", "ignore").translate(None, _NOT_ASCII_LETTERS))
    return han / letters if letters else 0.0


def page_language(text: str) -> str:
    """"zh" for a page written mostly in Chinese, else "en": an event keeps one page of each
    kind per language. A Chinese word takes one or two characters where English takes
    five or so letters, so a third of the letters being Han is a page mostly in Chinese."""
    return "zh" if han_share(text) >= 1 / 3 else "en"


_NUMERAL_DIGITS = dict(zip("零〇一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9),
                           strict=True))
_NUMERAL_TENS = {"廿": 20, "卅": 30}  # a day's tens in one character


def number(written: str) -> int:
    """The value of digits, of a NUMERAL or of a date's part in numerals: "15", "十五",
    "二十", "两", "二〇二七" (a year, digit by digit), "廿一"."""
    if written.isdecimal():
        return int(written)
    if (tens_value := _NUMERAL_TENS.get(written[:1])) is not None:
        return tens_value + (_NUMERAL_DIGITS[written[1]] if written[1:] else 0)
    tens, ten, ones = written.rpartition("十")
    if not ten:  # digit by digit: "五", "零五" (5, in "三点零五分"), "二〇二七"
        return int("".join(str(_NUMERAL_DIGITS[digit]) for digit in written) or "0")
    value = _NUMERAL_DIGITS[ones[-1]] if ones else 0
    return value + (_NUMERAL_DIGITS[tens] if tens else 1) * 10


def minutes(written: str) -> int:
    """The minutes MINUTES gives: "半" 30, "一刻" 15, "十五分" 15, "15" 15."""
    if written.isdecimal():
        return int(written)
    if written == "半":
        return 30
    if written.endswith("刻"):
        return 15 * number(written[0])
    return number(written[:-1])


def role_of(word: str) -> str | None:
    return _ROLE_WORDS.get(fold(word).replace(" ", ""))


def is_name(text: str) -> bool:
    """Two to four Han characters that are not a common word, an institution ("清华大学"),
    a section's heading ("讲座简介") or a heading of people in a role ("评议学者")."""
    word = fold(text)
    return (bool(NAME.fullmatch(text)) and word not in NOT_NAMES
            and not _INSTITUTION.fullmatch(word) and not _NOT_A_PERSON.search(word)
            and not SECTION.fullmatch(word)
            and not (_ROLE_STEM.search(word) and POST.search(word)))


def language_of(chars: str | None) -> str | None:
    return _LANGUAGE_NAMES.get(chars) if chars else None


def notice(sentence: str) -> dict | None:
    """What a Chinese sentence notes about the event, or None if it is not a notice."""
    if len(sentence) > 150:
        return None
    sentence = fold(sentence)
    found: dict = {}
    if CLOSED.search(sentence):
        found["registration_closed"] = True
    if OFF_RECORD.search(sentence):
        found["off_the_record"] = True
    language = next(filter(None, (p.search(sentence) for p in LANGUAGE)), None)
    if language:
        found["language"] = language_of(language.group(1))
    offered = NO_TRANSLATION.sub("", sentence)
    translation = TRANSLATION.search(offered)
    if translation and OFFERED.search(offered):
        found["translation"] = language_of(translation.group(1)) or ""
    elif len(offered) < len(sentence):
        found["translation"] = None  # a notice all the same, naming no translation
    if ACCESS.search(sentence) and "registration_closed" not in found:
        found["access"] = True
    return found or None


_ALL_HAN = re.compile(f"[{HAN}]+")
_DOTTED = re.compile(f"[{NAME_DOT}]")
_INSTITUTION = re.compile(
    r".*(?:大学|学院|中心|研究所|研究院|协会|学会|基金会|智库|政府|部|局|处|办|公司)")
_ITEMS = re.compile(r"[；;、]")
_ITEMS_OR_BRACKETS = re.compile(r"[（(][^（）()]{1,80}[）)]|[；;、]")  # (a closed bracket, skipped)
# (and the conjunction after a closed bracket: "Jane Doe (Carnegie) and John Smith", "Jane
# Doe（卡内基）and John Smith", "…（卡内基）和John Smith", 及, 与)
_SEGMENT_MARKS = re.compile(r"[，,（()）]|(?<=[)）]) *(?:(?:and|&) +|[和及与] *)")
# The "and" opening the list's last segment ("…, and John Smith"); only there: "Rand Paul"
# and "Brandon Lee" hold one
_AND = re.compile(r"^(?:and|&) +")
_TWO_NAMES = re.compile(rf"([{HAN}]{{2,4}})(?:和|与|及)([{HAN}]{{2,4}})")  # "李彬和樊吉社"
_NEW_BIO = re.compile(r"是|现任|现为|系|曾任|担任")  # an unknown name must say who they are


# "赵　通": Chinese typography pads a two-character name to the width of three (one space
# once normalised). No Chinese name has one character, so the two are one name.
_PADDED_NAME = re.compile(rf"([{HAN}]) ([{HAN}])(?![{HAN}])")


def institution(text: str) -> bool:
    """Whether (folded) text is an institution's name alone: "清华大学", "美国国务院"."""
    return bool(_INSTITUTION.fullmatch(text))


# A name with the title a page writes after it, with no space: "李彬教授", "王海燕博士"
TITLES_AFTER_NAME = "教授|博士|先生|女士|大使"
_TITLED_NAME = re.compile(rf"([{HAN}]{{2,3}})(?:{TITLES_AFTER_NAME})(?![{HAN}])")


def _han_name(text: str) -> tuple[str, int] | None:
    """The Chinese name opening text, and where it ends: "赵通", "赵　通" (as "赵通"),
    "李彬教授" (as "李彬", its title with it: the page names the same person "李彬")."""
    titled = _TITLED_NAME.match(text)
    if titled and is_name(titled.group(1)):
        return titled.group(1), titled.end()
    han = NAME.match(text)
    if han and is_name(han.group()):
        return han.group(), han.end()
    padded = _PADDED_NAME.match(text)
    if padded and is_name(name := padded.group(1) + padded.group(2)):
        return name, padded.end()
    return None


# A role's line read this far at most (and its people's items as far)
_LABELLED_SIZE = 1000
# Another role's label inside a role's line: "主持人：赵通，卡内基研究员；嘉宾：李彬", or
# after the full stop of the first's sentence: "主讲人：李彬，清华大学教授。评议人：王海燕" (the
# reader parts the line at these and at the English ones, `pages_people.labelled_parts`)
NEXT_LABEL = re.compile(rf"(?<=[，,；;、。 ])(?:{_ROLE_ALT}) *[：:] *")


def _items(text: str) -> list[tuple[str, str]]:
    """"李彬、樊吉社；段占元，研究员" -> the pieces that may each open with a name, each with
    the mark before it ("" for the first). Brackets part nothing: "王立新（清华大学副主任、
    外交部顾问）" is one piece."""
    pieces, begin, mark = [], 0, ""
    text = text[:_LABELLED_SIZE]
    for found in _ITEMS_OR_BRACKETS.finditer(text):
        if found.group()[0] in "（(":
            continue
        pieces.append((mark, text[begin:found.start()].strip()))
        begin, mark = found.end(), found.group()
    pieces.append((mark, text[begin:].strip()))
    return [(mark, item) for mark, item in pieces if item]


def _segments(item: str) -> list[str]:
    """An item of a role's line in its segments, parted by the commas outside brackets:
    "Jane Doe (Senior Fellow, Carnegie), John Smith" -> "Jane Doe (Senior Fellow,
    Carnegie)", " John Smith"; and after a closed bracket by "and": "Jane Doe (Carnegie
    Endowment) and John Smith" -> "Jane Doe (Carnegie Endowment)", "and John Smith"."""
    parts, depth, begin = [], 0, 0
    for mark in _SEGMENT_MARKS.finditer(fold(item)):  # (one character for one)
        if mark.group() in "（(":
            depth += 1
        elif mark.group() in ")）":
            depth = max(depth - 1, 0)
        elif not depth:
            parts.append(item[begin:mark.start()])
            begin = mark.end()
    parts.append(item[begin:])
    return parts


def _card_bio(par: str) -> bool:
    """Under "主讲人" or "嘉宾简介", whether the sentence under a name line is their bio,
    though it does not open with the name: the post they hold ("清华大学国际关系学系教授，
    ……。"), not what the event is ("讲座由……主任主持", "本次……"), not another person's
    line ("主持人：王栋，……") or own bio ("李彬是……")."""
    read = fold(par)
    return (par.endswith("。") and len(par) <= 500 and bool(_CARD_BIO.search(read, 0, 60))
            and not ABOUT_EVENT.search(read) and not EVENT_SUBJECT.match(read)
            and not ROLE_LINE.match(read) and not _opens_a_bio(par, read))


def _card_title(par: str) -> bool:
    """A card's title line under the name: where, then the post held, and nothing else
    ("卡内基—清华全球政策中心研究员", "北大教授"); not the next card's "王海燕 研究员", nor a
    heading ("评议学者", "特邀评议学者")."""
    read = fold(par)
    return (_CARD_TITLE_SIZE <= len(par) <= 60 and not _CLAUSES.search(read)
            and not _ROLE_STEM.search(read) and not ROLE_LINE.match(read)
            and bool(_CARD_POST_LAST.search(read)))


def _opens_a_bio(par: str, read: str) -> bool:
    """Whether a paragraph (`read`: folded) opens with a name and what a bio says next
    ("李彬是……"): a bio of its own, not the one of the name line above it."""
    return any(_ALL_HAN.fullmatch(par[:size]) and BIO_AFTER_NAME.match(read, size)
               for size in (2, 3, 4))


# What follows a name and a space up to the next space: a place or a remark, maybe.
_SPACED_ASIDE = re.compile(r"(\S{1,60}) (?=\S)")


class _Named(NamedTuple):
    name: str
    role: str | None  # the role in brackets after it: "赵通（主持人）"
    rest: str  # what follows the name (and its brackets)
    aside: str  # what its brackets say, when that is neither a role nor the name again


class ChineseReading:
    """The reader's rules for Chinese paragraphs; mixed into ``pages._Reader``, whose
    people registry (``_person``, ``_known``, ``_give_bio``) and Latin-name helpers
    (``_latin_name_at``, ``_latin_opens_with``) they share."""

    def _zh_name(self, text: str) -> _Named | None:
        """The name opening text: "赵通", "赵通（Tong Zhao）", "Tong Zhao（赵通）",
        "赵通（主持人）", "王立新（清华大学副主任）"."""
        found = _han_name(text)
        han, latin = found is not None, None
        if found is None:
            found = self._latin_name_at(text)
            if found is None:
                return None
            latin = found[0]
        name, rest = found[0], text[found[1]:]
        own, aside = None, ""
        brackets = BRACKETS.match(rest)
        if brackets:
            inner = brackets.group(1)
            own = role_of(inner)
            paired = self._latin_name_at(inner) if han else None
            if paired and paired[1] == len(inner):
                name = f"{name} ({paired[0]})"
            elif latin and is_name(inner) and not REMARK.search(fold(inner)):
                name = f"{inner} ({latin})"
            elif own is None:
                aside = inner
            rest = rest[brackets.end():]
        return _Named(name, own, rest, aside)

    def _zh_names(self, named: _Named | None) -> list[_Named]:
        """The person, or the people, a role line names in one item (`named`: the name
        opening it): "赵通", "赵通（Tong Zhao），研究员", "李彬 樊吉社"; none, if it opens
        with no name."""
        if named is None or (named[2] and named[2][0] not in " ，,：:"):
            return []
        found = [named]
        # A space parts the names of a list as 、 does; after a name, only another Chinese
        # name is one: "主持人 赵通 卡内基研究员" gives a title, "赵通 教授" a title word. A
        # place or a remark between two names is neither's ("李彬 清华大学 王海燕", "李彬 线上
        # 王海燕"), as between commas.
        while named[2].startswith(" "):
            after = named[2][1:]
            aside = _SPACED_ASIDE.match(after)
            if aside and self._aside(aside.group(1)) and _han_name(after[aside.end():]):
                after = after[aside.end():]
            if not (han := _han_name(after)):
                break
            following = self._zh_name(after)
            if (following is None or BIO_WORDS.search(fold(han[0]))
                    or (following[2] and following[2][0] not in " ，,：:")):
                break
            named = following
            found.append(named)
        return found

    @staticmethod
    def _zh_pair(text: str) -> list[_Named]:
        two = _TWO_NAMES.fullmatch(fold(text))
        names = [text[slice(*two.span(n))] for n in (1, 2)] if two else []
        if not names or not all(map(is_name, names)):
            return []
        return [_Named(name, None, "", "") for name in names]

    def _zh_person_line(self, i: int) -> int | None:
        """"主持人：赵通", "嘉宾：李彬、樊吉社", or a name line ("赵通（主持人）", "李彬，教授")
        that a bio follows: the index of the next paragraph."""
        line = self.paras[i]
        if len(line) > 300:
            return None
        label = ROLE_LINE.match(fold(line))
        if label:
            word = ROLE_WORD.search(label.group())
            assert word is not None  # ROLE_LINE matched: it holds a role word
            return self._zh_labelled(i, label.end(), role_of(word.group()))
        named = self._zh_name(line)
        if named is None:
            return None
        name, own, rest, _ = named
        if rest and (len(rest) > 80 or rest[0] not in " ，," or rest.endswith(("。", "."))):
            return None
        bio_at = self._zh_bio_index(i, name)
        # Under a heading of people, a card's title line ("卡内基—清华全球政策中心研究员"),
        # unless the section's cards put their titles above the names (its first line one)
        first = self.headed_at + 1
        titled = (bio_at is None and (self.section_role or self.guests)
                  and i + 1 < len(self.paras) and _card_title(self.paras[i + 1])
                  and not (first < i and _card_title(self.paras[first])))
        role = own or self.section_role
        if bio_at is None and not role and self._known(name) is None and not titled:
            return None
        entry = self._person(name, role)
        if titled:  # their title, as an English card's title line is (not a bio: prose after
            entry.title = entry.title or self.raw[i + 1]  # it still describes the event)
            return i + 2
        if bio_at is None:
            return i + 1
        self._give_bio(entry, self.raw[bio_at], None)
        return bio_at + 1

    def _zh_labelled(self, i: int, start: int, role: str | None) -> int | None:
        """The names a role's label gives from `start` ("主持人：赵通", "嘉宾：李彬、樊吉社",
        or an English label's "Speaker: 李彬"): the index of the next paragraph, else None."""
        line = self.paras[i]
        # "嘉宾：樊吉社、段占元将进行评议。": the role the line narrates is theirs
        self._zh_narration(line[start:])
        found = False
        for own, chunks in self._line_people(line[start:], role):
            found = self._role_people(chunks, own) or found
        return i + 1 if found else None

    def _line_people(self, text: str, role: str | None) -> list[tuple[str | None, list[
            tuple[list[_Named], str]]]]:
        """What a role's line gives after its label (`text`), item by item: the role (a
        further label's, after it) and the people the item names (`_item_people`)."""
        return [(own, self._item_people(item, whole=True))
                for own, part in self._labelled_parts(text[:_LABELLED_SIZE], role)
                for item in self._titled_items(part)]

    def _titled_items(self, part: str) -> list[str]:
        """The items of a part of a role's line (`_items`), a post after a post's 、 joined
        to the title before it: "傅莹，清华大学战略与安全研究中心主任、外交部原副部长" is one
        person's, with both posts (as "李彬、樊吉社" is two people)."""
        items: list[str] = []
        for mark, item in _items(part):
            if (mark == "、" and items and self._name_title(item)
                    and not self._a_name(self._zh_name(item))):
                last = _segments(items[-1])[-1]
                # (or after an institution's 、, the post all of them give: "李彬，清华大学、
                # 北京大学教授" is his, no second person's)
                if len(_segments(items[-1])) > 1 and (
                        self._name_title(last) or self._affiliation(last)) and not (
                        self._a_name(self._zh_name(last.strip()))):
                    items[-1] += mark + item
                    continue
            items.append(item)
        return [piece for item in items for piece in self._spaced_people(item)]

    def _spaced_people(self, item: str) -> list[str]:
        """An item of a role's line whose people are parted by spaces, each with their
        title or where they work after their name: one item per person ("李彬 清华大学教授
        王海燕 北京大学副教授" -> "李彬 清华大学教授", "王海燕 北京大学副教授"). A space parts
        them where what follows a name is a title and a Chinese name follows it."""
        words = item.split(" ")
        pieces, begin = [], 0
        for k in range(2, len(words)):
            said = words[k - 1]
            if (k - 1 > begin and has_han(said) and _han_name(words[k])
                    and (self._name_title(said) or self._affiliation(said))
                    and not self._a_name(self._zh_name(said))
                    and self._a_name(self._zh_name(" ".join(words[k:])))):
                pieces.append(" ".join(words[begin:k]))
                begin = k
        pieces.append(" ".join(words[begin:]))
        return pieces

    def _role_people(self, chunks: list[tuple[list[_Named], str]], role: str | None) -> bool:
        """The people an item of a role's line names (`_item_people`), in `role` unless
        their brackets give their own, each with their title: whether anyone was named."""
        for names, title in chunks:
            for named in names:
                entry = self._person(named.name, named.role or role)
                entry.title = entry.title or title
        return bool(chunks)

    def _item_people(self, item: str, whole: bool = False) -> list[tuple[list[_Named], str]]:
        """The people one item of a role's line names, in either script, each followed by
        an optional title: "李彬，副教授，樊吉社，研究员", "王立新（清华大学副主任），李彬 所长",
        "Jane Doe, Senior Fellow, John Smith, Professor", "Jane Doe (Senior Fellow,
        Carnegie), and John Smith". A segment (commas inside brackets part none) that names
        a post ("副教授", "清华大学副主任", "Senior Fellow", and a place after a post in
        Latin letters: ", Carnegie Endowment") is the title of the person before it; one
        that opens with a name is the next person; a place alone ("清华大学") or a remark
        ("线上", "online") after a person is neither, and the item goes on; anything else
        ends it. A segment of names alone ("Jane Doe and John Smith") is each of them.
        Each segment's people, and the title of a lone one (a title after two names is
        neither's); read only, nobody registered. `whole`: the item is one person's, as a
        roster's between semicolons is ("Bo Chen, lawyer"): a short phrase after its one
        name may be their title though it names no post on the list (`_own_title`)."""
        # per segment that names people: they, its name, where it ends and its title ends
        chunks: list[tuple[list[_Named], _Named | None, int, int]] = []
        own: dict[int, str] = {}  # a chunk's title in lower case, between two names
        titled, at = False, 0
        segments = _segments(item)
        for k, segment in enumerate(segments):
            begin, at = at, at + len(segment) + 1
            text = segment.strip()
            if k:  # "…, and John Smith": the list's last
                text = _AND.sub("", text, count=1)
            named = self._zh_name(text)
            bare = bool(chunks) and chunks[-1][2] == chunks[-1][3] and len(chunks) - 1 not in own
            if k and not self._a_name(named) and (
                    self._name_title(text) or (titled and text and not has_han(text))
                    or (bare and self._affiliation(text))):
                # a post, or an organisation alone ("Washington Post"): where they work
                chunks[-1] = (*chunks[-1][:3], begin + len(segment))
                titled = True
                continue
            if k and not self._a_name(named) and self._aside(text):
                titled = False
                continue
            if (k and bare and not self._a_name(named) and (phrase := self._own_title(
                    "," + segment)) and self._opens_the_next(segments[k + 1:])):
                # "Jane Doe, lawyer, John Smith": a phrase between two names is the first's
                own[len(chunks) - 1] = phrase
                continue
            listed = self._names_alone(text) if not has_han(text) else []
            if len(listed) > 1:  # "Jane Doe and John Smith": no one's title follows
                people, named = [_Named(name, None, "", "") for name in listed], None
            else:
                people = (self._zh_names(named) if self._a_name(named) or k == 0 else []
                          ) or self._zh_pair(text)
            if not people:
                break
            chunks.append((people, named, begin + len(segment), begin + len(segment)))
            titled = False
        read = [(people, own.get(n) or self._zh_title(named, item[end:title_end])
                 or self._affiliation(named.rest + item[end:title_end])
                 or self._affiliation(named.aside)
                 if named is not None and len(people) == 1 else "")
                for n, (people, named, end, title_end) in enumerate(chunks)]
        if whole and len(read) == 1 and len(read[0][0]) == 1 and not read[0][1]:
            named, end = chunks[0][1], chunks[0][2]
            return [(read[0][0], self._own_title(named.rest + item[end:]) if named else "")]
        return read

    def _opens_the_next(self, segments: list[str]) -> bool:
        """Whether the rest of an item's segments opens with the next person's name, or
        there is no rest: what a phrase between them closes is the name before it's."""
        if not segments:
            return True
        text = _AND.sub("", segments[0].strip(), count=1)
        return self._a_name(self._zh_name(text)) or len(self._names_alone(text)) > 1

    def _a_name(self, named: _Named | None) -> bool:
        """Whether what opens a segment of a role's line is someone's name ("李彬", "李彬
        所长", "Jane Doe"), not a post as short as a name ("副教授", "所长", "顾问"), nor an
        organisation's ("Carnegie China")."""
        return named is not None and not (BIO_WORDS.search(read := fold(named.name))
                                          or POST.search(read)
                                          or self._organisation(named.name, named.rest)
                                          or self._names_a_post(named.name, named.rest))

    def _zh_title(self, named: _Named, after: str) -> str:
        """The title after the one name a segment of a role's line opens with ("Jane Doe，
        卡内基研究员", "赵通（卡内基研究员）", "李彬 所长"), and `after` it (the segments of
        posts that follow), else ""."""
        if named.aside and (title := self._name_title(named.aside)):
            return title
        rest = named.rest + after
        if rest[:1] not in (" ", "，", ",", "：", ":"):
            return ""
        return self._name_title(rest.strip(" ，,：:"))

    def _zh_bio_index(self, i: int, name: str) -> int | None:
        # The bio is the next paragraph, or the one after a title/affiliation line.
        for j in (i + 1, i + 2):
            if j >= len(self.paras):
                return None
            par = self.paras[j]
            if self._zh_opens_with(par, name):
                return j
            if (j == i + 1 and (self.section_role or self.guests) and _card_bio(par)):
                return j
            if len(par) > 100 or par.endswith(("。", ".")):
                return None
        return None

    def _zh_opens_with(self, par: str, name: str) -> bool:
        han, _, latin = name.partition(" (")
        if not NAME.fullmatch(han):
            han, latin = "", name
        if han and par.startswith(han) and BIO_AFTER_NAME.match(fold(par), len(han)):
            return True
        return bool(latin) and self._latin_opens_with(par, latin.rstrip(")"))

    def _zh_bio(self, i: int) -> bool:
        """A paragraph opening with a Chinese name and saying who they are: "赵通是……"."""
        par = self.paras[i]
        read = fold(par)
        dotted = NAME.match(par)
        sizes = (dotted.end(),) if dotted and _DOTTED.search(dotted.group()) else (2, 3, 4)
        for size in sizes:
            lead = par[:size]
            if not NAME.fullmatch(lead) or not BIO_AFTER_NAME.match(read, size):
                continue
            entry = self._known(lead)
            if entry is None:
                if (not (self.people or self.notes_after_intro) or not is_name(lead)
                        or not _NEW_BIO.match(read, size) or not BIO_WORDS.search(read, 0, 120)):
                    continue
                entry = self._person(lead)
            self._give_bio(entry, self.raw[i], None)
            return True
        return False

    def _zh_notice(self, sentence: str, found: dict, note: bool = True) -> None:
        """What a notice sentence says of the event; `note`: keep it among the access
        notes if it is one (not when its paragraph stays whole, as prose)."""
        closed = bool(found.get("registration_closed"))
        self.registration_closed = self.registration_closed or closed
        self.off_the_record = self.off_the_record or bool(found.get("off_the_record"))
        self.language = self.language or found.get("language")
        if found.get("translation") is not None:
            # "提供同声传译" names no language: it is the other of Chinese and English.
            other = "English" if self.language in (None, "Chinese") else "Chinese"
            self.translation = self.translation or found["translation"] or other
        if note and found.get("access"):
            self.access_notes[sentence] = None

    def _zh_narration(self, par: str) -> None:
        """"由赵通主持", "李彬将主讲", "樊吉社、段占元将进行评议"."""
        for m in NARRATION.finditer(fold(par)):
            names = [par[slice(*m.span(n))] for n in range(2, 6) if m.group(n)]
            # The list is the names next to the verb: "此外、赵通将主持" names 赵通 only,
            # "中美两国与会专家将进行点评" nobody.
            whole = len(names)
            while names and not all(is_name(name) and not BIO_WORDS.search(fold(name))
                                    and not POST.search(fold(name)) for name in names):
                names.pop(0)
            for n, name in enumerate(names):
                entry = self._person(name, NARRATION_ROLES.get(m.group(6), "speaker"))
                if n == 0 and len(names) == whole and m.group(1):  # the title before them
                    entry.title = entry.title or par[slice(*m.span(1))]


# --- a page's own furniture: lines that are no part of any event ----------------------

# The breadcrumb: "当前位置：首页 > 新闻动态 > 正文", "您的位置：首页 » 中心动态", or bare,
# from the home page: "首页 > 新闻动态 > …". A labelled one needs the home page or a
# separator after its label ("当前位置：北京" could be anything); a bare one the separator
# right after 首页 (a sentence that mentions 首页 has none there).
_CRUMB_SEP = r"[>＞»›→〉/]"
_HOME = r"(?:网站)?[首主]页"
_BREADCRUMB = re.compile(
    rf"(?:当前(?:所在)?|[您你](?:现在)?(?:所在)?的?|所在)位置 *[：:] *"
    rf"(?={_HOME}|.{{0,60}}?{_CRUMB_SEP})|{_HOME} *{_CRUMB_SEP}")
# A photo's caption ("图为研讨会现场", "上图为与会专家合影") and its credits ("（摄影：张三）",
# "图片来源：新华社", "（供稿：李彬 审核：赵通）"): a short line, one sentence at most. A
# paragraph that opens "图为…" and goes on with more sentences is the page's prose.
_CAPTION = re.compile(r"[上下左右]?图为")
_CREDIT = re.compile(r"[（(]?(?:摄影|拍摄|图片(?:来源|提供)?|图源|图/?文|文/?图|撰稿|供稿|责任编辑|"
                     r"责编|编辑|审[核校]|校对) *[：:/] *\S")
# ...or a photo's caption of a few words, naming what it shows: "研讨会现场", "与会嘉宾合影",
# "会后合影留念" (not the page's first line: a pasted page's title may end so). The scene
# is the event's ("线下现场", "欢迎莅临现场" are no captions).
_SCENE = re.compile(rf"[{HAN}0-9、 ]{{0,12}}(?:{EVENT_SUBJECT.pattern}|会|开幕式)现场|"
                    rf"[{HAN}0-9、 ]{{1,14}}(?:合影(?:留念)?|留影|剪影)")
# The links to the site's previous and next articles: "上一篇：…", "下一篇：没有了".
_PREV_NEXT = re.compile(r"[上下]一[篇条则](?:文章|新闻)? *[：:]")
_SENTENCE_INSIDE = re.compile(r"[。！？!?；;](?!\s*[）)]?$)")


def furniture(line: str, *, first: bool = False) -> bool:
    """Whether a (normalised) line is the page's own furniture, not the event's: its
    breadcrumb, a photo's caption or credits, or the links to the previous and next
    articles. `first`: the page's first line, which a caption of a few words is not."""
    if len(line) > 120:
        return False
    read = fold(line)
    if _BREADCRUMB.match(read) or _PREV_NEXT.match(read):
        return True
    if not first and _SCENE.fullmatch(read):
        return True
    short = len(read) <= 80 and not _SENTENCE_INSIDE.search(read)
    return short and bool(_CAPTION.match(read) or _CREDIT.match(read))
