#!/usr/bin/env bash
# Objective: no committed fuzz input crashes its harness again. Builds the
# libFuzzer harnesses (make fuzz-build: clang, build-fuzz/; incremental) and
# runs each over every file of its committed corpus (tests/fuzz/corpus/
# NAME: seeds, and each crash once found, as regress-*), one run per
# harness, so a fixed crash that comes back fails make test. Every harness
# must have a corpus, and every corpus a harness. A missing clang or
# libFuzzer runtime is a failure ("make deps"), never a skip. Takes a few
# seconds once built. The caller holds the DPDK lock if the machine asks
# for one (make test is run under it).
set -u
cd "$(dirname "$0")/.."
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
fail() { echo "FAIL: $*"; exit 1; }
command -v clang >/dev/null || fail "clang is not installed: run 'make deps'"
echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { (void)d; (void)n; return 0; }' |
	clang -x c -fsanitize=fuzzer,address,undefined - -o /dev/null 2>/dev/null ||
	fail "clang cannot link a libFuzzer binary (libclang-rt-14-dev): run 'make deps'"
mkdir -p "$FUZZ_BUILD"
log=$FUZZ_BUILD/fuzz-build.log
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -j2 fuzz-build \
	FUZZ_BUILD="$FUZZ_BUILD" >"$log" 2>&1 || { tail -n 30 "$log"; fail "make fuzz-build failed"; }
n_harness=0
for src in tests/fuzz/fuzz_*.c; do
	n=${src#tests/fuzz/fuzz_}
	n=${n%.c}
	bin=$FUZZ_BUILD/fuzz/fuzz_$n
	[ -x "$bin" ] || fail "$bin was not built"
	files=(tests/fuzz/corpus/"$n"/*)
	[ -f "${files[0]}" ] || fail "harness $n has no corpus in tests/fuzz/corpus/$n"
	start=${EPOCHREALTIME/./}
	opts=$(cat "tests/fuzz/options/$n" 2>/dev/null)
	# shellcheck disable=SC2086 # opts is a list of flags
	if ! out=$(timeout -k 5 120 "$bin" $opts "${files[@]}" 2>&1); then
		echo "$out" | grep -vE '^(Running: |Executed )' | tail -n 40
		fail "harness $n crashed on its corpus (above: the input and the report)"
	fi
	ms=$(((${EPOCHREALTIME/./} - start) / 1000))
	printf '%-8s %4d inputs replayed in %d ms\n' "$n" "${#files[@]}" "$ms"
	n_harness=$((n_harness + 1))
done
for d in tests/fuzz/corpus/*/; do
	n=$(basename "$d")
	[ -f "tests/fuzz/fuzz_$n.c" ] || fail "tests/fuzz/corpus/$n has no harness tests/fuzz/fuzz_$n.c"
done
echo "check_fuzz_corpus: $n_harness harnesses replayed their corpora"
