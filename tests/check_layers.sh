#!/usr/bin/env bash
# Objective: the library's folders depend one way. Reads the include graph
# (#include "DIR/...") of common/ vswitch/ tcpip/ vmknic/ lib/ from the
# sources, and the call graph (a symbol one object file needs and another
# defines) from the built objects, and fails when a folder reaches one it may
# not (see the Makefile's LAYER_BELOW_*) or when two folders reach each other
# (a loop). Prints the folder graph it found, one "A -> B (includes, calls)"
# a line.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
LAYERS="common vswitch tcpip vmknic lib"
declare -A allowed=(
	[common]=""
	[vswitch]="common"
	[tcpip]="common"
	[vmknic]="tcpip vswitch common"
	[lib]="vmknic tcpip vswitch common"
)
declare -A edge=()
fail=0

is_layer() { [[ " $LAYERS " == *" $1 "* ]]; }

# Includes.
for from in $LAYERS; do
	while IFS= read -r to; do
		[ "$to" = "$from" ] && continue
		is_layer "$to" || continue
		edge[$from,$to]+=" includes"
	done < <(grep -ho '^#include "[a-z_]*/' "$from"/*.[ch] 2>/dev/null |
		 sed 's/^#include "//; s|/$||' | sort -u)
done

# Calls, from the objects of the last build (when there is one).
if [ -d "$BUILD/obj/lib" ]; then
	declare -A owner=()
	for from in $LAYERS; do
		for o in "$BUILD"/obj/"$from"/*.o; do
			[ -f "$o" ] || continue
			# an object left by a source that moved or went is no code of today
			src=${o#"$BUILD"/obj/}
			[ -f "${src%.o}.c" ] || continue
			while read -r sym; do owner[$sym]=$from; done < <(nm --defined-only "$o" |
				awk '$2 ~ /^[TDBRC]$/ { print $3 }')
		done
	done
	for from in $LAYERS; do
		for o in "$BUILD"/obj/"$from"/*.o; do
			[ -f "$o" ] || continue
			# an object left by a source that moved or went is no code of today
			src=${o#"$BUILD"/obj/}
			[ -f "${src%.o}.c" ] || continue
			while read -r sym; do
				to=${owner[$sym]:-}
				[ -z "$to" ] || [ "$to" = "$from" ] && continue
				[[ "${edge[$from,$to]:-}" == *calls* ]] || edge[$from,$to]+=" calls"
			done < <(nm -u "$o" | awk '{ print $2 }')
		done
	done
else
	echo "note: no $BUILD/obj: calls not checked, includes only"
fi

for key in $(printf '%s\n' "${!edge[@]}" | sort); do
	from=${key%,*} to=${key#*,}
	echo "$from -> $to (${edge[$key]# })"
	if [[ " ${allowed[$from]} " != *" $to "* ]]; then
		echo "  FORBIDDEN: $from may use only: ${allowed[$from]:-nothing of vmknet}"
		fail=1
	fi
	if [ -n "${edge[$to,$from]:-}" ]; then
		echo "  LOOP: $to also reaches $from"
		fail=1
	fi
done

if [ "$fail" -eq 0 ]; then
	echo "layers: one way ($LAYERS, bottom to top), no loop between folders"
fi
exit "$fail"
