"""Identity provenance: what each key may do under the merge policy, and the pieces of forget that search."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import responses

from journeysync.clock import future_time_error
from journeysync.config.identity import IdentityPolicy
from journeysync.config.loader import load_config
from journeysync.errors import ConfigError
from journeysync.identity import IdentityKey
from journeysync.models import (
    ConsentChanged,
    CustomerEvent,
    CustomerUpdated,
    IdentityKeys,
    MembershipPurchased,
    SurveyResponded,
)
from journeysync.profile.erasure import Needles, archived_text
from journeysync.profile.fold import FoldContext, apply_event, new_customer
from journeysync.profile.trust import admit
from journeysync.vendors import ParseContext, WebhookRequest, adapter_for

CONFIG = load_config("infra/config")
T = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
EMAIL, PHONE = IdentityKey("email", "new@example.com"), IdentityKey("phone", "+447911123456")


def event(data: object, keys: IdentityKeys, n: str = "1", at: datetime = T) -> CustomerEvent:
    return CustomerEvent.create(source="test", vendor_event_id=n, time=at, data=data, identity=keys)


def keys(**trust: str) -> IdentityKeys:
    return IdentityKeys(emails=["new@example.com"], phones=["+447911123456"], external={"shop": "42"},
                        trust={"email:new@example.com": trust.get("email", "verified"),
                               "phone:+447911123456": trust.get("phone", "typed"),
                               "ext:shop:42": trust.get("ext", "vendor_id")})


def test_when_trusted_keys_are_present_a_typed_phone_neither_links_nor_merges() -> None:
    sale = event(SurveyResponded(response_id="r", scale="nps", score=9), keys())
    admission = admit(sale, sale.identity.keys(), IdentityPolicy())
    assert PHONE not in admission.link and PHONE not in admission.merge
    assert PHONE in admission.claim  # it may still join the event's profile when nobody holds it
    assert admission.link[0] == IdentityKey("ext", "42", "shop")  # the vendor's own id first


def test_url_keys_never_claim_link_or_merge_and_typed_keys_never_move_membership_or_consent() -> None:
    hidden = IdentityKeys(emails=["member@example.com"], trust={"email:member@example.com": "url"})
    survey = event(SurveyResponded(response_id="r", scale="nps", score=1), hidden)
    admission = admit(survey, survey.identity.keys(), IdentityPolicy())
    assert admission.claim == admission.link == () and not admission.merge

    typed = IdentityKeys(phones=["+447911123456"], trust={"phone:+447911123456": "typed"})
    for data in (MembershipPurchased(tier="individual", term_months=12), ConsentChanged(status="subscribed")):
        protected = admit(event(data, typed), typed.keys(), IdentityPolicy())
        assert protected.link == ()
    survey = event(SurveyResponded(response_id="r", scale="nps", score=1), typed)
    assert admit(survey, typed.keys(), IdentityPolicy()).link == (PHONE,)  # a rating may attach by it


def test_the_merge_policy_is_configuration(tmp_path: Path) -> None:
    for name in ("catalogue.yaml", "journeys.yaml", "segments.yaml", "routing.yaml", "engagement.yaml", "surveys.yaml"):
        (tmp_path / name).write_text(Path("infra/config", name).read_text())
    (tmp_path / "identity.yaml").write_text("identity:\n  merge: [vendor_id, verified, typed]\n")
    policy = load_config(tmp_path).identity
    sale = event(SurveyResponded(response_id="r", scale="nps", score=9), keys())
    assert PHONE in admit(sale, sale.identity.keys(), policy).merge
    (tmp_path / "identity.yaml").write_text("identity:\n  merge: [vendor_id, trusted_friend]\n")
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path)
    assert "identity.yaml" in str(raised.value) and "identity.merge" in str(raised.value)


def test_a_typed_email_never_replaces_a_primary_email() -> None:
    ctx = FoldContext(CONFIG, T + timedelta(days=1))
    member = IdentityKeys(emails=["ann@example.com"])
    customer = apply_event(new_customer("c", ctx), event(CustomerUpdated(given_name="Ann"), member, "1"), ctx)
    typed = IdentityKeys(emails=["other@example.com"], trust={"email:other@example.com": "typed"})
    later = event(CustomerUpdated(given_name="Ann"), typed, "2", T + timedelta(hours=1))
    after = apply_event(customer, later, ctx)
    assert after.identity.primary_email == "ann@example.com"
    verified = event(CustomerUpdated(given_name="Ann"), IdentityKeys(emails=["other@example.com"]), "3",
                     T + timedelta(hours=2))
    assert apply_event(after, verified, ctx).identity.primary_email == "other@example.com"


def test_typeform_answers_are_typed_and_hidden_fields_are_url() -> None:
    doc = json.loads(Path("tests/events/typeform/form-response-visit.json").read_text())
    doc["form_response"]["hidden"]["email"] = "Member@Example.com"
    adapter = adapter_for("typeform")
    assert adapter is not None
    request = WebhookRequest(vendor="typeform", body=json.dumps(doc).encode(), headers={}, received_at=T)
    [made] = adapter.parse(request, ParseContext(catalogue=CONFIG.catalogue)).events
    named = made.identity.keys()
    levels = {str(k): made.identity.level(k) for k in named}
    assert levels["email:member@example.com"] == "url"
    assert levels["ext:journeysync:cus_7f3a"] == "url"
    assert {v for k, v in levels.items() if k not in ("email:member@example.com", "ext:journeysync:cus_7f3a")} == {
        "typed"
    }


def test_event_times_beyond_the_clock_skew_are_refused() -> None:
    assert future_time_error(T + timedelta(minutes=4), T) is None
    reason = future_time_error(datetime(9999, 1, 1, tzinfo=UTC), T)
    assert reason is not None and "9999" in reason


def test_forget_finds_a_person_in_any_spelling_of_their_keys() -> None:
    needles = Needles.of([IdentityKey("email", "ann.lee@example.com"), PHONE, IdentityKey("ext", "706405", "shop")])
    assert needles.found_in('{"email": "Ann.Lee@Example.COM"}')
    assert needles.found_in("type=unsubscribe&data%5Bemail%5D=ann.lee%40example.com")  # Mailchimp's form body
    assert needles.found_in('{"phone": "07911 123456"}') and needles.found_in('{"phone": "+44 (0)7911-123456"}')
    assert needles.found_in('{"customer": {"id": 706405}}')
    assert not needles.found_in('{"id": 7064051, "email": "lee@example.com", "phone": "07911 123457"}')
    encoded = json.dumps({"body": "eyJlbWFpbCI6ICJhbm4ubGVlQGV4YW1wbGUuY29tIn0=", "body_encoding": "base64"})
    assert needles.found_in(archived_text(encoded.encode()))


def test_cloudevents_dedupe_on_source_and_id_and_fingerprint_the_content() -> None:
    adapter = adapter_for("cloudevents")
    assert adapter is not None

    def parse(source: str, tier: str) -> tuple[str, str]:
        doc = {"specversion": "1.0", "id": "sale-7", "source": source, "type": "membership.purchased",
               "time": "2026-06-01T10:00:00Z", "identity": {"emails": ["a@example.com"]},
               "data": {"tier": tier, "term_months": 12}}
        request = WebhookRequest(vendor="cloudevents", body=json.dumps(doc).encode(), headers={}, received_at=T)
        parsed = adapter.parse(request, ParseContext(catalogue=CONFIG.catalogue))
        return parsed.vendor_event_id, parsed.fingerprint

    tills, web = parse("tills", "individual"), parse("website", "individual")
    assert tills[0] != web[0]
    changed = parse("tills", "family")
    assert changed[0] == tills[0] and changed[1] != tills[1]


@responses.activate
def test_an_email_change_deletes_the_old_contact_only_once_the_new_one_is_in_place() -> None:
    from journeysync.destinations.mailchimp import MailchimpClient, MailchimpDestination, subscriber_hash
    from journeysync.destinations.model import ContactState, desired_for, plan
    from tests.crm_to_email_support import customer

    base = "https://us12.api.mailchimp.com/3.0"
    old = ContactState("c1", "mailchimp", 1, email="ann@example.org", audiences=frozenset({"Member"}), subscribed=True)
    change = plan("mailchimp", desired_for(customer("c1", "ann.lee@example.org", version=2), frozenset({"Member"})), old)
    assert change is not None
    responses.post(f"{base}/lists/L1", status=400, json={"title": "Invalid Resource", "detail": "refused"})
    responses.delete(f"{base}/lists/L1/members/{subscriber_hash('ann@example.org')}", status=204)
    dest = MailchimpDestination(MailchimpClient(base, "key-us12", sleep=lambda _s: None), "L1")

    outcome = dest.apply([change])["c1"]

    assert outcome.failed
    assert [c.request.method for c in responses.calls] == ["POST"]  # the old contact is still there
