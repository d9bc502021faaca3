import csv
import io
import itertools
import re
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
import regex
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot import render
from bot import render_answers as answers
from bot import render_replies as replies
from bot.errors import NotAllowed
from bot.i18n import N_, OptionName, language
from bot.models import MATCH_END, MATCH_START, Event, Rsvp
from bot.pages import Person, Takeaway
from bot.questions import Intent
from bot.registration import PAGE_CLOSED, JoinOutcome, JoinResult, Status
from bot.storage import Passage
from bot.tree import error_message
from tests.limits import assert_fits, embed_size

EN = language("en-US")  # the bot's English, its source language
ZH = language("zh-CN")

START = datetime(2037, 12, 1, 17, 0, tzinfo=UTC)  # a Tuesday, as 2026-12-01; to come


def event(**changes) -> Event:
    fields = dict(
        id=7, guild_id=1, slug="talk", title="Missile Defense", venue="Hall A", link=None,
        starts_at=START, ends_at=START + timedelta(hours=2), capacity=60, confirmed=12,
        waitlisted=0, registration_open=True, closed_reason=None, description="About it.",
        recap_summary="", language="Chinese", translation="English", off_the_record=True,
        access_notes=("This event is not open to media.",), has_recap=False,
        people=(Person("Tong Zhao", "moderator", "Tong Zhao is a fellow."),
                Person("Li Bin", "speaker", "Li Bin is a senior fellow."),
                Person("Fan Jishe", "discussant", "Fan Jishe is a researcher.")),
        takeaways=())
    fields.update(changes)
    return Event(**fields)


def test_event_embed_shows_time_seats_people_and_notes():
    embed = render.event_embed(EN, event())
    fields = {f.name: f.value for f in embed.fields}
    ts = int(START.timestamp())
    assert fields["When"].startswith(f"<t:{ts}:F> (<t:{ts}:R>)")
    assert fields["Registration"] == "Open: 48 of 60 seats left"
    # one of each: each heading names one person
    assert fields["Moderator"] == "Tong Zhao"
    assert fields["Discussant"] == "Fan Jishe"
    assert "In Chinese, with simultaneous English translation" in fields["Notes"]
    assert "Off the record" in fields["Notes"]
    assert "not open to media" in fields["Notes"]
    assert fields["Takeaways"] == "Published after the event."


@pytest.mark.parametrize(("locale", "notes", "fact"), [
    ("en-US", "In Chinese, with simultaneous English translation",
     "Language: held in Chinese, with English translation"),
    ("zh-CN", "以中文进行，提供英文同声传译", "语言：以中文进行，提供英文翻译"),
    ("zh-TW", "以中文進行，提供英文同步口譯", "語言：以中文進行，提供英文翻譯"),
])
def test_the_events_languages_are_named_in_the_readers_language(locale, notes, fact):
    lang = language(locale)
    shown = event(off_the_record=False, access_notes=())
    assert render.notes_text(lang, shown) == notes
    assert answers.fact_lines(lang, shown, [Intent.LANGUAGE]) == [fact]


@pytest.mark.parametrize(("locale", "notes"), [
    ("en-US", "In Swedish, with simultaneous Norwegian translation"),
    ("zh-CN", "以瑞典语进行，提供挪威语同声传译"),
    ("zh-TW", "以瑞典文進行，提供挪威文同步口譯"),
    ("ja", "In Swedish, with simultaneous Norwegian translation"),
])
def test_a_language_the_catalogs_do_not_list_is_named_in_the_readers_language_too(
        locale, notes):
    """An English page may name any language ("held in Swedish"): a Chinese reader read
    "以Swedish进行". A word that is no language stays as the page wrote it."""
    lang = language(locale)
    shown = event(off_the_record=False, access_notes=(), language="Swedish",
                  translation="Norwegian")
    assert render.notes_text(lang, shown) == notes
    assert render.language_name(lang, "Asian") == "Asian"


def test_a_closing_reason_is_shown_whole_and_escaped_or_in_the_readers_words():
    typed = event(registration_open=False, closed_reason="room_A is *full*; try room_B")
    assert answers.fact_lines(EN, typed, [Intent.REGISTRATION]) == [
        "Registration: closed: room\\_A is \\*full\\*; try room\\_B"]
    page = event(registration_open=False, closed_reason=PAGE_CLOSED)
    assert answers.fact_lines(language("zh-CN"), page, [Intent.REGISTRATION]) == [
        "报名：已截止：活动页面显示报名已截止"]


def test_a_language_the_bot_has_no_name_for_is_shown_as_the_page_writes_it():
    # (one CLDR names is named in the reader's language: Klingon is 克林贡语)
    shown = event(language="Elvish", translation=None, off_the_record=False, access_notes=())
    assert render.notes_text(language("zh-CN"), shown) == "以Elvish进行"


def test_registration_states():
    assert render.registration_text(EN, event(confirmed=60, waitlisted=4)).startswith("Full")
    closed = event(registration_open=False, closed_reason="room change")
    assert render.registration_text(EN, closed) == "Closed: room change"
    # once it is over its seats no longer show, whatever they were
    ended = START + timedelta(hours=2)
    for state in (event(), event(confirmed=60, waitlisted=4), closed):
        assert render.registration_text(EN, state, ended - timedelta(seconds=1)) != (
            "Over: this event has taken place")
        assert render.registration_text(EN, state, ended) == "Over: this event has taken place"
    assert render.registration_text(EN, event(archived=True), ended).startswith("Archived")


def test_page_text_is_escaped_so_it_neither_formats_nor_pings():
    hostile = event(title="**Big** @everyone", description="@here <@123> _x_ <@&5>")
    embed = render.event_embed(EN, hostile)
    assert "@everyone" not in embed.description and "@here" not in embed.description
    joined = replies.join_reply(EN, hostile.title, JoinResult(JoinOutcome.CONFIRMED))
    assert "\\*\\*Big\\*\\*" in joined
    assert "@\u200beveryone" in joined


def test_every_bio_is_shown_in_full_across_pages():
    people = tuple(Person(f"Person {i}", "speaker", f"Bio {i} " + "word " * 700)
                   for i in range(12))
    pages = render.speaker_pages(EN, event(people=people))
    assert [page.people for page in pages] == [(i,) for i in range(12)]  # one bio fills a page
    for page in pages:
        assert_fits(embeds=[page.embed])
    assert pages[0].embed.title == "Speakers: Missile Defense"
    assert pages[0].embed.footer.text == "Page 1 of 12"
    assert pages[3].embed.description.startswith("**Person 3** · Speaker\nBio 3 word")
    shown = " ".join(page.embed.description for page in pages)
    assert " ".join(shown.split()).count("word") == 12 * 700


