# Orchestration only: the build logic lives in CMakeLists.txt / CMakePresets.json.
#   make train        install deps, build release, run the training CLI
#   make test         install deps, build release, run ctest
#   make test-asan    same with AddressSanitizer + UBSan (preset asan-ubsan)
#   make release | debug | asan | bench | clean | deps
# Variables: ARGS="..." (arguments for train), BENCH_ARGS="..." (bench/compare.sh: --out FILE, benchmark flags),
#            JOBS=N (build parallelism; default: Ninja's).

SHELL := /bin/bash
.DEFAULT_GOAL := release

# make train leaves its checkpoint, metrics and plot in runs/default/.
ARGS       ?= --checkpoint runs/default/checkpoint.safetensors --metrics runs/default/metrics.csv --plot runs/default/plot.svg
BENCH_ARGS ?=
JOBS       ?=
BUILD_JOBS := $(if $(JOBS),-j $(JOBS),)

# The training CLI if examples/train.cpp exists, else the quick start.
TRAIN_EXE := $(if $(wildcard examples/train.cpp),build/release/examples/tapegrad-train,$(if $(wildcard examples/quickstart.cpp),build/release/examples/quickstart,))

.PHONY: all deps release debug asan test test-debug test-asan train bench clean

all: release

deps:
	scripts/install-deps.sh

# One configure+build rule per preset: make release / debug / asan.
release debug: deps
	cmake --preset $@
	cmake --build --preset $@ $(BUILD_JOBS)

asan: deps
	cmake --preset asan-ubsan
	cmake --build --preset asan-ubsan $(BUILD_JOBS)

test: release
	ctest --preset release

test-debug: debug
	ctest --preset debug

test-asan: asan
	ctest --preset asan-ubsan

train: release
	@if [[ -z "$(TRAIN_EXE)" ]]; then \
	  echo "make train: no examples/train.cpp (or examples/quickstart.cpp) yet" >&2; exit 1; fi
	$(TRAIN_EXE) $(ARGS)

bench: release
	@bench/compare.sh $(BENCH_ARGS)

clean:
	rm -rf build
