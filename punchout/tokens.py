"""One-time tokens of punchout sessions: only their hashes are stored."""

import hashlib


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
