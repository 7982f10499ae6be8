"""The archive of an access or portability request: streamed, summarised as Article 15 requires, sealed at rest.

build_archive(ctx, sections=..., holdings=..., request=ArchiveRequest(...)) -> ArchiveInfo
open_archive(runtime, request_id) -> Iterator[bytes]   # the plain ZIP, verified first
delete_archive(runtime, request_id) -> bool
"""

from omniwise.privacy.export.archive import (
    ArchiveInfo,
    ArchiveRequest,
    archive_path,
    build_archive,
    delete_archive,
    open_archive,
)
from omniwise.privacy.export.sealing import ArchiveDamaged, ArchiveMissing

__all__ = [
    "ArchiveDamaged",
    "ArchiveInfo",
    "ArchiveMissing",
    "ArchiveRequest",
    "archive_path",
    "build_archive",
    "delete_archive",
    "open_archive",
]
