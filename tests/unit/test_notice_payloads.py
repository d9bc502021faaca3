"""Notice payloads: every kind goes through the outbox's JSON and comes back equal, and
rows written before the payloads were typed still load."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

import pytest

from bot.adapters.notice_sender import nonce_of
from bot.models import (
    NOTICE_KINDS,
    PAYLOAD_TYPES,
    CancelledPayload,
    CapacityPayload,
    ChangedDmPayload,
    ChangedPayload,
    ChangedTo,
    ClosedPayload,
    DeletedPayload,
    Notice,
    NoticeKind,
    OpenedPayload,
    PromotedPayload,
    RecapPayload,
    RefreshPayload,
    RemovedPayload,
)
from bot.storage.sqlite.outbox import decode_payload, encode_payload
from bot.storage.sqlite.session import ts

EXAMPLES = [
    CapacityPayload(),
    PromotedPayload(user_id=11, seq=4),
    ClosedPayload(reason="full room", by=22),
    ClosedPayload(reason=None, by=None),
    OpenedPayload(by=33),
    OpenedPayload(by=None),
    RecapPayload(),
    ChangedPayload(moved=True, venue_changed=False),
    ChangedDmPayload(user_id=44, moved=False, venue_changed=True),
    ChangedDmPayload(user_id=44, moved=True, venue_changed=False, seq=7),
    ChangedPayload(moved=True, venue_changed=True, to=ChangedTo(
        datetime(2031, 3, 4, 18, tzinfo=UTC), datetime(2031, 3, 4, 20, tzinfo=UTC), False,
        "Hall C")),
    ChangedDmPayload(user_id=44, venue_changed=True, seq=7, to=ChangedTo(venue=None)),
    ChangedDmPayload(user_id=44, moved=True, to=ChangedTo(
        datetime(2031, 3, 4, tzinfo=UTC), datetime(2031, 3, 6, tzinfo=UTC), True, "Hall C")),
    DeletedPayload(title="A Talk", messages=((1, 2), (3, 4)), scheduled_event_id=55),
    DeletedPayload(title="A Talk", messages=(), scheduled_event_id=None),
    DeletedPayload(title="A Talk", messages=(), scheduled_event_id=None, taken_place=True),
    CancelledPayload(user_id=66, title="A Talk"),
    RemovedPayload(user_id=77),
    RefreshPayload(),
    RefreshPayload(moved_from=datetime(2031, 3, 4, 17, tzinfo=UTC)),
]


def test_every_kind_has_one_payload_type_and_an_example():
    assert set(PAYLOAD_TYPES) == set(NoticeKind)
    assert {NOTICE_KINDS[type(p)] for p in EXAMPLES} == set(NoticeKind)


@pytest.mark.parametrize("payload", EXAMPLES, ids=repr)
def test_round_trip(payload):
    kind = NOTICE_KINDS[type(payload)]
    assert decode_payload(kind, encode_payload(payload)) == payload


@pytest.mark.parametrize(("kind", "stored", "expected"), [
    ("capacity", "{}", CapacityPayload()),
    ("recap", "{}", RecapPayload()),
    ("promoted", '{"user_id": 2}', PromotedPayload(2)),
    ("closed", '{"reason": "why", "by": 7}', ClosedPayload("why", 7)),
    ("closed", "{}", ClosedPayload(None, None)),
    ("opened", '{"by": null}', OpenedPayload(None)),
    ("changed", '{"moved": true, "venue_changed": false}', ChangedPayload(True, False)),
    ("changed_dm", '{"moved": false, "venue_changed": true, "user_id": 9}',
     ChangedDmPayload(9, False, True)),
    ("deleted", '{"title": "T", "messages": [[1, 2]], "scheduled_event_id": 3}',
     DeletedPayload("T", ((1, 2),), 3)),
    ("deleted", '{"title": "T"}', DeletedPayload("T")),
    ("cancelled", '{"user_id": 5, "title": "T"}', CancelledPayload(5, "T")),
    # a refresh of an earlier version: its Discord event takes the new details only
    ("refresh", "{}", RefreshPayload()),
    ("refresh", '{"moved_from": null}', RefreshPayload()),
    ("refresh", '{"moved_from": 1930410000}',
     RefreshPayload(datetime(2031, 3, 4, 17, tzinfo=UTC))),
])
def test_rows_in_the_stored_json_shape_load(kind, stored, expected):
    assert decode_payload(kind, stored) == expected


def test_the_stored_keys_are_the_ones_earlier_versions_wrote():
    stored = json.loads(encode_payload(ChangedDmPayload(9, True, False)))
    assert stored.items() >= {"user_id": 9, "moved": True, "venue_changed": False}.items()
    stored = json.loads(encode_payload(DeletedPayload("T", ((1, 2),), 3)))
    # and one key more, which earlier versions ignore (a row of theirs loads it as False)
    assert stored == {"title": "T", "messages": [[1, 2]], "scheduled_event_id": 3,
                      "taken_place": False}


@pytest.mark.parametrize(("kind", "stored"), [
    ("promoted", "{}"), ("cancelled", '{"user_id": 5}'), ("no-such-kind", "{}"),
    ("capacity", "not json"), ("refresh", '{"moved_from": "yesterday"}'),
])
def test_an_unreadable_row_is_a_value_error(kind, stored):
    with pytest.raises(ValueError):
        decode_payload(kind, stored)


def test_a_notices_nonce_is_its_own_the_same_each_delivery_and_fits_discord():
    notice = Notice(2**63 - 1, 1, 7, CapacityPayload())
    assert nonce_of(notice) == nonce_of(Notice(2**63 - 1, 1, 7, CapacityPayload()))
    # an id given again (a restored backup) to another notice makes another nonce
    assert nonce_of(notice) != nonce_of(Notice(2**63 - 1, 1, 8, CapacityPayload()))
    assert nonce_of(notice) != nonce_of(Notice(2**63 - 1, 1, 7, OpenedPayload()))
    assert len({nonce_of(notice, part) for part in range(1000)}) == 1000
    assert max(len(nonce_of(notice, part)) for part in (0, 999)) <= 25


@pytest.mark.parametrize("payload", EXAMPLES, ids=repr)
def test_the_stored_text_is_the_one_earlier_versions_wrote(payload):
    """Unsent notices are found by their text (`drop_unsent`): a row an earlier version
    wrote must read the same as one written now."""
    assert encode_payload(payload) == json.dumps(dataclasses.asdict(payload), default=ts)


def test_a_payload_is_encoded_without_a_deep_copy_of_its_values(monkeypatch):
    """A change of a big event's date writes a DM per member (100,000) in its transaction:
    `dataclasses.asdict` copied every value of each payload deeply first, 4 s of such a
    5 s change (on PostgreSQL, with the event loop held); none is copied now."""
    import copy

    def no_copy(value, memo=None):
        raise AssertionError(f"{value!r} was copied")

    monkeypatch.setattr(copy, "deepcopy", no_copy)
    for payload in EXAMPLES:
        encode_payload(payload)
