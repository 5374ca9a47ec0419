"""The local runtime under concurrent senders: webhooks per second through the gateway to the profile written.

N signed CloudEvents `membership.purchased` webhooks, each for a new person, are posted through the
local gateway by 1 and then 8 concurrent senders. The hops on the path run (webhook_ingest behind the
gateway, the enrichment and pos_to_crm pollers); the hops after the profile (crm_push, crm_to_email,
survey_router) are not polled, so the figure is the path's and not shared with work that comes later.
The ingest rate is accepted webhooks over the time the senders took (every reply a 200, the path's
pollers running meanwhile); a run ends only when every accepted webhook's profile has been written,
and the rate to the profile (webhooks over that whole wall time) is reported beside it; each webhook's latency is from the gateway receiving it to the end of the
pos_to_crm invocation that wrote its profile (exact lineage: the runtime traces every hop to its
webhook). Nothing may be lost: every webhook is accepted and every person has a profile.
Writes `local_ingest_webhooks_per_s_c{1,8}`, `local_e2e_profile_p95_ms_c{1,8}` and
`local_e2e_profile_webhooks_per_s_c{1,8}` to docs/benchmarks.json.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import requests
from journeysync_local.stack import LocalStack

from bench.benchmark_keys import merge_keys
from journeysync.identity import IdentityKey
from journeysync.store import ProfileStore
from journeysync.vendors import adapter_for

N = 240
PROFILE_FUNCTION = "PosToCrmFunction"
PATH = {"WebhookEnrichFunction", PROFILE_FUNCTION}  # webhook_ingest is behind the gateway, not a poller


def _webhook(stack: LocalStack, run: str, n: int) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        {
            "specversion": "1.0",
            "id": f"{run}-{n}",
            "source": "tills",
            "type": "membership.purchased",
            "time": "2026-11-30T10:00:00Z",
            "identity": {"emails": [f"{run}-{n}@example.org"]},
            "data": {"tier": "individual", "term_months": 12},
        }
    ).encode()
    adapter = adapter_for("cloudevents")
    assert adapter is not None
    url = f"{stack.url}/webhooks/cloudevents"
    return body, adapter.signed_headers(stack.vendor_secrets["cloudevents"], body, url=url, now=datetime.now(UTC))


def _warm(stack: LocalStack, senders: int) -> None:
    """Start every instance the measured runs will use: cold starts are measured apart, not in the steady state."""
    url = f"{stack.url}/webhooks/cloudevents"
    deliveries = [_webhook(stack, "warm", n) for n in range(4 * senders)]
    with ThreadPoolExecutor(senders) as pool:
        list(pool.map(lambda d: requests.post(url, data=d[0], headers=d[1], timeout=60).status_code, deliveries))
    stack.wait_idle(timeout=300, settle=0.2)


def _run(stack: LocalStack, senders: int, run: str) -> tuple[float, float, float]:
    url = f"{stack.url}/webhooks/cloudevents"
    deliveries = [_webhook(stack, run, n) for n in range(N)]
    sessions = [requests.Session() for _ in range(senders)]

    def post(n: int) -> tuple[int, str]:
        body, headers = deliveries[n]
        reply = sessions[n % senders].post(url, data=body, headers=headers, timeout=60)
        return reply.status_code, reply.headers.get("apigw-requestid", "")

    started = time.time()
    with ThreadPoolExecutor(senders) as pool:
        replies = list(pool.map(post, range(N)))
    sent = time.time()
    failed = [i.error for i in stack.invocations if i.error and i.start >= started]
    assert all(status == 200 for status, _ in replies), failed[:1]
    accepted = {rid for _, rid in replies}
    written: dict[str, float] = {}
    deadline = time.monotonic() + 600
    while len(written) < len(accepted) and time.monotonic() < deadline:
        for inv in list(stack.invocations):
            if inv.function == PROFILE_FUNCTION and inv.end and not inv.error:
                for root in inv.roots & accepted:
                    written.setdefault(root, inv.end)
        time.sleep(0.05)
    assert len(written) == len(accepted), f"{len(accepted) - len(written)} webhooks never reached a profile"
    store = ProfileStore(stack.resources["Table"], stack.client("dynamodb"))
    missing = [n for n in range(N) if store.owner_of(IdentityKey("email", f"{run}-{n}@example.org")) is None]
    assert not missing, f"{len(missing)} people have no profile"
    assert stack.gateway is not None
    received = {rid: start for rid, _route, _status, start, _end in stack.gateway.stats.requests if rid in accepted}
    latencies = sorted((written[r] - received[r]) * 1000 for r in accepted)
    to_profile = N / (max(written.values()) - started)
    return N / (sent - started), to_profile, latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))]


def run() -> list[tuple[str, float, str]]:
    with LocalStack(moto_process=True, pollers_for=PATH) as stack:
        _warm(stack, 8)
        rate1, drain1, p95_1 = _run(stack, 1, "c1")
        stack.wait_idle(timeout=300, settle=0.2)
        rate8, drain8, p95_8 = _run(stack, 8, "c8")
        cold = [i.init_ms for i in stack.invocations if i.cold and i.init_ms is not None]
    merge_keys(
        {
            "local_ingest_webhooks_per_s_c1": rate1,
            "local_e2e_profile_p95_ms_c1": p95_1,
            "local_ingest_webhooks_per_s_c8": rate8,
            "local_e2e_profile_p95_ms_c8": p95_8,
            "local_e2e_profile_webhooks_per_s_c1": drain1,
            "local_e2e_profile_webhooks_per_s_c8": drain8,
        }
    )
    return [
        ("webhooks/s accepted at the gateway, 1 sender (all reach a profile)", rate1, "webhooks/s"),
        ("webhooks/s gateway → profile written, 1 sender", drain1, "webhooks/s"),
        ("webhook → profile written p95, 1 sender", p95_1, "ms"),
        ("webhooks/s accepted at the gateway, 8 senders (all reach a profile)", rate8, "webhooks/s"),
        ("webhooks/s gateway → profile written, 8 senders", drain8, "webhooks/s"),
        ("webhook → profile written p95, 8 senders", p95_8, "ms"),
        ("cold starts (worker processes started)", float(len(cold)), "workers"),
        ("cold start p50 (handler import in a fresh worker)", sorted(cold)[len(cold) // 2] if cold else 0.0, "ms"),
    ]


if __name__ == "__main__":
    for figure, value, unit in run():
        print(f"{figure:<58} {value:>10.1f} {unit}")
