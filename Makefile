# deepg-interpret: one Makefile for the Python engine and the R package.
#   make demo   set up, then run IG on the bundled model and data -> demo-output/
#   make test   set up, then run the Python suite (TF 2.21/Keras 3, numpy 1.26 as R needs),
#               the model+IG tests under TF 2.15/Keras 2, what numpy 2/pandas 3 can break
#               (array, table, Parquet and per-method smoke tests), the R testthat suite,
#               R CMD check and the real-deepG stage; prints the seconds per stage
#   make bench  set up, then run the benchmarks in bench/ (writes bench/results/*.json)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

PYTHON  ?= python3
VENV    := .venv
VENV215 := .venv-tf215
VENVNP2 := .venv-numpy2
PY      := $(VENV)/bin/python
PY215   := $(VENV215)/bin/python
PYNP2   := $(VENVNP2)/bin/python
PIP_FLAGS := -q --disable-pip-version-check
# numpy 1.26: reticulate 1.28 (Debian) cannot hand R arrays to numpy 2.
R_FACING_PINS := "numpy>=1.26,<2" "pandas>=2.1,<2.4"
R_DEBS := r-base-core r-base-dev r-cran-reticulate r-cran-testthat r-cran-ggplot2 r-cran-rlang \
          r-cran-roxygen2 r-cran-cli r-cran-knitr r-cran-rmarkdown r-cran-ggseqlogo r-cran-withr \
          r-bioc-biostrings r-bioc-genomicranges pandoc
export TF_CPP_MIN_LOG_LEVEL ?= 2
export PYTHONDONTWRITEBYTECODE := 1
export RETICULATE_PYTHON := $(CURDIR)/$(PY)

.PHONY: setup-rpy2 setup setup-python setup-tf215 setup-numpy2 setup-r setup-deepg demo test test-python test-tf215 test-numpy2 test-r check-r test-deepg bench lint clean

setup: setup-python setup-r

# memelite (Tomtom) compiles with numba on first use and caches it in site-packages: do it
# once at set-up, not in two pytest workers at the same time.
WARMUP := from deepg_interpret import match_motifs; match_motifs("ACGTACGTAC")

setup-python: .stamp-venv
.stamp-venv: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install $(PIP_FLAGS) --upgrade pip
	$(PY) -m pip install $(PIP_FLAGS) -e ".[dev,ray]" $(R_FACING_PINS)
	TF_CPP_MIN_LOG_LEVEL=3 $(PY) -c '$(WARMUP)' >/dev/null
	@touch $@

setup-tf215: .stamp-venv-tf215
.stamp-venv-tf215: pyproject.toml
	@test -x $(PY215) || $(PYTHON) -m venv $(VENV215)
	$(PY215) -m pip install $(PIP_FLAGS) --upgrade pip
	$(PY215) -m pip install $(PIP_FLAGS) -e ".[dev]" "tensorflow==2.15.*" "tf_keras==2.15.*" $(R_FACING_PINS)
	@touch $@

# Python users outside R get the newest resolution (numpy 2, pandas 3): keep it green too.
setup-numpy2: .stamp-venv-numpy2
.stamp-venv-numpy2: pyproject.toml
	@test -x $(PYNP2) || $(PYTHON) -m venv $(VENVNP2)
	$(PYNP2) -m pip install $(PIP_FLAGS) --upgrade pip
	$(PYNP2) -m pip install $(PIP_FLAGS) -e ".[dev]" "numpy>=2"
	TF_CPP_MIN_LOG_LEVEL=3 $(PYNP2) -c '$(WARMUP)' >/dev/null
	@touch $@

# R from Debian's packages (reticulate 1.28); installed only when something is missing.
setup-r: .stamp-venv
	@if ! command -v Rscript >/dev/null || ! Rscript -e 'for (p in c("reticulate","testthat","ggplot2","rlang","roxygen2","cli","knitr","rmarkdown","ggseqlogo","withr","Biostrings","GenomicRanges")) if (!requireNamespace(p, quietly=TRUE)) quit(status=1)' >/dev/null 2>&1; then \
	  echo "Installing R from Debian packages: $(R_DEBS)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $(R_DEBS) >/dev/null; \
	fi
	@if [ -f DESCRIPTION ]; then \
	  Rscript -e 'roxygen2::roxygenise(".")' >/dev/null 2>&1 || Rscript -e 'roxygen2::roxygenise(".")'; \
	  mkdir -p .Rlib && R CMD INSTALL --no-test-load --library=.Rlib . >/dev/null; \
	fi

