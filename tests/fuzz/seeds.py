#!/usr/bin/env python3
"""Writes the seed corpora of the harnesses whose inputs are binary layouts
(tests/fuzz/corpus/vring/): the cases of tests/unit/test_vring.c in the
layout fuzz_vring.c reads. Run from the repository root; the output is
committed, so this only needs running again when a layout changes."""
import os
import struct

GPA = 0x10000
R0 = 40 << 10
F_NEXT, F_WRITE, F_INDIRECT = 1, 2, 4


def vring_seed(name, qlog, flags, ops, descs, avail, bufs, last=(0, 0), max_frame=16384,
               avail_flags=0, used_event=0):
    q = 1 << qlog
    hdr = bytes([qlog, flags]) + struct.pack('<HHH', last[0], last[1], max_frame - 64)
    o = b''
    for op, arg in ops:
        o += bytes([op, arg])
    hdr += (o + b'\0' * 8)[:8] + b'\0\0'
    avail_off = 16 * q
    used_off = (avail_off + 6 + 2 * q + 3) & ~3
    img = bytearray(max(used_off + 6 + 8 * q, max([off + len(b) for off, b in bufs] or [0])))
    for i, (addr, ln, fl, nx) in descs.items():
        img[16 * i:16 * i + 16] = struct.pack('<QIHH', addr, ln, fl, nx)
    struct.pack_into('<HH', img, avail_off, avail_flags, (last[0] + len(avail)) & 0xffff)
    for k, head in enumerate(avail):
        struct.pack_into('<H', img, avail_off + 4 + 2 * ((last[0] + k) % q), head)
    struct.pack_into('<H', img, avail_off + 4 + 2 * q, used_event)
    for off, b in bufs:
        img[off:off + len(b)] = b
    os.makedirs('tests/fuzz/corpus/vring', exist_ok=True)
    with open('tests/fuzz/corpus/vring/' + name, 'wb') as f:
        f.write(hdr + bytes(img))


def frame(n, seed=1):
    return bytes((i * 13 + seed) & 0xff for i in range(n))


B = 1024  # buffers from 1 KB on, well after the rings of a 16-entry queue
# guest tx: header and frame in one descriptor (mergeable header, 12 bytes)
vring_seed('tx-one-descriptor', 4, 1 | 2, [(0, 3)], {0: (GPA + B, 12 + 60, 0, 0)}, [0],
           [(B, b'\xee' * 12 + frame(60))])
# guest tx: legacy 10-byte header alone, then a chain of two data buffers
vring_seed('tx-header-alone-chain', 4, 0, [(0, 3)],
           {5: (GPA + B, 10, F_NEXT, 9), 9: (GPA + B + 64, 100, F_NEXT, 3),
            3: (GPA + B + 256, 200, 0, 0)}, [5],
           [(B + 64, frame(100, 7)), (B + 256, frame(200, 8))])
# guest tx: an indirect table of three descriptors
ind = struct.pack('<QIHH', GPA + B, 12, F_NEXT, 1) + struct.pack('<QIHH', GPA + B + 64, 40, F_NEXT, 2) \
    + struct.pack('<QIHH', GPA + B + 128, 24, 0, 0)
vring_seed('tx-indirect', 4, 1, [(0, 1)], {7: (GPA + 4 * B, 48, F_INDIRECT, 0)}, [7],
           [(4 * B, ind), (B + 64, frame(40, 3)), (B + 128, frame(24, 4))])
# guest tx: a jumbo frame across the two memory regions
vring_seed('tx-jumbo-across-regions', 4, 1 | 2, [(0, 0)],
           {0: (GPA + R0 - 4000, 12 + 9000, 0, 0)}, [0], [])
# guest tx: a descriptor loop and an address outside guest memory, then a good one
vring_seed('tx-loop-and-outside', 4, 1, [(0, 7), (2 | 4, 0), (0, 7)],
           {0: (GPA + B, 12, F_NEXT, 1), 1: (GPA + B, 64, F_NEXT, 0),
            2: (0x7fff0000, 72, 0, 0), 3: (GPA + B, 72, 0, 0)}, [0, 2, 3], [])
# guest rx: single writable buffers, interrupts wanted
vring_seed('rx-buffers', 4, 1 | 8, [(1, 0x11), (1, 0x05)],
           {i: (GPA + B + 2048 * i, 2048, F_WRITE, 0) for i in range(8)}, list(range(8)), [])
# guest rx: mergeable buffers take a jumbo frame, event index
vring_seed('rx-mergeable-jumbo', 4, 1 | 2 | 4 | 8, [(1, 0xf8), (1, 0x08)],
           {i: (GPA + B + 1536 * i, 1536, F_WRITE, 0) for i in range(16)}, list(range(16)), [],
           used_event=1)
