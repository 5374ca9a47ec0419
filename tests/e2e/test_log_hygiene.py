"""What the handlers log during a run of signed webhooks holds no vendor secret and no raw email address."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote_plus

import pytest
import requests
from journeysync_local.stack import PATH_TOKEN_VENDORS, LocalStack

from journeysync.vendors import adapter_for
from tests.events import samples

pytestmark = pytest.mark.e2e

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def _post(stack: LocalStack, vendor: str, body: bytes, content_type: str, secret: str | None = None) -> int:
    url = f"{stack.url}/webhooks/{vendor}"
    if vendor in PATH_TOKEN_VENDORS:
        url += f"/{stack.vendor_secrets[vendor]}"
    adapter = adapter_for(vendor)
    assert adapter is not None
    signed = adapter.signed_headers(secret or stack.vendor_secrets[vendor], body, url=url, now=datetime.now(UTC))
    return requests.post(url, data=body, headers={"content-type": content_type, **signed}, timeout=10).status_code


def _cloudevent(n: int, email: str, type_: str = "membership.purchased") -> bytes:
    data = {"tier": "individual", "term_months": 12} if type_ == "membership.purchased" else {
        "status": "subscribed", "explicit": True}
    return json.dumps({
        "specversion": "1.0", "id": f"hygiene-{n}", "source": "riverside-tills", "type": type_,
        "time": (datetime.now(UTC) - timedelta(minutes=10 - n)).isoformat(),
        "identity": {"emails": [email]}, "data": data,
    }).encode()


def test_handler_logs_hold_no_secret_and_no_email_address(local_stack: LocalStack) -> None:
    emails = ["Ada.Lovelace@Example.org", "grace.hopper@example.org", "alan.turing@example.net"]
    codes = [_post(local_stack, "cloudevents", _cloudevent(i, e), "application/cloudevents+json")
             for i, e in enumerate(emails)]
    codes.append(_post(local_stack, "cloudevents", _cloudevent(9, emails[0], "consent.changed"),
                       "application/cloudevents+json"))
    for sample in samples("mailchimp")[:4]:
        emails += [unquote_plus(m) for m in re.findall(r"[^=&]+%40[^=&]+", sample.body.decode())]
        codes.append(_post(local_stack, "mailchimp", sample.body, "application/x-www-form-urlencoded"))
    # refused deliveries log too: a forged signature and a body that is not JSON
    codes.append(_post(local_stack, "cloudevents", _cloudevent(20, "mallory@example.com"), "application/json",
                       secret="wrong-secret"))
    codes.append(_post(local_stack, "cloudevents", b"{not json mallory@example.com", "application/json"))
    emails.append("mallory@example.com")
    assert codes.count(200) + codes.count(202) >= 5, codes
    local_stack.wait_idle(timeout=30)
    time.sleep(0.1)

    lines = [str(line) for line in local_stack.logs]
    assert len(lines) >= 10 and any("Webhook" in s or "webhook" in s for s in lines)  # the run did log
    contacts = local_stack.client("sesv2").list_contacts(ContactListName=local_stack.resources["ContactList"])
    assert contacts["Contacts"]  # and reached the email platform, so every hop ran with these addresses
    secrets = [s for s in local_stack.vendor_secrets.values() if len(s) >= 8]
    for line in lines:
        for secret in secrets:
            assert secret not in line, f"a vendor secret is logged: {line[:200]}"
        lowered = line.lower()
        for email in emails:
            assert email.lower() not in lowered, f"an email address is logged: {line[:200]}"
        assert not EMAIL.search(line), f"something like an email address is logged: {line[:200]}"
