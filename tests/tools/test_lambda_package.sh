#!/usr/bin/env bash
# Tests scripts/package-lambda.sh and tests/tools/run_lambda_package.sh (registered in ctest):
#   1. packages the built binary; the zip holds bootstrap, the loader, mime.types,
#      ca-certificates.crt, THIRD_PARTY.txt and the NSS modules; bootstrap's interpreter is
#      /var/task/lib/ld-linux-x86-64.so.2 and its DT_RPATH $ORIGIN/lib;
#   2. in a bubblewrap sandbox with only the package (no host /usr, /lib, /etc), every library
#      resolves from /var/task/lib, even with the host's libraries at /lib64 and Lambda's
#      LD_LIBRARY_PATH (/lib64 first) as on real Lambda, and the binary runs (--version);
#   3. the runner: a static probe as `bootstrap` sees the isolation and the Lambda environment
#      the runner promises, the extra ENV=VALUE arguments, and its copy is removed afterwards;
#      killing the runner's pid stops the sandbox.
# Usage: test_lambda_package.sh BUILD_DIR [PACKAGE]   (BUILD_DIR/unpackd must exist; PACKAGE: a
# zip package-lambda.sh already made of it, checked instead of packaging again)
# shellcheck disable=SC2016 # single-quoted $1 and $ORIGIN are for bash -c and the loader
set -euo pipefail

build_dir=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
tools="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$tools/../.." && pwd)"
work="$(mktemp -d -t unpackd-lambda-package-test.XXXXXX)"
trap 'rm -rf "$work"' EXIT
failures=0
check() {  # check DESCRIPTION COMMAND...: runs COMMAND, reports
  local description=$1; shift
  if "$@"; then echo "ok   $description"; else echo "FAIL $description"; failures=$((failures + 1)); fi
}

echo "== package"
if [ -n "${2:-}" ]; then
  cp "$2" "$work/unpackd-lambda.zip"
else
  bash "$repo_root/scripts/package-lambda.sh" --fast --build-dir "$build_dir" \
    --out "$work/unpackd-lambda.zip" > "$work/package.log"
  sed -n '1,3p' "$work/package.log"
fi
mkdir "$work/task"
unzip -q "$work/unpackd-lambda.zip" -d "$work/task"
for file in bootstrap lib/ld-linux-x86-64.so.2 lib/libc.so.6 lib/libnss_dns.so.2 \
            lib/libnss_files.so.2 lib/libresolv.so.2 mime.types ca-certificates.crt THIRD_PARTY.txt; do
  check "package has $file" test -s "$work/task/$file"
done
check "bootstrap is executable" test -x "$work/task/bootstrap"
check "mime.types is Debian's" cmp -s /etc/mime.types "$work/task/mime.types"
check "bootstrap's interpreter is the packaged loader" \
  grep -q 'interpreter: /var/task/lib/ld-linux-x86-64.so.2]' <(readelf -l "$work/task/bootstrap")
check "bootstrap has DT_RPATH \$ORIGIN/lib (searched before LD_LIBRARY_PATH)" \
  grep -q '(RPATH).*\[\$ORIGIN/lib\]' <(readelf -d "$work/task/bootstrap")
check "bootstrap has no DT_RUNPATH" bash -c '! readelf -d "$1" | grep -q RUNPATH' _ "$work/task/bootstrap"
check "THIRD_PARTY.txt names glibc's package" grep -q '^lib/libc.so.6 *libc6 ' "$work/task/THIRD_PARTY.txt"

echo "== isolated: every library from the package"
sandbox=(bwrap --unshare-user --uid 993 --gid 990 --ro-bind "$work/task" /var/task
         --proc /proc --dev /dev --tmpfs /tmp --clearenv)
