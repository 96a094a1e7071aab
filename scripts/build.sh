#!/usr/bin/env bash
# Installs dependencies (idempotent) and builds unpackd into build/ (or $BUILD_DIR).
# Extra arguments go to CMake, e.g. scripts/build.sh -DUNPACKD_SANITIZE=ON.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} "$@" >/dev/null
ninja -C "$BUILD_DIR" -j"${JOBS:-$(nproc)}"
