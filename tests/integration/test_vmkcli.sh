#!/usr/bin/env bash
# Objective: vmkcli drives a running vmknetd end to end. Every command works
# in table and json form (csv and keyvalue too); every documented error is
# refused with exit status 1 (or 2 for bad usage), a reason on stderr, and
# neither the running state nor the saved file changes; the control socket
# is mode 0600 and answers malformed and oversized requests with an error
# without disturbing other requests; 20 concurrent vmkcli calls all succeed
# and leave a valid file; SIGTERM stops cleanly, a restart (also after
# SIGKILL right after a change) comes back to exactly the same state; a
# corrupt or invalid file is refused, named, and kept byte for byte; with a
# worker lcore an uplink forwards (its NIC counts packets).
set -euo pipefail
cd "$(dirname "$0")/../.."
VMKD_NAME=vmkcli-test
VMKD_EAL_ARGS=(--vdev net_null0 --vdev net_null1)
VMKD_STOP_CHECK_SOCK=1
. tests/integration/lib/vmknetd.sh

mkdir -p "$tmp/etc"

echo "== first start: built-in default configuration"
start
[ "$(stat -c %a "$sock")" = 600 ] || fail "socket mode is $(stat -c %a "$sock"), want 600"
[ -f "$cfg" ] || fail "default configuration not saved"
ok network vswitch standard list | tee "$tmp/out"
grep -q '^vSwitch0$' "$tmp/out" || fail "no vSwitch0 block"
grep -q '^   MTU: 1500$' "$tmp/out" || fail "no MTU line"
grep -q '^   Portgroups: Management Network, VM Network$' "$tmp/out" || fail "default port groups"
ok network vswitch standard portgroup list | tee "$tmp/out"
head -n 1 "$tmp/out" | grep -q '^Name  *Virtual Switch  Active Clients  VLAN ID$' || fail "portgroup header"
grep -q '^Management Network  *vSwitch0  *1  *0$' "$tmp/out" || fail "Management Network row (vmk0 is its client)"
ok network nic list | tee "$tmp/out"
head -n 1 "$tmp/out" | grep -q '^Name    PCI Device  Driver  *Admin Status  Link Status  Speed  Duplex  MAC Address  *MTU  *Description  *Beacon Status$' \
	|| fail "nic list header"
grep -q '^vmnic0  net_null0 ' "$tmp/out" || fail "vmnic0 row"
grep -q '^vmnic1  net_null1 ' "$tmp/out" || fail "vmnic1 row"

echo "== help"
cli --help | grep -q 'network' || fail "--help lists network"
cli network | grep -q 'vswitch' || fail "network lists vswitch"
cli network vswitch standard --help | tee "$tmp/out"
grep -q '^Available Namespaces:' "$tmp/out" && grep -q '^  portgroup ' "$tmp/out" \
	&& grep -q '^  uplink ' "$tmp/out" && grep -q '^Available Commands:' "$tmp/out" \
	&& grep -q '^  add ' "$tmp/out" || fail "standard namespace help"
cli network vswitch standard portgroup set --help | grep -q -- '-v|--vlan-id' || fail "command help"
cli network nic stats get -h | grep -q -- '-n|--nic-name' || fail "nic stats help"

echo "== every command, table and json"
ok network vswitch standard add -v vSwitch1 -m 9000 -P 128
ok network vswitch standard add --vswitch-name=vSwitch2
ok network vswitch standard set -v vSwitch2 --mtu 1600
ok network vswitch standard set --vswitch-name vSwitch2 -P 512 -m 1700
ok network vswitch standard portgroup add -p vMotion -v vSwitch1
ok network vswitch standard portgroup add --portgroup-name "Storage Network" --vswitch-name vSwitch1
ok network vswitch standard portgroup set -p vMotion -v 20
ok network vswitch standard portgroup set --portgroup-name "Storage Network" --vlan-id 4095
ok network vswitch standard uplink add -u vmnic0 -v vSwitch1
ok network vswitch standard uplink add --uplink-name vmnic1 --vswitch-name vSwitch2
ok network vswitch standard uplink remove -u vmnic1 -v vSwitch2
ok network vswitch standard portgroup add -p Temp -v vSwitch2
ok network vswitch standard portgroup remove -p Temp -v vSwitch2
ok network vswitch standard remove -v vSwitch2
ok network vswitch standard add -v vSwitch2
ok network vswitch standard set -v vSwitch1 -c both
ok network vswitch standard set --vswitch-name vSwitch2 --cdp-status=advertise
ok network vswitch standard set -v vSwitch2 --cdp-status down -m 1500
python3 -c 'import json,sys; d={v["name"]:v for v in json.load(open(sys.argv[1]))["vswitches"]}; assert d["vSwitch1"]["cdp_status"]=="both" and d["vSwitch2"]["cdp_status"]=="down" and d["vSwitch0"]["cdp_status"]=="listen", d' "$cfg" \
	|| fail "CDP status not in the configuration file"

