#!/usr/bin/env bash
# Installs weave and its kernel library into a prefix:
#   scripts/install.sh [PREFIX]        (default /usr/local)
# PREFIX/bin/weave                     the optimised binary
# PREFIX/share/weave/kernel/*.weave    the kernel library: `import "kernel/llist.weave"`
#                                      works from any directory
# Needs Swift 6 to build, and Debian's libz3 at run time (libz3-dev to build:
# apt-get install libz3-dev). The binary links Swift's runtime statically, so the
# installed weave runs without the Swift toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${1:-/usr/local}
scratch=${WEAVE_BUILD_DIR:-.build-install}
swift build -c release --product weave --static-swift-stdlib --scratch-path "$scratch" >&2
bin=$(swift build -c release --product weave --static-swift-stdlib --scratch-path "$scratch" --show-bin-path)
mkdir -p "$prefix/bin" "$prefix/share/weave/kernel"
install -m 0755 "$bin/weave" "$prefix/bin/weave"
install -m 0644 Models/kernel/*.weave "$prefix/share/weave/kernel/"
echo "installed $("$prefix/bin/weave" --version) in $prefix (binary $prefix/bin/weave, library $prefix/share/weave)"
