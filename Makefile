# `make run` and `make test` each set up everything they need on a fresh clone.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run sandbox test lint check bench mutation messages clean

# The versions the suite passed with (constraints.txt), not the newest each range allows; a
# change of either file installs again.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m bot run

sandbox: $(STAMP)
	$(PY) -m sandbox

lint: $(STAMP)
	$(PY) -m ruff check .

# The layers' rules: types (mypy, on bot/ and cogs/) and imports (import-linter, the
# contracts in pyproject.toml).
check: lint
	$(PY) -m mypy
	$(VENV)/bin/lint-imports

# Most tests wait on a bot process, a server or an event's start rather than compute:
# four workers (a file each at a time, so a file's module-wide bot and server are started
# once) keep the two cores about two-thirds busy (693 s of CPU in user mode over a run
# of 580 s) and take under 10 minutes, where three took about 14 and two 18.
TEST_WORKERS ?= 4

# In Python's UTF-8 mode, as the tests read and compare text as UTF-8 (the pages, the
# README, what the bot prints): in a locale of another encoding (LANG=en_US.ISO-8859-1) they
# failed on reading it. The tests of the bot in such a locale set PYTHONUTF8=0 themselves.
#
# The bot's code is compiled to bytecode first: the suite starts about 700 bot processes and
# many command-line ones, and where Python writes no bytecode of its own
# (PYTHONDONTWRITEBYTECODE set) each compiled bot/ and cogs/ from source
# again, a fifth of a start's CPU (0.86 s against 0.67 s measured).
test: check
	$(PY) -m compileall -q bot cogs
	PYTHONUTF8=1 $(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --durations=25

bench: $(STAMP)
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test,bench]'
	$(PY) -m bench

# Not part of `make test`: about half an hour on two cores, with one worker.
mutation: $(STAMP)
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test,mutation]'
	$(PY) -m bench.mutation

# The bot's words: extract the message ids from bot/ and cogs/ into bot/locales/messages.pot,
# the commands' names and descriptions into bot/locales/commands.pot, and bring every
# language's catalogs in step (new ids arrive untranslated: test_i18n.py fails until they
# are translated).
messages: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k N_ --no-location --sort-output \
		--project=eventbot -o bot/locales/messages.pot .
	$(PY) -m bot.command_words  # the slash commands' names and descriptions, from the tree
	for domain in messages commands; do for lang in en_GB zh_CN zh_TW; do \
		$(VENV)/bin/pybabel update -D $$domain -i bot/locales/$$domain.pot \
			-d bot/locales -l $$lang --init-missing --no-fuzzy-matching --ignore-obsolete \
			--ignore-pot-creation-date; \
	done; done

clean:
	rm -rf mutants $(VENV) .pytest_cache .ruff_cache .hypothesis
