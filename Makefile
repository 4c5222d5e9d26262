# Orchestration only: the build logic lives in CMakeLists.txt / CMakePresets.json.
#   make train        install deps, build release, run the training CLI
#   make test         install deps, build release, run ctest
#   make test-asan    same with AddressSanitizer + UBSan (preset asan-ubsan)
#   make test-tsan    ThreadSanitizer on tests/concurrency (preset tsan, OMP_NUM_THREADS=1)
#   make fuzz         build the libFuzzer targets (preset fuzz, clang) and run each FUZZ_SECONDS
#   make release | debug | asan | bench | clean | deps
# Variables: ARGS="..." (arguments for train), BENCH_ARGS="..." (bench/compare.sh: --out FILE, benchmark flags),
#            JOBS=N (build parallelism; default: Ninja's).

SHELL := /bin/bash
.DEFAULT_GOAL := release

# make train leaves its checkpoint, metrics and plot in runs/default/.
ARGS       ?= --checkpoint runs/default/checkpoint.safetensors --metrics runs/default/metrics.csv --plot runs/default/plot.svg
BENCH_ARGS ?=
JOBS       ?=
FUZZ_SECONDS ?= 60
BUILD_JOBS := $(if $(JOBS),-j $(JOBS),)

# The training CLI if examples/train.cpp exists, else the quick start.
TRAIN_EXE := $(if $(wildcard examples/train.cpp),build/release/examples/tapegrad-train,$(if $(wildcard examples/quickstart.cpp),build/release/examples/quickstart,))

.PHONY: all deps release debug asan test test-debug test-asan test-tsan fuzz train bench clean

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

# Only what these need is built: the concurrency test executable, the fuzz targets.
test-tsan: deps
	cmake --preset tsan
	cmake --build --preset tsan $(BUILD_JOBS)
	ctest --preset tsan

fuzz: deps
	cmake --preset fuzz
	cmake --build --preset fuzz $(BUILD_JOBS)
	fuzz/run.sh $(FUZZ_SECONDS)

train: release
	@if [[ -z "$(TRAIN_EXE)" ]]; then \
	  echo "make train: no examples/train.cpp (or examples/quickstart.cpp) yet" >&2; exit 1; fi
	$(TRAIN_EXE) $(ARGS)

bench: release
	@bench/compare.sh $(BENCH_ARGS)

clean:
	rm -rf build
