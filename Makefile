# Set-up and the two jobs of the README. `make demo` and `make test` install
# everything they need into .venv on first use (CPU torch pinned by
# constraints-cpu.txt, which belongs to these machines, not to the package).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.lsr-installed

.PHONY: demo test install bench clean

$(STAMP): pyproject.toml constraints-cpu.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q -c constraints-cpu.txt -e ".[train,analysis,data,serve,dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/lsr demo

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build dist *.egg-info runs .pytest_cache .hypothesis
