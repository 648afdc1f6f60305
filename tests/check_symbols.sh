#!/usr/bin/env bash
# The library's contract: every exported (global, defined) symbol of the
# static archive and the shared object starts with vmk_.
# usage: check_symbols.sh [LIB...] (default: $BUILD's libvmknet.a and .so)
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
[ $# -gt 0 ] || set -- "$BUILD/lib/libvmknet.a" "$BUILD/lib/libvmknet.so"
bad=0
for lib in "$@"; do
	[ -f "$lib" ] || { echo "$lib: missing (build first: make)"; bad=1; continue; }
	case $lib in
	*.so*) syms=$(nm -D --defined-only "$lib" | awk 'NF == 3 { print $3 }') ;;
	*) syms=$(nm -g --defined-only "$lib" | awk 'NF == 3 { print $3 }') ;;
	esac
	n=$(echo "$syms" | grep -c '^vmk_')
	others=$(echo "$syms" | grep -v '^vmk_' | grep -v '^$')
	if [ -n "$others" ]; then
		echo "$lib exports non-vmk_ symbols:"; echo "$others"; bad=1
	elif [ "$n" -lt 10 ]; then
		echo "$lib exports only $n vmk_ symbols: the API is missing"; bad=1
	else
		echo "$lib: $n symbols, all vmk_"
	fi
done
exit $bad
