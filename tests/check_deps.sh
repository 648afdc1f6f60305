#!/usr/bin/env bash
# Objective: a fresh Debian 12 machine runs every script of the project after
# `make deps` and nothing else. Every program that a script under tests/,
# bench/, examples/ or .ci/ (or the Makefile, or a C test through th_sh,
# system or popen) runs must come from a Debian package that a fresh machine
# already has (tests/fresh-debian12-packages.txt: the package list of a new
# machine of the kind CI runs on) or that .ci/deps.sh installs, itself or as
# a dependency of what it installs. Fails naming each program and its
# package, so that a tool installed here by hand cannot hide a missing
# install step again.
#
# A "program" is a word of a script that is an executable on PATH outside
# the repository; its package is what dpkg says owns it. A program that no
# package owns (pyenv's python3, say) is not judged. A program that is not
# installed at all is caught by the test that runs it: tests need it through
# tests/integration/lib/need.sh or th_need(), which fail with "run make deps".
#
# It also checks itself: with ethtool (which the Linux TCP tests run, and a
# fresh machine lacks) taken out of the installer's list, it must find it.
set -u
cd "$(dirname "$0")/.."
fresh_list=tests/fresh-debian12-packages.txt
fail() { echo "FAIL: $*"; exit 1; }
[ -f "$fresh_list" ] || fail "$fresh_list is missing"
command -v dpkg >/dev/null && command -v apt-cache >/dev/null || fail "needs dpkg and apt-cache (Debian)"

fresh=$(awk -F'\t' '$1 == "apt" { print $2 }' "$fresh_list" | sort -u)
[ "$(echo "$fresh" | wc -l)" -gt 100 ] || fail "$fresh_list lists too few packages"

# closure PKG...: the packages and everything they depend on (installed).
closure() {
	{
		printf '%s\n' "$@"
		apt-cache depends --recurse --installed --no-recommends --no-suggests --no-conflicts \
			--no-breaks --no-replaces --no-enhances "$@" 2>/dev/null |
			grep -oE '^[a-z0-9][a-z0-9.+:-]+' | sed 's/:.*//'
	} | sort -u
}

# The scripts: shell files by name or by a shell #! line.
scripts=$(git ls-files -- tests bench examples .ci Makefile 2>/dev/null | while read -r f; do
	case $f in
	*.sh | *.bash | Makefile | .ci/*) echo "$f" ;;
	*.c | *.h | *.py | *.json | *.md | *.txt | *.pcap | *.supp | *.png) ;;
	*) head -n 1 "$f" 2>/dev/null | grep -qE '^#!.*\b(ba)?sh\b' && echo "$f" ;;
	esac
done)
[ -n "$scripts" ] || fail "no scripts found (not a git checkout?)"
# C tests and programs run commands through th_sh(), system() and popen().
csrc=$(git ls-files -- 'tests/*.c' 'bench/*.c' 'examples/*.c')

words() {
	for f in $scripts; do grep -v '^[[:space:]]*#' "$f"; done
	for f in $csrc; do grep -hE '(th_sh|system|popen)[[:space:]]*\(' "$f"; done
} 2>/dev/null
candidates=$(words | grep -oE '(^|[[:space:];|&(`$"'\''])[a-z][a-z0-9_.+-]{1,30}' |
	sed -E 's/^[[:space:];|&(`$"'\'']//' | sort -u)

repo=$(pwd)
# "WORD PATH" for every candidate on PATH outside the repository, with each
# path's variants (resolved link, /usr-merged twin) for one dpkg query.
onpath=$(for w in $candidates; do
	p=$(command -v "$w" 2>/dev/null) || continue
	case $p in /*) ;; *) continue ;; esac
	case $p in "$repo"/*) continue ;; esac
	echo "$w $p"
done)
owners=$(echo "$onpath" | while read -r w p; do
	printf '%s\n' "$p" "$(readlink -f "$p")" "${p#/usr}" "/usr$p"
done | sort -u | xargs -r dpkg -S 2>/dev/null | grep -v '^diversion' |
	sed -E 's/^([^:]+): (.*)$/\2 \1/' | sed -E 's/ ([^, ]+),.*$/ \1/')
# programs: "WORD PATH PACKAGE" for every candidate that a package owns.
programs=$(echo "$onpath" | while read -r w p; do
	pkg=
	for q in "$p" "$(readlink -f "$p")" "${p#/usr}" "/usr$p"; do
		pkg=$(awk -v q="$q" '$1 == q { print $2; exit }' <<<"$owners")
		[ -n "$pkg" ] && break
	done
	[ -n "$pkg" ] && echo "$w $p $pkg"
done)
[ -n "$programs" ] || fail "found no programs in the scripts: the scan is broken"

# judge INSTALLER_PACKAGES...: print a line for each program not covered.
judge() {
	local named w p pkg
	named=$(closure "$@")
	while read -r w p pkg; do
		echo "$fresh" | grep -qx "$pkg" && continue
		echo "$named" | grep -qx "$pkg" && continue
		echo "'$w' ($p) comes from Debian package '$pkg', which a fresh Debian 12 machine lacks and .ci/deps.sh does not install: add '$pkg' to .ci/deps.sh"
	done <<<"$programs"
}

mapfile -t installer < <(.ci/deps.sh --list)
[ ${#installer[@]} -gt 0 ] || fail ".ci/deps.sh --list printed no packages"
n=$(echo "$programs" | wc -l)
echo "checked $n programs that the scripts run against ${#installer[@]} installer packages and $(echo "$fresh" | wc -l) fresh-image packages"
missing=$(judge "${installer[@]}")
if [ -n "$missing" ]; then
	echo "$missing" | sed 's/^/FAIL: /'
	exit 1
fi

# Self-check: the scan must notice a package taken out of the installer.
if echo "$programs" | grep -q '^ethtool '; then
	without=()
	for p in "${installer[@]}"; do [ "$p" = ethtool ] || without+=("$p"); done
	judge "${without[@]}" | grep -q "^'ethtool' .*'ethtool'" ||
		fail "self-check: with ethtool out of the installer the scan did not report it"
	echo "self-check: without ethtool in the installer, the scan reports it"
else
	fail "self-check: ethtool is not among the programs found (is it installed? make deps)"
fi
echo "check_deps: every program the scripts run is on a fresh machine or installed by .ci/deps.sh"
