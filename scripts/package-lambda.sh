#!/usr/bin/env bash
# Builds the AWS Lambda deployment package of `unpackd lambda` (runtime provided.al2023):
# dist/unpackd-lambda.zip, self-contained so it runs whatever glibc the Lambda image has:
#
#   bootstrap              the unpackd binary itself (it runs the `lambda` command when its
#                          argv[0] is "bootstrap"), debug info stripped, with its ELF interpreter
#                          set to /var/task/lib/ld-linux-x86-64.so.2 and DT_RPATH $ORIGIN/lib
#   lib/                   the dynamic loader and every shared library `ldd` lists (glibc,
#                          libstdc++, libcurl and its dependencies, OpenSSL, ICU, SQLite, ...),
#                          plus glibc's NSS and resolver modules (see below)
#   mime.types             the Content-Type table (Debian's media-types; Lambda images may
#                          lack /etc/mime.types); the program reads $LAMBDA_TASK_ROOT/mime.types
#   ca-certificates.crt    the CA bundle (Debian's ca-certificates): Debian's libcurl looks for
#                          /etc/ssl/certs/ca-certificates.crt, which Amazon Linux does not have;
#                          the program sets AWS_CA_BUNDLE to $LAMBDA_TASK_ROOT/ca-certificates.crt
#   THIRD_PARTY.txt, licenses/   which Debian package each bundled file comes from, and its
#                          copyright file
#
# Why DT_RPATH and not DT_RUNPATH: Lambda sets LD_LIBRARY_PATH=/var/lang/lib:/lib64:/usr/lib64:...
# LD_LIBRARY_PATH is searched before DT_RUNPATH (so Amazon Linux's own libc would be mixed with
# our loader), and DT_RUNPATH applies only to the binary's direct dependencies. DT_RPATH is
# searched before LD_LIBRARY_PATH, for every library and dlopen the program loads.
# Why the NSS modules: DNS and /etc/hosts lookups (getaddrinfo) go through glibc's NSS, which
# dlopens libnss_<service>.so.2 for what /etc/nsswitch.conf names. Since glibc 2.34 "files" and
# "dns" are built into libc.so.6 and these files are stubs, but a libc that looks for them must
# find ours, never Amazon Linux's (another glibc); libresolv is the resolver library they use.
#
# Usage: scripts/package-lambda.sh [--build-dir DIR] [--out PATH] [--config FILE] [--keep-debug]
#                                  [--fast]
#   --build-dir DIR  where the built binary is (DIR/unpackd; default build/); built with
#                    scripts/build.sh when missing
#   --out PATH       the zip to write (default dist/unpackd-lambda.zip)
#   --config FILE    also put FILE (a TOML configuration, e.g. deploy/aws/unpackd.toml) at the
#                    package's root; the function reads it when UNPACKD_CONFIG names it
#   --keep-debug     keep the binary's debug info (a much larger package)
#   --fast           compress quickly rather than small (tests: the zip is used once, locally)
# Prints the package's size and contents. Idempotent: the zip is rewritten each time.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="$repo_root/build"
out="$repo_root/dist/unpackd-lambda.zip"
keep_debug=0
zip_level=-9
config=""
readonly loader_name=ld-linux-x86-64.so.2
readonly task_root=/var/task
readonly nss_modules=(libnss_dns.so.2 libnss_files.so.2 libresolv.so.2)
readonly max_unzipped=$((250 * 1024 * 1024))  # Lambda's quota for an unzipped .zip package
readonly max_direct_upload=$((50 * 1024 * 1024))  # larger zips must be uploaded through S3

die() { echo "package-lambda: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) [ $# -ge 2 ] || die "--build-dir needs a value"; build_dir=$2; shift 2 ;;
    --build-dir=*) build_dir=${1#*=}; shift ;;
    --out) [ $# -ge 2 ] || die "--out needs a value"; out=$2; shift 2 ;;
    --out=*) out=${1#*=}; shift ;;
    --config) [ $# -ge 2 ] || die "--config needs a value"; config=$2; shift 2 ;;
    --config=*) config=${1#*=}; shift ;;
    --keep-debug) keep_debug=1; shift ;;
    --fast) zip_level=-1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done

for tool in patchelf zip unzip ldd strip readelf dpkg-query; do
  command -v "$tool" >/dev/null || die "$tool is missing: run scripts/install-deps.sh"
done
[ "$(uname -m)" = x86_64 ] || die "the package is built for x86_64 (Lambda's x86_64 architecture)"
for data in /etc/mime.types /etc/ssl/certs/ca-certificates.crt; do
  [ -s "$data" ] || die "$data is missing: run scripts/install-deps.sh (media-types, ca-certificates)"
done

mkdir -p "$build_dir"
build_dir="$(cd "$build_dir" && pwd)"
if [ ! -x "$build_dir/unpackd" ]; then
  echo "package-lambda: $build_dir/unpackd is missing; building it"
  BUILD_DIR="$build_dir" bash "$repo_root/scripts/build.sh"
fi
binary="$build_dir/unpackd"
mkdir -p "$(dirname "$out")"
out="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"

stage="$(mktemp -d -t unpackd-lambda-package.XXXXXX)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/lib" "$stage/licenses"