def test_short_bios_share_a_page_by_role():
    [page] = render.speaker_pages(EN, event())
    assert page.people == (0, 1, 2)
    assert page.embed.description.index("**Tong Zhao** · Moderator") < page.embed.description.index(
        "**Li Bin** · Speaker") < page.embed.description.index("**Fan Jishe** · Discussant")


def test_a_single_huge_bio_is_split_across_pages_not_cut():
    bio = "Sentence number one. " * 1000
    pages = render.speaker_pages(EN, event(people=(Person("A B", "speaker", bio),)))
    assert len(pages) == 6 and {page.people for page in pages} == {(0,)}
    assert pages[1].embed.description.startswith("**A B** (continued)\nSentence")
    for page in pages:
        assert_fits(embeds=[page.embed])
    shown = " ".join(page.embed.description.removeprefix("**A B** (continued)\n")
                     for page in pages)
    assert shown.count("Sentence number one.") == 1000


def test_the_speaker_menu_is_a_window_of_25_around_the_page_in_page_order():
    people = tuple(Person(f"P{i}", "discussant" if i % 2 else "speaker", "word " * 300)
                   for i in range(60))
    many = event(people=people)
    pages = render.speaker_pages(EN, many)
    assert [page.people for page in pages[:2]] == [(0, 2), (4, 6)]  # speakers first
    first = render.speaker_options(EN, many, pages, 0)
    assert [o.value for o in first[:3]] == ["0", "2", "4"] and len(first) == 25
    assert first[0].default and first[0].label == "P0" and first[0].description == "Speaker"
    middle = render.speaker_options(EN, many, pages, 20)
    assert len(middle) == 25 and middle[12].value == str(pages[20].people[0])
    assert [o.default for o in middle].count(True) == 1 and middle[12].default
    last = render.speaker_options(EN, many, pages, len(pages) - 1)
    assert last[-1].value == "59" and last[-2].default


def test_the_event_embed_fits_with_150_people_and_a_long_description():
    people = tuple(Person(f"Person Number {i} Smith-Jones", role, "bio") for i, role in
                   zip(range(150), [*render.ROLE_TITLES] * 30, strict=False))
    big = event(people=people, description="A long description of the event. " * 200)
    embed = render.event_embed(EN, big)
    assert_fits(embeds=[embed])
    fields = {f.name: f.value for f in embed.fields}
    assert fields["Registration"] == "Open: 48 of 60 seats left"
    assert fields["When"].startswith("<t:")
    for role, title in render.ROLE_TITLES.items():
        names = [p.name for p in people if p.role == role]
        assert fields[title] == ", ".join(names)  # 30 a role: everyone fits
    assert embed.description.startswith("A long description")
    crowd = tuple(Person(f"Person Number {i} Smith-Jones", "speaker", "bio") for i in range(150))
    crowded = render.event_embed(EN, event(people=crowd))
    assert_fits(embeds=[crowded])
    speakers = {f.name: f.value for f in crowded.fields}["Speakers"]
    more = re.search(r", Person Number (\d+) Smith-Jones …and (\d+) more: /event speakers$",
                     speakers)
    assert more and int(more[1]) + 1 + int(more[2]) == 150
    assert embed_size(embed) <= render.EMBED_TOTAL


def test_the_event_embed_fits_with_a_long_title_venue_and_close_reason():
    # Markdown doubles in length when escaped: each part is at its own limit once shown.
    people = tuple(Person(f"Person_{i}_" + "x" * 60, role, "bio")
                   for i, role in zip(range(30), ["speaker", "discussant"] * 15, strict=True))
    big = event(title="*" * 200, venue="_" * 1900, registration_open=False,
                closed_reason="_" * 200, people=people, description="D " * 1500)
    embed = render.event_embed(EN, big)
    assert_fits(embeds=[embed])
    assert embed.title.startswith("\\*" * 127) and len(embed.title) >= render.EMBED_TITLE - 1
    fields = {f.name: f.value for f in embed.fields}
    assert fields["Registration"].startswith("Closed: " + "\\_" * 100)
    assert fields["When"].startswith("<t:") and fields["Where"].startswith("\\_")
    assert embed.description.startswith("D D")


def test_the_embed_link_is_set_only_for_an_http_url():
    assert render.event_embed(EN, event(link="https://example.org/e")).url == "https://example.org/e"
    for bad in ("javascript:alert(1)", "example.org", "https://" + "a" * 2048, "https:// x"):
        assert render.event_embed(EN, event(link=bad)).url is None


def test_takeaways_or_the_recap_summary_or_a_promise():
    with_takeaways = event(takeaways=(Takeaway("One", "text one"), Takeaway("Two", "text two")),
                           has_recap=True)
    text = render.takeaways_messages(EN, with_takeaways).messages[0][0].description
    assert text.index("**One**") < text.index("**Two**")
    # a takeaway the page gave no heading of its own is its text alone, with no empty bold
    bare = event(takeaways=(Takeaway("One", "text one"), Takeaway("", "text *two*")),
                 has_recap=True)
    text = render.takeaways_messages(EN, bare).messages[0][0].description
    assert text.endswith("**One**\ntext one\n\ntext \\*two\\*") and "****" not in text
    assert answers.source_label(EN, "takeaway:") == "Takeaways"
    assert answers.source_label(EN, "takeaway:One") == "Takeaway: One"
    summary_only = event(has_recap=True, recap_summary="What was said.")
    [[summary]] = render.takeaways_messages(EN, summary_only).messages
    assert "What was said." in summary.description
    [[promise]] = render.takeaways_messages(EN, event()).messages
    assert "published after the event" in promise.description
    # /event info points to the summary the takeaways show, in the reader's words
    for lang, name, value in ((EN, "Takeaways", "The recap's summary: `/event takeaways`"),
                              (ZH, "要点", "回顾摘要：`/活动 要点`")):
        fields = {f.name: f.value for f in render.event_embed(lang, summary_only).fields}
        assert fields[name] == value


@pytest.mark.parametrize(("result", "words"), [
    (JoinResult(JoinOutcome.CONFIRMED), "confirmed"),
    (JoinResult(JoinOutcome.WAITLISTED, position=3), "waitlisted (position 3)"),
    (JoinResult(JoinOutcome.CLOSED, reason="registration is closed: venue change",
                note="venue change"),
     "registration is closed: venue change."),
    (JoinResult(JoinOutcome.TAKEN_PLACE, reason="this event has already taken place"),
     "this event has already taken place."),
])
def test_join_replies_use_the_fixed_words(result, words):
    assert words in replies.join_reply(EN, event().title, result)


