#!/usr/bin/env bash
# Sets up and passes the tests: installs the Debian packages, builds with warnings as errors,
# and runs the whole suite with CTest. SANITIZE=1 builds and runs it under ASan and UBSan.
set -euo pipefail
cd "$(dirname "$0")/../.."
source infra/scripts/deps.sh
install_deps

if [ "${SANITIZE:-0}" = 1 ]; then
  build="${BUILD_DIR:-build-sanitize}"
  options=(-DCMAKE_BUILD_TYPE=Debug -DFEEL_AGAIN_SANITIZE=ON)
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
else
  build="${BUILD_DIR:-build}"
  options=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
fi
cmake -S . -B "$build" -DFEEL_AGAIN_WERROR=ON -DFEEL_AGAIN_TESTS=ON "${options[@]}" >/dev/null
cmake --build "$build" -j"$(nproc)"
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" --timeout 300
