#!/usr/bin/python3
"""A second, independent S3 client (Debian's python3-boto3) for cross-checks in the tests.

Usage: boto3_tool.py ENDPOINT BUCKET KEY COMMAND [ARGS]
  head             print JSON {size, content_type, metadata, etag}
  sha256           print JSON {size, sha256} of the object's bytes (streamed)
  put TYPE [k=v].. upload stdin as KEY with Content-Type TYPE and metadata k=v
  list-uploads     print JSON [[key, upload_id], ...] of incomplete multipart uploads
  list             print JSON [key, ...] of the objects under KEY (a prefix)
  sha256-all       print JSON {key: {size, sha256}} of every object under KEY (a prefix)
  upload FILE      upload FILE as KEY, in 5 MiB parts when it is larger (as aws s3 cp does)
  mb               create BUCKET (KEY is ignored)
  notify URL       radosgw: a topic pushing to URL (HTTP, or amqp:// with ARGS
                   exchange=... ) and BUCKET's ObjectCreated notifications to it, for keys
                   under the prefix KEY
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
    elif command == "sha256-all":
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key)
        out = {}
        for o in (o for page in pages for o in page.get("Contents", [])):
            data = s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
            out[o["Key"]] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        print(json.dumps(out))
    elif command == "put":
        metadata = dict(arg.split("=", 1) for arg in sys.argv[6:])
        s3.put_object(Bucket=bucket, Key=key, Body=sys.stdin.buffer.read(),
                      ContentType=sys.argv[5], Metadata=metadata)
    elif command == "list-uploads":
        r = s3.list_multipart_uploads(Bucket=bucket, Prefix=key)
        print(json.dumps([[u["Key"], u["UploadId"]] for u in r.get("Uploads", [])]))
    elif command == "list":
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key)
        print(json.dumps([o["Key"] for page in pages for o in page.get("Contents", [])]))
    elif command == "upload":
        from boto3.s3.transfer import TransferConfig
        s3.upload_file(sys.argv[5], bucket, key, Config=TransferConfig(
            multipart_threshold=5 << 20, multipart_chunksize=5 << 20))
    elif command == "mb":
        s3.create_bucket(Bucket=bucket)
    elif command == "notify":
        notify(endpoint, s3, bucket, key, sys.argv[5], sys.argv[6:])
    else:
        sys.exit("unknown command " + command)


def notify(endpoint, s3, bucket, prefix, push_endpoint, args):
    """radosgw's bucket notifications: an SNS-style topic on the S3 endpoint itself."""
    sns = boto3.client("sns", endpoint_url=endpoint, region_name="us-east-1")
    attributes = {"push-endpoint": push_endpoint}
    attributes.update(dict(arg.split("=", 1) for arg in args))
    topic = sns.create_topic(Name=bucket + "-unpackd", Attributes=attributes)["TopicArn"]
    rule = {"Key": {"FilterRules": [{"Name": "prefix", "Value": prefix}]}} if prefix else {}
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={"TopicConfigurations": [dict(
            Id="unpackd", TopicArn=topic, Events=["s3:ObjectCreated:*"],
            **({"Filter": rule} if rule else {}))]})
    print(json.dumps({"topic": topic}))


if __name__ == "__main__":
    main()
