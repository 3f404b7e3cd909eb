"""Checks webhook deliveries as a platform's receiver would, per the Standard
Webhooks specification, with Python's own hmac and the cryptography package:
an implementation independent of the registry's.

Usage: verify_webhooks.py FILE, where FILE holds
{"secrets": ["whsec_…" or "whpk_…", …], "messages": [{"id", "timestamp", "signature", "body"}, …]}.
Every message must carry, for every secret given, a signature that verifies.
Prints the number of messages checked."""

import base64
import hashlib
import hmac
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def verifies(secret, content, signatures):
    if secret.startswith("whsec_"):
        key = base64.b64decode(secret[len("whsec_"):])
        expected = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
        return any(version == "v1" and hmac.compare_digest(sig, expected) for version, sig in signatures)
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(secret[len("whpk_"):]))
    for version, sig in signatures:
        if version != "v1a":
            continue
        try:
            key.verify(base64.b64decode(sig), content)
            return True
        except InvalidSignature:
            pass
    return False


def main():
    given = json.load(open(sys.argv[1]))
    for message in given["messages"]:
        content = f'{message["id"]}.{message["timestamp"]}.{message["body"]}'.encode()
        signatures = [entry.split(",", 1) for entry in message["signature"].split(" ")]
        for secret in given["secrets"]:
            if not verifies(secret, content, signatures):
                sys.exit(f'message {message["id"]}: no signature verifies with {secret[:8]}…')
    print(len(given["messages"]))


main()
