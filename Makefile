# vmknet: one non-recursive build.
#
# Every directory contributes its sources by location, so adding a file needs
# no edit here:
#   common/ vswitch/ tcpip/ vmknic/ lib/ *.c
#                                        -> one static library per layer
#                                           (build/lib/layers/libvmk_LAYER.a),
#                                           then libvmknet (.a and versioned .so)
#   examples/NAME.c, bench/NAME.c        -> one program each (build/bin/NAME)
#   examples/NAME/*.c                    -> one program of several files
#   tests/unit/test_*.c                  -> one CUnit binary each
#   tests/integration/test_*.c           -> one CUnit binary each (real DPDK ports)
#   tests/integration/test_*.sh          -> scenario scripts (run as root)
#   tests/support/vmk-*.c                -> standalone test tools, no DPDK
#                                           (build/tests/support/NAME)
#
# Layers depend one way: common <- vswitch, tcpip <- vmknic <- lib. A layer's
# sources see only its own folder and those below it on the include path
# (build/inc/LAYER/), and each layer's archive is linked, with only the layers
# below it, into a shared object that may leave nothing undefined: an upward
# include or call fails the build.
#
# make            build everything          make test    build + run all tests
# make asan       tests under ASan+UBSan     make bench   side-by-side benchmark
#                                            make bench-tcp  TCP against Linux
#                                            make bench-firewall  the firewall's cost
# make demo       run the demo host          make install PREFIX=/usr/local DESTDIR=
# make deps       install missing Debian packages (called by demo, test, bench)
# make test-mutants  every deliberate fault (VMK_MUTANT_*) fails a test
# make fuzz       build the libFuzzer harnesses (clang, build-fuzz/) and run
#                 each for FUZZ_SECONDS (default 300); make fuzz-build builds only

VERSION_MAJOR := 0
VERSION       := 0.1.0
PREFIX        ?= /usr/local
LIBDIR        ?= $(PREFIX)/lib
INCDIR        ?= $(PREFIX)/include
BINDIR        ?= $(PREFIX)/bin
BUILD         ?= build
SANITIZE      ?=
V             ?= 0
Q             := $(if $(filter 1,$(V)),,@)

PKGS          := libdpdk libpcap libcjson cunit
PKG_CFLAGS    := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS      := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
DPDK_LIBS     := $(shell pkg-config --libs libdpdk libpcap libcjson 2>/dev/null)

CC            ?= cc
OPT           ?= -O3
CFLAGS_BASE   := -std=gnu11 -g $(OPT) -Wall -Wextra -Werror -Wno-address-of-packed-member \
                 -fPIC -fvisibility=hidden -Iinclude -DVMK_VERSION=\"$(VERSION)\" $(PKG_CFLAGS)
ifneq ($(SANITIZE),)
CFLAGS_BASE   += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS_SAN   := -fsanitize=$(SANITIZE)
endif
# DPDK's x86 spinlock is inline assembly, which ThreadSanitizer cannot see:
# under it, DPDK's headers take their generic __atomic forms instead.
ifneq ($(findstring thread,$(SANITIZE)),)
CFLAGS_BASE   += -DRTE_FORCE_INTRINSICS
endif
CFLAGS        := $(CFLAGS_BASE) $(EXTRA_CFLAGS)
# The deliberate faults of tests/mutants.sh build only into build-mutant:
# no VMK_MUTANT_ switch ever reaches a normal build.
ifneq ($(findstring VMK_MUTANT_,$(CFLAGS) $(CPPFLAGS)),)
ifneq ($(BUILD),build-mutant)
$(error VMK_MUTANT_ switches build only with BUILD=build-mutant (make test-mutants))
endif
endif
LDLIBS        := $(DPDK_LIBS) -lpthread -lm
# Programs and tests also drive net_ring ports directly (rte_eth_from_rings).
PROG_LDLIBS   := $(DPDK_LIBS) -lrte_net_ring -lpthread -lm

