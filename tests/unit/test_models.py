from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from journeysync.errors import BadInputError
from journeysync.identity import IdentityKey, normalise_email, normalise_phone
from journeysync.models import (
    Customer,
    CustomerEvent,
    IdentityKeys,
    MembershipPurchased,
    TicketBooked,
    parse_model,
    stable_event_id,
)

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def _event(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": "evt-1",
        "source": "square",
        "type": "membership.purchased",
        "time": "2026-03-01T10:00:00Z",
        "identity": {"emails": ["Ann@Example.com "]},
        "data": {"tier": "individual", "term_months": 12},
    }
    base.update(overrides)
    return base


def test_event_round_trips_through_json_unchanged() -> None:
    event = parse_model(CustomerEvent, _event())
    again = CustomerEvent.model_validate_json(event.model_dump_json())
    assert again == event
    assert isinstance(again.data, MembershipPurchased)
    assert again.specversion == "1.0"


def test_event_type_selects_the_data_model() -> None:
    event = parse_model(CustomerEvent, _event(type="ticket.booked", data={"order_id": "o-1", "event_ref": "exh-dino"}))
    assert isinstance(event.data, TicketBooked)
    assert event.data.event_ref == "exh-dino"


def test_missing_data_field_is_named_in_the_error() -> None:
    with pytest.raises(BadInputError) as exc:
        parse_model(CustomerEvent, _event(data={"term_months": 12}))
    assert exc.value.field == "data.tier"


def test_unknown_event_type_is_named_in_the_error() -> None:
    with pytest.raises(BadInputError) as exc:
        parse_model(CustomerEvent, _event(type="membership.teleported"))
    assert exc.value.field == "type"


def test_naive_time_is_rejected() -> None:
    with pytest.raises(BadInputError) as exc:
        parse_model(CustomerEvent, _event(time="2026-03-01T10:00:00"))
    assert exc.value.field == "time"


def test_survey_score_off_scale_is_rejected() -> None:
    with pytest.raises(BadInputError) as exc:
        parse_model(
            CustomerEvent,
            _event(type="survey.responded", data={"response_id": "r", "scale": "csat", "score": 9}),
        )
    assert exc.value.field == "data"
    assert "outside the csat scale" in exc.value.message


def test_identity_keys_are_normalised_and_deduplicated() -> None:
    keys = IdentityKeys(emails=["Ann@Example.com", " ann@example.com"], phones=["+44 20 7946 0958"])
    assert keys.emails == ("ann@example.com",)
    assert keys.phones == ("+442079460958",)
    assert str(keys.best()) == "email:ann@example.com"


def test_phone_numbers_use_the_default_region() -> None:
    assert normalise_phone("020 7946 0958", "GB") == "+442079460958"
    with pytest.raises(ValueError):
        normalise_phone("12", "GB")


@pytest.mark.parametrize("bad", ["", "no-at-sign", "a@b", "a b@example.com", "@example.com"])
def test_invalid_emails_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError):
        normalise_email(bad)


def test_identity_key_text_form_round_trips() -> None:
    for key in (
        IdentityKey("email", "a@b.org"),
        IdentityKey("phone", "+442079460958"),
        IdentityKey("ext", "C1", "square"),
    ):
        assert IdentityKey.parse(str(key)) == key


@given(st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=40), st.integers(0, 5))
def test_event_ids_are_stable_per_vendor_event_and_distinct_across_parts(source: str, vid: str, part: int) -> None:
    assert stable_event_id(source, vid, part) == stable_event_id(source, vid, part)
    assert stable_event_id(source, vid, part) != stable_event_id(source, vid, part + 1)


def test_create_derives_id_subject_and_group_from_the_vendor_event() -> None:
    ids = IdentityKeys(emails=["ann@example.com"])
    data = MembershipPurchased(tier="individual", term_months=12)
    one = CustomerEvent.create(source="square", vendor_event_id="E1", time=T0, data=data, identity=ids)
    two = CustomerEvent.create(source="square", vendor_event_id="E1", time=T0, data=data, identity=ids)
    assert one.id == two.id
    assert one.group_key() == IdentityKey("email", "ann@example.com").digest()
    assert "ann" not in (one.subject or "")  # the subject is a digest, never raw PII


def test_customer_round_trips_and_counts_as_new() -> None:
    customer = Customer(customer_id="c-1")
    customer.profile.membership.tier = "family"
    again = Customer.model_validate_json(customer.model_dump_json())
    assert again == customer
    assert again.header.version == 0
    assert not again.is_tombstone