def test_status_replies():
    joined = datetime(2026, 11, 1, tzinfo=UTC)
    assert "not registered" in replies.status_reply(EN, event().title, None)
    waiting = Rsvp(1, "a", Status.WAITLISTED, 2, joined)
    assert "waitlisted (position 2)" in replies.status_reply(EN, event().title, waiting)
    confirmed = Rsvp(1, "a", Status.CONFIRMED, None, joined)
    assert "confirmed" in replies.status_reply(EN, event().title, confirmed)


def test_attendees_csv_has_the_columns_and_defuses_formulas():
    joined = datetime(2026, 11, 1, tzinfo=UTC)
    text = replies.attendees_csv([Rsvp(1, "=HYPERLINK(1)", Status.CONFIRMED, None, joined),
                                 Rsvp(2, "Zoë, \"Z\"", Status.WAITLISTED, 1, joined)])
    lines = text.splitlines()
    assert lines[0] == "user_id,name,status,position,joined_at"
    assert lines[1].startswith("1,'=HYPERLINK(1),confirmed,,2026-11-01")
    assert lines[2].startswith('2,"Zoë, ""Z""",waitlisted,1,')


def test_a_carriage_return_in_a_name_stays_inside_its_quoted_cell():
    """Spreadsheets end a row at a lone CR too: unquoted, the rest of the name would open a
    row of its own, its first cell a formula the name's own defusing never saw."""
    joined = datetime(2026, 11, 1, tzinfo=UTC)
    name = "Eve\r=cmd|' /C calc'!A0"
    text = replies.attendees_csv([Rsvp(1, name, Status.CONFIRMED, None, joined)])
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert [row[:2] for row in rows] == [["user_id", "name"], ["1", name]]