# The host's libraries stand in for Amazon Linux's at /lib64, first in Lambda's LD_LIBRARY_PATH.
host_libdir=$(dirname "$(readlink -f "$(ldd "$build_dir/unpackd" | awk '/libc.so.6/ {print $3}')")")
"${sandbox[@]}" --ro-bind "$host_libdir" /lib64 \
  --setenv LD_LIBRARY_PATH /var/lang/lib:/lib64:/usr/lib64:/var/task:/var/task/lib \
  /var/task/lib/ld-linux-x86-64.so.2 --list /var/task/bootstrap > "$work/list.txt" 2>&1 || true
cat "$work/list.txt"
check "the loader lists libraries" grep -q 'libc.so.6 => /var/task/lib/libc.so.6' "$work/list.txt"
check "every library resolves to /var/task/lib" \
  bash -c '! grep -v -e "=> /var/task/lib/" -e "^\s*linux-vdso" -e "^\s*/var/task/lib/ld-linux" "$1"' \
  _ "$work/list.txt"
version=$("${sandbox[@]}" /var/task/lib/ld-linux-x86-64.so.2 --argv0 unpackd /var/task/bootstrap \
  --version 2>&1 || true)
echo "$version"
check "the packaged binary runs with no host files" grep -q '^unpackd ' <<<"$version"

echo "== runner: isolation and environment, seen by a probe"
mkdir "$work/probe"
cc -static -O1 -o "$work/probe/bootstrap" "$tools/lambda_sandbox_probe.c"
cp /etc/mime.types "$work/probe/mime.types"
(cd "$work/probe" && zip -q "$work/probe.zip" bootstrap mime.types)
before=$(find /tmp -maxdepth 1 -name 'unpackd-lambda-run.*' | wc -l)
"$tools/run_lambda_package.sh" "$work/probe.zip" 127.0.0.1:9001 AWS_ACCESS_KEY_ID=AKID \
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE=1769 'AWS_ENDPOINT_URL_S3=http://127.0.0.1:7480' > "$work/probe.txt"
cat "$work/probe.txt"
for line in argv0=/var/task/bootstrap uid=993 exists:/usr=no exists:/lib=no exists:/lib64=no \
            exists:/bin=no exists:/etc/passwd=no exists:/etc/hosts=yes exists:/proc/self=yes \
            exists:/dev/null=yes exists:/var/task/mime.types=yes writable:/tmp=yes \
            writable:/var/task=no env:AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001 \
            env:LAMBDA_TASK_ROOT=/var/task env:AWS_LAMBDA_FUNCTION_NAME=unpackd \
            env:AWS_LAMBDA_FUNCTION_MEMORY_SIZE=1769 env:AWS_REGION=us-east-1 env:_HANDLER=unpackd \
            env:AWS_ACCESS_KEY_ID=AKID env:AWS_ENDPOINT_URL_S3=http://127.0.0.1:7480; do
  check "probe: $line" grep -qxF "$line" "$work/probe.txt"
done
check "probe: nothing of the caller's environment" bash -c '! grep -q "^env:HOME=" "$1"' _ "$work/probe.txt"
for _ in 1 2 3 4 5 6 7 8 9 10; do
  [ "$(find /tmp -maxdepth 1 -name 'unpackd-lambda-run.*' | wc -l)" -le "$before" ] && break
  sleep 0.5
done
check "runner removed its copy" test "$(find /tmp -maxdepth 1 -name 'unpackd-lambda-run.*' | wc -l)" -le "$before"

echo "== runner: killing its pid stops the sandbox"
"$tools/run_lambda_package.sh" "$work/probe.zip" 127.0.0.1:9001 PROBE_SLEEP_SECONDS=60 \
  > "$work/run.log" 2>&1 &
runner=$!
sleep 1
check "the probe is still running in its sandbox" kill -0 "$runner"
kill "$runner" 2>/dev/null || true
stopped=no
for _ in $(seq 1 20); do
  if ! kill -0 "$runner" 2>/dev/null; then stopped=yes; break; fi
  sleep 0.25
done
wait "$runner" 2>/dev/null || true
check "the runner's pid is gone after kill" test "$stopped" = yes

echo "== $failures failure(s)"
[ "$failures" = 0 ]
