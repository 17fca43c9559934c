#!/usr/bin/env bash
# The Debian packages Feel Again needs to build, test and run. Sourced by the other scripts.

FEEL_AGAIN_PACKAGES=(
  build-essential cmake pkg-config ca-certificates openssl
  libcpp-httplib-dev nlohmann-json3-dev libspdlog-dev libssl-dev libcli11-dev libsimdjson-dev libsqlite3-dev libhowardhinnant-date-dev tzdata catch2
)

# Installs whatever of the list is missing (apt-get update first, once).
install_deps() {
  local missing=()
  for package in "${FEEL_AGAIN_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing: ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}