ok network vswitch standard list | tee "$tmp/out"
grep -q '^vSwitch1$' "$tmp/out" && grep -q '^   MTU: 9000$' "$tmp/out" \
	&& grep -q '^   Configured Ports: 128$' "$tmp/out" && grep -q '^   Uplinks: vmnic0$' "$tmp/out" \
	&& grep -q '^   Portgroups: vMotion, Storage Network$' "$tmp/out" || fail "vSwitch1 block"
# esxcli's fields in esxcli's order, then vmknet's own.
awk '/^vSwitch0$/ { on = 1; next } /^$/ { on = 0 } on' "$tmp/out" | sed 's/:.*//' | tr '\n' '|' >"$tmp/fields"
[ "$(cat "$tmp/fields")" = "   Name|   Class|   Num Ports|   Used Ports|   Configured Ports|   MTU|   CDP Status|   Beacon Enabled|   Beacon Interval|   Beacon Threshold|   Beacon Required By|   Uplinks|   Portgroups|   MAC Table Size|   MAC Aging Time|   Beacon Failed Uplinks|" ] \
	|| fail "vswitch list fields: $(cat "$tmp/fields")"
grep -q '^   Class: etherswitch$' "$tmp/out" && grep -q '^   CDP Status: listen$' "$tmp/out" \
	&& grep -q '^   CDP Status: both$' "$tmp/out" && grep -q '^   Beacon Enabled: false$' "$tmp/out" \
	&& grep -q '^   Beacon Interval: 1$' "$tmp/out" && grep -q '^   Beacon Threshold: 3$' "$tmp/out" \
	&& grep -q '^   Beacon Required By: $' "$tmp/out" || fail "vswitch list CDP and beacon fields"
ok --formatter=json network vswitch standard list | tee "$tmp/out"
json_check "c={v['Name']:v['CDPStatus'] for v in d}; assert c=={'vSwitch0':'listen','vSwitch1':'both','vSwitch2':'down'}, c; assert d[0]['Class']=='etherswitch' and d[0]['BeaconEnabled'] is False and d[0]['BeaconInterval']==1 and d[0]['BeaconThreshold']==3 and d[0]['BeaconRequiredBy']==[], d[0]" <"$tmp/out"
json_check "s=[v for v in d if v['Name']=='vSwitch1'][0]; assert s['MTU']==9000 and s['Uplinks']==['vmnic0'] and s['ConfiguredPorts']==128 and s['UsedPorts']==1, s; assert [v['Name'] for v in d]==['vSwitch0','vSwitch1','vSwitch2']" <"$tmp/out"
ok network vswitch standard portgroup list | tee "$tmp/out"
grep -q '^vMotion  *vSwitch1  *0  *20$' "$tmp/out" || fail "vMotion row"
grep -q '^Storage Network  *vSwitch1  *0  *4095$' "$tmp/out" || fail "Storage row"
ok --formatter json network vswitch standard portgroup list | tee "$tmp/out"
json_check "r={p['Name']:p for p in d}; assert r['vMotion']=={'Name':'vMotion','VirtualSwitch':'vSwitch1','ActiveClients':0,'VLANID':20}, r; assert len(d)==4" <"$tmp/out"
ok --formatter=csv network vswitch standard portgroup list | tee "$tmp/out"
head -n 1 "$tmp/out" | grep -q '^Name,VirtualSwitch,ActiveClients,VLANID$' || fail "csv header"
grep -q '^vMotion,vSwitch1,0,20$' "$tmp/out" || fail "csv row"
ok --formatter=keyvalue network vswitch standard list | tee "$tmp/out"
grep -q '^VirtualSwitch.Uplinks.string\[\]=vmnic0$' "$tmp/out" || fail "keyvalue list"
grep -q '^VirtualSwitch.MTU.integer=9000$' "$tmp/out" || fail "keyvalue int"
# xml in esxcli's shape: <output xmlns=...><root><list type="structure">,
# one <structure typeName=...> per record, typed field values.
xml_check() {
	python3 -c '
import sys, xml.etree.ElementTree as ET
ns = {"e": "http://www.vmware.com/Products/ESX/5.0/esxcli"}
root = ET.parse(sys.stdin).getroot()
assert root.tag == "{%s}output" % ns["e"], root.tag
def val(f):
    v = f[0]
    t = v.tag.split("}")[1]
    if t == "list": return [x.text or "" for x in v]
    if t == "integer": return int(v.text)
    if t == "boolean": return v.text == "true"
    return v.text or ""
recs = [{f.get("name"): val(f) for f in st.findall("e:field", ns)}
        for st in root.iter("{%s}structure" % ns["e"])]
lists = root.findall("e:root/e:list", ns)
'"$1"
}
ok --formatter=xml network vswitch standard list | tee "$tmp/out"
xml_check "assert lists and lists[0].get('type')=='structure'; s=[r for r in recs if r['Name']=='vSwitch1'][0]; assert s['MTU']==9000 and s['Uplinks']==['vmnic0'], s; assert [r['Name'] for r in recs]==['vSwitch0','vSwitch1','vSwitch2']" <"$tmp/out" || fail "xml list"
ok --formatter xml network vswitch standard portgroup list | tee "$tmp/out"
xml_check "r={p['Name']:p for p in recs}; assert r['vMotion']=={'Name':'vMotion','VirtualSwitch':'vSwitch1','ActiveClients':0,'VLANID':20}, r" <"$tmp/out" || fail "xml portgroups"
ok network nic list | grep -q '^vmnic0 .* Up  ' || fail "vmnic0 admin Up as an uplink"

