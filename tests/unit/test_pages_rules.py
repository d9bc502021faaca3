"""The page importer's reading rules, one synthetic page per rule: what becomes a note, the
title, the description, a person, a role or a bio, and what does not."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot import (
    pages_header,
    pages_lines,
    pages_notices,
    pages_people,
    pages_reader,
    pages_zh,
    webpage,
    when,
    when_typed,
    zones,
)
from bot.errors import InvalidValue
from bot.pages import (
    MAX_PAGE_BYTES,
    ROLES,
    decode_page,
    page_language,
    parse_page,
)
from bot.pages_names import narration, read_names
from bot.when import read_page_when
from tests.traditional import ALIKE, TRADITIONAL, traditional

INTRO = "Experts will examine how missile defense shapes deterrence in the region.\n\n"
SUMMARY = INTRO.strip()
# A named moderator and a notice before a paragraph: bios could start there.
BIOS_MAY_START = INTRO + "Ann Lee will moderate.\n\nThis event is off the record.\n\n"


def roles(text: str) -> dict[str, str]:
    return {p.name: p.role for p in parse_page(text).people}


def bios(text: str) -> dict[str, str]:
    return {p.name: p.bio for p in parse_page(text).people}


# --- notices ----------------------------------------------------------------------------


def test_a_place_after_held_in_is_not_a_language():
    page = parse_page(INTRO + "This event will be held in Washington.")
    assert page.language is None
    assert page.description == INTRO + "This event will be held in Washington."


@pytest.mark.parametrize("language", [
    # named ones, whose endings do not say they are languages
    "French", "German", "Mandarin", "Korean", "Hindi", "Urdu", "Farsi", "Hebrew", "Dutch",
    "Thai", "Greek", "Malay",
    "Portuguese", "Spanish", "Russian", "Arabic",  # -ese, -ish, -ian, -ic
])
def test_a_language_after_held_in_is_the_language(language):
    page = parse_page(INTRO + f"This event will be held in {language}.")
    assert (page.language, page.description) == (language, SUMMARY)


@pytest.mark.parametrize("paragraph", [
    "This event is off the record. Lunch will be served after the talk.",
    "Lunch will be served after the talk. This event is off the record.",
])
def test_a_notice_sharing_a_paragraph_with_prose_counts_and_loses_nothing(paragraph):
    page = parse_page(INTRO + paragraph)
    assert page.off_the_record is True
    assert page.description == INTRO + paragraph


def test_registration_closed_inside_prose_counts():
    page = parse_page(INTRO + "Lunch follows. Registration for this event is now closed.")
    assert page.registration_closed is True


def test_off_the_record_in_prose_about_a_person_is_not_a_notice():
    page = parse_page(INTRO + "The talk covers trade. Ann Lee often speaks off the record.")
    assert page.off_the_record is False


@pytest.mark.parametrize("notice", [
    "RSVP is required to attend.",
    "Please register to attend.",
    "Please note that seating is by invitation only.",
])
def test_rsvp_and_please_notices_are_access_notes(notice):
    page = parse_page(INTRO + notice)
    assert (page.access_notes, page.description) == ((notice,), SUMMARY)


# --- title, header and description ----------------------------------------------------


@pytest.mark.parametrize("abbreviation", ["Jr", "Sr", "Inc", "Ltd", "Co", "Corp", "St", "Mt",
                                          "Dr", "Mr", "Mrs", "Ms", "Prof", "Gen", "vs"])
def test_a_title_ending_in_an_abbreviations_period_is_still_the_title(abbreviation):
    title = f"Lessons from Acme {abbreviation}."
    page = parse_page(f"{title}\nDecember 15, 2026\n\n" + INTRO)
    assert (page.title, page.date_text) == (title, "December 15, 2026")


def test_a_short_late_line_is_not_the_title():
    for page in (parse_page(INTRO + "Watch online"),
                 parse_page(INTRO + "Ann Lee will moderate.\n\nWatch online")):
        assert page.title is None
        assert page.description.endswith("Watch online")


def test_a_subtitle_is_never_silently_dropped():
    page = parse_page("Trade Talks\nA Conversation on Tariffs\n\n" + INTRO)
    assert page.title == "Trade Talks"
    assert "A Conversation on Tariffs" in page.description


DATED = "December 5, 2026, 6:00 PM - 8:00 PM EST\nWashington, DC\n\n" + INTRO


@pytest.mark.parametrize(("top", "title", "subtitle"), [
    ("Arctic Shipping Forum\nSecurity and Cooperation in the High North",
     "Arctic Shipping Forum", "Security and Cooperation in the High North"),
    ("Arctic Shipping Forum\nA conversation with Ann Lee and Bo Chen",
     "Arctic Shipping Forum", "A conversation with Ann Lee and Bo Chen"),
    ("Upcoming Event\nArctic Shipping Forum", "Arctic Shipping Forum", None),  # a kicker
    ("Past Events\nArctic Shipping Forum", "Arctic Shipping Forum", None),
    ("Featured Webinar\nArctic Shipping Forum", "Arctic Shipping Forum", None),
    ("Public Seminars\nArctic Shipping Forum", "Arctic Shipping Forum", None),
    ("Private Briefing\nArctic Shipping Forum", "Arctic Shipping Forum", None),
    ("Online Panel\nArctic Shipping Forum", "Arctic Shipping Forum", None),
    ("Virtual Events\nArctic Shipping Forum", "Arctic Shipping Forum", None),
    ("Live Webinars\nArctic Shipping Forum", "Arctic Shipping Forum", None),
    ("Hybrid Event\nArctic Shipping Forum", "Arctic Shipping Forum", None),
    ("Special Briefings\nArctic Shipping Forum", "Arctic Shipping Forum", None),
    ("Upcoming Panels\nArctic Shipping Forum", "Arctic Shipping Forum", None),
    ("Event\nArctic Shipping Forum\nSecurity in the High North", "Arctic Shipping Forum",
     "Security in the High North"),
    ("Arctic Shipping Forum\nSecurity in the High North\nA Public Forum", "Arctic Shipping Forum",
     "Security in the High North\n\nA Public Forum"),
])
def test_a_subtitle_or_kicker_over_the_date_keeps_the_date_and_venue(top, title, subtitle):
    page = parse_page(f"{top}\n{DATED}")
    assert (page.title, page.date_text, page.location) == (
        title, "December 5, 2026, 6:00 PM - 8:00 PM EST", "Washington, DC")
    assert page.description == (f"{subtitle}\n\n{SUMMARY}" if subtitle else SUMMARY)


@pytest.mark.parametrize(("top", "subtitle"), [
    # og:title, then a differing <h1> the title already says, then an <h2>
    ("Arctic Shipping Forum: Security in the High North\nArctic Shipping Forum", None),
    ("Arctic Shipping Forum: Security in the High North\nEvent\nArctic Shipping Forum\n"
     "Cooperation at Sea", "Cooperation at Sea"),
    ("Arctic Shipping Forum\nThe High North in a Warming World",
     "The High North in a Warming World"),
])
def test_a_web_pages_heading_under_its_own_title_keeps_the_date_and_venue(top, subtitle):
    page = parse_page(f"{top}\n{DATED}", titled=True)
    assert (page.title, page.date_text, page.location) == (
        top.split("\n")[0], "December 5, 2026, 6:00 PM - 8:00 PM EST", "Washington, DC")
    assert page.description == (f"{subtitle}\n\n{SUMMARY}" if subtitle else SUMMARY)


def test_a_subtitle_names_the_people_it_introduces():
    page = parse_page(f"Arctic Shipping Forum\nA conversation with Ann Lee, moderated by Bo Chen"
                      f"\n{DATED}")
    assert [(p.name, p.role) for p in page.people] == [("Ann Lee", "speaker"),
                                                       ("Bo Chen", "moderator")]
    assert (page.date_text, page.location) == ("December 5, 2026, 6:00 PM - 8:00 PM EST",
                                               "Washington, DC")


@pytest.mark.parametrize("venue", ["Online", "Virtual", "Streaming", "Webcast", "Live on YouTube"])
def test_online_venues_under_the_date_are_the_location(venue):
    page = parse_page(f"Trade Talks\nTuesday, December 1, 2026\n{venue}\n\n" + INTRO)
    assert (page.title, page.date_text, page.location) == (
        "Trade Talks", "Tuesday, December 1, 2026", venue)
    assert page.description == SUMMARY


def test_a_heading_before_takeaways_is_not_description():
    page = parse_page(INTRO + "What We Heard\n\n• Trade: Tariffs rose.\n\n• Security: Alliances "
                      "held.")
    assert page.description == SUMMARY
    assert [t.heading for t in page.takeaways] == ["Trade", "Security"]


def test_prose_after_the_takeaways_is_skipped_not_described():
    tail = "A video of the event is available online for members."
    page = parse_page(INTRO + "• Trade: Tariffs rose.\n\n• Security: Alliances held.\n\n" + tail)
    assert page.description == SUMMARY
    assert tuple(map(str, page.skipped)) == (f'skipped paragraph: "{tail}"',)


@pytest.mark.parametrize(("tail", "shown"), [
    ("A video of the event will be posted online, for all members.",  # 60 characters: whole
     "A video of the event will be posted online, for all members."),
    ("A video of the event will be available online to all members.",  # 61: cut at 60
     "A video of the event will be available online to all members…"),
])
def test_a_skipped_paragraph_is_quoted_whole_up_to_sixty_characters(tail, shown):
    page = parse_page(INTRO + "• Trade: Tariffs rose.\n\n" + tail)
    assert tuple(map(str, page.skipped)) == (f'skipped paragraph: "{shown}"',)


# --- people and roles ------------------------------------------------------------------


def test_a_head_of_state_in_the_summary_is_not_a_speaker():
    text = "Xi Jinping is expected to visit Washington in November.\n\nAnn Lee will moderate."
    assert roles(text) == {"Ann Lee": "moderator"}
    assert parse_page(text).description == text


def test_a_chair_is_not_the_moderator():
    page = parse_page(INTRO + "Ann Lee will chair a panel with Bo Chen.")
    assert {p.name: p.role for p in page.people} == {"Ann Lee": "chair", "Bo Chen": "speaker"}
    assert page.moderator is None


def test_a_moderator_who_also_speaks_stays_the_moderator():
    page = parse_page(INTRO + "Ann Lee will moderate a discussion with Bo Chen. "
                      "Ann Lee will also speak.")
    assert page.moderator == "Ann Lee"
    assert {p.name: p.role for p in page.people} == {"Ann Lee": "moderator", "Bo Chen": "speaker"}


@pytest.mark.parametrize("apostrophe", ["'", "’"])
def test_an_institution_possessive_before_a_name_is_not_part_of_it(apostrophe):
    page = parse_page(INTRO + f"The discussion will be moderated by Carnegie{apostrophe}s Ann Lee.")
    assert page.moderator == "Ann Lee"


@pytest.mark.parametrize("verb", ["comment", "respond", "analyse", "analyze", "debate"])
def test_discussant_verbs(verb):
    assert roles(INTRO + f"Ann Lee will moderate, while Bo Chen will {verb} on the findings.") == {
        "Ann Lee": "moderator", "Bo Chen": "discussant"}


@pytest.mark.parametrize("verb", ["was moderated", "was hosted", "was chaired"])
def test_a_recap_says_who_moderated(verb):
    page = parse_page(INTRO + f"The event {verb} by Ann Lee.")
    assert page.kind == "recap"
    assert [p.name for p in page.people] == ["Ann Lee"]


@pytest.mark.parametrize(("label", "role"), [
    ("moderator", "moderator"), ("chair", "chair"), ("discussant", "discussant"),
    ("panelist", "speaker"), ("presenter", "speaker"), ("host", "host"),
])
def test_a_label_on_the_name_line_gives_a_known_role(label, role):
    text = f"{INTRO}Ann Lee, {label}\n\nAnn Lee is an economist.\n\nBo Chen\n\nBo Chen is a lawyer."
    assert roles(text) == {"Ann Lee": role, "Bo Chen": "speaker"}
    assert role in ROLES


def test_a_bio_opening_with_the_surname_keeps_its_person():
    assert bios(INTRO + "Jane Doe\n\nDoe is an economist.") == {"Jane Doe": "Doe is an economist."}


def test_what_a_speaker_will_do_is_not_a_bio():
    text = BIOS_MAY_START + "Bo Chen will speak about trade."
    assert bios(text) == {"Ann Lee": "", "Bo Chen": ""}
    assert parse_page(text).description.endswith("Bo Chen will speak about trade.")


def test_a_capitalised_place_opening_a_paragraph_is_not_a_person():
    text = BIOS_MAY_START + "Washington is hosting the summit this year."
    assert roles(text) == {"Ann Lee": "moderator"}
    assert parse_page(text).description.endswith("Washington is hosting the summit this year.")


@pytest.mark.parametrize("follow_on", [
    "Lee previously led the IMF.", "She previously led the IMF.", "They previously led the IMF.",
    "His work covers trade.", "Their work covers trade.", "Her work covers trade.",
    "Previously, she led the IMF.", "Currently she advises the IMF.",
])
def test_a_follow_on_paragraph_belongs_to_the_bio(follow_on):
    assert bios(INTRO + f"Ann Lee\n\nAnn Lee is an economist.\n\n{follow_on}") == {
        "Ann Lee": f"Ann Lee is an economist.\n\n{follow_on}"}


def test_an_unrelated_paragraph_after_a_bio_is_not_appended_to_it():
    tail = "The venue opens at noon for lunch and coffee."
    page = parse_page(INTRO + f"Ann Lee\n\nAnn Lee is an economist.\n\n{tail}")
    assert {p.name: p.bio for p in page.people} == {"Ann Lee": "Ann Lee is an economist."}
    assert tuple(map(str, page.skipped)) == (f'skipped paragraph: "{tail}"',)


@pytest.mark.parametrize(("place", "language"), [
    ("public", None),  # lower case: a word, not a language, whatever its ending
    ("Arabic", "Arabic"), ("Japanese", "Japanese"), ("Spanish", "Spanish"),
    ("Russian", "Russian"),
])
def test_what_reads_as_a_language(place, language):
    assert parse_page(INTRO + f"This event will take place in {place}.").language == language


# --- takeaways -------------------------------------------------------------------------

ZH_INTRO = "专家们将讨论导弹防御对地区威慑的影响。\n\n"
# Each Chinese wording is read in both scripts: simplified, and traditional as pages from
# Taiwan and Hong Kong write it.
SCRIPTS = [pytest.param(lambda text: text, id="simplified"),
           pytest.param(traditional, id="traditional")]


def test_a_takeaway_is_cut_at_its_first_colon_only():
    page = parse_page(INTRO + "• Trade: Tariffs rose: by 10%.")
    assert [(t.heading, t.text) for t in page.takeaways] == [("Trade", "Tariffs rose: by 10%.")]


def test_a_numbered_chinese_item_is_headed_by_its_first_sentence():
    page = parse_page(ZH_INTRO + "一、标题。文字")
    assert [(t.heading, t.text) for t in page.takeaways] == [("标题", "文字")]


@pytest.mark.parametrize(("length", "is_takeaway"), [(60, True), (61, False)])
def test_a_chinese_item_heading_is_at_most_sixty_characters(length, is_takeaway):
    page = parse_page(ZH_INTRO + "一、" + "题" * length + "。文字")
    assert bool(page.takeaways) is is_takeaway


@pytest.mark.parametrize("item", ["一、标题。", "一、没有句号的文字"])
def test_a_chinese_item_without_a_heading_and_text_stays_in_the_description(item):
    page = parse_page(ZH_INTRO + item)
    assert page.takeaways == ()
    assert page.description == ZH_INTRO + item


# --- files -------------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "message"), [
    (b"", "The file is empty."),
    (b" \n", "The file is empty."),
    (b"a" * (MAX_PAGE_BYTES + 1), "The file is too large (2,000,001 bytes; the limit is 2 MB)."),
    (b"ab\x00cd", "The file looks binary, not like a text page."),
    (b"a" * 100 + b"\x00", "The file looks binary, not like a text page."),  # one NUL is enough
    (b"abcdefghijklmnopq\x01\x02", "The file looks binary, not like a text page."),
    (b"\xff\xfeabc", "The file is not valid UTF-8 (bad byte at position 0); "
                     "save it as UTF-8 text and try again."),
    (b"1234", "The file has no readable text."),
])
def test_a_file_that_is_not_a_page_gets_one_plain_sentence(data, message):
    with pytest.raises(InvalidValue) as refused:
        decode_page(data)
    assert str(refused.value) == message


def test_a_page_that_is_not_text_gets_one_plain_sentence():
    with pytest.raises(InvalidValue) as refused:
        parse_page(b"Ann Lee will speak.")  # type: ignore[arg-type]
    assert str(refused.value) == "The page is not text."


def test_a_page_as_long_as_the_limit_in_characters_is_measured_in_bytes():
    with pytest.raises(InvalidValue) as refused:
        parse_page("é" + "a" * (MAX_PAGE_BYTES - 1))  # 2,000,000 characters, one byte more
    assert str(refused.value) == ("The text read from the page is too long (2,000,001 bytes; "
                                  "the limit is 2 MB).")


@pytest.mark.parametrize("data", [
    b"a" * MAX_PAGE_BYTES,  # exactly the limit
    b"abcdefghi\x01",  # one control character in ten: a stray one, not binary
    b"\t\n\r\x0cab",  # tabs, newlines and form feeds are text
])
def test_files_at_the_edges_of_the_checks_are_pages(data):
    assert decode_page(data)


# --- Chinese notices and people ------------------------------------------------------------


@pytest.mark.parametrize(("notice", "language", "translation"), [
    ("本次活动以中文进行，提供日文同声传译。", "Chinese", "Japanese"),
    # No language named: the translation is into the other of Chinese and English.
    ("本次活动以英文进行，提供同声传译。", "English", "Chinese"),
    ("本次活动提供同声传译。", None, "English"),
    ("现场有日文同声传译。", None, "Japanese"),
    ("现场配有日文翻译。", None, "Japanese"),
    ("现场有日文翻译。", None, None),  # translation mentioned, not provided
])
def test_chinese_language_and_translation_notices(notice, language, translation):
    page = parse_page(ZH_INTRO + notice)
    assert (page.language, page.translation) == (language, translation)


@pytest.mark.parametrize(("length", "off_the_record"), [(150, True), (151, False)])
def test_a_chinese_notice_is_one_short_sentence(length, off_the_record):
    sentence = "本次活动不对外公开" + "的" * (length - 10) + "。"
    assert len(sentence) == length
    assert parse_page(ZH_INTRO + sentence).off_the_record is off_the_record


def test_a_chinese_name_line_with_its_english_name_takes_an_english_bio():
    page = parse_page(ZH_INTRO + "主持人：赵通 (Tong Zhao)\n\n赵通 (Tong Zhao)\n\n"
                      "Tong Zhao is a fellow at Carnegie.")
    assert [(p.name, p.role, p.bio) for p in page.people] == [
        ("赵通 (Tong Zhao)", "moderator", "Tong Zhao is a fellow at Carnegie.")]


@pytest.mark.parametrize("line", ["嘉宾：李彬和樊吉社", "嘉宾：李彬与樊吉社，清华大学教授"])
def test_two_chinese_names_joined_by_and_are_two_people(line):
    assert roles(ZH_INTRO + line) == {"李彬": "speaker", "樊吉社": "speaker"}


def test_a_chinese_pair_that_is_not_two_names_is_nobody():
    assert roles(ZH_INTRO + "嘉宾：清华大学和北京大学") == {}


# --- one case per alternative of the notice and bio rules ----------------------------------


@pytest.mark.parametrize("notice", [
    "This event is not open to the press.",
    "This event is closed to the press.",
    "This event will be live streamed.",
    "This event will be livestreamed.",
    "This event will be webcast.",
    "This event will be recorded.",
    "Attendance at this event is by invitation.",
    "This is an invitation-only event.",
    "This event is on the record.",
])
def test_each_kind_of_access_note(notice):
    page = parse_page(INTRO + notice)
    assert (page.access_notes, page.description) == ((notice,), SUMMARY)


@pytest.mark.parametrize("rest", [
    "is an economist.", "was an economist.", "serves on the board.", "served on the board.",
    "has written widely.", "had a long career.", "holds a doctorate.", "held several posts.",
    "joined the IMF in 2001.", "leads the trade team.", "led the trade team.",
    "directs the program.", "directed the program.", "heads the program.",
    "headed the program.", "teaches economics.", "taught economics.", "works on trade.",
    "worked on trade.", "specializes in trade.", "focuses on trade.", "founded a think tank.",
    "chairs the board.", "brings decades of experience.", "currently advises the IMF.",
    "previously led the IMF.", "also writes novels.", ", a former diplomat, writes on trade.",
    ", the former envoy, writes on trade.", ", an economist, writes on trade.",
])
def test_a_bio_may_open_with_the_surname_and_any_bio_verb(rest):
    bio = "Doe" + ("" if rest.startswith(",") else " ") + rest
    assert bios(INTRO + f"Jane Doe\n\n{bio}") == {"Jane Doe": bio}


@pytest.mark.parametrize("notice", [
    "This event has reached capacity.", "This event is at full capacity.",
    "This event is over capacity.", "This event is full.", "This event is now full.",
    "This event is sold out.",
    *(f"The {event} has reached capacity." for event in (
        "discussion", "session", "conversation", "panel", "meeting", "webinar", "briefing",
        "seminar", "roundtable", "dialogue", "conference")),
])
def test_each_wording_of_a_full_event_closes_registration(notice):
    page = parse_page(INTRO + notice)
    assert (page.registration_closed, page.access_notes, page.description) == (True, (), SUMMARY)


@pytest.mark.parametrize("notice", [
    "Registration is closed.", "Registration has closed.", "Registration is now full.",
    "Registration for this event is closed.", "Registration for the panel has now closed.",
    *(f"We are no longer {verb} {what}{after}" for verb in ("accepting", "taking")
      for what in ("registrations", "registration", "RSVPs", "RSVP")
      for after in (".", "!", " at this time.")),
    *(f"We are no longer accepting registrations for {the} {event}." for the in ("this", "the")
      for event in ("event", "discussion", "panel", "session", "conversation", "webinar",
                    "briefing", "seminar", "meeting")),
])
def test_each_wording_of_closed_registration_closes_it(notice):
    page = parse_page(INTRO + notice)
    assert (page.registration_closed, page.access_notes, page.description) == (True, (), SUMMARY)


@pytest.mark.parametrize("follow_on", [
    "Prior to that, she led the IMF.", "Before joining Carnegie, she led the IMF.",
])
def test_more_follow_on_openings_belong_to_the_bio(follow_on):
    assert bios(INTRO + f"Ann Lee\n\nAnn Lee is an economist.\n\n{follow_on}") == {
        "Ann Lee": f"Ann Lee is an economist.\n\n{follow_on}"}


@pytest.mark.parametrize("follow_on", [
    "他曾在清华大学任教。", "她曾在清华大学任教。", "此前，他在清华大学任教。",
    "此外，他还是作家。", "目前他在北京工作。",
])
def test_a_chinese_follow_on_paragraph_belongs_to_the_bio(follow_on):
    bio = "赵通是卡内基国际和平研究院研究员。"
    assert bios(ZH_INTRO + f"主持人：赵通\n\n赵通\n\n{bio}\n\n{follow_on}") == {
        "赵通": f"{bio}\n\n{follow_on}"}


MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]


@pytest.mark.parametrize("date", [
    *(f"{month} 1, 2026" for month in MONTHS),
    *(f"1 {month} 2026" for month in MONTHS),
    *(f"Dec. {day}, 2026" for day in ("1st", "2nd", "3rd", "4th")),
    *(f"{day} Dec. 2026" for day in ("1st", "2nd", "3rd", "4th")),
    "2026-12-01", "2026年12月1日", "12月1日",
])
def test_each_way_of_writing_a_date_under_the_title(date):
    page = parse_page(f"Trade Talks\n{date}\n\n" + INTRO)
    assert (page.title, page.date_text, page.description) == ("Trade Talks", date, SUMMARY)


# --- what a name is made of ---------------------------------------------------------------

def spaced(text: str) -> list[str]:
    return text.split()


HONORIFICS = spaced("Amb. Ambassador Dr. Dr H.E. HE Prof. Professor Mr. Mr Mrs. Mrs Ms. Ms "
                    "Sen. Senator Rep. Gen. General Adm. Admiral Col. Colonel Lt. Gov. Governor "
                    "Hon. Honorable Excellency Rev. Sir Dame")
# Sentence openers, pronouns, job titles, places and institutions: never part of a name.
NOT_NAME_WORDS = spaced(
    "A An The This That These Those It Its They Their He She His Her We Our You In On At As By "
    "For From Of To With While When Whereas Given After Before During Since Although However But "
    "And Or If Then Also Both Each Today Now What How Why Who Where Join Please Register Speakers "
    "Moderator Discussion Event Panel Panelists Participants Featuring Highlights Key About "
    "Senior Fellow Director Deputy President Vice Chairman Chair Minister Secretary Former Chief "
    "Executive Editor Associate Assistant Nonresident Visiting Scholar Head Founder United States "
    "Republic Kingdom Union Nations North South East West Middle International Peace Endowment "
    "Institute Center Centre Council Foundation Program University Academy Association Forum "
    "Institution School College Committee Commission Ministry Department Agency Office Society "
    "Studies Affairs Relations Initiative Project Network")
PARTICLES = spaced("de del della der den di da das dos du van von bin binti ibn al el la le zu")


@pytest.mark.parametrize("honorific", HONORIFICS)
def test_an_honorific_is_dropped_from_the_name_but_kept_in_its_span(honorific):
    [span] = read_names(f"{honorific} Ann Lee")
    assert (span.name, span.start) == ("Ann Lee", 0)


@pytest.mark.parametrize("word", NOT_NAME_WORDS)
def test_a_capitalised_common_word_is_not_part_of_a_name(word):
    assert [span.name for span in read_names(f"{word} Ann Lee")] == ["Ann Lee"]


@pytest.mark.parametrize("particle", PARTICLES)
def test_a_lowercase_particle_inside_a_name_belongs_to_it(particle):
    assert [span.name for span in read_names(f"Ann {particle} Lee")] == [f"Ann {particle} Lee"]


@pytest.mark.parametrize(("text", "names"), [
    ("Ann Lee spoke.", ["Ann Lee"]),
    ("Ana Maria Lee Chen Wong spoke.", ["Ana Maria Lee Chen Wong"]),  # five words: a name
    # particles are not counted: five name words and two particles are still a name
    ("Ana Maria de la Cruz Lopez Garcia spoke.", ["Ana Maria de la Cruz Lopez Garcia"]),
    ("Arctic Energy Transition Policy Review Board met.", []),  # six words: a title, nobody
    ("Ana Ruiz–Gómez spoke.", ["Ana Ruiz–Gómez"]),  # a compound surname set with an en dash
    ("Ana Ruiz‐Gómez spoke.", ["Ana Ruiz‐Gómez"]),  # ... or with Unicode's hyphen
])
def test_a_name_is_two_to_five_name_words(text, names):
    assert [span.name for span in read_names(text)] == names


@pytest.mark.parametrize("apostrophe", ["’", "'"])
def test_a_possessive_ends_the_name_without_its_s(apostrophe):
    spans = read_names(f"Ann Lee{apostrophe}s talk opens the day with Bo Chen.")
    assert [span.name for span in spans] == ["Ann Lee", "Bo Chen"]


@pytest.mark.parametrize(("opener", "closer"), [("(", ")"), ("“", "”"), ("[", "]"), ("«", "»")])
def test_a_name_just_after_an_opening_bracket_or_quote_is_a_name(opener, closer):
    paragraph = f"A keynote opens the day {opener}Ann Lee will speak first{closer}."
    assert narration(paragraph) == [("Ann Lee", "speaker", False)]


# --- one case per wording the importer recognises ------------------------------------------


@pytest.mark.parametrize("disclaimer", [
    "Carnegie does not take institutional positions on public policy issues.",
    "The views expressed here are personal.",
    "The views represented in this video are personal.",
    "The views presented here are personal.",
    "Opinions are those of the author.",
    "Opinions are solely those of the speaker.",
    "Opinions are those of the participants.",
    "Statements do not necessarily reflect Carnegie policy.",
    "Statements do not necessarily represent Carnegie policy.",
])
def test_a_trailing_disclaimer_is_recognised_not_skipped(disclaimer):
    page = parse_page(INTRO + f"Ann Lee\n\nAnn Lee is an economist.\n\n{disclaimer}")
    assert page.skipped == ()
    assert {p.name: p.bio for p in page.people} == {"Ann Lee": "Ann Lee is an economist."}


@pytest.mark.parametrize("word", [
    "event", "discussion", "session", "conversation", "panel", "meeting", "webinar", "briefing",
    "seminar", "roundtable", "dialogue", "conference",
])
def test_a_language_notice_is_about_the_event_by_any_name(word):
    page = parse_page(INTRO + f"This {word} will be held in French.")
    assert (page.language, page.description) == ("French", SUMMARY)


@pytest.mark.parametrize("sentence", [
    "This event will be in French.", "This event is in French.", "This event was in French.",
    "This event will be held in French.", "This event will be conducted in French.",
    "This event will be delivered in French.", "This event will take place in French.",
])
def test_each_way_of_saying_the_language(sentence):
    assert parse_page(INTRO + sentence).language == "French"


@pytest.mark.parametrize(("sentence", "translation"), [
    ("This event will have French translation.", "French"),
    ("This event will have French interpretation.", "French"),
    ("This event offers translation into French.", "French"),
    ("This event offers interpretation into French.", "French"),
    ("This event will be translated into French.", "French"),
    ("This event will be interpreted into French.", "French"),
])
def test_each_way_of_saying_the_translation(sentence, translation):
    page = parse_page(INTRO + sentence)
    assert (page.translation, page.description) == (translation, SUMMARY)


@pytest.mark.parametrize("notice", [
    "Registration is required.", "RSVP required.", "Please register in advance.",
])
def test_a_notice_may_start_with_what_it_is_about(notice):
    page = parse_page(INTRO + notice)
    assert (page.access_notes, page.description) == ((notice,), SUMMARY)


@pytest.mark.parametrize("notice", [
    "Simultaneous translation into French will be provided.",
    "Translation into French will be provided.",
    "Interpretation into French will be provided.",
])
def test_a_translation_notice_needs_no_event_word(notice):
    page = parse_page(INTRO + notice)
    assert (page.translation, page.description) == ("French", SUMMARY)


@pytest.mark.parametrize("notice", [
    "Registration for this event is closed.", "RSVPs for this event are closed.",
    "RSVP for this event is closed.",
])
def test_each_way_of_saying_registration_is_closed(notice):
    assert parse_page(INTRO + notice).registration_closed is True


@pytest.mark.parametrize("narration", [
    "The discussion was moderated by Ann Lee.", "The discussions were hosted by Ann Lee.",
    "The discussion was also chaired by Ann Lee.", "The discussion was then held at Carnegie.",
    "The discussion was off the record.", "The discussion was in Chinese.",
    "Afterwards they discussed trade.", "Afterwards panelists explored trade.",
    "Afterwards speakers examined trade.", "Afterwards participants analysed trade.",
    "Afterwards participants analyzed trade.", "Afterwards discussants debated trade.",
    "Ann Lee moderated.", "Ann Lee spoke on trade.", "Ann Lee presented the report.",
    "Ann Lee hosted the panel.", "Ann Lee chaired the panel.", "Ann Lee also discussed trade.",
])
def test_past_tense_narration_makes_the_page_a_recap(narration):
    assert parse_page(INTRO + narration).kind == "recap"


@pytest.mark.parametrize("roster", [
    "Speakers: Ann Lee, economist; Bo Chen, lawyer; and Cy Twombly, painter",
    "Speakers: Ann Lee, economist; Bo Chen, lawyer; & Cy Twombly, painter",
    "Speaker: Ann Lee, economist; Bo Chen, lawyer; Cy Twombly, painter",
    "Panelists: Ann Lee, economist; Bo Chen, lawyer; Cy Twombly, painter",
    "Participants: Ann Lee, economist; Bo Chen, lawyer; Cy Twombly, painter",
    "Featured speakers: Ann Lee, economist; Bo Chen, lawyer; Cy Twombly, painter",
    "Featuring: Ann Lee, economist; Bo Chen, lawyer; Cy Twombly, painter",
])
def test_each_roster_opening(roster):
    page = parse_page(INTRO + roster)
    assert [p.name for p in page.people] == ["Ann Lee", "Bo Chen", "Cy Twombly"]
    assert page.description == SUMMARY


@pytest.mark.parametrize("heading", [
    "Key Highlights", "Main Takeaways", "Discussion Highlights", "Event Summary", "Panel Overview",
    "About the Speakers", "Our Speakers", "Meet the Speakers", "Featured Speakers", "Highlight",
    "Takeaway", "Speaker", "Participants", "Panelists", "Featuring", "Summary", "Recap",
    "Overview", "Discussants", "Moderators", "Biographies", "Bios", "Bio", "Agenda", "Details",
    "Speakers:",
])
def test_a_section_heading_is_dropped(heading):
    page = parse_page(INTRO + f"{heading}\n\nAnn Lee\n\nAnn Lee is an economist.")
    assert (page.description, page.skipped) == (SUMMARY, ())


@pytest.mark.parametrize("time", [
    "18:00", "18：00", "18:00–20:00", "6:00 to 8:00", "6:00 pm", "18:00 EST",
    "6:00 until 8:00", "6 to 8 pm", "6 until 8 pm", "6 pm until 8 pm",
])
def test_a_time_on_its_own_line_under_the_date(time):
    page = parse_page(f"Trade Talks\nTuesday, December 1, 2026\n{time}\n\n" + INTRO)
    assert (page.date_text, page.description) == (f"Tuesday, December 1, 2026 {time}", SUMMARY)


@pytest.mark.parametrize("time", [
    "6:00 PM - 8:00 PM EST", "6:00 p.m. – 8:00 p.m. ET", "6 – 8 PM EDT", "6:00-8:00 PM",
    "10 AM - 12 PM GMT", "9:30 AM", "6:00 PM EST", "18:00–20:00 CET", "18:00 UTC+8",
    "6:00 PM (Beijing time)", "6:00 PM ET / 3:00 PM PT", "6:00 PM, Eastern Time",
])
def test_a_us_time_line_under_the_date_joins_it_and_the_venue_under_it_stays(time):
    page = parse_page(f"Trade Talks\nDecember 5, 2026\n{time}\nWashington, DC\n\n" + INTRO)
    assert (page.date_text, page.location, page.description) == (
        f"December 5, 2026 {time}", "Washington, DC", SUMMARY)


def test_the_us_time_line_gives_the_events_start_end_and_zone():
    page = parse_page("Trade Talks\nDecember 5, 2026\n6:00 PM - 8:00 PM EST\n\n" + INTRO)
    when = read_page_when(page.date_text, "UTC")
    assert (when.starts_at, when.ends_at) == (datetime(2026, 12, 5, 23, tzinfo=UTC),
                                              datetime(2026, 12, 6, 1, tzinfo=UTC))


@pytest.mark.parametrize("time", ["6 - 8", "12", "6 to 8", "2026", "PM EST"])
def test_numbers_alone_are_no_time_line(time):
    page = parse_page(f"Trade Talks\nDecember 5, 2026\n{time}\n\n" + INTRO)
    assert page.date_text == "December 5, 2026"


LABELLED = [
    "Date: December 5, 2026\nTime: 6:00 PM - 8:00 PM EST\n"
    "Location: Carnegie Endowment, Washington, DC",
    "When: Saturday, December 5, 2026, 6:00 PM - 8:00 PM EST\n"
    "Where: Carnegie Endowment, Washington, DC",
    "Time: 6:00 PM - 8:00 PM EST\nDate: December 5, 2026\n"
    "Venue: Carnegie Endowment, Washington, DC",
    "DATE: December 5, 2026\nTIME: 6 - 8 p.m. EST\nEvent Location: Carnegie Endowment, "
    "Washington, DC",
]


@pytest.mark.parametrize("lines", LABELLED)
@pytest.mark.parametrize("where", ["header", "end"])
def test_labelled_date_time_and_place_lines_are_read_wherever_they_are(lines, where):
    text = (f"Trade Talks\n\n{lines}\n\n{INTRO}" if where == "header"
            else f"Trade Talks\n\n{INTRO}Event Details\n\n{lines}")
    page = parse_page(text)
    when = read_page_when(page.date_text, "UTC")
    assert (when.starts_at, when.ends_at) == (datetime(2026, 12, 5, 23, tzinfo=UTC),
                                              datetime(2026, 12, 6, 1, tzinfo=UTC))
    assert page.location == "Carnegie Endowment, Washington, DC"
    assert (page.title, page.description, page.skipped) == ("Trade Talks", SUMMARY, ())


@pytest.mark.parametrize("line", ["Time: to act on climate", "Where: do we go from here?",
                                  "Date: to be announced"])
def test_a_label_over_something_else_is_prose(line):
    page = parse_page(INTRO + line)
    assert (page.date_text, page.location, page.description) == (None, None, INTRO + line)


@pytest.mark.parametrize("time", [
    "上午9点", "下午6点", "晚上7点", "中午12点", "早上8点", "下午6点半", "下午6点30分",
    "上午9点至上午11点", "下午2点至下午4点", "晚上7点至晚上9点", "中午12点至中午1点",
    "早上8点至早上9点", "下午6点至下午6点半", "下午6点至下午6点30分", "6点至8点", "6点到8点",
    *(f"{part}7点" for part in ("早晨", "凌晨", "傍晚", "晚间", "早", "晚")),
    *(f"上午6点至{part}8点" for part in ("早晨", "凌晨", "傍晚", "晚间", "早", "晚")),
    "十点", "下午三点", "下午3点一刻", "上午十点至十一点", "下午三点至五点", "下午3点至5点三刻",
    "下午3点至5点二十分", "下午3点至5点零五分", "下午3点二十分", "下午3点零五分",
])
def test_a_chinese_time_on_its_own_line_under_the_date(time):
    page = parse_page(f"贸易谈判\n2026年12月1日\n{time}\n\n" + ZH_INTRO)
    assert (page.date_text, page.description) == (f"2026年12月1日 {time}", ZH_INTRO.strip())


@pytest.mark.parametrize("second", [
    *(f"{part}7点" for part in ("上午", "早上", "早晨", "凌晨", "中午", "下午", "傍晚", "晚上",
                               "晚间", "早", "晚")),
    "7点", "十点", "三点", "7点半", "7点一刻", "7点二十分", "7点零五分", "7点15分", "19:00",
    "19:00-21:00", "19:00至21:00", "19:00到21:00", "19:00~21:00",
    *(f"6点至{part}9点" for part in ("上午", "早上", "早晨", "凌晨", "中午", "下午", "傍晚",
                                    "晚上", "晚间", "早", "晚")),
    "6点至十点", "6点至九点", "6点至9点半", "6点至9点一刻", "6点至9点二十分", "6点至9点零五分",
    "6点至9点15分",
])
def test_a_time_line_giving_the_time_in_two_zones_is_the_time_line(second):
    # "18:00 北京时间 / 下午7点", "6:00 PM ET / 3:00 PM PT": two readings of one time
    page = parse_page(f"贸易谈判\n2026年12月1日\n18:00 / {second}\n\n" + ZH_INTRO)
    assert (page.date_text, page.description) == (
        f"2026年12月1日 18:00 / {second}", ZH_INTRO.strip())


@pytest.mark.parametrize("second", ["3 PM", "3 to 5 PM", "3 until 5 PM", "3 - 5 PM", "3:00 to 5:00",
                                    "3:00 until 5:00", "3:00 - 5:00"])
def test_an_english_time_line_giving_the_time_in_two_zones_is_the_time_line(second):
    page = parse_page(f"Trade Talks\nDecember 1, 2026\n6:00 PM ET / {second} PT\n\n" + INTRO)
    assert (page.date_text, page.description) == (
        f"December 1, 2026 6:00 PM ET / {second} PT", SUMMARY)


@pytest.mark.parametrize("venue", [
    "Live on YouTube", "Streaming on Zoom", "Online", "Virtual", "Webcast", "Washington, DC",
])
def test_a_venue_line_under_the_title_without_a_date(venue):
    page = parse_page(f"Trade Talks\n{venue}\n\n" + INTRO)
    assert (page.title, page.location, page.description) == ("Trade Talks", venue, SUMMARY)


@pytest.mark.parametrize("bullet", [
    "一、", "（一）", "(二) ", "1、", "1. ", "• ", "▪ ", "● ", "◦ ", "· ", "‣ ", "- ", "* ", "– ",
    "— ",
])
def test_each_bullet_style_marks_a_takeaway(bullet):
    page = parse_page(INTRO + f"{bullet}Trade: Tariffs rose.")
    assert [(t.heading, t.text) for t in page.takeaways] == [("Trade", "Tariffs rose.")]


@pytest.mark.parametrize("bio", [
    "Bo Chen is a lawyer.", "Bo Chen was a lawyer.", "Bo Chen is an attorney.",
    "Bo Chen is the dean of a law school.", "Bo Chen is also a painter.",
    "Bo Chen is currently at Yale.", "Bo Chen is now at Yale.", "Bo Chen is formerly of Yale.",
    "Bo Chen is one of the founders of a firm.", "Bo Chen serves on the board.",
    "Bo Chen served on the board.", "Bo Chen holds a chair at Yale.", "Bo Chen leads a firm.",
    "Bo Chen led a firm.", "Bo Chen directs a program.", "Bo Chen directed a program.",
    "Bo Chen heads a program.", "Bo Chen headed a program.", "Bo Chen teaches law.",
    "Bo Chen taught law.", "Bo Chen works on trade.", "Bo Chen worked on trade.",
    "Bo Chen specializes in trade.", "Bo Chen focuses on trade.",
    "Bo Chen, a lawyer, writes on trade.", "Bo Chen, an attorney, writes on trade.",
    "Bo Chen, the dean, writes on trade.",
])
def test_a_paragraph_saying_who_a_new_name_is_makes_a_speaker(bio):
    assert bios(BIOS_MAY_START + bio) == {"Ann Lee": "", "Bo Chen": bio}


# --- roles in narration, one case per wording ---------------------------------------------

ANN = ("Ann Lee",)


@pytest.mark.parametrize(("text", "found"), [
    # auxiliaries between the name and its verb
    *((f"Ann Lee {aux} moderate.", [("Ann Lee", "moderator", False)]) for aux in (
        "will", "would", "shall", "to", "also", "then", "jointly", "later", "will be")),
    ("Ann Lee is moderating.", [("Ann Lee", "moderator", False)]),
    ("Ann Lee was moderating.", [("Ann Lee", "moderator", False)]),
    ("Ann Lee and Bo Chen are speaking.", [("Ann Lee", "speaker", False),
                                           ("Bo Chen", "speaker", False)]),
    ("Ann Lee and Bo Chen were speaking.", [("Ann Lee", "speaker", False),
                                            ("Bo Chen", "speaker", False)]),
    ("Ann Lee and Bo Chen both spoke.", [("Ann Lee", "speaker", False),
                                         ("Bo Chen", "speaker", False)]),
    ("Ann Lee and Bo Chen each spoke.", [("Ann Lee", "speaker", False),
                                         ("Bo Chen", "speaker", False)]),
    ("Ann Lee, who will moderate, is an economist.", [("Ann Lee", "moderator", False)]),
    ("Ann Lee will co-moderate.", [("Ann Lee", "moderator", False)]),
    # the verb gives the role
    *((f"Ann Lee will {verb}.", [("Ann Lee", role, False)]) for verb, role in (
        ("host", "host"), ("chair", "chair"), ("discuss trade", "discussant"),
        ("comment", "discussant"), ("respond", "discussant"), ("analyse it", "discussant"),
        ("analyze it", "discussant"), ("debate it", "discussant"), ("speak", "speaker"),
        ("present", "speaker"), ("deliver a lecture", "speaker"), ("give a lecture", "speaker"),
        ("offer a lecture", "speaker"), ("join", "speaker"), ("explore trade", "speaker"),
        ("examine trade", "speaker"), ("talk", "speaker"))),
    ("Ann Lee spoke.", [("Ann Lee", "speaker", False)]),
    ("Ann Lee gave a lecture.", [("Ann Lee", "speaker", False)]),
    # a host who hosts the discussion itself leads it
    *((f"Ann Lee will host {what} with Bo Chen.", [("Ann Lee", "host", True),
                                                   ("Bo Chen", "speaker", False)])
      for what in ("a discussion", "an open conversation", "the dialogue", "a debate",
                   "a panel", "a roundtable")),
    # what comes before a name
    *((f"{before} Ann Lee.", [("Ann Lee", role, False)]) for before, role in (
        ("The talk was moderated by", "moderator"), ("The talk was hosted by", "host"),
        ("The talk was chaired by", "chair"), ("Moderator:", "moderator"), ("Host:", "host"),
        ("Chair:", "chair"), ("Discussant:", "discussant"), ("Discussants:", "discussant"),
        ("With comments by", "discussant"), ("With comments from", "discussant"),
        ("A discussion with", "speaker"), ("A conversation with", "speaker"),
        ("A dialogue with", "speaker"), ("A debate with", "speaker"), ("A panel with", "speaker"),
        ("A roundtable with", "speaker"),
        ("A talk with", "speaker"), ("An interview with", "speaker"),
        ("Panel day: a chat with", "speaker"), ("An evening featuring", "speaker"),
        ("The panel features", "speaker"), ("The panel feature", "speaker"),
        ("The panel featured", "speaker"), ("The panel is joined by", "speaker"),
        ("With remarks by", "speaker"), ("With remarks from", "speaker"),
        ("With a presentation by", "speaker"), ("With presentations by", "speaker"),
        ("Speaker:", "speaker"), ("Speakers:", "speaker"), ("Panelist:", "speaker"),
        ("Panelists:", "speaker"))),
    # lists share their verb across every gap
    *((f"Ann Lee{gap}Bo Chen will speak.", [("Ann Lee", "speaker", False),
                                            ("Bo Chen", "speaker", False)])
      for gap in (" and ", " & ", ", ", " of Yale and ", " from Yale and ", " at Yale and ")),
    # "X joined A in a moderated conversation": X moderates
    *((f"Ann Lee joined Bo Chen {where} moderated {what}.", [("Ann Lee", "moderator", False),
                                                             ("Bo Chen", "speaker", False)])
      for where, what in (("in a", "conversation"), ("for a", "discussion"),
                          ("in an", "dialogue"), ("in the", "debate"), ("in a", "panel"),
                          ("in a", "session"))),
    # a label after the name beats the verb
    *((f"Ann Lee{sep}{label}{end} will moderate.", [("Ann Lee", role, False)])
      for sep, end in ((", ", ","), (" (", ")"), (" – ", ","), (": ", ","))
      for label, role in (("host", "host"), ("chair", "chair"), ("discussant", "discussant"),
                          ("speaker", "speaker"), ("panelist", "speaker"),
                          ("presenter", "speaker"))),
    ("Ann Lee (moderator) will speak.", [("Ann Lee", "moderator", False)]),
    ("Ann Lee and Bo Chen, with no word for what they do.", []),
])
def test_roles_read_from_narration(text, found):
    assert narration(text) == found


def test_names_stop_where_chinese_begins():
    assert [s.name for s in read_names("Zhang Hongyu是教授 Li Bin")] == ["Zhang Hongyu", "Li Bin"]


# --- Chinese wordings, one case each ------------------------------------------------------

ZH = ZH_INTRO.strip()


@pytest.mark.parametrize(("sentence", "found"), [
    *((f"报名{w}。", {"registration_closed": True}) for w in (
        "已截止", "已经截止", "已结束", "已关闭", "已满")),
    *((f"本次活动{w}。", {"registration_closed": True}) for w in (
        "名额已满", "座位已满", "人数已满", "停止报名")),
    *((f"本次活动{w}。", {"off_the_record": True}) for w in (
        "不对外公开", "不公开报道", "不对外报道", "不作公开报道", "不公开报导", "不录音", "不录像",
        "不录影")),
    *((f"本次活动{w}。", {"access": True}) for w in (
        "不对媒体开放", "谢绝媒体", "仅限受邀嘉宾", "仅限邀请嘉宾", "凭邀请入场", "需报名",
        "需要提前报名", "须提前报名", "须报名", "将网络直播", "将网路直播", "将线上直播",
        "将全程直播")),
    *((f"本次活动{how}{lang}{kind}{verb}。", {"language": name})
      for how, kind, verb in (("以", "文", "进行"), ("用", "语", "举行"), ("使用", "文", "开展"))
      for lang, name in (("中", "Chinese"), ("英", "English"))),
    *((f"本次活动以{lang}文进行。", {"language": name}) for lang, name in (
        ("汉", "Chinese"), ("日", "Japanese"), ("韩", "Korean"), ("俄", "Russian"),
        ("法", "French"), ("德", "German"), ("西班牙", "Spanish"), ("阿拉伯", "Arabic"))),
    *((f"现场提供{lang}{kind}同声传译。", {"translation": name}) for lang, name, kind in (
        ("中", "Chinese", "文"), ("汉", "Chinese", "语"), ("英", "English", "文"),
        ("日", "Japanese", "语"), ("韩", "Korean", "文"), ("俄", "Russian", "文"),
        ("法", "French", "文"), ("德", "German", "文"), ("西班牙", "Spanish", "语"),
        ("阿拉伯", "Arabic", "语"))),
    *((f"现场提供英文{how}。", {"translation": "English"}) for how in (
        "同声传译", "同步翻译", "交替传译", "翻译", "同步口译", "口译")),
    ("本次活动在北京。", None),
])
@pytest.mark.parametrize("script", SCRIPTS)
def test_chinese_notices(sentence, found, script):
    assert pages_zh.notice(script(sentence)) == found


NOT_NAMES = spaced(
    "待定 另定 嘉宾 主持 主持人 主讲人 讲者 主讲者 演讲人 评议人 点评人 与谈人 要点 主要观点 "
    "观点 简介 介绍 嘉宾介绍 嘉宾简介 时间 日期 地点 活动 活动简介 活动介绍 活动回顾 会议 议程 "
    "主题 题目 背景 内容 概要 摘要 总结 回顾 报名 联系 联系人 注意 注意事项 说明 研究员 教授 学者 "
    "专家 中国 美国 日本 韩国 朝鲜 俄罗斯 北京 上海 华盛顿 中美 中美关系 我们 他们 本次 本场 此次")
INSTITUTIONS = spaced("清华大学 外交学院 研究中心 某研究所 某研究院 作家协会 数学学会 某基金会 "
                      "兰德智库 "
                      "地方政府 外交部 公安局 办事处 外事办")


@pytest.mark.parametrize("word", NOT_NAMES + INSTITUTIONS)
@pytest.mark.parametrize("script", SCRIPTS)
def test_chinese_words_that_are_never_names(word, script):
    assert not pages_zh.is_name(script(word))
    assert pages_zh.is_name(script("赵通"))


@pytest.mark.parametrize(("word", "role"), [
    ("主持人", "moderator"), ("主持", "moderator"), ("主讲人", "speaker"), ("主讲嘉宾", "speaker"),
    ("主讲", "speaker"), ("讲者", "speaker"), ("主讲者", "speaker"),
    ("演讲人", "speaker"), ("演讲嘉宾", "speaker"), ("发言人", "speaker"),
    ("发言嘉宾", "speaker"), ("对话嘉宾", "speaker"), ("嘉宾", "speaker"),
    ("评议人", "discussant"), ("评议嘉宾", "discussant"), ("点评人", "discussant"),
    ("点评嘉宾", "discussant"), ("评论人", "discussant"), ("与谈人", "discussant"),
])
@pytest.mark.parametrize("separator", ["：", ":", " "])
@pytest.mark.parametrize("script", SCRIPTS)
def test_each_chinese_role_line(word, role, separator, script):
    page = parse_page(script(ZH_INTRO + f"{word}{separator}赵通"))
    assert {p.name: p.role for p in page.people} == {script("赵通"): role}  # as written
    assert page.description == script(ZH)


@pytest.mark.parametrize(("label", "role"), [
    ("主讲嘉宾", "speaker"), ("演讲嘉宾", "speaker"), ("发言嘉宾", "speaker"),
    ("对话嘉宾", "speaker"), ("评议嘉宾", "discussant"), ("点评嘉宾", "discussant"),
    ("主办单位", "host"), ("致辞嘉宾", "speaker"), ("开幕致辞", "speaker"),
    ("欢迎致辞", "speaker"), ("闭幕致辞", "speaker"), ("主持人", "moderator"),
    ("主讲人", "speaker"), ("演讲人", "speaker"), ("主讲者", "speaker"), ("发言人", "speaker"),
    ("评议人", "discussant"), ("点评人", "discussant"), ("评论人", "discussant"),
    ("与谈人", "discussant"), ("主办人", "host"), ("主办方", "host"), ("致辞人", "speaker"),
    ("主持", "moderator"), ("主讲", "speaker"), ("讲者", "speaker"), ("嘉宾", "speaker"),
    ("主办", "host"), ("致辞", "speaker"),
])
@pytest.mark.parametrize("first", ["主持人：", "Moderator: "])
@pytest.mark.parametrize("script", SCRIPTS)
def test_each_chinese_label_after_a_name_on_a_role_line_gives_its_own_role(label, role, first,
                                                                           script):
    """"主持人：赵通；欢迎致辞：李彬": two people, each in their label's role; the label's
    words ("欢迎", welcome) are nobody's name."""
    page = parse_page(script(ZH_INTRO + f"{first}赵通；{label}：李彬"))
    assert [(p.name, p.role) for p in page.people] == [
        (script("赵通"), "moderator"), (script("李彬"), role)]
    assert page.description == script(ZH)


