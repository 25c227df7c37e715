#!/usr/bin/env bash
# Installs the real protocol peers the test suite runs against (Debian packages): pymodbus as a
# Modbus server this project did not write, and mbpoll as a Modbus client. Installs only what is
# missing; needs root or sudo when something is.
set -euo pipefail

missing=()
/usr/bin/python3 -c 'import pymodbus' 2>/dev/null || missing+=(python3-pymodbus)
command -v mbpoll >/dev/null 2>&1 || missing+=(mbpoll)

if [ ${#missing[@]} -eq 0 ]; then
  echo "test peers: all present"
  exit 0
fi

echo "test peers: installing ${missing[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "test peers: apt-get not found; install these Debian/Ubuntu packages by hand: ${missing[*]}" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "test peers: installed ${missing[*]}"
