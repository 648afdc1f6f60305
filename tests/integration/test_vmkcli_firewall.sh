#!/usr/bin/env bash
# Objective: the host firewall through vmkcli against a running vmknetd, as
# esxcli spells it. `network firewall get|set|refresh`, `ruleset
# list|set`, `ruleset allowedip list|add|remove`, `ruleset rule list` and
# vmknet's `ruleset add|remove`, `ruleset rule add|remove`, `stats get`
# work in table, json, csv, keyvalue and xml form; the
# saved file holds what they set and the host runs it; every bad argument
# (unknown ruleset, bad boolean, bad address, host bits, reversed range, a
# built-in's rules, duplicates) is refused with the reason and leaves the
# file as it was; refresh re-reads the file; a restart keeps the firewall;
# a broken firewall section in the file is refused at start.
set -euo pipefail
cd "$(dirname "$0")/../.."
VMKD_NAME=vmkcli-fw
VMKD_EAL_ARGS=(--vdev net_null0)
VMKD_STOP_CHECK_SOCK=1
. tests/integration/lib/vmknetd.sh
mkdir -p "$tmp/etc"
start
FW="network firewall"

echo "== get and set"
ok $FW get | tee "$tmp/out"
diff -u <(printf '   Default Action: DROP\n   Enabled: false\n   Loaded: true\n') "$tmp/out" \
	|| fail "firewall get defaults"
json_check "f=d['firewall']; assert f['enabled'] is False and f['default_action']=='DROP', f" <"$cfg"
ok $FW set --enabled true
ok --formatter=json $FW get | json_check "assert d=={'DefaultAction':'DROP','Enabled':True,'Loaded':True}, d"
ok $FW set -d true
ok $FW get | grep -q '^   Default Action: PASS$' || fail "default action PASS"
ok $FW set --default-action false -e true
json_check "f=d['firewall']; assert f['enabled'] is True and f['default_action']=='DROP', f" <"$cfg"
ok --formatter=keyvalue $FW get | grep -q '^Firewall.DefaultAction.string=DROP$' || fail "get keyvalue"
ok --formatter=csv $FW get | head -n 1 | grep -q '^DefaultAction,Enabled,Loaded$' || fail "get csv"

echo "== ruleset list and set"
ok $FW ruleset list | tee "$tmp/out"
head -n 1 "$tmp/out" | grep -q '^Name  *Enabled  *Allowed  *Dropped$' || fail "ruleset list header"
grep -q '^sshServer  *true  *0  *0$' "$tmp/out" && grep -q '^iSCSI  *false  *0  *0$' "$tmp/out" \
	&& grep -q '^vMotion  *true ' "$tmp/out" && grep -q '^icmp  *true ' "$tmp/out" || fail "ruleset list rows"
ok --formatter=json $FW ruleset list -r nfsClient | json_check "assert d==[{'Name':'nfsClient','Enabled':False,'Allowed':0,'Dropped':0}], d"
ok $FW ruleset set -r nfsClient --enabled true
ok $FW ruleset set --ruleset-id sshServer -e false
ok --formatter=json $FW ruleset list | json_check "e={r['Name']:r['Enabled'] for r in d}; assert e['nfsClient'] and not e['sshServer'], e"
ok --formatter=csv $FW ruleset list | tee "$tmp/out" >/dev/null
head -n 1 "$tmp/out" | grep -q '^Name,Enabled,Allowed,Dropped$' && grep -q '^nfsClient,true,0,0$' "$tmp/out" || fail "ruleset list csv"
ok --formatter=keyvalue $FW ruleset list -r vMotion | grep -q '^Ruleset.Enabled.boolean=true$' || fail "ruleset keyvalue"
json_check "r=[r for r in d['firewall']['rulesets'] if r['name']=='sshServer'][0]; assert r['enabled'] is False and 'rules' not in r, r" <"$cfg"

