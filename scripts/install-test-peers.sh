#!/usr/bin/env bash
# Installs the real protocol peers the test suite runs against — servers and clients this
# project did not write — from Debian's packages and PyPI. Installs only what is missing;
# needs root or sudo when a Debian package is.
set -euo pipefail

apt_missing=()
pip_missing=()

# Modbus: pymodbus (Debian's, for Debian's own /usr/bin/python3) as a server, mbpoll as a client.
/usr/bin/python3 -c 'import pymodbus' 2>/dev/null || apt_missing+=(python3-pymodbus)
command -v mbpoll >/dev/null 2>&1 || apt_missing+=(mbpoll)
command -v socat >/dev/null 2>&1 || apt_missing+=(socat)
# MQTT: Mosquitto as a broker, mosquitto_pub / mosquitto_sub as devices and observers.
command -v mosquitto >/dev/null 2>&1 || apt_missing+=(mosquitto)
command -v mosquitto_pub >/dev/null 2>&1 || apt_missing+=(mosquitto-clients)
# PostgreSQL: the server the hub's PostgreSQL store is tested against (tests start their own).
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt_missing+=(postgresql)
# NATS: nats-server with JetStream, the transport the hub's NATS ingest is tested against.
command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || apt_missing+=(nats-server)
# OPC UA: asyncua (PyPI) as an independent server, for the python3 first on PATH (3.11 here).
python3 -c 'import asyncua' 2>/dev/null || pip_missing+=(asyncua==2.1.0)

if [ ${#apt_missing[@]} -gt 0 ]; then
  echo "test peers: installing ${apt_missing[*]}"
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "test peers: apt-get not found; install these Debian/Ubuntu packages by hand: ${apt_missing[*]}" >&2
    exit 1
  fi
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null
fi

if [ ${#pip_missing[@]} -gt 0 ]; then
  echo "test peers: installing ${pip_missing[*]} from PyPI"
  python3 -m pip install --quiet --disable-pip-version-check "${pip_missing[@]}"
fi

echo "test peers: all present"
