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

ENTRYPOINTS := run enter gc stop
LIB_SRCS := $(sort $(wildcard src/lib/*.c))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_NAMES := $(patsubst tests/unit/%.c,%,$(UNIT_SRCS))

# Two flavours of every object: the product (static, optimised) and a sanitizer build.
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

# Entrypoints run on any host: static, stripped.
$(BUILD)/bin/%: $(BUILD)/src/%/main.o $(LIB)
	$(call say,LD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -static -s -o $@ $^ $(LIBS)

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

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr -Iinclude -D_GNU_SOURCE --std=c11 src tests/unit tests/probe

clean:
	rm -rf $(BUILD) $(CLEAN_FILES)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# Build, then run a sample pod with the result (README's first command).
.PHONY: demo
demo: all $(APP_ACI) $(ACI_SIG)
	$(Q)BUILD=$(BUILD) scripts/demo.sh
