"""Zendesk API resources as typed models: the fields the platform reads, everything else ignored."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class _Resource(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Organization(_Resource):
    id: int
    name: str | None = None
    domain_names: list[str] = Field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    deleted_at: datetime | None = None


class User(_Resource):
    id: int
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    role: str | None = None
    organization_id: int | None = None
    active: bool = True
    created_at: datetime | None = None
    updated_at: datetime | None = None


class Ticket(_Resource):
    id: int
    subject: str | None = None
    description: str | None = None
    status: str = "new"
    priority: str | None = None
    type: str | None = None
    requester_id: int | None = None
    submitter_id: int | None = None
    organization_id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class Comment(_Resource):
    id: int
    author_id: int
    body: str | None = None
    html_body: str | None = None
    plain_body: str | None = None
    public: bool = True
    created_at: datetime | None = None


class ExportPage(_Resource):
    """One page of a cursor-based incremental export (tickets or users)."""

    after_cursor: str | None = None
    end_of_stream: bool = True


class TicketExportPage(ExportPage):
    items: list[Ticket]


class UserExportPage(ExportPage):
    items: list[User]


class ListPage(_Resource):
    """One page of a list with cursor pagination (`page[size]`, `meta.has_more`, `links.next`)."""

    has_more: bool = False
    after_cursor: str | None = None


class OrganizationPage(ListPage):
    items: list[Organization]


class CommentPage(ListPage):
    items: list[Comment]
