"""The engine's side of the archive (package `omniwise.privacy.export`): build it, stream it, delete it.

The archive itself (the ZIP, sealed in chunks under the data directory) is the export
package's; this module is the one place the engine calls it, so the workflow and the
endpoints depend on these three functions only.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator

from omniwise.privacy.contract import ExportSection, Holding, RequestType, StepContext
from omniwise.privacy.export import ArchiveInfo, ArchiveRequest, build_archive, delete_archive, open_archive
from omniwise.privacy.models import PrivacyRequest
from omniwise.runtime import Runtime


def build(
    ctx: StepContext, request: PrivacyRequest, *, sections: Iterable[ExportSection], holdings: list[Holding]
) -> ArchiveInfo:
    archive_request = ArchiveRequest(
        request_id=request.id,
        type=RequestType(request.type),
        law=request.law,
        received_at=request.received_at,
        tenant_id=request.tenant_id,
    )
    return build_archive(ctx, sections=sections, holdings=holdings, request=archive_request)


def stream(runtime: Runtime, request_id: uuid.UUID) -> Iterator[bytes]:
    return open_archive(runtime, request_id)


def delete(runtime: Runtime, request_id: uuid.UUID) -> bool:
    return delete_archive(runtime, request_id)
