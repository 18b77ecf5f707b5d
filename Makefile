# glassbox: two commands do everything on a fresh Debian/Ubuntu machine with Swift 6:
#   make demo   set up, build (release), explain one prediction of the shipped model
#   make test   set up, build, run every test
SHELL := /bin/bash
SWIFT ?= swift
APT_PACKAGES := libopenblas-dev liblapacke-dev pkg-config
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
## CONFIGURATION=debug builds and installs the debug binary (the integration suites use it).
CONFIGURATION ?= release
BIN := .build/$(CONFIGURATION)/glassbox

.PHONY: demo test deps build bench bench-linear fixtures clean spark-test fuzz fuzz-build fuzz-smoke integration readme-check install uninstall dist

## deps: install OpenBLAS and LAPACKE from Debian's packages when missing.
deps:
	@if ! pkg-config --exists openblas 2>/dev/null || [ ! -f /usr/include/lapacke.h ]; then \
	  echo "installing $(APT_PACKAGES)"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(APT_PACKAGES); \
	fi

build: deps
	$(SWIFT) build -c $(CONFIGURATION) --product glassbox

demo: build
	@echo '$$ glassbox explain --model models/adult-xgboost.json --data datasets/adult.csv --rows 1 --format table'
	@$(BIN) explain --model models/adult-xgboost.json --data datasets/adult.csv --rows 1 --format table

## test: every suite; OpenBLAS on one thread so numerical results are reproducible.
test: deps
	OPENBLAS_NUM_THREADS=1 $(SWIFT) build --build-tests
	OPENBLAS_NUM_THREADS=1 $(SWIFT) test --skip-build

## readme-check: runs every `$ glassbox` example in README.md and docs/*.md and checks that
##               each output line shown is printed (also part of make test).
readme-check: deps
	$(SWIFT) build --build-tests
	OPENBLAS_NUM_THREADS=1 $(SWIFT) test --skip-build --filter ReadmeExamplesTests

## fuzz: libFuzzer targets with the address sanitizer (docs/fuzzing.md), each run for
##       FUZZ_SECONDS (default 60); built in .build-fuzz, apart from .build.
## fuzz-smoke: the same, 10 seconds per target (CI).
FUZZ_SECONDS ?= 60

fuzz-build: deps
	Fuzz/build.sh

fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) Fuzz/run.sh

fuzz-smoke: fuzz-build
	FUZZ_SECONDS=10 Fuzz/run.sh

## install: glassbox on the PATH under PREFIX (default /usr/local), with its man page (generated
##          from the help by swift-argument-parser's generate-manual plugin) and completions for
##          bash, zsh and fish. DESTDIR stages the files for packaging. uninstall removes them.
PREFIX ?= /usr/local
MAN_DATE := $(shell git log -1 --format=%cs 2>/dev/null || date +%F)
MANUAL := .build/plugins/GenerateManual/outputs/glassbox/glassbox.1
INSTALLED := $(DESTDIR)$(PREFIX)/bin/glassbox $(DESTDIR)$(PREFIX)/share/man/man1/glassbox.1 \
  $(DESTDIR)$(PREFIX)/share/bash-completion/completions/glassbox \
  $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_glassbox \
  $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/glassbox.fish

$(MANUAL): build
	$(SWIFT) package --allow-writing-to-package-directory generate-manual --configuration $(CONFIGURATION) --date $(MAN_DATE)

install: build $(MANUAL)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/site-functions \
	  $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/glassbox
	install -m 644 $(MANUAL) $(DESTDIR)$(PREFIX)/share/man/man1/glassbox.1
	$(BIN) --generate-completion-script bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/glassbox
	$(BIN) --generate-completion-script zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_glassbox
	$(BIN) --generate-completion-script fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/glassbox.fish
	@echo "installed glassbox, its man page and bash, zsh and fish completions under $(DESTDIR)$(PREFIX)"

uninstall:
	rm -f $(INSTALLED)

## dist: a tarball for machines without Swift: the binary with the Swift standard library and
##       Foundation linked statically (.build-dist), its man page, completions and the licence
##       notices of everything linked in. The binary needs only the C runtime and Debian's
##       libopenblas0, liblapacke and libsqlite3-0 (docs/dist.md).
VERSION := $(shell sed -n 's/.*static let version = "\(.*\)".*/\1/p' Sources/GlassboxCLI/Glassbox.swift)
DIST_NAME := glassbox-$(VERSION)-linux-$(shell uname -m)
DIST_BIN := .build-dist/release/glassbox

dist: deps $(MANUAL)
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path .build-dist --product glassbox
	rm -rf dist/$(DIST_NAME) && mkdir -p dist/$(DIST_NAME)/bin dist/$(DIST_NAME)/share/man/man1 \
	  dist/$(DIST_NAME)/share/bash-completion/completions dist/$(DIST_NAME)/share/zsh/site-functions \
	  dist/$(DIST_NAME)/share/fish/vendor_completions.d dist/$(DIST_NAME)/licenses
	install -m 755 $(DIST_BIN) dist/$(DIST_NAME)/bin/glassbox
	strip dist/$(DIST_NAME)/bin/glassbox
	install -m 644 $(MANUAL) dist/$(DIST_NAME)/share/man/man1/glassbox.1
	$(DIST_BIN) --generate-completion-script bash > dist/$(DIST_NAME)/share/bash-completion/completions/glassbox
	$(DIST_BIN) --generate-completion-script zsh > dist/$(DIST_NAME)/share/zsh/site-functions/_glassbox
	$(DIST_BIN) --generate-completion-script fish > dist/$(DIST_NAME)/share/fish/vendor_completions.d/glassbox.fish
	for package in .build-dist/checkouts/*; do \
	  for file in $$package/LICENSE* $$package/NOTICE*; do \
	    if [ -f "$$file" ]; then cp "$$file" dist/$(DIST_NAME)/licenses/$$(basename $$package)-$$(basename $$file); fi; \
	  done; \
	done
	cp docs/dist.md dist/$(DIST_NAME)/README.md
	tar -C dist -czf dist/$(DIST_NAME).tar.gz $(DIST_NAME)
	@echo "dist/$(DIST_NAME).tar.gz: $$(du -h dist/$(DIST_NAME).tar.gz | cut -f1); shared libraries:"
	@ldd dist/$(DIST_NAME)/bin/glassbox | awk '{print "  " $$1}'

## integration: every suite under Integration/*/run.sh against real servers on 127.0.0.1
##              (PostgreSQL, the installed and the packed binary); each installs what it needs.
##              The suites run the debug binary (GLASSBOX), which make test has already built.
integration: deps
	$(SWIFT) build --product glassbox
	GLASSBOX=$(CURDIR)/.build/debug/glassbox Integration/run.sh

## bench: throughput figures (see bench/README.md); not part of make test.
bench: bench-linear

bench-linear: build
	bench/linear_throughput.sh

## spark-test: Spark local[2] against one process, byte for byte, with timings
##             (examples/spark); needs Java 17+ and PyPI; makes .venv-spark; not part of make test.
spark-test: dist
	bash examples/spark/spark_test.sh

## fixtures: regenerate models and reference fixtures with the real Python libraries.
fixtures:
	tools/setup_venv.sh
	.venv-tools/bin/python tools/make_adult.py
	.venv-tools/bin/python tools/make_fixtures.py

clean:
	rm -rf .build .build-fuzz
