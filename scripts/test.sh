#!/usr/bin/env bash
# Quickstart 2: installs what is missing, builds, and runs every test: the normal build and its
# suite, the lint (clang-format, clang-tidy), the same suite under AddressSanitizer +
# UndefinedBehaviorSanitizer, then a short fuzz run (its clang build also checks the
# thread-safety annotations).
# Fresh Debian 12 machine (as root) to tested, in one command. `.ci/run` calls this.
#
# CI has 2 cores. The test suites mostly wait (servers, brokers, retries, timeouts) while the
# sanitizer build and clang-tidy are all CPU, so those two run in the background at a lower
# priority and take only the cycles the tests leave: the tests see an almost idle machine, and
# most of the build and lint time hides behind theirs.
set -euo pipefail
cd "$(dirname "$0")/.."
export CTEST_OUTPUT_ON_FAILURE=1
JOBS=${JOBS:-$(nproc)}

phase() { echo "== $1 (at ${SECONDS}s)"; }

# Each background phase runs in a session of its own, so a failure here stops its whole tree.
background_pids=()
stop_background() {
  for pid in "${background_pids[@]}"; do kill -- "-$pid" 2>/dev/null || true; done
}
trap stop_background EXIT

phase "build (RelWithDebInfo without debug information) and install what is missing"
BUILD_DIR=build bash scripts/build.sh -DUNPACKD_DEBUG_LEVEL=0

mkdir -p build-logs
phase "lint (clang-format, clang-tidy) in the background, at nice 19: build-logs/lint.log"
setsid nice -n 19 bash scripts/lint.sh >build-logs/lint.log 2>&1 &
lint_pid=$!
background_pids+=("$lint_pid")

phase "sanitizer build in the background, at nice 10: build-logs/build-asan.log"
BUILD_DIR=build-asan BUILD_TYPE=Debug setsid nice -n 10 bash scripts/build.sh -DUNPACKD_SANITIZE=ON \
  -DUNPACKD_BENCH=OFF -DUNPACKD_DEBUG_LEVEL=1 >build-logs/build-asan.log 2>&1 &
asan_build_pid=$!
background_pids+=("$asan_build_pid")

phase "test (RelWithDebInfo)"
ctest --test-dir build -j"$JOBS" --timeout 900

phase "waiting for the sanitizer build"
if ! wait "$asan_build_pid"; then
  tail -50 build-logs/build-asan.log
  echo "test.sh: the sanitizer build failed (build-logs/build-asan.log)" >&2
  exit 1
fi

# The fuzz targets' clang build, too, takes only the cycles the sanitizer tests leave. The
# fuzz run itself waits for the tests: a starved fuzzer would report slow inputs as hangs.
fuzz=0
[ -x scripts/fuzz.sh ] && [ "${UNPACKD_SKIP_FUZZ:-0}" != 1 ] && fuzz=1
fuzz_build_pid=""
if [ "$fuzz" = 1 ]; then
  phase "fuzz targets' build in the background, at nice 19: build-logs/build-fuzz.log"
  FUZZ_BUILD_ONLY=1 setsid nice -n 19 bash scripts/fuzz.sh >build-logs/build-fuzz.log 2>&1 &
  fuzz_build_pid=$!
  background_pids+=("$fuzz_build_pid")
fi

phase "test under AddressSanitizer + UndefinedBehaviorSanitizer"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan -j"$JOBS" --timeout 1800

if [ "$fuzz" = 1 ]; then
  phase "fuzz smoke run (the lint, if still running, yields to it)"
  if ! wait "$fuzz_build_pid"; then
    tail -50 build-logs/build-fuzz.log
    echo "test.sh: the fuzz targets' build failed (build-logs/build-fuzz.log)" >&2
    exit 1
  fi
  bash scripts/fuzz.sh "${UNPACKD_FUZZ_SECONDS:-30}"
fi

phase "waiting for the lint"
lint_status=0
wait "$lint_pid" || lint_status=$?
cat build-logs/lint.log
if [ "$lint_status" != 0 ]; then
  echo "test.sh: lint failed" >&2
  exit 1
fi
phase "all passed"
