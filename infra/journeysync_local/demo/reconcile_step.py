"""The demo's reconcile step: tamper with the destination, drop a few webhooks, reconcile, show the repair.

Call after the day has drained (the stack's Square/Shopify API URLs point at `standin`):

    from journeysync_local.demo.reconcile_step import tamper_and_reconcile
    result = tamper_and_reconcile(run.stack, run.standin)

It deletes `missing` SES contacts, adds `strangers` that would receive mail, unsubscribes
`unsubscribes` members at SES (as if they clicked SES's own link) and puts `dropped` Square
payments and Shopify orders at the vendors whose webhooks never came. Then it fires the
ReconcileFunction's schedule, waits for the backfilled events and the consent changes to flow
through pos_to_crm and crm_to_email, and runs reconcile again. The returned dict:
`{"tampered": {...}, "first": <report>, "second": <report>, "lines": [...]}` — `lines` is a
short human summary the demo can print.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from journeysync_local.stack import LocalStack
from journeysync_local.vendor_standin import VendorStandIn


def _opted_in_contacts(stack: LocalStack, limit: int) -> list[dict[str, Any]]:
    ses = stack.client("sesv2")
    found: list[dict[str, Any]] = []
    request: dict[str, Any] = {"ContactListName": stack.resources["ContactList"]}
    while len(found) < limit:
        page = ses.list_contacts(**request)
        for c in page.get("Contacts", []):
            opted = any(p["SubscriptionStatus"] == "OPT_IN" for p in c.get("TopicPreferences") or [])
            if opted and not c.get("UnsubscribeAll") and "@example.net" not in c["EmailAddress"]:
                found.append(c)
        if not page.get("NextToken"):
            break
        request["NextToken"] = page["NextToken"]
    return sorted(found, key=lambda c: c["EmailAddress"])[:limit]


def tamper(
    stack: LocalStack, standin: VendorStandIn, *, missing: int = 3, strangers: int = 2, unsubscribes: int = 2, dropped: int = 2
) -> dict[str, Any]:
    ses, contact_list = stack.client("sesv2"), stack.resources["ContactList"]
    contacts = _opted_in_contacts(stack, missing + unsubscribes)
    removed = [c["EmailAddress"] for c in contacts[:missing]]
    for email in removed:
        ses.delete_contact(ContactListName=contact_list, EmailAddress=email)
    unsubscribed = []
    for c in contacts[missing : missing + unsubscribes]:
        ses.update_contact(
            ContactListName=contact_list,
            EmailAddress=c["EmailAddress"],
            TopicPreferences=c.get("TopicPreferences") or [],
            UnsubscribeAll=True,
        )
        unsubscribed.append(c["EmailAddress"])
    added = [f"stranger{i}@example.net" for i in range(strangers)]
    for email in added:
        ses.create_contact(
            ContactListName=contact_list,
            EmailAddress=email,
            TopicPreferences=[{"TopicName": "members", "SubscriptionStatus": "OPT_IN"}],
        )
    now = datetime.now(UTC)
    payments, orders = [], []
    for i in range(dropped):
        pid = f"DEMO-DROPPED-{now:%H%M%S}-{i}"
        standin.seed("square", "payments", pid, {
            "id": pid, "status": "COMPLETED", "created_at": (now - timedelta(minutes=30 + i)).isoformat(),
            "amount_money": {"amount": 1200 + i, "currency": "GBP"}, "buyer_email_address": f"walk.in{i}@example.org",
            "location_id": "L8RIVERSIDE01",
        })
        payments.append(pid)
        oid = 770_000_000 + int(now.timestamp()) % 100_000 * 10 + i
        standin.seed("shopify", "orders", str(oid), {
            "id": oid, "name": f"#D{i}", "email": f"web.buyer{i}@example.org", "phone": None,
            "created_at": (now - timedelta(minutes=20 + i)).isoformat(), "currency": "GBP", "financial_status": "paid",
            "total_price": "8.00", "buyer_accepts_marketing": False,
            "customer": {"id": oid + 1, "email": f"web.buyer{i}@example.org", "first_name": "Web", "last_name": f"Buyer{i}"},
            "line_items": [{"id": oid + 2, "product_id": 632910394, "variant_id": 39072858, "sku": "SHOP-MUG",
                            "title": "Museum Mug", "quantity": 1, "price": "8.00", "name": "Museum Mug"}],
        })
        orders.append(str(oid))
    return {"removed": removed, "strangers": added, "unsubscribed_at_ses": unsubscribed,
            "dropped_square_payments": payments, "dropped_shopify_orders": orders}


def tamper_and_reconcile(stack: LocalStack, standin: VendorStandIn, **counts: int) -> dict[str, Any]:
    tampered = tamper(stack, standin, **counts)
    [first] = stack.fire_schedule("ReconcileFunction")
    stack.wait_idle(timeout=120)
    [second] = stack.fire_schedule("ReconcileFunction")
    lines = [
        "reconcile: " + ", ".join(f"{k} {v}" for k, v in first["drift"].items()) + " found",
        "reconcile: " + ", ".join(f"{k} {v}" for k, v in first["repaired"].items()) + " repaired",
        f"reconcile: second run finds {sum(second['drift'].values())} drift",
        *(f"reconcile report: {v}" for v in (first.get("report") or {}).values()),
    ]
    return {"tampered": tampered, "first": first, "second": second, "lines": lines}
