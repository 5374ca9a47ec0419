"""Forget's archive scan: how long reading the raw archive takes per object, and the S3 requests it costs.

`forget` finds payloads no timeline names (ignored deliveries, failures after the archive
write) by reading every object under `raw/`. N realistic Shopify `orders/paid` archive
documents are written to the local stack's bucket, 1 % of them naming the person; the scan
is timed and its S3 calls counted. Matching itself (`Needles.found_in`) is timed separately
so the moto round trips and the CPU are told apart.
"""

from __future__ import annotations

import json
import time
from collections import Counter

from journeysync_local.stack import LocalStack

from bench.aws_calls import counting_aws_calls
from journeysync.identity import IdentityKey
from journeysync.profile.erasure import Needles, archived_text, purge_archive
from tests.events import load_sample

N = 1000


def _document(i: int, hers: bool) -> bytes:
    order = load_sample("shopify", "orders-paid").json()
    order.update(id=8_000_000 + i, email="Mia.Khan@Example.com" if hers else f"buyer{i}@example.com")
    return json.dumps({"vendor": "shopify", "body": json.dumps(order), "body_encoding": "utf-8",
                       "headers": {}, "event_ids": [], "note": ""}).encode()


def run() -> list[tuple[str, float, str]]:
    needles = Needles.of([IdentityKey("email", "mia.khan@example.com"), IdentityKey("phone", "+447911123456"),
                          IdentityKey("ext", "555000111", "shopify")])
    documents = {f"raw/shopify/2026/12/01/{i:06d}.json": _document(i, i % 100 == 0) for i in range(N)}
    started = time.perf_counter()
    for body in documents.values():
        needles.found_in(archived_text(body))
    match_ms = (time.perf_counter() - started) * 1000 / N
    with LocalStack(pollers_for=set(), moto_process=True) as stack:
        s3, bucket = stack.client("s3"), stack.resources["ArchiveBucket"]
        for key, body in documents.items():
            s3.put_object(Bucket=bucket, Key=key, Body=body)
        with counting_aws_calls() as calls:
            started = time.perf_counter()
            deleted = purge_archive(s3, bucket, needles)
            seconds = time.perf_counter() - started
    per_op: Counter[str] = Counter()
    for (_fn, _service, operation), count in calls.items():
        per_op[operation] += count
    return [
        (f"forget archive scan, {N} objects: time", seconds, "s"),
        ("forget archive scan: objects per second", N / seconds, "objects/s"),
        ("forget archive scan: payloads found and deleted", len(deleted), "objects"),
        ("forget archive scan: S3 GetObject per object", per_op["GetObject"] / N, "calls"),
        ("forget archive scan: S3 ListObjectsV2 + DeleteObjects", per_op["ListObjectsV2"] + per_op["DeleteObjects"], "calls"),
        ("forget archive match CPU per object", match_ms, "ms"),
    ]


if __name__ == "__main__":
    for figure, value, unit in run():
        print(f"{figure:<64} {value:>14,.2f} {unit}")
