"""Realistic seeded data for the sandbox (Faker): organisations, people, tickets and their conversations."""

from __future__ import annotations

import random
from dataclasses import dataclass

from faker import Faker

from omniwise.sandbox.store import Store, User

STATUSES = ["new", "open", "pending", "hold", "solved", "closed"]
PRIORITIES = [None, "low", "normal", "high", "urgent"]
TYPES = [None, "question", "incident", "problem", "task"]


@dataclass(frozen=True)
class SeedSizes:
    organizations: int = 20
    users: int = 100
    agents: int = 5
    tickets: int = 200


def seed_store(store: Store, *, seed: int, sizes: SeedSizes, span_days: float = 365.0) -> None:
    """Fill the store deterministically for `seed`; every record lies at least two minutes in the past.

    Zendesk's exports leave out the last minute (it may still change), so seeded data is
    older than that and a first sync sees all of it.
    """
    fake = Faker("en_US")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    now = store.now()
    oldest = now - span_days * 86400
    latest = now - 120

    def moment(after: float = oldest) -> float:
        return float(int(rng.uniform(min(after, latest), latest)))

    orgs = [
        store.add_organization(name=fake.company(), domain_names=[fake.domain_name()], at=moment())
        for _ in range(sizes.organizations)
    ]
    agents: list[User] = [
        store.add_user(name=fake.name(), email=f"agent{n + 1}@{fake.domain_name()}", role="agent", at=oldest - 86400)
        for n in range(sizes.agents)
    ]
    customers: list[User] = []
    for n in range(sizes.users):
        org = rng.choice(orgs) if orgs and rng.random() < 0.7 else None
        customers.append(
            store.add_user(
                name=fake.name(),
                email=f"{fake.user_name()}{n}@example.{rng.choice(['com', 'org', 'net'])}",
                phone=fake.numerify("+1-202-555-####") if rng.random() < 0.5 else None,
                organization_id=org.id if org else None,
                at=moment(),
            )
        )
    if not customers:
        return
    for _ in range(sizes.tickets):
        requester = rng.choice(customers)
        created = moment(requester.created_at)
        ticket = store.add_ticket(
            requester=requester,
            subject=fake.sentence(nb_words=6).rstrip("."),
            body=fake.paragraph(nb_sentences=3),
            priority=rng.choice(PRIORITIES),
            type=rng.choice(TYPES),
            at=created,
        )
        at = created
        for _ in range(rng.randint(0, 3)):
            at = min(latest, at + rng.uniform(60, 5 * 86400))
            author = rng.choice(agents) if agents and rng.random() < 0.6 else requester
            store.add_comment(ticket, author_id=author.id, body=fake.paragraph(nb_sentences=2), at=at)
        status = rng.choice(STATUSES)
        if status != ticket.status:
            store.update_ticket(ticket, {"status": status}, at=min(latest, at + rng.uniform(60, 86400)))
