"""What `pip install .` puts in a wheel (the editable install `make run` makes reads the
source folders instead): every package the bot imports, and its catalogs."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from setuptools import find_namespace_packages

ROOT = Path(__file__).resolve().parents[2]


def configured_packages() -> set[str]:
    """The packages setuptools builds from pyproject.toml: its list, or what its `find`
    discovers (namespace packages included, setuptools' default for pyproject.toml)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    packages = config.get("packages", [])
    if isinstance(packages, list):
        return set(packages)
    find = packages["find"]
    assert find.get("namespaces", True), "the catalogs' folders are namespace packages"
    return set(find_namespace_packages(str(ROOT), include=find.get("include", ["*"]),
                                       exclude=find.get("exclude", [])))


def test_every_package_of_the_bot_is_in_the_wheel():
    """A package left out of the list (bot.flows, bot.adapters) made an installed
    `eventbot` fail at its first import."""
    wanted = {".".join(init.parent.relative_to(ROOT).parts)
              for top in ("bot", "cogs", "sandbox") for init in (ROOT / top).rglob("__init__.py")}
    assert wanted - configured_packages() == set()


def test_the_catalogs_folders_are_packages_so_the_build_says_nothing_of_them():
    """The .po catalogs sit in folders Python can import (bot.locales.zh_CN.LC_MESSAGES):
    left out of the packages, each made setuptools print a screenful of "Package would be
    ignored" in the first `make run` of a fresh clone."""
    folders = {".".join(po.parent.relative_to(ROOT).parts)
               for po in (ROOT / "bot" / "locales").rglob("*.po")}
    assert folders and folders - configured_packages() == set()


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_test_runs_the_suite_in_utf8_mode():
    """The tests read the pages, the README and the bot's output as UTF-8: in a locale of
    another encoding (LANG=en_US.ISO-8859-1) `make test` failed on reading them."""
    planned = subprocess.run(["make", "-n", "test"], cwd=ROOT, capture_output=True,
                             text=True, encoding="utf-8", timeout=60, check=True).stdout
    pytest_line = next(line for line in planned.splitlines() if " -m pytest" in line)
    assert pytest_line.startswith("PYTHONUTF8=1 ")
