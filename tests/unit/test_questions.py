"""What an `/event ask` question asks for, and the words it searches."""

import time

import pytest

from bot.pages_names import search_text
from bot.questions import (
    _CHINESE,
    _CHINESE_STOPWORDS,
    HAN_TERMS,
    MAX_QUESTION,
    Intent,
    han_bigrams,
    han_index,
    han_terms,
    intents,
    search_words,
    searchable,
    topic_words,
)
from tests.traditional import TRADITIONAL


@pytest.mark.parametrize(("question", "expected"), [
    ("who is the moderator", [Intent.MODERATOR]),
    ("Moderator?", [Intent.MODERATOR]),
    ("who's hosting this?", [Intent.MODERATOR]),
    ("who is speaking", [Intent.SPEAKERS]),
    ("Who are the panelists?", [Intent.SPEAKERS]),
    ("when is it", [Intent.WHEN]),
    ("What time does it start?", [Intent.WHEN]),
    ("where is it held", [Intent.WHERE]),
    ("what's the venue", [Intent.WHERE]),
    ("what language", [Intent.LANGUAGE]),
    ("translation", [Intent.LANGUAGE]),
    ("Is there an interpreter?", [Intent.LANGUAGE]),
    ("is it in English?", [Intent.LANGUAGE]),
    ("off the record", [Intent.OFF_THE_RECORD]),
    ("Is it OFF-THE-RECORD?", [Intent.OFF_THE_RECORD]),
    ("will it be recorded", [Intent.OFF_THE_RECORD]),
    ("how do I register", [Intent.REGISTRATION]),
    ("any seats left?", [Intent.REGISTRATION]),
    ("can I sign up", [Intent.REGISTRATION]),
    ("who is the moderator and when", [Intent.MODERATOR, Intent.WHEN]),
    ("when and where, and who moderates?", [Intent.MODERATOR, Intent.WHEN, Intent.WHERE]),
])
def test_english_questions_about_the_event(question, expected):
    assert intents(question) == expected


@pytest.mark.parametrize(("question", "expected"), [
    ("谁主持", [Intent.MODERATOR]),
    ("主持人是谁？", [Intent.MODERATOR]),
    ("主讲人是谁", [Intent.SPEAKERS]),
    ("有哪些嘉宾", [Intent.SPEAKERS]),
    ("什么时候开始", [Intent.WHEN]),
    ("活动时间", [Intent.WHEN]),
    ("何时举行", [Intent.WHEN]),
    ("地点在哪", [Intent.WHERE]),
    ("用什么语言", [Intent.LANGUAGE]),
    ("有同传吗", [Intent.LANGUAGE]),
    ("提供翻译吗", [Intent.LANGUAGE]),
    ("活动公开吗", [Intent.OFF_THE_RECORD]),
    ("会有记录吗", [Intent.OFF_THE_RECORD]),
    ("怎么报名", [Intent.REGISTRATION]),
    ("还有名额吗", [Intent.REGISTRATION]),
    ("主持人是谁，什么时候", [Intent.MODERATOR, Intent.WHEN]),
    # the words of the bot's own zh-TW replies (與談人, 同步口譯, 不公開報導)
    ("與談人是誰？", [Intent.SPEAKERS]),
    ("有同步口譯嗎？", [Intent.LANGUAGE]),
    ("可以報導嗎？", [Intent.OFF_THE_RECORD]),
    ("會錄影嗎", [Intent.OFF_THE_RECORD]),
    ("誰參與談判", []),  # 与谈 inside 参与谈判: no discussants asked for
])
def test_chinese_questions_about_the_event(question, expected):
    assert intents(question) == expected


@pytest.mark.parametrize("question", [
    "what did Li Bin say about ambiguity",
    "What did they say about deterrence?",
    "Chinese defense countermeasures",
    "track record of missile tests",  # "record" alone is not "off the record"
    "导弹防御",
    "",
    "?? !!",
])
def test_questions_about_what_was_said_ask_for_no_fact(question):
    assert intents(question) == []


