"""crm_to_email: destination API calls per 1,000 segment changes, and ProfileChanged → SES contact latency.

Calls are counted at the destination: Mailchimp against the local vendor stand-in (real HTTP),
SES against a moto server (real boto3). Latency runs the whole local stack: put_events on the
bus → rule → queue → poller → handler → contact visible in moto.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from journeysync.config import load_config
from journeysync.destinations.mailchimp import MailchimpClient, MailchimpDestination
from journeysync.destinations.model import ContactState, desired_for, plan
from journeysync.destinations.ses import SesDestination
from journeysync.models.customer import ConsentRecord, Customer, EmailConsent, Identity, Membership, Profile
from journeysync.segments import SegmentEngine

N = 1000
ENGINE = SegmentEngine(load_config().segments)
NOW = datetime.now(UTC)


def _customer(i: int, version: int = 1, booked: bool = False) -> Customer:
    from journeysync.models.customer import Booking, PlatformHeader

    at = NOW - timedelta(days=1)
    return Customer(
        customer_id=f"b{i}",
        header=PlatformHeader(version=version),
        identity=Identity(emails=[f"member{i}@example.org"]),
        profile=Profile(
            membership=Membership(status="active", valid_from=NOW - timedelta(days=90), valid_until=NOW + timedelta(days=200)),
            email_consent=EmailConsent(
                status="subscribed", source="bench", at=at, ledger=[ConsentRecord(status="subscribed", source="bench", at=at)]
            ),
            divisions=["museum"],
            bookings=[Booking(event_ref="exh-dinosaurs-2026", order_id=f"o{i}", at=at)] if booked else [],
        ),
    )


def _changes(destination: str, *, removals: bool) -> list[Any]:
    out = []
    for i in range(N):
        c = _customer(i, version=2, booked=removals)
        audiences = ENGINE.audiences(ENGINE.evaluate(c, NOW), destination)
        state = None
        if removals:
            before = ENGINE.audiences(ENGINE.evaluate(_customer(i), NOW), destination)
            state = ContactState(c.customer_id, destination, 1, c.identity.primary_email, before, subscribed=True)
        change = plan(destination, desired_for(c, audiences), state)
        assert change is not None
        out.append(change)
    return out


def _mailchimp() -> list[tuple[str, float, str]]:
    from journeysync_local.vendor_standin import VendorStandIn

    standin = VendorStandIn().start()
    try:
        standin.route("POST", r"/tags$", lambda _r: (204, {}, ""))
        rows = []
        for label, removals in (("adds (new members, tags active)", False), ("booking → tag swap", True)):
            client = MailchimpClient(f"{standin.url}/3.0", "bench-us1")
            dest = MailchimpDestination(client, "L1")
            started = time.perf_counter()
            outcomes = dest.apply(_changes("mailchimp", removals=removals))
            assert all(o.status == "ok" for o in outcomes.values())
            rows.append((f"mailchimp calls per {N:,} {label}", float(client.calls), "calls"))
            rows.append((f"mailchimp seconds per {N:,} {label}", time.perf_counter() - started, "s"))
        return rows
    finally:
        standin.stop()


def _ses() -> list[tuple[str, float, str]]:
    from journeysync_local.moto_server import start_moto
    from journeysync_local.provision import aws_client

    moto = start_moto()
    try:
        client = aws_client("sesv2", moto.url)
        topics = ENGINE.all_audiences("ses")
        client.create_contact_list(
            ContactListName="bench",
            Topics=[{"TopicName": t, "DisplayName": t, "DefaultSubscriptionStatus": "OPT_OUT"} for t in topics],
        )
        rows = []
        for label, removals in (("adds", False), ("booking → topic swap (an opt-in: read + write)", True)):
            dest = SesDestination("bench", topics, client=client)
            outcomes = dest.apply(_changes("ses", removals=removals))
            assert all(not o.failed for o in outcomes.values())
            rows.append((f"ses calls per {N:,} {label}", float(dest.requests_made), "calls"))
        rows.append(("ses minimum seconds per 1,000 calls at AWS's 1 call/s", 1000.0, "s"))
        return rows
    finally:
        moto.stop()


def _latency(samples: int = 20) -> list[tuple[str, float, str]]:
    from journeysync_local.stack import LocalStack

    from journeysync.models.changes import BUS_SOURCE, DETAIL_TYPE, ProfileChanged, snapshot

    with LocalStack() as stack:
        events, ses = stack.client("events"), stack.client("sesv2")
        contact_list = stack.resources["ContactList"]
        seconds = []
        for i in range(samples):
            c = _customer(10_000 + i)
            change = ProfileChanged(customer_id=c.customer_id, version=1, at=NOW, after=snapshot(c))
            started = time.perf_counter()
            events.put_events(
                Entries=[
                    {
                        "Source": BUS_SOURCE,
                        "DetailType": DETAIL_TYPE,
                        "Detail": change.model_dump_json(),
                        "EventBusName": stack.resources["EventBus"],
                    }
                ]
            )
            while True:
                try:
                    ses.get_contact(ContactListName=contact_list, EmailAddress=c.identity.primary_email)
                    break
                except ses.exceptions.NotFoundException:
                    time.sleep(0.01)
                if time.perf_counter() - started > 20:
                    raise TimeoutError("contact never appeared")
            seconds.append(time.perf_counter() - started)
        seconds.sort()
        return [
            ("ProfileChanged → SES contact p50 (local stack)", statistics.median(seconds), "s"),
            ("ProfileChanged → SES contact p95 (local stack)", seconds[int(0.95 * (len(seconds) - 1))], "s"),
        ]


def run() -> list[tuple[str, float, str]]:
    return [*_mailchimp(), *_ses(), *_latency()]


if __name__ == "__main__":
    for row in run():
        print(row)
