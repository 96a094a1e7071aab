#!/usr/bin/python3
"""Server ceiling: uploads already-extracted files to S3 as fast as this client can.

No archive reading, no decompression: every file of --src is PUT under --prefix by --jobs
threads, each on its own kept-alive connection, with bodies sent straight from the page cache
in 1 MiB blocks. Files above --part-size go up as multipart uploads whose parts are spread
over the same threads. URLs are presigned (SigV4 query auth, computed locally) so the
per-request client cost is one HTTP exchange; boto3 is only used to presign and for the
multipart create/complete calls. What this reaches is what the server (plus loopback) allows:
the yardstick for "how close to the server's limit" unpackd gets.

Usage: ceiling_upload.py --endpoint URL --bucket B --prefix P --src DIR [--jobs N]
"""
import argparse
import concurrent.futures
import http.client
import os
import threading
import urllib.parse

import boto3
from botocore.config import Config

BLOCK = 1 << 20


class Uploader:
    def __init__(self, endpoint):
        self.endpoint = urllib.parse.urlsplit(endpoint)
        self.local = threading.local()

    def conn(self):
        c = getattr(self.local, "conn", None)
        if c is None:
            c = http.client.HTTPConnection(self.endpoint.hostname, self.endpoint.port,
                                           timeout=300, blocksize=BLOCK)
            self.local.conn = c
        return c

    def put(self, url, path, offset=0, length=None):
        """PUTs [offset, offset+length) of `path` to a presigned URL; returns the ETag."""
        if length is None:
            length = os.path.getsize(path) - offset
        u = urllib.parse.urlsplit(url)
        target = u.path + ("?" + u.query if u.query else "")
        for attempt in range(3):
            c = self.conn()
            try:
                with open(path, "rb") as f:
                    f.seek(offset)
                    c.putrequest("PUT", target, skip_accept_encoding=True)
                    c.putheader("Content-Length", str(length))
                    c.endheaders()
                    left = length
                    while left:
                        data = f.read(min(BLOCK, left))
                        c.send(data)
                        left -= len(data)
                r = c.getresponse()
                body = r.read()
                if r.status != 200:
                    raise RuntimeError(f"PUT {target}: HTTP {r.status}: {body[:300]!r}")
                return r.getheader("ETag")
            except (ConnectionError, http.client.HTTPException):
                c.close()
                self.local.conn = None
                if attempt == 2:
                    raise


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--bucket", required=True)
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--jobs", type=int, default=8)
    ap.add_argument("--part-size", type=int, default=16 << 20)
    a = ap.parse_args()

    s3 = boto3.client("s3", endpoint_url=a.endpoint,
                      config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
    up = Uploader(a.endpoint)
    files = []
    for root, _dirs, names in os.walk(a.src):
        for n in names:
            p = os.path.join(root, n)
            files.append((p, a.prefix + os.path.relpath(p, a.src), os.path.getsize(p)))

    with concurrent.futures.ThreadPoolExecutor(a.jobs) as pool:
        futures, multiparts = [], []
        for path, key, size in files:
            if size <= a.part_size:
                url = s3.generate_presigned_url("put_object", {"Bucket": a.bucket, "Key": key},
                                                ExpiresIn=3600)
                futures.append(pool.submit(up.put, url, path))
                continue
            upload_id = s3.create_multipart_upload(Bucket=a.bucket, Key=key)["UploadId"]
            parts = []
            for n, off in enumerate(range(0, size, a.part_size), start=1):
                url = s3.generate_presigned_url(
                    "upload_part", {"Bucket": a.bucket, "Key": key, "UploadId": upload_id,
                                    "PartNumber": n}, ExpiresIn=3600)
                parts.append((n, pool.submit(up.put, url, path, off,
                                             min(a.part_size, size - off))))
            multiparts.append((key, upload_id, parts))
        for f in futures:
            f.result()
        for key, upload_id, parts in multiparts:
            s3.complete_multipart_upload(
                Bucket=a.bucket, Key=key, UploadId=upload_id,
                MultipartUpload={"Parts": [{"PartNumber": n, "ETag": f.result()}
                                           for n, f in parts]})


if __name__ == "__main__":
    main()
