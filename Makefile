# Shoal's two commands: `make run` and `make test`. Both install what is
# missing first (Debian packages, npm clients into tests/node).
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
PY := /usr/bin/python3
PORT ?= 6379

.PHONY: deps build run test unit e2e bench clean fuzz fuzz-seeds test-asan install install-files deb

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	$(BUILD_DIR)/shoal --port $(PORT)

unit: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

e2e: build
	$(PY) -m pytest -q tests

test: build
	bash scripts/run-tests.sh $(BUILD_DIR)

bench: build
	bash benchmarks/run-micro.sh $(BUILD_DIR)
	bash benchmarks/load/compare.sh

# ASan+UBSan build (build-asan) running every unit test and every pytest
# suite; fails on any sanitizer report. docs/testing.md.
test-asan: deps
	JOBS=$(JOBS) bash scripts/test-asan.sh build-asan

# make install [PREFIX=/usr/local] [DESTDIR=...]: the binary to
# $(PREFIX)/bin/shoal and, unless one is there, the default config to
# $(SYSCONFDIR)/shoal/shoal.conf (/etc when PREFIX is /usr).
PREFIX ?= /usr/local
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
SHOAL_BINARY ?= $(BUILD_DIR)/shoal
install: build
	@$(MAKE) -s install-files

install-files:
	install -D -m 0755 $(SHOAL_BINARY) $(DESTDIR)$(PREFIX)/bin/shoal
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/shoal/shoal.conf ]; then \
	  echo "install: kept $(DESTDIR)$(SYSCONFDIR)/shoal/shoal.conf" >&2; \
	else \
	  install -D -m 0644 packaging/shoal.conf $(DESTDIR)$(SYSCONFDIR)/shoal/shoal.conf; \
	fi

# A .deb (dpkg-deb only) in build-pkg/: binary, config, systemd unit, the
# shoal user. packaging/, docs/packaging.md.
deb: build
	bash scripts/build-deb.sh $(BUILD_DIR)/shoal build-pkg

# libFuzzer targets (fuzz/, clang, ASan+UBSan) in build-fuzz, each run for
# FUZZ_SECONDS (default 60) over fuzz/corpus/<target>/. docs/testing.md.
FUZZ_SECONDS ?= 60
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) JOBS=$(JOBS) bash scripts/fuzz.sh build-fuzz

# Rewrites the seeds made by Shoal's own encoders (after a format change).
fuzz-seeds: deps
	FUZZ_SECONDS=0 JOBS=$(JOBS) bash scripts/fuzz.sh build-fuzz
	/usr/bin/python3 fuzz/make_corpus.py

clean:
	rm -rf $(BUILD_DIR)
