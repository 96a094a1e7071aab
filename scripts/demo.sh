#!/usr/bin/env bash
# Quickstart 1: builds unpackd, lays out a local store like the seed's S3 bucket, starts
# `unpackd serve` on it (the embedded default: it watches the store), drops an AI "result.zip"
# into <store>/<bucket>/user-1/project-1/ as a batch job would, waits for the service to extract
# it, and shows the objects with their Content-Types, the manifest, the job, the notifications
# a local backend (signature checked) and a local Slack received, and the metrics.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >/dev/null
STORE=${STORE:-$PWD/demo-store}
STATE=${STATE:-$PWD/demo-state}
BUCKET=results-bucket
ARCHIVE="$STORE/$BUCKET/user-1/project-1/result.zip"
STAGING="$(mktemp -d)"
LOG="$STAGING/serve.log"
rm -rf "$STORE" "$STATE"
mkdir -p "$STORE/$BUCKET"

SERVE_PID=""
RECEIVER_PID=""
cleanup() {
  [ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null
  [ -n "$RECEIVER_PID" ] && kill "$RECEIVER_PID" 2>/dev/null && wait "$RECEIVER_PID" 2>/dev/null
  rm -rf "$STAGING"
}
trap cleanup EXIT

# The backend and Slack the service tells, on loopback (scripts/demo_receiver.py).
export DEMO_WEBHOOK_SECRET="demo-secret-$RANDOM$RANDOM"
mkdir -p "$STAGING/received"
/usr/bin/python3 scripts/demo_receiver.py "$STAGING/received" >"$STAGING/receiver.port" &
RECEIVER_PID=$!
for _ in $(seq 50); do [ -s "$STAGING/receiver.port" ] && break; sleep 0.1; done
RECEIVER="http://127.0.0.1:$(cat "$STAGING/receiver.port")"
export DEMO_SLACK_URL="$RECEIVER/slack"
cat >"$STAGING/serve.toml" <<TOML
[sources.watch]
root = "$STORE"

[[rules]]
name = "results"
suffixes = [".zip"]
notify = ["backend", "slack"]

[targets.backend]                  # the backend: a signed JSON POST
kind = "webhook"
url = "$RECEIVER/backend"
secret_env = "DEMO_WEBHOOK_SECRET"

[targets.slack]                    # Slack: an incoming webhook (its URL is a secret)
kind = "slack"
url_env = "DEMO_SLACK_URL"
TOML

echo "== unpackd serve (watching $STORE; notifying $RECEIVER/backend and Slack)"
./build/unpackd --root "$STORE" serve --config "$STAGING/serve.toml" --state-dir "$STATE" \
  --listen 127.0.0.1:0 2>"$LOG" &
SERVE_PID=$!
PORT=""
for _ in $(seq 100); do
  PORT=$(grep -o '"address":"127.0.0.1:[0-9]*"' "$LOG" | grep -o '[0-9]*"$' | tr -d '"' || true)
  [ -n "$PORT" ] && break
  sleep 0.1
done
[ -n "$PORT" ] || { cat "$LOG"; echo "unpackd serve did not start" >&2; exit 1; }

/usr/bin/python3 - "$STAGING/result.zip" <<'PY'
import json, struct, sys, zipfile, zlib

def png(width, height):
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")  # filter type: none
        for x in range(width):
            row += bytes((x * 255 // width, y * 255 // height, 128))
        rows.append(bytes(row))
    raw = b"".join(rows)
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))

with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("summary.txt", "분석이 완료되었습니다.\n총 3건의 결과가 있습니다.\n")
    z.writestr("result.json", json.dumps({"status": "done", "score": 0.97, "label": "고양이"},
                                         ensure_ascii=False, indent=2))
    z.writestr("images/heatmap.png", png(64, 48))
    z.writestr("details/2026/11/metrics.csv", "step,loss\n1,0.9\n2,0.4\n3,0.1\n")
    z.writestr("보고서/최종 결과.txt", "한국어 파일 이름과 공백이 있는 결과 파일\n")
    z.writestr("notes with space.txt", "a name with spaces\n")
PY

echo "== a batch job drops $ARCHIVE"
mkdir -p "$(dirname "$ARCHIVE")"
mv "$STAGING/result.zip" "$ARCHIVE"
MANIFEST="$STORE/$BUCKET/user-1/project-1/result/.unpackd/manifest.json"
for _ in $(seq 300); do
  [ -f "$MANIFEST" ] && break
  sleep 0.1
done
[ -f "$MANIFEST" ] || { cat "$LOG"; echo "no manifest after 30 s" >&2; exit 1; }
echo
echo "== the service's log (one JSON line per job transition)"
cat "$LOG"
echo
echo "== objects (key, size, Content-Type) under $BUCKET/user-1/project-1/result/"
/usr/bin/python3 - "$STORE/$BUCKET" <<'PY'
import json, os, sys
bucket = sys.argv[1]
meta_root = os.path.join(bucket, ".unpackd-meta")
for dirpath, dirs, files in os.walk(bucket):
    dirs[:] = [d for d in dirs if not d.startswith(".unpackd-meta")]
    for f in sorted(files):
        path = os.path.join(dirpath, f)
        key = os.path.relpath(path, bucket)
        if not key.startswith("user-1/project-1/result/"):
            continue
        meta = os.path.join(meta_root, key)
        ctype = json.load(open(meta)).get("content_type", "") if os.path.exists(meta) else ""
        print(f"  {key:60} {os.path.getsize(path):6}  {ctype}")
PY
echo
echo "== manifest: $BUCKET/user-1/project-1/result/.unpackd/manifest.json"
cat "$STORE/$BUCKET/user-1/project-1/result/.unpackd/manifest.json"
echo
echo "== unpackd jobs list"
./build/unpackd jobs --state-dir "$STATE" list
echo
for _ in $(seq 300); do
  [ -f "$STAGING/received/backend-1.json" ] && [ -f "$STAGING/received/slack-1.json" ] && break
  sleep 0.1
done
[ -f "$STAGING/received/backend-1.json" ] || { cat "$LOG"; echo "no notification after 30 s" >&2; exit 1; }
echo "== the backend received (signature checked by the receiver)"
cat "$STAGING/received/backend-1.json"
echo
echo "== the Slack message"
/usr/bin/python3 - "$STAGING/received/slack-1.json" <<'PY'
import json, sys
message = json.load(open(sys.argv[1]))["body"]
for block in message["blocks"]:
    text = block.get("text", {}).get("text", "")
    if text:
        print("  " + text.replace("\n", "\n  "))
    for field in block.get("fields", []):
        print("  " + field["text"].replace("\n", " "))
    for element in block.get("elements", []):
        if element.get("text"):
            print("  " + element["text"])
PY
echo
echo "== unpackd notifications list"
./build/unpackd notifications --state-dir "$STATE" list
echo
echo "== metrics (http://127.0.0.1:$PORT/metrics, excerpt)"
curl -s "http://127.0.0.1:$PORT/metrics" | grep -E '^unpackd_(jobs|members_extracted_total|bytes_extracted_total|notifications)' || true
echo
echo "== SIGTERM: the service finishes what it runs and exits 0"
kill -TERM "$SERVE_PID"
wait "$SERVE_PID"
SERVE_PID=""
echo "exit status 0"
