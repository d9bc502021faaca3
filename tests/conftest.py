from __future__ import annotations

from pathlib import Path

import pytest

from bot.pages import Page, Person, Takeaway
from bot.storage import EventDraft, Store, open_store

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "data" / "events" / "missile-defense-china"
ANNOUNCEMENT = SAMPLE_DIR / "announcement.txt"
RECAP = SAMPLE_DIR / "recap.txt"


def make_page(kind: str = "announcement", *, people=(("Ada Lovelace", "moderator"),),
              takeaways=(), registration_closed: bool = False, description: str = "About it.",
              **extra) -> Page:
    """A parsed page built directly, for tests of everything downstream of the importer."""
    fields = dict(
        kind=kind, title=None, date_text=None, location=None, description=description,
        registration_closed=registration_closed, off_the_record=False, access_notes=(),
        language=None, translation=None,
        people=tuple(Person(name, role, f"{name} is a researcher.") for name, role in people),
        takeaways=tuple(Takeaway(h, t) for h, t in takeaways), skipped=())
    fields.update(extra)
    return Page(**fields)


@pytest.fixture
def store_opener():
    """How the store tests open a store at a path: the backend under test (SQLite; a
    second backend parametrises this fixture)."""
    return open_store


@pytest.fixture
async def store(store_opener, tmp_path):
    async with await store_opener(tmp_path / "test.sqlite3") as opened:
        yield opened


async def new_event(store: Store, guild_id: int = 1, capacity: int = 50, slug: str = "talk",
                    **page_args):
    event, _ = await store.run(store.events.save_event,
        guild_id, EventDraft(slug=slug, title=f"Event {slug}", capacity=capacity),
        [("page text", make_page(**page_args))])
    return event
