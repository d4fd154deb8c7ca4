# Pouch - the two commands of the quick start, over CMake.
#   make demo    install the Debian packages needed, build, run the main job
#   make test    the whole test suite: plain and ASan+UBSan builds, CTest on
#                both, every fuzz target for a bounded time plus its corpus
#   make bench   every benchmark
.PHONY: all deps build demo test bench clean

BUILD   ?= build
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)

all: build

deps:
	@sh scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@BUILD=$(BUILD) sh scripts/demo.sh

test: deps
	@sh scripts/test.sh

bench: deps
	@cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build build-bench -j $(JOBS)
	@for b in build-bench/bench_*; do [ -x "$$b" ] && "$$b" || exit 1; done

clean:
	rm -rf build build-asan build-fuzz build-bench
