# stage1-c: a C stage1 (fly flavor) for rkt.
#   make            build the entrypoints (static) and the signed stage1-c.aci
#   make check      build everything and run every test (unit, ASan/UBSan, end-to-end)
#   make clean      remove build products
# Honoured: CC, CFLAGS, LDFLAGS, PREFIX, DESTDIR, V=1 (show commands), BUILD (build dir).

VERSION := 0.1.0
CC ?= cc
CFLAGS ?= -O2 -g
LDFLAGS ?=
PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build

ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-7s %s\n' $(1) $(2)
endif

S1_CPPFLAGS := -Iinclude -D_GNU_SOURCE -DSTAGE1C_VERSION='"$(VERSION)"'
# Truncating an over-long error message is intended, so that warning is off.
S1_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wformat=2 -fno-strict-aliasing -Wno-format-truncation
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LIBS := -ljansson -lcap

# The entrypoints link statically with musl where musl-gcc is installed (Debian: musl-tools):
# its start-up costs a fraction of static glibc's (which probes the CPU's caches through
# CPUID, trapped by a hypervisor) and the binaries are a quarter of the size. STATIC_CC=cc
# builds them with glibc. Everything else (unit tests, sanitizer builds) uses CC.
STATIC_CC ?= $(if $(shell command -v musl-gcc 2>/dev/null),musl-gcc,$(CC))
ifneq ($(findstring musl,$(STATIC_CC)),)
# musl-gcc sees only musl's headers: the kernel's, jansson's and libcap's come through links
# in one directory, and Debian's static jansson and libcap (built against glibc) link by path,
# with the few fortified glibc functions they call (src/compat/glibc-fortify.c).
MULTIARCH := $(shell $(CC) -print-multiarch)
STATIC_INC_DIR := $(BUILD)/musl-include
STATIC_CPPFLAGS := -isystem $(STATIC_INC_DIR)
STATIC_DEPS := $(STATIC_INC_DIR)/.stamp
STATIC_LIBS := $(shell $(CC) -print-file-name=libjansson.a) $(shell $(CC) -print-file-name=libcap.a)
STATIC_COMPAT := $(BUILD)/static/src/compat/glibc-fortify.o $(BUILD)/static/src/compat/malloc.o
else
STATIC_CPPFLAGS :=
STATIC_DEPS :=
STATIC_LIBS := $(LIBS)
STATIC_COMPAT :=
endif

# A section per function and object: the link keeps only what an entrypoint calls (enter, gc and
# stop call no JSON parser, though podstate.o has one).
STATIC_SECTIONS := -ffunction-sections -fdata-sections