echo "== completion: the command tree, options, values and the daemon's names"
comp() { VMKCLI_CONTROL=$sock "$CLI" --complete "$@"; }
[ "$(comp network vswitch standard portgroup "" | tr '\n' ' ')" = "add list remove set policy " ] ||
	fail "portgroup commands: $(comp network vswitch standard portgroup "")"
comp network vswitch standard portgroup add -p Temp2 "" | grep -qx -- '--vswitch-name' || fail "options"
[ "$(comp network vswitch standard set -v vSwitch0 -c "" | tr '\n' ' ')" = "down listen advertise both " ] ||
	fail "cdp-status values: $(comp network vswitch standard set -v vSwitch0 -c "")"
[ "$(comp network nic "" | tr '\n' ' ')" = "list get set down up stats " ] ||
	fail "nic commands: $(comp network nic "")"
comp network vswitch standard portgroup add -p Temp2 "" | grep -q -- '--portgroup-name' &&
	fail "an option already given is offered again"
[ "$(comp network vswitch standard portgroup add -v "" | tr '\n' ' ')" = "vSwitch0 vSwitch1 vSwitch2 " ] ||
	fail "vSwitch names: $(comp network vswitch standard portgroup add -v "")"
comp network vswitch standard portgroup remove -v vSwitch1 -p St | grep -qx 'Storage Network' ||
	fail "port group names from the daemon"
[ "$(comp network ip interface ipv4 get -i "" | head -n 1)" = vmk0 ] || fail "interface names"
comp --formatter "" | grep -qx xml || fail "formatters"
[ "$(comp network nioc class set -t "" | head -n 2 | tr '\n' ' ')" = "management vMotion " ] ||
	fail "traffic class names: $(comp network nioc class set -t "")"
[ "$(comp network nioc class set -t vMotion --shares "" | tr '\n' ' ')" = "low normal high " ] ||
	fail "shares levels: $(comp network nioc class set -t vMotion --shares "")"