def test_an_upload_written_a_chunk_at_a_time_is_the_whole_list_zipped_or_refused():
    """`AttendeesUpload` turns to a zip midway through the chunks once the CSV outgrows
    the limit: the zip holds the same CSV, byte for byte, as the list written whole; past
    the limit even zipped it is refused, and still counts every RSVP."""
    joined = datetime(2026, 11, 1, tzinfo=UTC)
    rsvps = [Rsvp(n, f"成员 {n} 😀", Status.WAITLISTED if n > 100 else Status.CONFIRMED,
                  n - 100 if n > 100 else None, joined + timedelta(seconds=n))
             for n in range(1, 3001)]
    whole = replies.attendees_csv(rsvps).encode("utf-8-sig")

    def written(limit: int) -> tuple[replies.AttendeesUpload, tuple[str, bytes] | None]:
        upload = replies.AttendeesUpload("talk-attendees", limit)
        for first in range(0, len(rsvps), 1000):
            upload.add(rsvps[first:first + 1000])
        return upload, upload.file()

    upload, file = written(len(whole))
    assert file == ("talk-attendees.csv", whole)
    upload, file = written(len(whole) // 2)  # past the first chunk's CSV
    assert file is not None and file[0] == "talk-attendees.zip" and len(file[1]) <= len(whole) // 2
    with zipfile.ZipFile(io.BytesIO(file[1])) as archive:
        assert archive.namelist() == ["talk-attendees.csv"]
        assert archive.read("talk-attendees.csv") == whole
    upload, file = written(2_000)
    assert file is None and (upload.count, upload.confirmed) == (3000, 100)


def test_split_and_clip_respect_limits():
    assert render.clip("short", 10) == "short"
    clipped = render.clip("word " * 100, 50)
    assert len(clipped) <= 50 and clipped.endswith("…")
    pieces = render.split_text("x" * 9000, 4096)
    assert [len(p) for p in pieces] == [4096, 4096, 808]


def test_clip_to_nothing_is_empty():
    assert render.clip("text", 0) == "" and render.clip("text", -5) == ""
    assert render.clip("text", 1) == "…"


# Text made of the characters markdown, mentions and links are built from, so runs of
# `[`…`](`, `@everyone`, addresses and line starts come up often.
HOSTILE = st.lists(st.sampled_from([
    *"[]()*_`~|>#-\\@&!<: \n.1x", "](", "@everyone", "@here", "<@123456789012345678>",
    "https://a.b/c_d", "1. ", "<t:0:R>", "</rsvp join:1>", "<#1>", "<a:x:1>", "<id:"
])).map("".join)
ESCAPED = {"\\" + c: c for c in "\\*_`~|[]>#-.<"}
# The start of a message format Discord shows as something else (a time, a channel…).
FORMAT = re.compile(r"(?<!\\)<(?:[@#/:]|[at]:|id:)", re.IGNORECASE)


BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")  # what `safe` takes out


def unescaped(text: str) -> str:
    """What Discord shows for escaped text: each backslash escape as its character."""
    out, i = [], 0
    while i < len(text):
        pair = text[i:i + 2]
        out.append(ESCAPED.get(pair, text[i]))
        i += 2 if pair in ESCAPED else 1
    return "".join(out).replace("@\u200b", "@")


@settings(max_examples=300)
@given(st.one_of(HOSTILE, st.text()))
@example("a\u202ab")  # a control `safe` takes out (once failed, when drawn by chance)
def test_any_page_text_is_shown_literally_never_pings_and_at_most_doubles(text):
    shown = render.safe(text)
    assert len(shown) <= 2 * len(text)  # escaping never more than doubles a text
    # as written, but for the bidirectional controls `safe` takes out; addresses as written
    assert unescaped(shown) == BIDI.sub("", text) or "://" in text
    assert not re.search(r"@(everyone|here|[!&]?[0-9]{17,20})", shown)
    assert not FORMAT.search(shown) or "://" in text


@given(st.one_of(HOSTILE, st.text()), st.integers(min_value=2, max_value=300))
@example("https://a.b/c_d\\", 16)  # an address ending in a backslash: it must not dangle
def test_clipped_escaped_text_fits_and_escapes_only_what_is_shown(text, limit):
    shown = render.safe_clip(text, limit)
    assert len(shown) <= limit
    assert not render._dangling_escape(shown.removesuffix("…"))
    assert render.safe_clip(text + "[](" * 1000, limit) == shown or len(text) <= limit
    # short texts are remembered once escaped: the same answer as escaping afresh
    assert shown == render.clip(render.safe(render.clip(text, limit)), limit)


def test_an_event_whose_page_is_a_long_run_of_link_brackets_renders():
    run = "[" * 7_500 + "](" * 3_750  # took discord.py's escape_markdown minutes
    embed = render.event_embed(EN, event(title=run[:200], description=run, venue=run))
    assert embed.description.startswith("\\[\\[") and len(embed.description) <= 2500
    pages = render.speaker_pages(EN, event(people=(Person("A B", "speaker", run * 10),)))
    for page in pages:
        assert_fits(embeds=[page.embed])
    shown = "".join(page.embed.description.removeprefix("**A B** (continued)\n")
                    for page in pages)
    assert unescaped(shown.replace("**A B** · Speaker\n", "")) == run * 10


# -- counts in words, lists ------------------------------------------------------------


def test_counts_read_right_in_the_event_and_the_moderators_replies():
    from bot.registration import Promotions
    one_seat = event(capacity=1, confirmed=0)
    assert render.registration_text(EN, one_seat) == "Open: 1 of 1 seat left"
    assert "the only seat is taken" in render.registration_text(EN, event(capacity=1, confirmed=1))
    assert replies.promoted_note(EN, Promotions((5,))) == (
        "1 member moved from the waitlist to a seat.")
    assert replies.promoted_note(EN, Promotions((5, 6))).startswith("2 members moved")
    fields = {f.name: f.value for f in render.event_embed(EN,
        event(takeaways=(Takeaway("Trade", "Tariffs rose."),))).fields}
    assert fields["Takeaways"].startswith("1 key takeaway:")


def test_the_sample_event_says_so_in_its_footer():
    assert "sample event" in render.event_embed(EN, event(is_sample=True)).footer.text
    assert render.event_embed(EN, event()).footer.text == "Event 7"


def listing(n: int, **changes):
    from bot.storage import EventListing
    fields = dict(id=n, title=f"Talk {n} " + "x" * 190, starts_at=START + timedelta(days=n),
                  seats_left=3, registration_open=True, archived=False, over=False)
    fields.update(changes)
    return EventListing(**fields)


def test_a_listing_line_says_when_seats_and_state():
    ts = int(START.timestamp())
    line = replies.listing_line(EN, listing(0, title="Talk"))
    assert line == f"`0` **Talk** · <t:{ts}:f> · 3 seats left · open"
    assert replies.listing_line(EN, listing(0, seats_left=1)).endswith("· 1 seat left · open")
    assert replies.listing_line(EN, listing(0, seats_left=0)).endswith(
        "full · open for the waitlist")
    assert replies.listing_line(EN, listing(0, registration_open=False)).endswith("· closed")
    assert "no date yet" in replies.listing_line(EN, listing(0, starts_at=None))
    assert replies.listing_line(EN, listing(0, archived=True)).endswith("· archived")


def test_a_long_list_stays_within_an_embed_and_counts_the_rest():
    embed = replies.events_list_embed(EN, [listing(n) for n in range(200)], past=False)
    assert len(embed.description) <= render.EMBED_DESCRIPTION
    assert len(embed.title) + len(embed.description) <= render.EMBED_TOTAL
    shown = len(re.findall(r"^`\d+` ", embed.description, re.MULTILINE))
    assert 0 < shown <= replies.LIST_LIMIT
    assert f"…and {200 - shown} more" in embed.description


def test_the_option_a_reply_names_is_named_as_the_readers_client_shows_it():
    embed = replies.events_list_embed(language("zh-CN"), [listing(1)], past=False)
    assert embed.description.endswith("`/活动 列表 包括过去:True`。"), embed.description
    many = replies.events_list_embed(language("zh-CN"), [listing(n) for n in range(40)],
                                     past=False).description
    assert "在任意命令的 `活动` 选项中输入即可搜索" in many, many
    assert replies.events_list_embed(EN, [listing(1)], past=False).description.endswith(
        "`/event list past:True`.")
    archived = NotAllowed(N_("this event is archived; bring it back first with "
                             "/manage archive {undo}:True"), undo=OptionName("undo"))
    assert "/管理 封存 復原:True " in error_message(archived, language("zh-TW"))
    assert str(archived).endswith("/manage archive undo:True")


@pytest.mark.parametrize("lang", [EN, language("zh-CN")], ids=["en", "zh"])
def test_a_list_of_ten_thousand_events_keeps_its_last_lines_within_the_embed(lang):
    # Titles of every length from 80 to 100 after a first of any length (the events' lines
    # then stop anywhere), five-digit ids and a five-digit count of the rest: whatever
    # room the events leave holds both closing lines.
    rest = [listing(20_000, seats_left=0)] * 10_005  # counted, not shown
    for length, first in itertools.product(range(80, 101), range(1, 101)):
        listings = [listing(10_000 + n, title="x" * (first if n == 0 else length), seats_left=0)
                    for n in range(25)] + rest
        description = replies.events_list_embed(lang, listings, past=False).description
        assert len(description) <= render.EMBED_DESCRIPTION, (length, first)
        past = lang.option_name("past")  # as the reader's client names the option
        command = "/event list" if lang is EN else "/活动 列表"  # and the command
        assert description.rstrip(".。").endswith(f"`{command} {past}:True`"), (length, first)


def test_my_rsvps_fit_one_message():
    from bot.storage import MyRsvp
    rsvps = [MyRsvp(n, "T" * 200, START, Status.WAITLISTED, n + 1) for n in range(100)]
    text = replies.my_rsvps_text(EN, rsvps)
    assert len(text) <= render.CONTENT and "more." in text
    assert "waitlisted (position 1)" in text


def test_my_rsvps_list_a_few_dozen_and_count_the_rest():
    from bot.storage import MyRsvp
    rsvps = [MyRsvp(n, "T", None, Status.CONFIRMED, None) for n in range(200)]
    lines = replies.my_rsvps_text(ZH, rsvps[:replies.MY_RSVPS_SHOWN], 500).splitlines()
    assert "500" in lines[0] and "450" in lines[-1]
    assert len(lines) == replies.MY_RSVPS_SHOWN + 2
    lines = replies.my_rsvps_text(ZH, rsvps, 200).splitlines()  # the store gave more
    assert len(lines) == replies.MY_RSVPS_SHOWN + 2 and "150" in lines[-1]


@pytest.mark.parametrize(("text", "shown"), [
    ("127.0.0.2 is not public", "127.0.0.2 is not public"),
    ("-5 degrees", "-5 degrees"),
    ("#hashtag", "#hashtag"),
    (">_<", ">\\_<"),
    ("# Title", "\\# Title"),
    ("## Title", "\\## Title"),
    ("-# small print", "\\-# small print"),
    ("- item", "\\- item"),
    ("> quote", "\\> quote"),
    (">>> quote", "\\>>> quote"),
    ("1. item", "1\\. item"),
    ("  2. indented", "  2\\. indented"),
])
def test_line_start_markdown_is_escaped_only_where_discord_reads_it(text, shown):
    assert render.safe(text) == shown


def test_an_event_in_two_languages_shows_the_readers_version_first():
    english = "Experts examined what comes after New START.\n\nTong Zhao moderated."
    chinese = "专家们探讨了《新削减战略武器条约》到期之后的问题。\n\n赵通主持了讨论。"
    both = event(description=f"{english}\n\n{chinese}")
    assert render.event_embed(EN, both).description.startswith("Experts examined")
    zh_first = render.event_embed(language("zh-CN"), both).description
    assert zh_first.startswith("专家们") and zh_first.index("赵通") < zh_first.index("Experts")
    assert render.event_embed(language("zh-TW"), event(
        description=f"{chinese}\n\n{english}")).description.startswith("专家们")
    assert render.event_embed(EN, event(
        description=f"{chinese}\n\n{english}")).description.startswith("Experts examined")
    # A text that goes back and forth is not one version after another: left as written.
    mixed = f"{english}\n\n{chinese}\n\nA closing note in English."
    assert render.reader_first(language("zh-CN"), mixed) == mixed
    assert render.reader_first(language("zh-CN"), english) == english


# -- packing long text into embeds and messages ------------------------------------------


def packed(title: str, sizes: list[int]) -> list[list]:
    """pack_embeds of blocks of `sizes` characters, each block one letter repeated (no
    breaks, so a block of at most 4,096 characters is never split)."""
    blocks = [chr(ord("a") + n) * size for n, size in enumerate(sizes)]
    messages = render.pack_embeds(language("en-US"), title, blocks)
    for message in messages:
        assert_fits(embeds=message)
        assert all(embed.colour == render.COLOUR for embed in message)
    descriptions = [embed.description for message in messages for embed in message]
    assert "\n\n".join(descriptions) == "\n\n".join(blocks)  # nothing lost, in order
    return messages


def test_blocks_share_an_embed_up_to_its_4096_characters_joined_by_a_blank_line():
    one = packed("T", [2000, 2094])  # 2000 + 2 + 2094 = 4096
    assert [[e.description for e in m] for m in one] == [["a" * 2000 + "\n\n" + "b" * 2094]]
    assert one[0][0].title == "T"  # one part: no part number
    two = packed("T", [2000, 2095])
    assert [len(e.description) for e in two[0]] == [2000, 2095]
    assert packed("T", [3000, 2000])[0][0].description == "a" * 3000  # 5,002 is over 4,096


def test_parts_are_numbered_from_one_and_a_message_holds_6000_characters():
    exact = packed("T", [4000, 1986])  # (7 + 4000) + (7 + 1986) = 6000
    assert [[e.title for e in m] for m in exact] == [["T (1/2)", "T (2/2)"]]
    over = packed("T", [4000, 1987])
    assert [[e.title for e in m] for m in over] == [["T (1/2)"], ["T (2/2)"]]
    # The second message starts counting afresh: 2007 + 3993 = 6000 fits in it.
    again = packed("T", [4000, 2000, 3986])
    assert [len(m) for m in again] == [1, 2]
    assert [len(m) for m in packed("T", [2500] * 5)] == [2, 2, 1]


def test_a_title_keeps_room_for_its_part_number():
    title = "T" * (render.EMBED_TITLE - 10)
    assert packed(title, [10])[0][0].title == title  # not cut when it fits
    long = packed("T" * 400, [4000, 4000])
    assert long[0][0].title.endswith("… (1/2)") and long[1][0].title.endswith("… (2/2)")


def test_a_title_keeps_room_for_a_part_number_of_any_width():
    messages = render.pack_embeds(language("en-US"), "T" * 400, ["x" * 4000] * 1000)
    titles = [embed.title for message in messages for embed in message if embed.title]
    assert titles[0].endswith("… (1/1000)")
    assert all(len(title) <= render.EMBED_TITLE for title in titles)


def test_a_long_text_takes_a_few_messages_and_says_how_many_parts_are_left_out():
    lang = language("en-US")
    messages = render.pack_embeds(lang, "Key takeaways", ["x" * 4000] * 40)
    for message in messages:
        assert_fits(embeds=message)
    parts = [embed.title for message in messages for embed in message if embed.title]
    assert parts == [f"Key takeaways ({n}/40)" for n in range(1, 6)]  # one a message
    assert len(messages) == render.MAX_MESSAGES  # the note fits beside the last part
    note = messages[-1][-1]
    assert note.description == lang.ngettext(
        "{count} more part is left out: the text is too long to post in full.",
        "{count} more parts are left out: the text is too long to post in full.", 35, count=35)
    crowded = render.pack_embeds(lang, "T", ["x" * 2990] * 12)  # two parts fill a message
    assert len(crowded) == render.MAX_MESSAGES  # the note takes the last part's place
    assert [len(message) for message in crowded] == [2, 2, 2, 2, 2]
    assert crowded[-1][-1].description == lang.ngettext(
        "{count} more part is left out: the text is too long to post in full.",
        "{count} more parts are left out: the text is too long to post in full.", 3, count=3)
    exactly = render.pack_embeds(lang, "T", ["x" * 4000] * render.MAX_MESSAGES)
    assert [len(message) for message in exactly] == [1] * render.MAX_MESSAGES  # no note


# -- the budgeting rules, at their edges ---------------------------------------------------


@pytest.mark.parametrize(("text", "limit", "clipped"), [
    ("abcde", 5, "abcde"),  # exactly at the limit: kept whole
    ("aaaa bbbb cccc dddd", 17, "aaaa bbbb cccc…"),  # cut at the last space
    ("abcdef ghijklmnop", 10, "abcdef gh…"),  # a space only 60% in is too early to cut at
    ("abcdefg hijklmnop", 10, "abcdefg…"),  # just past 60%: cut there
    ("aaaaaaaa   bbbbbb", 12, "aaaaaaaa…"),  # no spaces before the mark
    ("aaaaaaa\\*b", 9, "aaaaaaa…"),  # never half an escape
])
def test_clip_cuts_at_a_late_word_break_and_marks_the_cut(text, limit, clipped):
    assert render.clip(text, limit) == clipped


DRAWN_AS_ONE = ["🇨🇳", "🇺🇸", "e\u0301", "👩🏽", "👨\u200d👩\u200d👧", "❤\ufe0f", "a", " ", "李"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(DRAWN_AS_ONE), max_size=80), st.integers(1, 120))
def test_clip_never_cuts_a_character_drawn_from_several(pieces, limit):
    """A flag is two code points, an accent or a skin tone one more, a family of emoji
    five: cut between them, Discord shows a lone letter in a box, or an emoji apart."""
    text = "".join(pieces)
    clipped = render.clip(text, limit)
    assert len(clipped) <= limit
    kept = clipped.removesuffix("…")
    if clipped != text:
        drawn = regex.findall(r"\X", text)  # Unicode's own rule for one drawn character
        ends = set(itertools.accumulate(map(len, drawn), initial=0))
        assert len(kept.rstrip()) in ends or len(kept) in ends, (text, limit, clipped)