ENTRYPOINTS := run enter gc stop
LIB_SRCS := $(sort $(wildcard src/lib/*.c))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_NAMES := $(patsubst tests/unit/%.c,%,$(UNIT_SRCS))

# Three flavours of the library: the product's (STATIC_CC, for the static entrypoints), the
# unit tests' (CC) and a sanitizer build.
STATIC_LIB := $(BUILD)/static/libstage1c.a
LIB := $(BUILD)/libstage1c.a
LIB_SAN := $(BUILD)/san/libstage1c.a
BINS := $(addprefix $(BUILD)/bin/,$(ENTRYPOINTS))
BINS_SAN := $(addprefix $(BUILD)/san/bin/,$(ENTRYPOINTS))
UNIT_BINS := $(addprefix $(BUILD)/tests/,$(UNIT_NAMES))
UNIT_BINS_SAN := $(addprefix $(BUILD)/san/tests/,$(UNIT_NAMES))
PROBE := $(BUILD)/tests/probe

ALL_TARGETS := $(BINS)
CHECK_DEPS := $(BINS) $(BINS_SAN) $(UNIT_BINS) $(UNIT_BINS_SAN) $(PROBE)
CLEAN_FILES :=
INSTALL_TARGETS :=

.PHONY: all check clean install bins format lint
.DEFAULT_GOAL := all
# Objects are kept: deleting them as intermediates would relink (and repack) on every make.
.SECONDARY:

# The app image the end-to-end tests and the README demo run: busybox-static and the probe.
APP_ACI := $(BUILD)/tests/busybox.aci
CHECK_DEPS += $(APP_ACI)

# Fragments (the ACI packer, the benchmark) add to the lists above.
-include $(sort $(wildcard mk/*.mk))

all: $(ALL_TARGETS)
bins: $(BINS)

$(BUILD)/%.o: %.c
	$(call say,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(S1_CPPFLAGS) $(S1_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/static/%.o: %.c $(STATIC_DEPS)
	$(call say,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(STATIC_CC) $(S1_CPPFLAGS) $(STATIC_CPPFLAGS) $(S1_CFLAGS) $(STATIC_SECTIONS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(STATIC_INC_DIR)/.stamp:
	$(call say,LN,$(STATIC_INC_DIR))
	@mkdir -p $(STATIC_INC_DIR)/sys
	$(Q)ln -sfn /usr/include/linux $(STATIC_INC_DIR)/linux && \
	ln -sfn /usr/include/$(MULTIARCH)/asm $(STATIC_INC_DIR)/asm && \
	ln -sfn /usr/include/asm-generic $(STATIC_INC_DIR)/asm-generic && \
	ln -sfn /usr/include/jansson.h $(STATIC_INC_DIR)/jansson.h && \
	ln -sfn /usr/include/jansson_config.h $(STATIC_INC_DIR)/jansson_config.h && \
	ln -sfn /usr/include/sys/capability.h $(STATIC_INC_DIR)/sys/capability.h && \
	touch $@

$(STATIC_LIB): $(patsubst %.c,$(BUILD)/static/%.o,$(LIB_SRCS))
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/san/%.o: %.c
	$(call say,CC-SAN,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(S1_CPPFLAGS) $(S1_CFLAGS) -O1 -g $(SAN_FLAGS) -MMD -MP -c -o $@ $<

$(LIB): $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS))
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIB_SAN): $(patsubst %.c,$(BUILD)/san/%.o,$(LIB_SRCS))
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# Entrypoints run on any host: static, stripped. Code and read-only data share one segment
# (-z noseparate-code): two mappings instead of four for every exec, and fewer page faults before
# main (about 12 µs an exec on the VM of README's Performance; enter execs twice).
STATIC_LDFLAGS := -static -s -Wl,--gc-sections -Wl,-z,noseparate-code
$(BUILD)/bin/%: $(BUILD)/static/src/%/main.o $(STATIC_LIB) $(STATIC_COMPAT)
	$(call say,LD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(STATIC_CC) $(CFLAGS) $(LDFLAGS) $(STATIC_LDFLAGS) -o $@ $^ $(STATIC_LIBS)

$(BUILD)/san/bin/%: $(BUILD)/san/src/%/main.o $(LIB_SAN)
	$(call say,LD-SAN,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(SAN_FLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/test_%: $(BUILD)/tests/unit/test_%.o $(LIB)
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS) -lcmocka

$(BUILD)/san/tests/test_%: $(BUILD)/san/tests/unit/test_%.o $(LIB_SAN)
	$(call say,LD-SAN,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(SAN_FLAGS) -o $@ $^ $(LIBS) -lcmocka

# The probe the end-to-end tests put inside the app image: static, it runs in a bare rootfs.
$(PROBE): tests/probe/probe.c
	$(call say,LD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(S1_CPPFLAGS) $(S1_CFLAGS) -O2 -static -o $@ $<

$(APP_ACI): tests/mkimage.sh $(PROBE)
	$(call say,ACI,$@)
	$(Q)tests/mkimage.sh $@ $(PROBE)

check: $(CHECK_DEPS)
	$(Q)BUILD=$(abspath $(BUILD)) scripts/run-tests.sh

install: $(INSTALL_TARGETS)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

# Every C file of the tree (the product, the unit tests, the fuzz harnesses, the probe) is held
# to the same format and the same static checks.
LINT_DIRS := src include tests/unit tests/fuzz tests/probe
.PHONY: lint-format lint-cppcheck
lint: lint-format lint-cppcheck

lint-format:
	clang-format --dry-run --Werror $$(git ls-files --cached --others --exclude-standard \
		$(foreach d,$(LINT_DIRS),'$(d)/*.[ch]'))

lint-cppcheck:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr -Iinclude -D_GNU_SOURCE --std=c11 $(LINT_DIRS)

clean:
	rm -rf $(BUILD) $(CLEAN_FILES)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# Build, then run a sample pod with the result (README's first command).
.PHONY: demo
demo: all $(APP_ACI) $(ACI_SIG)
	$(Q)BUILD=$(BUILD) scripts/demo.sh
