#!/usr/bin/python3
"""Server ceiling: uploads already-extracted files to S3 as fast as this client can.

No archive reading, no decompression: every file of --src is PUT under --prefix by --jobs
threads, each on its own kept-alive connection, bodies sent from the page cache in 1 MiB
blocks. Files above --part-size go up as multipart uploads whose parts are spread over the
same threads. Requests carry SigV4 query-string signatures (UNSIGNED-PAYLOAD) computed here
with hmac/hashlib: no boto3, whose import alone costs ~0.5 s, so the per-run and per-request
client overhead is as small as Python allows. What this reaches is what the server (plus
loopback) allows: the yardstick for "how close to the server's limit" unpackd gets.

Usage: ceiling_upload.py --endpoint URL --bucket B --prefix P --src DIR [--jobs N]
Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and AWS_DEFAULT_REGION) from the
environment. Path-style addressing.
"""
import argparse
import concurrent.futures
import datetime
import hashlib
import hmac
import http.client
import os
import re
import threading
import urllib.parse

BLOCK = 1 << 20


def uri_encode(text, keep_slash):
    return urllib.parse.quote(text, safe="/~" if keep_slash else "~")


class Signer:
    def __init__(self, host, access_key, secret_key, region):
        self.host, self.access_key, self.region = host, access_key, region
        self.secret = secret_key

    def target(self, method, bucket, key, params=None):
        """Path plus presigned query for one request."""
        now = datetime.datetime.now(datetime.timezone.utc)
        amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
        scope = f"{day}/{self.region}/s3/aws4_request"
        query = dict(params or {})
        query.update({"X-Amz-Algorithm": "AWS4-HMAC-SHA256",
                      "X-Amz-Credential": f"{self.access_key}/{scope}",
                      "X-Amz-Date": amz_date, "X-Amz-Expires": "3600",
                      "X-Amz-SignedHeaders": "host"})
        path = "/" + uri_encode(bucket, False) + "/" + uri_encode(key, True)
        canonical_query = "&".join(f"{uri_encode(k, False)}={uri_encode(v, False)}"
                                   for k, v in sorted(query.items()))
        canonical = "\n".join([method, path, canonical_query, f"host:{self.host}\n", "host",
                               "UNSIGNED-PAYLOAD"])
        to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                             hashlib.sha256(canonical.encode()).hexdigest()])
        k = ("AWS4" + self.secret).encode()
        for part in (day, self.region, "s3", "aws4_request"):
            k = hmac.new(k, part.encode(), hashlib.sha256).digest()
        sig = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
        return f"{path}?{canonical_query}&X-Amz-Signature={sig}"


class Client:
    def __init__(self, endpoint, signer):
        u = urllib.parse.urlsplit(endpoint)
        self.host, self.port = u.hostname, u.port
        self.signer = signer
        self.local = threading.local()

    def conn(self):
        c = getattr(self.local, "conn", None)
        if c is None:
            c = http.client.HTTPConnection(self.host, self.port, timeout=300, blocksize=BLOCK)
            self.local.conn = c
        return c

    def request(self, method, bucket, key, params=None, body=b"", path=None, offset=0,
                length=None):
        """One signed request; the body is bytes or [offset, offset+length) of file `path`.
        Returns (headers, body). Retries twice on a dropped connection."""
        target = self.signer.target(method, bucket, key, params)
        if path is not None and length is None:
            length = os.path.getsize(path) - offset
        for attempt in range(3):
            c = self.conn()
            try:
                c.putrequest(method, target, skip_accept_encoding=True)
                c.putheader("Content-Length", str(length if path is not None else len(body)))
                c.endheaders()
                if path is not None:
                    with open(path, "rb") as f:
                        f.seek(offset)
                        left = length
                        while left:
                            data = f.read(min(BLOCK, left))
                            c.send(data)
                            left -= len(data)
                elif body:
                    c.send(body)
                r = c.getresponse()
                data = r.read()
                if r.status != 200:
                    raise RuntimeError(f"{method} {key}: HTTP {r.status}: {data[:300]!r}")
                return r, data
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
    ap.add_argument("--jobs", type=int, default=16)
    ap.add_argument("--part-size", type=int, default=16 << 20)
    a = ap.parse_args()

    u = urllib.parse.urlsplit(a.endpoint)
    signer = Signer(u.netloc, os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"],
                    os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))
    client = Client(a.endpoint, signer)
    files = []
    for root, _dirs, names in os.walk(a.src):
        for n in names:
            p = os.path.join(root, n)
            files.append((p, a.prefix + os.path.relpath(p, a.src), os.path.getsize(p)))

    with concurrent.futures.ThreadPoolExecutor(a.jobs) as pool:
        futures, multiparts = [], []
        for path, key, size in files:
            if size <= a.part_size:
                futures.append(pool.submit(client.request, "PUT", a.bucket, key, path=path))
                continue
            _, body = client.request("POST", a.bucket, key, {"uploads": ""})
            upload_id = re.search(rb"<UploadId>([^<]+)</UploadId>", body).group(1).decode()
            parts = []
            for n, off in enumerate(range(0, size, a.part_size), start=1):
                parts.append((n, pool.submit(
                    client.request, "PUT", a.bucket, key,
                    {"partNumber": str(n), "uploadId": upload_id}, path=path, offset=off,
                    length=min(a.part_size, size - off))))
            multiparts.append((key, upload_id, parts))
        for f in futures:
            f.result()
        for key, upload_id, parts in multiparts:
            xml = "<CompleteMultipartUpload>" + "".join(
                f"<Part><PartNumber>{n}</PartNumber><ETag>{f.result()[0].getheader('ETag')}</ETag>"
                "</Part>" for n, f in parts) + "</CompleteMultipartUpload>"
            client.request("POST", a.bucket, key, {"uploadId": upload_id}, body=xml.encode())


if __name__ == "__main__":
    main()