# A real deepG stack (deepG 0.3.1, R keras 2.15, reticulate 1.46) from the source tarballs
# in $(DEEPG_DEPS) (see its README), in a private library .Rlib-deepg, on the TF 2.15 /
# Keras 2 virtualenv. Debian packages are installed only when missing.
DEEPG_DEPS ?= ../shared/r-deps
RLIB_DEEPG := .Rlib-deepg
DEEPG_DEBS := r-base-dev r-cran-hdf5r r-cran-data.table r-cran-abind r-cran-stringr r-cran-purrr \
          r-cran-magrittr r-cran-dplyr r-cran-ggplot2 r-cran-jpeg r-cran-png r-cran-checkmate \
          r-cran-readr r-cran-zeallot r-cran-whisker r-cran-processx r-cran-yaml r-cran-rstudioapi \
          r-cran-generics r-cran-r6 r-cran-glue r-cran-rlang r-cran-tidyselect r-cran-jsonlite \
          r-cran-base64enc r-cran-tibble r-cran-vctrs r-cran-lifecycle r-cran-withr r-cran-cli \
          r-cran-rcpp r-cran-backports r-cran-hardhat r-cran-rcpptoml r-cran-here r-cran-rappdirs \
          r-cran-matrix r-cran-circlize r-bioc-complexheatmap r-cran-testthat
# Install order from the README; the two chains are independent (both compile C++), so
# they run side by side, then deepG.
DEEPG_CHAIN_TF    := reticulate config tfruns tfautograph tensorflow keras
DEEPG_CHAIN_OTHER := yardstick microseq

# Our package is reinstalled on every run (it changes, seconds); the deepG stack only when
# the stamp is older than the tarballs.
setup-deepg: setup-tf215 .stamp-deepg
	R_LIBS=$(CURDIR)/$(RLIB_DEEPG) R CMD INSTALL --no-test-load --library=$(RLIB_DEEPG) . >/dev/null

