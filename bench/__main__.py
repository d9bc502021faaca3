"""`python -m bench [NAME...]`: run benchmarks and rewrite bench/RESULTS.md.

Each benchmark module has `measure()` and `report(results) -> str` (a Markdown
section). A section is kept in bench/results/NAME.md, so running one benchmark
leaves the others' latest figures in RESULTS.md.
"""

from __future__ import annotations

import importlib
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from tests.postgres_cluster import NoServer

HERE = Path(__file__).resolve().parent
BENCHMARKS = ("rsvp", "e2e", "reads", "scale", "edits", "hostile", "ask", "flood", "guilds",
              "listings", "postgres", "shards")
# Sections measured by end-to-end tests (`pytest -s` prints their figures) or by hand
# (architecture, reads_before: before and after a change), kept as written.
RECORDED = ("reads_before", "bursts", "architecture")
# The order of the sections in RESULTS.md: the "before" of a benchmark right after it.
SECTIONS = ("rsvp", "e2e", "reads", "reads_before", "scale", "edits", "hostile", "ask", "flood",
            "guilds", "listings", "postgres", "shards", "bursts", "architecture")


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}), "
            f"Python {platform.python_version()}")


def main(names: list[str]) -> int:
    unknown = set(names) - set(BENCHMARKS)
    if unknown:
        print(f"bench: unknown benchmark(s) {', '.join(sorted(unknown))}; "
              f"choose from {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    results_dir = HERE / "results"
    results_dir.mkdir(exist_ok=True)
    for name in names or BENCHMARKS:
        module = importlib.import_module(f"bench.{name}")
        print(f"running bench/{name}.py ...", flush=True)
        try:
            section = module.report(module.measure())
        except NoServer as exc:  # the PostgreSQL benchmarks, where none can be started
            print(f"bench/{name}.py skipped: {exc}", file=sys.stderr)
            continue
        stamp = f"_Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}._\n\n"
        (results_dir / f"{name}.md").write_text(section.replace("\n\n", "\n\n" + stamp, 1))
        print(section)
    assemble()
    return 0


def assemble() -> None:
    """RESULTS.md from the latest section of every benchmark."""
    results_dir = HERE / "results"
    sections = [(results_dir / f"{n}.md").read_text() for n in SECTIONS
                if (results_dir / f"{n}.md").exists()]
    (HERE / "RESULTS.md").write_text(
        "# Benchmark results\n\nWritten by `make bench` (`python -m bench`). Every figure is "
        "compared with its floor measured in the same run on the same machine.\n\n"
        + "\n".join(sections))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