def test_words_to_search_leave_out_question_words_and_han_text():
    assert search_words("What did Li Bin say about THAAD and THAAD?") == ["li", "bin", "thaad"]
    assert search_words("when is it?") == []
    assert search_words("李彬 on deterrence") == ["deterrence"]
    assert topic_words("what did Li Bin say about ambiguity") == ["ambiguity"]
    assert topic_words("Li Bin ambiguity") == []
    assert searchable("导弹防御") and searchable("moderator") and not searchable("when is it")


def test_han_text_becomes_overlapping_pairs_without_question_words():
    assert han_bigrams("导弹防御") == ["导弹", "弹防", "防御"]
    assert han_bigrams("赵通, 李") == ["赵通", "李"]
    assert han_terms("导弹防御") == ["导弹", "弹防", "防御"]
    # traditional characters are searched in simplified ones, as the index holds pages
    assert han_terms("導彈防禦") == ["导弹", "弹防", "防御"]
    assert han_index("導彈防禦") == han_index("导弹防御") == ["导弹", "弹防", "防御"]
    assert han_index("李彬說：\uf900") == ["李彬", "彬说", "岂"]  # 豈's compatibility form
    assert han_terms("終於") == han_index("终于") == ["终于"]  # a form OpenCC may keep
    long = han_terms("請問這次會議上各國專家對於東亞區域安全局勢與美國對臺軍售還有導彈防禦")
    assert {"会议", "导弹", "防御"} <= set(long)
    # a long question's topic, named last, is searched too
    assert "导弹" in han_terms("请问在这次关于东亚区域安全局势以及美国对台军售政策和两岸经贸"
                             "往来的研讨会上，各位专家学者如何评价导弹防御")
    many = "".join(TRADITIONAL.values())  # over a hundred characters
    assert len(han_terms(many)) == HAN_TERMS
    assert han_terms("李彬说了什么？") == ["李彬"]
    assert han_terms("李彬說了什麼？") == ["李彬"]  # question words in traditional too
    assert han_terms("李彬甚麼時候談關於導彈") == ["李彬", "时候", "候谈", "导弹"]
    assert han_terms("what is it") == []
    # a term is two characters, each once, never across what is not Han text
    assert han_terms("李 导弹") == ["导弹"]
    assert han_terms("导弹导弹") == ["导弹", "弹导"]
    assert han_terms("李彬, 赵通") == ["李彬", "赵通"]
    assert han_terms("的" * MAX_QUESTION + "导弹") == []  # read no further than MAX_QUESTION


def test_the_chinese_words_questions_are_read_by_fold_to_themselves():
    """Questions are read through `search_text`: a phrase it would change never matches."""
    words = [w for phrases in _CHINESE.values() for w in phrases]
    words += _CHINESE_STOPWORDS.pattern.split("|")
    assert [w for w in words if search_text(w) != w] == []


def test_work_is_bounded_whatever_the_question():
    huge = "who off the record 主持 " * 200_000 + "when"
    started = time.process_time()
    assert intents(huge) == [Intent.MODERATOR, Intent.OFF_THE_RECORD]  # "when" is cut off
    assert len(search_words(huge)) <= 32 and len(han_terms(huge)) <= 32
    assert len(topic_words("about " * 1_000 + "x" * MAX_QUESTION)) <= 32
    assert time.process_time() - started < 0.5


def test_a_question_typed_in_full_width_forms_is_read_as_its_ascii_form():
    """A Chinese keyboard types full-width Latin letters (ＴＨＡＡＤ) and marks (？): the
    same words and facts as their ASCII forms, as typed times and names are."""
    assert search_words("ＴＨＡＡＤ是什么") == ["thaad"]
    assert search_words("ｗｈａｔ ｉｓ ＴＨＡＡＤ") == ["thaad"]  # stop words left out too
    assert intents("ＲＳＶＰ？") == [Intent.REGISTRATION]
    assert intents("ｗｈｏ　ｉｓ　ｔｈｅ　ｍｏｄｅｒａｔｏｒ") == [Intent.MODERATOR]
    assert intents("ｗｈｅｎ ｉｓ ｉｔ") == [Intent.WHEN]
