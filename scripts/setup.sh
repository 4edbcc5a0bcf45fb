#!/usr/bin/env bash
# Installs what the verifier needs on Debian/Ubuntu, then the package itself
# into ./.venv. Safe to run again: it only installs what is missing.
#   system: chromium, tesseract-ocr with eng+ben+hin, fonts for Bengali and
#           Devanagari, redis-server, postgresql (the store's tests run on it
#           as well as on SQLite), python3-venv
#   python: this package with its dev extra
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(chromium tesseract-ocr tesseract-ocr-eng tesseract-ocr-ben tesseract-ocr-hin
              fonts-noto-core fonts-liberation redis-server postgresql curl)
PYTHON=${PYTHON:-python3}

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  "$PYTHON" -c "import venv, ensurepip" 2>/dev/null || missing+=(python3-venv)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e '.[dev]'

# Playwright's own Chromium when the machine can download it and has no
# system Chromium; otherwise the verifier uses /usr/bin/chromium.
if [ ! -x /usr/bin/chromium ] && [ -z "${VERIFIER_CHROMIUM:-}" ]; then
  .venv/bin/python -m playwright install chromium
fi
echo "setup: ready ($(.venv/bin/python --version), $(tesseract --version 2>&1 | head -1))"
