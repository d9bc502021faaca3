"""What a member's `/event ask` question is about. Pure: no I/O, no discord.

Two readings of one question: the event facts it asks for (who moderates, when, where,
the language, off the record, registration), answered from the event's fields, and the
words worth searching the event pages for. Every function clips the question first, so
its work is bounded whatever it is given.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable

from bot.pages_names import search_text
from bot.pages_zh import HAN

MAX_QUESTION = 300  # the `/event ask` option's max_length
MAX_TERMS = 32  # words searched; more only slows the search down
# Chinese terms searched: overlapping pairs, about one per character of the question's
# Chinese, so twice as many (a topic named last in a question of some 60 Chinese
# characters is still searched)
HAN_TERMS = 2 * MAX_TERMS


class Intent(enum.Enum):
    """An event fact a question asks for, in the order the answers are shown."""

    MODERATOR = "moderator"
    SPEAKERS = "speakers"
    WHEN = "when"
    WHERE = "where"
    LANGUAGE = "language"
    OFF_THE_RECORD = "off_the_record"
    REGISTRATION = "registration"


# English: words (or runs of words) of the question, casefolded. Chinese: substrings.
_ENGLISH: dict[Intent, tuple[str, ...]] = {
    Intent.MODERATOR: ("moderator", "moderators", "moderates", "moderating", "moderated",
                       "moderate", "host", "hosts", "hosting", "hosted", "chair", "chairs",
                       "chairing", "chaired"),
    Intent.SPEAKERS: ("speaker", "speakers", "speaking", "speak", "speaks", "panel",
                      "panelist", "panelists", "panellist", "panellists", "discussant",
                      "discussants", "presenter", "presenters", "presenting", "guests",
                      "who is on"),
    Intent.WHEN: ("when", "what time", "which day", "what day", "date", "start time",
                  "starts", "begin", "begins", "schedule"),
    Intent.WHERE: ("where", "venue", "location", "address", "which room", "what room"),
    Intent.LANGUAGE: ("language", "languages", "translation", "translated", "translate",
                      "interpretation", "interpreter", "interpreting", "in english",
                      "in chinese", "in mandarin"),
    Intent.OFF_THE_RECORD: ("off the record", "off record", "on the record", "on record",
                            "recorded", "recording", "confidential", "chatham house",
                            "attribution", "press", "media", "journalists", "quote"),
    Intent.REGISTRATION: ("register", "registration", "registering", "registered", "rsvp",
                          "sign up", "signup", "seat", "seats", "ticket", "tickets",
                          "waitlist", "waiting list", "capacity", "spots", "is it full",
                          "can i join", "can i attend"),
}
# In simplified characters, as questions are read (`search_text`); with the words Taiwan
# uses where they differ (与谈人 discussant, not 与谈, which 参与谈判 holds; 口译, 报导,
# 录影), as the bot's zh-TW replies do.
_CHINESE: dict[Intent, tuple[str, ...]] = {
    Intent.MODERATOR: ("主持",),
    Intent.SPEAKERS: ("主讲", "演讲", "嘉宾", "评议", "点评", "与谈人", "发言", "讲者", "谁讲"),
    Intent.WHEN: ("时间", "什么时候", "甚么时候", "何时", "几点", "日期", "哪天", "几号"),
    Intent.WHERE: ("地点", "在哪", "哪里", "地址", "场地"),
    Intent.LANGUAGE: ("语言", "翻译", "同传", "传译", "口译", "中文", "英文", "英语"),
    Intent.OFF_THE_RECORD: ("公开", "记录", "媒体", "报道", "报导", "录音", "录像", "录影"),
    Intent.REGISTRATION: ("报名", "名额", "座位", "注册", "门票", "满员", "候补", "满了", "额满",
                          "空位", "位子"),
}
_PHRASES: dict[Intent, frozenset[tuple[str, ...]]] = {
    intent: frozenset(tuple(phrase.split()) for phrase in phrases)
    for intent, phrases in _ENGLISH.items()}
_LONGEST = max(len(p) for phrases in _PHRASES.values() for p in phrases)

# Words that carry no meaning of their own in a question: searching for them would rank
# passages by how often they say "the" (kept small: a word wrongly here is never found).
STOPWORDS = frozenset([
    "a", "about", "an", "and", "any", "are", "as", "at", "be", "by", "can", "could", "did",
    "do", "does", "for", "from", "had", "has", "have", "he", "her", "his", "how", "i", "in",
    "is", "it", "its", "me", "my", "of", "on", "or", "said", "say", "says", "she", "still",
    "tell", "that", "the", "their", "them", "there", "they", "this", "to", "was", "we",
    "were", "what", "when", "where", "which", "who", "whom", "why", "will", "with", "would",
    "yet", "you", "your",
])
# Question words and particles of a Chinese question: the Han text around them is searched.
_CHINESE_STOPWORDS = re.compile(
    "什么|甚么|为什么|怎么样|怎么|如何|哪些|哪个|哪里|是否|是不是|关于|请问|一下|说了|谈了|认为|"
    "有没有|的|了|吗|呢|吧|啊|么|谁")
_ABOUT = frozenset(["about", "regarding", "concerning"])
# A word, the combining marks after its letters included: casefolding can leave one that
# no letter composes with ("İstanbul" is "i", a combining dot, "stanbul"), and a word cut
# there is no word of the page (the search tokenizers read the marks as part of it).
_WORD = re.compile(r"\w[\w\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]*")
_HAN_RUN = re.compile(f"[{HAN}]+")
_NOT_HAN = re.compile(f"[^{HAN}]+")
_ONE_HAN = re.compile(f"[{HAN}]")
# A page's word as a question's are read: letters and digits, Han text apart (a Chinese
# page writes "部署THAAD系统", "2019年" with no space between).
_PAGE_WORD = re.compile(f"[^\\W_{HAN}]+")
# Full-width letters and digits, as a Chinese keyboard types them ("ＴＨＡＡＤ", "２０１９")
_FULL_WIDTH = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")


def intents(question: str) -> list[Intent]:
    """The event facts the question asks for, in display order; [] for none. Chinese in
    traditional characters reads as in simplified ones (主講 as 主讲, 時間 as 时间)."""
    text = composed(question).casefold()
    words = _WORD.findall(_HAN_RUN.sub(" ", text))
    chinese = search_text(text)  # as `han_terms` reads it
    found = {intent for intent, phrases in _CHINESE.items()
             if any(phrase in chinese for phrase in phrases)}
    for start in range(len(words)):
        for size in range(1, min(_LONGEST, len(words) - start) + 1):
            run = tuple(words[start:start + size])
            found.update(intent for intent, phrases in _PHRASES.items() if run in phrases)
    return [intent for intent in Intent if intent in found]


def composed(question: str) -> str:
    """The question as it is read: its letters composed ("u" and a combining diaeresis as
    "ü", one word character, as pages are written), and the full-width forms a Chinese
    keyboard types read as their own ("ＴＨＡＡＤ？" as "THAAD?"), as typed times and
    names are (NFKC)."""
    return unicodedata.normalize("NFKC", question[:MAX_QUESTION])


def _words_text(question: str) -> str:
    """The question outside Han text, `composed` and casefolded."""
    return _HAN_RUN.sub(" ", composed(question).casefold())


def search_words(question: str) -> list[str]:
    """The question's significant words outside Han text, casefolded, each once, in order."""
    text = _words_text(question)
    words = (w for w in _WORD.findall(text) if len(w) > 1 and w not in STOPWORDS)
    return list(dict.fromkeys(words))[:MAX_TERMS]


