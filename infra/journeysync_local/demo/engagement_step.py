"""The demo's engagement week: campaigns from three divisions under the cap, and what readers do with them.

Call after the day has drained:

    from journeysync_local.demo.engagement_step import play_engagement_week
    result = play_engagement_week(stack)

Over the past six days it mails, through the stack's SES configuration set and within
`engagement.yaml`'s cap, the museum, cinema and donor newsletters together (so members on
several division lists meet the cap and the priority order), then member news with the renewal
reminder. After each send the local SES stand-in (`local/ses_engagement.py`) plays what SES
would publish — sends, deliveries, opens and clicks at each reader's habitual hours, a few hard
bounces and complaints — and the engagement hop folds them in. The returned dict has the sends,
holds and SES events played, and `lines` for the demo to print.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from journeysync_local.stack import LocalStack

WEEK = (
    (0, (("museum-weekly", "division-museum", "museum", "museum"),
         ("cinema-weekly", "division-cinema", "cinema", "cinema"),
         ("donor-appeal", "division-development", "development", "donors"))),
    (3, (("member-news", "active-members", "museum", "members"),
         ("renewal-reminder", "expiring-30d", "museum", "renewal"))),
    (5, (("cinema-weekend", "division-cinema", "cinema", "cinema"),)),
)


def play_engagement_week(stack: LocalStack, seed: int = 7) -> dict[str, Any]:
    from journeysync.config.loader import load_config
    from journeysync.engagement.send import Campaign, SesCampaignSender, send_campaigns
    from journeysync.engagement.store import EngagementStore
    from journeysync.segments import SegmentEngine
    from journeysync.store.profiles import ProfileStore
    from journeysync_local.ses_engagement import Readers, SesEngagementEmitter

    config = load_config(stack.config_dir)
    table, ddb = stack.resources["Table"], stack.client("dynamodb")
    profiles, store = ProfileStore(table, ddb), EngagementStore(table, ddb)
    engine = SegmentEngine(config.segments)
    sender = SesCampaignSender(stack.client("sesv2"), stack.resources["MarketingSenderIdentity"],
                               stack.resources["EngagementConfigurationSet"], stack.resources["ContactList"])
    emitter = SesEngagementEmitter.for_stack(stack, Readers(seed=seed, zone=config.engagement.timezone))
    now = datetime.now(UTC)
    start = (now - timedelta(days=6)).replace(hour=9, minute=30, second=0, microsecond=0)
    sent = held = 0
    events: dict[str, int] = {}
    reasons: dict[str, int] = {}
    for offset, specs in WEEK:
        at = start + timedelta(days=offset)
        campaigns = [Campaign(f"{cid}-{at:%Y%m%d}", seg, div, topic, f"{cid.replace('-', ' ').title()}")
                     for cid, seg, div, topic in specs]
        report, _ = send_campaigns(profiles.iter_customers(), campaigns, engine, store, sender,
                                   config.engagement.pressure, at)
        sent, held = sent + report.sent, held + report.held
        for reason, n in report.held_reasons.items():
            reasons[reason] = reasons.get(reason, 0) + n
        for kind, n in emitter.emit(sent_at=at, until=now).events.items():
            events[kind] = events.get(kind, 0) + n
    stack.wait_idle(timeout=300, settle=0.2)
    cap = config.engagement.pressure
    return {
        "sent": sent,
        "held": held,
        "held_reasons": reasons,
        "ses_events": events,
        "lines": [
            f"engagement: {sent} campaign emails sent, {held} held back by the cap of {cap.cap} per {cap.window_days} days",
            f"engagement: SES events played {dict(sorted(events.items()))}",
        ],
    }
