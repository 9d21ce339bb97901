# core/ build rules beyond the top Makefile's pattern rules.

# The syscall name table is generated from <asm/unistd_64.h> (as $(CC)
# sees it) into $(BUILD)/gen/; only syscall_names.o includes it.
SYSCALL_NAMES_INC := $(BUILD)/gen/syscall_names.inc
UNISTD_64_H := $(wildcard /usr/include/x86_64-linux-gnu/asm/unistd_64.h \
                          /usr/include/asm/unistd_64.h)

$(SYSCALL_NAMES_INC): core/gen_syscall_names.sh $(UNISTD_64_H)
	@mkdir -p $(@D)
	sh core/gen_syscall_names.sh '$(CC)' > $@.tmp
	mv $@.tmp $@

$(BUILD)/core/syscall_names.o: $(SYSCALL_NAMES_INC)
$(BUILD)/core/syscall_names.o: ALL_CFLAGS += -I$(BUILD)/gen
