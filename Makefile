# SPDX-License-Identifier: BSD-3-Clause
#
# On a fresh Debian 12 machine these two are all you need:
#   make run    install dependencies, build, run the main job on the built-in configuration
#   make test   install dependencies, build, run every test suite, then again under ASan/UBSan

BUILD ?= build
BUILD_ASAN ?= build-asan
MESON_OPTS ?=
# Sanitizer reports must fail the run; DPDK's own allocator is not instrumented.
SAN_ENV = ASAN_OPTIONS=abort_on_error=1:detect_leaks=0 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

.PHONY: all deps build run test test-release test-asan bench clean

all: build

deps:
	@./scripts/install-deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_OPTS)

$(BUILD_ASAN)/build.ninja:
	meson setup $(BUILD_ASAN) -Db_sanitize=address,undefined -Dbuildtype=debugoptimized \
		-Dbench=false $(MESON_OPTS)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

# The main job: mediasecd on the built-in configuration (conf/mediasec.conf)
# between an SRTP peer and an RTP peer in network namespaces; the demo call
# comes through the control socket with mediasecctl; live counters until
# Ctrl-C (scripts/demo.sh; root). DEMO_ARGS="-t 30": 30 s, then stop.
run: build
	@./scripts/hugepages.sh 2048
	MEDIASECD=$(BUILD)/mediasecd MEDIASECCTL=$(BUILD)/mediasecctl ./scripts/demo.sh $(DEMO_ARGS)

bench: build
	@./scripts/hugepages.sh 2048
	./$(BUILD)/bench/mediasec-bench crypto --json > $(BUILD)/bench-crypto.json
	@echo "results: $(BUILD)/bench-crypto.json"

test-release: build
	meson test -C $(BUILD) --print-errorlogs

test-asan: deps $(BUILD_ASAN)/build.ninja
	ninja -C $(BUILD_ASAN)
	$(SAN_ENV) meson test -C $(BUILD_ASAN) --print-errorlogs

test: test-release test-asan

clean:
	rm -rf $(BUILD) $(BUILD_ASAN)
