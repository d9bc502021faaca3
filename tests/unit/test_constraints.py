"""constraints.txt pins what `make` installs: the versions the suite passed with, where
pyproject.toml's ranges alone took the newest release of everything on each clean clone."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
EXTRAS = ("test", "bench", "mutation")  # the ones the Makefile installs


def declared() -> list[Requirement]:
    """The dependencies of pyproject.toml, and those of the extras `make` installs."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = [*project["dependencies"],
             *(line for extra in EXTRAS for line in project["optional-dependencies"][extra])]
    return [Requirement(line) for line in lines]


def pins() -> dict[str, Version]:
    """constraints.txt as name -> version; anything but `name==version` lines (and
    comments) is refused, since a range there would pin nothing."""
    found: dict[str, Version] = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        matched = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^=\s;]+)", line)
        assert matched, f"constraints.txt: {line!r} is not an exact pin (name==version)"
        name = canonicalize_name(matched[1])
        assert name not in found, f"constraints.txt pins {name} twice"
        found[name] = Version(matched[2])
    return found


def test_every_dependency_is_pinned_within_its_range():
    """A dependency added to pyproject.toml and not to constraints.txt would again be the
    newest release on a clean clone; a range moved past its pin would fail the install."""
    pinned = pins()
    wrong = []
    for requirement in declared():
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        version = pinned.get(canonicalize_name(requirement.name))
        if version is None:
            wrong.append(f"{requirement} is not pinned")
        elif not requirement.specifier.contains(version, prereleases=True):
            wrong.append(f"{requirement} is pinned at {version}, outside its range")
    assert wrong == []


def test_the_makefile_installs_with_the_pins_and_again_when_they_change():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    installs = re.findall(r"^\t.*-m pip install .*\.\[.*$", makefile, re.MULTILINE)
    assert len(installs) >= 3  # the stamp's, bench's and mutation's
    assert [line for line in installs if "-c constraints.txt" not in line] == []
    [stamp] = re.findall(r"^\$\(STAMP\):(.*)$", makefile, re.MULTILINE)
    assert "constraints.txt" in stamp.split()
