#!/usr/bin/env bash
# make fuzz: runs each libFuzzer harness (BUILD/fuzz/fuzz_NAME, built by
# make fuzz-build) for SECONDS, from its committed seeds
# (tests/fuzz/corpus/NAME) and what earlier runs found (BUILD/fuzz/corpus/
# NAME, kept between runs), with its options (tests/fuzz/options/NAME: a
# dictionary, the largest input). One harness at a time, each under the
# DPDK lock (VMK_DPDK_LOCK, default /tmp/vmknet-dpdk.lock) so the machine's
# other DPDK runs get their turns. Prints per harness the executions per
# second, total executions, coverage (libFuzzer's cov: edges, ft: features)
# and corpus size; fails if a harness crashed, naming the input it saved
# (BUILD/fuzz/artifacts/NAME/). Logs: BUILD/fuzz/logs/NAME.log.
#
# usage: tests/fuzz/run.sh BUILD SECONDS [NAME...]
set -u
cd "$(dirname "$0")/../.."
BUILD=${1:?usage: run.sh BUILD SECONDS [NAME...]}
SECONDS_EACH=${2:?usage: run.sh BUILD SECONDS [NAME...]}
shift 2
LOCK=${VMK_DPDK_LOCK:-/tmp/vmknet-dpdk.lock}
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for b in "$BUILD"/fuzz/fuzz_*; do
		[ -x "$b" ] && names+=("${b##*/fuzz_}")
	done
fi
[ ${#names[@]} -gt 0 ] || { echo "fuzz: no harness in $BUILD/fuzz (make fuzz-build)"; exit 1; }
mkdir -p "$BUILD/fuzz/logs"
failed=()
printf '%-8s %10s %12s %8s %8s %8s  %s\n' harness execs/s execs cov ft corpus result
for n in "${names[@]}"; do
	bin=$BUILD/fuzz/fuzz_$n work=$BUILD/fuzz/corpus/$n art=$BUILD/fuzz/artifacts/$n
	log=$BUILD/fuzz/logs/$n.log
	mkdir -p "$work" "$art"
	opts=$(cat "tests/fuzz/options/$n" 2>/dev/null)
	# shellcheck disable=SC2086 # opts is a list of flags
	flock "$LOCK" "$bin" -max_total_time="$SECONDS_EACH" -print_final_stats=1 \
		-artifact_prefix="$art/" $opts "$work" "tests/fuzz/corpus/$n" \
		>"$log" 2>&1
	rc=$?
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1)
	cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
	ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
	corp=$(sed -nE 's/.* corp: ([0-9]+\/[0-9]+[a-zA-Z]*).*/\1/p' <<<"$last")
	result=ok
	if [ "$rc" -ne 0 ]; then
		crash=$(sed -n 's/.*Test unit written to //p' "$log" | tail -n 1)
		result="CRASH (exit $rc): ${crash:-see $log}"
		failed+=("$n")
	fi
	printf '%-8s %10s %12s %8s %8s %8s  %s\n' "$n" "${eps:-?}" "${execs:-?}" "${cov:-?}" \
		"${ft:-?}" "${corp:-?}" "$result"
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz: crashes in ${failed[*]}: reproduce with BUILD/fuzz/fuzz_NAME FILE; fix it and" \
		"add FILE to tests/fuzz/corpus/NAME/ (named regress-*) with a unit test"
	exit 1
fi
