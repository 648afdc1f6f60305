# What a scenario script needs before it starts. Sourced, never run.
#
#   . tests/integration/lib/need.sh
#   need_root "network namespaces"   # not root: a declared skip (exit 77)
#   need socat tshark ethtool        # a program missing: the test FAILS
#
# A missing program is a failure, never a skip: `make deps` installs every
# program a test runs (tests/check_deps.sh keeps .ci/deps.sh complete), so
# its absence is a broken set-up to fix, named with the command that fixes it.
# Not being root is the one skip: tests/run.sh counts it as skipped, and
# .ci/run (TESTS_FAIL_ON_SKIP=1) fails on it.

# need PROGRAM...: fail (exit 1) naming every program that is not on PATH.
need() {
	local t missing=()
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || missing+=("$t")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "FAIL: not installed: ${missing[*]}: run 'make deps' (as root) to install the test dependencies"
	exit 1
}

# need_root WHY: skip (exit 77) unless root.
need_root() {
	[ "$(id -u)" -eq 0 ] && return 0
	echo "SKIP: needs root ($1): run 'make test' as root"
	exit 77
}
