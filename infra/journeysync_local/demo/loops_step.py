"""The demo's closing-the-loops step: the day's surveys fall due, some members tap a rating, two online
shoppers leave their checkouts (one comes back and pays), and the teams' work items are counted.

Call after the day has drained: it fires the SurveySendFunction's schedule as of the next morning (the
delays have passed, outside quiet hours), opens the rating link of every `tap_every`-th survey email
(a detractor score for every third tap, so alerts follow), waits for the ratings to flow through the
profile and router hops, fires the journey sweep as of three hours on (past the online shop's abandonment
time) so both checkouts become abandoned items, posts the order that recovers one, and reads the counts back from where they live — the outbox, the profiles'
ratings and the work items.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from journeysync_local.stack import LocalStack


def _survey_emails(stack: LocalStack) -> list[dict[str, Any]]:
    data = requests.get(f"{stack.moto_url}/moto-api/data.json", timeout=30).json()
    return list(data.get("ses", {}).get("TemplateMessage", []))


def tap(url: str) -> requests.Response:
    """A recipient's tap on a rating link: the link opens a confirm page, its one button POSTs the hidden fields."""
    page = requests.get(url, timeout=30)
    form = re.search(r"<form[^>]*method=['\"]post['\"][^>]*>(.*?)</form>", page.text, re.I | re.S)
    if form is None:
        return page
    hidden = dict(re.findall(
        r"<input[^>]*type=['\"]hidden['\"][^>]*name=['\"]([^'\"]+)['\"][^>]*value=['\"]([^'\"]*)['\"]", form.group(1), re.I))
    return requests.post(url.split("?", 1)[0], data=hidden, timeout=30)


def run_loops(stack: LocalStack, tap_every: int = 2) -> dict[str, Any]:
    from journeysync.config.loader import load_config
    from journeysync.surveys.rules import quiet_until
    from journeysync.surveys.store import SurveyStore
    from journeysync.work.listing import count_work, list_work

    config = load_config().surveys
    longest = max((t.delay_minutes for t in config.touchpoints), default=0)
    due = quiet_until(config, datetime.now(UTC) + timedelta(minutes=longest + 5))
    results = stack.fire_schedule("SurveySendFunction", at=due)
    taps = 0
    for n, message in enumerate(_survey_emails(stack)):
        if n % tap_every:
            continue
        data = json.loads(message["template_data"])
        scores = data.get("scores") or []
        if not scores:
            continue
        pick = scores[0] if taps % 3 == 0 else scores[-1]  # every third tap a detractor, the rest promoters
        if tap(pick["url"]).status_code == 200:
            taps += 1
    stack.wait_idle(timeout=120, settle=0.2)
    abandon_two_checkouts(stack)
    ddb = stack.client("dynamodb")
    table = stack.resources["Table"]
    sent = sum(1 for _ in SurveyStore(table, ddb).by_status("sent"))
    ratings, owned_entries = _survey_ratings_and_owned_entries(stack)
    work = count_work(list_work(table, ddb))
    abandoned = work.get("abandoned", {})
    return {
        "surveys_sent": sent,
        "survey_ratings_received": ratings,
        "work_items": work,
        "owned_stage_entries": owned_entries,
        "lines": [
            f"surveys: {sent} sent as of {due:%a %H:%M} UTC (sweep: {results[0] if results else {}}), "
            f"{ratings} ratings came back through their links",
            f"checkouts: {sum(abandoned.values())} abandoned, {abandoned.get('closed', 0)} recovered by an order",
            "work items: " + "; ".join(f"{kind} {dict(sorted(c.items()))}" for kind, c in sorted(work.items())),
        ],
    }


def _post_shopify(stack: LocalStack, doc: dict[str, Any]) -> None:
    stack.post_webhook("shopify", json.dumps(doc).encode()).raise_for_status()


def abandon_two_checkouts(stack: LocalStack) -> None:
    """Two shoppers start a checkout for a family membership and leave; the sweep (as of three hours on) makes
    both abandoned; one of them then pays, which closes that item and clears the segment."""
    now = datetime.now(UTC)
    line = {"sku": "MEM-FAM-12", "title": "Family Membership", "quantity": 1, "price": "80.00", "product_id": 632910392}
    shoppers = [("nora.online@example.com", "Nora"), ("omar.online@example.com", "Omar")]
    for n, (email, name) in enumerate(shoppers):
        token = f"demo-checkout-{n}-{now:%Y%m%d%H%M%S}"
        _post_shopify(stack, {
            "id": 35118203388300 + n, "token": token, "email": email, "created_at": now.isoformat(timespec="seconds"),
            "currency": "GBP", "total_price": "80.00", "line_items": [line], "buyer_accepts_marketing": True,
            "abandoned_checkout_url": f"https://riverside-museum.myshopify.com/checkouts/ac/{token}/recover",
            "customer": {"id": 706405506930371000 + n, "email": email, "first_name": name},
        })
    stack.wait_idle(timeout=60, settle=0.2)
    stack.fire_schedule("JourneySweepFunction", at=now + timedelta(hours=3))
    stack.wait_idle(timeout=60, settle=0.2)
    email, name = shoppers[0]
    _post_shopify(stack, {
        "id": 820982911946200000, "email": email, "checkout_token": f"demo-checkout-0-{now:%Y%m%d%H%M%S}",
        "created_at": now.isoformat(timespec="seconds"), "processed_at": now.isoformat(timespec="seconds"),
        "currency": "GBP", "financial_status": "paid", "total_price": "80.00", "line_items": [line],
        "customer": {"id": 706405506930371000, "email": email, "first_name": name},
    })
    stack.wait_idle(timeout=60, settle=0.2)


def _survey_ratings_and_owned_entries(stack: LocalStack) -> tuple[int, int]:
    """Ratings on the profiles that came from our own rating links (source journeysync.survey), and how many
    times members entered a stage whose team must act (each should have made one stage_action item)."""
    from journeysync.config.loader import load_config
    from journeysync.store.profiles import ProfileStore

    journeys = load_config().journeys
    ratings = entries = 0
    for customer in ProfileStore(stack.resources["Table"], stack.client("dynamodb")).iter_customers():
        ratings += sum(1 for r in customer.profile.ratings if re.match(r"^link-", r.response_id))
        if customer.header.merged_into or customer.header.forgotten:
            continue
        for name, position in customer.journeys.items():
            journey = journeys.get(name)
            for visit in position.history:
                stage = journey.stage(visit.stage) if journey else None
                entries += int(bool(stage and stage.owner == "organization" and stage.team and stage.action))
    return ratings, entries
