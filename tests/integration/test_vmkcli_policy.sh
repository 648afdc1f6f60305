#!/usr/bin/env bash
# Objective: the vSwitch and port-group policies through vmkcli against a
# running vmknetd. `policy security|failover|shaping get|set` work for a
# vSwitch and for a port group (overrides, --use-vswitch back to inherit),
# in table form (esxcli's "Field: value" lines) and json; every documented
# error (bad boolean, unknown uplink, peak below average, standby without
# active, --use-vswitch with other options, a flag on a vSwitch) is refused
# with the reason and leaves the file as it was; removing an uplink takes it
# out of the failover orders; the policies survive a restart.
set -euo pipefail
cd "$(dirname "$0")/../.."
VMKD_NAME=vmkcli-pol
VMKD_EAL_ARGS=(--vdev net_null0 --vdev net_null1)
VMKD_STOP_CHECK_SOCK=1
. tests/integration/lib/vmknetd.sh
mkdir -p "$tmp/etc"
start
VS="network vswitch standard"
ok $VS uplink add -u vmnic0 -v vSwitch0
ok $VS uplink add -u vmnic1 -v vSwitch0

echo "== security"
ok $VS policy security get -v vSwitch0 | tee "$tmp/out"
diff -u <(printf '   Allow Promiscuous: false\n   Allow MAC Address Change: true\n   Allow Forged Transmits: true\n') "$tmp/out" \
	|| fail "vSwitch security defaults"
ok $VS policy security set -v vSwitch0 --allow-promiscuous=true -m false
ok --formatter=json $VS policy security get --vswitch-name vSwitch0 | tee "$tmp/out"
json_check "assert d=={'AllowPromiscuous':True,'AllowMACAddressChange':False,'AllowForgedTransmits':True}, d" <"$tmp/out"
ok $VS portgroup policy security set -p "VM Network" -o false --allow-forged-transmits no
ok $VS portgroup policy security get -p "VM Network" | tee "$tmp/out"
grep -q '^   Allow Promiscuous: false$' "$tmp/out" && grep -q '^   Allow MAC Address Change: false$' "$tmp/out" \
	&& grep -q '^   Allow Forged Transmits: false$' "$tmp/out" \
	&& grep -q '^   Override Vswitch Promiscuous: true$' "$tmp/out" \
	&& grep -q '^   Override Vswitch MAC Address Change: false$' "$tmp/out" \
	&& grep -q '^   Override Vswitch Forged Transmits: true$' "$tmp/out" || fail "port group security"
json_check "p=[g for g in d['vswitches'][0]['portgroups'] if g['name']=='VM Network'][0]; assert p['policy']=={'security':{'allow_promiscuous':False,'allow_forged_transmits':False}}, p; m=[g for g in d['vswitches'][0]['portgroups'] if g['name']=='Management Network'][0]; assert 'policy' not in m" <"$cfg"
ok $VS portgroup policy security set -p "VM Network" --use-vswitch
ok --formatter=json $VS portgroup policy security get -p "VM Network" | tee "$tmp/out"
json_check "assert d['AllowPromiscuous'] and not d['OverrideVswitchPromiscuous'] and not d['OverrideVswitchForgedTransmits'], d" <"$tmp/out"

echo "== failover"
ok $VS policy failover get -v vSwitch0 | tee "$tmp/out"
diff -u <(printf '   Load Balancing: srcport\n   Network Failure Detection: link\n   Notify Switches: true\n   Failback: true\n   Active Adapters: vmnic0, vmnic1\n   Standby Adapters: \n   Unused Adapters: \n') "$tmp/out" \
	|| fail "vSwitch failover defaults"
ok $VS policy failover set -v vSwitch0 -a vmnic1 -s vmnic0 -l iphash -f link -n false -b true
ok --formatter=json $VS policy failover get -v vSwitch0 | tee "$tmp/out"
json_check "assert d=={'LoadBalancing':'iphash','NetworkFailureDetection':'link','NotifySwitches':False,'Failback':True,'ActiveAdapters':['vmnic1'],'StandbyAdapters':['vmnic0'],'UnusedAdapters':[]}, d" <"$tmp/out"
ok $VS portgroup policy failover set -p "VM Network" --active-uplinks=vmnic0 --load-balancing=explicit --failback=false
ok $VS portgroup policy failover get -p "VM Network" | tee "$tmp/out"
grep -q '^   Load Balancing: explicit$' "$tmp/out" && grep -q '^   Active Adapters: vmnic0$' "$tmp/out" \
	&& grep -q '^   Unused Adapters: vmnic1$' "$tmp/out" && grep -q '^   Failback: false$' "$tmp/out" \
	&& grep -q '^   Notify Switches: false$' "$tmp/out" \
	&& grep -q '^   Override Vswitch Uplinks: true$' "$tmp/out" || fail "port group failover"
ok --formatter=json $VS portgroup policy failover get -p "Management Network" | tee "$tmp/out"
json_check "assert d['LoadBalancing']=='iphash' and d['OverrideVswitchLoadBalancing'] is False, d" <"$tmp/out"
ok --formatter=csv $VS policy failover get -v vSwitch0 | tee "$tmp/out"
head -n 1 "$tmp/out" | grep -q '^LoadBalancing,NetworkFailureDetection,NotifySwitches,Failback,ActiveAdapters,StandbyAdapters,UnusedAdapters$' || fail "failover csv"
ok --formatter=keyvalue $VS policy failover get -v vSwitch0 | grep -q '^FailoverPolicy.NotifySwitches.boolean=false$' || fail "failover keyvalue"