LAYERS        := common vswitch tcpip vmknic lib
# What each layer may include and call, besides itself.
LAYER_BELOW_common  :=
LAYER_BELOW_vswitch := common
LAYER_BELOW_tcpip   := common
LAYER_BELOW_vmknic  := tcpip vswitch common
LAYER_BELOW_lib     := vmknic tcpip vswitch common
LAYER_LIB      = $(BUILD)/lib/layers/libvmk_$(1).a
LAYER_OBJS     = $(patsubst %.c,$(BUILD)/obj/%.o,$(sort $(wildcard $(1)/*.c)))
LIB_SRCS      := $(sort $(foreach l,$(LAYERS),$(wildcard $(l)/*.c)))
LIB_OBJS      := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
# Programs and tests link the layers top first, so each archive is searched
# before the ones below it.
LAYER_LIBS    := $(foreach l,lib vmknic tcpip vswitch common,$(call LAYER_LIB,$(l)))
LAYER_CHECKS  := $(foreach l,$(LAYERS),$(BUILD)/lib/layers/check-$(l).so)
PROG_SRCS     := $(sort $(wildcard examples/*.c bench/*.c))
PROGS         := $(patsubst %.c,$(BUILD)/bin/%,$(notdir $(PROG_SRCS)))
PROG_DIRS     := $(sort $(patsubst %/,%,$(dir $(wildcard examples/*/*.c))))
PROGS         += $(patsubst examples/%,$(BUILD)/bin/%,$(PROG_DIRS))
UNIT_SRCS     := $(sort $(wildcard tests/unit/test_*.c))
INTEG_SRCS    := $(sort $(wildcard tests/integration/test_*.c))
TEST_TOOL_SRCS := $(sort $(wildcard tests/support/vmk-*.c))
TEST_TOOLS    := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_TOOL_SRCS))
TEST_SUPPORT  := $(filter-out $(TEST_TOOL_SRCS),$(sort $(wildcard tests/support/*.c)))
TEST_SUPPORT_OBJS := $(TEST_SUPPORT:%.c=$(BUILD)/obj/%.o)
TESTS         := $(patsubst tests/%.c,$(BUILD)/tests/%,$(UNIT_SRCS) $(INTEG_SRCS))

STATIC_LIB    := $(BUILD)/lib/libvmknet.a
SHARED_LIB    := $(BUILD)/lib/libvmknet.so.$(VERSION)
PC_FILE       := $(BUILD)/lib/pkgconfig/libvmknet.pc

.SECONDARY:
.PHONY: all layers check-layers check-names check-thread-safety tsan-stress lib progs tests test test-mutants asan bench bench-tcp demo install deps clean check-symbols bench-firewall \
	fuzz fuzz-build fuzzers
.DEFAULT_GOAL := all

all: layers lib progs tests
layers: $(LAYER_CHECKS)
lib: $(STATIC_LIB) $(SHARED_LIB) $(PC_FILE)
progs: $(PROGS)
tests: $(TESTS) $(TEST_TOOLS)

$(BUILD)/obj/tests/%.o: CFLAGS += -Itests -I.
$(BUILD)/obj/examples/%.o: CFLAGS += -I.

# A layer's include path: build/inc/LAYER/ holds links to its own folder and
# to the folders below it, nothing else.
define layer_rules
$(BUILD)/inc/$(1)/.stamp:
	@mkdir -p $$(dir $$@)
	$(Q)for d in $(1) $(LAYER_BELOW_$(1)); do ln -sfn $(CURDIR)/$$$$d $(BUILD)/inc/$(1)/$$$$d; done
	@touch $$@
$(call LAYER_OBJS,$(1)): CFLAGS += -I$(BUILD)/inc/$(1)
$(call LAYER_OBJS,$(1)): | $(BUILD)/inc/$(1)/.stamp
$(call LAYER_LIB,$(1)): $(call LAYER_OBJS,$(1))
	@mkdir -p $$(dir $$@)
	$(Q)rm -f $$@ && ar rcs $$@ $$^
# The proof of the order: the layer whole, with only the layers below it and
# DPDK, leaves no symbol undefined.
$(BUILD)/lib/layers/check-$(1).so: $(call LAYER_LIB,$(1)) $(foreach b,$(LAYER_BELOW_$(1)),$(call LAYER_LIB,$(b)))
	@echo "  LAYER   $(1) (uses only: $(or $(LAYER_BELOW_$(1)),nothing of vmknet))"
	$(Q)$(CC) -shared -o $$@ -Wl,--whole-archive $(call LAYER_LIB,$(1)) -Wl,--no-whole-archive \
	  $(foreach b,$(LAYER_BELOW_$(1)),$(call LAYER_LIB,$(b))) $(LDFLAGS_SAN) $(LAYER_NO_UNDEFINED) $(LDLIBS)
endef
# Sanitizer runtimes are not linked into shared objects: there the check is
# the include path alone.
LAYER_NO_UNDEFINED := $(if $(SANITIZE),,-Wl,--no-undefined)
$(foreach l,$(LAYERS),$(eval $(call layer_rules,$(l))))

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# Tests and programs link the layer archives (LAYER_LIBS), so tests reach
# module-private functions; the installed archive exposes only vmk_ symbols.

# Public archive: one relocatable object whose hidden symbols are made local,
# so `nm` shows only the vmk_ API, as the shared object does.
$(STATIC_LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	ld -r -o $(BUILD)/lib/vmknet_all.o $^
	objcopy --localize-hidden $(BUILD)/lib/vmknet_all.o
	rm -f $@ && ar rcs $@ $(BUILD)/lib/vmknet_all.o

$(SHARED_LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,-soname,libvmknet.so.$(VERSION_MAJOR) $(LDFLAGS_SAN) -o $@ $^ $(LDLIBS)
	ln -sf libvmknet.so.$(VERSION) $(BUILD)/lib/libvmknet.so.$(VERSION_MAJOR)
	ln -sf libvmknet.so.$(VERSION_MAJOR) $(BUILD)/lib/libvmknet.so

# The .pc names the prefix it is installed under, so it is written again by
# `make install` with that PREFIX.
define write_pc
	printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(LIBDIR)' 'includedir=$(INCDIR)' '' \
	  'Name: libvmknet' 'Description: VMkernel network stack: DPDK vSwitch, vmknics, TCP/IP' \
	  'Version: $(VERSION)' 'Requires.private: libdpdk libpcap libcjson' \
	  'Cflags: -I$${includedir}' 'Libs: -L$${libdir} -lvmknet' > $(1)
endef

$(PC_FILE): Makefile
	@mkdir -p $(dir $@)
	@$(call write_pc,$@)

$(BUILD)/bin/%: examples/%.c $(LAYER_LIBS)
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	$(Q)$(CC) $(CFLAGS) -I. -fvisibility=default $< -o $@ $(LAYER_LIBS) $(LDFLAGS_SAN) $(PROG_LDLIBS)

# Multi-file programs: every examples/NAME/*.c compiled, then linked.
define prog_dir_rule
$(BUILD)/bin/$(notdir $(1)): $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard $(1)/*.c)) $(LAYER_LIBS)
	@mkdir -p $$(dir $$@)
	@echo "  LINK    $$@"
	$(Q)$(CC) $$(LDFLAGS_SAN) -o $$@ $$(filter %.o,$$^) $$(LAYER_LIBS) $$(PROG_LDLIBS)
endef
$(foreach d,$(PROG_DIRS),$(eval $(call prog_dir_rule,$(d))))
# vmkftlog is a plain sockets program (it runs unmodified under vmkrun and on
# Linux): nothing of DPDK or vmknet linked in, and no sanitizer either (under
# vmkrun the preload library is loaded first, which ASan refuses), as for
# every other program vmkrun runs.
$(BUILD)/bin/vmkftlog: PROG_LDLIBS := -lm
$(BUILD)/bin/vmkftlog: LAYER_LIBS :=
$(BUILD)/bin/vmkftlog: LDFLAGS_SAN :=
$(BUILD)/bin/vmkftlog: CFLAGS := $(filter-out -fsanitize=% -fno-sanitize-recover=%,$(CFLAGS))
# pktcap answers to ESXi's name too (it reads argv[0]).
progs: $(BUILD)/bin/pktcap-uw
$(BUILD)/bin/pktcap-uw: $(BUILD)/bin/pktcap
	@ln -sf pktcap $@
$(BUILD)/obj/examples/%.o: CFLAGS += -fvisibility=default -Iexamples

$(BUILD)/bin/%: bench/%.c $(LAYER_LIBS)
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	$(Q)$(CC) $(CFLAGS) -I. -fvisibility=default $< -o $@ $(LAYER_LIBS) $(LDFLAGS_SAN) $(PROG_LDLIBS)
# The stream pattern both TCP benchmarks write and check.
$(BUILD)/bin/vmk-tcp-bench $(BUILD)/bin/linux-tcp-bench: bench/tcp_pattern.h

$(BUILD)/tests/%: tests/%.c $(TEST_SUPPORT_OBJS) $(LAYER_LIBS)
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	$(Q)$(CC) $(CFLAGS) -fvisibility=default -Itests -I. $< -o $@ $(TEST_SUPPORT_OBJS) $(LAYER_LIBS) \
	  $(LDFLAGS_SAN) $(PKG_LIBS) -lrte_net_ring -lpthread -lm

# The switch on its own (tests/unit/test_vswitch_alone.c and the stress test
# tests/stress/vswitch_stress.c): linked with the vswitch and common layers
# only, so they prove a switch runs with no host, netstack or adapter.
VSWITCH_ALONE_LIBS := $(call LAYER_LIB,vswitch) $(call LAYER_LIB,common)
VSWITCH_ALONE_TESTS := $(BUILD)/tests/unit/test_vswitch_alone $(BUILD)/tests/stress/vswitch_stress
tests: $(BUILD)/tests/stress/vswitch_stress
VSWITCH_ALONE_SUPPORT := $(BUILD)/obj/tests/support/cunit_run.o $(BUILD)/obj/tests/support/ringport.o
$(VSWITCH_ALONE_TESTS): $(BUILD)/tests/%: tests/%.c $(VSWITCH_ALONE_SUPPORT) $(VSWITCH_ALONE_LIBS)
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	$(Q)$(CC) $(CFLAGS) -fvisibility=default -I$(BUILD)/inc/vswitch -Itests $< -o $@ \
	  $(VSWITCH_ALONE_SUPPORT) $(VSWITCH_ALONE_LIBS) \
	  $(LDFLAGS_SAN) $(PKG_LIBS) -lrte_net_ring -lpthread -lm

# The stress test under ThreadSanitizer: the vswitch and common layers and
# the test built by clang with -fsanitize=thread in build-tsan/; any data
# race fails it. Runs DPDK: wrap it like any test run.
# build-tsan/.flags names what its objects were built with: a change (a
# compiler, RTE_FORCE_INTRINSICS) rebuilds them.
TSAN_FLAGS := $(TSA_CC) -fsanitize=thread -O1 -DRTE_FORCE_INTRINSICS
tsan-stress:
	@mkdir -p build-tsan
	@echo '$(TSAN_FLAGS)' | cmp -s - build-tsan/.flags || \
	  { rm -rf build-tsan/obj build-tsan/tests; echo '$(TSAN_FLAGS)' > build-tsan/.flags; }
	@$(MAKE) --no-print-directory BUILD=build-tsan CC=$(TSA_CC) SANITIZE=thread OPT=-O1 \
	  build-tsan/tests/stress/vswitch_stress
	@echo "  TSAN    build-tsan/tests/stress/vswitch_stress"
	@TSAN_OPTIONS="halt_on_error=1 exitcode=66 suppressions=$(CURDIR)/tests/tsan.supp" \
	  build-tsan/tests/stress/vswitch_stress > build-tsan/vswitch_stress.log 2>&1 || \
	  { tail -n 40 build-tsan/vswitch_stress.log; exit 1; }
	@grep -E '^  Test:' build-tsan/vswitch_stress.log

# The socket layer for unmodified programs (sockets/, docs/ARCHITECTURE.md
# "Programs on VMkernel adapters"): sockets/server*.c is vmknetd's side of
# the attach protocol (linked into vmknetd, on the public API only);
# sockets/preload*.c is the program's side, libvmkpreload.so, which vmkrun
# (sockets/vmkrun.c) preloads. Neither of the two links DPDK or libvmknet,
# and neither is built with the sanitizers: it loads into programs that
# were not.
SOCK_SERVER_SRCS := $(sort $(wildcard sockets/server*.c))
SOCK_SERVER_OBJS := $(SOCK_SERVER_SRCS:%.c=$(BUILD)/obj/%.o)
PRELOAD_SRCS  := $(sort $(wildcard sockets/preload*.c))
PRELOAD_OBJS  := $(PRELOAD_SRCS:%.c=$(BUILD)/obj/%.o)
PRELOAD_LIB   := $(BUILD)/lib/libvmkpreload.so
VMKRUN        := $(BUILD)/bin/vmkrun
CFLAGS_APP    := -std=gnu11 -g -O2 -Wall -Wextra -Werror -fPIC -fvisibility=hidden -I. -Iinclude \
                 -DVMK_VERSION=\"$(VERSION)\"
$(SOCK_SERVER_OBJS): CFLAGS += -I.
$(BUILD)/bin/vmknetd: $(SOCK_SERVER_OBJS)
# The server's unit test plays the program's side against the real server.
$(BUILD)/tests/unit/test_sockets_server: tests/unit/test_sockets_server.c $(TEST_SUPPORT_OBJS) \
  $(SOCK_SERVER_OBJS) $(LAYER_LIBS)
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	$(Q)$(CC) $(CFLAGS) -fvisibility=default -Itests -I. $< -o $@ $(TEST_SUPPORT_OBJS) \
	  $(SOCK_SERVER_OBJS) $(LAYER_LIBS) $(LDFLAGS_SAN) $(PKG_LIBS) -lrte_net_ring -lpthread -lm
lib: $(if $(PRELOAD_SRCS),$(PRELOAD_LIB))
progs: $(if $(wildcard sockets/vmkrun.c),$(VMKRUN))

$(PRELOAD_OBJS) $(BUILD)/obj/sockets/vmkrun.o: $(BUILD)/obj/sockets/%.o: sockets/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (no DPDK)"
	$(Q)$(CC) $(CFLAGS_APP) -MMD -MP -c $< -o $@

$(PRELOAD_LIB): $(PRELOAD_OBJS)
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	$(Q)$(CC) -shared -Wl,--no-undefined -o $@ $^ -ldl -lpthread

# vmkrun looks for the library next to itself (../lib), then in LIBDIR.
$(BUILD)/obj/sockets/vmkrun.o: CFLAGS_APP += -DVMK_LIBDIR=\"$(LIBDIR)\"
$(VMKRUN): $(BUILD)/obj/sockets/vmkrun.o
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	$(Q)$(CC) -o $@ $^

# Test tools the scenario scripts run (plain C, no DPDK, no library).
$(TEST_TOOLS): $(BUILD)/tests/support/%: tests/support/%.c
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	$(Q)$(CC) $(CFLAGS) $< -o $@ $(LDFLAGS_SAN) -lm

# No loop between folders in the include and call graph (tests/check_layers.sh).
check-layers: layers
	@BUILD=$(BUILD) tests/check_layers.sh

# Lock rules a compiler checks (common/lock.h): every library source through
# clang's thread-safety analysis, warnings as errors.
TSA_CC ?= clang-14
check-thread-safety: $(foreach l,$(LAYERS),$(BUILD)/inc/$(l)/.stamp)
	@echo "  TSA     clang -Wthread-safety -Wthread-safety-negative -Werror: $(words $(LIB_SRCS)) files"
	$(Q)for l in $(LAYERS); do for f in $$l/*.c; do \
	  $(TSA_CC) -std=gnu11 -fsyntax-only -Wthread-safety -Wthread-safety-negative -Werror -Iinclude -I$(BUILD)/inc/$$l \
	    -DVMK_VERSION=\"$(VERSION)\" $(PKG_CFLAGS) $$f || exit 1; done; done

# The documented drop reasons are the counted ones (tests/check_drop_names.sh).
check-names:
	@tests/check_drop_names.sh

# Fuzzing (tests/fuzz/, docs/ARCHITECTURE.md "Fuzzing"): one libFuzzer
# binary per tests/fuzz/fuzz_NAME.c, in its own build directory with clang:
# the library with -fsanitize=fuzzer-no-link,address,undefined, the harness
# linked with -fsanitize=fuzzer. Harnesses of a program link its objects
# (vmknetd's without its main; vmkcli's main renamed).
FUZZ_BUILD    ?= build-fuzz
FUZZ_SECONDS  ?= 300
FUZZ_SRCS     := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZERS       := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
FUZZ_COMMON   := $(BUILD)/obj/tests/fuzz/common.o
VMKNETD_OBJS  := $(patsubst %.c,$(BUILD)/obj/%.o,$(filter-out examples/vmknetd/main.c,\
		 $(wildcard examples/vmknetd/*.c)))
VMKCLI_OBJS   := $(patsubst %.c,$(BUILD)/obj/%.o,$(filter-out examples/vmkcli/main.c,\
		 $(wildcard examples/vmkcli/*.c))) $(BUILD)/obj/examples/vmkcli/main_fuzz.o

fuzz-build:
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang OPT=-O1 \
	  SANITIZE=address,undefined EXTRA_CFLAGS=-fsanitize=fuzzer-no-link fuzzers

fuzzers: $(FUZZERS)

fuzz: deps fuzz-build
	@flock /tmp/vmknet-dpdk.lock tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

$(BUILD)/fuzz/fuzz_ctl: $(VMKNETD_OBJS) $(SOCK_SERVER_OBJS)
$(BUILD)/fuzz/fuzz_session: $(SOCK_SERVER_OBJS)
$(BUILD)/fuzz/fuzz_vmkcli: $(VMKCLI_OBJS)

$(BUILD)/obj/examples/vmkcli/main_fuzz.o: examples/vmkcli/main.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (main renamed)"
	$(Q)$(CC) $(CFLAGS) -fvisibility=default -Iexamples -Dmain=vmkcli_main -MMD -MP -c $< -o $@

$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_COMMON) $(LAYER_LIBS)
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	$(Q)$(CC) $(CFLAGS) -fvisibility=default -I. -Itests -Itests/fuzz -Iexamples $< -o $@ \
	  $(filter %.o,$^) $(LAYER_LIBS) -fsanitize=fuzzer $(LDFLAGS_SAN) $(PROG_LDLIBS)

check-symbols: $(STATIC_LIB) $(SHARED_LIB)
	@BUILD=$(BUILD) tests/check_symbols.sh

deps:
	@./.ci/deps.sh

test: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) tests/run.sh

asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan SANITIZE=address,undefined OPT=-O1 all
	@BUILD=build-asan ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp UBSAN_OPTIONS=print_stacktrace=1 \
	  tests/run.sh

# Each deliberate fault in its turn must make a test fail that passes here.
test-mutants: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) tests/mutants.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@flock /tmp/vmknet-dpdk.lock bench/run_l2fwd.sh

# vmknet TCP against Linux TCP (linux-tcp-bench) in namespaces, in rounds.
bench-tcp: deps
	@$(MAKE) --no-print-directory all
	@flock /tmp/vmknet-dpdk.lock bench/run_tcp.sh

# The host firewall's cost (issue 16), vmknet against nftables, in rounds.
bench-firewall: deps
	@$(MAKE) --no-print-directory all
	@flock /tmp/vmknet-dpdk.lock bench/run_firewall.sh

# The library embedded in a program, then the host daemon driven by vmkcli,
# then (as root, with tgt installed) iSCSI on a bound vmk2 and the FT log stream.
demo: deps
	@$(MAKE) --no-print-directory all
	@examples/run_demo.sh
	@BUILD=$(BUILD) examples/run_demo_daemon.sh
	@BUILD=$(BUILD) flock /tmp/vmknet-dpdk.lock examples/run_demo_storage.sh

install: lib
	install -d $(DESTDIR)$(INCDIR)/vmknet $(DESTDIR)$(LIBDIR)/pkgconfig
	install -m 0644 include/vmknet/*.h include/vmknet/*.def $(DESTDIR)$(INCDIR)/vmknet/
	install -m 0644 $(STATIC_LIB) $(DESTDIR)$(LIBDIR)/
	install -m 0755 $(SHARED_LIB) $(DESTDIR)$(LIBDIR)/
	$(if $(PRELOAD_SRCS),install -m 0755 $(PRELOAD_LIB) $(DESTDIR)$(LIBDIR)/)
	ln -sf libvmknet.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libvmknet.so.$(VERSION_MAJOR)
	ln -sf libvmknet.so.$(VERSION_MAJOR) $(DESTDIR)$(LIBDIR)/libvmknet.so
	$(call write_pc,$(DESTDIR)$(LIBDIR)/pkgconfig/libvmknet.pc)
	@if [ -n "$(wildcard $(BUILD)/bin/*)" ]; then install -d $(DESTDIR)$(BINDIR) && \
	  install -m 0755 $(BUILD)/bin/* $(DESTDIR)$(BINDIR)/; fi
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 0644 examples/vmkcli/vmkcli.bash-completion \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions/vmkcli

clean:
	rm -rf build build-asan build-tsan build-mutant build-fuzz

-include $(LIB_OBJS:.o=.d) $(TEST_SUPPORT_OBJS:.o=.d) $(FUZZ_COMMON:.o=.d) \
  $(SOCK_SERVER_OBJS:.o=.d) $(PRELOAD_OBJS:.o=.d) $(BUILD)/obj/sockets/vmkrun.d \
  $(patsubst %.c,$(BUILD)/obj/%.d,$(wildcard $(addsuffix /*.c,$(PROG_DIRS))))
