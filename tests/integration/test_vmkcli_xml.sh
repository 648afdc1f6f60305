#!/usr/bin/env bash
# Objective: every vmkcli command that has a json form has a well-formed
# xml form in esxcli's shape (xml.dom.minidom parses it; <output
# xmlns="http://www.vmware.com/Products/ESX/5.0/esxcli"><root> then a
# <list type="structure"> or a single <structure>), holding the same records
# as its json; the command tree is walked so that a new get or list
# command without a case here fails the test; names with & < > " ' come
# back intact.
set -euo pipefail
cd "$(dirname "$0")/../.."
VMKD_NAME=vmkcli-xml-test
VMKD_EAL_ARGS=(--vdev net_null0 --vdev net_null1)
. tests/integration/lib/vmknetd.sh
mkdir -p "$tmp/etc"

start
odd="A&B <\"x\"> 'y'"
ok network vswitch standard uplink add -u vmnic0 -v vSwitch0
ok network vswitch standard portgroup add -p "$odd" -v vSwitch0
ok network ip interface add -i vmk1 -p "$odd"
ok network ip interface ipv4 set -i vmk0 -I 192.0.2.10 -N 255.255.255.0
ok network ip interface ipv4 set -i vmk1 -t dhcp -P true
ok network ip interface tag add -i vmk0 -t Management
ok network ip route ipv4 add -n 198.51.100.0/24 -g 192.0.2.1

# The options each get/list command is run with here.
declare -A args=(
	["network nic list"]=""
	["network nic get"]="-n vmnic0"
	["network nic stats get"]="-n vmnic0"
	["network vswitch standard list"]=""
	["network vswitch standard portgroup list"]=""
	["network vswitch standard policy security get"]="-v vSwitch0"
	["network vswitch standard policy failover get"]="-v vSwitch0"
	["network vswitch standard policy shaping get"]="-v vSwitch0"
	["network vswitch standard portgroup policy security get"]="-p VM Network"
	["network vswitch standard portgroup policy failover get"]="-p VM Network"
	["network vswitch standard portgroup policy shaping get"]="-p VM Network"
	["network vm port list"]=""
	["network vm list"]=""
	["network ip interface list"]=""
	["network ip interface ipv4 get"]=""
	["network ip interface ipv4 dhcp get"]=""
	["network ip interface tag get"]="-i vmk0"
	["network ip route ipv4 list"]=""
	["network ip netstack list"]=""
	["network ip netstack get"]="-N defaultTcpipStack"
	["network ip neighbor list"]=""
	["network ip connection list"]=""
	["network firewall get"]=""
	["network firewall stats get"]=""
	["network firewall ruleset list"]=""
	["network firewall ruleset allowedip list"]=""
	["network firewall ruleset rule list"]=""
	["network nioc get"]=""
	["network nioc class list"]=""
	["network nioc class stats get"]="-n vmnic0"
	["network vmotion get"]=""
)

# Every command of the tree (vmkcli --complete walks it).
walk() {
	local w
	for w in $(VMKCLI_CONTROL=$sock "$CLI" --complete "$@" ""); do
		case $w in -*) continue ;; esac
		if "$CLI" "$@" "$w" --help 2>/dev/null | grep -q '^Cmd options:'; then
			echo "$* $w"
		else
			walk "$@" "$w"
		fi
	done
}
walk network >"$tmp/tree"
n=0
while read -r c; do
	case $c in *" get" | *" list") ;; *) continue ;; esac
	[ -n "${args[$c]+x}" ] || fail "'$c' has no xml case in this test"
	a=${args[$c]}
	# shellcheck disable=SC2086  # one word per option, except the port group
	if [ "${a#-p }" != "$a" ]; then set -- -p "${a#-p }"; else set -- $a; fi
	cli --formatter=xml $c "$@" >"$tmp/xml" || fail "$c: xml form failed"
	cli --formatter=json $c "$@" >"$tmp/json" || fail "$c: json form failed"
	python3 - "$tmp/xml" "$tmp/json" "$c" <<'EOF' || fail "$c: xml is not esxcli's"
import json, sys, xml.dom.minidom as m
text = open(sys.argv[1]).read()
assert text.startswith('<?xml version="1.0" encoding="utf-8"?>\n'), text[:60]
doc = m.parseString(text)
out = doc.documentElement
assert out.tagName == "output", out.tagName
assert out.getAttribute("xmlns") == "http://www.vmware.com/Products/ESX/5.0/esxcli"
root = [e for e in out.childNodes if e.nodeType == 1]
assert [e.tagName for e in root] == ["root"], root
top = [e for e in root[0].childNodes if e.nodeType == 1]
assert len(top) == 1, top
def value(v):
    t = v.tagName
    if t == "structure":
        return fields(v)
    if t == "list":
        return [value(x) for x in v.childNodes if x.nodeType == 1]
    s = "".join(x.data for x in v.childNodes)
    if t == "integer":
        return int(s)
    if t == "boolean":
        assert s in ("true", "false"), s
        return s == "true"
    assert t == "string", t
    return s
def fields(st):
    assert st.tagName == "structure" and st.getAttribute("typeName"), st.tagName
    r = {}
    for f in st.childNodes:
        if f.nodeType != 1:
            continue
        assert f.tagName == "field", f.tagName
        v = [x for x in f.childNodes if x.nodeType == 1]
        assert len(v) == 1, f.getAttribute("name")
        r[f.getAttribute("name")] = value(v[0])
    return r
want = json.load(open(sys.argv[2]))
if top[0].tagName == "list":
    assert top[0].getAttribute("type") == "structure"
    got = [fields(s) for s in top[0].childNodes if s.nodeType == 1]
else:
    got = fields(top[0])
# xml has no null: a missing value is an empty string.
def nonull(x):
    if isinstance(x, dict): return {k: nonull(v) for k, v in x.items()}
    if isinstance(x, list): return [nonull(v) for v in x]
    return "" if x is None else x
assert got == nonull(want), (sys.argv[3], got, want)
EOF
	n=$((n + 1))
done <"$tmp/tree"
echo "$n get/list commands checked"
[ "$n" -eq "${#args[@]}" ] || fail "checked $n commands, the table has ${#args[@]}"

echo "== & < > \" ' escaped and intact"
cli --formatter=xml network vswitch standard portgroup list | tee "$tmp/xml"
grep -q "<string>A&amp;B &lt;&quot;x&quot;&gt; &apos;y&apos;</string>" "$tmp/xml" || fail "escaping"
python3 -c '
import sys, xml.dom.minidom as m
d = m.parse(sys.argv[1])
names = [s.firstChild.data for s in d.getElementsByTagName("string")]
assert sys.argv[2] in names, names' "$tmp/xml" "$odd" || fail "name not intact"
stop
echo "test_vmkcli_xml: all checks passed"
