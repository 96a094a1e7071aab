#!/usr/bin/python3
"""What a body checksum costs the client: one big deflate member extracted S3 -> S3 (s3rver on
loopback) with Content-MD5, with CRC-32, and with CRC-32 and an unsigned payload.

The same binary runs every variant, chosen by environment (UNPACKD_S3_CHECKSUM,
UNPACKD_S3_SIGN_PAYLOAD), in alternating rounds; the figure that matters is unpackd's CPU
seconds (user+sys) per GiB written, the currency a Lambda user pays in. s3rver checks neither
checksum, so `crc32` is forced rather than `auto` (which would notice that and fall back to
Content-MD5): the runs measure what the client spends for a server that does check, as S3 does.

Usage: body_checksum.py [--unpackd PATH] [--rounds N] [--quick] [--json-out FILE]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_archives  # noqa: E402
import run  # noqa: E402  (its s3rver service and boto3 client)

VARIANTS = [
    # (name, environment): the first is the baseline, what every release before this one sent.
    ("md5, signed", {"UNPACKD_S3_CHECKSUM": "md5", "UNPACKD_S3_SIGN_PAYLOAD": "auto"}),
    ("crc32, signed", {"UNPACKD_S3_CHECKSUM": "crc32", "UNPACKD_S3_SIGN_PAYLOAD": "auto"}),
    ("crc32, unsigned", {"UNPACKD_S3_CHECKSUM": "crc32", "UNPACKD_S3_SIGN_PAYLOAD": "off"}),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--unpackd", default=os.path.join(HERE, "..", "build", "unpackd"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="a small member, for a smoke run")
    ap.add_argument("--json-out")
    args = ap.parse_args()

    info = make_archives.make("big-member", os.path.join(HERE, "work", "archives"),
                              quick=args.quick)
    work = tempfile.mkdtemp(prefix="unpackd-checksum-bench-")
    service_args = argparse.Namespace(s3rver=None, s3rver_dir=run.s3rver_dir_in_ram(
        3 * os.path.getsize(info["path"]) + (2 << 30)), delay_ms=0, max_minutes=30)
    services = run.Services(service_args, work)
    endpoint = services.endpoint("direct")
    s3 = run.s3_client(endpoint)
    s3.upload_file(info["path"], run.BUCKET, "in/result.zip")
    written = info["uncompressed"]

    cpu = {name: [] for name, _ in VARIANTS}
    wall = {name: [] for name, _ in VARIANTS}
    try:
        for round_no in range(args.rounds):
            order = VARIANTS if round_no % 2 == 0 else list(reversed(VARIANTS))
            for name, env in order:
                dest = f"out/{round_no}/{name.replace(', ', '-')}/"
                before = run.children_cpu()
                done = subprocess.run(
                    [args.unpackd, "extract", f"s3://{run.BUCKET}/in/result.zip", "--to",
                     f"s3://{run.BUCKET}/{dest}{{path}}", "--endpoint", endpoint,
                     "--path-style", "on", "--no-progress", "--json"],
                    env=dict(os.environ, **run.CREDS, **env), check=True,
                    stdout=subprocess.PIPE)
                cpu[name].append(run.children_cpu() - before)
                report = json.loads(done.stdout)
                wall[name].append(report["seconds"])
                run.delete_prefix(s3, run.list_prefix(s3, dest))
                print(f"round {round_no + 1}: {name}: {cpu[name][-1]:.2f} s CPU, "
                      f"{wall[name][-1]:.2f} s", file=sys.stderr)
    finally:
        services.stop()

    gib = written / (1 << 30)
    base = statistics.median(cpu[VARIANTS[0][0]])
    print(f"member: {info['path']} ({written / (1 << 20):.0f} MiB written per run), "
          f"{args.rounds} rounds, medians")
    print("| body checksum | CPU s (user+sys) | CPU s per GiB | vs md5, signed | wall s |")
    print("|---|---|---|---|---|")
    for name, _ in VARIANTS:
        c = statistics.median(cpu[name])
        print(f"| {name} | {c:.2f} | {c / gib:.2f} | {c / base:.2f}x | "
              f"{statistics.median(wall[name]):.2f} |")
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({"cpu": cpu, "wall": wall, "bytes": written}, f)


if __name__ == "__main__":
    main()
