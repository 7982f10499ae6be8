"""Archives sealed at rest: AES-256-GCM in 64 KiB chunks, written atomically, verified before reading.

An export holds everything the platform knows about a person, in plain form, for days
until it is downloaded. It never touches the disk unencrypted: the ZIP is streamed
through `SealedWriter`, which encrypts it chunk by chunk into a temporary file of the
exports folder and renames it into place only once complete, so a worker killed half-way
leaves no half archive under the final name, and building again replaces the old one.

The key is derived with HKDF-SHA256 from the platform's `privacy-exports` secret, with
the request id as info and a random salt stored in the file's header: each build has a
key of its own, so the chunk index can serve as the nonce without a nonce ever being
reused under one key. Every chunk's associated data binds the header, the request id,
the chunk's index and whether it is the last one: a chunk moved, dropped, swapped with
another archive's, or a file cut short or extended, fails authentication.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import struct
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from omniwise.errors import NotFound, OmniwiseError

MAGIC = b"OWEXPv1\n"
SALT_BYTES = 16
HEADER_BYTES = len(MAGIC) + SALT_BYTES
CHUNK_BYTES = 64 * 1024
TAG_BYTES = 16
_LENGTH = struct.Struct(">I")
SECRET_LABEL = "privacy-exports"  # noqa: S105 - the name of a key-store secret, not a secret


class ArchiveDamaged(OmniwiseError):
    """The sealed archive fails authentication: changed, cut short, reordered or not ours."""

    title = "Export archive damaged"


class ArchiveMissing(NotFound):
    """No archive is stored for this request (never built, or deleted)."""


def derive_key(secret: bytes, *, request_id: uuid.UUID, salt: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=str(request_id).encode()).derive(secret)


def _nonce(index: int) -> bytes:
    return index.to_bytes(12, "big")


def _associated(header: bytes, request_id: uuid.UUID, index: int, last: bool) -> bytes:
    return header + request_id.bytes + index.to_bytes(8, "big") + (b"\x01" if last else b"\x00")


class SealedWriter:
    """A write-only stream that seals what it is given into `target` (atomically, at `close`).

    It has no `tell` or `seek`, so `zipfile` writes to it as to a pipe (data descriptors
    after each entry): nothing is ever read back, and memory stays at one chunk.
    """

    def __init__(self, target: Path, *, secret: bytes, request_id: uuid.UUID) -> None:
        self._target = target
        self._request_id = request_id
        salt = secrets.token_bytes(SALT_BYTES)
        self._header = MAGIC + salt
        self._aead = AESGCM(derive_key(secret, request_id=request_id, salt=salt))
        self._index = 0
        self._buffer = bytearray()
        self._size = 0
        self._closed = False
        fd, name = _temporary(target)
        self._temp = Path(name)
        self._file: BinaryIO = os.fdopen(fd, "wb")
        self._file.write(self._header)

    @property
    def size(self) -> int:
        """Plain bytes written so far."""
        return self._size

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:
        if self._closed:
            raise ValueError("write to a closed sealed archive")
        view = memoryview(data).cast("B")
        self._buffer += view
        self._size += len(view)
        # keep one full chunk back: the last chunk is only known at close
        while len(self._buffer) > CHUNK_BYTES:
            self._seal(bytes(self._buffer[:CHUNK_BYTES]), last=False)
            del self._buffer[:CHUNK_BYTES]
        return len(view)

    def flush(self) -> None:
        """Nothing to do: chunks are sealed as they fill (zipfile calls this)."""

    def _seal(self, plain: bytes, *, last: bool) -> None:
        sealed = self._aead.encrypt(
            _nonce(self._index), plain, _associated(self._header, self._request_id, self._index, last)
        )
        self._file.write(_LENGTH.pack(len(sealed)))
        self._file.write(sealed)
        self._index += 1

    def close(self) -> None:
        """Seal the last chunk, make the file durable and move it into place."""
        if self._closed:
            return
        self._seal(bytes(self._buffer), last=True)
        self._buffer.clear()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self._closed = True
        os.replace(self._temp, self._target)
        with contextlib.suppress(OSError):
            directory = os.open(self._target.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)

    def abort(self) -> None:
        """Drop the temporary file: the previous archive, if any, stays as it was."""
        if self._closed:
            return
        self._closed = True
        self._file.close()
        with contextlib.suppress(FileNotFoundError):
            self._temp.unlink()


def _temporary(target: Path) -> tuple[int, str]:
    name = target.parent / f".{target.name}.{secrets.token_hex(8)}.tmp"
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return fd, str(name)


def _chunks(file: BinaryIO, *, secret: bytes, request_id: uuid.UUID) -> Iterator[bytes]:
    """Decrypt and authenticate every chunk in order; raise ArchiveDamaged at the first that fails."""
    file.seek(0)
    header = file.read(HEADER_BYTES)
    if len(header) != HEADER_BYTES or not header.startswith(MAGIC):
        raise ArchiveDamaged(f"export archive of request {request_id} has no valid header")
    aead = AESGCM(derive_key(secret, request_id=request_id, salt=header[len(MAGIC) :]))
    index = 0
    length = file.read(_LENGTH.size)
    while True:
        if len(length) != _LENGTH.size:
            raise ArchiveDamaged(f"export archive of request {request_id} is cut short at chunk {index}")
        (size,) = _LENGTH.unpack(length)
        if not TAG_BYTES <= size <= CHUNK_BYTES + TAG_BYTES:
            raise ArchiveDamaged(f"export archive of request {request_id} has a malformed chunk {index}")
        sealed = file.read(size)
        if len(sealed) != size:
            raise ArchiveDamaged(f"export archive of request {request_id} is cut short at chunk {index}")
        length = file.read(_LENGTH.size)
        last = length == b""
        try:
            plain = aead.decrypt(_nonce(index), sealed, _associated(header, request_id, index, last))
        except InvalidTag:
            raise ArchiveDamaged(
                f"export archive of request {request_id} fails authentication at chunk {index}"
            ) from None
        yield plain
        if last:
            return
        index += 1


def read_sealed(path: Path, *, secret: bytes, request_id: uuid.UUID) -> Iterator[bytes]:
    """The plain bytes of a sealed archive, in chunks, once the WHOLE file has been verified.

    Verification runs before this returns, so a damaged archive raises here and not
    half-way through a download. The file stays open (one descriptor) between the check
    and the reading, so a rebuild that replaces it meanwhile cannot mix two archives.
    """
    try:
        file = path.open("rb")
    except FileNotFoundError:
        raise ArchiveMissing(f"no export archive is stored for request {request_id}") from None
    try:
        for _ in _chunks(file, secret=secret, request_id=request_id):
            pass
    except BaseException:
        file.close()
        raise
    return _reading(file, secret=secret, request_id=request_id)


def _reading(file: BinaryIO, *, secret: bytes, request_id: uuid.UUID) -> Iterator[bytes]:
    with file:
        yield from _chunks(file, secret=secret, request_id=request_id)
