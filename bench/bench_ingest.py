"""Ingest: webhooks per second through the local gateway, handler CPU per webhook, AWS requests and cost per webhook.

A Shopify `orders/paid` delivery (membership + tickets + a mug: three canonical events) is
posted N times with fresh ids, in timed chunks of 50 with the events queue emptied between
them (nothing consumes it here, and moto's FIFO emulation slows as a queue grows). CPU is the handler thread's own CPU time (the moto server
runs in other threads), as a ratio to one boto3 SQS SendMessage measured in the same
process. AWS requests are what the function's workers counted per invocation.
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import requests
from journeysync_local.stack import LocalStack

from bench.aws_calls import calls_by_function
from bench.prices import cost_per_million
from journeysync.vendors import adapter_for
from tests.events import load_sample

N = 300


CHUNK = 50


def _chunks(items: list[Any]) -> list[list[Any]]:
    return [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]


def _drain(stack: LocalStack) -> None:
    """Empty the events queue between timed chunks (untimed): moto's FIFO slows as a queue grows, SQS does not."""
    sqs, url = stack.client("sqs"), stack.resources["EventsQueue"]
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60).get("Messages", [])
        if not messages:
            return
        entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]
        sqs.delete_message_batch(QueueUrl=url, Entries=entries)


def _deliveries(stack: LocalStack, n: int) -> list[tuple[bytes, dict[str, str]]]:
    sample = load_sample("shopify", "orders-paid")
    doc = sample.json()
    adapter = adapter_for("shopify")
    assert adapter is not None
    out = []
    for i in range(n):
        doc = {**doc, "id": 9_000_000 + i, "name": f"#B{i}"}
        body = json.dumps(doc).encode()
        headers = {
            "content-type": "application/json",
            "x-shopify-topic": "orders/paid",
            "x-shopify-event-id": f"bench-{i}",
            **adapter.signed_headers(stack.vendor_secrets["shopify"], body, url="", now=datetime.now(UTC)),
        }
        out.append((body, headers))
    return out


def run() -> list[tuple[str, float, str]]:
    with LocalStack(pollers_for=set(), moto_process=True) as stack:
        url = f"{stack.url}/webhooks/shopify"
        session = requests.Session()
        warm = _deliveries(stack, 5)
        for body, headers in warm:  # cold start and caches out of the way
            session.post(url, data=body, headers={**headers, "x-shopify-event-id": "warm"}, timeout=30)

        batch = _deliveries(stack, N)
        statuses: Counter[int] = Counter()
        elapsed = 0.0
        counted_from = len(stack.invocations)
        for chunk in _chunks(batch):
            started = time.perf_counter()
            statuses.update(session.post(url, data=b, headers=h, timeout=30).status_code for b, h in chunk)
            elapsed += time.perf_counter() - started
            _drain(stack)
        counter = Counter(
            {
                f"{service}:{op}": n
                for (_fn, service, op), n in calls_by_function(stack.invocations[counted_from:]).items()
                if op not in ("ReceiveMessage", "DeleteMessageBatch")
            }
        )
        sequential = N / elapsed
        assert statuses == Counter({200: N}), statuses

        concurrent = _deliveries(stack, N)
        concurrent = [(b.replace(b'"#B', b'"#C').replace(b"9000", b"9100", 1), {**h}) for b, h in concurrent]
        adapter = adapter_for("shopify")
        assert adapter is not None
        concurrent = [
            (
                b,
                {
                    **h,
                    **adapter.signed_headers(stack.vendor_secrets["shopify"], b, url="", now=datetime.now(UTC)),
                    "x-shopify-event-id": f"c-{i}",
                },
            )
            for i, (b, h) in enumerate(concurrent)
        ]
        elapsed = 0.0
        with ThreadPoolExecutor(4) as pool:
            for chunk in _chunks(concurrent):
                started = time.perf_counter()
                list(pool.map(lambda bh: requests.post(url, data=bh[0], headers=bh[1], timeout=30).status_code, chunk))
                elapsed += time.perf_counter() - started
                _drain(stack)
        parallel = N / elapsed

        event = _apigw_event(stack, *_deliveries(stack, 1)[0])
        cpu = []
        for i in range(100):
            ev = {**event, "headers": {**event["headers"], "x-shopify-event-id": f"cpu-{i}"}}
            reply = stack.invoke("WebhookIngestFunction", ev)
            cpu.append(stack.invocations[-1].cpu_ms / 1000)
            assert reply["statusCode"] == 200
        sqs = stack.client("sqs")
        base = []
        for i in range(100):
            t = time.thread_time()
            sqs.send_message(QueueUrl=stack.resources["EnrichmentQueue"], MessageBody=f"baseline {i}")
            base.append(time.thread_time() - t)
        handler_ms, baseline_ms = statistics.median(cpu) * 1000, statistics.median(base) * 1000

    per_webhook = {k: v / N for k, v in counter.items()}
    requests_per_event = {
        "apigateway-http": 1.0,
        "lambda-requests": 1.0,
        "s3-put": per_webhook.get("s3:PutObject", 0.0),
        "sqs-fifo": per_webhook.get("sqs:SendMessageBatch", 0.0),
        "dynamodb-wru": per_webhook.get("dynamodb:PutItem", 0.0) + per_webhook.get("dynamodb:UpdateItem", 0.0),
        "dynamodb-rru": per_webhook.get("dynamodb:GetItem", 0.0),
        "secretsmanager-api": per_webhook.get("secretsmanager:GetSecretValue", 0.0),
    }
    # Lambda bills wall time: take the sequential round trip as an upper bound on the handler's duration
    cost = cost_per_million(
        requests_per_event, lambda_gb_seconds_per_event=0.5 * (1 / sequential), log_bytes_per_event=700
    )
    rows: list[tuple[str, float, str]] = [
        ("webhooks/s through the gateway, 1 client", sequential, "webhooks/s"),
        ("webhooks/s through the gateway, 4 clients", parallel, "webhooks/s"),
        ("handler CPU per webhook (3 canonical events)", handler_ms, "ms"),
        ("baseline: one boto3 SQS SendMessage CPU", baseline_ms, "ms"),
        ("handler CPU vs baseline", handler_ms / baseline_ms, "x"),
    ]
    rows += [(f"AWS calls per webhook: {k}", v, "calls") for k, v in sorted(per_webhook.items())]
    rows += [(f"ingest cost per 1M webhooks: {k}", v, "USD") for k, v in cost.items() if v]
    return rows


def _apigw_event(stack: LocalStack, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    return {
        "version": "2.0",
        "rawPath": "/webhooks/shopify",
        "rawQueryString": "",
        "headers": headers,
        "body": body.decode(),
        "isBase64Encoded": False,
        "pathParameters": {"vendor": "shopify"},
        "requestContext": {
            "http": {"method": "POST"},
            "domainName": "127.0.0.1",
            "requestId": "bench",
            "timeEpoch": int(time.time() * 1000),
        },
    }
