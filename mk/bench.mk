# The benchmark (issue 6): what stage1-c's own work costs, as ratios against a bare
# chroot-and-exec measured in the same run. Not a test: nothing in it can fail on a time.
#   make bench      build the helpers, run scripts/bench/bench.sh (as root, ~1-3 minutes)
# Honoured (environment): BENCH_RUNS (50), BENCH_ENTER_RUNS, BENCH_STOP_RUNS (20),
# BENCH_MEM_RUNS (5), BENCH_SCALE_SEQ (100), BENCH_SCALE_PAR (20), BENCH_TMPDIR (/tmp: where the
# pods live), BENCH_TMPFS=1 (pods on a tmpfs of their own), BENCH_STRACE=1 (strace -c -f too).
# Results: a table on stdout, $(BUILD)/bench/results.json, results.csv and samples.csv.

BENCH_DIR := $(BUILD)/bench
# Static: the stamp app and the baseline run inside chroots of a bare image.
BENCH_HELPERS := $(addprefix $(BENCH_DIR)/,launch stamp baseline)
# run and enter without their re-execution from a sealed memfd copy, to tell what it costs.
BENCH_SEALLESS := $(addprefix $(BENCH_DIR)/sealless/,$(filter run enter,$(ENTRYPOINTS)))

.PHONY: bench

$(BENCH_DIR)/launch $(BENCH_DIR)/stamp: $(BENCH_DIR)/%: scripts/bench/%.c
	$(call say,LD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(S1_CPPFLAGS) $(S1_CFLAGS) -O2 -static -o $@ $<

# Built with the entrypoints' compiler and C library: the baseline pays the same C start-up
# as they do, and no more.
$(BENCH_DIR)/baseline: scripts/bench/baseline.c $(STATIC_DEPS)
	$(call say,LD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(STATIC_CC) $(S1_CPPFLAGS) $(STATIC_CPPFLAGS) $(S1_CFLAGS) -O2 -static -o $@ $<

$(BENCH_DIR)/noselfexec.o: scripts/bench/noselfexec.c $(STATIC_DEPS)
	$(call say,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(STATIC_CC) $(S1_CPPFLAGS) $(STATIC_CPPFLAGS) $(S1_CFLAGS) $(CFLAGS) -c -o $@ $<

# Linked exactly as the product entrypoint, with selfexec_sealed() replaced by a no-op.
$(BENCH_DIR)/sealless/%: $(BUILD)/static/src/%/main.o $(BENCH_DIR)/noselfexec.o $(STATIC_LIB) \
			 $(STATIC_COMPAT)
	$(call say,LD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(STATIC_CC) $(CFLAGS) $(LDFLAGS) -static -s -Wl,--wrap=selfexec_sealed -o $@ $^ \
		$(STATIC_LIBS)

bench: $(BINS) $(BENCH_HELPERS) $(BENCH_SEALLESS)
	$(Q)BUILD=$(abspath $(BUILD)) BENCH_ACI=$(abspath $(or $(ACI),stage1-c.aci)) \
		scripts/bench/bench.sh