def test_clip_cuts_a_row_of_flags_between_two_of_them():
    flags = "🇨🇳" * 100
    assert render.clip(flags, 100) == "🇨🇳" * 49 + "…"
    assert render.clip(flags, 101) == "🇨🇳" * 50 + "…"
    # a run of marks longer than any character is cut anyway: the cost stays bounded
    assert len(render.clip("a" + "\u0301" * 5000, 100)) == 100


def test_an_answer_cut_short_leaves_no_bold_open():
    """A passage whose escaped text fills the field before its matched word ends (a run
    of underscores doubles when escaped) shows the word plain, not a literal "**"."""
    for pad in range(500, 515):
        excerpt = "_" * pad + f"{MATCH_START}zebra{MATCH_END} runs {MATCH_START}far{MATCH_END}"
        embed = answers.answer_embed(EN, "zebra far", [Passage(1, "Talk", "page", "", excerpt)])
        value = embed.fields[0].value
        assert len(value) <= 1024 and value.count("**") % 2 == 0, value[-20:]
    whole = answers.marked("_" * 400 + f"{MATCH_START}zebra{MATCH_END}", 1024)
    assert whole.endswith("\\_**zebra**")


@pytest.mark.parametrize(("text", "limit", "pieces"), [
    ("aaaa bbbb", 9, ["aaaa bbbb"]),  # exactly at the limit: one piece
    ("aaa\nbbbbbb\ncccccc", 12, ["aaa\nbbbbbb", "cccccc"]),  # the last line break in reach
    ("aaaa\nbbbbbbbbb", 9, ["aaaa", "bbbbbbbbb"]),  # a break half-way counts
    ("aaa\nbbbbbbbbbbb", 9, ["aaa\nbbbbb", "bbbbbb"]),  # one before half-way does not
    ("aaa\nbb bbbbbbbbb", 9, ["aaa\nbb", "bbbbbbbbb"]),  # ... but a word break past it does
    ("aaaa bbbbbbbbb", 9, ["aaaa", "bbbbbbbbb"]),
    ("aaa bbbbbbbbbbb", 9, ["aaa bbbbb", "bbbbbb"]),
    ("aaaa bbbb cccc\ndd", 9, ["aaaa", "bbbb", "cccc\ndd"]),  # no break past the limit
    ("a\nbbbbbbbbbbbbbbbb", 9, ["a\nbbbbbbb", "bbbbbbbbb"]),
    ("aaaaaaaa\\*b", 9, ["aaaaaaaa", "\\*b"]),  # never half an escape
    ("aaaa   bbbbbb", 9, ["aaaa", "bbbbbb"]),  # no trailing spaces
    ("aaaa bbbb" + " " * 20, 9, ["aaaa", "bbbb"]),  # trailing space is no piece
])
def test_split_text_breaks_at_a_paragraph_line_or_word_past_half_way(text, limit, pieces):
    assert render.split_text(text, limit) == pieces


