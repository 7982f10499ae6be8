"""The body of each step of a privacy request, run inside the step's job transaction.

`run_step` is what the `privacy.run_step` job calls: a step already done is left alone
(a duplicate message), a step that fails is retried by the job runner, and a step whose
last attempt fails is marked failed (its error a type and a place, never a value) so that
the request stops where officers can see it, rather than run past a missing part.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict
from typing import Any

from sqlalchemy.orm import Session

from omniwise.kit.clock import utcnow
from omniwise.kit.faults import fault_point
from omniwise.privacy import archive, closing, notices, sealing
from omniwise.privacy.contract import (
    Contribution,
    ExportSection,
    Holding,
    Outcome,
    RequestType,
    StepContext,
    SubjectRole,
    ZendeskInstruction,
    all_contributions,
    get_contribution,
)
from omniwise.privacy.models import PrivacyRequest, PrivacyRequestStep, RequestStatus, StepStatus
from omniwise.privacy.service import split_by_business
from omniwise.privacy.workflow import (
    ARCHIVED,
    holding_to_json,
    needs_approval,
    plan_actions,
    queue_next,
    request_actor,
    steps_of,
    stored_holdings,
    transition,
)
from omniwise.runtime import Runtime
from omniwise.tenants.models import Tenant
from omniwise.worker.runner import describe_error

StepFn = Callable[[StepContext, PrivacyRequest, PrivacyRequestStep], dict[str, Any]]


def context(session: Session, runtime: Runtime, request: PrivacyRequest) -> StepContext:
    changes = sealing.open_changes(runtime.keyring, request.id, request.corrections_ct)
    return StepContext(
        session=session,
        runtime=runtime,
        actor=request_actor(request),
        request_id=request.id,
        request_type=RequestType(request.type),
        zendesk_instruction=ZendeskInstruction(request.instruction) if request.instruction else None,
        changes=changes,
    )


def _email(ctx: StepContext, request: PrivacyRequest) -> str:
    if request.email_ct is None:
        raise RuntimeError("the request's address was cleared before its steps ran")
    return sealing.open_email(ctx.runtime.keyring, request.id, request.email_ct)


def _holdings_of(request: PrivacyRequest, contribution: str) -> list[Holding]:
    return [holding for holding in stored_holdings(request) if holding.contribution == contribution]


def outcome_json(outcome: Outcome) -> dict[str, Any]:
    data = asdict(outcome)
    data["until"] = outcome.until.isoformat() if outcome.until else None
    return data


def locate(ctx: StepContext, request: PrivacyRequest, step: PrivacyRequestStep) -> dict[str, Any]:
    email = _email(ctx, request)
    holdings: list[Holding] = []
    for contribution in all_contributions():
        holdings.extend(contribution.locate(ctx, email=email, tenant_id=request.tenant_id))
    if request.split_from_id is not None:
        # passed on by a request that named no business, which handles the platform's own data itself
        holdings = [h for h in holdings if h.role is SubjectRole.PROCESSOR]
    passed_on: list[Outcome] = []
    if needs_approval(ctx.request_type, holdings) and request.decision is None:
        deciders = sorted(
            {h.tenant_id for h in holdings if h.role is SubjectRole.PROCESSOR and h.tenant_id is not None}, key=str
        )
        if request.tenant_id is None and len(deciders) > 1:
            # the customer of several businesses: each decides on its own customers' data, in a request of its own
            passed_on = _pass_on(ctx, request, holdings, deciders, email=email)
            holdings = [h for h in holdings if h.role is not SubjectRole.PROCESSOR]
        else:
            if request.tenant_id is None and deciders:
                # someone who named no business turns out to be the customer of exactly one: that business
                # decides, so it must see the request (tenant admins see only their own business's requests)
                request.tenant_id = deciders[0]
            request.needs_approval = True
    request.holdings = [holding_to_json(holding) for holding in holdings]
    counts: dict[str, int] = {}
    for holding in holdings:
        counts[holding.contribution] = counts.get(holding.contribution, 0) + holding.records
    if request.needs_approval and request.decision is None:
        transition(ctx.session, request, seen=RequestStatus.IN_PROGRESS, to=RequestStatus.AWAITING_APPROVAL)
        _ask_for_approval(ctx, request, holdings)
    result: dict[str, Any] = {"holdings": len(holdings), "records": counts}
    if passed_on:
        result["outcomes"] = [outcome_json(o) for o in passed_on]  # the report names the requests passed on
    return result


def _pass_on(
    ctx: StepContext, request: PrivacyRequest, holdings: list[Holding], tenants: list[uuid.UUID], *, email: str
) -> list[Outcome]:
    """Open each business's own request; one report line per business and category, naming that request."""
    parts = split_by_business(ctx.session, ctx.runtime, request, tenants=tenants, email=email, actor=ctx.actor)
    outcomes = []
    for part in parts:
        tenant = ctx.session.get(Tenant, part.tenant_id)
        name = tenant.name if tenant is not None else "a business"
        totals: dict[tuple[str, str], int] = {}
        for h in holdings:
            if h.role is SubjectRole.PROCESSOR and h.tenant_id == part.tenant_id:
                totals[(h.contribution, h.category)] = totals.get((h.contribution, h.category), 0) + h.records
        for (contribution, category), count in sorted(totals.items()):
            where = f"{name}, request {part.reference}"
            outcomes.append(Outcome(contribution, category, "passed_on", where, count))
    return outcomes


