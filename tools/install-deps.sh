#!/bin/sh
# Installs the Debian/Ubuntu packages lull needs to build, test and run.
# Idempotent: packages already present are skipped by apt-get.
# Usage: sudo tools/install-deps.sh [--bench]   (--bench adds Pure Data and Csound)
set -eu
pkgs="build-essential cmake pkg-config
      libjack-jackd2-dev jackd2 libsamplerate0-dev liblo-dev liblo-tools
      libfftw3-dev libsndfile1-dev libjansson-dev libsystemd-dev python3
      libebur128-dev libcairo2-dev libsqlite3-dev chromium
      libwebsockets-dev libavahi-client-dev avahi-daemon avahi-utils libqrencode-dev
      iproute2 dbus clang clang-format systemd libedf-dev
      dpkg-dev file lintian man-db"   # clang: libFuzzer pass; systemd: systemd-analyze; libedf: EDF records;
                                      # dpkg-dev, file, lintian: the package test (cpack -G DEB); man-db: man pages
# PipeWire and its JACK library (pw-jack) for test_daemon_pipewire.sh: lulld under
# PipeWire-JACK on a null sink; pipewire-bin brings pw-cli, pw-metadata and pw-record.
pkgs="$pkgs pipewire pipewire-bin pipewire-jack wireplumber"
[ "${1:-}" = "--bench" ] && pkgs="$pkgs puredata-core csound"

missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
# jackd2 asks whether to enable realtime scheduling; answer without a prompt.
echo "jackd2 jackd/tweak_rt_limits boolean true" | $SUDO debconf-set-selections
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing
