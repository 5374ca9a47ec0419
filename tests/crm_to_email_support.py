"""Builders shared by the crm_to_email tests: customers, ProfileChanged events, in-memory fakes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from journeysync.models.changes import BUS_SOURCE, DETAIL_TYPE, ProfileChanged, snapshot
from journeysync.models.customer import (
    Booking,
    ConsentRecord,
    Customer,
    EmailConsent,
    Identity,
    Membership,
    PlatformHeader,
    Profile,
)

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def customer(
    cid: str = "c1",
    email: str | None = "ada@example.org",
    *,
    version: int = 1,
    member: bool = True,
    consent: str = "subscribed",
    explicit: bool = True,
    booked: tuple[str, ...] = (),
    divisions: tuple[str, ...] = ("museum",),
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    ledger: list[ConsentRecord] | None = None,
) -> Customer:
    records = (
        ledger
        if ledger is not None
        else (
            [ConsentRecord(status=consent, source="test", at=NOW - timedelta(days=1), explicit=explicit)]  # type: ignore[arg-type]
            if consent != "unknown"
            else []
        )
    )
    return Customer(
        customer_id=cid,
        header=PlatformHeader(version=version),
        identity=Identity(emails=[email] if email else []),
        profile=Profile(
            given_name="Ada",
            family_name="Lovelace",
            membership=Membership(
                tier="individual" if member else None,
                status="active" if member else "none",
                valid_from=valid_from or (NOW - timedelta(days=200) if member else None),
                valid_until=valid_until or (NOW + timedelta(days=165) if member else None),
                can_book_online=member,
            ),
            email_consent=EmailConsent(
                status=consent,  # type: ignore[arg-type]
                source="test" if consent != "unknown" else None,
                at=(NOW - timedelta(days=1)) if consent != "unknown" else None,
                ledger=records,
            ),
            divisions=list(divisions),
            bookings=[Booking(event_ref=ref, order_id=f"o-{ref}", at=NOW - timedelta(hours=1)) for ref in booked],
        ),
    )


def profile_changed(c: Customer, *, forgotten: bool = False, merged_into: str | None = None) -> ProfileChanged:
    return ProfileChanged(
        customer_id=c.customer_id,
        version=c.header.version,
        at=NOW,
        changed=["profile"],
        after=snapshot(c),
        forgotten=forgotten,
        merged_into=merged_into,
    )


def bus_entry(change: ProfileChanged, bus: str) -> dict[str, Any]:
    return {
        "Source": BUS_SOURCE,
        "DetailType": DETAIL_TYPE,
        "Detail": change.model_dump_json(),
        "EventBusName": bus,
    }


def sqs_event(*changes: ProfileChanged) -> dict[str, Any]:
    """What the SQS event source hands the function: EventBridge events as message bodies."""
    records = []
    for i, change in enumerate(changes):
        body = {
            "version": "0",
            "id": f"evt-{i}",
            "detail-type": DETAIL_TYPE,
            "source": BUS_SOURCE,
            "detail": change.model_dump(mode="json"),
        }
        import json

        records.append(
            {
                "messageId": f"m{i}",
                "receiptHandle": f"r{i}",
                "body": json.dumps(body),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-2:123456789012:q",
                "awsRegion": "eu-west-2",
            }
        )
    return {"Records": records}


class FakeSes:
    """An in-memory SES v2 contact list that, unlike moto, raises AlreadyExists like SES does."""

    def __init__(self) -> None:
        self.contacts: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []

    @staticmethod
    def _error(code: str, op: str) -> ClientError:
        return ClientError({"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": 400}}, op)

    def create_contact(self, **kw: Any) -> dict[str, Any]:
        self.calls.append(("create_contact", kw))
        if kw["EmailAddress"] in self.contacts:
            raise self._error("AlreadyExistsException", "CreateContact")
        self.contacts[kw["EmailAddress"]] = {
            "EmailAddress": kw["EmailAddress"],
            "TopicPreferences": list(kw.get("TopicPreferences", [])),
            "UnsubscribeAll": kw.get("UnsubscribeAll", False),
        }
        return {}

    def update_contact(self, **kw: Any) -> dict[str, Any]:
        self.calls.append(("update_contact", kw))
        if kw["EmailAddress"] not in self.contacts:
            raise self._error("NotFoundException", "UpdateContact")
        contact = self.contacts[kw["EmailAddress"]]
        contact["TopicPreferences"] = list(kw.get("TopicPreferences", []))  # SES replaces them all
        if "UnsubscribeAll" in kw:
            contact["UnsubscribeAll"] = kw["UnsubscribeAll"]
        return {}

    def get_contact(self, **kw: Any) -> dict[str, Any]:
        self.calls.append(("get_contact", kw))
        if kw["EmailAddress"] not in self.contacts:
            raise self._error("NotFoundException", "GetContact")
        return dict(self.contacts[kw["EmailAddress"]])

    def delete_contact(self, **kw: Any) -> dict[str, Any]:
        self.calls.append(("delete_contact", kw))
        if kw["EmailAddress"] not in self.contacts:
            raise self._error("NotFoundException", "DeleteContact")
        del self.contacts[kw["EmailAddress"]]
        return {}

    def opted_in(self, email: str) -> set[str]:
        c = self.contacts.get(email)
        if c is None or c["UnsubscribeAll"]:
            return set()
        return {p["TopicName"] for p in c["TopicPreferences"] if p["SubscriptionStatus"] == "OPT_IN"}


class MemoryStates:
    """SyncStateStore semantics without DynamoDB (version-guarded puts)."""

    def __init__(self) -> None:
        from journeysync.destinations.model import ContactState

        self.items: dict[tuple[str, str], ContactState] = {}
        self.profiles: dict[str, Customer] = {}  # what the profile store holds (the truth)
        self._progress: dict[str, Any] = {}

    def get_many(self, customer_ids: Any, destinations: Any) -> dict[tuple[str, str], Any]:
        return {(c, d): self.items[(c, d)] for c in customer_ids for d in destinations if (c, d) in self.items}

    def load(self, customer_ids: Any, destinations: Any, *, with_profiles: bool = True) -> tuple[Any, Any]:
        ids = list(customer_ids)
        profiles = {c: self.profiles[c] for c in ids if with_profiles and c in self.profiles}
        return self.get_many(ids, destinations), profiles

    def full_profile(self, customer_id: str) -> Customer | None:
        return self.profiles.get(customer_id)

    def put(self, state: Any) -> bool:
        key = (state.customer_id, state.destination)
        old = self.items.get(key)
        if old is not None and old.version > state.version:
            return False
        self.items[key] = state
        return True

    def bump(self, customer_id: str, destination: str, version: int) -> None:
        from dataclasses import replace

        old = self.items.get((customer_id, destination))
        if old is not None and old.version < version:
            self.items[(customer_id, destination)] = replace(old, version=version)

    def progress(self) -> dict[str, Any]:
        return dict(self._progress)

    def save_progress(self, progress: dict[str, Any]) -> None:
        self._progress = dict(progress)
