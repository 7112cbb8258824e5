#!/usr/bin/env bash
# Install the Debian packages callcoach needs, only when something is missing.
# espeak-ng + sox: synthesized test calls and the demo call; mosquitto: the real
# broker the tests talk to; chromium: the headless browser of the display tests;
# haproxy: the load balancer of the scale-out test.
set -euo pipefail

need=()
command -v espeak-ng >/dev/null || need+=(espeak-ng)
command -v sox >/dev/null || need+=(sox)
[ -x /usr/sbin/mosquitto ] || command -v mosquitto >/dev/null || need+=(mosquitto)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || need+=(haproxy)
command -v node >/dev/null || need+=(nodejs npm)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "bootstrap: installing Debian packages: ${need[*]}"
if ! command -v apt-get >/dev/null; then
  echo "bootstrap: apt-get not found; install these packages yourself: ${need[*]}" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "bootstrap: not root and no sudo; run as root: apt-get install -y ${need[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# Debian's mosquitto package starts a system broker on 1883; callcoach's tests
# and demo run their own, so stop it when it is not wanted.
if [[ " ${need[*]} " == *" mosquitto "* ]] && command -v systemctl >/dev/null; then
  $SUDO systemctl disable --now mosquitto >/dev/null 2>&1 || true
fi
