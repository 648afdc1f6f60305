#!/usr/bin/env bash
# Proof that the tests can fail (make test-mutants).
#
# Each mutant is a deliberate fault behind a compile-time switch,
# VMK_MUTANT_<NAME>, at the one place in the library that implements a
# behaviour users rely on. For every mutant this script builds the project
# with that switch into one mutant build directory ($MBUILD; only the files
# that mention the switch are recompiled), runs the tests, and requires one
# to FAIL. A mutant counts as caught only when the test that caught it
# passes on the normal build ($BUILD), so a test that is red anyway proves
# nothing. Prints "mutant NAME: caught by TEST" or "mutant NAME: SURVIVED"
# for each, then a table; exits non-zero when any survived.
#
# Tests run in the order of tests/run.sh (unit binaries, integration
# binaries, scenario scripts), after the tests named first in the table
# below (the ones expected to catch the mutant), and stop at the first
# failure. Every test run holds /tmp/vmknet-dpdk.lock, one run at a time,
# so other users of the machine's DPDK get turns between them.
#
# MUTANTS="SACK ARP_REPLY" limits the campaign to those names.
# Logs: $MBUILD/mutant-logs/.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
MBUILD=build-mutant             # the Makefile accepts VMK_MUTANT_ only here
LOCK=/tmp/vmknet-dpdk.lock
JOBS=${JOBS:-2}
CUNIT_TIMEOUT=${CUNIT_TIMEOUT:-600}
SCRIPT_TIMEOUT=${SCRIPT_TIMEOUT:-900}
LOGS=$MBUILD/mutant-logs

# NAME, then the tests expected to catch it (run first). unit/X and
# integration/X are CUnit binaries, X.sh a scenario script.
TABLE=(
	"FDB_LEARNING          unit/test_fdb integration/test_l2_switching"
	"VLAN_ISOLATION        unit/test_flood integration/test_l2_switching"
	"FORGED_TRANSMIT       integration/test_policy"
	"ARP_REPLY             unit/test_netstack"
	"IPV4_CHECKSUM         unit/test_wire"
	"TCP_RETRANSMISSION    unit/test_tcp unit/test_tcp_recovery"
	"SACK                  unit/test_tcp_recovery"
	"PRR                   unit/test_tcp_recovery"
	"ONE_DEFAULT_GW        unit/test_netstack"
	"ATOMIC_SAVE           unit/test_config"
	"PCAP_CAPTURE          integration/test_capture"
)

start=$(date +%s)
# First campaign: start from a copy of the normal build (its dependency
# files renamed to the copy), so only the mutants' files ever compile.
if [ ! -d "$MBUILD" ] && [ -d "$BUILD/obj" ]; then
	cp -a "$BUILD" "$MBUILD"
	rm -rf "$MBUILD/test-logs"
	find "$MBUILD/obj" -name '*.d' -exec sed -i "s#^$BUILD/#$MBUILD/#" {} +
fi
rm -rf "$LOGS"
mkdir -p "$LOGS"

# The library and program sources that hold a mutant's switch.
mutant_sources() {
	grep -rlw --include='*.c' "VMK_MUTANT_$1" lib vswitch vmknic tcpip examples 2>/dev/null
}

mutant_objects() {
	local src
	for src in $(mutant_sources "$1"); do
		echo "$MBUILD/obj/${src%.c}.o"
	done
}

# Make the objects of a mutant's sources older than the sources, so the
# next make compiles them again with whatever EXTRA_CFLAGS it is given (the
# Makefile does not track flags).
forget_objects() {
	local o
	for o in $(mutant_objects "$1"); do
		if [ -f "$o" ]; then touch -d @0 "$o"; fi
	done
}

# Build with mutant NAME ('' for none) after compiling the given mutants'
# objects again (named as goals: with every target .SECONDARY, make would
# not remake a missing object for an up-to-date library).
build_mutant() {   # NAME MUTANTS_TO_RECOMPILE...
	local name=$1 flags=${1:+-DVMK_MUTANT_$1} objs=() m
	shift
	for m in "$@"; do
		forget_objects "$m"
		objs+=($(mutant_objects "$m"))
	done
	# What the objects hold now, for a campaign that was cut short.
	echo "$name" >"$MBUILD/mutant-built"
	make --no-print-directory -j"$JOBS" BUILD="$MBUILD" EXTRA_CFLAGS="$flags" \
		"${objs[@]}" all >"$LOGS/build-${name:-normal}.log" 2>&1
}

# Every test, in the order tests/run.sh runs them (as short names).
all_tests() {
	local t
	for t in "$MBUILD"/tests/unit/test_* "$MBUILD"/tests/integration/test_*; do
		[ -x "$t" ] && echo "${t#"$MBUILD"/tests/}"
	done
	for t in tests/integration/test_*.sh; do
		[ -f "$t" ] && basename "$t"
	done
}