@pytest.mark.parametrize("heading", [
    "要点", "观点", "主要观点", "内容", "简介", "介绍", "概要", "回顾", "议程", "摘要", "总结",
    "与会嘉宾", "参会嘉宾", "嘉宾介绍", "嘉宾简介", "活动要点", "会议议程", "讨论要点",
    "主要内容", "核心观点", "重要观点", "嘉宾简介：", "论坛简介", "报告要点",
])
@pytest.mark.parametrize("script", SCRIPTS)
def test_each_chinese_section_heading_is_dropped(heading, script):
    page = parse_page(script(ZH_INTRO + f"{heading}\n\n主持人：赵通"))
    assert (page.description, page.skipped) == (script(ZH), ())


@pytest.mark.parametrize(("line", "field", "value"), [
    ("时间：2026年12月1日", "date_text", "2026年12月1日"),
    ("日期：2026年12月1日", "date_text", "2026年12月1日"),
    ("地点：北京", "location", "北京"), ("地址：北京", "location", "北京"),
    ("主题：中美关系", "title", "中美关系"), ("题目：中美关系", "title", "中美关系"),
    # the label may name the kind of event
    ("活动时间：2026年12月1日 14:00", "date_text", "2026年12月1日 14:00"),
    ("活动地点：清华大学明理楼", "location", "清华大学明理楼"),
    ("会议地点：北京", "location", "北京"), ("讲座地点：北京", "location", "北京"),
    ("讲座主题：中美关系", "title", "中美关系"),
])
@pytest.mark.parametrize("script", SCRIPTS)
def test_each_chinese_field_line(line, field, value, script):
    page = parse_page(script(ZH_INTRO + line))
    assert (getattr(page, field), page.description) == (script(value), script(ZH))


