# Test programs: static, self-checking, never sanitized (they run both
# natively and inside the sandbox; the native run is the reference).
PROG_SRCS := $(sort $(wildcard tests/progs/*.c))
PROG_BINS := $(PROG_SRCS:tests/progs/%.c=$(BUILD)/tests/progs/%)
TEST_PROG_BINS += $(PROG_BINS)

$(BUILD)/tests/progs/%: tests/progs/%.c $(wildcard tests/progs/*.h)
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -static -D_GNU_SOURCE -I. $< -o $@ -lpthread

# The same hello as a static position-independent executable (loaded at
# a base the loader picks, like Linux's ELF_ET_DYN_BASE).
TEST_PROG_BINS += $(BUILD)/tests/progs/hello-pie
$(BUILD)/tests/progs/hello-pie: tests/progs/hello.c tests/progs/check.h
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -static-pie -fPIE -D_GNU_SOURCE -I. $< -o $@
