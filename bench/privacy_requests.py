"""Benchmark: the local part of privacy requests (access export, deletion) on PostgreSQL, against a naive baseline.

The store has the shape of BENCHMARKS.md, spread over 20 businesses: 10% customers (Zendesk
users in the mirror, and some contacts), 30% tickets, 60% ticket comments. Bystanders are
written in bulk with set-based SQL (random bytes for their ciphertext, keys and blind
indexes: they are never opened). The people asked about are made through the real code
paths (tenant keys, a key of their own, the Zendesk mirror sealing every field): each owns
20 tickets and 60 comments (81 rows), and one owns 8,001 rows.

Each request runs the real way: `privacy.service.open_request` (staff, identity verified),
then every `privacy.run_step` job through the job runner (`worker.runner.run_job`: claim,
step, completion), synchronously in this process, with the business's approval given at
once when the workflow asks for it. The Zendesk connections are in `needs_authorization`,
so the erase step makes no Zendesk call and runs only the local erase (the person's key
destroyed, then one DELETE per table); everything else is what a worker does.

    local part of an access export = locate + archive (each contribution read once, into the sealed ZIP)
    local part of a deletion       = locate + erase (one step per contribution)

The baseline, on the same data in the same run: find the person by decrypting every
candidate of the business (no blind index: one key fetch and unwrap per candidate), read
their rows one query per row, and (deletion) delete them row by row with a commit per row.

    uv run python bench/privacy_requests.py [--rows 10000 1000000] [--runs 5] [--baseline-runs 2]

OMNIWISE_BENCH_PG_URL names the server (default postgresql://postgres@127.0.0.1:5432/postgres);
the scratch database is dropped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine, event, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from cryptography.exceptions import InvalidTag

from omniwise.auth.actor import SYSTEM, Actor
from omniwise.auth.roles import Role
from omniwise.config import Settings
from omniwise.keys import KeyDestroyed, KeyRing
from omniwise.kit.crypto import blind_index
from omniwise.migrate import upgrade_all
from omniwise.privacy.contract import ZendeskInstruction
from omniwise.privacy.models import PrivacyRequest, RequestStatus, StepStatus
from omniwise.privacy.service import decide_request, open_request
from omniwise.privacy.workflow import steps_of
from omniwise.runtime import Runtime, build_runtime
from omniwise.tenants.schemas import TenantCreate
from omniwise.tenants.service import create_tenant
from omniwise.worker.models import JobStatus
from omniwise.worker.runner import run_job
from omniwise.zendesk import repository
from omniwise.zendesk.models import ZendeskConnection
from omniwise.zendesk.records import Mirror, email_key
from omniwise.zendesk.resources import Comment, Ticket, User

ADMIN_URL = os.environ.get("OMNIWISE_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TENANTS = 20
TICKETS, COMMENTS_PER_TICKET = 20, 3  # 1 + 20 + 60 = 81 rows, as the peer's person
BIG_TICKETS = 2_000  # 1 + 2,000 + 6,000 = 8,001 rows
GOAL_ACCESS_S = 0.050  # BENCHMARKS.md; the goal is 1 s
GOAL_DELETION_S = 0.050
GOAL_BIG_DELETION_S = 0.200
GOAL_RSS_MB = 150
PEOPLE_ZENDESK_IDS = 900_000_000  # the measured people's Zendesk ids start here; bystanders' are lower
STAFF = Actor(kind="user", id="bench-privacy-officer", role=Role.PRIVACY_OFFICER)
ACCESS_STEPS = ("locate", "archive")
DELETION_STEPS = ("locate", "erase")


# statements and time, per phase of a request


@dataclass
class Phase:
    seconds: float = 0.0
    statements: int = 0


@dataclass
class Meter:
    """Counts every statement sent to the data database and the key store (a SQLAlchemy event listener)."""

    engines: list[Engine]
    statements: int = 0
    counting: bool = False
    phases: dict[str, Phase] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for engine in self.engines:
            event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *args: Any) -> None:
        if self.counting:
            self.statements += 1

    def reset(self) -> None:
        self.phases = {}

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        self.counting = True
        first = self.statements
        started = time.perf_counter()
        try:
            yield
        finally:
            done = self.phases.setdefault(name, Phase())
            done.seconds += time.perf_counter() - started
            done.statements += self.statements - first
            self.counting = False

    def total(self, names: tuple[str, ...] | None = None) -> Phase:
        chosen = [p for n, p in self.phases.items() if names is None or n in names]
        return Phase(sum(p.seconds for p in chosen), sum(p.statements for p in chosen))


# the store: businesses, their Zendesk accounts, bystanders in bulk


@dataclass
class Business:
    tenant_id: uuid.UUID
    connection_id: uuid.UUID
    users: int = 0  # bystander Zendesk users
    contacts: int = 0
    tickets: int = 0
    comments: int = 0


def make_businesses(runtime: Runtime) -> list[Business]:
    businesses = []
    with runtime.transaction() as session:
        for n in range(TENANTS):
            tenant = create_tenant(
                session, runtime.keyring, actor=SYSTEM, data=TenantCreate(name=f"Bench business {n}", region="eu")
            )
            connection = ZendeskConnection(
                id=uuid.uuid4(),
                tenant_id=tenant.id,
                subdomain=f"bench{n}",
                base_url=f"https://bench{n}.zendesk.com",
                auth_type="oauth",
                status="needs_authorization",  # no Zendesk call: the erase step runs its local part only
            )
            session.add(connection)
            businesses.append(Business(tenant.id, connection.id))
    return businesses


def uid(kind: str) -> str:
    """A deterministic UUID (md5) of a bystander row from the tenant, a kind and the row's number `g`."""
    return f"md5(:tenant || '{kind}' || g::text)::uuid"


TENANT = "CAST(:tenant AS uuid)"


def sealed() -> str:
    return "decode(md5(random()::text) || md5(random()::text), 'hex')"


BYSTANDER_SQL = [
    # data subjects of new Zendesk users and contacts, with a key each (random bytes: never unwrapped)
    f"""INSERT INTO data_subjects (id, tenant_id, kind, created_at)
        SELECT {uid("u")}, {TENANT}, 'zendesk_user', now() FROM generate_series(:u0, :u1 - 1) AS g
        UNION ALL SELECT {uid("c")}, {TENANT}, 'contact', now() FROM generate_series(:c0, :c1 - 1) AS g""",
    f"""INSERT INTO subject_keys (subject_id, tenant_id, wrapped_key, created_at)
        SELECT {uid("u")}, {TENANT}, {sealed()} || {sealed()}, now() FROM generate_series(:u0, :u1 - 1) AS g
        UNION ALL
        SELECT {uid("c")}, {TENANT}, {sealed()} || {sealed()}, now() FROM generate_series(:c0, :c1 - 1) AS g""",
    f"""INSERT INTO zendesk_users (id, tenant_id, connection_id, subject_id, zendesk_id, role, name_ct, email_ct,
            phone_ct, email_bidx, active, zendesk_updated_at, created_at)
        SELECT {uid("zu")}, {TENANT}, :connection, {uid("u")}, 1000000 + g, 'end-user', {sealed()}, {sealed()},
               {sealed()}, floor(random() * 65536)::int, true, now(), now()
        FROM generate_series(:u0, :u1 - 1) AS g""",
    f"""INSERT INTO contacts (id, tenant_id, subject_id, name_ct, email_ct, phone_ct, email_bidx, phone_bidx,
            created_at)
        SELECT {uid("ct")}, {TENANT}, {uid("c")}, {sealed()}, {sealed()}, {sealed()},
               floor(random() * 65536)::int, floor(random() * 65536)::int, now()
        FROM generate_series(:c0, :c1 - 1) AS g""",
    # ticket g is requested by bystander user g % users; comment g is on ticket g / 2, by its requester
    f"""INSERT INTO zendesk_tickets (id, tenant_id, connection_id, subject_id, zendesk_id, requester_zendesk_id,
            subject_ct, description_ct, status, zendesk_created_at, zendesk_updated_at, created_at)
        SELECT {uid("t")}, {TENANT}, :connection, md5(:tenant || 'u' || (g % :u1)::text)::uuid, 10000000 + g,
               1000000 + g % :u1, {sealed()}, {sealed()}, 'open', now(), now(), now()
        FROM generate_series(:t0, :t1 - 1) AS g""",
    f"""INSERT INTO zendesk_comments (id, tenant_id, connection_id, ticket_id, subject_id, zendesk_id,
            author_zendesk_id, public, body_ct, redacted, zendesk_created_at, created_at)
        SELECT {uid("cm")}, {TENANT}, :connection, md5(:tenant || 't' || (g / 2)::text)::uuid,
               md5(:tenant || 'u' || ((g / 2) % :u1)::text)::uuid, 100000000 + g, 1000000 + (g / 2) % :u1,
               true, {sealed()} || {sealed()}, false, now(), now()
        FROM generate_series(:m0, :m1 - 1) AS g""",
]
SHAPE_TABLES = ("zendesk_users", "contacts", "zendesk_tickets", "zendesk_comments")