echo "== allowed IP addresses"
ok $FW ruleset allowedip list -r sshServer | tee "$tmp/out"
grep -q '^sshServer  *All$' "$tmp/out" || fail "allowedip All"
ok $FW ruleset set -r sshServer --allowed-all false
ok $FW ruleset allowedip add -r sshServer -i 198.51.100.7
ok $FW ruleset allowedip add -r sshServer --ip-address 203.0.113.0/24
ok $FW ruleset allowedip list -r sshServer | grep -q '^sshServer  *198.51.100.7, 203.0.113.0/24$' || fail "allowedip list"
ok --formatter=json $FW ruleset allowedip list -r sshServer \
	| json_check "assert d==[{'Ruleset':'sshServer','AllowedIPAddresses':['198.51.100.7','203.0.113.0/24']}], d"
ok --formatter=keyvalue $FW ruleset allowedip list -r sshServer \
	| grep -q '^RulesetAllowedIp.AllowedIPAddresses.string\[\]=198.51.100.7$' || fail "allowedip keyvalue"
ok $FW ruleset allowedip remove -r sshServer -i 198.51.100.7
json_check "r=[r for r in d['firewall']['rulesets'] if r['name']=='sshServer'][0]; assert r['allowed_ip']==['203.0.113.0/24'] and r['allowed_all'] is False, r" <"$cfg"

echo "== rules and custom rulesets"
ok $FW ruleset rule list -r vMotion | tee "$tmp/out"
head -n 1 "$tmp/out" | grep -q '^Ruleset  *Direction  *Protocol  *Port Type  *Port Begin  *Port End$' || fail "rule list header"
grep -q '^vMotion  *Inbound  *TCP  *Dst  *8000  *8000$' "$tmp/out" \
	&& grep -q '^vMotion  *Outbound  *TCP  *Dst  *8000  *8000$' "$tmp/out" || fail "vMotion rules"
ok --formatter=json $FW ruleset rule list | json_check "assert {'Ruleset':'sshServer','Direction':'Inbound','Protocol':'TCP','PortType':'Dst','PortBegin':22,'PortEnd':22} in d, d[:3]"
ok $FW ruleset add -r myService -d Inbound -p TCP -P 7000-7010
ok $FW ruleset rule add -r myService --direction outbound --protocol udp --port-type Src --port 53
ok $FW ruleset rule add -r myService -d Inbound -p ICMP -P 8
ok --formatter=json $FW ruleset rule list -r myService | json_check "assert d==[{'Ruleset':'myService','Direction':'Inbound','Protocol':'TCP','PortType':'Dst','PortBegin':7000,'PortEnd':7010},{'Ruleset':'myService','Direction':'Outbound','Protocol':'UDP','PortType':'Src','PortBegin':53,'PortEnd':53},{'Ruleset':'myService','Direction':'Inbound','Protocol':'ICMP','PortType':'Dst','PortBegin':8,'PortEnd':8}], d"
ok --formatter=csv $FW ruleset rule list -r myService | head -n 1 \
	| grep -q '^Ruleset,Direction,Protocol,PortType,PortBegin,PortEnd$' || fail "rule list csv"
ok $FW ruleset rule remove -r myService -d Outbound -p UDP -t Src -P 53
ok $FW ruleset add -r other -d Outbound -p TCP -P 9000 --enabled false --allowed-all false
ok --formatter=json $FW ruleset list -r other | json_check "assert d[0]['Name']=='other' and d[0]['Enabled'] is False, d"
json_check "r=[r for r in d['firewall']['rulesets'] if r['name']=='myService'][0]; assert r['rules']==[{'direction':'Inbound','protocol':'TCP','port_type':'Dst','port':'7000-7010'},{'direction':'Inbound','protocol':'ICMP','port_type':'Dst','port':'8'}], r" <"$cfg"
ok $FW ruleset remove -r other
json_check "assert 'other' not in [r['name'] for r in d['firewall']['rulesets']]" <"$cfg"

