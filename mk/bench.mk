# The benchmark (issue 13): stage1-c's start-up against the floor of any fly stage1 (a run that
# binds the volume, chroots and execs), on pods rendered as rkt 1.30 renders them, alternating in
# one run. Not a test: nothing in it can fail on a time.
#   make bench      build the helpers, run scripts/bench/bench.sh (as root, a few minutes)
# Honoured (environment): BENCH_RUNS (30), BENCH_ENTER_RUNS, BENCH_STOP_RUNS (10),
# BENCH_DEBUG_RUNS (15), BENCH_MEM_RUNS (5), BENCH_SCALE_SEQ (100), BENCH_SCALE_PAR (20),
# BENCH_DISK_DIR (/var/tmp: where the on-disk data dir lives), BENCH_DISK=0 (tmpfs only),
# BENCH_NO_OVERLAY=1 (pods rendered as copies), BENCH_BEFORE=DIR (another build's bin directory,
# measured in the same rounds).
# Results: a table on stdout, $(BUILD)/bench/results.csv and samples.csv.

BENCH_DIR := $(BUILD)/bench
BENCH_HELPERS := $(addprefix $(BENCH_DIR)/,launch stamp baseline)

.PHONY: bench

# Static: the stamp app runs inside chroots of a bare image.
$(BENCH_DIR)/launch $(BENCH_DIR)/stamp: $(BENCH_DIR)/%: scripts/bench/%.c
	$(call say,LD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(S1_CPPFLAGS) $(S1_CFLAGS) -O2 -static -o $@ $<

# The floor's run entrypoint, built with the entrypoints' compiler and C library: it pays the
# same C start-up as they do, and no more.
$(BENCH_DIR)/baseline: scripts/bench/baseline.c $(STATIC_DEPS)
	$(call say,LD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(STATIC_CC) $(S1_CPPFLAGS) $(STATIC_CPPFLAGS) $(S1_CFLAGS) -O2 -static -s -o $@ $<

bench: $(BINS) $(BENCH_HELPERS)
	$(Q)BUILD=$(abspath $(BUILD)) BENCH_ACI=$(abspath $(or $(ACI),stage1-c.aci)) \
		scripts/bench/bench.sh
