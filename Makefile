# mmbin developer commands. `make demo` and `make test` do all set-up themselves.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.mmbin-installed

.PHONY: install test demo lint clean

install: $(STAMP)

$(STAMP): setup.cfg pyproject.toml requirements/*.txt tools/misc/install_env.sh
	PYTHON=$(PYTHON) VENV=$(VENV) bash tools/misc/install_env.sh
	touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest tests

demo: $(STAMP)
	$(PY) tools/misc/demo.py

lint: $(STAMP)
	$(PY) -m flake8 mmbin tools tests demo

clean:
	rm -rf work_dirs build *.egg-info .pytest_cache
