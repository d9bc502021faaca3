"""The bundled sample event, imported the way a new server gets it: its English
announcement and recap, and its announcement in Chinese, on one event."""

from __future__ import annotations

from bot.catalog import import_bundled, read_event_folder
from bot.pages import page_language, parse_page
from bot.storage import EventDraft
from tests.conftest import ANNOUNCEMENT, RECAP, ROOT, SAMPLE_DIR, make_page, new_event

CHINESE = SAMPLE_DIR / "announcement.zh.txt"
SEED_PEOPLE = [("Tong Zhao", "moderator"), ("Li Bin", "speaker"), ("Fan Jishe", "discussant"),
               ("Duan Zhanyuan", "discussant"), ("Zhang Hongyu", "discussant")]


def test_the_chinese_announcement_is_the_events_third_page():
    folder = read_event_folder(SAMPLE_DIR)
    assert [text for text, _ in folder.pages] == [
        path.read_text(encoding="utf-8") for path in (ANNOUNCEMENT, RECAP, CHINESE)]
    page = folder.pages[2][1]
    assert page.kind == "announcement"
    # A translation of the English page, which names no date or place: neither does it.
    assert (page.title, page.date_text, page.location) == ("中美导弹防御争议", None, None)
    assert page.registration_closed and page.off_the_record
    assert (page.language, page.translation) == ("Chinese", "English")
    assert [(p.name, p.role) for p in page.people] == [
        ("赵通 (Tong Zhao)", "moderator"), ("李彬 (Li Bin)", "speaker"),
        ("樊吉社 (Fan Jishe)", "discussant"), ("段占元 (Duan Zhanyuan)", "discussant"),
        ("Zhang Hongyu", "discussant")]
    assert [p.bio.partition("是")[0] for p in page.people] == [
        "赵通", "李彬", "樊吉社", "段占元", "Zhang Hongyu "]
    assert page.skipped == ()


async def test_the_bundle_imports_the_three_pages_onto_one_event(store):
    reports = await import_bundled(store, 1, ROOT / "data" / "events")
    assert [(r.created, r.skipped) for r in reports] == [(True, ())]
    event = await store.run(store.events.get_event, 1, reports[0].event.id)
    # The Chinese page names the same five people (it pairs their names): no one twice,
    # and the English bios, imported first, are kept.
    assert [(p.name, p.role) for p in event.people] == SEED_PEOPLE
    english = parse_page(ANNOUNCEMENT.read_text(encoding="utf-8"))
    assert event.people == english.people
    # Its description adds to the English one instead of replacing it.
    chinese = parse_page(CHINESE.read_text(encoding="utf-8"))
    assert event.description == english.description + "\n\n" + chinese.description
    assert event.takeaways == parse_page(RECAP.read_text(encoding="utf-8")).takeaways
    assert not event.registration_open and event.off_the_record
    assert (event.language, event.translation) == ("Chinese", "English")
    again = await import_bundled(store, 1, ROOT / "data" / "events")
    assert await store.run(store.events.get_event,
                           1, again[0].event.id) == event  # re-import changes nothing


async def test_an_updated_announcement_in_the_same_language_still_replaces_the_description(
        store):
    event = await new_event(store, description="Old summary.")
    updated = await store.run(store.events.add_page,
                              1, event.id, "new text", make_page(description="New summary."))
    assert updated.description == "New summary."


async def test_each_language_keeps_its_own_page_so_a_repeat_import_finds_its_event(store):
    """The Chinese announcement is stored beside the English one, not over it: uploading
    either again updates the sample event instead of making a second one."""
    [report] = await import_bundled(store, 1, ROOT / "data" / "events")
    for path in (ANNOUNCEMENT, CHINESE):
        text = path.read_text(encoding="utf-8")
        event, created = await store.run(store.events.save_event,
            1, EventDraft(slug="again", title="Again", capacity=10), [(text, parse_page(text))],
            new=True)
        assert (event.id, created) == (report.event.id, False), path.name


def test_a_page_is_chinese_when_a_third_of_its_letters_are_han():
    assert page_language(CHINESE.read_text(encoding="utf-8")) == "zh"
    assert page_language(ANNOUNCEMENT.read_text(encoding="utf-8")) == "en"
    assert page_language("主持人：赵通 (Tong Zhao)，卡内基—清华全球政策中心研究员") == "zh"
    assert page_language("Moderator: Tong Zhao (赵通), a fellow at the Carnegie center") == "en"
    assert page_language("") == "en"
