"""Gateway close codes Discord documents as not to be reconnected after (4012 Invalid API
version, 4013 Invalid intent(s), 4014 Disallowed intent(s)): `python -m bot run` ends in
one line and a non-zero exit, as it does for 4004, 4010 and 4011, not with
discord.ConnectionClosed's traceback. The local Discord closes every IDENTIFY with the
code given (`close_identify_with`)."""

from __future__ import annotations

import sys

import pytest

from sandbox import FakeDiscord
from tests.conftest import ROOT

pytestmark = pytest.mark.asyncio(loop_scope="function")


@pytest.mark.parametrize(("code", "reason", "said"), [
    (4012, b"Invalid API version.", "update discord.py"),
    (4013, b"Invalid intent(s).", "update discord.py"),
    (4014, b"Disallowed intent(s).", "privileged intent"),
])
async def test_a_close_code_that_is_not_resumable_ends_the_bot_in_one_line(
        tmp_path, code, reason, said):
    async with FakeDiscord() as fake:
        fake.add_guild("Forum")
        fake.close_identify_with = (code, reason)
        bot = fake.spawn_bot([sys.executable, "-m", "bot", "run"], {
            "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
            "EVENTS_DIR": str(ROOT / "data/events"), "PYTHONPATH": str(ROOT)},
            cwd=str(tmp_path))
        try:
            status = await bot.exited(30)
        finally:
            await bot.stop()
        output = bot.output()
        assert status not in (None, 0), output[-3000:]  # ended, and not as a success
        assert "Traceback" not in output, output[-3000:]
        assert output.splitlines()[-1].startswith("eventbot: "), output[-3000:]
        assert said in output.splitlines()[-1], output[-3000:]
        assert len(fake.refused_identifies) == 1, fake.refused_identifies  # no retry loop
