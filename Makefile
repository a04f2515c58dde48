# Shoal's two commands: `make run` and `make test`. Both install what is
# missing first (Debian packages, npm clients into tests/node).
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
PY := /usr/bin/python3
PORT ?= 6379

.PHONY: deps build run test unit e2e bench clean fuzz fuzz-seeds

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