# guest rx: legacy header in its own descriptor, then data
vring_seed('rx-legacy-header-chain', 4, 0, [(1, 0x00)],
           {0: (GPA + B, 10, F_WRITE | F_NEXT, 1), 1: (GPA + B + 64, 1500, F_WRITE, 0)}, [0], [])
# indexes near the 16-bit wrap
vring_seed('tx-index-wrap', 4, 1, [(0, 3), (1, 1)],
           {0: (GPA + B, 12 + 60, 0, 0), 1: (GPA + B + 128, 2048, F_WRITE, 0)}, [0, 1],
           [(B, b'\0' * 12 + frame(60))], last=(0xfffe, 0xfffe))


# ---- netstack (fuzz_netstack.c): records [flags][len le16][Ethernet frame]
VMK_MAC, PEER_MAC = bytes([2, 0, 0, 0, 0, 1]), bytes([2, 0, 0, 0, 0, 2])
VMK_IP, PEER_IP = bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2])
FIX_IP, FIX_L4, REL, TIMERS = 1, 2, 4, 8


def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def eth(payload, etype=0x0800, dst=VMK_MAC, src=PEER_MAC):
    return dst + src + struct.pack('!H', etype) + payload


def ipv4(proto, payload, opts=b'', ident=1, frag=0x4000, src=PEER_IP, dst=VMK_IP, tot=None):
    ihl = 5 + len(opts) // 4
    h = struct.pack('!BBHHHBBH4s4s', 0x40 | ihl, 0, tot or 4 * ihl + len(payload), ident, frag, 64,
                    proto, 0, src, dst) + opts
    h = h[:10] + struct.pack('!H', csum(h)) + h[12:]
    return h + payload


def udp(sport, dport, data):
    return struct.pack('!HHHH', sport, dport, 8 + len(data), 0) + data


def tcp(sport, dport, seq, ack, flags, data=b'', opts=b'', win=65535):
    hl = 20 + len(opts)
    return struct.pack('!HHIIBBHHH', sport, dport, seq, ack, (hl // 4) << 4, flags, win, 0, 0) + opts + data


def icmp(t, code, rest):
    return bytes([t, code, 0, 0]) + rest


def rec(flags, frame, wait=0):
    return bytes([flags | (wait << 4)]) + struct.pack('<H', len(frame)) + frame


def netstack_seed(name, records):
    os.makedirs('tests/fuzz/corpus/netstack', exist_ok=True)
    with open('tests/fuzz/corpus/netstack/' + name, 'wb') as f:
        f.write(b''.join(records))


FIN, SYN, RST, PSH, ACK = 1, 2, 4, 8, 16
BC = b'\xff' * 6
arp_req = eth(struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, 1, bytes([2, 0, 0, 0, 0, 3]),
                          bytes([192, 0, 2, 3]), b'\0' * 6, VMK_IP), 0x0806, dst=BC,
              src=bytes([2, 0, 0, 0, 0, 3]))
arp_rep = eth(struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, 2, PEER_MAC, PEER_IP, VMK_MAC,
                          VMK_IP), 0x0806)