def grow(engine: Engine, businesses: list[Business], rows: int) -> float:
    """Add bystanders until the store holds `rows` of them: 10% customers, 30% tickets, 60% comments."""
    started = time.perf_counter()
    per_tenant = rows // TENANTS
    customers = per_tenant // 10
    users_goal = customers * 4 // 5
    contacts_goal = customers - users_goal
    tickets_goal = per_tenant * 3 // 10
    comments_goal = per_tenant - customers - tickets_goal
    with engine.begin() as conn:
        for b in businesses:
            bounds = {
                "tenant": str(b.tenant_id),
                "connection": b.connection_id,
                "u0": b.users,
                "u1": users_goal,
                "c0": b.contacts,
                "c1": contacts_goal,
                "t0": b.tickets,
                "t1": tickets_goal,
                "m0": b.comments,
                "m1": comments_goal,
            }
            for statement in BYSTANDER_SQL:
                conn.execute(text(statement), bounds)
            b.users, b.contacts, b.tickets, b.comments = users_goal, contacts_goal, tickets_goal, comments_goal
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in (*SHAPE_TABLES, "data_subjects", "subject_keys"):
            conn.execute(text(f"VACUUM ANALYZE {table}"))
    return time.perf_counter() - started


def stored_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return sum(int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in SHAPE_TABLES)


# the people asked about, made through the real code paths


@dataclass(frozen=True)
class Person:
    business: Business
    email: str
    zendesk_id: int
    rows: int


class People:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime  # its own runtime: the measuring one has none of their keys cached
        self.made = 0

    def make(self, business: Business, *, tickets: int = TICKETS) -> Person:
        self.made += 1
        n = self.made
        zendesk_id = PEOPLE_ZENDESK_IDS + n * 100_000
        email = f"person{n}@customer{n % 7}.example"
        now = datetime.now(UTC)
        with self.runtime.transaction() as session:
            connection = session.get(ZendeskConnection, business.connection_id)
            assert connection is not None
            mirror = Mirror(session, self.runtime.keyring, connection)
            user = User(id=zendesk_id, name=f"Person {n}", email=email, phone="+442071838750", role="end-user")
            mirror.upsert_users([user.model_copy(update={"updated_at": now})])
            ticket_ids = [zendesk_id + 1 + t for t in range(tickets)]
            mirror.upsert_tickets(
                [
                    Ticket(
                        id=t,
                        subject=f"Order {t} has not arrived",
                        description="I ordered last week and nothing came; my address is on file.",
                        status="open",
                        requester_id=zendesk_id,
                        created_at=now,
                        updated_at=now,
                    )
                    for t in ticket_ids
                ]
            )
            rows = repository.tickets_by_zendesk_id(
                session, tenant_id=business.tenant_id, connection_id=business.connection_id, zendesk_ids=ticket_ids
            )
            comment_id = zendesk_id * 10
            for t in ticket_ids:
                comments = []
                for _ in range(COMMENTS_PER_TICKET):
                    comment_id += 1
                    body = f"Still waiting for order {t}, please call me back."
                    comments.append(
                        Comment(
                            id=comment_id, author_id=zendesk_id, body=body, html_body=f"<p>{body}</p>", created_at=now
                        )
                    )
                mirror.store_comments(rows[t], comments, synced_for=now)
            # bystanders' random blind indexes must not point at this person's: their keys cannot be opened
            bidx = blind_index(self.runtime.keyring.index_key(business.tenant_id), "email", email_key(email))
            for table in ("zendesk_users", "contacts"):
                session.execute(
                    text(
                        f"UPDATE {table} SET email_bidx = (email_bidx + 1) % 65536 "
                        f"WHERE tenant_id = :tenant AND email_bidx = :bidx AND subject_id <> :subject"
                    ),
                    {"tenant": business.tenant_id, "bidx": bidx, "subject": rows[ticket_ids[0]].subject_id},
                )
        return Person(business, email, zendesk_id, 1 + tickets * (1 + COMMENTS_PER_TICKET))