@pytest.mark.parametrize("script", SCRIPTS)
def test_a_chinese_date_line_and_time_line_make_one_start(script):
    page = parse_page(script(ZH_INTRO + "日期：2026年12月1日\n时间：14:00-16:00\n地点：北京"))
    assert (page.date_text, page.location) == (script("2026年12月1日 14:00-16:00"), script("北京"))


@pytest.mark.parametrize("script", SCRIPTS)
def test_chinese_field_lines_after_the_people_still_count(script):
    page = parse_page(script(ZH_INTRO + "主讲人：李彬\n\n李彬是清华大学教授。\n\n"
                             "活动时间：2026年12月1日 14:00\n活动地点：清华大学明理楼"))
    assert (page.date_text, page.location) == (script("2026年12月1日 14:00"),
                                               script("清华大学明理楼"))


@pytest.mark.parametrize(("narration", "role"), [
    *((f"本次活动由赵通{verb}。", role) for verb, role in (
        ("主持", "moderator"), ("主讲", "speaker"), ("演讲", "speaker"), ("点评", "discussant"),
        ("评议", "discussant"))),
    *((f"{lead}赵通{aux}{verb}。", role)
      for lead in ("", "会上，", "随后。", "然后；", "此外、", "其后 ")
      for aux, verb, role in (("将", "主持", "moderator"), ("会", "主讲", "speaker"),
                              ("也将", "演讲", "speaker"), ("将担任", "主持人", "moderator"),
                              ("", "点评", "discussant"), ("", "评议", "discussant"))),
])
@pytest.mark.parametrize("script", SCRIPTS)
def test_each_chinese_narration(narration, role, script):
    assert roles(script(ZH_INTRO + narration)) == {script("赵通"): role}


