"""How privacy requests read on the pages: the words for each type, status and step, from one place.

The types are named as the policy names the rights they serve, so the request form, the
notice and the privacy center's home page use the same words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from omniwise.policy.model import Law, Policy
from omniwise.privacy.contract import RequestType

# the right of the policy (`rights.items[].id`) each request type serves
RIGHT_OF_TYPE = {
    RequestType.ACCESS: "access",
    RequestType.PORTABILITY: "portability",
    RequestType.CORRECTION: "rectification",
    RequestType.DELETION: "erasure",
    RequestType.OPT_OUT: "opt_out_promotional",
}
TYPE_LABELS = {
    RequestType.ACCESS: "See what we hold",
    RequestType.PORTABILITY: "Get a copy",
    RequestType.CORRECTION: "Correct it",
    RequestType.DELETION: "Delete it",
    RequestType.OPT_OUT: "Stop promotional messages",
}
STATUS_LABELS = {
    "received": "Received",
    "verifying": "Waiting for confirmation",
    "awaiting_approval": "Waiting for the business's decision",
    "in_progress": "In progress",
    "completed": "Completed",
    "refused": "Refused",
}
STATUS_HINTS = {
    "received": "we have the request and start on it shortly",
    "verifying": "the link we emailed has not been followed yet",
    "awaiting_approval": "the business whose customer data this is decides, and we carry out its instruction",
    "in_progress": "we are carrying it out",
    "completed": "carried out, and the answer sent",
    "refused": "it was not carried out; the message sent says why",
}
STEP_LABELS = {
    "locate": "Finding the information",
    "export": "Collecting a copy",
    "erase": "Deleting",
    "correct": "Correcting",
    "opt_out": "Stopping promotional messages",
    "archive": "Preparing the download",
    "report": "Writing the report",
    "notify": "Sending the answer",
}
ACTION_LABELS = {
    "deleted": "Deleted",
    "kept": "Kept",
    "corrected": "Corrected",
    "redacted": "Redacted",
    "suppressed": "Suppressed",
    "anonymised": "Anonymised",
    "exported": "Exported",
    "not_found": "Nothing found",
    "passed_on": "Passed to the business to decide",
}
# what a tenant may instruct for its customer's Zendesk tickets when it approves a deletion
INSTRUCTION_LABELS = {
    "redact": "Redact the person's comments and keep the tickets",
    "delete": "Delete the tickets they requested",
    "delete_permanently": "Delete the tickets and then delete them permanently (cannot be undone)",
}
EXPORT_TYPES = frozenset({RequestType.ACCESS.value, RequestType.PORTABILITY.value})


@dataclass(frozen=True)
class TypeChoice:
    value: str
    label: str
    description: str
    laws: tuple[str, ...]


def type_choices(policy: Policy) -> list[TypeChoice]:
    """Each request type with the label of this site and the description of its right in the policy."""
    rights = {right.id: right for right in policy.rights.items}
    choices = []
    for kind in RequestType:
        right = rights.get(RIGHT_OF_TYPE[kind])
        description = right.description if right else ""
        choices.append(TypeChoice(kind.value, TYPE_LABELS[kind], description, tuple(right.laws) if right else ()))
    return choices


def law_of(policy: Policy, law_id: str | None) -> Law | None:
    return next((law for law in policy.rights.laws if law.id == law_id), None)


def step_label(name: str) -> str:
    return STEP_LABELS.get(name, name.replace("_", " ").capitalize())


@dataclass(frozen=True)
class Labels:
    """What the templates use to name things (`labels.status[...]`, `labels.step(...)`)."""

    status: Mapping[str, str]
    status_hint: Mapping[str, str]
    type: Mapping[str, str]
    action: Mapping[str, str]
    instruction: Mapping[str, str]

    @staticmethod
    def step(name: str) -> str:
        return step_label(name)


LABELS = Labels(
    status=STATUS_LABELS,
    status_hint=STATUS_HINTS,
    type={kind.value: label for kind, label in TYPE_LABELS.items()},
    action=ACTION_LABELS,
    instruction=INSTRUCTION_LABELS,
)
