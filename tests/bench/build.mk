# Static programs the benchmark scripts run natively, under snapctl and
# under peer sandboxes (never sanitized).
BENCH_PROG_SRCS := $(sort $(wildcard tests/bench/progs/*.c))
BENCH_PROG_BINS := $(BENCH_PROG_SRCS:tests/bench/progs/%.c=$(BUILD)/tests/bench/progs/%)

$(BUILD)/tests/bench/progs/%: tests/bench/progs/%.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -static $< -o $@

bench: $(BENCH_PROG_BINS)