[ -z "$(comp network bogus "")" ] || fail "an unknown word completes to something"
# bash's own completion, through the installed file: a name with a space is quoted.
out=$(VMKCLI_CONTROL=$sock bash -c '. examples/vmkcli/vmkcli.bash-completion
	COMP_WORDS=("$1" network vswitch standard portgroup remove -v vSwitch1 -p St); COMP_CWORD=9
	_vmkcli; printf "%s\n" "${COMPREPLY[@]}"' _ "$CLI")
[ "$out" = 'Storage\ Network' ] || fail "bash completion of a port group with a space: '$out'"
ok --formatter=json network nic list | tee "$tmp/out"
json_check "assert [n['Name'] for n in d]==['vmnic0','vmnic1'] and d[0]['AdminStatus']=='Up' and d[1]['AdminStatus']=='Down' and d[0]['Driver']=='net_null'" <"$tmp/out"
ok network nic stats get -n vmnic0 | tee "$tmp/out"
grep -q '^NIC statistics for vmnic0$' "$tmp/out" && grep -q '^   Packets received: [0-9]*$' "$tmp/out" \
	|| fail "nic stats block"
ok --formatter=json network nic stats get --nic-name vmnic1 | tee "$tmp/out"
json_check "assert d['NICName']=='vmnic1' and d['Packetsreceived']==0 and 'Totaltransmiterrors' in d" <"$tmp/out"
json_check "v=[s for s in d['vswitches'] if s['name']=='vSwitch1'][0]; assert v['mtu']==9000 and v['ports']==128 and v['uplinks']==['vmnic0'] and {'name':'vMotion','vlan_id':20} in v['portgroups']" <"$cfg"

echo "== every documented error"
refused 1 'already exists' network vswitch standard add -v vSwitch1
refused 1 'MTU 100 is out of range' network vswitch standard add -v vSwitchX -m 100
refused 1 'out of range' network vswitch standard add -v vSwitchX -P 4
refused 1 '1..31 bytes' network vswitch standard add -v vSwitch_with_a_name_far_too_long_x
refused 1 'no vSwitch named "nope"' network vswitch standard remove -v nope
refused 1 'no vSwitch named' network vswitch standard set -v nope -m 1500
refused 1 'nothing to set' network vswitch standard set -v vSwitch1
refused 1 'MTU 9001 is out of range' network vswitch standard set -v vSwitch1 -m 9001
refused 1 'fixed when it is created' network vswitch standard set -v vSwitch1 -P 256
refused 1 'invalid CDP status "sometimes": use down, listen, advertise or both' network vswitch standard set -v vSwitch1 -c sometimes
refused 1 'invalid CDP status "Both"' network vswitch standard set -v vSwitch1 --cdp-status Both
refused 1 'already exists on vSwitch0' network vswitch standard portgroup add -p "VM Network" -v vSwitch1
refused 1 'no vSwitch named' network vswitch standard portgroup add -p New -v nope
refused 1 'no port group named "nope" on vSwitch1' network vswitch standard portgroup remove -p nope -v vSwitch1
refused 1 'no port group named "vMotion" on vSwitch0' network vswitch standard portgroup remove -p vMotion -v vSwitch0
refused 1 'no port group named' network vswitch standard portgroup set -p nope -v 10
refused 1 'VLAN ID 4096 is out of range' network vswitch standard portgroup set -p vMotion --vlan-id 4096
refused 1 'VLAN ID -1 is out of range' network vswitch standard portgroup set -p vMotion --vlan-id -1
refused 1 'no NIC named "vmnic9"' network vswitch standard uplink add -u vmnic9 -v vSwitch1
refused 1 'already an uplink of vSwitch1' network vswitch standard uplink add -u vmnic0 -v vSwitch1
refused 1 'remove it there first' network vswitch standard uplink add -u vmnic0 -v vSwitch0
refused 1 'is not an uplink of vSwitch0' network vswitch standard uplink remove -u vmnic0 -v vSwitch0
refused 1 'no NIC named "vmnic9"' network nic stats get -n vmnic9
refused 2 'missing required parameter -v|--vswitch-name' network vswitch standard add
refused 2 'missing required parameter -v|--vlan-id' network vswitch standard portgroup set -p vMotion
refused 2 'expected an integer' network vswitch standard add -v vSwitchX -m abc
refused 2 'unknown option or argument "--bogus"' network vswitch standard list --bogus
refused 2 'given twice' network vswitch standard add -v a -v b
refused 2 'unknown command or namespace: network vswitch nope' network vswitch nope
refused 2 'unknown formatter' --formatter=yaml network nic list
refused 1 'is vmknetd running' --control "$tmp/no-such.sock" network nic list

echo "== control socket: malformed and oversized requests"
python3 - "$sock" <<'EOF' || fail "raw socket checks"
import json, socket, sys
def call(data):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    try:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
    except (BrokenPipeError, ConnectionResetError):
        pass
    out = b""
    while True:
        c = s.recv(65536)
        if not c:
            break
        out += c
    return json.loads(out)
r = call(b"this is not json\n"); assert not r["ok"] and "malformed" in r["error"], r
r = call(b'{"op": 5}\n'); assert not r["ok"] and "malformed" in r["error"], r
r = call(b'{"op": "no.such"}\n'); assert not r["ok"] and "unknown operation" in r["error"], r
r = call(b'{"op": "vswitch.add", "args": {"vswitch_name": 7}}\n'); assert not r["ok"] and "string" in r["error"], r
r = call(b'{"op":"vswitch.add","args":{"vswitch_name":"' + b"x" * 300000 + b'"}}\n')
assert not r["ok"] and "too large" in r["error"], r
r = call(b'{"op": "nic.list"}\n'); assert r["ok"] and len(r["result"]) == 2, r
r = call(b'{"op": "config.get"}\n'); assert r["ok"] and r["result"]["schema_version"] == 1, r
bad = r["result"]; bad["vswitches"][0]["mtu"] = 100
r2 = call(json.dumps({"op": "config.set", "args": {"config": bad}}).encode() + b"\n")
assert not r2["ok"] and "mtu: 100 is out of range" in r2["error"], r2
print("raw socket checks passed")
EOF
ok network vswitch standard list | grep -q '^   MTU: 1500$' || fail "refused config.set changed the MTU"

echo "== 20 concurrent vmkcli calls"
before=$(cli --formatter=json network vswitch standard portgroup list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
pids=()
for i in $(seq 1 20); do
	cli network vswitch standard portgroup add -p "PG$i" -v vSwitch2 >"$tmp/par$i.out" 2>&1 &
	pids+=($!)
done
for i in $(seq 1 20); do
	wait "${pids[$((i - 1))]}" || fail "concurrent call $i failed: $(cat "$tmp/par$i.out")"
done
after=$(cli --formatter=json network vswitch standard portgroup list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$after" -eq $((before + 20)) ] || fail "after 20 concurrent adds: $after port groups, want $((before + 20))"
json_check "v=[s for s in d['vswitches'] if s['name']=='vSwitch2'][0]; assert len(v['portgroups'])==20" <"$cfg"

echo "== SIGTERM, restart: same state"
cli --formatter=json network vswitch standard list >"$tmp/vs.before"
cli --formatter=json network vswitch standard portgroup list >"$tmp/pg.before"
sum_before=$(sha256sum <"$cfg")
stop
grep -q 'vmknetd: stopping' "$log" || fail "no clean stop message"
start
cmp "$tmp/vs.before" <(cli --formatter=json network vswitch standard list) || fail "vSwitches differ after restart"
cmp "$tmp/pg.before" <(cli --formatter=json network vswitch standard portgroup list) || fail "port groups differ after restart"
[ "$sum_before" = "$(sha256sum <"$cfg")" ] || fail "the file changed across a restart"

echo "== SIGKILL right after a change loses nothing"
ok network vswitch standard portgroup add -p AfterKill -v vSwitch0
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
pid=
[ -S "$sock" ] || fail "expected a stale socket after SIGKILL"
start
cli network vswitch standard portgroup list | grep -q '^AfterKill  *vSwitch0 ' || fail "change lost by SIGKILL"
ls "$tmp/etc" | grep -q '\.tmp\.' && fail "temporary file left in the config directory"
stop

echo "== corrupt and invalid files are refused and kept"
good=$(cat "$cfg")
printf '{"schema_version": 1, "host": {"name": "h"}, "vswitches": [\n  {"name": "vSwitch0",' >"$cfg"
refused_file 'malformed JSON at line 2'
printf '' >"$cfg"
refused_file 'the document is empty'
echo "$good" | python3 -c 'import json,sys; d=json.load(sys.stdin); d["vswitches"][0]["portgroups"][0]["vlan_id"]=5000; print(json.dumps(d))' >"$cfg"
refused_file 'vlan_id: 5000 is out of range 0..4095'
echo "$good" | python3 -c 'import json,sys; d=json.load(sys.stdin); d["schema_version"]=2; print(json.dumps(d))' >"$cfg"
refused_file 'schema_version: 2 is not supported'
echo "$good" | python3 -c 'import json,sys; d=json.load(sys.stdin); d["vswitches"][1]["uplinks"]=["vmnic7"]; print(json.dumps(d))' >"$cfg"
refused_file 'no NIC named vmnic7'
echo "$good" | python3 -c 'import json,sys; d=json.load(sys.stdin); d["vswitches"][1]["cdp_status"]="loud"; print(json.dumps(d))' >"$cfg"
refused_file 'cdp_status: expected "down", "listen", "advertise" or "both"'
echo "$good" >"$cfg"

echo "== a worker lcore forwards: an uplink's NIC counts packets"
start 0-1
grep -q 'one worker lcore' "$log" || fail "no worker started with -l 0-1"
sleep 0.5
rx=$(cli --formatter=json network nic stats get -n vmnic0 | python3 -c 'import json,sys; print(json.load(sys.stdin)["Packetsreceived"])')
[ "$rx" -gt 0 ] || fail "uplink vmnic0 received nothing with a worker running"
stop
echo "test_vmkcli: all checks passed"
