"""Loading a policy file: parse, validate against the schema, lint; cached per content."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from omniwise.policy.lint import lint
from omniwise.policy.model import Policy
from omniwise.policy.source import Document, Finding, PathKey, parse


class PolicyInvalid(Exception):
    """A policy file that does not pass the check; `findings` lists every problem."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        super().__init__(str(findings[0]) if findings else "the policy is invalid")
        self.findings = list(findings)


def _schema_message(error: Any) -> str:
    kind = error.get("type", "")
    loc = error.get("loc", ())
    where = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in loc).replace(".[", "[")
    if kind == "missing":
        return f"{where}: missing; this key is required"
    if kind == "extra_forbidden":
        return f"{where}: unknown key"
    if kind == "literal_error" and loc == ("format",):
        return "format: must be 1 (the only policy format there is)"
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    return f"{where}: {message}"


def _schema_findings(doc: Document, exc: ValidationError) -> list[Finding]:
    findings = []
    for error in exc.errors():
        loc: PathKey = tuple(error.get("loc", ()))
        findings.append(doc.finding(loc, _schema_message(error)))
    return findings


def check_text(text: str, source: str) -> tuple[Policy | None, list[Finding]]:
    """Every finding for a policy's text, and the policy itself when there are none."""
    doc = parse(text, source)
    if doc.data is None:
        return None, sorted(doc.findings)
    try:
        policy = Policy.model_validate(doc.data)
    except ValidationError as exc:
        return None, sorted(doc.findings + _schema_findings(doc, exc))
    findings = sorted(doc.findings + lint(doc, policy))
    return (None if findings else policy), findings


def check_file(path: Path) -> tuple[Policy | None, list[Finding]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return None, [Finding(0, f"cannot read the policy file ({exc.strerror or type(exc).__name__})", str(path))]
    except UnicodeDecodeError:
        return None, [Finding(0, "the policy file is not UTF-8 text", str(path))]
    return check_text(text, str(path))


_cache: dict[tuple[str, str], Policy] = {}
_lock = threading.Lock()


def load_policy(path: Path) -> Policy:
    """The valid policy in `path`, or PolicyInvalid; each distinct content is checked once."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PolicyInvalid(
            [Finding(0, f"cannot read the policy file ({exc.strerror or type(exc).__name__})", str(path))]
        ) from None
    key = (str(path.resolve()), hashlib.sha256(raw).hexdigest())
    with _lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PolicyInvalid([Finding(0, "the policy file is not UTF-8 text", str(path))]) from None
    policy, findings = check_text(text, str(path))
    if policy is None:
        raise PolicyInvalid(findings)
    with _lock:
        _cache[key] = policy
    return policy