@pytest.mark.parametrize("narration", [
    *(f"与会者{verb}了中美关系。" for verb in (
        "主持", "讨论", "探讨", "分析", "介绍", "发表", "评议", "点评", "交流", "对话", "举办",
        "举行", "参加", "出席", "分享")),
    "活动已于昨天结束。", "活动于2026年12月1日在北京举行。",
])
@pytest.mark.parametrize("script", SCRIPTS)
def test_chinese_past_tense_makes_a_recap(narration, script):
    assert parse_page(script(ZH_INTRO + narration)).kind == "recap"


@pytest.mark.parametrize("after", [
    "是研究员。", "现任研究员。", "现为研究员。", "为研究员。", "系研究员。", "任研究员。",
    "曾任研究员。", "曾在清华任教。", "担任研究员。", "长期研究核政策。", "主要研究核政策。",
    "目前在北京工作。", "，研究员。", ",研究员。",
])
@pytest.mark.parametrize("script", SCRIPTS)
def test_a_chinese_bio_opens_with_the_name_and_what_follows_it(after, script):
    assert bios(script(ZH_INTRO + f"主持人：赵通\n\n赵通\n\n赵通{after}")) == {
        script("赵通"): script(f"赵通{after}")}


@pytest.mark.parametrize(("verb", "word"), [
    ("是", "研究员"), ("现任", "教授"), ("现为", "主任"), ("系", "院长"), ("曾任", "所长"),
    ("担任", "学者"), ("是", "博士"), ("是", "大使"), ("是", "会长"), ("是", "理事"),
    ("是", "成员"), ("是", "专家"), ("是", "副主席"), ("是", "高级顾问"), ("是", "Senior Fellow"),
    ("是", "Professor"),
])
@pytest.mark.parametrize("script", SCRIPTS)
def test_a_new_chinese_name_needs_a_bio_verb_and_a_bio_word(verb, word, script):
    bio = script(f"李彬{verb}清华大学{word}。")
    assert bios(script(ZH_INTRO + "主持人：赵通\n\n") + bio) == {script("赵通"): "", "李彬": bio}


@pytest.mark.parametrize("joined", ["和", "与", "及"])
@pytest.mark.parametrize("script", SCRIPTS)
def test_each_chinese_and_between_two_names(joined, script):
    assert roles(script(ZH_INTRO + f"嘉宾：李彬{joined}樊吉社")) == {
        "李彬": "speaker", "樊吉社": "speaker"}


def test_names_in_traditional_characters_are_kept_as_written():
    # The vocabulary reads traditional characters as simplified; the names stay the page's.
    text = traditional(ZH_INTRO + "与谈人：刘明轩\n\n主讲人：陈思远与李彬\n\n"
                                  "本次活动由欧阳修文主持。")
    assert roles(text) == {"劉明軒": "discussant", "陳思遠": "speaker", "李彬": "speaker",
                           "歐陽修文": "moderator"}


@pytest.mark.parametrize("label", ["地点 Venue：", "Venue 地点：", "地点/Venue：",
                                   "地点（Venue）：", "Venue / 地点:", "地点："])
@pytest.mark.parametrize("script", [str, traditional])
def test_a_bilingual_field_label_labels_its_value(label, script):
    """"地点 Venue：" on a page in both languages: the venue, where the line went into the
    description and the event had none (or the label itself as its venue)."""
    page = parse_page(script(f"中美战略稳定对话\n\n时间 Time：2027年3月12日 下午2:00-4:00\n{label}"
                             "清华科技园\n\n主持人：赵通\n主讲人：李彬\n\n本次对话将探讨战略稳定问题。"))
    assert (page.date_text, page.location, page.description) == (
        script("2027年3月12日 下午2:00-4:00"), script("清华科技园"),
        script("本次对话将探讨战略稳定问题。"))


@pytest.mark.parametrize("line", ["2027/03/12（周五）14:00-16:00", "2027-3-12 14:00",
                                  "2027.3.12 下午2:00-4:00"])
@pytest.mark.parametrize("script", [str, traditional])
def test_a_year_first_numeric_date_line_is_the_pages_date(line, script):
    page = parse_page(script(f"大国竞争时代的军备控制\n\n{line}\n地点：北京大学\n\n主持人：张三\n"
                             "主讲人：李四\n\n本次讲座将探讨军控问题。"))
    assert (page.date_text, page.location) == (script(line), script("北京大学"))


ZH_RECAP_WITH_NOTE = """会议纪要｜中美战略稳定对话

2027年3月12日，卡内基—清华全球政策中心举办“中美战略稳定对话”研讨会。赵通主持会议。

一、中美战略关系的现状
与会专家认为，中美战略关系正处于历史低点。

二、未来展望
与会者一致认为，对话应持续进行。

（本文由卡内基—清华全球政策中心整理，未经发言人审阅。）"""
EN_RECAP_WITH_NOTE = """Strategic Stability Dialogue

On March 12, 2027, the Center hosted a dialogue. Tong Zhao moderated a discussion with Li Bin.

Key Takeaways

Current State of Relations
Participants agreed that the relationship was at a historic low.

Future Outlook
Participants agreed that dialogue should continue.

This summary was prepared by the Carnegie–Tsinghua Center and has not been reviewed by the \
speakers."""


