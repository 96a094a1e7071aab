#!/usr/bin/env bash
# Runs a Lambda deployment package (scripts/package-lambda.sh's zip) the way Lambda runs a
# provided.al2023 function, isolated with bubblewrap so it proves the package carries all it
# needs:
#   - the package unzipped at /var/task, read-only; its `bootstrap` is the command;
#   - /proc, /dev, a fresh tmpfs /tmp (Lambda's only writable place), the host's network
#     namespace (the tests use loopback only);
#   - NO host /usr, /lib, /lib64, /bin, /etc: the only /etc files are a generated /etc/hosts
#     that names localhost and an /etc/nsswitch.conf ("hosts: files dns"), as Lambda's image
#     has; nothing else of the host is visible;
#   - a non-root user (uid 993, as Lambda's sandbox user is not root), in a user namespace;
#   - the environment cleared, then set as Lambda sets it: AWS_LAMBDA_RUNTIME_API,
#     LAMBDA_TASK_ROOT=/var/task, LAMBDA_RUNTIME_DIR=/var/runtime, AWS_LAMBDA_FUNCTION_NAME
#     (unpackd), AWS_LAMBDA_FUNCTION_VERSION ($LATEST), AWS_LAMBDA_FUNCTION_MEMORY_SIZE (512),
#     AWS_REGION and AWS_DEFAULT_REGION (us-east-1), _HANDLER (unpackd), LANG, TZ, PATH and
#     Lambda's LD_LIBRARY_PATH (/var/lang/lib:/lib64:/usr/lib64:...: the package must not depend
#     on it), then the extra ENV=VALUE arguments (credentials, endpoints), which may override
#     any of those.
#
# Usage: run_lambda_package.sh <package.zip> <runtime-api-host:port> [ENV=VALUE...]
# It execs bwrap, so its pid is the sandbox's (kill it to stop the function; bwrap's child dies
# with it), and its exit status is bootstrap's. A watcher removes the unzipped copy once that
# pid is gone.
set -euo pipefail

die() { echo "run_lambda_package: $*" >&2; exit 2; }

[ $# -ge 2 ] || die "usage: $0 <package.zip> <runtime-api-host:port> [ENV=VALUE...]"
package=$1
runtime_api=$2
shift 2
[ -f "$package" ] || die "no such package: $package"
[[ "$runtime_api" =~ ^[^/:]+:[0-9]+$ ]] || die "runtime API must be host:port, not $runtime_api"
command -v bwrap >/dev/null || die "bwrap is missing: run scripts/install-deps.sh (bubblewrap)"
command -v unzip >/dev/null || die "unzip is missing: run scripts/install-deps.sh"

# Lambda's defaults, in order; ENV=VALUE arguments override or add.
names=(AWS_LAMBDA_RUNTIME_API LAMBDA_TASK_ROOT LAMBDA_RUNTIME_DIR AWS_LAMBDA_FUNCTION_NAME
       AWS_LAMBDA_FUNCTION_VERSION AWS_LAMBDA_FUNCTION_MEMORY_SIZE AWS_REGION AWS_DEFAULT_REGION
       _HANDLER LANG TZ PATH LD_LIBRARY_PATH)
declare -A env=(
  [AWS_LAMBDA_RUNTIME_API]=$runtime_api
  [LAMBDA_TASK_ROOT]=/var/task
  [LAMBDA_RUNTIME_DIR]=/var/runtime
  [AWS_LAMBDA_FUNCTION_NAME]=unpackd
  [AWS_LAMBDA_FUNCTION_VERSION]=\$LATEST
  [AWS_LAMBDA_FUNCTION_MEMORY_SIZE]=512
  [AWS_REGION]=us-east-1
  [AWS_DEFAULT_REGION]=us-east-1
  [_HANDLER]=unpackd
  [LANG]=en_US.UTF-8
  [TZ]=:/etc/localtime
  [PATH]=/usr/local/bin:/usr/bin/:/bin:/opt/bin
  [LD_LIBRARY_PATH]=/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib
)
for assignment in "$@"; do
  [[ "$assignment" =~ ^([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || die "not ENV=VALUE: $assignment"
  name=${BASH_REMATCH[1]}
  [ -n "${env[$name]+set}" ] || names+=("$name")
  env[$name]=${BASH_REMATCH[2]}
done

work="$(mktemp -d -t unpackd-lambda-run.XXXXXX)"
cleanup_now() { rm -rf "$work"; }
trap cleanup_now EXIT
unzip -q "$package" -d "$work/task"
[ -x "$work/task/bootstrap" ] || die "the package has no executable bootstrap"
mkdir -p "$work/etc"
printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n' > "$work/etc/hosts"
printf 'hosts: files dns\n' > "$work/etc/nsswitch.conf"  # files first, as Amazon Linux's

args=(--die-with-parent --unshare-user --uid 993 --gid 990 --unshare-pid --unshare-ipc
      --unshare-uts --hostname localhost
      --ro-bind "$work/task" /var/task
      --ro-bind "$work/etc/hosts" /etc/hosts
      --ro-bind "$work/etc/nsswitch.conf" /etc/nsswitch.conf
      --proc /proc --dev /dev --tmpfs /tmp
      --chdir /var/task --clearenv)
for name in "${names[@]}"; do args+=(--setenv "$name" "${env[$name]}"); done

# After exec this shell's pid is bwrap's: a watcher in a session of its own (a Ctrl-C or a
# kill of the caller's process group leaves it be) removes the copy once that pid is gone (and
# reaped). It holds none of the caller's pipes, so a caller reading our output to its end is not
# kept waiting.
trap - EXIT
# shellcheck disable=SC2016 # the inner script's variables are its own arguments
setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 0.5; done; rm -rf "$2"' \
  watcher "$$" "$work" </dev/null >/dev/null 2>&1 &
disown
exec bwrap "${args[@]}" /var/task/bootstrap