echo "== shaping"
ok $VS policy shaping get -v vSwitch0 | tee "$tmp/out"
diff -u <(printf '   Enabled: false\n   Average Bandwidth: 100000 Kbps\n   Peak Bandwidth: 100000 Kbps\n   Burst Size: 102400 Kbytes\n') "$tmp/out" \
	|| fail "vSwitch shaping defaults"
ok $VS policy shaping set -v vSwitch0 -e true -k 50000 -t 80000 -b 200
ok --formatter=json $VS policy shaping get -v vSwitch0 | tee "$tmp/out"
json_check "assert d=={'Enabled':True,'AverageBandwidth':50000,'PeakBandwidth':80000,'BurstSize':200}, d" <"$tmp/out"
ok $VS portgroup policy shaping set -p "VM Network" --enabled=true --avg-bandwidth=1000 --peak-bandwidth=1000 --burst-size=64
ok $VS portgroup policy shaping get -p "VM Network" | tee "$tmp/out"
grep -q '^   Average Bandwidth: 1000 Kbps$' "$tmp/out" && grep -q '^   Burst Size: 64 Kbytes$' "$tmp/out" \
	&& grep -q '^   Override Vswitch Shaping: true$' "$tmp/out" || fail "port group shaping"

echo "== every documented error"
refused 2 'expected a boolean' $VS policy security set -v vSwitch0 -p maybe
refused 2 'expected a boolean' $VS portgroup policy shaping set -p "VM Network" -e 2
refused 2 'expected an integer' $VS policy shaping set -v vSwitch0 -k fast
refused 2 'takes no value' $VS portgroup policy security set -p "VM Network" --use-vswitch=true
refused 2 'missing required parameter -v|--vswitch-name' $VS policy security get
refused 2 'missing required parameter -p|--portgroup-name' $VS portgroup policy failover get
refused 2 'unknown option or argument "-u"' $VS policy shaping set -v vSwitch0 -u
refused 1 'no vSwitch named "nope"' $VS policy failover get -v nope
refused 1 'no port group named "nope"' $VS portgroup policy shaping get -p nope
refused 1 'nothing to set' $VS policy security set -v vSwitch0
refused 1 'nothing to set' $VS portgroup policy failover set -p "VM Network"
refused 1 'vmnic7 is not an uplink of vSwitch0' $VS policy failover set -v vSwitch0 -a vmnic7
refused 1 'vmnic0 is listed twice' $VS policy failover set -v vSwitch0 -a vmnic0,vmnic0
refused 1 'both active and standby' $VS policy failover set -v vSwitch0 -a vmnic0 -s vmnic0
refused 1 'need at least one active uplink' $VS policy failover set -v vSwitch0 -a "" -s vmnic0
refused 1 'invalid load balancing "rr"' $VS policy failover set -v vSwitch0 -l rr
refused 1 'invalid failure detection "arp": use link' $VS portgroup policy failover set -p "VM Network" -f arp
refused 1 'peak bandwidth 10 Kbps is below the average bandwidth 50000 Kbps' $VS policy shaping set -v vSwitch0 -t 10
refused 1 'average bandwidth (Kbps) 0 is out of range' $VS policy shaping set -v vSwitch0 -k 0
refused 1 'burst size (KB) 1 is out of range' $VS portgroup policy shaping set -p "VM Network" -b 1
refused 1 'cannot be combined with -k|--avg-bandwidth' $VS portgroup policy shaping set -p "VM Network" -u -k 5

echo "== removing an uplink takes it out of the failover orders"
ok $VS uplink remove -u vmnic1 -v vSwitch0
ok --formatter=json $VS policy failover get -v vSwitch0 | tee "$tmp/out"
json_check "assert d['ActiveAdapters']==['vmnic0'] and d['StandbyAdapters']==[], d" <"$tmp/out"
ok $VS uplink add -u vmnic1 -v vSwitch0
ok $VS policy failover set -v vSwitch0 -s vmnic1
ok --formatter=json $VS policy failover get -v vSwitch0 | json_check "assert d['ActiveAdapters']==['vmnic0'] and d['StandbyAdapters']==['vmnic1'], d"

echo "== a restart keeps every policy"
for what in security failover shaping; do
	cli --formatter=json $VS policy $what get -v vSwitch0 >"$tmp/vs.$what"
	cli --formatter=json $VS portgroup policy $what get -p "VM Network" >"$tmp/pg.$what"
done
stop
start
for what in security failover shaping; do
	cmp "$tmp/vs.$what" <(cli --formatter=json $VS policy $what get -v vSwitch0) || fail "vSwitch $what differs after restart"
	cmp "$tmp/pg.$what" <(cli --formatter=json $VS portgroup policy $what get -p "VM Network") || fail "port group $what differs after restart"
done
ok $VS portgroup policy shaping set -p "VM Network" -u
ok $VS portgroup policy failover set -p "VM Network" --use-vswitch
json_check "p=[g for g in d['vswitches'][0]['portgroups'] if g['name']=='VM Network'][0]; assert 'policy' not in p, p" <"$cfg"
stop
echo "test_vmkcli_policy: all checks passed"
