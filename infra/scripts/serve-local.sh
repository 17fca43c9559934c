#!/usr/bin/env bash
# Sets up and runs Feel Again on this machine: installs the Debian packages, builds, makes a
# self-signed certificate for local use, and serves HTTPS on https://127.0.0.1:8443/alexa.
# Extra arguments go to `feel-again serve` (for example --skill-id, --port, --log-format json).
set -euo pipefail
cd "$(dirname "$0")/../.."
source infra/scripts/deps.sh
install_deps

build="${BUILD_DIR:-build}"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DFEEL_AGAIN_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target feel-again

tls=local/tls
if [ ! -s "$tls/cert.pem" ] || [ ! -s "$tls/key.pem" ]; then
  mkdir -p "$tls"
  openssl req -x509 -newkey rsa:2048 -sha256 -days 365 -nodes -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$tls/key.pem" -out "$tls/cert.pem" 2>/dev/null
  chmod 600 "$tls/key.pem"
  echo "made a self-signed certificate for local use in $tls/"
fi

# What the skill keeps (SQLite) and the secret it is sealed under live beside the certificate.
export FEEL_AGAIN_DB="${FEEL_AGAIN_DB:-local/feel-again.db}"
export FEEL_AGAIN_SECRET_FILE="${FEEL_AGAIN_SECRET_FILE:-local/feel-again.secret}"
exec "$build/skill/feel-again" serve --tls-cert "$tls/cert.pem" --tls-key "$tls/key.pem" "$@"
