"""ProfileChanged: what pos_to_crm tells the rest of the system after each committed profile change.

It travels on the EventBridge bus (source `journeysync.profiles`, detail-type
`ProfileChanged`) and carries a snapshot of what segments, destinations and the
survey router read, so consumers need not re-read the store. Snapshots leave out
the fold's bookkeeping (field times, ledgers) to stay far below EventBridge's
256 KB entry limit.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from journeysync.errors import BadInputError
from journeysync.models.customer import Customer

BUS_SOURCE = "journeysync.profiles"
DETAIL_TYPE = "ProfileChanged"

_SNAPSHOT_EXCLUDE: dict[str, Any] = {
    "profile": {"field_times": True, "membership": {"terms"}, "email_consent": {"ledger"}},
}


class Cause(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    type: str
    source: str


class StageEntry(BaseModel):
    """A journey stage the member entered during this change; `left_at` is set if they also moved past it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    journey: str
    stage: str
    entered_at: AwareDatetime
    left_at: AwareDatetime | None = None


class ProfileChanged(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: str
    version: int
    at: AwareDatetime
    changed: list[str] = Field(default_factory=list, description="dotted profile fields whose value changed")
    causes: list[Cause] = Field(default_factory=list, description="the events whose application made this change")
    before: dict[str, Any] | None = Field(default=None, description="snapshot before; None for a new customer")
    after: dict[str, Any] = Field(description="snapshot after (see snapshot())")
    entered: list[StageEntry] = Field(
        default_factory=list,
        description="stages entered by this change, including ones passed through: one profile write can cover a "
        "batch of events, so `after.journeys` alone shows only where the member ended up",
    )
    forgotten: bool = False
    merged_into: str | None = None


def snapshot(customer: Customer) -> dict[str, Any]:
    """The part of a customer that downstream hops read, as JSON-compatible data."""
    return customer.model_dump(mode="json", exclude=_SNAPSHOT_EXCLUDE)


def customer_from_snapshot(data: dict[str, Any]) -> Customer:
    """Rebuild a Customer from a snapshot (excluded bookkeeping comes back as defaults)."""
    return Customer.model_validate(data)


def change_from_record(body: str) -> ProfileChanged:
    """The ProfileChanged in an SQS record body: an EventBridge event (its `detail`) or the bare change."""
    from journeysync.models.validation import parse_model

    try:
        envelope = json.loads(body)
    except ValueError:
        raise BadInputError("record body is not JSON", field="body") from None
    detail = envelope.get("detail") if isinstance(envelope, dict) and "detail" in envelope else envelope
    return parse_model(ProfileChanged, detail)
