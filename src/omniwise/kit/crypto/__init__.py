"""Field encryption (AES-256-GCM bound to table, column and row) and blind indexes."""

from omniwise.kit.crypto.blind_index import BLIND_INDEX_BITS, blind_index
from omniwise.kit.crypto.fields import DecryptionError, FieldCipher, field_aad

__all__ = ["BLIND_INDEX_BITS", "DecryptionError", "FieldCipher", "blind_index", "field_aad"]
