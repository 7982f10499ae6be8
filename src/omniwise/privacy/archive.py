"""The engine's side of the archive (package `omniwise.privacy.export`): build it, stream it, delete it.

The archive itself (the ZIP, sealed in chunks under the data directory) is the export
package's; this module is the one place the engine calls it, so the workflow and the
endpoints depend on these three functions only.
"""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from omniwise.privacy.contract import ExportSection, Holding, RequestType, StepContext
from omniwise.privacy.models import PrivacyRequest
from omniwise.runtime import Runtime


class ArchiveInfo(Protocol):
    request_id: uuid.UUID
    size: int
    sha256: str
    files: list[str]


def _export() -> Any:
    return importlib.import_module("omniwise.privacy.export")


def build(
    ctx: StepContext, request: PrivacyRequest, *, sections: Iterable[ExportSection], holdings: list[Holding]
) -> ArchiveInfo:
    module = _export()
    archive_request = module.ArchiveRequest(
        request_id=request.id,
        type=RequestType(request.type),
        law=request.law,
        received_at=request.received_at,
        tenant_id=request.tenant_id,
    )
    info: ArchiveInfo = module.build_archive(ctx, sections=sections, holdings=holdings, request=archive_request)
    return info


def stream(runtime: Runtime, request_id: uuid.UUID) -> Iterator[bytes]:
    chunks: Iterator[bytes] = _export().open_archive(runtime, request_id)
    return chunks


def delete(runtime: Runtime, request_id: uuid.UUID) -> bool:
    return bool(_export().delete_archive(runtime, request_id))
