#!/usr/bin/python3
"""A second, independent S3 client (Debian's python3-boto3) for cross-checks in the tests.

Usage: boto3_tool.py ENDPOINT BUCKET KEY COMMAND [ARGS]
  head             print JSON {size, content_type, metadata, etag}
  sha256           print JSON {size, sha256} of the object's bytes (streamed)
  put TYPE [k=v].. upload stdin as KEY with Content-Type TYPE and metadata k=v
  list-uploads     print JSON [[key, upload_id], ...] of incomplete multipart uploads
Credentials come from the environment, as for any AWS tool.
"""
import hashlib
import json
import sys

import boto3
from botocore.config import Config


def main():
    endpoint, bucket, key, command = sys.argv[1:5]
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )
    if command == "head":
        r = s3.head_object(Bucket=bucket, Key=key)
        print(json.dumps({"size": r["ContentLength"], "content_type": r.get("ContentType", ""),
                          "metadata": r.get("Metadata", {}), "etag": r["ETag"].strip('"')}))
    elif command == "sha256":
        body = s3.get_object(Bucket=bucket, Key=key)["Body"]
        digest = hashlib.sha256()
        size = 0
        for chunk in iter(lambda: body.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
        print(json.dumps({"size": size, "sha256": digest.hexdigest()}))
    elif command == "put":
        metadata = dict(arg.split("=", 1) for arg in sys.argv[6:])
        s3.put_object(Bucket=bucket, Key=key, Body=sys.stdin.buffer.read(),
                      ContentType=sys.argv[5], Metadata=metadata)
    elif command == "list-uploads":
        r = s3.list_multipart_uploads(Bucket=bucket, Prefix=key)
        print(json.dumps([[u["Key"], u["UploadId"]] for u in r.get("Uploads", [])]))
    else:
        sys.exit("unknown command " + command)


if __name__ == "__main__":
    main()
