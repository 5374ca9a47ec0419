"""The parts of `forget` that search rather than look up: archived raw payloads and dead-lettered messages.

A delivery that never reached the timeline (answered "ignored", failed after its archive
write, parked on a DLQ) has no `archive_key` on any timeline item, so the only way to find
it is to read it. These functions read every object under the archive's `raw/` prefix and
every message of the given queues, and remove those that *name* one of the person's keys:
an email in any capitalisation (also URL-encoded, as Mailchimp posts it), a phone number
in any national or international format, a vendor customer id as a whole token. It is an
operator's scan — linear in the archive — which is why the CLI runs it and the profile hop
(a `customer.forgotten` event) only deletes the payloads its timeline names.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

import phonenumbers

from journeysync.identity import IdentityKey

ARCHIVE_PREFIX = "raw/"
SCAN_WORKERS = 8
_PEEK_SECONDS = 60


@dataclass(frozen=True)
class Needles:
    """What a text must contain to name the person: lower-case emails, phone digit strings, id tokens."""

    emails: frozenset[str]
    phone_digits: frozenset[str]
    ids: frozenset[str]

    @classmethod
    def of(cls, keys: Iterable[IdentityKey]) -> Needles:
        emails: set[str] = set()
        digits: set[str] = set()
        ids: set[str] = set()
        for key in keys:
            if key.kind == "email":
                emails.add(key.value.lower())
            elif key.kind == "phone":
                digits.add(key.value.lstrip("+"))
                with contextlib.suppress(phonenumbers.NumberParseException):
                    digits.add(str(phonenumbers.parse(key.value).national_number))
            else:
                ids.add(key.value)
        return cls(frozenset(emails), frozenset(digits), frozenset(ids))

    def found_in(self, text: str) -> bool:
        """Whether `text` names any needle (see the module docstring for how each kind is matched)."""
        lowered = text.lower()
        variants = (lowered, unquote_plus(lowered))
        if any(e in v for e in self.emails for v in variants):
            return True
        if self.phone_digits:
            # digits of every run of phone-ish characters: "07911 123458", "+44 (0)7911-123458"
            runs = {re.sub(r"\D", "", r) for v in variants for r in re.findall(r"\+?[\d][\d ().\-]{5,}\d", v)}
            if any(d in run for d in self.phone_digits for run in runs):
                return True
        return any(
            re.search(rf"(?<![A-Za-z0-9_\-]){re.escape(i)}(?![A-Za-z0-9_\-])", v) for i in self.ids for v in variants
        )


def archived_text(document: bytes) -> str:
    """The searchable text of an archive object: its JSON with a base64 body decoded."""
    text = document.decode("utf-8", errors="replace")
    try:
        doc = json.loads(text)
    except ValueError:
        return text
    if isinstance(doc, dict) and doc.get("body_encoding") == "base64" and isinstance(doc.get("body"), str):
        with contextlib.suppress(ValueError):
            doc["body"] = base64.b64decode(doc["body"]).decode("utf-8", errors="replace")
        return json.dumps(doc)
    return text


def purge_archive(s3: Any, bucket: str, needles: Needles, already: Iterable[str] = ()) -> list[str]:
    """Delete every archived payload under `raw/` that names the person; returns the deleted keys."""
    from concurrent.futures import ThreadPoolExecutor

    skip = set(already)
    matched: list[str] = []

    def names_them(key: str) -> bool:
        return needles.found_in(archived_text(s3.get_object(Bucket=bucket, Key=key)["Body"].read()))

    with ThreadPoolExecutor(max_workers=SCAN_WORKERS) as pool:  # GetObject is latency-bound
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=ARCHIVE_PREFIX):
            keys = [obj["Key"] for obj in page.get("Contents") or [] if obj["Key"] not in skip]
            matched += [k for k, hit in zip(keys, pool.map(names_them, keys), strict=True) if hit]
    for start in range(0, len(matched), 1000):
        chunk = matched[start : start + 1000]
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True})
    return matched


def purge_queue(sqs: Any, url: str, needles: Needles) -> int:
    """Delete the messages of `url` (a DLQ) that name the person; every other message is released at once.

    A FIFO queue hands out at most what its group order lets out per receive, so a message
    behind ten others of its group is reached on the next run (the CLI prints the count).
    """
    seen: set[str] = set()
    keep: list[str] = []
    deleted = 0
    try:
        while True:
            batch = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=_PEEK_SECONDS,
                MessageAttributeNames=["All"], WaitTimeSeconds=0,
            ).get("Messages", [])
            fresh = [m for m in batch if m["MessageId"] not in seen]
            if not fresh:
                break
            for message in fresh:
                seen.add(message["MessageId"])
                attributes = json.dumps(message.get("MessageAttributes") or {})
                if needles.found_in(str(message.get("Body") or "") + attributes):
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                    deleted += 1
                else:
                    keep.append(message["ReceiptHandle"])
    finally:
        for start in range(0, len(keep), 10):
            sqs.change_message_visibility_batch(
                QueueUrl=url,
                Entries=[{"Id": str(i), "ReceiptHandle": h, "VisibilityTimeout": 0}
                         for i, h in enumerate(keep[start : start + 10])],
            )
    return deleted