ZH_LAST = "与会者一致认为，对话应持续进行。"
EN_LAST = "Participants agreed that dialogue should continue."


@pytest.mark.parametrize(("text", "last"), [
    (ZH_RECAP_WITH_NOTE, ZH_LAST), (traditional(ZH_RECAP_WITH_NOTE), traditional(ZH_LAST)),
    (EN_RECAP_WITH_NOTE, EN_LAST),
    (EN_RECAP_WITH_NOTE.replace("This summary was prepared by the Carnegie–Tsinghua Center "
                                "and ", "It "), EN_LAST)])
def test_a_recaps_closing_editors_note_is_no_part_of_its_last_takeaway(text, last):
    """"（本文由中心整理，未经发言人审阅。）", "This summary was prepared by ...": the page's
    note, not the last takeaway's words."""
    takeaways = parse_page(text).takeaways
    assert len(takeaways) == 2 and takeaways[-1].text == last


def test_every_character_of_the_chinese_vocabulary_is_read_in_both_scripts():
    """The traditional runs of the tests above cover the whole vocabulary (the importer's
    and the time readers' words): each of its characters is in tests/traditional.py, with its
    traditional form or as written alike in both scripts."""
    found = set()
    for module in (pages_zh, pages_reader, pages_header, pages_notices, pages_lines,
                   pages_people, webpage, when, when_typed, zones):
        for name, value in vars(module).items():
            if name.startswith("__") or name == "_TRADITIONAL":  # not the fold table itself
                continue
            if isinstance(value, re.Pattern):
                value = value.pattern
            elif isinstance(value, dict | frozenset | tuple):
                value = " ".join(map(str, value))
            if isinstance(value, str):
                found.update(re.findall(r"[\u4e00-\u9fff]", value.replace(pages_zh.HAN, "")))
    assert len(found) > 200
    assert found - set(TRADITIONAL) - ALIKE == set()


# --- a title line between a name line and its bio -------------------------------------------


@pytest.mark.parametrize(("title", "joined"), [
    ("Senior Fellow, " + "x" * 185, True),  # 200 characters: still a title line
    ("Senior Fellow, " + "x" * 186, False),  # 201: a paragraph of its own
    ("Senior Fellow at Carnegie.", False),  # a sentence, not a title line
])
def test_a_title_line_between_a_name_and_its_bio(title, joined):
    page = parse_page(INTRO + f"Jane Doe\n\n{title}\n\nJane Doe is an economist.")
    assert ({p.name: p.bio for p in page.people} == {"Jane Doe": "Jane Doe is an economist."}) \
        is joined
    assert (page.description == SUMMARY) is joined


@pytest.mark.parametrize(("title", "joined"), [
    ("卡内基" + "研" * 97, True),  # 100 characters
    ("卡内基" + "研" * 98, False),
    ("卡内基研究员。", False),
    ("Senior fellow.", False),
])
def test_a_title_line_between_a_chinese_name_and_its_bio(title, joined):
    page = parse_page(ZH_INTRO + f"主持人：赵通\n\n赵通\n\n{title}\n\n赵通是研究员。")
    assert {p.name: p.bio for p in page.people} == {"赵通": "赵通是研究员。"}
    assert (page.description == ZH) is joined


# --- which language a page is in --------------------------------------------------------------


@pytest.mark.parametrize(("text", "share", "language"), [
    ("", 0.0, "en"), ("12 — 34!", 0.0, "en"), ("abcdef", 0.0, "en"),
    ("中ab", 1 / 3, "zh"),  # a third of the letters Han: mostly Chinese
    ("中abc", 1 / 4, "en"),
    ("中ab 12, 34!", 1 / 3, "zh"),  # digits, spaces and punctuation are not letters
    ("中abéü", 1 / 3, "zh"),  # only ASCII letters count as the Latin side
    ("中文", 1.0, "zh"),
])
def test_a_page_is_chinese_when_a_third_of_its_letters_are_han(text, share, language):
    assert pages_zh.han_share(text) == pytest.approx(share)
    assert page_language(text) == language


# --- Chinese name lines ------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "people"), [
    ("主持人：赵通（Tong Zhao）", [("赵通 (Tong Zhao)", "moderator", "")]),
    ("主持人：Tong Zhao（赵通）", [("赵通 (Tong Zhao)", "moderator", "")]),
    ("赵通（主持人）\n\n赵通是研究员。", [("赵通", "moderator", "赵通是研究员。")]),
    ("Tong Zhao（主持人）\n\nTong Zhao is a fellow.",
     [("Tong Zhao", "moderator", "Tong Zhao is a fellow.")]),
    ("赵通（卡内基研究员）\n\n赵通是研究员。", [("赵通", "speaker", "赵通是研究员。")]),
    ("赵通，卡内基研究员\n\n赵通是研究员。", [("赵通", "speaker", "赵通是研究员。")]),
    ("赵通，" + "卡" * 79 + "\n\n赵通是研究员。", [("赵通", "speaker", "赵通是研究员。")]),
    ("赵通，" + "卡" * 80 + "\n\n赵通是研究员。", []),  # too long for a title after a name
    ("赵通，卡内基研究员。\n\n赵通是研究员。", []),  # a sentence, not a name line
    ("嘉宾：赵通（主持人）、李彬", [("赵通", "moderator", ""), ("李彬", "speaker", "")]),
    ("主持人：赵通\n\n樊吉社是清华大学教授。",
     [("赵通", "moderator", ""), ("樊吉社", "speaker", "樊吉社是清华大学教授。")]),
    ("主持人：赵通\n\n欧阳修文是清华大学教授。",
     [("赵通", "moderator", ""), ("欧阳修文", "speaker", "欧阳修文是清华大学教授。")]),
    ("由欧阳修文主持。", [("欧阳修文", "moderator", "")]),
])
def test_chinese_name_lines_and_bios(text, people):
    page = parse_page(ZH_INTRO + text)
    assert [(p.name, p.role, p.bio) for p in page.people] == people


@pytest.mark.parametrize(("bio", "owner"), [
    ("Doe is an economist.", "Jane Doe"),  # the surname
    ("Jane is an economist.", "Jane Doe"),  # or the first word, the surname in "Zhang Hongyu"
    ("Smith is an economist.", None),  # another surname
    ("Jane Doe is an economist.", "Jane Doe"),
    ("Jane Smith is an economist.", None),
])
def test_whose_bio_follows_a_name_line(bio, owner):
    page = parse_page(INTRO + f"Jane Doe\n\n{bio}")
    assert {p.name: p.bio for p in page.people} == ({owner: bio} if owner else {})


@pytest.mark.parametrize(("length", "people"), [
    (300, {"赵通": "speaker", "李彬": "speaker"}),
    (301, {}),  # too long for a role line: prose
])
def test_a_chinese_role_line_is_at_most_300_characters(length, people):
    line = "嘉宾：赵通、李彬，"
    line += "研" * (length - len(line))
    assert roles(ZH_INTRO + line) == people


@pytest.mark.parametrize(("text", "people", "described"), [
    ("主持人：待定", {}, False),  # a role line naming nobody is prose
    ("嘉宾：李彬，清华大学教授；樊吉社，社科院研究员",
     {"李彬": "speaker", "樊吉社": "speaker"}, True),  # names go on after a title
    ("主持人：李彬和樊吉社", {"李彬": "moderator", "樊吉社": "moderator"}, True),
    ("赵通：卡内基研究员\n\n赵通是研究员。", {}, False),  # a colon after a name: not a name line
    ("主持人\n\n赵通\n\n赵通是研究员。", {"赵通": "moderator"}, True),  # the heading's role
    ("赵通\n\n卡内基研究员", {}, False),  # a name line needs a bio, a role or a known name
])
def test_chinese_role_lines_and_name_lines(text, people, described):
    page = parse_page(ZH_INTRO + text)
    assert {p.name: p.role for p in page.people} == people
    assert (page.description == ZH) is described


@pytest.mark.parametrize(("paragraph", "newcomer"), [
    ("李彬是清华大学教授。", True),
    ("A通是清华大学教授。", False),  # not all Han: not a name
    ("李彬是好人。", False),  # says nothing of a post or title
    ("李彬在清华大学当教授。", False),  # no verb saying who he is
    ("清华大学是著名学府，有很多教授。", False),  # an institution
    ("专家是研究员出身。", False),  # a common word
    ("李彬是" + "好" * 110 + "教授。", True),
    ("李彬是" + "好" * 120 + "教授。", False),  # the title must come in the first 120 characters
])
def test_when_a_new_chinese_name_opening_a_paragraph_is_a_speaker(paragraph, newcomer):
    people = roles(ZH_INTRO + "主持人：赵通\n\n" + paragraph)
    assert people == ({"赵通": "moderator", "李彬": "speaker"} if newcomer
                      else {"赵通": "moderator"})


@pytest.mark.parametrize(("length", "header"), [(150, True), (151, False)])
def test_a_title_line_is_at_most_150_characters(length, header):
    page = parse_page("T" * length + "\nTuesday, December 1, 2026\n\n" + INTRO)
    assert (page.title is not None, page.date_text is not None) == (header, header)


@pytest.mark.parametrize(("length", "is_date"), [(80, True), (81, False)])
def test_a_date_line_is_at_most_80_characters(length, is_date):
    line = "Tuesday, December 1, 2026 "
    line += "x" * (length - len(line))
    assert (parse_page(f"Trade Talks\n{line}\n\n" + INTRO).date_text == line) is is_date


def test_a_full_event_needs_no_registration_note():
    assert pages_zh.notice("名额已满，需提前报名。") == {"registration_closed": True}


def test_a_chinese_event_translates_into_english_when_no_language_is_named():
    page = parse_page(ZH_INTRO + "本次活动以中文进行，提供同声传译。")
    assert (page.language, page.translation) == ("Chinese", "English")


def test_a_sentence_after_a_chinese_name_is_not_a_name_line():
    assert roles(ZH_INTRO + "赵通，Senior fellow.\n\n赵通是研究员。") == {}


@pytest.mark.parametrize(("padding", "newcomer"), [(115, True), (116, False)])
def test_a_new_chinese_name_has_its_title_in_the_first_120_characters(padding, newcomer):
    people = roles(ZH_INTRO + "主持人：赵通\n\n李彬是" + "好" * padding + "教授。")
    assert ("李彬" in people) is newcomer


def test_a_role_line_listing_institutions_is_prose():
    page = parse_page(ZH_INTRO + "嘉宾：清华大学和北京大学")
    assert (page.people, page.description) == ((), ZH_INTRO + "嘉宾：清华大学和北京大学")


@pytest.mark.parametrize("name_line", ["赵通 (Tong Zhao)", "赵通（Tong Zhao）"])
def test_a_bilingual_name_line_alone_takes_the_english_bio_under_it(name_line):
    # No role and no earlier mention: only the bio under it makes the line a name line.
    page = parse_page(ZH_INTRO + f"{name_line}\n\nTong Zhao is a fellow at Carnegie.")
    assert [(p.name, p.bio) for p in page.people] == [
        ("赵通 (Tong Zhao)", "Tong Zhao is a fellow at Carnegie.")]
    assert page.description == ZH


@pytest.mark.parametrize(("length", "notice"), [(300, True), (301, False)])
def test_a_notice_sentence_is_at_most_300_characters(length, notice):
    sentence = "This event is off the record, "
    sentence += "x" * (length - len(sentence) - 1) + "."
    assert parse_page(INTRO + sentence).off_the_record is notice


def test_only_one_time_line_joins_the_date():
    page = parse_page("Trade Talks\nTuesday, December 1, 2026\n18:00\n19:00\n\n" + INTRO)
    assert page.date_text == "Tuesday, December 1, 2026 18:00"
    assert page.description == "19:00\n\n" + SUMMARY


@pytest.mark.parametrize(("length", "is_location"), [(30, True), (31, False)])
def test_a_short_line_under_the_date_is_a_location_up_to_30_characters(length, is_location):
    page = parse_page(f"Trade Talks\nTuesday, December 1, 2026\n{'y' * length}\n\n" + INTRO)
    assert (page.location is not None) is is_location


def test_a_new_name_may_open_a_bio_once_someone_was_named():
    assert bios(INTRO + "Ann Lee will moderate.\n\nBo Chen is a lawyer.") == {
        "Ann Lee": "", "Bo Chen": "Bo Chen is a lawyer."}


@pytest.mark.parametrize(("text", "people", "described"), [
    # a known name's bio needs no title word
    ("主持人：赵通\n\n赵通曾在清华任教。", [("赵通", "moderator", "赵通曾在清华任教。")], True),
    # "李一为是": the two-character reading fails, the three-character one is tried
    ("主持人：赵通\n\n李一为是清华大学教授。",
     [("赵通", "moderator", ""), ("李一为", "speaker", "李一为是清华大学教授。")], True),
    # text right after the brackets: not a clean name
    ("嘉宾：赵通（主持人）卡内基", [], False),
    # the title after the brackets is theirs
    ("嘉宾：赵通（主持人），卡内基研究员", [("赵通", "moderator", "卡内基研究员")], True),
])
def test_chinese_bios_and_bracketed_roles(text, people, described):
    page = parse_page(ZH_INTRO + text)
    assert [(p.name, p.role, p.bio) for p in page.people] == people
    assert (page.description == ZH, page.skipped) == (described, ())


def test_a_bio_may_open_with_the_last_name_of_a_three_part_name():
    page = ("Arms Control Talk\n\nSpeakers\n\nSuresh Lal Narasimhan\n\n"
            "Narasimhan is a retired general and a fellow.\n\nLi Bin\n\nLi Bin is a professor.")
    assert bios(page) == {"Suresh Lal Narasimhan": "Narasimhan is a retired general and a fellow.",
                          "Li Bin": "Li Bin is a professor."}


def test_a_chinese_bio_that_opens_with_another_name_is_not_the_name_lines():
    page = "中美关系研讨会\n\n嘉宾\n赵通\n李彬是清华大学教授。"
    assert bios(page) == {"赵通": "", "李彬": "李彬是清华大学教授。"}


# -- header lines, name lines and notices at their limits ---------------------------------

TALK = "Experts will examine missile defense in the region.\n\n"


def test_one_time_line_under_the_date_joins_it_and_a_second_ends_the_header():
    page = parse_page("A Talk on Arms\nDecember 1, 2026\n18:00-20:00\n19:00\n\n" + TALK)
    assert page.date_text == "December 1, 2026 18:00-20:00"
    assert page.description.startswith("19:00")


def test_a_location_line_is_at_most_60_characters():
    at = "Live " + "x" * 55
    assert parse_page(f"A Talk on Arms\n{at}\n\n{TALK}").location == at
    over = "Live " + "x" * 56
    page = parse_page(f"A Talk on Arms\n{over}\n\n{TALK}")
    assert page.location is None and page.description.startswith(over)


def test_a_short_line_under_the_date_is_the_place_up_to_30_characters():
    at = "Abcdefghij Klmnopqrst Uvwxyzab"  # 30, no digits
    assert parse_page(f"A Talk on Arms\nDecember 1, 2026\n{at}\n\n{TALK}").location == at
    over = at + "c"
    page = parse_page(f"A Talk on Arms\nDecember 1, 2026\n{over}\n\n{TALK}")
    assert page.location is None and page.description.startswith(over)