def _ask_for_approval(ctx: StepContext, request: PrivacyRequest, holdings: list[Holding]) -> None:
    tenants = sorted({h.tenant_id for h in holdings if h.role.value == "processor" and h.tenant_id}, key=str)
    closing.audit(
        ctx.session, request, "privacy:request:approval_requested", ctx.actor, tenants=[str(t) for t in tenants]
    )
    for tenant_id in tenants:
        notices.to_users(
            ctx.session,
            notices.tenant_admins(ctx.session, tenant_id),
            template="privacy_approval_needed",
            params={
                "reference": request.reference,
                "request_type": request.type,
                "due_on": notices.day(request.deadline),
                "request_path": f"/portal/requests/{request.id}",  # the portal page where the admin decides
            },
            actor=ctx.actor,
            key=f"{request.id}:approval",
        )


def _contribution(step: PrivacyRequestStep) -> Contribution:
    assert step.contribution is not None
    return get_contribution(step.contribution)


def export(ctx: StepContext, request: PrivacyRequest, step: PrivacyRequestStep) -> dict[str, Any]:
    """Count what the contribution will put in the archive, as the report's "exported" lines.

    Only requests planned before the archive step counted its own sections have this step;
    it stays so that they finish (a new access or portability request goes from locate to
    the archive, whose single read of each part both writes and counts it).
    """
    contribution = _contribution(step)
    outcomes = []
    for section in contribution.export(ctx, _holdings_of(request, contribution.name)):
        count = sum(1 for _ in section.records)
        outcomes.append(Outcome(contribution.name, section.category, "exported", section.name, count))
    return {"outcomes": [outcome_json(o) for o in outcomes]}


def erase(ctx: StepContext, request: PrivacyRequest, step: PrivacyRequestStep) -> dict[str, Any]:
    contribution = _contribution(step)
    return {"outcomes": [outcome_json(o) for o in contribution.erase(ctx, _holdings_of(request, contribution.name))]}


def correct(ctx: StepContext, request: PrivacyRequest, step: PrivacyRequestStep) -> dict[str, Any]:
    contribution = _contribution(step)
    allowed = set(contribution.correctable())
    own = StepContext(**{**ctx.__dict__, "changes": {k: v for k, v in ctx.changes.items() if k in allowed}})
    if not own.changes:
        return {"outcomes": []}
    return {"outcomes": [outcome_json(o) for o in contribution.correct(own, _holdings_of(request, contribution.name))]}


def opt_out(ctx: StepContext, request: PrivacyRequest, step: PrivacyRequestStep) -> dict[str, Any]:
    contribution = _contribution(step)
    holdings = _holdings_of(request, contribution.name)
    return {"outcomes": [outcome_json(o) for o in contribution.opt_out(ctx, holdings, email=_email(ctx, request))]}


