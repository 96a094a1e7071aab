#!/usr/bin/env bash
# Quickstart 2: installs what is missing, builds, and runs every test: the normal build and its
# suite, the lint (clang-format, clang-tidy), the same suite under AddressSanitizer +
# UndefinedBehaviorSanitizer, then a short fuzz run (its clang build also checks the
# thread-safety annotations).
# Fresh Debian 12 machine (as root) to tested, in one command. `.ci/run` calls this.
#
# The phases run one after another. Running the CPU-bound ones (the sanitizer build, clang-tidy)
# niced beside the suites was tried: on 2 cores the suites took 2.4x as long and a deadline
# test of the Lambda runtime (a 1 s margin) overran, so the tests get the machine to themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
export CTEST_OUTPUT_ON_FAILURE=1
JOBS=${JOBS:-$(nproc)}

phase() { echo "== $1 (at ${SECONDS}s)"; }

phase "build (RelWithDebInfo without debug information) and install what is missing"
BUILD_DIR=build bash scripts/build.sh -DUNPACKD_DEBUG_LEVEL=0

phase "test (RelWithDebInfo)"
ctest --test-dir build -j"$JOBS" --timeout 900

phase "lint: clang-format and clang-tidy"
bash scripts/lint.sh

phase "build under AddressSanitizer + UndefinedBehaviorSanitizer (line tables only)"
BUILD_DIR=build-asan BUILD_TYPE=Debug bash scripts/build.sh -DUNPACKD_SANITIZE=ON \
  -DUNPACKD_BENCH=OFF -DUNPACKD_DEBUG_LEVEL=1

phase "test under AddressSanitizer + UndefinedBehaviorSanitizer"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan -j"$JOBS" --timeout 1800

if [ -x scripts/fuzz.sh ] && [ "${UNPACKD_SKIP_FUZZ:-0}" != 1 ]; then
  phase "fuzz smoke run"
  bash scripts/fuzz.sh "${UNPACKD_FUZZ_SECONDS:-30}"
fi
phase "all passed"
