# libFuzzer harnesses for every parser (tests/fuzz/fuzz_NAME.c, seeds in tests/fuzz/corpus/NAME/),
# built with clang under ASan, UBSan and LeakSanitizer, with the library compiled alike.
#   make fuzz-build                 build the harnesses: $(FUZZ_DIR)/bin/fuzz_NAME
#   make fuzz [FUZZ_SECONDS=60]     run each harness for FUZZ_SECONDS, one after the other, from
#                                   its seeds: new inputs go to $(FUZZ_DIR)/corpus/NAME (never
#                                   into git), crashes, leaks and timeouts to $(FUZZ_DIR)/crashes/
#   make fuzz-NAME                  the same for one harness (make fuzz-env FUZZ_SECONDS=600)
#   make fuzz-replay                each harness once over its seeds (scripts/fuzz-replay.sh)
# Honoured: FUZZ_CC (clang), FUZZ_SECONDS, FUZZ_FLAGS (more libFuzzer flags, e.g. -max_len=N).
# Where clang or its libFuzzer runtime is missing (Debian: clang, libclang-rt-dev), make check
# builds none of this and the replay prints SKIP lines.

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_FLAGS ?=
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_BINS := $(addprefix $(FUZZ_DIR)/bin/fuzz_,$(FUZZ_NAMES))
FUZZ_RUNS := $(addprefix fuzz-,$(FUZZ_NAMES))
FUZZ_LIB := $(FUZZ_DIR)/libstage1c.a
# libFuzzer's runtime beside clang's other runtimes: nothing when either is missing.
FUZZ_RUNTIME := $(wildcard $(shell $(FUZZ_CC) -print-runtime-dir 2>/dev/null)/libclang_rt.fuzzer*.a)

FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# clang does not know gcc's -Wformat-truncation (S1_CFLAGS turns it off). The library is held to
# -Werror by the gcc builds; clang's extra warnings on it are shown here but do not stop make check.
FUZZ_CFLAGS := $(S1_CFLAGS) -Wno-unknown-warning-option -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_LIB_CFLAGS := $(filter-out -Werror,$(FUZZ_CFLAGS))
# -close_fd_mask=2: the harnesses' stderr (the library's warnings) is dropped; libFuzzer's and
# the sanitizers' reports still show.
FUZZ_RUN_FLAGS = -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
		 -print_final_stats=1 -close_fd_mask=2 $(FUZZ_FLAGS)

# Words of each format, for the mutator to splice in.
FUZZ_DICT_pod_manifest := tests/fuzz/manifest.dict
FUZZ_DICT_image_manifest := tests/fuzz/manifest.dict
FUZZ_DICT_mountinfo := tests/fuzz/cgroup.dict
FUZZ_DICT_cgroup := tests/fuzz/cgroup.dict
FUZZ_DICT_record := tests/fuzz/record.dict

ifneq ($(FUZZ_RUNTIME),)
CHECK_DEPS += $(FUZZ_BINS)
endif

.PHONY: fuzz fuzz-build fuzz-replay $(FUZZ_RUNS)

fuzz-build: $(FUZZ_BINS)

$(FUZZ_DIR)/src/%.o: src/%.c
	$(call say,CC-FUZZ,$@)
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(S1_CPPFLAGS) $(FUZZ_LIB_CFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_DIR)/tests/fuzz/%.o: tests/fuzz/%.c
	$(call say,CC-FUZZ,$@)
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(S1_CPPFLAGS) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_LIB): $(patsubst %.c,$(FUZZ_DIR)/%.o,$(LIB_SRCS))
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ_DIR)/bin/fuzz_%: $(FUZZ_DIR)/tests/fuzz/fuzz_%.o $(FUZZ_LIB)
	$(call say,LD-FUZZ,$@)
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(LIBS)

# New inputs go to the first corpus directory given (the scratch one); the seeds are only read.
$(FUZZ_RUNS): fuzz-%: $(FUZZ_DIR)/bin/fuzz_%
	@mkdir -p $(FUZZ_DIR)/corpus/$* $(FUZZ_DIR)/crashes
	$(Q)$< $(FUZZ_RUN_FLAGS) $(if $(FUZZ_DICT_$*),-dict=$(FUZZ_DICT_$*)) \
		-artifact_prefix=$(FUZZ_DIR)/crashes/$*- $(FUZZ_DIR)/corpus/$* tests/fuzz/corpus/$*

# One harness at a time (even under make -j): each takes a core for FUZZ_SECONDS.
fuzz: $(FUZZ_BINS)
	$(Q)failed=; for n in $(FUZZ_NAMES); do \
		echo "  FUZZ    $$n ($(FUZZ_SECONDS) s)"; \
		$(MAKE) --no-print-directory fuzz-$$n || failed="$$failed $$n"; \
	done; \
	[ -z "$$failed" ] || { echo "fuzz: failed:$$failed (see $(FUZZ_DIR)/crashes/)"; exit 1; }

fuzz-replay: $(FUZZ_BINS)
	$(Q)scripts/fuzz-replay.sh $(BUILD)
