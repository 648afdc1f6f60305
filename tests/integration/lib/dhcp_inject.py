#!/usr/bin/env python3
# Malformed and foreign DHCP replies for tests/integration/test_linux_dhcp.sh:
# raw Ethernet frames (UDP 67 -> 68, broadcast) sent on DEV, so no socket
# needs port 67 (dnsmasq holds it). One of each, in this order: shorter
# than BOOTP's fixed part, no magic cookie, an option running past the end,
# an ACK with another xid, an ACK for another MAC.
#
#   dhcp_inject.py DEV CLIENT_MAC
import socket
import struct
import sys

dev, mac = sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", ""))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((dev, 0))
src_mac = s.getsockname()[4]


def csum(b):
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    t = (t >> 16) + (t & 0xffff)
    return ~(t + (t >> 16)) & 0xffff


def frame(payload):
    udp = struct.pack("!HHHH", 67, 68, 8 + len(payload), 0) + payload  # no UDP checksum
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                     socket.inet_aton("198.51.100.1"), b"\xff" * 4)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\xff" * 6 + src_mac + b"\x08\x00" + ip + udp


def bootp(chaddr, xid=0x12345678, magic=0x63825363, opts=b"\x35\x01\x05\xff"):
    h = struct.pack("!BBBBIHH4s4s4s4s16s64s128sI", 2, 1, 6, 0, xid, 0, 0x8000, b"\0" * 4,
                    socket.inet_aton("198.51.100.99"), b"\0" * 4, b"\0" * 4,
                    chaddr + b"\0" * 10, b"", b"", magic)
    return h + opts


for msg in (b"\x02\x01\x06" + b"\0" * 7,                      # short
            bootp(mac, magic=0x01020304),                     # no cookie
            bootp(mac, opts=b"\x35\x01\x05\x03\x40\xc6\x33"),  # router runs past the end
            bootp(mac),                                       # an ACK, not our xid
            bootp(b"\x02\xee\xee\xee\xee\xee")):              # not our MAC
    s.send(frame(msg))
