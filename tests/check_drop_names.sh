#!/usr/bin/env bash
# Objective: the drop reasons documented in docs/ARCHITECTURE.md are the ones
# the code counts. The block between "<!-- drop reasons: begin -->" and
# "<!-- drop reasons: end -->" must be what this script makes from
# include/vmknet/*_drops.def (the lists the enums and their names come from).
# With --write, it rewrites the block instead of checking it.
set -eu
cd "$(dirname "$0")/.."
DOC=docs/ARCHITECTURE.md

block() {
	local def title
	for def in switch_drops ip_drops tcp_drops; do
		case $def in
		switch_drops) title="vSwitch, per port and direction (\`vmk_drop_reason_name\`)" ;;
		ip_drops) title="IP layer, per netstack (\`vmk_ip_drop_reason_name\`)" ;;
		tcp_drops) title="TCP, per netstack (\`vmk_tcp_drop_reason_name\`)" ;;
		esac
		echo "- $title:"
		sed -n 's/^VMK_[A-Z_]*DROP_REASON([A-Z_0-9]*, "\([a-z_0-9]*\)", "\(.*\)")$/  - `\1`: \2/p' \
			"include/vmknet/$def.def" | sed 's/\\"/"/g'
	done
}

want=$(block)
have=$(sed -n '/^<!-- drop reasons: begin -->$/,/^<!-- drop reasons: end -->$/p' "$DOC" | sed '1d;$d')
if [ "${1:-}" = "--write" ]; then
	tmp=$(mktemp)
	awk -v b="$want" '
		/^<!-- drop reasons: begin -->$/ { print; print b; skip = 1; next }
		/^<!-- drop reasons: end -->$/ { skip = 0 }
		!skip { print }' "$DOC" >"$tmp"
	cat "$tmp" >"$DOC" && rm -f "$tmp"
	exit 0
fi
if [ "$want" != "$have" ]; then
	echo "docs/ARCHITECTURE.md lists other drop reasons than include/vmknet/*_drops.def:"
	diff <(echo "$have") <(echo "$want") || true
	echo "(tests/check_drop_names.sh --write rewrites the block)"
	exit 1
fi
echo "drop reasons: docs/ARCHITECTURE.md matches include/vmknet/*_drops.def"
