"""Anchors: the chain head written outside the database after every appended batch.

Someone who can rewrite the database can also rewrite its head row; they cannot also
rewind the anchor, so cutting the newest events off the chain is detected.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str


class AnchorSink(Protocol):
    def write(self, anchor: Anchor) -> None: ...

    def read(self) -> Anchor | None: ...


class FileAnchorSink:
    """Keeps the highest anchor in a small JSON file; writers serialise on a lock file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, anchor: Anchor) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_suffix(".lock")
        with open(lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            current = self.read()
            if current is not None and current.seq >= anchor.seq:
                return
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"seq": anchor.seq, "hash": anchor.hash}))
            os.replace(tmp, self.path)

    def read(self) -> Anchor | None:
        with contextlib.suppress(FileNotFoundError):
            content = json.loads(self.path.read_text())
            return Anchor(int(content["seq"]), str(content["hash"]))
        return None


class MemoryAnchorSink:
    """An anchor held in memory, for tests of the layers above."""

    def __init__(self) -> None:
        self.anchor: Anchor | None = None

    def write(self, anchor: Anchor) -> None:
        if self.anchor is None or anchor.seq > self.anchor.seq:
            self.anchor = anchor

    def read(self) -> Anchor | None:
        return self.anchor
