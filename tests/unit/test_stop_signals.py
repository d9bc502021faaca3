"""Which signals stop the bot cleanly (`bot.app.stop_signals`)."""

from __future__ import annotations

import signal

import pytest

from bot.app import stop_signals

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="no SIGHUP here")


@pytest.fixture
def hangup_as(request):
    previous = signal.getsignal(signal.SIGHUP)
    signal.signal(signal.SIGHUP, request.param)
    yield
    signal.signal(signal.SIGHUP, previous)


@pytest.mark.parametrize("hangup_as", [signal.SIG_DFL], indirect=True)
def test_the_terminal_closing_stops_the_bot_cleanly(hangup_as):
    assert stop_signals() == (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


@pytest.mark.parametrize("hangup_as", [signal.SIG_IGN], indirect=True)
def test_a_bot_started_under_nohup_keeps_running_when_the_terminal_closes(hangup_as):
    """`nohup python -m bot run &` ignores SIGHUP: an SSH session ending left the bot
    running. Handling SIGHUP regardless stopped it at the logout."""
    assert stop_signals() == (signal.SIGTERM, signal.SIGINT)
