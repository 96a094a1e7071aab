#!/bin/bash
# What users run today from a shell: download with `aws s3 cp`, `unzip`, upload the folder with
# `aws s3 cp --recursive` (awscli's own parallel transfers, default 10 concurrent requests).
# Usage: awscli.sh ENDPOINT BUCKET KEY DEST_PREFIX   (temp space under $TMPDIR, removed at the end)
set -euo pipefail
endpoint=$1 bucket=$2 key=$3 dest=$4
work=$(mktemp -d "${TMPDIR:-/tmp}/awscli-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
aws --endpoint-url "$endpoint" s3 cp --only-show-errors "s3://$bucket/$key" "$work/archive.zip"
unzip -q "$work/archive.zip" -d "$work/x"
aws --endpoint-url "$endpoint" s3 cp --only-show-errors --recursive "$work/x" "s3://$bucket/$dest"