# the platform: a request from submission to completion, through the job runner


def run_request(runtime: Runtime, meter: Meter, person: Person, request_type: str) -> dict[str, Phase]:
    meter.reset()
    tenant_id = person.business.tenant_id
    with meter.phase("open"), runtime.transaction() as session:
        request = open_request(
            session,
            runtime,
            type=request_type,
            email=person.email,
            tenant_id=tenant_id,
            jurisdiction=None,
            channel="api",
            actor=STAFF,
            verified_by="identity checked against the business's records",
        )
        request_id = request.id
    admin = Actor(kind="user", id="bench-tenant-admin", role=Role.TENANT_ADMIN, tenant_id=tenant_id)
    while True:
        with runtime.transaction() as session:
            request = session.get(PrivacyRequest, request_id)
            assert request is not None
            status = request.status
            pending = [s for s in steps_of(session, request_id) if s.status == StepStatus.PENDING.value]
            step = (pending[0].name, pending[0].job_id) if pending else None
        if status == RequestStatus.COMPLETED.value:
            return meter.phases
        if status == RequestStatus.AWAITING_APPROVAL.value:
            with meter.phase("decision"), runtime.transaction() as session:
                decide_request(
                    session,
                    runtime,
                    actor=admin,
                    request_id=request_id,
                    approve=True,
                    instruction=ZendeskInstruction.DELETE_PERMANENTLY if request_type == "deletion" else None,
                    reason=None,
                )
            continue
        if step is None or step[1] is None:
            raise SystemExit(f"request {request_id} is {status} with no step to run")
        with meter.phase(step[0]):
            outcome = run_job(runtime, step[1])
        if outcome is not JobStatus.SUCCEEDED:
            raise SystemExit(f"request {request_id}: the {step[0]} step ended {outcome}")


# the naive baseline: no blind index, one query per row, one commit per deleted row


def naive_locate(runtime: Runtime, person: Person) -> tuple[uuid.UUID, uuid.UUID]:
    """The person's Zendesk user row and subject, by opening every candidate's email in their business."""
    tenant_id = person.business.tenant_id
    keyring: KeyRing = runtime.keyring
    wanted = email_key(person.email)
    found = None
    with runtime.engine.connect() as conn:
        candidates = conn.execute(
            text("SELECT id, subject_id, email_ct FROM zendesk_users WHERE tenant_id = :t"), {"t": tenant_id}
        ).all()
        for row_id, subject_id, email_ct in candidates:
            try:
                cipher = keyring.cipher(tenant_id, subject_id)
                value = cipher.open_optional(email_ct, table="zendesk_users", column="email", row_id=row_id)
            except (KeyDestroyed, InvalidTag):
                continue  # a bystander: key or ciphertext that cannot be opened, after the same work
            if value is not None and email_key(value) == wanted:
                found = (row_id, subject_id)
    assert found is not None, "the baseline did not find the person"
    return found


def naive_rows(runtime: Runtime, person: Person, subject_id: uuid.UUID) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    with runtime.engine.connect() as conn:
        tickets = [
            r[0] for r in conn.execute(text("SELECT id FROM zendesk_tickets WHERE subject_id = :s"), {"s": subject_id})
        ]
        comments = [
            r[0] for r in conn.execute(text("SELECT id FROM zendesk_comments WHERE subject_id = :s"), {"s": subject_id})
        ]
    return tickets, comments


