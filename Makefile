# borderwatch: `make run` and `make test` set up everything they need on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CORPUS := tests/.corpus/feedparser
FEEDPARSER_SDIST := 6.0.14

.PHONY: run test lint bench demo migrate corpus clean severity-model

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

data:
	mkdir -p data

migrate: $(STAMP) | data
	$(BIN)/borderwatch db upgrade

run: migrate
	$(BIN)/borderwatch run

# feedparser's own test corpus (about 2,250 files) from its source distribution; not committed.
$(CORPUS)/.done: | $(BIN)/python
	rm -rf tests/.corpus && mkdir -p tests/.corpus/download
	$(BIN)/python -m pip download --quiet --no-binary :all: --no-deps -d tests/.corpus/download feedparser==$(FEEDPARSER_SDIST)
	tar -xzf tests/.corpus/download/feedparser-$(FEEDPARSER_SDIST).tar.gz -C tests/.corpus
	mv tests/.corpus/feedparser-$(FEEDPARSER_SDIST)/tests $(CORPUS)
	rm -rf tests/.corpus/download tests/.corpus/feedparser-$(FEEDPARSER_SDIST)
	touch $@

corpus: $(CORPUS)/.done

test: migrate corpus
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy bot feeds storage
	$(BIN)/hadolint --failure-threshold style Dockerfile

# the learned severity grader's weights (feeds/severity_model.py), trained on the development part
severity-model: $(STAMP)
	$(BIN)/python tests/data/labelled/severity_weights.py

bench: migrate
	$(BIN)/python -m bench

demo: migrate
	$(BIN)/python -m tests.demo

clean:
	rm -rf $(VENV) tests/.corpus
