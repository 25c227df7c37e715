#!/usr/bin/env bash
# Installs the real protocol peers the test suite runs against — servers and clients this
# project did not write — from Debian's packages, PyPI and Maven Central. Installs only what
# is missing; needs root or sudo when a Debian package is.
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
# REST API: Schemathesis (PyPI) generates requests from the hub's OpenAPI document.
python3 -c 'import schemathesis' 2>/dev/null || pip_missing+=(schemathesis==4.32.5)
# QuestDB: its server jar from Maven Central (below), run by Java 17 or newer and fetched with mvn.
questdb_version=$(sed -n "s/^export const QUESTDB_VERSION = '\(.*\)';$/\1/p" "$(dirname "$0")/../runtime/src/testing/questdb.ts")
if [ -z "$questdb_version" ]; then
  echo "test peers: no QUESTDB_VERSION line in runtime/src/testing/questdb.ts" >&2
  exit 1
fi
questdb_jar="${XDG_CACHE_HOME:-$HOME/.cache}/davy/questdb/questdb-$questdb_version.jar"
if [ ! -f "$questdb_jar" ]; then
  command -v java >/dev/null 2>&1 || [ -x "${JAVA_HOME:-}/bin/java" ] || apt_missing+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null 2>&1 || apt_missing+=(maven)
fi

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

if [ ! -f "$questdb_jar" ]; then
  echo "test peers: fetching QuestDB $questdb_version's server jar from Maven Central"
  if ! command -v mvn >/dev/null 2>&1; then
    echo "test peers: mvn not found; install Maven (apt-get install -y maven), or put org.questdb:questdb:$questdb_version's jar at $questdb_jar" >&2
    exit 1
  fi
  if ! command -v java >/dev/null 2>&1 && [ ! -x "${JAVA_HOME:-}/bin/java" ]; then
    echo "test peers: java not found; QuestDB needs Java 17 or newer (apt-get install -y openjdk-17-jre-headless)" >&2
    exit 1
  fi
  mkdir -p "$(dirname "$questdb_jar")"
  questdb_tmp=$(mktemp -d "$(dirname "$questdb_jar")/fetch.XXXXXX")
  # Fetched in a folder of its own (no pom.xml around to change what mvn does), then moved into
  # place, so that a fetch cut short leaves no jar behind.
  if ! (cd "$questdb_tmp" && mvn -q -B dependency:copy "-Dartifact=org.questdb:questdb:$questdb_version" "-DoutputDirectory=$questdb_tmp" >mvn.log 2>&1) \
    || [ ! -f "$questdb_tmp/questdb-$questdb_version.jar" ]; then
    cat "$questdb_tmp/mvn.log" >&2 || true
    rm -rf "$questdb_tmp"
    echo "test peers: mvn could not fetch org.questdb:questdb:$questdb_version" >&2
    exit 1
  fi
  mv "$questdb_tmp/questdb-$questdb_version.jar" "$questdb_jar"
  rm -rf "$questdb_tmp"
fi

echo "test peers: all present"