def naive_access(runtime: Runtime, meter: Meter, person: Person, out: Path) -> Phase:
    meter.reset()
    tenant_id = person.business.tenant_id
    with meter.phase("access"):
        user_id, subject_id = naive_locate(runtime, person)
        tickets, comments = naive_rows(runtime, person, subject_id)
        cipher = runtime.keyring.cipher(tenant_id, subject_id)
        records: dict[str, list[dict[str, Any]]] = {"users": [], "tickets": [], "comments": []}
        with runtime.engine.connect() as conn:
            row = conn.execute(
                text("SELECT name_ct, email_ct FROM zendesk_users WHERE id = :id"), {"id": user_id}
            ).one()
            records["users"].append(
                {
                    "name": cipher.open_optional(row[0], table="zendesk_users", column="name", row_id=user_id),
                    "email": cipher.open_optional(row[1], table="zendesk_users", column="email", row_id=user_id),
                }
            )
            for ticket_id in tickets:
                row = conn.execute(
                    text("SELECT subject_ct, description_ct FROM zendesk_tickets WHERE id = :id"), {"id": ticket_id}
                ).one()
                records["tickets"].append(
                    {
                        "subject": cipher.open_optional(
                            row[0], table="zendesk_tickets", column="subject", row_id=ticket_id
                        ),
                        "description": cipher.open_optional(
                            row[1], table="zendesk_tickets", column="description", row_id=ticket_id
                        ),
                    }
                )
            for comment_id in comments:
                row = conn.execute(
                    text("SELECT body_ct FROM zendesk_comments WHERE id = :id"), {"id": comment_id}
                ).one()
                records["comments"].append(
                    {"body": cipher.open_optional(row[0], table="zendesk_comments", column="body", row_id=comment_id)}
                )
        out.write_text(json.dumps(records))
    return meter.phases["access"]


def naive_deletion(runtime: Runtime, meter: Meter, person: Person) -> Phase:
    meter.reset()
    with meter.phase("deletion"):
        user_id, subject_id = naive_locate(runtime, person)
        tickets, comments = naive_rows(runtime, person, subject_id)
        with runtime.engine.connect() as conn:
            for table, ids in (
                ("zendesk_comments", comments),
                ("zendesk_tickets", tickets),
                ("zendesk_users", [user_id]),
            ):
                for row_id in ids:
                    conn.execute(text(f"DELETE FROM {table} WHERE id = :id"), {"id": row_id})
                    conn.commit()
        runtime.keyring.destroy_subject_key(subject_id)
    assert len(tickets) + len(comments) + 1 == person.rows
    return meter.phases["deletion"]


# the figures


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def median(phases: list[Phase]) -> Phase:
    return Phase(statistics.median(p.seconds for p in phases), round(statistics.median(p.statements for p in phases)))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


@dataclass
class Figures:
    access: Phase
    access_full: Phase
    deletion: Phase
    deletion_full: Phase
    big: Phase
    big_full: Phase
    naive_access: Phase
    naive_deletion: Phase
    naive_big: Phase


def measure(
    server: Runtime, meter: Meter, people: People, businesses: list[Business], runs: int, baseline_runs: int, out: Path
) -> Figures:
    def pick(i: int) -> Business:
        return businesses[i % len(businesses)]

    # one of each first, unmeasured: a serving process has its templates compiled and its connections open
    run_request(server, meter, people.make(pick(0)), "access")
    run_request(server, meter, people.make(pick(1)), "deletion")
    access, access_full, deletion, deletion_full, naive_a, naive_d = [], [], [], [], [], []
    for i in range(runs):
        phases = run_request(server, meter, people.make(pick(i)), "access")
        access.append(meter.total(ACCESS_STEPS))
        access_full.append(meter.total())
        assert set(phases) >= set(ACCESS_STEPS)
        run_request(server, meter, people.make(pick(i + 1)), "deletion")
        deletion.append(meter.total(DELETION_STEPS))
        deletion_full.append(meter.total())
        if i < baseline_runs:
            naive_a.append(naive_access(server, meter, people.make(pick(i + 2)), out / f"naive-{i}.json"))
            naive_d.append(naive_deletion(server, meter, people.make(pick(i + 3))))
    run_request(server, meter, people.make(pick(4), tickets=BIG_TICKETS), "deletion")
    big, big_full = meter.total(DELETION_STEPS), meter.total()
    naive_big = naive_deletion(server, meter, people.make(pick(5), tickets=BIG_TICKETS))
    return Figures(
        median(access),
        median(access_full),
        median(deletion),
        median(deletion_full),
        big,
        big_full,
        median(naive_a),
        median(naive_d),
        naive_big,
    )


