# The stage1 image: stage1-c.aci (+ .asc), packed by acipack from manifest/ and rootfs/.
#   make aci            pack $(ACI) from the four entrypoints in $(ACI_BINDIR)
#   make sign           sign it: SIGNING_KEY=<gpg key id> from $GNUPGHOME, or without
#                       SIGNING_KEY a throwaway RSA 2048 key (public key: $(ACI_PUBKEY))
#   make install-aci    install the image (and signature) into lib/rkt/stage1-images
# Honoured: ACI (output path), ACI_BINDIR (where the entrypoints are), ACI_ARCH, SIGNING_KEY,
# SOURCE_DATE_EPOCH (every entry's mtime).

ACI ?= stage1-c.aci
ACI_SIG := $(ACI).asc
ACI_PUBKEY := $(patsubst %.aci,%,$(ACI))-pubkey.asc
ACI_BINDIR ?= $(BUILD)/bin
ACI_ENTRYPOINTS := run enter gc stop
ACI_BINS := $(addprefix $(ACI_BINDIR)/,$(ACI_ENTRYPOINTS))
ACI_MANIFEST := $(BUILD)/aci/manifest
ACI_ROOTFS := $(BUILD)/stage1-rootfs
# Empty directories git cannot hold: made here, not by placeholder files in the image.
ACI_EMPTY_DIRS := rkt/status rkt/env opt/stage2
ACI_LIBS := -larchive -lnettle -ljansson
ACI_DESTDIR = $(DESTDIR)$(PREFIX)/lib/rkt/stage1-images
SIGNING_KEY ?=

ACIPACK := $(BUILD)/bin-host/acipack
ACIPACK_OBJS := $(BUILD)/src/aci/main.o $(BUILD)/src/aci/aci.o

# appc arch label from the compiler's target triplet (appc 0.8.11 names).
aci_arch_x86_64 := amd64
aci_arch_i386 := i386
aci_arch_i486 := i386
aci_arch_i586 := i386
aci_arch_i686 := i386
aci_arch_aarch64 := aarch64
aci_arch_aarch64_be := aarch64_be
aci_arch_arm := armv7l
aci_arch_armv7l := armv7l
aci_arch_armv6l := armv6l
aci_arch_powerpc64 := ppc64
aci_arch_powerpc64le := ppc64le
aci_arch_s390x := s390x
aci_cpu = $(firstword $(subst -, ,$(shell $(CC) -dumpmachine)))
ACI_ARCH ?= $(or $(aci_arch_$(aci_cpu)),$(aci_cpu))

.PHONY: aci sign install-aci aci-unsigned-note aci-force

# The image joins the default build once every entrypoint exists.
ifeq ($(sort $(ENTRYPOINTS)),enter gc run stop)
ALL_TARGETS += $(ACI) $(if $(SIGNING_KEY),$(ACI_SIG),aci-unsigned-note)
CHECK_DEPS += $(ACI)
INSTALL_TARGETS += install-aci
endif
CHECK_DEPS += $(ACIPACK) $(ACI_MANIFEST)
CLEAN_FILES += $(ACI) $(ACI_SIG) $(ACI_PUBKEY)

$(ACIPACK): $(ACIPACK_OBJS) $(LIB)
	$(call say,LD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(ACI_LIBS)

# Rewritten only when its content changes (VERSION, arch), so the image is not repacked for nothing.
$(ACI_MANIFEST): manifest/manifest.json.in aci-force
	@mkdir -p $(dir $@)
	$(Q)sed -e 's|@VERSION@|$(VERSION)|g' -e 's|@ARCH@|$(ACI_ARCH)|g' $< >$@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi

aci-force:

aci: $(ACI)

# Stage rootfs/ (the flavor symlink), the empty directories and the entrypoints, then pack.
# A signature of a previous image is removed: it no longer matches.
$(ACI): $(ACIPACK) $(ACI_MANIFEST) $(ACI_BINS) rootfs
	$(call say,PACK,$@)
	$(Q)rm -rf $(ACI_ROOTFS) $(ACI_SIG) $(ACI_PUBKEY)
	$(Q)mkdir -p $(ACI_ROOTFS) && cp -RP rootfs/. $(ACI_ROOTFS)/
	$(Q)cd $(ACI_ROOTFS) && mkdir -p $(ACI_EMPTY_DIRS)
	$(Q)cp $(ACI_BINS) $(ACI_ROOTFS)/
	$(Q)$(ACIPACK) build --manifest $(ACI_MANIFEST) --rootfs $(ACI_ROOTFS) -o $@

define aci_sign
	$(call say,SIGN,$(ACI_SIG))
	$(Q)SIGNING_KEY='$(SIGNING_KEY)' scripts/sign.sh $(ACI) $(ACI_PUBKEY)
endef

$(ACI_SIG): $(ACI) scripts/sign.sh
	$(aci_sign)

# Always (re)signs: the key may have changed since the last signature.
sign: $(ACI)
	$(aci_sign)

aci-unsigned-note: $(ACI)
	@echo "  SIGN    skipped: SIGNING_KEY not set ('make sign' signs $(ACI) with a throwaway key)"

install-aci: $(ACI) $(if $(SIGNING_KEY),$(ACI_SIG))
	$(call say,INSTALL,$(ACI_DESTDIR))
	$(Q)install -d $(ACI_DESTDIR)
	$(Q)install -m 0644 $(ACI) $(ACI_DESTDIR)/
	$(Q)if [ -f $(ACI_SIG) ]; then install -m 0644 $(ACI_SIG) $(ACI_DESTDIR)/; fi

# test_aci links the packer's code and libarchive besides the core library.
$(BUILD)/tests/test_aci: $(BUILD)/tests/unit/test_aci.o $(BUILD)/src/aci/aci.o $(LIB)
	$(call say,LD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(ACI_LIBS) $(LIBS) -lcmocka

$(BUILD)/san/tests/test_aci: $(BUILD)/san/tests/unit/test_aci.o $(BUILD)/san/src/aci/aci.o $(LIB_SAN)
	$(call say,LD-SAN,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(SAN_FLAGS) -o $@ $^ $(ACI_LIBS) $(LIBS) -lcmocka
