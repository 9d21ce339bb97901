# snapctl build. Everything lands in $(BUILD) (build/ by default,
# build-asan/ for the sanitizer build) so the two never mix objects.
#
#   make              build/snapctl
#   make test         every test; last line "N passed, N failed[, N skipped]"
#   make check-asan   the same suite under ASan + UBSan
#   make fuzz         each libFuzzer target for FUZZ_SECONDS
#   make bench        benchmarks, printed beside their references
#   make deps         apt-get what the build and the tests need (idempotent)

BUILD    ?= build
ifeq ($(origin CC),default)
CC       = gcc
endif
OPT      ?= -O2
SANITIZE ?=
CFLAGS   ?= $(OPT) -g
ALL_CFLAGS = -std=gnu11 -Wall -Wextra -Werror $(CFLAGS) $(SANITIZE) \
             -I. -MMD -MP -D_GNU_SOURCE
LDLIBS   = -lzstd -llz4 -lxxhash -lseccomp -lpthread -lm
FUZZ_SECONDS ?= 60

# The kernel library: everything below cli/ and tests/.
LIB_SRCS  := $(sort $(wildcard snapshot/*.c core/*.c core/*/*.c \
                               platform/*.c platform/*/*.c images/*.c))
CLI_SRCS  := $(sort $(wildcard cli/*.c))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
HARNESS_SRCS := $(sort $(filter-out tests/unit/test_%.c,$(wildcard tests/unit/*.c)))
BENCH_SRCS := $(sort $(wildcard tests/bench/bench_*.c))
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))

LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/%.o)
CLI_OBJS  := $(CLI_SRCS:%.c=$(BUILD)/%.o)
HARNESS_OBJS := $(HARNESS_SRCS:%.c=$(BUILD)/%.o)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)
BENCH_BINS := $(BENCH_SRCS:tests/bench/%.c=$(BUILD)/tests/bench/%)
LIB       := $(BUILD)/libsnapctl.a

# Extra objects a subsystem links into the library (e.g. an embedded stub);
# subsystems append to these from their own build.mk.
LIB_EXTRA_OBJS :=
TEST_PROG_BINS :=

.PHONY: all test check-asan fuzz bench deps clean demo
# Keep objects make would otherwise delete as intermediate.
.SECONDARY:
all: $(BUILD)/snapctl

include $(sort $(wildcard */build.mk */*/build.mk tests/*/build.mk))

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS) $(LIB_EXTRA_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/snapctl: $(CLI_OBJS) $(LIB)
	$(CC) $(ALL_CFLAGS) $(CLI_OBJS) $(LIB) $(LDLIBS) -o $@

$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(HARNESS_OBJS) $(LIB)
	$(CC) $(ALL_CFLAGS) $< $(HARNESS_OBJS) $(LIB) $(LDLIBS) -o $@

$(BUILD)/tests/bench/%: $(BUILD)/tests/bench/%.o $(LIB)
	$(CC) $(ALL_CFLAGS) $< $(LIB) $(LDLIBS) -o $@

test: $(BUILD)/snapctl $(UNIT_BINS) $(TEST_PROG_BINS)
	@BUILD=$(BUILD) tests/run

check-asan:
	$(MAKE) BUILD=build-asan OPT=-O1 \
	  SANITIZE="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	  test

# Fuzz targets are built with clang and libFuzzer in their own tree, from
# the leaf libraries only (the decoders under test; DESIGN.md "Layers").
SNAPSHOT_LEAF_SRCS := $(filter snapshot/codec% snapshot/image% \
                        snapshot/compress% snapshot/chunk_pool% \
                        snapshot/error%,$(LIB_SRCS))
FUZZ_BUILD := build-fuzz
FUZZ_BINS  := $(FUZZ_SRCS:tests/fuzz/%.c=$(FUZZ_BUILD)/%)
$(FUZZ_BINS): $(FUZZ_BUILD)/%: tests/fuzz/%.c $(LIB_SRCS) $(wildcard */*.h)
	@mkdir -p $(@D)
	clang -std=gnu11 -O1 -g -I. -D_GNU_SOURCE -Wall -Wextra -Werror \
	  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	  $< $(SNAPSHOT_LEAF_SRCS) $(LDLIBS) -o $@

fuzz: $(FUZZ_BINS)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_BUILD=$(FUZZ_BUILD) tests/fuzz/run

bench: $(BUILD)/snapctl $(BENCH_BINS)
	@BUILD=$(BUILD) tests/bench/run

demo: $(BUILD)/snapctl
	@BUILD=$(BUILD) tests/demo

deps:
	@tests/deps

clean:
	rm -rf build build-asan build-fuzz

-include $(LIB_OBJS:.o=.d) $(CLI_OBJS:.o=.d) $(HARNESS_OBJS:.o=.d) \
         $(UNIT_BINS:=.d) $(BENCH_BINS:=.d) $(TOOL_BINS:=.d)
