"""The in-process signal bus: typed signals to plain callbacks, in order, none lost to one
that raises."""

from __future__ import annotations

import logging

from bot.signals import GuildLeft, RegistrationChanged, RemindersChanged, Signals


def test_emit_reaches_the_subscribers_of_its_type_only_in_order():
    signals = Signals()
    seen: list[tuple[str, object]] = []
    signals.subscribe(RegistrationChanged, lambda s: seen.append(("first", s)))
    signals.subscribe(RegistrationChanged, lambda s: seen.append(("second", s)))
    signals.subscribe(RemindersChanged, lambda s: seen.append(("reminders", s)))
    signals.emit(RegistrationChanged(1, 2))
    assert seen == [("first", RegistrationChanged(1, 2)), ("second", RegistrationChanged(1, 2))]


def test_unsubscribed_callbacks_hear_nothing_more():
    signals = Signals()
    seen: list[object] = []

    class Listener:
        def on_left(self, signal: GuildLeft) -> None:
            seen.append(signal)

    listener = Listener()
    signals.subscribe(GuildLeft, listener.on_left)
    signals.emit(GuildLeft(5))
    signals.unsubscribe(GuildLeft, listener.on_left)  # a new bound method, equal to the first
    signals.emit(GuildLeft(6))
    assert seen == [GuildLeft(5)]


def test_emit_with_no_subscribers_does_nothing():
    signals = Signals()
    signals.emit(RemindersChanged(1))
    signals.subscribe(RemindersChanged, lambda s: None)
    signals.emit(GuildLeft(1))


def test_a_raising_subscriber_is_logged_and_the_others_still_run(caplog):
    signals = Signals()
    seen: list[object] = []

    def broken(signal: RegistrationChanged) -> None:
        raise RuntimeError("boom")

    signals.subscribe(RegistrationChanged, broken)
    signals.subscribe(RegistrationChanged, seen.append)
    with caplog.at_level(logging.ERROR, logger="bot.signals"):
        signals.emit(RegistrationChanged(1, 2))
    assert seen == [RegistrationChanged(1, 2)]
    assert "RegistrationChanged" in caplog.text and "boom" in caplog.text