def _sections(ctx: StepContext, request: PrivacyRequest, owners: dict[str, str]) -> Iterator[ExportSection]:
    """Every holding part's sections, one part after another; `owners` learns which part gave each."""
    held_by = {holding.contribution for holding in stored_holdings(request)}
    for part in all_contributions():
        if part.name in held_by:
            for section in part.export(ctx, _holdings_of(request, part.name)):
                owners[section.name] = part.name
                yield section


def build(ctx: StepContext, request: PrivacyRequest, step: PrivacyRequestStep) -> dict[str, Any]:
    """Write the archive, reading each part once, and say what went in as the report's "exported" lines."""
    owners: dict[str, str] = {}
    info = archive.build(ctx, request, sections=_sections(ctx, request, owners), holdings=stored_holdings(request))
    # a request planned before the archive counted its sections has its counts from its export steps
    counted = any(earlier.name == "export" for earlier in steps_of(ctx.session, request.id))
    outcomes = [
        Outcome(owners[written.name], written.category, "exported", written.name, written.records)
        for written in ([] if counted else info.sections)
    ]
    return {
        "size": info.size,
        "sha256": info.sha256,
        "files": list(info.files),
        "outcomes": [outcome_json(o) for o in outcomes],
    }


def report(ctx: StepContext, request: PrivacyRequest, step: PrivacyRequestStep) -> dict[str, Any]:
    lines: list[dict[str, Any]] = []
    for earlier in steps_of(ctx.session, request.id):
        if earlier.position < step.position and earlier.result:
            lines.extend(earlier.result.get("outcomes", []))
    request.report = lines
    return {"lines": len(lines)}


def summary_lines(request: PrivacyRequest) -> list[str]:
    """One line per action and place, for the completion message: counts and places, no values."""
    totals: dict[tuple[str, str], int] = {}
    for line in request.report or []:
        key = (str(line["action"]), str(line["where"]))
        totals[key] = totals.get(key, 0) + int(line["count"])
    return [
        f"{action.replace('_', ' ').capitalize()}: {count} in {where}." for (action, where), count in totals.items()
    ][:50]


def notify(ctx: StepContext, request: PrivacyRequest, step: PrivacyRequestStep) -> dict[str, Any]:
    from omniwise.privacy.tokens import issue_export_token  # the token module reads the request's state

    export_path = None
    if RequestType(request.type) in ARCHIVED:
        export_path = f"/privacy/exports/{issue_export_token(ctx.session, request=request)}"
    done = closing.complete(
        ctx.session, request, actor=ctx.actor, summary=summary_lines(request), export_path=export_path
    )
    return {"completed": done}


STEPS: dict[str, StepFn] = {
    "locate": locate,
    "export": export,
    "erase": erase,
    "correct": correct,
    "opt_out": opt_out,
    "archive": build,
    "report": report,
    "notify": notify,
}


def run_step(session: Session, runtime: Runtime, *, step_id: uuid.UUID, attempt: int, last_attempt: bool) -> None:
    step = session.get(PrivacyRequestStep, step_id)
    if step is None or step.status in (StepStatus.DONE.value, StepStatus.SKIPPED.value):
        return
    request = session.get(PrivacyRequest, step.request_id)
    assert request is not None  # steps are deleted with their request
    if request.status in (RequestStatus.REFUSED.value, RequestStatus.COMPLETED.value):
        step.status = StepStatus.SKIPPED.value
        return
    if step.name == "locate":
        transition(session, request, seen=RequestStatus.RECEIVED, to=RequestStatus.IN_PROGRESS)
    step.attempts = attempt
    step.started_at = utcnow()
    ctx = context(session, runtime, request)
    savepoint = session.begin_nested()
    try:
        result = STEPS[step.name](ctx, request, step)
        savepoint.commit()
    except Exception as exc:
        if not last_attempt:
            raise
        savepoint.rollback()
        step.status = StepStatus.FAILED.value
        step.error = describe_error(exc)
        step.finished_at = utcnow()
        closing.audit(
            session, request, "privacy:request_step:failed", ctx.actor, step=step.name, position=step.position
        )
        return
    step.status = StepStatus.DONE.value
    step.result = result
    step.finished_at = utcnow()
    session.flush()
    if step.name == "locate":
        if request.status == RequestStatus.IN_PROGRESS.value:
            plan_actions(session, request)
    else:
        queue_next(session, request)
    fault_point(f"privacy.step.{step.name}.before_commit")
