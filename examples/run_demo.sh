#!/usr/bin/env bash
# `make demo`: run the demo host on its built-in default configuration.
# Two lcores (main + one worker), no hugepages needed, no PCI.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
exec "$BUILD/bin/vmknet-demo" -l 0-1 --no-pci --no-huge --no-shconf -m 256 \
	--file-prefix="vmknet-demo-$$" --log-level='*:warning' "$@"
