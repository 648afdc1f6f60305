#!/usr/bin/env bash
# Objective: a hypervisor build can consume vmknet the documented way:
# `make install` (PREFIX, DESTDIR) lays down headers, libvmknet.a, the
# versioned libvmknet.so and libvmknet.pc, and a program that includes
# <vmknet/vmknet.h> builds with `pkg-config --cflags --libs libvmknet`
# (shared) and `pkg-config --static ...` (static), then runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
tmp=$(mktemp -d /tmp/vmkt_install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

make -s --no-print-directory install BUILD="$BUILD" DESTDIR="$tmp/root" PREFIX=/usr >/dev/null
for f in usr/include/vmknet/vmknet.h usr/lib/libvmknet.a usr/lib/libvmknet.so.0.1.0 \
	 usr/lib/libvmknet.so.0 usr/lib/libvmknet.so usr/lib/pkgconfig/libvmknet.pc; do
	[ -e "$tmp/root/$f" ] || { echo "missing after install: $f"; exit 1; }
done
readelf -d "$tmp/root/usr/lib/libvmknet.so.0.1.0" | grep -q 'SONAME.*libvmknet.so.0' ||
	{ echo "wrong SONAME"; exit 1; }

cat > "$tmp/app.c" <<'C'
#include <stdio.h>
#include <vmknet/vmknet.h>
int main(void)
{
	struct vmk_host *h;
	/* No EAL yet: the library must say so, not crash or exit. */
	int ret = vmk_host_create(NULL, &h);
	printf("eal_ready=%d create=%d reason=%s\n", vmk_eal_ready(), ret,
	       vmk_drop_reason_name(VMK_DROP_MTU));
	return ret == -19 /* -ENODEV */ ? 0 : 1;
}
C
san=""
[ "$BUILD" = build-asan ] && san="-fsanitize=address,undefined"
# Link the way a hypervisor build would, against an install under a PREFIX.
make -s --no-print-directory install BUILD="$BUILD" PREFIX="$tmp/prefix" >/dev/null
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
grep -q "^prefix=$tmp/prefix\$" "$tmp/prefix/lib/pkgconfig/libvmknet.pc"
cc $san -o "$tmp/app_shared" "$tmp/app.c" $(pkg-config --cflags --libs libvmknet)
LD_LIBRARY_PATH="$tmp/prefix/lib" "$tmp/app_shared" | tee "$tmp/out"
grep -q 'eal_ready=0 create=-19 reason=mtu' "$tmp/out"
cc $san -o "$tmp/app_static" "$tmp/app.c" -Wl,-Bstatic $(pkg-config --cflags libvmknet) \
	-L"$tmp/prefix/lib" -lvmknet -Wl,-Bdynamic $(pkg-config --libs libdpdk libpcap libcjson)
"$tmp/app_static"
echo "install, pkg-config shared and static link: ok"
