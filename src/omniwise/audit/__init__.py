"""The tamper-evident audit chain: append-only, hash-chained, anchored outside the database."""

from omniwise.audit.service import AuditEntry, record
from omniwise.audit.verify import VerifyResult, verify_chain

__all__ = ["AuditEntry", "VerifyResult", "record", "verify_chain"]