def searchable(question: str) -> bool:
    """Does the question have words to search the pages for?"""
    return bool(search_words(question) or han_terms(question))


def topic_words(question: str) -> list[str]:
    """The significant words after the question's last "about" ("what did Li Bin say about
    ambiguity": ambiguity), [] without one. The passage must speak of these; the other
    words (often who said it, which a recap rarely names) only rank what does."""
    words = _WORD.findall(_words_text(question))
    last = max((i for i, w in enumerate(words) if w in _ABOUT), default=None)
    if last is None:
        return []
    topic = dict.fromkeys(w for w in words[last + 1:] if len(w) > 1 and w not in STOPWORDS)
    return list(topic)[:MAX_TERMS]


def words_and_topic(question: str) -> tuple[list[str], list[str]]:
    """The question's search words, and the topic a passage must speak of (`topic_words`):
    [] without one, or when the topic is all of its words (any of them is then a match)."""
    words, topic = search_words(question), topic_words(question)
    return words, topic if topic and set(topic) != set(words) else []


def han_bigrams(text: str) -> list[str]:
    """Han text as overlapping two-character terms ("导弹防御": 导弹 弹防 防御), the way the
    search index holds it: Chinese has no spaces between words, and most words and names
    are two characters. A lone character stands as itself."""
    terms: list[str] = []
    for run in _HAN_RUN.findall(text):
        terms.extend(run[i:i + 2] for i in range(max(1, len(run) - 1)))
    return terms


