"""`omniwise keys`: master key rotation."""

from __future__ import annotations

import typer

from omniwise.audit import AuditEntry, record
from omniwise.cli.context import runtime_for_command

app = typer.Typer(help="Encryption keys.", no_args_is_help=True)


@app.command("rotate-master")
def rotate_master() -> None:
    """Re-wrap every tenant key under a new master key, without re-encrypting any data."""
    runtime = runtime_for_command()
    try:
        report = runtime.keyring.rotate_master()
        with runtime.transaction() as session:
            record(
                session,
                AuditEntry(
                    name="keys:master:rotated",
                    actor_type="system",
                    actor_id="cli",
                    purpose="security",
                    object_type="master_key",
                    object_id=report.new_master_key_id,
                    details={"tenant_keys_rewrapped": report.tenant_keys_rewrapped},
                ),
            )
    finally:
        runtime.dispose()
    typer.echo(
        f"master key rotated to {report.new_master_key_id}: {report.tenant_keys_rewrapped} tenant keys "
        f"re-wrapped, {len(report.retired_master_key_ids)} old master key(s) retired"
    )