@pytest.mark.parametrize(("header", "line", "role"), [
    ("Date: December 1, 2026\nTime: 6:00 PM", "Moderator: Tong Zhao", "moderator"),
    ("December 1, 2026", "Moderated by Tong Zhao", "moderator"),
    ("December 1, 2026", "Host: Carnegie China", None),
    ("2026年12月1日 14:00-16:00", "主办：清华大学", None),
    ("2026年12月1日 14:00-16:00", "主辦單位：清華大學", None)])
def test_a_field_or_a_role_under_the_date_is_no_place(header, line, role):
    """A venue has its own label ("Location:", "地点："); a short line of another field
    under the date names who moderates or organises, not where."""
    chinese = ("军控讨论会", "专家将讨论导弹防御。")
    title, about = chinese if "年" in header else ("A Talk on Arms", TALK)
    page = parse_page(f"{title}\n{header}\n{line}\n\n{about}")
    # (a role's label over a name is the page's people, not its description)
    assert page.location is None and (line in page.description) == (":" not in line or not role)
    assert [(p.name, p.role) for p in page.people] == ([("Tong Zhao", role)] if role else [])


@pytest.mark.parametrize(("line", "host"), [
    ("主办：赵通", "赵通"), ("主辦：趙通", "趙通"), ("主办人：赵通", "赵通"),
    ("主办：Tong Zhao", "Tong Zhao"), ("主办：赵通 (Tong Zhao)", "赵通 (Tong Zhao)"),
    ("Host: Tong Zhao", "Tong Zhao"), ("Host: 赵通", "赵通"),
    ("主办方：赵通", "赵通"), ("主办：清华大学", None), ("主辦單位：清華大學", None),
    ("主办方：清华大学", None), ("主办：卡内基", None),
    ("主办：卡内基—清华全球政策中心", None), ("Host: Carnegie China", None)])
@pytest.mark.parametrize("chinese", [False, True])
def test_a_host_under_the_date_is_a_person_or_kept_in_the_description(line, host, chinese):
    """"主办：" (who hosts) as "Host:" is, on a page of either language: a person is the
    page's host, an organisation stays in the description; a line in the page's other
    language is no version of the page in that language (which would drop it as a
    repeated title)."""
    title, date, about = (("军控讨论会", "2026年12月1日 14:00-16:00", "专家将讨论导弹防御。")
                          if chinese else ("A Talk on Arms", "December 1, 2026", TALK))
    page = parse_page(f"{title}\n{date}\n{line}\n\n{about}")
    assert page.title == title and page.location is None
    assert [(p.name, p.role) for p in page.people] == ([(host, "host")] if host else [])
    assert (line in page.description) == (host is None)
    assert about.strip() in page.description


@pytest.mark.parametrize(("page", "date"), [
    ("A Talk on Arms\nPosted on May 20, 2026\nDate: Monday, June 1, 2026\nTime: 2:00 PM EDT\n\n"
     + TALK, "Monday, June 1, 2026 2:00 PM EDT"),
    ("A Talk on Arms\nLast updated: May 20, 2026\nJune 1, 2026\n\n" + TALK, "June 1, 2026"),
    ("军控讨论会\n发布时间：2026年5月20日\n时间：2026年6月1日（周一）14:00-16:00\n\n专家将讨论导弹防御。",
     "2026年6月1日（周一）14:00-16:00"),
    ("軍控討論會\n來源：研究院　發佈時間：2026-05-20　瀏覽次數：1024\n\n专家讨论了导弹防御。",
     None),
    # a byline's day: when the article was posted
    ("Event Recap: A Talk on Arms\nBy Events Staff | May 20, 2026\n\n" + TALK, None),
    ("A Talk on Arms\nBy Jane Doe · May 20, 2026\nJune 1, 2026\n\n" + TALK, "June 1, 2026"),
    ("A Talk on Arms\nBy Jane Doe, Wednesday, May 20, 2026\n\n" + TALK, None),
    ("A Talk on Arms\nBy the Events Team · May 20, 2026\n\n" + TALK, None),
    # "By" opening the event's own line: how to attend, or a day with its time of day
    ("A Talk on Arms\nBy registration only, Monday, June 1, 2026\n\n" + TALK,
     "By registration only, Monday, June 1, 2026"),
    ("A Talk on Arms\nBy Zoom | Monday, June 1, 2026, 6:00 PM ET\n\n" + TALK,
     "By Zoom | Monday, June 1, 2026, 6:00 PM ET"),
])
def test_when_the_page_was_posted_is_not_when_the_event_is(page, date):
    """A site's line of when it posted the page, over the event's own date (a WordPress
    post's "Posted on", a Chinese site's "发布时间"), is neither the date nor the description."""
    read = parse_page(page)
    assert read.date_text == date
    assert "2026-05-20" not in read.description and "May 20" not in read.description


@pytest.mark.parametrize("posted", [
    *(f"Posted on {month} 20, 2026" for month in (
        "January", "Feb", "March", "Apr", "May", "June", "Jul", "August", "Sept", "Oct",
        "November", "Dec")),
    *(f"Updated: 20{end} {month} 2026" for end in ("", "th") for month in (
        "January", "Feb", "March", "Apr", "May", "June", "Jul", "August", "Sept", "Oct",
        "November", "Dec")),
    "Posted on May 1st, 2026", "Posted on May 2nd, 2026", "Posted on May 3rd, 2026",
    "Posted on May 4th, 2026", "Published: 1st May 2026", "Published: 2nd May 2026",
    "Published: 3rd May 2026", "Last updated 2026-05-20", "Last updated 2026-05-20T09:30:00Z",
    "Posted on Wednesday, May 20, 2026", "来源：研究院　发布时间：2026-05-20T09:30:00",
    "Last modified: May 20, 2026", "来源：研究院　发表时间：2026-05-20",
    "来源：研究院　更新时间：2026年5月20日", "来源：研究院　发布日期：2026-05-20"])
def test_a_posting_line_in_each_way_of_writing_its_date_is_not_the_events(posted):
    read = parse_page(f"A Talk on Arms\n{posted}\nJune 1, 2026\n\n" + TALK)
    assert read.date_text == "June 1, 2026"
    assert posted not in read.description


@pytest.mark.parametrize(("header", "date"), [
    # a day alone over the labelled date: the day the site posted the page
    ("May 20, 2026\nDate: Monday, June 1, 2026\nTime: 2:00 PM EDT",
     "Monday, June 1, 2026 2:00 PM EDT"),
    ("2026年5月20日\n时间：2026年6月1日（周一）14:00-16:00", "2026年6月1日（周一）14:00-16:00"),
    ("2026年5月20日\n日期：2026年6月1日\n时间：14:00-16:00", "2026年6月1日 14:00-16:00"),
    # a line with the event's time of day is the event's: a box under it repeats the day
    ("June 1, 2026, 2:00 PM EDT\nDate: June 1, 2026", "June 1, 2026, 2:00 PM EDT"),
    ("June 1, 2026, 2 PM EDT\nDate: June 1, 2026", "June 1, 2026, 2 PM EDT"),
    ("June 1, 2026\n2:00 PM EDT\nDate: June 1, 2026", "June 1, 2026 2:00 PM EDT"),
])
def test_a_labelled_date_outranks_a_day_alone_above_it(header, date):
    page = parse_page(f"A Talk on Arms\n{header}\n\n{TALK}")
    assert page.date_text == date


@pytest.mark.parametrize("clock", [
    "上午9点", "早上9点", "早晨9点", "凌晨1点", "中午12点", "下午2点", "傍晚6点", "晚上7点",
    "晚间7点", "早9点", "晚7点", "9点", "九点", "十点", "9:30"])
def test_a_chinese_date_line_with_its_time_of_day_is_the_events_over_a_labelled_date(clock):
    # a box under it repeats the day
    page = parse_page(f"A Talk on Arms\n2026年6月1日 {clock}\n日期：2026年6月1日\n\n{TALK}")
    assert page.date_text == f"2026年6月1日 {clock}"


def test_the_other_language_version_repeats_each_header_line_once():
    page = parse_page("Arms Talk\nDecember 1, 2026\n\n" + TALK +
                      "军控讨论会\n2026年12月1日\n第二个标题2\n\n专家将讨论导弹防御。")
    assert "第二个标题2" in page.description and "军控讨论会" not in page.description


def test_a_name_line_alone_of_someone_named_before_is_taken_without_a_bio():
    page = parse_page(TALK + "Ann Lee will moderate.\n\nAnn Lee\n\nKey Takeaways\n\n"
                      "• Trade: Tariffs rose.")
    assert "Ann Lee\n" not in page.description + "\n" and bios(
        TALK + "Ann Lee will moderate.\n\nAnn Lee\n\nAnn Lee is a fellow.") == {
        "Ann Lee": "Ann Lee is a fellow."}


def test_a_labelled_name_line_needs_no_bio():
    page = parse_page(TALK + "Ann Lee, moderator\n\nKey Takeaways\n\n• Trade: Tariffs rose.")
    assert [(p.name, p.role) for p in page.people] == [("Ann Lee", "moderator")]


def test_the_paragraph_after_a_name_line_without_a_bio_is_still_read():
    page = parse_page(TALK + "Ann Lee will moderate.\n\nAnn Lee\n\nThis event is off the record.")
    assert page.off_the_record