# The libraries: name as the loader looks for it (the soname ldd prints) -> the file.
declare -A libs=()
loader=""
while read -r name arrow path _; do
  case "$name $arrow" in
    *" =>") [ "$path" != not ] || die "unresolved library: $name"; libs[$name]=$path ;;
    linux-vdso.so.*) ;;  # the kernel's, not a file
    /*) loader=$name ;;  # "/lib64/ld-linux-x86-64.so.2 (0x...)"
    *) die "unexpected ldd line: $name $arrow $path" ;;
  esac
done < <(ldd "$binary")
[ -n "$loader" ] || die "ldd named no dynamic loader for $binary (a static binary?)"
[ "$(basename "$loader")" = "$loader_name" ] || die "unexpected loader $loader"
[ -n "${libs[libc.so.6]:-}" ] || die "the binary does not link glibc's libc.so.6"
libdir="$(dirname "${libs[libc.so.6]}")"
for module in "${nss_modules[@]}"; do
  [ -e "$libdir/$module" ] || die "$libdir/$module is missing (glibc's libc6 package)"
  libs[$module]="$libdir/$module"
done

install -m 0755 "$loader" "$stage/lib/$loader_name"
for soname in "${!libs[@]}"; do
  [ "$soname" = "$loader_name" ] && continue
  install -m 0644 "${libs[$soname]}" "$stage/lib/$soname"  # install follows symlinks
  # A library with its own DT_RUNPATH would not inherit the binary's DT_RPATH: pin it too.
  if readelf -d "$stage/lib/$soname" | grep -q '(RUNPATH)'; then
    # shellcheck disable=SC2016 # $ORIGIN is for the loader, not the shell
    patchelf --force-rpath --set-rpath '$ORIGIN' "$stage/lib/$soname"
  fi
done
# Every library the bundled ones need (the NSS modules included) must be bundled as well.
for file in "$stage"/lib/*.so*; do
  [ "$(basename "$file")" = "$loader_name" ] && continue
  while read -r needed; do
    [ -e "$stage/lib/$needed" ] || die "$(basename "$file") needs $needed, which is not bundled"
  done < <(readelf -d "$file" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
done

install -m 0755 "$binary" "$stage/bootstrap"
if [ "$keep_debug" = 0 ]; then
  strip --strip-debug "$stage/bootstrap"
fi
# shellcheck disable=SC2016 # $ORIGIN is for the loader, not the shell
patchelf --set-interpreter "$task_root/lib/$loader_name" --force-rpath --set-rpath '$ORIGIN/lib' \
  "$stage/bootstrap"

install -m 0644 /etc/mime.types "$stage/mime.types"
if [ -n "$config" ]; then
  [ -f "$config" ] || die "no such configuration file: $config"
  install -m 0644 "$config" "$stage/$(basename "$config")"
fi
install -m 0644 /etc/ssl/certs/ca-certificates.crt "$stage/ca-certificates.crt"

# THIRD_PARTY.txt: each bundled file's Debian package and version; licenses/: their copyright.
package_of() {  # the Debian package that installed a file (usrmerge: try /usr and / forms)
  local path candidate owner
  for path in "$1" "$(readlink -f "$1")"; do
    for candidate in "$path" "/usr${path#/usr}" "${path#/usr}"; do
      owner="$(dpkg-query -S "$candidate" 2>/dev/null | head -n1 | cut -d: -f1)" || true
      if [ -n "$owner" ]; then echo "$owner"; return; fi
    done
  done
  echo unknown
}
{
  echo "unpackd's AWS Lambda package bundles these files from Debian $(cat /etc/debian_version)."
  echo "Each package's copyright and license terms are in licenses/<package>.copyright."
  echo
  printf '%-28s %-24s %s\n' FILE PACKAGE VERSION
  while read -r file source; do
    package="$(package_of "$source")"
    version="$(dpkg-query -W -f='${Version}' "$package" 2>/dev/null || echo unknown)"
    printf '%-28s %-24s %s\n' "$file" "$package" "$version"
    if [ -f "/usr/share/doc/$package/copyright" ]; then
      install -m 0644 "/usr/share/doc/$package/copyright" "$stage/licenses/$package.copyright"
    fi
  done < <(
    echo "lib/$loader_name $loader"
    for soname in "${!libs[@]}"; do echo "lib/$soname ${libs[$soname]}"; done | LC_ALL=C sort
    echo "mime.types /etc/mime.types"
    echo "ca-certificates.crt /etc/ssl/certs/ca-certificates.crt"
  )
} > "$stage/THIRD_PARTY.txt"

unzipped=$(du -sb --apparent-size "$stage" | cut -f1)
[ "$unzipped" -le "$max_unzipped" ] ||
  die "the package unzips to $unzipped bytes, over Lambda's 250 MB quota"

rm -f "$out.tmp"
(cd "$stage" && find . -type f -printf '%P\n' | LC_ALL=C sort | zip -q -X "$zip_level" "$out.tmp" -@)
mv -f "$out.tmp" "$out"

zipped=$(stat -c %s "$out")
echo "package-lambda: $out"
echo "  $zipped bytes zipped ($((zipped / 1024 / 1024)) MiB), $unzipped bytes unzipped" \
  "($((unzipped / 1024 / 1024)) MiB), ${#libs[@]} libraries + the loader"
if [ "$zipped" -gt "$max_direct_upload" ]; then
  echo "  note: over 50 MB, so upload it through S3 (sam deploy does)"
fi
unzip -l "$out" | sed -e '/^Archive:/d' -e 's/^/  /'
