#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan), makes a seed corpus from real tools,
# zipcraft and the project's test archives, and runs every target for SECONDS each.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]      (default: 30 seconds, every target)
#
# Environment: BUILD_DIR (default build-fuzz), JOBS (ninja -j, default 2), FUZZ_ARGS (extra
# libFuzzer flags, e.g. "-jobs=2 -workers=2"), FUZZ_BUILD_ONLY=1 (build the targets, run none). The working corpus persists in
# $BUILD_DIR/corpus/<target> between runs; crashes land in $BUILD_DIR/artifacts/.
# Exits non-zero if any target found a crash, leak, timeout or out-of-memory.
# See docs/fuzzing.md for long runs and for turning a crash into a regression test.
set -euo pipefail

seconds="${1:-30}"
shift || true
cd "$(dirname "$0")/.."
source_dir="$PWD"
build_dir="${BUILD_DIR:-build-fuzz}"
all_targets=(fuzz_central_directory fuzz_member_streams fuzz_name_decoding fuzz_event_message)
targets=("$@")
[ "${#targets[@]}" -eq 0 ] && targets=("${all_targets[@]}")

if ! command -v clang++ >/dev/null; then
  echo "fuzz.sh: clang++ not found (scripts/install-deps.sh installs clang)" >&2
  exit 2
fi

CC=clang CXX=clang++ cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DUNPACKD_FUZZ=ON -DBUILD_TESTING=OFF -DUNPACKD_BENCH=OFF >/dev/null
ninja -C "$build_dir" -j "${JOBS:-2}" "${targets[@]}"
[ "${FUZZ_BUILD_ONLY:-0}" = 1 ] && exit 0

seed_dir="$build_dir/corpus/seed"
rm -rf "$seed_dir"
/usr/bin/python3 fuzz/make_seed_corpus.py "$seed_dir" "$source_dir"
mkdir -p "$build_dir/artifacts"

failed=()
for target in "${targets[@]}"; do
  corpus="$build_dir/corpus/$target"
  mkdir -p "$corpus"
  # The ZIP targets share the archive seeds; the event parser starts from the message fixtures.
  seeds="$seed_dir" dict=fuzz/zip.dict
  if [ "$target" = fuzz_event_message ]; then
    seeds="$build_dir/corpus/seed-events" dict=fuzz/json.dict
    rm -rf "$seeds" && mkdir -p "$seeds" && cp tests/data/s3-events/*.json "$seeds/"
  fi
  echo "== $target: ${seconds}s"
  # -timeout: one input taking 10 s is a hang; -rss_limit_mb: bounded memory is a requirement.
  # shellcheck disable=SC2086
  if ! "$build_dir/fuzz/$target" "$corpus" "$seeds" \
      -dict="$dict" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -max_len=65536 -print_final_stats=1 \
      -artifact_prefix="$build_dir/artifacts/$target-" ${FUZZ_ARGS:-} \
      2> "$build_dir/artifacts/$target.log"; then
    failed+=("$target")
    echo "!! $target failed; log: $build_dir/artifacts/$target.log" >&2
    grep -E "^(==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)" \
      "$build_dir/artifacts/$target.log" >&2 || tail -20 "$build_dir/artifacts/$target.log" >&2
  else
    grep -E "^(Done|stat::number_of_executed_units|stat::peak_rss_mb)" \
      "$build_dir/artifacts/$target.log" || true
  fi
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz.sh: FAILED: ${failed[*]} (reproduce: $build_dir/fuzz/<target> <artifact>)" >&2
  exit 1
fi
echo "fuzz.sh: no crashes in ${targets[*]} (${seconds}s each)"
