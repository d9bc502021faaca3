"""A throwaway PostgreSQL cluster for the store tests (GUIDE section 7), and a fresh
database per test made from a migrated template."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# Debian's packages keep the server binaries off PATH, one folder per major version.
PG_BINS = sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                 key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
                 reverse=True)
REQUIRE = "EVENTBOT_REQUIRE_POSTGRES"


class NoServer(Exception):
    """No PostgreSQL server can be started here; the message says why, in one line."""


def _binary(name: str) -> str:
    found = shutil.which(name) or next(
        (str(folder / name) for folder in PG_BINS if (folder / name).exists()), None)
    if found is None:
        raise NoServer(f"{name} not found (install PostgreSQL: apt-get install postgresql)")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    root: Path
    port: int
    as_postgres: Sequence[str]  # the command prefix that runs a binary as the server's user
    durable: bool = False  # fsync as PostgreSQL's default (benchmarks), else off (tests)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def restart(self) -> None:
        """Restart the server as an operator would (`pg_ctl restart -m fast`): every session
        is ended and the server is away for a moment. Blocks until it accepts again."""
        _run([*self.as_postgres, _binary("pg_ctl"), "-D", str(self.root / "data"), "-m", "fast",
              "-l", str(self.root / "log"), "-w", "-o", self._options(), "restart"])

    def server_down(self) -> None:
        """Stop the server (`pg_ctl stop -m fast`), keeping its data for `server_up`."""
        _run([*self.as_postgres, _binary("pg_ctl"), "-D", str(self.root / "data"), "-m", "fast",
              "-w", "stop"])

    def server_up(self) -> None:
        _run([*self.as_postgres, _binary("pg_ctl"), "-D", str(self.root / "data"),
              "-l", str(self.root / "log"), "-w", "-o", self._options(), "start"])

    def _options(self) -> str:
        return (f"-k {self.root} -c listen_addresses=127.0.0.1 -p {self.port}"
                f"{'' if self.durable else ' -c fsync=off'} -c max_connections=200")

    def stop(self) -> None:
        subprocess.run([*self.as_postgres, _binary("pg_ctl"), "-D", str(self.root / "data"),
                        "-m", "immediate", "stop"], capture_output=True, check=False)
        shutil.rmtree(self.root, ignore_errors=True)


def start_cluster(*, durable: bool = False) -> Cluster:
    """initdb and start a cluster on a free port, its socket in its own temp dir. As root,
    the binaries run as the `postgres` user (PostgreSQL refuses to run as root). Tests
    run with fsync off; `durable` keeps PostgreSQL's default (fsync on), for benchmarks."""
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    root = Path(tempfile.mkdtemp(prefix="eventbot-pg-"))
    as_postgres: list[str] = []
    if os.geteuid() == 0:
        runuser = shutil.which("runuser")
        if runuser is None:
            raise NoServer("running as root and runuser is missing")
        as_postgres = [runuser, "-u", "postgres", "--"]
        shutil.chown(root, "postgres")
    port = _free_port()
    cluster = Cluster(root, port, as_postgres, durable)
    try:
        _run([*as_postgres, initdb, "-D", str(root / "data"), "-A", "trust", "-U", "postgres",
              "-E", "UTF8", "--no-sync"])
        _run([*as_postgres, pg_ctl, "-D", str(root / "data"), "-l", str(root / "log"), "-w",
              "-o", cluster._options(), "start"])
    except NoServer:
        cluster.stop()
        raise
    return cluster


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise NoServer(f"could not start PostgreSQL: {last[0]}")