.stamp-deepg: $(wildcard $(DEEPG_DEPS)/*.tar.gz)
	@test -d $(DEEPG_DEPS) || { echo "deepG source tarballs not found in DEEPG_DEPS=$(DEEPG_DEPS)"; exit 1; }
	@missing=$$(for d in $(DEEPG_DEBS); do dpkg-query -W -f='$${Status}\n' $$d 2>/dev/null | grep -q "install ok installed" || echo $$d; done | sort -u | tr '\n' ' '); \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages for deepG: $$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	rm -rf $(RLIB_DEEPG) && mkdir -p $(RLIB_DEEPG)
	@install_pkgs() { for p in "$$@"; do \
	    tb=$$(ls $(DEEPG_DEPS)/$${p}_*.tar.gz | head -n 1); \
	    echo "R CMD INSTALL $$tb"; \
	    R_LIBS=$(CURDIR)/$(RLIB_DEEPG) R CMD INSTALL --no-test-load --library=$(RLIB_DEEPG) "$$tb" \
	      > $(RLIB_DEEPG)/install-$$p.log 2>&1 || { cat $(RLIB_DEEPG)/install-$$p.log; return 1; }; \
	  done; }; \
	install_pkgs $(DEEPG_CHAIN_OTHER) & other=$$!; \
	install_pkgs $(DEEPG_CHAIN_TF) || { wait $$other || true; exit 1; }; \
	wait $$other; \
	install_pkgs deepG
	@touch $@

demo: setup
	$(PY) inst/scripts/demo.py --out demo-output
	@if [ -f DESCRIPTION ]; then R_LIBS=$(CURDIR)/.Rlib Rscript inst/scripts/demo.R demo-output; fi
	@echo "Results and plots are in demo-output/"

# Each stage runs as its own make (its set-up included) and is timed; the table of
# seconds per stage is printed at the end, also when a stage fails.
# The two other virtualenvs are set up in the background while the first stage's tests
# run (on a fresh machine that is mostly downloading), after .venv's own install (pip
# writes the editable egg-info into the tree: one install at a time); the TF 2.15 stage
# waits for them.
TEST_STAGES := test-python test-tf215 test-numpy2 test-r check-r test-deepg
test:
	@rm -f .stage-times; status=0; bg=; \
	for stage in $(TEST_STAGES); do \
	  began=$$(date +%s); \
	  if [ "$$stage" = test-python ]; then \
	    $(MAKE) --no-print-directory setup-python setup-rpy2 || status=$$?; \
	    $(MAKE) --no-print-directory setup-tf215 setup-numpy2 > .setup-background.log 2>&1 & bg=$$!; \
	  fi; \
	  if [ "$$stage" = test-tf215 ]; then \
	    wait $$bg || { cat .setup-background.log; echo "make test: set-up of .venv-tf215/.venv-numpy2 failed"; status=1; }; \
	  fi; \
	  [ $$status -eq 0 ] && { $(MAKE) --no-print-directory $$stage || status=$$?; }; \
	  echo "$$stage $$(( $$(date +%s) - began ))" >> .stage-times; \
	  [ $$status -eq 0 ] || { echo "make test: stage $$stage failed"; break; }; \
	done; \
	[ -z "$$bg" ] || wait $$bg 2>/dev/null || true; \
	echo "make test: seconds per stage"; awk '{printf "  %-12s %5d s\n", $$1, $$2; t += $$2} END {printf "  %-12s %5d s\n", "total", t}' .stage-times; \
	exit $$status

# rpy2, the Python side of the R bridge (deepg_interpret.r_bridge.rdata, tests/python/test_r_contract.py):
# the extra "r", built against the R that setup-r installs (rpy2 < 3.6: 3.6 needs R >= 4.4).
setup-rpy2: setup-r
	@$(PY) -c 'import rpy2.rinterface as ri; ri.initr()' >/dev/null 2>&1 || \
	  $(PY) -m pip install $(PIP_FLAGS) -e ".[dev,r]" $(R_FACING_PINS)

# DGI_REQUIRE_RPY2: the R/Python contract test must run here, not skip (only in this venv).
# --doctest-modules: every docstring example of the engine runs too.
test-python: setup-python setup-rpy2
	DGI_REQUIRE_RPY2=true DGI_REQUIRE_RAY=true $(PY) -m pytest -q $(XDIST) -m "not slow" --doctest-modules tests/python python/deepg_interpret

# Two pytest workers, one test file each at a time (module fixtures are built once per
# file): 1.5x faster on the 2-core CI machines (3:18 -> 2:07 for the main suite).
XDIST := -n 2 --dist loadfile

# rpy2 and ray live in .venv only (the R-facing venv): their tests run in test-python, not here.
DOTVENV_ONLY_TESTS := --ignore=tests/python/test_r_contract.py --ignore=tests/python/test_rdata.py \
              --ignore=tests/python/test_batch_ray.py

test-tf215: setup-tf215
	$(PY215) -m pytest -q $(XDIST) -m "tf215 and not slow" $(DOTVENV_ONLY_TESTS) tests/python

# numpy 2 / pandas 3 can break what numpy and pandas do themselves, not TensorFlow's
# numbers (those run under test-python and test-tf215): array creation and dtypes
# (encoding, one-hot, backgrounds and shuffles, bad inputs), the tables and their
# dtypes (tables from arrays and frames, shapes, summaries, gene tables, annotations
# parsed by pandas), the Parquet round trip of batch runs and committed file sets, and
# one call of every method with every table's schema (test_smoke.py). The rdata round
# trip needs rpy2, which lives in .venv only, so it runs in test-python.
NUMPY2_TESTS := test_smoke.py test_sequences.py test_bad_input_io.py test_backgrounds.py \
          test_baselines.py test_tables_from_frames.py test_shapes.py test_summaries.py \
          test_genes.py test_annotations.py test_files.py test_batch.py test_evaluate.py
test-numpy2: setup-numpy2
	$(PYNP2) -m pytest -q $(XDIST) -m "not slow" -p no:cacheprovider $(addprefix tests/python/,$(NUMPY2_TESTS))

test-r: setup
	@if [ -d tests/testthat ] && [ -f DESCRIPTION ]; then \
	  R_LIBS=$(CURDIR)/.Rlib DGI_REQUIRE_ENGINE=true Rscript -e 'testthat::test_local(".", reporter = testthat::ProgressReporter$$new(show_praise = FALSE), stop_on_failure = TRUE)'; \
	fi

# R CMD check without its test run: test-r runs the same testthat suite just before
# (with DGI_REQUIRE_ENGINE, so nothing skips); running it twice cost ~3 minutes of CI.
check-r: setup
	@if [ -f DESCRIPTION ]; then \
	  rm -rf build-r && mkdir -p build-r/src/deepGinterpret/tests && \
	  cp -R DESCRIPTION NAMESPACE .Rbuildignore R man inst build-r/src/deepGinterpret/ && \
	  cp -R tests/testthat.R tests/testthat build-r/src/deepGinterpret/tests/ && \
	  cp -R LICENSE vignettes build-r/src/deepGinterpret/ && \
	  cd build-r && { R_LIBS=$(CURDIR)/.Rlib R CMD build src/deepGinterpret > build.log 2>&1 || { cat build.log; exit 1; }; } && \
	  R_LIBS=$(CURDIR)/.Rlib DGI_REQUIRE_ENGINE=true _R_CHECK_FORCE_SUGGESTS_=false R CMD check --no-manual --no-build-vignettes --no-tests deepGinterpret_*.tar.gz; \
	  test -f deepGinterpret.Rcheck/00check.log && ! grep -qE "^Status:.*(ERROR|WARNING)" deepGinterpret.Rcheck/00check.log; \
	fi

# deepG's own constructors, train_model(), load_cp() and integrated_gradients() against
# ours, on the real stack (private library first so reticulate 1.46 and R keras 2.15 win).
test-deepg: setup-deepg
	R_LIBS=$(CURDIR)/$(RLIB_DEEPG):$(CURDIR)/.Rlib RETICULATE_PYTHON=$(CURDIR)/$(PY215) DGI_REQUIRE_ENGINE=true \
	  Rscript -e 'testthat::test_dir("tests/deepg", reporter = testthat::ProgressReporter$$new(show_praise = FALSE), stop_on_failure = TRUE)'

bench: setup-python
	$(PY) bench/bench_ig.py

lint: setup-python
	$(VENV)/bin/ruff check python tests/python bench

clean:
	rm -rf $(VENV) $(VENV215) $(VENVNP2) .stamp-* .stage-times .setup-background.log .Rlib .Rlib-deepg build-r demo-output
