#!/usr/bin/env python3
"""Crafted TCP segments for tests/integration/test_linux_tcp.sh, sent from
the Linux side (raw sockets; no scapy). Run as root inside the Linux
namespace.

  tcp_crafted.py challenge IFACE DST PORT
      Connects to DST:PORT with an ordinary socket and sends 1000 bytes
      ("A"), learns both sides' sequence numbers by sniffing IFACE, sends a
      RST whose sequence number is inside the receive window but not the
      expected one, and requires a challenge ACK (RFC 5961 3.2: an ACK with
      the expected numbers) within a second. Then sends 1000 bytes ("B")
      and closes: the receiver must get exactly "A"*1000 + "B"*1000, which
      shows the connection survived. Exit 0 when the challenge ACK came.

  tcp_crafted.py synflood DST PORT SECONDS RATE
      Sends SYNs from random addresses of 198.18.0.0/15 and random ports to
      DST:PORT for SECONDS at RATE SYNs per second; prints how many.
"""
import os
import random
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def tcp_segment(src, dst, sport, dport, seq, ack, flags, win=65535, opts=b""):
    """A TCP header (no payload) with its checksum."""
    off = (20 + len(opts)) // 4
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, off << 4, flags, win, 0, 0) + opts
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(hdr))
    c = csum(pseudo + hdr)
    return hdr[:16] + struct.pack("!H", c) + hdr[18:]


def ip_packet(src, dst, payload, ident):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000, 64, 6, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    return hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:] + payload


def parse(frame):
    """(src, dst, sport, dport, seq, ack, flags, payload_len) of an IPv4/TCP frame, or None."""
    if len(frame) < 54 or frame[12:14] != b"\x08\x00" or frame[23] != 6:
        return None
    ihl = (frame[14] & 0x0F) * 4
    tot = struct.unpack("!H", frame[16:18])[0]
    t = 14 + ihl
    sport, dport, seq, ack, off, flags = struct.unpack("!HHIIBB", frame[t:t + 14])
    plen = tot - ihl - (off >> 4) * 4
    return (socket.inet_ntoa(frame[26:30]), socket.inet_ntoa(frame[30:34]), sport, dport, seq,
            ack, flags, plen)


class Sniffer:
    def __init__(self, iface):
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.s.bind((iface, 0))
        self.s.settimeout(0.05)

    def frames(self, seconds):
        end = time.time() + seconds
        while time.time() < end:
            try:
                f = self.s.recv(65535)
            except socket.timeout:
                continue
            p = parse(f)
            if p is not None:
                yield p


def challenge(iface, dst, port):
    sn = Sniffer(iface)
    c = socket.create_connection((dst, port), timeout=5)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    src, sport = c.getsockname()
    c.sendall(b"A" * 1000)
    ours_nxt = theirs_nxt = None
    # Learn the numbers: our next sequence is what vmknet acknowledges once
    # it has all 1000 bytes; vmknet's next is the sequence of its ACKs.
    our_isn = None
    for (s, d, sp, dp, seq, ack, fl, plen) in sn.frames(3):
        if s == src and sp == sport and fl & TCP_SYN:
            our_isn = seq
        if s == dst and sp == port and dp == sport and fl & TCP_ACK and our_isn is not None:
            if ack == (our_isn + 1 + 1000) & 0xFFFFFFFF:
                ours_nxt, theirs_nxt = ack, seq
                break
    if ours_nxt is None:
        print("challenge: never saw vmknet acknowledge the first 1000 bytes")
        return 1
    print("challenge: connection %s:%d -> %s:%d, our next seq %u, vmknet's %u"
          % (src, sport, dst, port, ours_nxt, theirs_nxt))
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    bad_seq = (ours_nxt + 5000) & 0xFFFFFFFF          # in the window, not RCV.NXT
    raw.sendto(ip_packet(src, dst, tcp_segment(src, dst, sport, port, bad_seq, 0, TCP_RST, 0),
                         4242), (dst, 0))
    got = False
    for (s, d, sp, dp, seq, ack, fl, plen) in sn.frames(1.0):
        if s == dst and sp == port and dp == sport:
            print("challenge: vmknet sent flags 0x%02x seq %u ack %u len %d" % (fl, seq, ack, plen))
            if fl == TCP_ACK and ack == ours_nxt and seq == theirs_nxt and plen == 0:
                got = True
                break
    print("challenge: %s" % ("challenge ACK received" if got else "NO challenge ACK"))
    c.sendall(b"B" * 1000)
    c.shutdown(socket.SHUT_WR)
    c.settimeout(10)
    rest = c.recv(10)          # vmknet closes after the peer's FIN
    c.close()
    print("challenge: connection ended cleanly" if rest == b"" else "challenge: unexpected data")
    return 0 if got and rest == b"" else 1


def synflood(dst, port, seconds, rate):
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    mss = struct.pack("!BBH", 2, 4, 1460)
    n = 0
    start = time.time()
    rnd = random.Random(os.getpid())
    while time.time() < start + seconds:
        for _ in range(100):
            src = "198.%d.%d.%d" % (18 + rnd.getrandbits(1), rnd.getrandbits(8), rnd.randint(1, 254))
            seg = tcp_segment(src, dst, rnd.randint(1024, 65535), port, rnd.getrandbits(32), 0,
                              TCP_SYN, 64240, mss)
            raw.sendto(ip_packet(src, dst, seg, n & 0xFFFF), (dst, 0))
            n += 1
        ahead = start + n / rate - time.time()
        if ahead > 0:
            time.sleep(ahead)
    print("synflood: %d SYNs in %.1f s" % (n, time.time() - start))
    return 0


def main(argv):
    if len(argv) == 5 and argv[1] == "challenge":
        return challenge(argv[2], argv[3], int(argv[4]))
    if len(argv) == 6 and argv[1] == "synflood":
        return synflood(argv[2], int(argv[3]), float(argv[4]), float(argv[5]))
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