def test_a_notice_is_one_sentence_of_at_most_300_characters():
    def notice(size: int) -> str:
        start = "This event is off the record"
        padding = size - len(start) - 1
        return start + " and" * (padding // 4) + "." * (padding % 4 + 1)
    assert len(notice(300)) == 300 and len(notice(301)) == 301
    assert parse_page(TALK + notice(300)).off_the_record
    assert not parse_page(TALK + notice(301)).off_the_record


def test_a_long_line_opening_with_a_name_is_prose_not_a_name_line():
    long = "Ann Lee, " + "senior fellow of the institute " * 5 + "and more"
    assert len(long) > 150
    page = parse_page(TALK + long + "\n\nAnn Lee is a fellow at the institute.")
    assert long in page.description


def test_prose_after_a_name_line_is_no_longer_the_description():
    page = parse_page(TALK + "Ann Lee will moderate.\n\nAnn Lee\n\n"
                      "The institute thanks its generous sponsors for their support.")
    assert page.description == TALK.strip() + "\n\nAnn Lee will moderate."
    assert tuple(map(str, page.skipped)) == (
        'skipped paragraph: "The institute thanks its generous sponsors for their support…"',)


def test_a_name_line_with_its_label_in_brackets_needs_no_bio():
    page = parse_page(TALK + "Ann Lee (Moderator)\n\nKey Takeaways\n\n• Trade: Tariffs rose.")
    assert [(p.name, p.role) for p in page.people] == [("Ann Lee", "moderator")]


def test_a_bio_of_someone_new_starts_once_people_or_notes_came_before():
    for before in ("Ann Lee will moderate.", "This event is off the record."):
        assert bios(TALK + before + "\n\nBob Smith is a professor at the university.")[
            "Bob Smith"] == "Bob Smith is a professor at the university."


def test_a_roster_of_two_ending_in_a_full_stop_names_both_speakers():
    assert roles(TALK + "Ann Lee, Professor; Bob Smith.") == {
        "Ann Lee": "speaker", "Bob Smith": "speaker"}


def test_a_roster_label_gives_the_role_a_panelist_speaks():
    assert roles(TALK + "Ann Lee (panelist); Bob Smith (moderator)") == {
        "Ann Lee": "speaker", "Bob Smith": "moderator"}


@pytest.mark.parametrize("line", [
    "Moderator: Ann Lee, Director, Carnegie China; Speakers: Jane Doe, John Smith",
    "Moderator: Ann Lee, Director, Carnegie China | Speakers: Jane Doe, John Smith",
    "Moderator: Ann Lee, Director, Carnegie China. Speakers: Jane Doe and John Smith.",
    "Moderator: Ann Lee, Director, Carnegie China · Speakers: Jane Doe; John Smith",
])
def test_an_english_role_line_of_two_labels_gives_each_its_people_and_titles(line):
    page = parse_page(INTRO + line)
    assert [(p.name, p.role, p.bio) for p in page.people] == [
        ("Ann Lee", "moderator", "Director, Carnegie China"), ("Jane Doe", "speaker", ""),
        ("John Smith", "speaker", "")]
    assert page.description == SUMMARY


@pytest.mark.parametrize(("line", "first", "role"), [
    ("Chair: Ann Lee. Panelists: Jane Doe and John Smith.", "Ann Lee", "chair"),
    ("Chair: 赵通; Panelists: Jane Doe, John Smith", "赵通", "chair"),
    ("主持人：赵通；Panelists: Jane Doe, John Smith", "赵通", "moderator"),
])
def test_a_second_english_label_after_a_full_stop_or_a_chinese_name_starts_its_part(
        line, first, role):
    page = parse_page(INTRO + line)
    assert [(p.name, p.role) for p in page.people] == [
        (first, role), ("Jane Doe", "speaker"), ("John Smith", "speaker")]
    assert page.description == SUMMARY


@pytest.mark.parametrize(("line", "people"), [
    ("Speakers: Jane Doe and John Smith.", [("Jane Doe", ""), ("John Smith", "")]),
    ("Speakers: Jane Doe, Senior Fellow, and John Smith.",
     [("Jane Doe", "Senior Fellow"), ("John Smith", "")]),
    ("Speakers: Jane Doe, online, and John Smith.", [("Jane Doe", ""), ("John Smith", "")]),
    ("Speakers: Jane Doe, Bo Chen, and John Smith.",
     [("Jane Doe", ""), ("Bo Chen", ""), ("John Smith", "")]),
])
def test_one_labels_line_ending_with_a_name_and_a_full_stop_names_everyone(line, people):
    """The line's full stop after its last name is no part of that name, and makes no
    sentence of the line: everyone it lists, each with what is said beside them."""
    page = parse_page(INTRO + line)
    assert [(p.name, p.role, p.bio) for p in page.people] == [
        (name, "speaker", title) for name, title in people]
    assert page.description == SUMMARY


@pytest.mark.parametrize(("line", "people"), [
    ("Speakers: Jane Doe, lawyer, John Smith", [("Jane Doe", "lawyer"), ("John Smith", "")]),
    ("Speakers: Jane Doe, lawyer, John Smith, economist",
     [("Jane Doe", "lawyer"), ("John Smith", "economist")]),
    ("Speakers: Jane Doe, independent journalist, and John Smith.",
     [("Jane Doe", "independent journalist"), ("John Smith", "")]),
])
def test_a_phrase_in_lower_case_between_two_names_is_the_first_ones_title(line, people):
    page = parse_page(INTRO + line)
    assert [(p.name, p.role, p.bio) for p in page.people] == [
        (name, "speaker", title) for name, title in people]
    assert page.description == SUMMARY


@pytest.mark.parametrize("line", [
    "Moderator: Ann Lee. She is a fellow at Carnegie. Speakers: Jane Doe",
    "Moderator: Ann Lee, what do you think? Speakers: Jane Doe",
])
def test_a_role_line_that_goes_on_as_sentences_stays_in_the_description(line):
    page = parse_page(INTRO + line)
    assert page.description == f"{SUMMARY}\n\n{line}"


@pytest.mark.parametrize("text", [
    "Ann Lee, economist; Bo Chen, lawyer; Cai Wen, independent engineer",
    "Speakers: Ann Lee, economist; Bo Chen, lawyer; Cai Wen, independent engineer",
    "Speakers\n\nAnn Lee, economist; Bo Chen, lawyer; Cai Wen, independent engineer",
    "Moderators: Ann Lee, economist; Bo Chen, lawyer; Cai Wen, independent engineer",
])
def test_a_rosters_phrase_after_a_name_is_the_title_whatever_the_post(text):
    page = parse_page(INTRO + text)
    assert [(p.name, p.bio) for p in page.people] == [
        ("Ann Lee", "economist"), ("Bo Chen", "lawyer"), ("Cai Wen", "independent engineer")]
    assert {p.role for p in page.people} == {
        "moderator" if text.startswith("Moderators") else "speaker"}
    assert page.description == SUMMARY


@pytest.mark.parametrize(("text", "titles"), [
    # a city, a remark, a clause or a role is no title; an organisation is where they work
    ("Ann Lee, Beijing; Bo Chen, Carnegie China", ["", "Carnegie China"]),
    ("Ann Lee, who will moderate; Bo Chen, online", ["", ""]),
    ("Ann Lee, moderator; Bo Chen, Tsinghua University", ["", "Tsinghua University"]),
])
def test_a_rosters_place_remark_clause_or_role_is_no_title(text, titles):
    for page in (parse_page(INTRO + text), parse_page(INTRO + "Speakers\n\n" + text)):
        assert [(p.name, p.bio) for p in page.people] == list(
            zip(["Ann Lee", "Bo Chen"], titles, strict=True))


def test_semicolons_between_names_with_other_words_are_no_roster():
    page = parse_page(TALK + "Ann Lee 2020; Bob Smith 2021")
    assert page.people == () and page.description.endswith("Ann Lee 2020; Bob Smith 2021")


@pytest.mark.parametrize(("par", "found"), [
    ("Ann Lee joined Bob Smith in a moderated conversation, and Dan Brown will also speak.",
     [("Ann Lee", "moderator", False), ("Bob Smith", "speaker", False),
      ("Dan Brown", "speaker", False)]),
    ("Ann Lee will speak first. Bob Smith joined Carl Young in a moderated conversation.",
     [("Ann Lee", "speaker", False), ("Bob Smith", "moderator", False),
      ("Carl Young", "speaker", False)]),
])
def test_who_joined_whom_in_a_moderated_conversation_among_other_names(par, found):
    assert narration(par) == found


def test_a_role_heading_with_its_colon_gives_the_role_to_the_names_under_it():
    page = "中美关系研讨会\n\n主持人：\n赵通\n赵通是清华大学研究员。"
    assert roles(page) == {"赵通": "moderator"}


def test_a_heading_just_before_the_last_bullet_is_dropped():
    page = parse_page(TALK + "Some Heading Words\n• Trade: Tariffs rose.")
    assert "Some Heading Words" not in page.description and page.skipped == ()


def test_an_access_note_inside_prose_stays_prose_and_is_not_listed():
    page = parse_page(INTRO + "This event is not open to media. Lunch follows the talk.")
    assert page.access_notes == ()
    assert page.description.endswith("This event is not open to media. Lunch follows the talk.")


# "主讲人简介", "讲者简介": the same heading, naming the role as Taiwan's pages do too
@pytest.mark.parametrize("heading", ["嘉宾简介", "主讲人", "嘉宾介绍", "主讲人简介", "讲者简介",
                                     "演讲人介绍"])
@pytest.mark.parametrize("script", SCRIPTS)
def test_a_chinese_card_under_a_heading_of_people_gives_the_line_under_the_name(heading,
                                                                                  script):
    """"李彬" over "清华大学国际关系学系教授，……。" under "嘉宾简介": the sentence saying
    what they do is the bio, though it does not open with the name."""
    page = parse_page(script("人工智能与国际安全\n\n2026年12月1日 19:00\n\n" + heading
                             + "\n\n李彬\n\n清华大学国际关系学系教授，长期从事核军控研究。\n\n"
                             "赵通\n\n卡内基国际和平研究院研究员。\n\n"
                             # the title alone, and a title over what the guest said
                             "樊吉社\n\n中国社会科学院美国研究所研究员\n\n"
                             "段占元\n\n国防大学教授\n\n段占元指出，军备控制面临新挑战。"))
    assert {p.name: (p.role, p.bio) for p in page.people} == {
        script("李彬"): ("speaker", script("清华大学国际关系学系教授，长期从事核军控研究。")),
        script("赵通"): ("speaker", script("卡内基国际和平研究院研究员。")),
        script("樊吉社"): ("speaker", script("中国社会科学院美国研究所研究员")),
        script("段占元"): ("speaker", script("国防大学教授"))}
    assert page.location is None


@pytest.mark.parametrize("script", SCRIPTS)
def test_cards_with_their_titles_above_the_names_give_no_one_the_next_title(script):
    page = parse_page(script("中美对话\n\n2026年12月1日\n\n主讲人\n\n清华大学国际关系学系教授\n\n"
                             "李彬\n\n中国社会科学院美国研究所研究员\n\n樊吉社"))
    assert all(not p.bio for p in page.people), page.people


@pytest.mark.parametrize("script", SCRIPTS)
def test_a_cards_title_line_is_their_title_and_what_follows_is_read_as_ever(script):
    """The title line under a name is that guest's; a remark after it is not their bio,
    and the event's summary after the next heading still describes it."""
    page = parse_page(script("中美对话\n\n2026年12月1日\n\n嘉宾\n\n主持人：王缉思\n\n"
                             "李彬\n\n北大教授\n\n他强调指出核军控面临新的挑战。\n\n"
                             "王栋\n\n北京大学国际关系学院教授\n\n讲座简介\n\n"
                             "本讲座将探讨核军控面临的新挑战。"))
    assert {p.name: p.bio for p in page.people} == {
        script("王缉思"): "", script("李彬"): script("北大教授"),
        script("王栋"): script("北京大学国际关系学院教授")}
    assert script("本讲座将探讨核军控面临的新挑战。") in page.description


@pytest.mark.parametrize("script", SCRIPTS)
def test_a_heading_under_a_name_is_no_title_line(script):
    page = parse_page(script("中美对话\n\n2026年12月1日\n\n主讲人\n\n林中斌\n\n评议学者\n\n"
                             "王信贤\n\n政治大学东亚研究所所长"))
    assert script("评议学者") not in [p.bio for p in page.people], page.people


@pytest.mark.parametrize("script", SCRIPTS)
def test_what_the_event_is_under_a_name_line_is_no_bio(script):
    page = parse_page(script("中美对话\n\n2026年12月1日\n\n主讲人\n\n李彬\n\n"
                             "讲座将探讨人工智能对核稳定的影响。"))
    assert [(p.name, p.bio) for p in page.people] == [(script("李彬"), "")]
    assert page.description == script("讲座将探讨人工智能对核稳定的影响。")


@pytest.mark.parametrize(("heading", "lines"), [
    ("主持人", "李华\n\n讲座结束后将有问答环节，届时多位专家将与听众交流。"),  # 专家: no post held
    ("主讲人", "王明\n\n本次讲座邀请清华大学教授王明介绍中美关系。"),  # about the event
    ("主讲人", "王明\n\n欢迎参加，本次讲座邀请清华大学教授王明介绍中美关系。"),
    ("嘉宾简介", "王明\n\n清华大学国际关系研究院"),  # an institution, no post
    ("嘉宾观点", "王明\n\n中美关系进入新阶段，双方高级官员的沟通至关重要。"),  # what they said
])
@pytest.mark.parametrize("script", SCRIPTS)
def test_a_sentence_under_a_name_that_says_no_post_is_no_bio(heading, lines, script):
    page = parse_page(script("中美对话\n\n2026年3月12日 下午2点\n\n" + heading + "\n\n" + lines))
    assert all(not p.bio for p in page.people), page.people
    assert script(lines.split("\n\n")[1]) in page.description


@pytest.mark.parametrize("script", SCRIPTS)
def test_a_recap_s_sentence_under_a_name_gives_the_title_it_names_not_a_bio(script):
    """A recap's sentence under the name line is no bio; the title it gives the name before
    its verb ("北京大学国际关系学院教授王明主持了…") is his."""
    sentence = "北京大学国际关系学院教授王明主持了本次讲座并致开幕辞。"
    page = parse_page(script(f"中美对话\n\n2026年3月12日 下午2点\n\n主持人\n\n王明\n\n{sentence}"))
    assert [(p.name, p.role, p.bio) for p in page.people] == [
        (script("王明"), "moderator", script("北京大学国际关系学院教授"))]
    assert script(sentence) in page.description


@pytest.mark.parametrize(("heading", "lines"), [
    ("主讲人", "阎学通\n\n主持人：王栋，北京大学国际关系学院教授。"),  # the next person's line
    ("主讲人", "王缉思\n\n讲座由北京大学国际关系学院主任主持，欢迎师生参加。"),  # the event
    ("主讲人", "李彬\n\n王海燕 中国社会科学院美国研究所研究员"),  # the next card's line
])
@pytest.mark.parametrize("script", SCRIPTS)
def test_a_line_under_a_name_that_is_another_persons_or_the_events_is_no_bio(heading, lines,
                                                                              script):
    name = script(lines.split("\n\n")[0])
    page = parse_page(script("中美对话\n\n2026年3月12日 下午2点\n\n" + heading + "\n\n" + lines))
    assert all(not p.bio for p in page.people if p.name == name), page.people


@pytest.mark.parametrize("script", SCRIPTS)
def test_lines_under_guests_that_are_no_names_over_bios_make_no_one(script):
    page = parse_page(script("全球治理与中国\n\n嘉宾简介\n\n张军\n\n复旦大学经济学院院长。\n\n"
                             "合作伙伴\n\n扫码报名\n\n详见附件\n\n2026年5月12日 下午2:30"))
    assert [p.name for p in page.people] == [script("张军")]


@pytest.mark.parametrize("script", SCRIPTS)
def test_an_agendas_time_line_is_no_start_of_the_event(script):
    page = parse_page(script("国际安全论坛\n\n日期：2026年3月5日至6日\n\n地点：北京大学\n\n"
                             "会议议程\n\n时间：09:00-09:30\n\n内容：签到"))
    assert page.date_text == script("2026年3月5日至6日")


def test_a_bilingual_pages_second_header_repeats_its_venue_after_a_heading_of_people():
    """The Chinese version's 主讲人 heading does not make the English version's "Beijing"
    line, its repeated venue, a line of the description."""
    page = parse_page("中美对话\n\n2026年3月12日\n\n北京\n\n主讲人\n\n李彬\n\n清华大学教授。\n\n"
                      "US-China Dialogue\n\nMarch 12, 2026\n\nBeijing\n\nSpeakers\n\nLi Bin\n\n"
                      "Li Bin is a professor at Tsinghua.")
    assert (page.location, page.description) == ("北京", "")


@pytest.mark.parametrize("lines", [
    "日期：2026年12月1日\n\n地点：北京\n\n主办：清华大学\n\n时间：14:00-16:00",  # lines between
    "时间：14:00-16:00\n\n日期：2026年12月1日\n\n地点：北京",  # the time first
])
@pytest.mark.parametrize("script", SCRIPTS)
def test_a_chinese_time_line_and_date_line_make_one_start_in_either_order(lines, script):
    page = parse_page(script("国际安全论坛\n\n" + lines))
    assert page.date_text == script("2026年12月1日 14:00-16:00")


@pytest.mark.parametrize(("title", "read", "kind"), [
    ("活动回顾｜中美关系展望", "中美关系展望", "recap"),
    ("活動回顧｜兩岸關係新階段", "兩岸關係新階段", "recap"),
    ("会议综述：全球治理与中国角色", "全球治理与中国角色", "recap"),
    ("讲座预告：人工智能与国际安全", "人工智能与国际安全", "announcement"),
    ("活動預告｜美國導彈防禦", "美國導彈防禦", "announcement"),
    ("Event Recap: Deterrence in the Taiwan Strait", "Deterrence in the Taiwan Strait",
     "recap"),
    ("Recap | Trade and Security", "Trade and Security", "recap"),
    ("Upcoming Event: Trade and Security", "Trade and Security", "announcement"),
    *((f"{zh}{word}｜人工智能与国际安全", "人工智能与国际安全", kind)
      for zh in ("活动", "会议", "讲座", "论坛", "研讨会", "学术")
      for word, kind in (("预告", "announcement"), ("通知", "announcement"), ("回顾", "recap"),
                         ("综述", "recap"), ("纪要", "recap"), ("报道", "recap"),
                         ("报导", "recap"), ("速递", "recap"))),
    ("Past Events: Trade and Security", "Trade and Security", "announcement"),
    *((f"Event {word}: Trade and Security", "Trade and Security", "recap")
      for word in ("Recap", "Report", "Summary", "Highlights")),
    ("Highlights | Trade and Security", "Trade and Security", "recap"),
    # a title that only begins with a word of a kicker's stays whole
    ("Panel: Missile Defense and China", "Panel: Missile Defense and China", "announcement"),
    ("Events: A Year On", "Events: A Year On", "announcement"),
    ("通知与公告的历史", "通知与公告的历史", "announcement"),
])
def test_a_sites_kicker_before_the_title_is_no_part_of_it(title, read, kind):
    """"活动回顾｜…" or "Event Recap: …" is how a site files the page, not the event's
    name; one saying the page tells of the event afterwards makes it a recap, so that its
    import adds a recap to the event instead of replacing its announcement."""
    prose = ZH_INTRO if re.search(f"[{pages_zh.HAN}]", title) else INTRO
    page = parse_page(f"{title}\n\n{prose}")
    assert (page.title, page.kind) == (read, kind)


def test_a_line_opening_by_invitation_is_no_byline():
    page = parse_page("A Talk on Arms\nBy invitation only | May 20, 2026\n\n" + TALK)
    assert page.date_text is not None and "May 20, 2026" in page.date_text


def test_bulleted_details_under_the_title_are_the_header_but_bulleted_names_are_not():
    """A site's list of the event's details ("• Tuesday, …", "• 10:00 am", "• Online
    Only") gives the date, the time and the place; a bulleted name with its affiliation
    under the date is a person's line, never the venue."""
    page = parse_page("Sahel After the Coups\n\n• Tuesday, March 17, 2026\n\n• 10:00 am - "
                      "11:00 am EDT\n\n• Online Only\n\n" + INTRO)
    assert (page.date_text, page.location) == (
        "Tuesday, March 17, 2026 10:00 am - 11:00 am EDT", "Online Only")
    assert page.description == SUMMARY
    page = parse_page("Sahel After the Coups\n\n• Tuesday, March 17, 2026\n\n"
                      "• Tong Zhao, Carnegie China\n\n" + INTRO)
    assert page.location is None


@pytest.mark.parametrize(("line", "location"), [
    ("• Online Only", "Online Only"), ("• Virtual event", "Virtual event"),
    ("• Live on YouTube", "Live on YouTube"),
    ("• Online registration opens soon", None),
    ("• Live from Washington, with remarks by Ann Lee", None),
    ("• Virtual attendees may submit questions by email", None),
])
def test_a_bulleted_line_opening_online_is_the_venue_only_when_it_says_so(line, location):
    page = parse_page(f"Sahel After the Coups\n\n• Tuesday, March 17, 2026\n\n{line}\n\n"
                      + INTRO)
    assert page.location == location


@pytest.mark.parametrize(("english", "read"), [
    ("Tuesday, June 9, 2026, 7:00 PM (Beijing Time)", "2026-06-09T11:00:00+00:00"),
    # another time in the English half is no zone of the Chinese one's
    ("Tuesday, June 9, 2026, 7:00 AM (Eastern Time)", "2026-06-09T19:00:00+00:00"),
])
def test_the_other_language_versions_zone_is_the_date_lines_for_the_same_time(english, read):
    page = parse_page("人工智能治理的国际规则\n\n2026年6月9日（星期二）19:00\n\n北京大学\n\n"
                      "随着生成式人工智能快速发展，各国纷纷出台监管措施。\n\n"
                      f"AI Governance and International Rules\n\n{english}\n\n"
                      "Peking University\n\nGovernments are rushing to regulate AI.\n")
    when = read_page_when(page.date_text, "UTC")
    assert when.starts_at is not None and when.starts_at.isoformat() == read


def test_a_cards_role_line_between_its_name_and_title_leaves_the_title_theirs():
    """"Tong Zhao" / "Moderator" / "Senior Fellow, Carnegie Endowment": the card's role,
    then its title, which is the person's bio and not the event's description."""
    page = parse_page(INTRO + "Speakers\n\nLi Bin\n\nProfessor, Tsinghua University\n\n"
                      "Tong Zhao\n\nModerator\n\nSenior Fellow, Carnegie Endowment\n")
    assert [(p.name, p.role, p.bio) for p in page.people] == [
        ("Li Bin", "speaker", "Professor, Tsinghua University"),
        ("Tong Zhao", "moderator", "Senior Fellow, Carnegie Endowment")]
    assert page.description == SUMMARY


@pytest.mark.parametrize(("text", "off", "note"), [
    (INTRO + "This event will be held under the Chatham House Rule.", True, True),
    (INTRO + "Chatham House rules apply.", True, True),
    (INTRO + "Ann Lee wrote a history of the Chatham House Rule, which she published.",
     False, False),
    ("导弹防御与地区安全\n\n专家将探讨导弹防御如何影响地区威慑。\n\n本次会议为闭门会议。",
     True, False),
    ("导弹防御与地区安全\n\n专家将探讨导弹防御如何影响地区威慑。\n\n本次研讨会以闭门形式举行。",
     True, False),
    ("导弹防御与地区安全\n\n专家将探讨导弹防御如何影响地区威慑。\n\n他曾参加多次闭门会议。",
     False, False),
    # the rule or a closed door as the talk's topic, not the event's terms
    (INTRO + "The panel will ask why talks held under the Chatham House Rule succeed.",
     False, False),
    (INTRO + "Her book traces the history of dialogues under the Chatham House Rule.",
     False, False),
    ("导弹防御与地区安全\n\n专家将探讨导弹防御如何影响地区威慑。\n\n本书研究了以闭门形式举行的二轨对话。",
     False, False),
    ("导弹防御与地区安全\n\n专家将探讨导弹防御如何影响地区威慑。\n\n讲座将讨论为闭门会议制定规则的必要性。",
     False, False),
    ("导弹防御与地区安全\n\n专家将探讨导弹防御如何影响地区威慑。\n\n会议闭门举行，谢绝媒体。",
     True, True),
])
def test_the_chatham_house_rule_and_a_closed_door_meeting_are_off_the_record(text, off, note):
    """The Chatham House Rule (its sentence kept, to say which rule) and 闭门会议 are off the
    record for a member asking; a sentence that only mentions them is not."""
    page = parse_page(text)
    assert page.off_the_record is off
    assert bool(page.access_notes) is note


@pytest.mark.parametrize("gap", ["\n", "\n\n"])
def test_a_title_line_over_a_role_line_is_the_title_not_a_speaker(gap):
    page = parse_page(f"Nuclear Futures{gap}Speakers: Jane Doe and John Smith.\n\n{INTRO}")
    assert page.title == "Nuclear Futures"
    assert [(p.name, p.role) for p in page.people] == [
        ("Jane Doe", "speaker"), ("John Smith", "speaker")]
    assert page.description == SUMMARY


@pytest.mark.parametrize("joined", ["and", "&"])
@pytest.mark.parametrize("above", ["", "Nuclear Futures\n\n", "December 1, 2026\n\n"])
def test_a_role_line_with_an_affiliation_in_brackets_before_and_names_both(above, joined):
    page = parse_page(f"{above}Speakers: Jane Doe (Carnegie Endowment) {joined} John Smith")
    assert [(p.name, p.role, p.bio) for p in page.people] == [
        ("Jane Doe", "speaker", "Carnegie Endowment"), ("John Smith", "speaker", "")]
    assert page.description == ""


# --- one case per word of the people rules ----------------------------------------------------


@pytest.mark.parametrize(("heading", "role"), [
    ("The Moderator", "moderator"), ("Our Moderator", "moderator"),
    ("Event Moderator", "moderator"), ("Meet the Moderator", "moderator"),
    ("Keynote Speaker", "speaker"), ("Presenters", "speaker"),
])
def test_each_wording_of_a_role_heading_gives_its_role_and_is_dropped(heading, role):
    page = parse_page(INTRO + f"{heading}\n\nAnn Lee\n\nAnn Lee is an economist.")
    assert [(p.name, p.role, p.bio) for p in page.people] == [
        ("Ann Lee", role, "Ann Lee is an economist.")]
    assert page.description == SUMMARY


def test_cards_under_participants_are_the_events_people():
    page = parse_page(INTRO + "Participants\n\nAnn Lee\nSenior Fellow, Carnegie Endowment\n\n"
                      "Bo Chen\nProfessor, Tsinghua University")
    assert [(p.name, p.role, p.bio) for p in page.people] == [
        ("Ann Lee", "speaker", "Senior Fellow, Carnegie Endowment"),
        ("Bo Chen", "speaker", "Professor, Tsinghua University")]
    assert page.description == SUMMARY


@pytest.mark.parametrize(("line", "role"), [
    ("The Moderator: Ann Lee", "moderator"), ("Our Moderator: Ann Lee", "moderator"),
    ("Event Moderator: Ann Lee", "moderator"), ("Featured Speaker: Ann Lee", "speaker"),
    ("Meet the Moderator: Ann Lee", "moderator"), ("Respondent: Ann Lee", "discussant"),
    ("Presenter: Ann Lee", "speaker"), ("Featuring: Ann Lee", "speaker"),
    ("Participants: Ann Lee", "speaker"),
])
def test_each_wording_of_a_role_label_gives_its_person_and_leaves_the_description(line, role):
    page = parse_page(INTRO + line)
    assert [(p.name, p.role) for p in page.people] == [("Ann Lee", role)]
    assert page.description == SUMMARY


# What names an organisation, a programme or a page's heading, never a person: a line of
# such words over a post's line, where a speaker's card would be, is nobody's card.
# ("Event", "Office" and "Program" are never read as a name's words at all.)
NOT_A_PERSON = [
    "Address", "Africa", "Agenda", "America", "Asia", "Bloomberg", "Broadcasting", "Careers",
    "Chronicle", "Closing", "Contact", "Contacts", "Cookies", "Coverage", "Credit", "Daily",
    "Donate", "Europe", "Events", "Expert", "Follow", "Gazette", "Group", "Herald", "Home",
    "House", "India", "Information", "Informed", "Inquiries", "Inquiry", "Journal", "Keynote",
    "Learn", "Live", "Location", "Locations", "Magazine", "Media", "Menu", "Monthly", "More",
    "News", "Newsletter", "Offices", "Opening", "Organisation", "Organisations", "Organization",
    "Organizations", "Overview", "Partner", "Partners", "Photo", "Podcast", "Policy", "Press",
    "Privacy", "Programme", "Publications", "Radio", "Read", "Reception", "Recording", "Regions",
    "Registration", "Related", "Remarks", "Research", "Resources", "Reuters", "Schedule",
    "Search", "Session", "Share", "Sign", "Signup", "Sponsor", "Sponsors", "Staff", "Stay",
    "Subscribe", "Support", "Team", "Television", "Terms", "Topics", "Tribune", "Trust",
    "Trustees", "Up", "Upcoming", "Us", "Venue", "Video", "Watch", "Weekly", "Welcome", "Xinhua",
]


@pytest.mark.parametrize("word", NOT_A_PERSON)
def test_an_organisations_or_headings_line_over_a_post_is_no_speakers_card(word):
    page = parse_page(INTRO + f"Speakers\n\nCarnegie {word}\nDirector, Carnegie Endowment")
    assert page.people == ()
    assert page.description == f"{SUMMARY}\n\nCarnegie {word}\n\nDirector, Carnegie Endowment"


PLACES = [
    "Academy", "Africa", "Agency", "America", "Asia", "Association", "Bank", "Bloomberg",
    "Broadcasting", "Center", "Centre", "Chronicle", "College", "Commission", "Committee",
    "Company", "Congress", "Corporation", "Council", "Daily", "Department", "Embassy", "Europe",
    "Forum", "Foundation", "Fund", "Gazette", "Government", "Group", "Herald", "House", "India",
    "Initiative", "Institute", "Journal", "Magazine", "Ministry", "Monthly", "Network", "Office",
    "Parliament", "Policy", "Program", "Programme", "Project", "Radio", "School", "Senate",
    "Society", "Television", "Tribune", "Trust", "Weekly", "Xinhua",
]


@pytest.mark.parametrize("word", PLACES)
def test_an_institution_in_brackets_after_a_labelled_name_is_where_they_work(word):
    page = parse_page(INTRO + f"Speakers: Ann Lee (Carnegie {word}), Bo Chen")
    assert [(p.name, p.bio) for p in page.people] == [
        ("Ann Lee", f"Carnegie {word}"), ("Bo Chen", "")]
    assert page.description == SUMMARY


POSTS = [
    "Chairman", "Chairwoman", "Spokesperson", "Spokesman", "Spokeswoman", "Minister", "Secretary",
    "Editor", "Scholar", "Researcher", "Analyst", "Founder", "CEO", "Dean", "Lecturer", "Officer",
    "Adviser", "Advisor", "Correspondent", "Journalist", "Economist", "Member", "Partner",
    "Manager", "Coordinator", "Representative", "Envoy", "Head", "Deputy", "Commissioner",
    "Governor", "Senator", "Author", "Reporter", "Admiral", "Colonel", "Judge", "Mayor", "Consul",
]


@pytest.mark.parametrize("post", POSTS)
@pytest.mark.parametrize("shape", ["Ann Lee\n{title}", "Ann Lee, {title}"])
def test_each_post_makes_the_line_by_a_speakers_name_their_title(post, shape):
    title = f"{post}, Carnegie Endowment"
    page = parse_page(INTRO + "Speakers\n\n" + shape.format(title=title))
    assert [(p.name, p.role, p.bio) for p in page.people] == [("Ann Lee", "speaker", title)]
    assert page.description == SUMMARY


@pytest.mark.parametrize("bio", [
    "He is a fellow at the Carnegie Endowment.", "She is a fellow at the Carnegie Endowment.",
    "She is an economist at Carnegie.", "She is the director of Carnegie China.",
    "She is also a fellow at Carnegie.", "She is currently a fellow at Carnegie.",
    "She is now a fellow at Carnegie.", "She is formerly a fellow at Carnegie.",
    "She has been a fellow at Carnegie.", "She serves on the board of Carnegie.",
    "She was a fellow at the Carnegie Endowment in Washington.",
    "She has served at the Carnegie Endowment for ten years.",
    "She has worked at the Carnegie Endowment for ten years.",
    "She has led the Carnegie Endowment for ten years.",
    "She served on the board of the Carnegie Endowment.",
    "She leads the China program of the Carnegie Endowment.",
    "She led the China program of the Carnegie Endowment.",
    "She works at the Carnegie Endowment in Washington.",
    "She worked at the Carnegie Endowment in Washington.",
    "She teaches economics at Tsinghua University.",
    "She taught economics at Tsinghua University.",
])
def test_a_bio_opening_with_a_pronoun_under_a_name_line_is_theirs(bio):
    page = parse_page(INTRO + f"Ann Lee\n\n{bio}")
    assert [(p.name, p.bio) for p in page.people] == [("Ann Lee", bio)]
    assert page.description == SUMMARY


@pytest.mark.parametrize("said", [
    "He is a friend, and I agree with him.", "He is also a friend to me.",
    "He is a friend of my family.", "He is the reason we came.", "He is a friend. We thank him.",
    "He is a friend of our institute.", "He is a friend. Our thanks to him.",
    "He is a friend to us.", "He is a friend, as you know.", "He is a friend. You know him.",
    "He is a friend of your family.", "He is a friend. Your host thanks him.",
    "He is the one who asked why? Thanks.",
])
def test_a_named_turn_speaking_of_someone_is_no_bio_of_the_speaker(said):
    page = parse_page(INTRO + f"Bo Chen will moderate.\n\nBo Chen: {said}")
    assert [(p.name, p.bio) for p in page.people] == [("Bo Chen", "")]
    assert page.description == f"{INTRO}Bo Chen will moderate.\n\nBo Chen: {said}"


@pytest.mark.parametrize("remark", ["线上", "online", "TBC", "TBD", "TBA", "to be confirmed"])
def test_a_remark_in_brackets_after_a_labelled_name_is_no_title(remark):
    page = parse_page(INTRO + f"Speakers: Ann Lee ({remark}), Bo Chen")
    assert [(p.name, p.bio) for p in page.people] == [("Ann Lee", ""), ("Bo Chen", "")]
    assert page.description == SUMMARY


@pytest.mark.parametrize(("label", "role"), [
    ("The Moderator", "moderator"), ("Our Moderator", "moderator"),
    ("Event Moderator", "moderator"), ("Featured Speakers", "speaker"),
    ("Meet the Speakers", "speaker"), ("Keynote Speaker", "speaker"), ("Moderator", "moderator"),
    ("Moderators", "moderator"), ("Host", "host"), ("Hosts", "host"), ("Chair", "chair"),
    ("Chairs", "chair"), ("Discussant", "discussant"), ("Discussants", "discussant"),
    ("Commentator", "discussant"), ("Commentators", "discussant"),
    ("Respondent", "discussant"), ("Respondents", "discussant"), ("Presenter", "speaker"),
    ("Presenters", "speaker"), ("Featuring", "speaker"), ("Participants", "speaker"),
])
@pytest.mark.parametrize("line", ["Speakers: Ann Lee; {label}: Bo Chen",
                                  "Speakers: Ann Lee. {label}: Bo Chen."])
def test_each_english_label_after_a_name_on_a_role_line_gives_its_own_role(label, role, line):
    page = parse_page(INTRO + line.format(label=label))
    assert [(p.name, p.role) for p in page.people] == [("Ann Lee", "speaker"), ("Bo Chen", role)]
    assert page.description == SUMMARY


@pytest.mark.parametrize("clause", [
    "also on the panel", "and colleagues", "are on the panel", "both on the panel",
    "but not on the panel", "by the panel", "can join late", "each on the panel",
    "from the panel", "had the floor", "has the floor", "have the floor", "is on the panel",
    "may join late", "or a colleague", "shall join late", "that joins late", "then the panel",
    "to join late", "via a link", "was on the panel", "were on the panel", "which is late",
    "whom the panel thanks", "whose panel is late", "will join late", "with the panel",
    "would join late",
])
def test_a_clause_after_a_name_in_a_roster_is_no_title(clause):
    page = parse_page(INTRO + f"Ann Lee, {clause}; Bo Chen, lawyer")
    assert [(p.name, p.bio) for p in page.people] == [("Ann Lee", ""), ("Bo Chen", "lawyer")]
    assert page.description == SUMMARY


@pytest.mark.parametrize(("label", "role"), [
    ("Moderator", "moderator"), ("Host", "host"), ("Chair", "chair"),
    ("Discussant", "discussant"), ("Speaker", "speaker"), ("Panelist", "speaker"),
    ("Presenter", "speaker"),
])
@pytest.mark.parametrize("heading", ["Speakers", "Hosts"])
def test_a_cards_own_role_line_outranks_the_heading_over_the_cards(label, role, heading):
    page = parse_page(INTRO + f"{heading}\n\nAnn Lee\n{label}\nAnn Lee is an economist.")
    assert [(p.name, p.role, p.bio) for p in page.people] == [
        ("Ann Lee", role, "Ann Lee is an economist.")]