def report(rows: int, stored: int, f: Figures, runs: int, baseline_runs: int) -> None:
    def line(label: str, platform: Phase, full: Phase | None, naive: Phase, goal: float, naive_runs: int) -> None:
        verdict = "meets" if platform.seconds < goal else "MISSES"
        extra = f", submit to complete {ms(full.seconds)} ({full.statements} statements)" if full else ""
        print(f"  {label}: {ms(platform.seconds)} ({platform.statements} statements){extra}  [{verdict} < {ms(goal)}]")
        ratio = naive.seconds / platform.seconds
        versus = f"{ratio:,.1f}x faster" if ratio >= 1 else f"{1 / ratio:,.1f}x SLOWER"
        print(
            f"    baseline: {ms(naive.seconds)} ({naive.statements} statements, median of {naive_runs}): "
            f"the platform is {versus}"
        )

    print(f"{rows:,} bystander rows ({stored:,} rows in the store at the end, with the people asked about)")
    line(
        f"access export, local part (median of {runs})",
        f.access,
        f.access_full,
        f.naive_access,
        GOAL_ACCESS_S,
        baseline_runs,
    )
    line(
        f"deletion, local part (median of {runs})",
        f.deletion,
        f.deletion_full,
        f.naive_deletion,
        GOAL_DELETION_S,
        baseline_runs,
    )
    line("deletion of the person owning 8,001 rows, local part", f.big, f.big_full, f.naive_big, GOAL_BIG_DELETION_S, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline-runs", type=int, default=2, help="the baseline's runs (slow at 1M rows)")
    args = parser.parse_args()
    sizes = sorted(args.rows)

    name = f"omniwise_bench_{secrets.token_hex(4)}"
    try:
        with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
            version = conn.execute("SHOW server_version").fetchone()
    except psycopg.Error as exc:
        raise SystemExit(f"bench/privacy_requests.py needs PostgreSQL at {ADMIN_URL} ({type(exc).__name__})") from None
    url = f"{ADMIN_URL.rpartition('/')[0]}/{name}"
    results: dict[int, Figures] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(data_dir=Path(tmp), database_url=url, keystore_url=url)
            loader = build_runtime(settings)
            upgrade_all(loader.engine, loader.keyring.engine)
            server = build_runtime(settings)
            meter = Meter([server.engine, server.keyring.engine])
            businesses = make_businesses(loader)
            people = People(loader)
            print(
                f"privacy requests on PostgreSQL {version[0] if version else '?'}: {TENANTS} businesses; "
                "each request opened by staff and run step by step through the job runner in this process; "
                "Zendesk calls not made (connections need authorisation), so deletion is the local erase only"
            )
            print(f"  (load average at the start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
            for rows in sizes:
                seconds = grow(loader.engine, businesses, rows)
                print(f"  (grew to {rows:,} bystander rows in {seconds:.1f} s)")
                results[rows] = measure(server, meter, people, businesses, args.runs, args.baseline_runs, Path(tmp))
                report(rows, stored_rows(loader.engine), results[rows], args.runs, min(args.runs, args.baseline_runs))
            if len(sizes) > 1:
                low, high = results[sizes[0]], results[sizes[-1]]
                for label, a, b in (
                    ("access export", low.access, high.access),
                    ("deletion", low.deletion, high.deletion),
                    ("deletion of 8,001 rows", low.big, high.big),
                ):
                    flat = b.seconds <= a.seconds * 1.5 + 0.005
                    print(
                        f"  {label}: {ms(a.seconds)} at {sizes[0]:,} -> {ms(b.seconds)} at {sizes[-1]:,} "
                        f"({b.seconds / a.seconds:.2f}x): {'flat' if flat else 'NOT flat'}"
                    )
            print(f"  peak RSS of this process: {peak_rss_mb():,.0f} MB (goal < {GOAL_RSS_MB} MB)")
            server.dispose()
            loader.dispose()
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