def han_terms(question: str) -> list[str]:
    """The question's Han text to search for, as bigrams folded as the search index folds
    each page's (`han_index`), so that a question in either script finds a page in either;
    the question words (什么, 什麼) left out."""
    text = _NOT_HAN.sub(" ", search_text(question[:MAX_QUESTION]))
    terms = han_bigrams(_CHINESE_STOPWORDS.sub(" ", text))
    return list(dict.fromkeys(term for term in terms if len(term) == 2))[:HAN_TERMS]


def han_index(passage: str) -> list[str]:
    """A passage's Han text as the search index holds it: its bigrams (`han_bigrams`) in
    simplified characters (`search_text`), whichever script the page is written in."""
    return han_bigrams(search_text(passage))



def hidden_words(passage: str) -> list[str]:
    """The words of a passage that a search tokenizer reading it as written does not see as
    a question's words are read (`search_words`): those written against Han text with no
    space between ("部署THAAD系统", "2019年"), which it reads as one word with the Han
    characters, and those in full-width letters or digits ("ＴＨＡＡＤ"), which it reads as
    letters other than a question's; each as a question's word (NFKC: "THAAD"). The search
    index keeps them beside the passage, so that a question finds them."""
    if passage.isascii():
        return []
    found = []
    for word in _PAGE_WORD.finditer(passage):
        start, end = word.span()
        if ((start and _ONE_HAN.match(passage, start - 1)) or _ONE_HAN.match(passage, end)
                or _FULL_WIDTH.search(word[0])):
            found.append(unicodedata.normalize("NFKC", word[0]))
    return found


def plain_word(word: str) -> str:
    """A word as the search compares it: in its compatibility form (full-width letters as
    their own), without accents, casefolded ("Ｚürich" as "zurich")."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def word_hits(text: str, words: Iterable[str]) -> list[tuple[int, int]]:
    """Where `text` has one of a question's `words` (`search_words`), as (start, end), its
    words read as the search reads them (Han text apart, full-width letters as their own,
    accents aside: `plain_word`), for an excerpt to mark those its search tokenizer did not
    ("THAAD" of "部署THAAD系统", "Zürich" asked as "zurich"). A word matches when one of the
    two, compared, opens the other and is four letters or more, as the stemmers take
    "cafes" for "Café"."""
    wanted = {plain_word(word) for word in words}
    hits = []
    for word in _PAGE_WORD.finditer(text):
        plain = plain_word(word[0])
        if any(plain == asked or (len(min(plain, asked, key=len)) >= 4
                                  and (plain.startswith(asked) or asked.startswith(plain)))
               for asked in wanted):
            hits.append(word.span())
    return hits
