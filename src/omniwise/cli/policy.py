"""`omniwise policy`: check, render, publish and compare the privacy policy.

`diff` exits 0 when the two sides are the same, 1 when they differ only in changes that
are not significant, 3 when at least one change is significant, and 2 when a side cannot
be read (like a usage error).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from omniwise.auth.actor import Actor
from omniwise.cli.context import runtime_for_command
from omniwise.config import get_settings
from omniwise.errors import OmniwiseError
from omniwise.policy import service
from omniwise.policy.datamap import check_policy_file
from omniwise.policy.diff import diff_policies
from omniwise.policy.model import Policy
from omniwise.policy.render import NoticeFormat, render_notice
from omniwise.policy.source import Finding
from omniwise.runtime import build_runtime

app = typer.Typer(help="The privacy policy: the notice as code.", no_args_is_help=True)

PolicyOption = Annotated[
    Path | None,
    typer.Option("--policy", help="The policy file [default: OMNIWISE_POLICY_FILE, else policy/privacy-policy.yaml]"),
]
PUBLISHER = Actor(kind="system", id="cli:policy-publish", role=None)
EXIT_SAME, EXIT_MINOR, EXIT_UNREADABLE, EXIT_SIGNIFICANT = 0, 1, 2, 3


def _path(policy: Path | None) -> Path:
    return policy if policy is not None else get_settings().policy_file


def _print_findings(findings: list[Finding]) -> None:
    for finding in findings:
        typer.echo(str(finding))


def _load(path: Path) -> Policy:
    """The policy in `path` if it passes every check; otherwise print the findings and exit 1."""
    policy, findings = check_policy_file(path)
    if policy is None:
        _print_findings(findings)
        typer.echo(f"omniwise: {len(findings)} problem(s) in {path}", err=True)
        raise typer.Exit(1)
    return policy


@app.command("check")
def check(policy: PolicyOption = None) -> None:
    """Validate the policy (schema, lint, taxonomy, data map); one line per problem as FILE:LINE: message."""
    path = _path(policy)
    loaded = _load(path)
    typer.echo(
        f"{path}: OK ({len(loaded.categories)} categories, {len(loaded.purposes)} purposes, "
        f"{len(loaded.recipients)} recipients)"
    )


@app.command("render")
def render(
    policy: PolicyOption = None,
    format: Annotated[NoticeFormat, typer.Option("--format", help="md or html")] = NoticeFormat.MD,
    output: Annotated[Path | None, typer.Option("--output", help="Write to this file instead of stdout")] = None,
) -> None:
    """Print the notice for people, generated from the policy alone; the same policy gives the same bytes."""
    text = render_notice(_load(_path(policy)), format).encode("utf-8")
    if output is not None:
        output.write_bytes(text)
    else:
        sys.stdout.buffer.write(text)
        sys.stdout.buffer.flush()


@app.command("publish")
def publish(policy: PolicyOption = None) -> None:
    """Record the policy as the next version; a significant change notifies every contact of every tenant."""
    path = _path(policy)
    loaded = _load(path)
    runtime = build_runtime(get_settings(), policy=loaded)
    try:
        with runtime.transaction() as session:
            result = service.publish(session, loaded, actor=PUBLISHER)
    except OmniwiseError as exc:
        typer.echo(f"omniwise: {exc.detail}", err=True)
        raise typer.Exit(1) from None
    finally:
        runtime.dispose()
    if not result.created:
        typer.echo(f"unchanged: version {result.version} already has this content; nothing published")
    elif result.version == 1:
        typer.echo("published version 1, the first: nothing to compare it with, so no one to notify")
    else:
        significant = sum(1 for change in result.changes if change.significant)
        typer.echo(
            f"published version {result.version}: {len(result.changes)} change(s), {significant} significant; "
            f"the notice-change message is queued for {result.notified} contact(s)"
        )


def _side(label: str, value: str) -> Policy:
    path = Path(value)
    if path.exists():
        policy, findings = check_policy_file(path)
        if policy is None:
            _print_findings(findings)
            typer.echo(f"omniwise: {label}: {path} is not a valid policy", err=True)
            raise typer.Exit(EXIT_UNREADABLE)
        return policy
    if not value.isdigit():
        typer.echo(f"omniwise: {label}: '{value}' is neither a policy file nor a version number", err=True)
        raise typer.Exit(EXIT_UNREADABLE)
    runtime = runtime_for_command()
    try:
        with runtime.transaction() as session:
            return service.policy_of(service.get_version(session, version=int(value)))
    except OmniwiseError as exc:
        typer.echo(f"omniwise: {label}: {exc.detail}", err=True)
        raise typer.Exit(EXIT_UNREADABLE) from None
    finally:
        runtime.dispose()


@app.command("diff")
def diff(
    old: Annotated[str, typer.Argument(metavar="A", help="A published version number, or a policy file")],
    new: Annotated[str, typer.Argument(metavar="B", help="A published version number, or a policy file")],
) -> None:
    """Show each change from A to B and whether it is significant.

    Exit 0: the same; 1: only minor changes; 3: a significant change; 2: a side cannot be read.
    """
    changes = diff_policies(_side("A", old), _side("B", new))
    for change in changes:
        label = "significant" if change.significant else "minor"
        typer.echo(f"{label:<12}{change.kind.value:<28}{change.path}: {change.summary}")
    significant = sum(1 for change in changes if change.significant)
    typer.echo(f"{len(changes)} change(s), {significant} significant")
    if significant:
        raise typer.Exit(EXIT_SIGNIFICANT)
    if changes:
        raise typer.Exit(EXIT_MINOR)