echo "== counters"
ok $FW stats get | tee "$tmp/out"
grep -q '^   Default Dropped Inbound: [0-9][0-9]*$' "$tmp/out" && grep -q '^   Generation: [1-9][0-9]*$' "$tmp/out" || fail "stats"
ok --formatter=json $FW ruleset list -r myService | json_check "assert d==[{'Name':'myService','Enabled':True,'Allowed':0,'Dropped':0}], d"
ok --formatter=json $FW stats get | json_check "assert d['Generation']>=1 and d['ConnectionCapacity']>=0 and 'DefaultDroppedInbound' in d, d"

echo "== completion"
comp() { VMKCLI_CONTROL=$sock "$CLI" --complete "$@"; }
[ "$(comp network firewall "" | tr '\n' ' ')" = "get set refresh stats ruleset " ] ||
	fail "firewall commands: $(comp network firewall "")"
[ "$(comp network firewall ruleset "" | tr '\n' ' ')" = "list set add remove allowedip rule " ] ||
	fail "ruleset commands: $(comp network firewall ruleset "")"
comp network firewall ruleset set -r "" | grep -qx myService || fail "ruleset names from the daemon"
comp network firewall ruleset allowedip add -r ss | grep -qx sshServer || fail "ruleset name prefix"
[ "$(comp network firewall ruleset rule add -r myService -d "" | tr '\n' ' ')" = "Inbound Outbound " ] ||
	fail "direction values"
[ "$(comp network firewall ruleset add -p "" | tr '\n' ' ')" = "TCP UDP ICMP " ] || fail "protocol values"
[ "$(comp network firewall set -e "" | tr '\n' ' ')" = "true false " ] || fail "boolean values"

echo "== xml"
for c in "get" "ruleset list" "ruleset allowedip list" "ruleset rule list" "stats get"; do
	# shellcheck disable=SC2086  # the command's words
	ok --formatter=xml $FW $c >"$tmp/xml"
	python3 -c "import sys, xml.dom.minidom as m; m.parse(sys.argv[1])" "$tmp/xml" || fail "$c: xml"
done

echo "== every documented error leaves the file as it was"
refused 2 'expected a boolean' $FW set -e maybe
refused 2 'missing required parameter -r|--ruleset-id' $FW ruleset set -e true
refused 2 'missing required parameter -i|--ip-address' $FW ruleset allowedip add -r sshServer
refused 2 'unknown option or argument' $FW get --bogus
refused 1 'nothing to set' $FW set
refused 1 'nothing to set' $FW ruleset set -r dns
refused 1 'no ruleset named "nope"' $FW ruleset set -r nope -e true
refused 1 'no ruleset named "nope"' $FW ruleset list -r nope
refused 1 'no ruleset named "nope"' $FW ruleset rule list -r nope
refused 1 'not an IPv4 address' $FW ruleset allowedip add -r sshServer -i 198.51.100.300
refused 1 'not an IPv4 address' $FW ruleset allowedip add -r sshServer -i 198.51.100.0/33
refused 1 'has host bits set' $FW ruleset allowedip add -r sshServer -i 198.51.100.9/24
refused 1 'already allowed' $FW ruleset allowedip add -r sshServer -i 203.0.113.0/24
refused 1 'allows all addresses' $FW ruleset allowedip add -r dns -i 198.51.100.7
refused 1 'is not in the allowed list' $FW ruleset allowedip remove -r sshServer -i 198.51.100.8
refused 1 'port range 9..1 is reversed' $FW ruleset rule add -r myService -d Inbound -p TCP -P 9-1
refused 1 'use a port N or a range' $FW ruleset rule add -r myService -d Inbound -p TCP -P 70000
refused 1 'use Inbound or Outbound' $FW ruleset rule add -r myService -d In -p TCP -P 1
refused 1 'use TCP, UDP or ICMP' $FW ruleset rule add -r myService -d Inbound -p SCTP -P 1
refused 1 'ICMP type range 0..300' $FW ruleset rule add -r myService -d Inbound -p ICMP -P 0-300
refused 1 'already has that rule' $FW ruleset rule add -r myService -d Inbound -p TCP -P 7000-7010
ok $FW ruleset rule remove -r myService -d Inbound -p ICMP -P 8
refused 1 'last rule of ruleset myService' $FW ruleset rule remove -r myService -d Inbound -p TCP -P 7000-7010
refused 1 'has no such rule' $FW ruleset rule remove -r myService -d Inbound -p TCP -P 1
refused 1 'vMotion is a built-in ruleset' $FW ruleset rule add -r vMotion -d Inbound -p TCP -P 1
refused 1 'built-in ruleset: it cannot be removed' $FW ruleset remove -r dns
refused 1 'ruleset myService already exists' $FW ruleset add -r myService -d Inbound -p TCP -P 1
refused 1 'must not contain a space' $FW ruleset add -r "my svc" -d Inbound -p TCP -P 1
refused 2 'missing required parameter -P|--port' $FW ruleset add -r new -d Inbound -p TCP

