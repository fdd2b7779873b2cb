#!/usr/bin/env bash
# Install the Debian packages mica needs to build and test, if any is missing.
set -euo pipefail
pkgs=(gcc g++ gdb meson ninja-build check pkg-config graphviz python3 libexpat1-dev)
missing=()
for p in "${pkgs[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
