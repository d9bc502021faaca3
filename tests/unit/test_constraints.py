"""constraints.txt pins what `make` installs: the versions the suite passed with, where
pyproject.toml's ranges alone took the newest release of everything on each clean clone."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
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


def imported_top_levels(folders: tuple[str, ...]) -> set[str]:
    """The top-level modules the package's code imports (absolute imports, any depth)."""
    found: set[str] = set()
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    found.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    found.add(node.module.split(".")[0])
    return found


def test_every_package_the_bot_imports_is_declared():
    """A package the bot imports but only gets through another one (aiohttp and yarl came
    with discord.py) has no range of its own: discord.py allows aiohttp from 3.7.4, and the
    bot needs 3.10.10 (`ClientConnectorDNSError`), its stand-in 3.14 (`web.RequestKey`)."""
    distributions = importlib.metadata.packages_distributions()
    own = {"bot", "cogs", "sandbox"}
    third_party = {name for name in imported_top_levels(("bot", "cogs", "sandbox"))
                   if name not in sys.stdlib_module_names and name not in own}
    main = {canonicalize_name(requirement.name) for requirement in map(Requirement, tomllib.loads(
        (ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"])}
    undeclared = sorted(name for name in third_party
                        if not {canonicalize_name(d) for d in distributions.get(name, [name])}
                        & main)
    assert undeclared == []
