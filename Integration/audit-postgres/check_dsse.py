"""Checks glassbox's DSSE envelopes without glassbox: usage check_dsse.py ENVELOPES KEY.pub LOG.

For every envelope: the Ed25519 signature over DSSE's PAE (built here from the spec) verifies
with the raw public key; the payload is an in-toto Statement v1 whose subject digest is the
SHA-256 of the log line it names (line tree_size) and whose record count matches the lines.
"""
import base64
import hashlib
import json
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def pae(payload_type: bytes, payload: bytes) -> bytes:
    return b"DSSEv1 %d %s %d %s" % (len(payload_type), payload_type, len(payload), payload)


def main() -> int:
    envelopes_path, key_path, log_path = sys.argv[1:4]
    key_hex = open(key_path).read().strip().split(":", 1)[1]
    key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(key_hex))
    lines = open(log_path, "rb").read().split(b"\n")[:-1]
    envelopes = [json.loads(line) for line in open(envelopes_path) if line.strip()]
    assert envelopes, "no envelope"
    for envelope in envelopes:
        payload = base64.b64decode(envelope["payload"])
        payload_type = envelope["payloadType"].encode()
        assert payload_type == b"application/vnd.in-toto+json"
        (signature,) = envelope["signatures"]
        key.verify(base64.b64decode(signature["sig"]), pae(payload_type, payload))  # raises when invalid
        statement = json.loads(payload)
        assert statement["_type"] == "https://in-toto.io/Statement/v1"
        (subject,) = statement["subject"]
        size = statement["predicate"]["tree_size"]
        assert subject["digest"]["sha256"] == hashlib.sha256(lines[size - 1]).hexdigest(), "subject is not line tree_size"
        records = sum(1 for line in lines[:size] if b'"type":"explanation"' in line)
        assert statement["predicate"]["records"] == records, (statement["predicate"]["records"], records)
        assert subject["name"].endswith(f"records={records}")
    print(f"{len(envelopes)} envelope(s) verified")
    return 0


if __name__ == "__main__":
    sys.exit(main())
