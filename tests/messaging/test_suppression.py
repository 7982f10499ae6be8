"""The suppression list: promotional mail to an address on it is not sent, transactional mail is; erasure keeps it."""

from __future__ import annotations

from sqlalchemy import select

from omniwise.auth.actor import SYSTEM
from omniwise.contacts import service as contacts
from omniwise.messaging.models import MessageStatus, Suppression
from omniwise.messaging.suppression import address_hmac, suppress_address
from omniwise.messaging.transport import MemoryMailer
from omniwise.runtime import Runtime, build_runtime
from tests.messaging.helpers import NEWS_PARAMS, NOTICE_PARAMS, deliver_now, load, make_contact, queue, tenant_of

ADDRESS = "grace.hopper@example.org"


def _suppressions(runtime: Runtime) -> list[Suppression]:
    with runtime.transaction() as session:
        return list(session.scalars(select(Suppression)))


def test_promotional_mail_honours_the_list_and_transactional_mail_still_goes(runtime: Runtime) -> None:
    person = make_contact(runtime, email=ADDRESS, name="Grace Hopper")
    with runtime.transaction() as session:
        # the address as a person might type it in an opt-out request
        suppress_address(session, runtime.keyring, email="  Grace.Hopper@EXAMPLE.org ", reason="request", actor=SYSTEM)
    mailer = MemoryMailer()

    promotion = queue(runtime, person, "product_news", NEWS_PARAMS)
    assert deliver_now(runtime, promotion, mailer) is MessageStatus.SUPPRESSED
    assert load(runtime, promotion).status == "suppressed"
    assert mailer.sent == []

    notice = queue(runtime, person, "notice_changed", NOTICE_PARAMS)
    assert deliver_now(runtime, notice, mailer) is MessageStatus.SENT
    assert [mail["To"] for mail in mailer.sent] == [f"Grace Hopper <{ADDRESS}>"]


def test_the_list_survives_the_erasure_of_the_person(runtime: Runtime) -> None:
    person = make_contact(runtime, email=ADDRESS)
    tenant = tenant_of(runtime, person)
    with runtime.transaction() as session:
        suppress_address(session, runtime.keyring, email=ADDRESS, reason="request", actor=SYSTEM)
        contacts.delete_contact(session, runtime.keyring, actor=SYSTEM, tenant=tenant, contact_id=person.contact_id)
    [kept] = _suppressions(runtime)
    assert kept.address_hmac == address_hmac(runtime.keyring, ADDRESS)
    assert ADDRESS.encode() not in kept.address_hmac.encode()

    # the same mailbox, added again later by another business, still gets no promotion
    again = make_contact(runtime, email=ADDRESS.upper())
    assert deliver_now(runtime, queue(runtime, again, "product_news", NEWS_PARAMS), MemoryMailer()) is (
        MessageStatus.SUPPRESSED
    )


def test_opting_out_twice_keeps_one_entry(runtime: Runtime) -> None:
    with runtime.transaction() as session:
        first = suppress_address(session, runtime.keyring, email=ADDRESS, reason="request", actor=SYSTEM)
    with runtime.transaction() as session:
        second = suppress_address(session, runtime.keyring, email=ADDRESS, reason="unsubscribed", actor=SYSTEM)
    assert second.id == first.id
    assert second.reason == "request"
    assert len(_suppressions(runtime)) == 1


def test_the_keyed_hash_survives_a_master_key_rotation(runtime: Runtime) -> None:
    before = address_hmac(runtime.keyring, ADDRESS)
    runtime.keyring.rotate_master()
    elsewhere = build_runtime(runtime.settings)  # another process: nothing cached, the key read back from the store
    try:
        assert address_hmac(elsewhere.keyring, ADDRESS) == before
        assert address_hmac(elsewhere.keyring, "someone.else@example.org") != before
    finally:
        elsewhere.dispose()
