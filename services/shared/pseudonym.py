"""Pseudonyms and field encryption with KMS: the HMAC key and the data key never leave KMS.

- ``pseudonymize(value, purpose)`` is HMAC-SHA256 by ``GenerateMac`` with the region's HMAC key. The purpose
  ("bsn", "address") separates domains so a BSN pseudonym can never equal an address pseudonym.
- ``encrypt``/``decrypt`` use the region's data key under an encryption context that says what the value is
  and what it belongs to; decrypting with another context fails.
"""

from __future__ import annotations

import base64

from services.shared.aws import client
from services.shared.settings import get_settings


def pseudonymize(value: str, *, purpose: str) -> str:
    if not value or not purpose:
        raise ValueError("both a value and a purpose are needed for a pseudonym")
    response = client("kms").generate_mac(
        KeyId=get_settings().hmac_key_id,
        MacAlgorithm="HMAC_SHA_256",
        Message=f"jeugdketen:{purpose}:{value}".encode(),
    )
    return base64.urlsafe_b64encode(response["Mac"]).decode().rstrip("=")


def encrypt(plaintext: str, *, context: dict[str, str]) -> str:
    response = client("kms").encrypt(
        KeyId=get_settings().data_key_id, Plaintext=plaintext.encode(), EncryptionContext=context
    )
    return base64.b64encode(response["CiphertextBlob"]).decode()


def decrypt(ciphertext: str, *, context: dict[str, str]) -> str:
    response = client("kms").decrypt(
        KeyId=get_settings().data_key_id, CiphertextBlob=base64.b64decode(ciphertext), EncryptionContext=context
    )
    return bytes(response["Plaintext"]).decode()
