#!/usr/bin/env bash
# Quickstart 2: installs what is missing, builds, and runs every test: the normal build, the
# lint (clang-format, clang-tidy), the same suite under AddressSanitizer +
# UndefinedBehaviorSanitizer, then a short fuzz run (its clang build also checks the
# thread-safety annotations).
# Fresh Debian 12 machine (as root) to tested, in one command. `.ci/run` calls this.
set -euo pipefail
cd "$(dirname "$0")/.."
export CTEST_OUTPUT_ON_FAILURE=1
JOBS=${JOBS:-$(nproc)}

echo "== build and test (RelWithDebInfo)"
BUILD_DIR=build bash scripts/build.sh
ctest --test-dir build -j"$JOBS" --timeout 900

echo "== lint: clang-format and clang-tidy"
bash scripts/lint.sh

echo "== build and test under AddressSanitizer + UndefinedBehaviorSanitizer"
BUILD_DIR=build-asan BUILD_TYPE=Debug bash scripts/build.sh -DUNPACKD_SANITIZE=ON -DUNPACKD_BENCH=OFF
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan -j"$JOBS" --timeout 1800

if [ -x scripts/fuzz.sh ] && [ "${UNPACKD_SKIP_FUZZ:-0}" != 1 ]; then
  echo "== fuzz smoke run"
  bash scripts/fuzz.sh "${UNPACKD_FUZZ_SECONDS:-30}"
fi