netstack_seed('arp-request-reply', [rec(0, arp_req), rec(TIMERS, arp_rep, 9)])
echo = icmp(8, 0, struct.pack('!HH', 7, 1) + frame(56))
netstack_seed('icmp-echo', [rec(FIX_IP | FIX_L4, eth(ipv4(1, echo)))])
rr = bytes([7, 11, 4]) + b'\0' * 8 + b'\0'   # record route, then end of options
netstack_seed('ipv4-options-echo', [rec(FIX_IP | FIX_L4, eth(ipv4(1, echo, opts=rr)))])
dgram = udp(5000, 9000, frame(3000))
dg = bytearray(dgram)
pseudo = PEER_IP + VMK_IP + struct.pack('!BBH', 0, 17, len(dgram))
struct.pack_into('!H', dg, 6, csum(pseudo + bytes(dg)))
netstack_seed('udp-fragments', [
    rec(0, eth(ipv4(17, bytes(dg[:1480]), ident=9, frag=0x2000))),
    rec(0, eth(ipv4(17, bytes(dg[1480:]), ident=9, frag=1480 // 8))),
    rec(TIMERS, b'', 12)])
netstack_seed('udp-fragment-timeout', [
    rec(0, eth(ipv4(17, bytes(dg[:1480]), ident=10, frag=0x2000))), rec(TIMERS, b'', 13)])
netstack_seed('udp-open-and-closed-port', [
    rec(FIX_IP | FIX_L4, eth(ipv4(17, udp(5000, 9000, b'hello')))),
    rec(FIX_IP | FIX_L4, eth(ipv4(17, udp(5000, 9001, b'nobody'))))])
F = FIX_IP | FIX_L4 | REL
netstack_seed('tcp-established-data-fin', [
    rec(F, eth(ipv4(6, tcp(40000, 8000, 0, 0, ACK | PSH, frame(1000))))),
    rec(F, eth(ipv4(6, tcp(40000, 8000, 2000, 0, ACK, frame(500))))),   # out of order
    rec(F, eth(ipv4(6, tcp(40000, 8000, 1000, 0, ACK, frame(1000))))),
    rec(F, eth(ipv4(6, tcp(40000, 8000, 2500, 0, ACK | FIN))), 6),
    rec(F | TIMERS, eth(ipv4(6, tcp(40000, 8000, 2501, 1, ACK))), 10)])
sack = bytes([1, 1, 5, 10]) + struct.pack('!II', 100, 200)
ts = bytes([1, 1, 8, 10]) + struct.pack('!II', 12345, 0)
netstack_seed('tcp-options-rst', [
    rec(F, eth(ipv4(6, tcp(40000, 8000, 0, 0, ACK, b'x', opts=sack)))),
    rec(F, eth(ipv4(6, tcp(40000, 8000, 1, 0, ACK, b'y', opts=ts)))),
    rec(F, eth(ipv4(6, tcp(40000, 8000, 2, 0, RST))))])
synopts = bytes([2, 4, 0x23, 0x28, 1, 3, 3, 14, 4, 2]) + ts[2:] + b'\0\0'
netstack_seed('tcp-new-connection', [
    rec(FIX_IP | FIX_L4, eth(ipv4(6, tcp(40001, 8000, 5000, 0, SYN, opts=synopts)))),
    rec(FIX_IP | FIX_L4 | TIMERS, b'', 8),
    rec(FIX_IP | FIX_L4, eth(ipv4(6, tcp(40002, 8001, 7000, 0, SYN)))),
    rec(FIX_IP | FIX_L4 | TIMERS, b'', 11)])
netstack_seed('tcp-retransmit-timers', [
    rec(TIMERS, b'', 10), rec(TIMERS, b'', 11), rec(TIMERS, b'', 12), rec(TIMERS, b'', 14)])


# ---- switch (fuzz_switch.c): bursts [port][n - 1][len le16, frame]...
P0, P1, P2, UP0, UP1, VMK0 = range(6)
M = [bytes([2, 0, 0, 0, 0, x]) for x in range(0x20)]
VMK0_MAC, P1_MAC = M[0x10], M[0x11]


def l2(dst, src, payload, vlan=None, etype=0x0800, pcp=0):
    tag = struct.pack('!HH', 0x8100, (pcp << 13) | vlan) if vlan is not None else b''
    return dst + src + tag + struct.pack('!H', etype) + payload


def burst(port, frames):
    return bytes([port, len(frames) - 1]) + b''.join(struct.pack('<H', len(f)) + f for f in frames)


def switch_seed(name, bursts):
    os.makedirs('tests/fuzz/corpus/switch', exist_ok=True)
    with open('tests/fuzz/corpus/switch/' + name, 'wb') as f:
        f.write(b''.join(bursts))


arp_who = l2(BC, M[1], struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, 1, M[1], bytes([192, 0, 2, 9]),
                                   b'\0' * 6, bytes([192, 0, 2, 1])), etype=0x0806)
switch_seed('access-flood-learn-unicast', [
    burst(P0, [arp_who]), burst(P2, [l2(M[1], M[2], frame(100), vlan=0)]),
    burst(P0, [l2(M[2], M[1], frame(60)), l2(VMK0_MAC, M[1], frame(80))])])
switch_seed('vlan-trunk-uplink', [
    burst(P2, [l2(BC, M[3], frame(60), vlan=10), l2(P1_MAC, M[3], frame(60), vlan=10, pcp=5),
               l2(M[4], M[3], frame(60), vlan=20), l2(M[4], M[3], frame(60), vlan=4095)]),
    burst(UP0, [l2(P1_MAC, M[5], frame(60), vlan=10), l2(BC, M[5], frame(60), vlan=10),
                l2(M[3], M[5], frame(60), vlan=20)]),
    burst(UP1, [l2(M[5], M[6], frame(60), vlan=10)])])
switch_seed('security-forged-and-bad-sources', [
    burst(P1, [l2(M[7], M[8], frame(60)), l2(M[7], P1_MAC, frame(60)),
               l2(M[7], P1_MAC, frame(60), vlan=10)]),
    burst(P0, [l2(M[7], b'\x01' + M[9][1:], frame(60)), l2(M[7], b'\0' * 6, frame(60))])])
switch_seed('jumbo-and-oversize', [
    burst(P0, [l2(BC, M[1], frame(8986)), l2(M[2], M[1], frame(9100)), l2(M[2], M[1], b'')]),
    burst(UP0, [l2(BC, M[12], frame(8986), vlan=10)])])
switch_seed('fdb-full-floods', [
    burst(P0, [l2(M[1], bytes([2, 1, 0, 0, 0, i]), frame(60)) for i in range(32)]),
    burst(P2, [l2(bytes([2, 1, 0, 0, 0, i]), M[2], frame(60), vlan=0) for i in range(32)])])
switch_seed('vmknic-to-uplink', [
    burst(VMK0, [l2(M[20], VMK0_MAC, frame(60)), l2(BC, VMK0_MAC, frame(60))]),
    burst(UP0, [l2(VMK0_MAC, M[20], frame(60))])])


# ---- session (fuzz_session.c): [config] then [op][args...]
S_REQ, S_PRODUCE, S_CONSUME, S_INDEX, S_RECORD, S_FLAGS, S_DIRTY, S_BELL, S_PEER = range(9)
OPEN, BIND, LISTEN, CONNECT, ACCEPT, SHUTDOWN, CLOSE, SETOPT, GETNAME, DETACH = range(1, 11)
TCP, UDP = 1, 2
SVMK0, SVMK1 = bytes([192, 0, 2, 1]), bytes([192, 0, 2, 3])
FD, FIX = 1, 4   # REQ flags: a socketpair end attached; slot and gen from the segment


def vreq(op, slot=0, proto=0, addr=b'\0' * 4, port=0, opt=0, value=0, v2=0, v3=0, v4=0, fl=FIX):
    return bytes([S_REQ, fl]) + struct.pack('<IIII4sHHiIII24x', op, slot, 0, proto, addr, port,
                                           opt, value, v2, v3, v4)


def s_produce(slot, n):
    return struct.pack('<BBH', S_PRODUCE, slot, n)


def s_consume(slot, n):
    return struct.pack('<BBH', S_CONSUME, slot, n)


def s_index(slot, which, v):
    return struct.pack('<BBBQ', S_INDEX, slot, which, v)


def s_record(slot, ln, addr, port, plen):
    return struct.pack('<BBI4sHH', S_RECORD, slot, ln, addr, port, plen)


def s_peer(what, port=0, n=0):
    return struct.pack('<BBHB', S_PEER, what, port, n)


PUMP = s_peer(0)


def session_seed(name, cfg, ops):
    os.makedirs('tests/fuzz/corpus/session', exist_ok=True)
    with open('tests/fuzz/corpus/session/' + name, 'wb') as f:
        f.write(bytes([cfg]) + b''.join(ops))


# cfg: slots 4 (2), ring 8192 (1 << 2), 0x10: vmknic vmk0
session_seed('tcp-open-connect-send', 0x06, [
    vreq(OPEN, proto=TCP, fl=FD), vreq(CONNECT, addr=SVMK1, port=8000), PUMP, PUMP,
    vreq(GETNAME), s_produce(0, 1000), PUMP, s_peer(2, n=4), s_consume(0, 256),
    vreq(SHUTDOWN, value=1), PUMP, vreq(CLOSE)])
session_seed('tcp-bind-listen-accept', 0x12, [
    vreq(OPEN, proto=TCP, fl=FD), vreq(BIND, port=7000), vreq(LISTEN, value=8),
    s_peer(1, 7000), PUMP, vreq(ACCEPT, fl=FD | FIX), s_peer(2, n=2), s_consume(1, 128),
    s_produce(1, 100), PUMP, vreq(GETNAME, slot=1), vreq(CLOSE, slot=1, value=1),
    vreq(ACCEPT, fl=FD | FIX), vreq(DETACH)])
session_seed('udp-open-sendto-record', 0x02, [
    vreq(OPEN, proto=UDP, fl=FD), vreq(BIND, port=9100), s_record(0, 5, SVMK1, 9000, 5), PUMP,
    vreq(CONNECT, addr=SVMK1, port=9000), s_record(0, 32, b'\0' * 4, 0, 32),
    s_peer(3, 9100, 2), s_consume(0, 200), vreq(GETNAME), vreq(SHUTDOWN, value=2),
    vreq(CLOSE)])
session_seed('tcp-options-detach-with-data', 0x06, [
    vreq(OPEN, proto=TCP, fl=FD), vreq(SETOPT, opt=1, value=1),
    vreq(SETOPT, opt=2, value=1, v2=1000, v3=500, v4=3), vreq(SETOPT, opt=3, value=1, v2=1 << 30),
    vreq(SETOPT, opt=4, value=6), vreq(CONNECT, addr=SVMK1, port=8000), PUMP,
    struct.pack('<BBBB', S_FLAGS, 0, 0, 1), s_produce(0, 8000), PUMP,
    struct.pack('<BBQ', S_DIRTY, 0, 1), struct.pack('<BBB', S_BELL, 1, 0), vreq(DETACH)])
session_seed('tcp-connect-refused', 0x00, [
    vreq(OPEN, proto=TCP, fl=FD), vreq(CONNECT, addr=SVMK1, port=8001), PUMP, PUMP,
    vreq(CONNECT, addr=SVMK1, port=8000), vreq(SHUTDOWN, value=0), vreq(CLOSE)])
session_seed('hostile-tx-tail-beyond', 0x00, [
    vreq(OPEN, proto=TCP, fl=FD), s_index(0, 0, 4097)])
session_seed('hostile-rx-head-past-tail', 0x00, [
    vreq(OPEN, proto=UDP, fl=FD), s_index(0, 1, 64)])
session_seed('hostile-udp-huge-record', 0x00, [
    vreq(OPEN, proto=UDP, fl=FD), s_record(0, 100000, SVMK1, 9000, 0)])
session_seed('hostile-garbage-request', 0x00, [bytes([S_REQ, 0]) + b'\xa5' * 64])
session_seed('hostile-short-request', 0x00, [vreq(OPEN, proto=TCP, fl=FD), bytes([S_REQ, 0]) +
                                             b'\x09' * 10])
session_seed('hostile-stray-descriptor', 0x00, [vreq(GETNAME, fl=FD)])
session_seed('open-full-table-bad-fds', 0x00, [
    vreq(OPEN, proto=TCP, fl=FD), vreq(OPEN, proto=UDP, fl=FD), vreq(OPEN, proto=TCP),
    vreq(OPEN, proto=TCP, fl=3), vreq(OPEN, proto=7, fl=FD), vreq(OPEN, proto=UDP, fl=2),
    vreq(CLOSE), vreq(CLOSE)])


# ---- dhcp (tests/fuzz/fuzz_dhcp.c): [flags][len LE16][payload] records --
def dhcp_reply(mtype, yiaddr=b'\xc6\x33\x64\x32', opts=b''):
    h = struct.pack('!BBBBIHH4s4s4s4s16s64s128sI', 2, 1, 6, 0, 0, 0, 0x8000, b'\0' * 4,
                    yiaddr, b'\0' * 4, b'\0' * 4, b'\0' * 16, b'', b'', 0x63825363)
    return h + bytes([53, 1, mtype]) + opts + b'\xff'


DHCP_LEASE = (bytes([54, 4, 198, 51, 100, 1, 1, 4, 255, 255, 255, 0, 3, 4, 198, 51, 100, 1,
                     51, 4, 0, 0, 0, 120, 58, 4, 0, 0, 0, 30, 59, 4, 0, 0, 0, 90,
                     6, 8, 198, 51, 100, 53, 198, 51, 100, 54]))


def dhcp_seed(name, records):
    os.makedirs('tests/fuzz/corpus/dhcp', exist_ok=True)
    with open('tests/fuzz/corpus/dhcp/' + name, 'wb') as f:
        for flags, payload in records:
            f.write(struct.pack('<BH', flags, len(payload)) + payload)


OFFER, ACK, NAK = (dhcp_reply(t, opts=DHCP_LEASE) for t in (2, 5, 6))
dhcp_seed('lease', [(3, OFFER), (3, ACK)])
dhcp_seed('lease-renew', [(3, OFFER), (3, ACK), (0xd3, b''), (0x13, ACK)])  # 4^13 us: past T1
dhcp_seed('lease-rebind-expire', [(3, OFFER), (3, ACK), (0xd3, b''), (0xd3, b''),
                                  (0xd3, b'')])
dhcp_seed('lease-nak', [(3, OFFER), (3, ACK), (0xd3, b''), (3, NAK)])
dhcp_seed('lease-decline', [(3, OFFER), (7, ACK)])
dhcp_seed('overload', [(3, dhcp_reply(2, opts=bytes([52, 1, 3])))])
dhcp_seed('foreign', [(0, OFFER), (1, OFFER), (2, ACK), (3, OFFER[:100])])
