# regman - top-level entry points. The README documents two of them:
#   make demo    run the product's demo against a local opensrs-sim
#   make check   install dependencies, build, run the whole test suite
.POSIX:
.PHONY: all deps e2e-deps build check demo fuzz-smoke bench format clean

BUILD = build

all: build

deps:
	./scripts/install-deps

e2e-deps:
	./scripts/install-e2e

$(BUILD)/build.ninja:
	meson setup $(BUILD) -Dwerror=true

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

check: deps e2e-deps
	./scripts/run-tests

demo: deps build
	./scripts/demo

fuzz-smoke: deps
	./scripts/fuzz-smoke

bench: deps build
	./bench/run

# the files and the clang-format that the style gate (tests/style) checks
format:
	./scripts/check-format --fix

clean:
	rm -rf $(BUILD) build-asan build-fuzz
