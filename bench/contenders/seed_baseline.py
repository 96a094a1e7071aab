#!/usr/bin/python3
"""The seed's Lambda handler, as described in the seed article, as a command-line baseline.

What the seed does (and so what this does, step by step, with Debian's boto3):
  1. download the whole archive to a temp folder (S3_CLIENT.download_file),
  2. zipfile.ZipFile(...).extractall() into a folder beside it (--format tar.gz: the same
     handler written for a tar.gz, tarfile.open(..., "r:gz").extractall(), as the seed's
     author would have; the seed itself reads zip only),
  3. walk the folder and upload each file in turn with S3_CLIENT.upload_file, setting a
     Content-Type only for .txt ("text/plain; charset=utf-8"), to <dir of archive>/result/<path>.
Like the seed, it leaves the temp folder behind (the seed clears /tmp at the *next* start);
the benchmark runner measures the folder and removes it afterwards.

Usage: seed_baseline.py --endpoint URL --bucket B --key K [--dest-prefix P] [--tmp DIR]
                        [--format zip|tar.gz]
Credentials come from the usual AWS_* environment variables.
"""
import argparse
import os
import tarfile
import tempfile
import zipfile

import boto3


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint")
    ap.add_argument("--bucket", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--dest-prefix", help="default: <dir of key>/result/ as in the seed")
    ap.add_argument("--tmp", default=tempfile.gettempdir())
    ap.add_argument("--format", choices=("zip", "tar.gz"), default="zip")
    a = ap.parse_args()

    s3 = boto3.client("s3", endpoint_url=a.endpoint)
    tmp_archive = os.path.join(a.tmp, "result." + a.format)
    extract_dir = os.path.join(a.tmp, "extracted")

    s3.download_file(a.bucket, a.key, tmp_archive)
    os.makedirs(extract_dir, exist_ok=True)
    if a.format == "zip":
        with zipfile.ZipFile(tmp_archive, "r") as zf:
            zf.extractall(extract_dir)
    else:
        with tarfile.open(tmp_archive, "r:gz") as tf:
            tf.extractall(extract_dir)

    prefix = a.dest_prefix
    if prefix is None:
        prefix = "/".join(a.key.split("/")[:-1]) + "/result/"
    for root, _dirs, files in os.walk(extract_dir):
        for name in files:
            local_path = os.path.join(root, name)
            rel = os.path.relpath(local_path, extract_dir)
            dest = prefix + rel
            if rel.split(".")[-1] == "txt":
                s3.upload_file(local_path, a.bucket, dest,
                               ExtraArgs={"ContentType": "text/plain; charset=utf-8"})
            else:
                s3.upload_file(local_path, a.bucket, dest)


if __name__ == "__main__":
    main()
