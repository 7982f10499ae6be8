"""Building, opening and deleting the archive of an access or portability request.

`build_archive` is called by the request engine's `archive` step, inside the step's
transaction: it streams every section the contributions give into a ZIP, adds the
summary, and seals the result at `<data dir>/exports/<request id>.zip.sealed`. It is
idempotent: building again writes a new file and replaces the old one in one rename,
and a build that fails half-way leaves the previous archive (or none) untouched.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
import uuid
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from omniwise.kit.clock import utcnow
from omniwise.policy.binding import policy_for
from omniwise.privacy.contract import ExportSection, Holding, RequestType, StepContext
from omniwise.privacy.export.render import readme_text, summary_html, summary_json
from omniwise.privacy.export.sealing import SECRET_LABEL, SealedWriter, read_sealed
from omniwise.privacy.export.sections import WrittenSection, check_name, write_section
from omniwise.privacy.export.summary import FileFact, build_summary
from omniwise.runtime import Runtime

EXPORTS_FOLDER = "exports"
# a temporary file older than this belongs to a build that was killed, not to one running
STALE_SECONDS = 3600
SUMMARY_FILES = [
    FileFact("summary.html", None, None, "the summary of this archive, for reading"),
    FileFact("summary.json", None, None, "the same summary, machine-readable"),
    FileFact("README.txt", None, None, "what each file holds"),
]


@dataclass(frozen=True)
class ArchiveRequest:
    request_id: uuid.UUID
    type: RequestType
    law: str  # a law id of the policy (gdpr, ccpa, kvkk)
    received_at: datetime
    tenant_id: uuid.UUID | None


@dataclass(frozen=True)
class ArchiveInfo:
    request_id: uuid.UUID
    size: int  # bytes of the plain ZIP
    sha256: str  # of the plain ZIP, as the person downloads it
    files: list[str]
    sections: list[WrittenSection]  # each section's name, category and record count, in archive order


class _Digesting:
    """Counts and hashes the plain ZIP on its way to the sealed file."""

    def __init__(self, sink: SealedWriter) -> None:
        self._sink = sink
        self.digest = hashlib.sha256()

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self.digest.update(data)
        return self._sink.write(data)

    def flush(self) -> None:
        self._sink.flush()

    def close(self) -> None:
        """The ZIP does not close a stream it was given; the sealed file is closed by its builder."""


def exports_folder(runtime: Runtime) -> Path:
    folder = runtime.settings.data_dir / EXPORTS_FOLDER
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)  # also when it existed with a wider mode, or the umask narrowed mkdir's
    return folder


def archive_path(runtime: Runtime, request_id: uuid.UUID) -> Path:
    return exports_folder(runtime) / f"{request_id}.zip.sealed"


def _leftovers(folder: Path, request_id: uuid.UUID, *, older_than: float | None) -> None:
    """Remove temporary files that killed builds of this request left behind."""
    for leftover in folder.glob(f".{request_id}.zip.sealed.*.tmp"):
        with contextlib.suppress(FileNotFoundError):
            if older_than is None or leftover.stat().st_mtime < time.time() - older_than:
                leftover.unlink()


def _secret(runtime: Runtime) -> bytes:
    return runtime.keyring.platform_secret(SECRET_LABEL)


def build_archive(
    ctx: StepContext, *, sections: Iterable[ExportSection], holdings: list[Holding], request: ArchiveRequest
) -> ArchiveInfo:
    """Write the person's archive, sealed, replacing any earlier one of the request; say what it holds."""
    if request.type not in (RequestType.ACCESS, RequestType.PORTABILITY):
        raise ValueError(f"request {request.request_id} is a {request.type.value} request: it has no archive")
    policy = policy_for(ctx.session)
    folder = exports_folder(ctx.runtime)
    _leftovers(folder, request.request_id, older_than=STALE_SECONDS)
    sink = SealedWriter(
        folder / f"{request.request_id}.zip.sealed", secret=_secret(ctx.runtime), request_id=request.request_id
    )
    stream = _Digesting(sink)
    try:
        written: list[WrittenSection] = []
        names: set[str] = set()
        with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for section in sections:
                check_name(section.name, names)
                category = policy.categories_by_id.get(section.category)
                description = " ".join(category.description.split()) if category else section.title
                written.append(write_section(archive, section, description=description, folder=folder))
            summary = build_summary(
                ctx.session,
                policy,
                actor=ctx.actor,
                request_id=request.request_id,
                request_type=request.type,
                law_id=request.law,
                received_at=request.received_at,
                generated_at=utcnow(),
                holdings=holdings,
                written=written,
                extra_files=SUMMARY_FILES,
            )
            archive.writestr("summary.html", summary_html(summary))
            archive.writestr("summary.json", summary_json(summary))
            archive.writestr("README.txt", readme_text(summary))
        sink.close()
    except BaseException:
        sink.abort()
        raise
    files = [name for section in written for name in section.files] + [f.name for f in SUMMARY_FILES]
    return ArchiveInfo(request.request_id, sink.size, stream.digest.hexdigest(), files, written)


def open_archive(runtime: Runtime, request_id: uuid.UUID) -> Iterator[bytes]:
    """The plain ZIP in chunks, after the whole sealed file has been verified.

    Raises ArchiveMissing (404) when none is stored and ArchiveDamaged when the file
    fails authentication anywhere, before the first byte is given out.
    """
    return read_sealed(archive_path(runtime, request_id), secret=_secret(runtime), request_id=request_id)


def delete_archive(runtime: Runtime, request_id: uuid.UUID) -> bool:
    """Delete the request's archive; False when there was none (deleting twice is harmless)."""
    path = archive_path(runtime, request_id)
    _leftovers(path.parent, request_id, older_than=None)
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True
