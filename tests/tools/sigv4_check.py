"""Checks a received request's AWS Signature Version 4 (header form) as AWS would, for the test
doubles of AWS APIs (sqs_double.py, aws_notify_double.py).

The signature is recomputed with botocore's own SigV4Auth (Debian's python3-botocore) from the
request as it arrived, independently of unpackd's signer: a test that passes against a double
signed the way AWS's own SDK does, including the non-S3 rule that each path segment is encoded
once more in the canonical request.
"""

import datetime
import hashlib
import hmac

# AWS's code for each refusal, and the Query protocol's spelling of it (x-amzn-query-error, SNS).
QUERY_CODES = {
    "MissingAuthenticationTokenException": "MissingAuthenticationToken",
    "IncompleteSignatureException": "IncompleteSignature",
    "UnrecognizedClientException": "InvalidClientTokenId",
    "InvalidSignatureException": "SignatureDoesNotMatch",
}


class SignatureRefused(Exception):
    """The request is not signed as AWS would accept: answer HTTP 403 with `code`."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message
        self.query_code = QUERY_CODES[code]


class SigV4Checker:
    """One key pair in one region; thread-safe (it keeps no state)."""

    def __init__(self, access_key, secret_key, region):
        self.access_key = access_key
        self.secret_key = secret_key
        self.region = region

    def verify(self, service, method, raw_path, headers, body):
        """Raises SignatureRefused unless the request (its path as sent, its headers with
        lower-case names, its body bytes) is signed for `service` with this key pair."""
        authorization = headers.get("authorization", "")
        if not authorization.startswith("AWS4-HMAC-SHA256 "):
            raise SignatureRefused("MissingAuthenticationTokenException",
                                   "Request is missing Authentication Token")
        fields = {}
        for part in authorization[len("AWS4-HMAC-SHA256 "):].split(","):
            key, _, value = part.strip().partition("=")
            fields[key] = value
        credential = fields.get("Credential", "").split("/")
        signed_names = fields.get("SignedHeaders", "").split(";")
        if len(credential) != 5 or "Signature" not in fields or "host" not in signed_names:
            raise SignatureRefused("IncompleteSignatureException",
                                   "Authorization header requires Credential, SignedHeaders "
                                   "(with host) and Signature.")
        key_id, day, region, scope_service, terminal = credential
        if key_id != self.access_key:
            raise SignatureRefused("UnrecognizedClientException",
                                   "The security token included in the request is invalid.")
        amz_date = headers.get("x-amz-date", "")
        try:
            when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(
                tzinfo=datetime.timezone.utc)
        except ValueError:
            raise SignatureRefused("IncompleteSignatureException",
                                   "X-Amz-Date is missing or malformed.")
        skew = abs((datetime.datetime.now(datetime.timezone.utc) - when).total_seconds())
        if skew > 300:
            raise SignatureRefused("InvalidSignatureException", "Signature expired.")
        expected_scope = (amz_date[:8], self.region, service, "aws4_request")
        if (day, region, scope_service, terminal) != expected_scope:
            raise SignatureRefused("InvalidSignatureException",
                                   "Credential should be scoped to %s, not %s."
                                   % ("/".join(expected_scope), "/".join(credential[1:])))
        claimed = headers.get("x-amz-content-sha256")
        if claimed is not None and claimed != hashlib.sha256(body).hexdigest():
            raise SignatureRefused("InvalidSignatureException",
                                   "The x-amz-content-sha256 header does not match the body.")
        if not hmac.compare_digest(self._expected(service, method, raw_path, headers, body,
                                                  signed_names, amz_date), fields["Signature"]):
            raise SignatureRefused("InvalidSignatureException",
                                   "The request signature we calculated does not match the "
                                   "signature you provided. Check your AWS Secret Access Key "
                                   "and signing method.")

    def _expected(self, service, method, raw_path, headers, body, signed_names, amz_date):
        # Imported here so that a double that is never asked does not need botocore to start.
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        # Only the headers the client says it signed, as botocore signs every header it is given.
        request = AWSRequest(method=method,
                             url="http://%s%s" % (headers.get("host", ""), raw_path), data=body,
                             headers={name: headers.get(name, "") for name in signed_names})
        request.context["timestamp"] = amz_date
        signer = SigV4Auth(Credentials(self.access_key, self.secret_key,
                                       headers.get("x-amz-security-token")), service, self.region)
        canonical_request = signer.canonical_request(request)
        return signer.signature(signer.string_to_sign(request, canonical_request), request)
