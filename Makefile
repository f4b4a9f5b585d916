# nkecon: `make report` builds the reports, `make test` runs the tests. Both set up the
# environment first, from the lock file, with nothing but Python 3.11+, pip and make.
PYTHON ?= python3
VENV   := .venv
TOOLS  := .tools
UV     := $(TOOLS)/bin/uv
UV_VERSION := 0.13.9
STAMP  := $(VENV)/.nkecon-synced
export UV_PYTHON_DOWNLOADS := never

.PHONY: setup report test lab bench lock clean kernel git-filters

setup: $(STAMP)

# uv installs the locked environment in seconds; it is itself installed with pip into a
# private tools folder so that nothing outside the checkout changes.
$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet "uv==$(UV_VERSION)"

$(STAMP): $(UV) pyproject.toml requirements.lock Makefile
	$(UV) venv --quiet --allow-existing --python "$$($(PYTHON) -c 'import sys; print(sys.executable)')" $(VENV)
	$(UV) pip sync --quiet --compile-bytecode --python $(VENV)/bin/python requirements.lock
	$(UV) pip install --quiet --python $(VENV)/bin/python --no-deps --editable .
	$(VENV)/bin/nkecon kernel install >/dev/null
	-$(MAKE) --no-print-directory git-filters
	touch $@

# nbstripout strips notebook outputs on commit (.gitattributes); the command is relative so
# that every clone and worktree uses its own .venv. Besides outputs and execution counts it
# strips what JupyterLab writes on save (the kernel's language_info beyond its name, cell
# timings, trust), so a notebook saved in Lab is clean in git. A no-op outside a git checkout.
NB_EXTRA_KEYS := metadata.language_info.codemirror_mode metadata.language_info.file_extension \
	metadata.language_info.mimetype metadata.language_info.nbconvert_exporter \
	metadata.language_info.pygments_lexer metadata.language_info.version cell.metadata.trusted
git-filters:
	-git rev-parse --git-dir >/dev/null 2>&1 && git config filter.nbstripout.clean '.venv/bin/python -m nbstripout' \
		&& git config filter.nbstripout.smudge cat && git config diff.ipynb.textconv '.venv/bin/python -m nbstripout -t' \
		&& git config filter.nbstripout.extrakeys '$(NB_EXTRA_KEYS)' 

# Register the kernel `nkecon` for your own Jupyter too (~/.local/share/jupyter/kernels).
kernel: setup
	$(VENV)/bin/nkecon kernel install --user

report: setup
	$(VENV)/bin/nkecon report

test: setup
	$(VENV)/bin/python -m pytest

lab: setup
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks --ContentsManager.pre_save_hook=nkecon.jupyter.pre_save \
		$$([ "$$(id -u)" = 0 ] && echo --allow-root)

bench: setup
	$(VENV)/bin/python benchmarks/run.py

# Refresh the pinned, hashed lock file after changing dependencies in pyproject.toml.
lock: $(UV)
	$(UV) pip compile pyproject.toml --all-extras --group dev --universal \
		--python-version 3.11 --generate-hashes --quiet -o requirements.lock

clean:
	rm -rf $(VENV) $(TOOLS) build dist *.egg-info
