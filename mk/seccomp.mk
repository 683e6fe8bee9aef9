# Seccomp (issue 15): libseccomp, rkt's groups compiled in from data/rkt-seccomp-groups.json, and
# the default filter compiled at build time.
#   $(SECCOMP_GEN)/seccomp-groups.c   the groups as C tables (scripts/gen-seccomp-groups.sh, jq)
#   $(SECCOMP_GEN)/seccomp-default.c  the BPF program for the default whitelist, made by
#                                     seccompgen (src/seccompgen/) with the library's own code
# Both are rebuilt when the data file, the generator or the library's seccomp code changes, and
# are part of every flavour of the library.

SECCOMP_DATA := data/rkt-seccomp-groups.json
SECCOMP_GEN := $(BUILD)/gen
SECCOMP_GEN_SRCS := $(SECCOMP_GEN)/seccomp-groups.c $(SECCOMP_GEN)/seccomp-default.c
SECCOMPGEN := $(BUILD)/bin-host/seccompgen

LIBS += -lseccomp
ifneq ($(STATIC_COMPAT),)
# musl: Debian's libseccomp.a links by path, its header through the musl include directory.
STATIC_LIBS += $(shell $(CC) -print-file-name=libseccomp.a)
STATIC_DEPS += $(STATIC_INC_DIR)/.seccomp-stamp
$(STATIC_INC_DIR)/.seccomp-stamp: $(STATIC_INC_DIR)/.stamp
	$(Q)ln -sfn /usr/include/seccomp.h $(STATIC_INC_DIR)/seccomp.h && \
	ln -sfn /usr/include/seccomp-syscalls.h $(STATIC_INC_DIR)/seccomp-syscalls.h && \
	touch $@
else
STATIC_LIBS += -lseccomp
endif

$(SECCOMP_GEN)/seccomp-groups.c: $(SECCOMP_DATA) scripts/gen-seccomp-groups.sh
	$(call say,GEN,$@)
	@mkdir -p $(dir $@)
	$(Q)scripts/gen-seccomp-groups.sh $< >$@.tmp && mv $@.tmp $@

SECCOMPGEN_OBJS := $(BUILD)/src/seccompgen/main.o $(BUILD)/src/seccompgen/none.o \
	$(BUILD)/gen-obj/seccomp-groups.o \
	$(addprefix $(BUILD)/src/lib/,seccomp.o seccompbpf.o seccompload.o util.o error.o)

$(SECCOMPGEN): $(SECCOMPGEN_OBJS)
	$(call say,LD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ -lseccomp

$(SECCOMP_GEN)/seccomp-default.c: $(SECCOMPGEN)
	$(call say,GEN,$@)
	@mkdir -p $(dir $@)
	$(Q)$(SECCOMPGEN) >$@.tmp && mv $@.tmp $@

# The generated sources, compiled for each flavour of the library.
$(BUILD)/gen-obj/%.o: $(SECCOMP_GEN)/%.c
	$(call say,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(S1_CPPFLAGS) $(S1_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/static/gen-obj/%.o: $(SECCOMP_GEN)/%.c $(STATIC_DEPS)
	$(call say,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(STATIC_CC) $(S1_CPPFLAGS) $(STATIC_CPPFLAGS) $(S1_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/san/gen-obj/%.o: $(SECCOMP_GEN)/%.c
	$(call say,CC-SAN,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(S1_CPPFLAGS) $(S1_CFLAGS) -O1 -g $(SAN_FLAGS) -MMD -MP -c -o $@ $<

SECCOMP_GEN_NAMES := $(patsubst $(SECCOMP_GEN)/%.c,%.o,$(SECCOMP_GEN_SRCS))
$(LIB): $(addprefix $(BUILD)/gen-obj/,$(SECCOMP_GEN_NAMES))
$(STATIC_LIB): $(addprefix $(BUILD)/static/gen-obj/,$(SECCOMP_GEN_NAMES))
$(LIB_SAN): $(addprefix $(BUILD)/san/gen-obj/,$(SECCOMP_GEN_NAMES))

ifdef FUZZ_LIB
$(FUZZ_DIR)/gen-obj/%.o: $(SECCOMP_GEN)/%.c
	$(call say,CC-FUZZ,$@)
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(S1_CPPFLAGS) $(FUZZ_LIB_CFLAGS) -MMD -MP -c -o $@ $<
$(FUZZ_LIB): $(addprefix $(FUZZ_DIR)/gen-obj/,$(SECCOMP_GEN_NAMES))
endif