@pytest.mark.parametrize(("text", "limit", "pieces"), [
    ("研究院核政策项目，研究员", 10, ["研究院核政策项目，", "研究员"]),  # after its pause
    ("核政策，项目研究员核政策", 10, ["核政策，项目研究员核", "政策"]),  # none past half-way
    ("卡内基。清华全球政策中心", 10, ["卡内基。清华全球政策", "中心"]),
    ("研究员：赵通、李彬、张", 10, ["研究员：赵通、李彬、", "张"]),
    ("核政策 项目研究员卡内基", 10, ["核政策 项目研究员卡", "内基"]),  # a space before half
])
def test_split_text_breaks_chinese_after_a_pause_mark_past_half_way(text, limit, pieces):
    assert render.split_text(text, limit) == pieces


@pytest.mark.parametrize("drawn", ["👩‍🔬", "🇨🇳", "👍🏽", "é", "🏴󠁧󠁢"
                                   "󠁳󠁣󠁴󠁿"])
def test_split_text_never_cuts_a_character_drawn_from_several(drawn):
    """A hard cut (no break, no pause mark in reach) falls before a joined emoji, a flag,
    a skin tone or an accent that straddles it, never inside it."""
    for before in range(1, 12):
        text = "赵" * before + drawn * 6
        pieces = render.split_text(text, 10)
        assert "".join(pieces) == text, pieces
        for piece in pieces[1:]:
            assert piece.startswith(drawn) or not piece.startswith(drawn[1:]), pieces


# What Discord reads as markup at a line's start only: a heading, subtext, a list item, a
# quote, a numbered item.
LINE_START_MARKUP = re.compile(r"^[ \t]*(?:[>#-][ \t>#]|\d+\.[ \t])", re.MULTILINE)


@pytest.mark.parametrize(("text", "limit", "pieces"), [
    ("aaaa # b", 6, ["aaaa", "\\# b"]),
    ("aaaa - b", 6, ["aaaa", "\\- b"]),
    ("aaaa > b", 6, ["aaaa", "\\> b"]),
    ("aaaa 1. b", 6, ["aaaa", "1\\. b"]),
    ("aaaa -# b", 6, ["aaaa", "\\-# b"]),
    ("aaaa\n\\# b", 6, ["aaaa", "\\# b"]),  # a line's own start was escaped already
])
def test_a_piece_cut_from_mid_line_does_not_begin_with_line_start_markup(text, limit, pieces):
    assert render.split_text(text, limit) == pieces


@pytest.mark.parametrize("marker", ["# Heading", "## Heading", "-# small print", "- item",
                                    "> quote", "1. first", "2020. The year"])
