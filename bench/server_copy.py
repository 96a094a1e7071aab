#!/usr/bin/env python3
"""Server-side copy (issue 12) against radosgw: one stored member of --mib MiB in a ZIP,
extracted with --server-copy=off (streamed through unpackd), =on with --copy-check=read-back,
and =on with --copy-check=trust, side by side in one run; prints wall and CPU (user+sys) seconds
of the unpackd process for each.

    bench/server_copy.py --unpackd build/unpackd [--mib 256]

Starts its own radosgw (tests/tools/radosgw_cluster.py) in a temporary folder and stops it.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile

import boto3

HERE = os.path.dirname(os.path.abspath(__file__))
CLUSTER = os.path.join(HERE, "..", "tests", "tools", "radosgw_cluster.py")


def run_timed(cmd, env):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({out.returncode}): {out.stdout}{out.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, json.loads(out.stdout)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--unpackd", required=True)
    parser.add_argument("--mib", type=int, default=256)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="unpackd-copy-bench-") as tmp:
        root = os.path.join(tmp, "rgw")
        subprocess.run([sys.executable, CLUSTER, "start", root], check=True,
                       stdout=subprocess.DEVNULL)
        try:
            with open(os.path.join(root, "cluster.json")) as f:
                cluster = json.load(f)
            s3 = boto3.client("s3", endpoint_url=cluster["endpoint"], region_name="us-east-1",
                              aws_access_key_id=cluster["access_key"],
                              aws_secret_access_key=cluster["secret_key"])
            s3.create_bucket(Bucket="bench")
            archive = os.path.join(tmp, "stored.zip")
            with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as z:
                with z.open("big.bin", "w", force_zip64=True) as member:
                    for i in range(args.mib):
                        member.write(os.urandom(1 << 20))
            s3.upload_file(archive, "bench", "in/stored.zip")
            env = dict(os.environ, AWS_ACCESS_KEY_ID=cluster["access_key"],
                       AWS_SECRET_ACCESS_KEY=cluster["secret_key"], AWS_REGION="us-east-1",
                       AWS_EC2_METADATA_DISABLED="true", HOME=tmp)
            print(f"one stored member of {args.mib} MiB, radosgw on loopback")
            print(f"{'mode':34} {'wall s':>8} {'cpu s':>8} {'copied':>7}")
            for run, (name, flags) in enumerate([("stream (--server-copy=off)", ["--server-copy=off"]),
                                ("server copy, read-back", ["--server-copy=on"]),
                                ("server copy, trust", ["--server-copy=on",
                                                        "--copy-check=trust"])]):
                cmd = [args.unpackd, "extract", "s3://bench/in/stored.zip", "--endpoint",
                       cluster["endpoint"], "--json", "--no-progress",
                       "--to", f"s3://bench/out-{run}/{{path}}"] + flags
                wall, cpu, result = run_timed(cmd, env)
                print(f"{name:34} {wall:8.2f} {cpu:8.2f} {result['members_server_copied']:7}")
        finally:
            subprocess.run([sys.executable, CLUSTER, "stop", root], stdout=subprocess.DEVNULL)


if __name__ == "__main__":
    main()