# Run one test against build dir $1 under the lock; log to $3.
# 0: passed; 1: failed (the failing CUnit tests go to $3.failed).
run_test() {   # BUILD_DIR TEST LOG
	local b=$1 t=$2 log=$3 rc
	if [[ $t == *.sh ]]; then
		BUILD=$b flock "$LOCK" timeout -k 10 "$SCRIPT_TIMEOUT" \
			bash "tests/integration/$t" >"$log" 2>&1
		rc=$?
	else
		[ -x "$b/tests/$t" ] || { echo "no binary $b/tests/$t" >"$log"; return 1; }
		flock "$LOCK" timeout -k 10 "$CUNIT_TIMEOUT" "$b/tests/$t" >"$log" 2>&1
		rc=$?
		# A CUnit binary that exits 0 without its summary did not run.
		[ $rc -eq 0 ] && ! grep -qE '^ +tests +[0-9]+ +[0-9]+ +[0-9]+ +0 ' "$log" && rc=1
	fi
	sed -nE 's/^ *Test: (.*) \.\.\.FAILED.*/\1/p' "$log" >"$log.failed"
	[ $rc -eq 124 ] || [ $rc -eq 137 ] && echo "(timed out)" >>"$log.failed"
	[ $rc -eq 0 ]
}

declare -A normal_ok=()   # test -> 0 passes / 1 fails on the normal build
passes_on_normal() {
	local t=$1
	if [ -z "${normal_ok[$t]:-}" ]; then
		if run_test "$BUILD" "$t" "$LOGS/normal-${t//\//_}.log"; then
			normal_ok[$t]=0
		else
			normal_ok[$t]=1
		fi
	fi
	return "${normal_ok[$t]}"
}

results=()
survived=0
for row in "${TABLE[@]}"; do
	read -r name first <<<"$row"
	if [ -n "${MUTANTS:-}" ] && ! [[ " $MUTANTS " == *" $name "* ]]; then
		continue
	fi
	t0=$(date +%s)
	site=$(grep -rnw --include='*.c' "VMK_MUTANT_$name" lib vswitch vmknic tcpip examples |
		head -n 1 | cut -d: -f1,2)
	if [ -z "$site" ]; then
		echo "mutant $name: SURVIVED (no VMK_MUTANT_$name in the source)"
		results+=("$name|-|SURVIVED: no site|0")
		survived=$((survived + 1))
		continue
	fi
	# The previous mutant's objects are compiled back to normal here.
	prev=$(cat "$MBUILD/mutant-built" 2>/dev/null)
	if ! build_mutant "$name" $prev "$name"; then
		echo "mutant $name: SURVIVED (does not build; see $LOGS/build-$name.log)"
		results+=("$name|$site|SURVIVED: does not build|0")
		survived=$((survived + 1))
		continue
	fi
	caught=
	declare -A tried=()
	for t in $first $(all_tests); do
		[ -n "${tried[$t]:-}" ] && continue
		tried[$t]=1
		log=$LOGS/$name-${t//\//_}.log
		if run_test "$MBUILD" "$t" "$log"; then
			continue
		fi
		what=$(basename "$t" .sh)
		# The first failing CUnit test names the catch; the rest are counted.
		cases=$(head -n 1 "$log.failed")
		n_cases=$(wc -l <"$log.failed")
		[ "$n_cases" -gt 1 ] && cases="$cases, +$((n_cases - 1)) more"
		[ -n "$cases" ] && what="$what: $cases"
		if passes_on_normal "$t"; then
			caught=$what
			break
		fi
		echo "  ($name: $t fails on the normal build too; not counted)"
	done
	unset tried
	secs=$(( $(date +%s) - t0 ))
	if [ -n "$caught" ]; then
		echo "mutant $name: caught by $caught"
		results+=("$name|$site|$caught|$secs")
	else
		echo "mutant $name: SURVIVED"
		results+=("$name|$site|SURVIVED|$secs")
		survived=$((survived + 1))
	fi
done
# Leave the mutant build normal again, so the next campaign starts fast.
prev=$(cat "$MBUILD/mutant-built" 2>/dev/null)
build_mutant "" $prev || echo "warning: $MBUILD did not build without mutants"

echo
printf '%-20s %-28s %6s  %s\n' MUTANT SITE SECS "CAUGHT BY"
for r in "${results[@]}"; do
	IFS='|' read -r n s c t <<<"$r"
	printf '%-20s %-28s %6s  %s\n' "$n" "$s" "$t" "$c"
done
echo "mutants: $(( ${#results[@]} - survived )) caught, $survived survived" \
	"($(( $(date +%s) - start )) s)"
[ "$survived" -eq 0 ]
