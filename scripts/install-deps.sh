#!/usr/bin/env bash
# Installs every build, test and benchmark dependency from Debian 12 packages (and s3rver from npm,
# pinned by tests/s3/package-lock.json). Ceph's radosgw is the real S3 server of the conformance
# tests (tests/tools/radosgw_cluster.py runs it privately; no Ceph service is enabled or started). Idempotent: re-running only installs what is missing.
set -euo pipefail

PKGS=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libcurl4-openssl-dev libssl-dev zlib1g-dev libdeflate-dev libisal-dev
  libzstd-dev libbz2-dev liblzma-dev zstd xz-utils bzip2 tar pigz
  nlohmann-json3-dev libpugixml-dev libcli11-dev libspdlog-dev libfmt-dev
  libsqlite3-dev libicu-dev libuchardet-dev libarchive-dev
  libtomlplusplus-dev libcpp-httplib-dev librabbitmq-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  media-types curl
  clang clang-format clang-tidy libclang-rt-14-dev
  python3 python3-boto3 python3-jsonschema python3-yaml zip unzip p7zip-full libarchive-tools time awscli
  nodejs npm
  bubblewrap patchelf  # scripts/package-lambda.sh (patchelf), tests/tools/run_lambda_package.sh (bwrap)
  rabbitmq-server  # the AMQP tests start private brokers (tests/support/rabbitmq_fixture.h)
  ceph-mon ceph-osd radosgw ceph-common  # radosgw, the real S3 server of tests/store_rgw
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# A machine image may ship node/npm outside Debian's packaging; accept those.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs/}"); missing=("${missing[@]/npm/}")
fi
cleaned=()
for p in "${missing[@]}"; do [ -n "$p" ] && cleaned+=("$p"); done

if [ "${#cleaned[@]}" -gt 0 ]; then
  echo "install-deps: installing ${cleaned[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${cleaned[@]}"
else
  echo "install-deps: all Debian packages present"
fi

# s3rver, the S3-compatible server the S3 store tests run against, pinned by
# tests/s3/package-lock.json. Installed only when missing.
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ ! -f "$repo_root/tests/s3/node_modules/s3rver/bin/s3rver.js" ]; then
  echo "install-deps: installing s3rver (npm ci in tests/s3)"
  (cd "$repo_root/tests/s3" && npm ci --no-audit --no-fund)
else
  echo "install-deps: s3rver present"
fi