echo "== refresh re-reads the saved file"
python3 - "$cfg" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d['firewall']['default_action'] = 'PASS'
[r for r in d['firewall']['rulesets'] if r['name'] == 'dns'][0]['enabled'] = False
json.dump(d, open(sys.argv[1], 'w'), indent=2)
EOF
ok $FW get | grep -q '^   Default Action: DROP$' || fail "running changed before refresh"
ok $FW refresh
ok $FW get | grep -q '^   Default Action: PASS$' || fail "refresh did not apply the file's default action"
ok --formatter=json $FW ruleset list -r dns | json_check "assert d[0]['Name']=='dns' and d[0]['Enabled'] is False, d"
ok $FW set -d false

echo "== a restart keeps the firewall"
for c in "get" "ruleset list" "ruleset allowedip list" "ruleset rule list"; do
	# shellcheck disable=SC2086
	cli --formatter=json $FW $c >"$tmp/before.${c// /_}"
done
stop
start
for c in "get" "ruleset list" "ruleset allowedip list" "ruleset rule list"; do
	# shellcheck disable=SC2086
	cmp "$tmp/before.${c// /_}" <(cli --formatter=json $FW $c) || fail "'$c' differs after restart"
done
ok --formatter=json $FW stats get | json_check "assert d['Generation']>=1, d"
stop

echo "== a broken firewall section is refused at start"
cp "$cfg" "$tmp/good.json"
python3 - "$cfg" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d['firewall']['rulesets'].append({'name': 'bad', 'rules': [{'direction': 'Up', 'protocol': 'TCP', 'port': '1'}]})
json.dump(d, open(sys.argv[1], 'w'), indent=2)
EOF
refused_file 'firewall.rulesets\[[0-9]*\] (bad).rules\[0\].direction: expected "Inbound" or "Outbound", got Up'
cp "$tmp/good.json" "$cfg"
python3 - "$cfg" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
[r for r in d['firewall']['rulesets'] if r['name'] == 'sshServer'][0]['allowed_ip'] = ['203.0.113.0/24', '203.0.113.0/24']
json.dump(d, open(sys.argv[1], 'w'), indent=2)
EOF
refused_file 'firewall.rulesets\[0\] (sshServer).allowed_ip\[1\]: 203.0.113.0/24 is already in the list'
cp "$tmp/good.json" "$cfg"
python3 - "$cfg" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
del d['firewall']
json.dump(d, open(sys.argv[1], 'w'), indent=2)
EOF
start
ok $FW get | grep -q '^   Enabled: false$' || fail "a file without a firewall section runs the default"
stop
echo "test_vmkcli_firewall: all checks passed"