def test_a_long_bio_or_takeaway_split_mid_line_shows_no_heading_list_or_quote(marker):
    """A bio or takeaway too long for one embed goes on in the next: the text after the cut
    was mid-line on the page ("ranked # 1", "Fellow - Carnegie", "in 2020. She"), where
    Discord reads no markup, and must not become a heading, a list or a quote there."""
    head = "**Ann Lee** · Speaker\n"
    for limit, before in ((render.EMBED_DESCRIPTION - render.NAME - 30, len(head)),
                          (render.EMBED_DESCRIPTION, len("**Trade**\n"))):
        words = ("word " * 1000)[:limit - before - 3] + "x"  # the marker ends the piece
        text = f"{words} {marker} " + "more words " * 50
        pages = render.speaker_pages(EN, event(people=(Person("Ann Lee", "speaker", text),)))
        messages = render.takeaways_messages(
            EN, event(takeaways=(Takeaway("Trade", text),))).messages
        descriptions = [page.embed.description for page in pages] + [
            embed.description for message in messages for embed in message]
        assert len(pages) > 1 and len(descriptions) > 3
        for description in descriptions:
            assert not LINE_START_MARKUP.search(description), description[:80]
            assert len(description) <= render.EMBED_DESCRIPTION
        assert sum(unescaped(d).count(f"{marker} more") for d in descriptions) == 2


@pytest.mark.parametrize(("names", "limit", "shown"), [
    (["Ann", "Bob", "Cy"], 100, "Ann, Bob, Cy"),
    (["Ann", "Bob", "Cy"], 26, "Ann, Bob, Cy"),  # Bob fits with room for a tail after it
    (["Ann", "Bob", "Cy"], 25, "Ann …and 2 more: /x"),
    (["Ann", "Bob", "Cy"], 21, "Ann …and 2 more: /x"),  # 3 + ", " + the longest tail (16)
    (["Ann", "Bob", "Cy"], 20, "…and 3 more: /x"),
    (["A", "B" * 30], 33, "A, " + "B" * 30),  # the last name needs no room for a tail
    (["Ann"], 3, "Ann"),
])
def test_names_are_listed_while_they_fit_and_the_rest_counted(names, limit, shown):
    assert render.names_text(EN, names, limit, "/x") == shown


def test_an_embed_budget_spends_what_is_left_on_each_part_in_turn():
    budget = render.EmbedBudget("T", "F", ["A", "B", "C"], total=100)
    assert budget.left == 98
    assert budget.room("Name") == 94 and budget.room("Name", keep=10) == 84
    budget.field("C", "c" * 200, keep=10)
    assert budget.fields["C"] == "c" * 86 + "…" and budget.left == 98 - 1 - 87
    budget.describe("d" * 4)
    assert budget.description == "d" * 4 and budget.left == 6
    budget.field("A", "a" * 10)  # room for 5
    assert budget.fields["A"] == "aaaa…" and budget.left == 0
    budget.field("B", "b")  # no room: dropped
    budget.describe("more")
    embed = budget.build()
    assert [(f.name, f.value, f.inline) for f in embed.fields] == [
        ("A", "aaaa…", False), ("C", "c" * 86 + "…", False)]  # in the order asked for
    assert embed.description == "d" * 4
    assert render.EmbedBudget("T", "F").build().description is None


@pytest.mark.parametrize(("code", "one", "two"), [
    ("en-US", ["Moderator", "Speaker", "Discussant"], ["Moderators", "Speakers", "Discussants"]),
    ("zh-CN", ["主持人", "主讲人", "评议人"], ["主持人", "主讲人", "评议人"]),
])
def test_a_roles_heading_names_one_person_or_several_as_many_as_it_has(code, one, two):
    """A lone speaker was under "Speakers", two moderators under "Moderator"."""
    for count, headings in ((1, one), (2, two)):
        people = tuple(Person(f"{role.title()} {n}", role, "bio")
                       for role in ("moderator", "speaker", "discussant") for n in range(count))
        embed = render.event_embed(language(code), event(people=people))
        names = [f.name for f in embed.fields]
        assert [name for name in names if name in one + two] == headings


def test_the_event_embed_shares_the_room_between_roles_and_keeps_the_description_start():
    roles = ["moderator", "speaker", "discussant", "host", "chair", "panelist"]
    people = tuple(Person(f"Person {role} number {i:02d}", role, "bio")
                   for role in roles for i in range(60))
    big = event(people=people, venue="V" * 1100, access_notes=("N" * 200,) * 10,
                description="D" * 1000, title="T" * 300, takeaways=(Takeaway("A", "b"),))
    embed = render.event_embed(EN, big)
    assert_fits(embeds=[embed])
    assert [f.name for f in embed.fields] == [
        "When", "Where", "Registration", "Moderators", "Hosts", "Chairs", "Speakers",
        "Discussants", "Panelist", "Notes", "Takeaways"]
    fields = {f.name: f.value for f in embed.fields}
    shares = [len(fields[title]) for title in ("Moderators", "Hosts", "Chairs", "Speakers",
                                                "Discussants", "Panelist")]
    assert max(shares) - min(shares) < 60  # about one name apart
    assert fields["Takeaways"] == "1 key takeaway: `/event takeaways`"
    assert embed.description.startswith("D" * 299) and embed.colour == render.COLOUR


