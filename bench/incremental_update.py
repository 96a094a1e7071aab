#!/usr/bin/python3
"""A new version of an archive with 5% of its members changed, extracted over the old result
(update: the unchanged members' objects are kept) against the same version extracted into an
empty destination (full), S3 -> S3 on s3rver, direct and through the latency proxy.

The shape is the competitor's (s3-unspool reports a 5% update of a 1,000-file archive in 4.03 s
against 78.99 s for the full extract): 1,000 members, 50 of them changed in v2 (25 with other
bytes of the same size, so only the CRC tells them apart, 25 longer). Every round uploads v1
under one key, extracts it (not timed), replaces it with v2 under the same key, and then times
both runs of v2 in alternating order: `update` into v1's destination, `full` into a fresh one.
Each run's --json report gives its members written and kept; the objects are checked against
v2's members (count and bytes) after every timed run.

Usage: incremental_update.py [--unpackd PATH] [--rounds N] [--members N] [--member-kib K]
                             [--delay-ms MS] [--json-out FILE]
"""

import argparse
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run  # noqa: E402  (its s3rver + proxy services and boto3 client)


def make_versions(members, member_kib, changed_share):
    """Two zips (bytes) of the same member names; v2 changes `changed_share` of them."""
    rng = random.Random(20261201)
    words = [bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9)))
             for _ in range(4096)]

    def text(size):
        out = bytearray()
        while len(out) < size:
            out += rng.choice(words) + b" "
        return bytes(out[:size])

    v1 = {f"run/shard-{i // 100:02d}/item-{i:04d}.txt": text(member_kib * 1024 // 2 +
                                                               rng.randint(0, member_kib * 1024))
          for i in range(members)}
    v2 = dict(v1)
    changed = rng.sample(sorted(v1), int(members * changed_share))
    for n, name in enumerate(changed):
        data = bytearray(v1[name])
        if n % 2 == 0:
            data[len(data) // 2] = ord("#")  # same size, another CRC
        else:
            data += b" appended by the re-run"
        v2[name] = bytes(data)

    def pack(contents):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
            for name, data in contents.items():
                z.writestr(name, data)
        return buf.getvalue()

    return pack(v1), pack(v2), v2, len(changed)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--unpackd", default=os.path.join(HERE, "..", "build", "unpackd"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--members", type=int, default=1000)
    ap.add_argument("--member-kib", type=int, default=256, help="mean member size is 0.75x this")
    ap.add_argument("--delay-ms", type=int, default=20, help="the proxy's delay per request")
    ap.add_argument("--json-out")
    args = ap.parse_args()

    v1_zip, v2_zip, v2_members, changed = make_versions(args.members, args.member_kib, 0.05)
    v2_bytes = sum(len(d) for d in v2_members.values())
    work = tempfile.mkdtemp(prefix="unpackd-incremental-bench-")
    service_args = argparse.Namespace(
        s3rver=None, s3rver_dir=run.s3rver_dir_in_ram(6 * v2_bytes + (1 << 30)),
        delay_ms=args.delay_ms, max_minutes=60)
    services = run.Services(service_args, work)
    s3 = run.s3_client(services.endpoint("direct"))

    def extract(dest, mode):
        before_cpu, before = run.children_cpu(), time.monotonic()
        done = subprocess.run(
            [args.unpackd, "extract", f"s3://{run.BUCKET}/in/result.zip", "--to",
             f"s3://{run.BUCKET}/{dest}{{path}}", "--endpoint", services.endpoint(mode),
             "--path-style", "on", "--no-progress", "--json"],
            env=dict(os.environ, **run.CREDS), check=True, stdout=subprocess.PIPE)
        report = json.loads(done.stdout)
        return {"wall": time.monotonic() - before, "cpu": run.children_cpu() - before_cpu,
                "written": report["members_written"], "kept": report["members_reused"]}

    def check(dest):
        keys = [k for k in run.list_prefix(s3, dest) if "/.unpackd/" not in k]
        assert len(keys) == len(v2_members), (dest, len(keys))
        for name in sorted(v2_members)[:: max(1, len(v2_members) // 50)]:
            body = s3.get_object(Bucket=run.BUCKET, Key=dest + name)["Body"].read()
            assert body == v2_members[name], name

    results = {mode: {"update": [], "full": []} for mode in ("direct", "proxy")}
    try:
        for round_no in range(args.rounds):
            for mode in ("direct", "proxy"):
                base = f"out/{round_no}/{mode}/"
                s3.put_object(Bucket=run.BUCKET, Key="in/result.zip", Body=v1_zip)
                extract(base + "update/", "direct")
                s3.put_object(Bucket=run.BUCKET, Key="in/result.zip", Body=v2_zip)
                order = ["update", "full"] if round_no % 2 == 0 else ["full", "update"]
                for kind in order:
                    r = extract(base + kind + "/", mode)
                    check(base + kind + "/")
                    results[mode][kind].append(r)
                    print(f"round {round_no + 1} {mode} {kind}: {r['wall']:.2f} s, "
                          f"{r['cpu']:.2f} s CPU, {r['written']} written, {r['kept']} kept",
                          file=sys.stderr)
                run.delete_prefix(s3, run.list_prefix(s3, base))
    finally:
        services.stop()

    print(f"{args.members} members ({len(v2_zip) / (1 << 20):.0f} MiB zip, "
          f"{v2_bytes / (1 << 20):.0f} MiB out), {changed} changed in v2; {args.rounds} rounds, "
          f"medians; proxy: {args.delay_ms} ms per request")
    print("| S3 path | full s | update s | update / full | written (update) | kept (update) "
          "| CPU s full | CPU s update |")
    print("|---|---|---|---|---|---|---|---|")
    for mode in ("direct", "proxy"):
        full, update = results[mode]["full"], results[mode]["update"]
        med = lambda rs, k: statistics.median(r[k] for r in rs)  # noqa: E731
        print(f"| {mode} | {med(full, 'wall'):.2f} | {med(update, 'wall'):.2f} | "
              f"{med(update, 'wall') / med(full, 'wall'):.3f} | {med(update, 'written'):.0f} | "
              f"{med(update, 'kept'):.0f} | {med(full, 'cpu'):.2f} | {med(update, 'cpu'):.2f} |")
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(results, f)


if __name__ == "__main__":
    main()
