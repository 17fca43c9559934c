#!/usr/bin/env bash
# Runs the virtual-alexa end-to-end tests against a real server. Builds nothing: give it the
# feel-again binary. Starts `feel-again serve --port 0` in local development mode (plain HTTP on
# loopback, no request verification), waits for the port it logs, installs the pinned npm
# packages when node_modules is missing, runs `node --test`, stops the server, and exits with
# the tests' status.
#   tests/e2e/run.sh build/skill/feel-again
set -euo pipefail

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
  echo "usage: $0 <path of the feel-again binary>" >&2
  exit 2
fi
binary="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
log="$work/server.log"
server=""

stop_server() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap stop_server EXIT

# The Alexa APIs (time zone, reminders) are a stand-in the tests start on this port.
api_port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
"$binary" serve --host 127.0.0.1 --port 0 --log-level info --db "$work/feel-again.db" \
  --secret-file "$work/feel-again.secret" --alexa-api-allow "127.0.0.1:$api_port" >"$log" 2>&1 &
server=$!

# The server logs `listening url=http://127.0.0.1:PORT/alexa` once it has bound its port.
url=""
for _ in $(seq 1 100); do
  url="$(grep -o 'listening url=http://127\.0\.0\.1:[0-9]*/alexa' "$log" | head -n1 | cut -d= -f2 || true)"
  [ -n "$url" ] && break
  if ! kill -0 "$server" 2>/dev/null; then
    echo "feel-again serve exited before listening:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "feel-again serve did not log a listening URL within 10 s:" >&2
  cat "$log" >&2
  exit 1
fi

cd "$here"
if [ ! -d node_modules/virtual-alexa ]; then
  npm ci --no-audit --no-fund >&2
fi

status=0
# aws-sdk v2, a dependency of virtual-alexa, otherwise prints its end-of-support notice.
FEEL_AGAIN_URL="$url" FEEL_AGAIN_API_PORT="$api_port" AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE=1 \
  node --test --test-concurrency=1 || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- feel-again serve log" >&2
  cat "$log" >&2
fi
exit "$status"