def test_bios_share_a_speaker_page_up_to_its_4096_characters():
    def pages(*bios: int) -> list[render.SpeakerPage]:
        people = tuple(Person(chr(ord("A") + n), "speaker", "x" * size)
                       for n, size in enumerate(bios))
        return render.speaker_pages(EN, event(people=people))

    head = len("**A** · Speaker\n")
    exact = 4096 - 2 * head - 2  # two bios and the blank line between them
    assert [p.people for p in pages(exact // 2, exact // 2)] == [(0, 1)]
    assert [p.people for p in pages(exact // 2, exact // 2 + 1)] == [(0,), (1,)]
    # A new page counts afresh: the second holds two bios of exactly 4,096 again.
    assert [p.people for p in pages(3900, exact // 2, exact // 2)] == [(0,), (1, 2)]
    assert [p.people for p in pages(3900, exact // 2, exact // 2 + 1)] == [(0,), (1,), (2,)]
    [page] = pages(10, 10)
    assert page.embed.description == f"**A** · Speaker\n{'x' * 10}\n\n**B** · Speaker\n{'x' * 10}"
    assert page.embed.colour == render.COLOUR


def test_an_event_without_people_has_one_speaker_page_saying_so_and_no_menu():
    no_one = event(people=())
    [page] = render.speaker_pages(EN, no_one)
    assert page.embed.description == "This event's page names no speakers." and page.people == ()
    assert render.speaker_options(EN, no_one, [page], 0) == []


def test_the_speaker_menu_always_offers_25_and_names_a_nameless_person():
    people = tuple(Person(f"P{i}" if i else "", "speaker", "word " * 300) for i in range(60))
    many = event(people=people)
    pages = render.speaker_pages(EN, many)
    assert len(render.speaker_options(EN, many, pages, len(pages) - 1)) == 25
    assert render.speaker_options(EN, many, pages, 0)[0].label == "?"


def test_ask_says_an_archived_or_past_event_takes_no_rsvps_as_event_info_does():
    archived = event(archived=True)
    assert answers.fact_lines(EN, archived, [Intent.REGISTRATION]) == [
        "Registration: Archived: this event no longer takes RSVPs"]
    over = event(starts_at=datetime(2021, 5, 6, 18, tzinfo=UTC), ends_at=None)
    assert answers.fact_lines(language("zh-CN"), over, [Intent.REGISTRATION]) == [
        "报名：" + render.registration_text(language("zh-CN"), over)]


def test_an_embed_too_small_for_everyone_names_the_command_as_the_readers_client_does():
    people = tuple(Person(f"Person Number {i}", "speaker", "") for i in range(300))
    zh = {f.name: f.value for f in render.event_embed(language("zh-CN"),
                                                      event(people=people)).fields}
    tail = next(value for value in zh.values() if "位：" in value or "more" in value)
    assert tail.endswith("：/活动 全部演讲人"), tail
    en = {f.name: f.value for f in render.event_embed(EN, event(people=people)).fields}
    assert any(value.endswith("more: /event speakers") for value in en.values()), en


# Everything a page or a member could write that must show as written: a mention, a role
# mention, emphasis, strikethrough, a spoiler, a right-to-left override.
LOUD = "@everyone <@&123456789012345678> *a* ~~s~~ ||sp|| \u202eevil"


def shown_safely(text: str) -> None:
    assert "@everyone" not in text and "<@&123456789012345678>" not in text, text
    assert "*a*" not in text and "~~s~~" not in text and "||sp||" not in text, text
    assert "\u202e" not in text, text


def test_safe_escapes_tilde_pipe_and_strips_every_bidi_control():
    assert render.safe("~~s~~ ||sp||") == "\\~\\~s\\~\\~ \\|\\|sp\\|\\|"
    for c in range(0x202A, 0x202F):
        assert render.safe(f"a{chr(c)}b") == "ab"
    for c in range(0x2066, 0x206A):
        assert render.safe(f"a{chr(c)}b") == "ab"
    assert render.safe("x\n# Title\n12. item") == "x\n\\# Title\n12\\. item"
    assert render.safe("see http://a.b/c_d.") == "see http://a.b/c_d."
    assert render.safe("mailto:a_b") == "mailto:a\\_b"
    assert render.safe("(https://a.b/c_d)") == "(https://a.b/c_d)"


def test_every_page_and_member_field_in_the_event_embed_is_escaped():
    shown = event(people=(Person(LOUD, "speaker", "bio"),), access_notes=(LOUD,),
                  language=LOUD, translation=None)
    embed = render.event_embed(EN, shown)
    for f in embed.fields:
        shown_safely(f.value)


def test_change_notices_escape_title_and_venue():
    shown = event(title=LOUD, venue=LOUD)
    for moved, venue in ((True, True), (True, False), (False, True)):
        shown_safely(render.change_text(EN, shown, moved, venue))


def test_takeaways_and_recap_are_escaped_title_too():
    for shown in (event(title=LOUD, takeaways=(Takeaway(LOUD, LOUD),)),
                  event(title=LOUD, has_recap=True, recap_summary=LOUD)):
        [[embed]] = render.takeaways_messages(EN, shown).messages
        shown_safely(embed.title)
        description = embed.description
        shown_safely(description.replace("**", "", 2) if shown.takeaways else description)


def test_speaker_names_are_escaped_on_every_page():
    pages = render.speaker_pages(EN, event(people=(Person(LOUD, "speaker", "word " * 2000),)))
    assert len(pages) > 1
    for page in pages:
        shown_safely(page.embed.description)
    embed = render.speaker_embed(EN, event(title=LOUD), Person(LOUD, "speaker", "b"))[0][0]
    shown_safely(embed.title)




def test_a_deleted_roles_notice_lists_its_events_with_the_readers_comma():
    """The notice is posted in the server's language: a Chinese one listed the events with
    an English ", " between Chinese sentences' words."""
    from bot.adapters.roles import deleted_role_notice

    titles = [f"论坛{n}" for n in range(1, 7)]
    notice = deleted_role_notice("Attendee", titles)
    chinese = language("zh-CN").text(notice)
    assert "**论坛1**、**论坛2**、**论坛3**、**论坛4**、**论坛5**、…" in chinese, chinese
    assert ", " not in chinese
    assert "**论坛1**、**论坛2**" in language("zh-TW").text(deleted_role_notice(None, titles[:2]))
    english = EN.text(deleted_role_notice(None, titles[:3]), render.safe)
    assert english.startswith("The attendee role of **论坛1**, **论坛2**, **论坛3** was "), english


def test_the_list_counts_the_rest_of_the_total_the_store_counted():
    """The store reads the events the reply can show, and counts the rest: the line says
    how many of the server's events are not shown, not how many were read."""
    shown = [listing(n) for n in range(replies.LIST_LIMIT)]
    description = replies.events_list_embed(EN, shown, past=False, total=10_030).description
    assert len(re.findall(r"^`\d+` ", description, re.MULTILINE)) == replies.LIST_LIMIT
    assert "…and 10,005 more" in description
    whole = replies.events_list_embed(EN, shown, past=False, total=replies.LIST_LIMIT)
    assert "more" not in whole.description


def test_takeaways_past_five_messages_name_the_file_that_holds_them_whole():
    long = event(takeaways=tuple(Takeaway(f"Point {n}", "x *y* " * 700) for n in range(30)),
                 has_recap=True, slug="long-one")
    reply = render.takeaways_messages(EN, long)
    assert len(reply.messages) == render.MAX_MESSAGES
    assert reply.file_name == "long-one-takeaways.txt"
    assert "attached file, long-one-takeaways.txt." in reply.messages[-1][-1].description
    data = render.takeaways_file(EN, long, 10**6)
    text = data.decode("utf-8")
    assert text.count("\nPoint ") == 30 and "x *y* x" in text  # written as on the page
    for most in (1_000, 1_001, 1_002, 1_003):  # a cut never splits a character
        cut = render.takeaways_file(EN, event(takeaways=(Takeaway("", "观点" * 2_000),),
                                              has_recap=True), most)
        assert len(cut) <= most and cut.decode("utf-8").endswith("…")
    short = render.takeaways_messages(EN, event(takeaways=(Takeaway("One", "text"),),
                                                has_recap=True))
    assert short.file_name is None and len(short.messages) == 1
