"""`journeysync dlq list` / `dlq redrive`: what was dead-lettered and why, and replaying it after a fix.

Hops park a record that retrying cannot fix with a `reason` message attribute
(`journeysync.queueing.dead_letter`); SQS's own redrive (after `maxReceiveCount`) has none.
Listing peeks: messages are received with a short visibility timeout and released
at once, so nothing is consumed. Redrive sends each message back to the queue whose
RedrivePolicy names the DLQ and deletes it from the DLQ only after that send succeeded.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any

import typer

from journeysync_cli.output import connect_or_exit, console, fail, print_json

QueueOption = Annotated[str | None, typer.Option("--queue", help="the DLQ's logical id (default: every DLQ)")]
_PEEK_SECONDS = 30
_SUMMARY_KEYS = ("type", "id", "source", "time", "customer_id", "detail-type", "version")


def summarize(body: str, limit: int = 160) -> str:
    """A one-line summary: the envelope fields of a JSON object, else the start of the body."""
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if isinstance(data, dict):
        fields = [f"{k}={data[k]}" for k in _SUMMARY_KEYS if isinstance(data.get(k), str | int)]
        if fields:
            return " ".join(fields)[:limit]
        return ("{" + ", ".join(sorted(data)) + "}")[:limit]
    text = " ".join(body.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def group_id_for(message: dict[str, Any]) -> str:
    """The FIFO group to redrive with: the original's, else derived from the body like `queueing.message_for`."""
    original = (message.get("Attributes") or {}).get("MessageGroupId")
    if original:
        return str(original)
    from journeysync.errors import BadInputError
    from journeysync.models.events import CustomerEvent
    from journeysync.models.validation import parse_json_model

    try:
        return parse_json_model(CustomerEvent, message.get("Body") or "").group_key()
    except BadInputError:
        return "dead-letter"


def send_entry(message: dict[str, Any], index: int, fifo: bool) -> dict[str, Any]:
    """The SendMessageBatch entry that puts a DLQ message back on its source queue (pure; unit-tested)."""
    attributes = {
        name: {k: v for k, v in value.items() if k in ("DataType", "StringValue", "BinaryValue")}
        for name, value in (message.get("MessageAttributes") or {}).items()
        if name != "reason"
    }
    entry: dict[str, Any] = {"Id": str(index), "MessageBody": message["Body"]}
    if attributes:
        entry["MessageAttributes"] = attributes
    if fifo:
        entry["MessageGroupId"] = group_id_for(message)
        # one id per DLQ message: a redrive retried after a failed delete is dropped by SQS, not doubled
        entry["MessageDeduplicationId"] = hashlib.sha256(f"redrive:{message['MessageId']}".encode()).hexdigest()
    return entry


def _connect() -> Any:
    return connect_or_exit()


def _arn(sqs: Any, url: str) -> str:
    return str(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])


def queues(stack: Any, sqs: Any) -> dict[str, tuple[str, str | None, str | None]]:
    """DLQ logical id → (DLQ URL, source logical id, source URL), from the queues' live RedrivePolicy."""
    all_queues = stack.of_type("AWS::SQS::Queue")
    source_of: dict[str, str] = {}  # DLQ ARN → source logical id
    for lid, url in all_queues.items():
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"]).get("Attributes") or {}
        if attrs.get("RedrivePolicy"):
            source_of[json.loads(attrs["RedrivePolicy"])["deadLetterTargetArn"]] = lid
    dlqs = dict(stack.dead_letter_queues) or {
        lid: url for lid, url in all_queues.items() if _arn(sqs, url) in source_of
    }
    out: dict[str, tuple[str, str | None, str | None]] = {}
    for lid, url in sorted(dlqs.items()):
        source = source_of.get(_arn(sqs, url))
        out[lid] = (url, source, all_queues.get(source) if source else None)
    return out


def _selected(stack: Any, sqs: Any, queue: str | None) -> dict[str, tuple[str, str | None, str | None]]:
    found = queues(stack, sqs)
    if queue is None:
        return found
    if queue not in found:
        fail(f"{queue} is not a dead-letter queue of {stack.name} (DLQs: {', '.join(found) or 'none'})")
    return {queue: found[queue]}


def _receive(sqs: Any, url: str, visibility: int) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = sqs.receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=10,
        VisibilityTimeout=visibility,
        MessageAttributeNames=["All"],
        AttributeNames=["All"],
        WaitTimeSeconds=0,
    ).get("Messages", [])
    return messages


def peek(sqs: Any, url: str, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` messages, received and released again (FIFO: at most what the group order lets out)."""
    seen: dict[str, dict[str, Any]] = {}
    handles: list[str] = []
    try:
        while len(seen) < limit:
            batch = [m for m in _receive(sqs, url, _PEEK_SECONDS) if m["MessageId"] not in seen]
            if not batch:
                break
            for m in batch:
                seen[m["MessageId"]] = m
                handles.append(m["ReceiptHandle"])
    finally:
        for start in range(0, len(handles), 10):
            sqs.change_message_visibility_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": h, "VisibilityTimeout": 0}
                    for i, h in enumerate(handles[start : start + 10])
                ],
            )
    return list(seen.values())[:limit]


def _describe(m: dict[str, Any]) -> dict[str, Any]:
    attrs = m.get("Attributes") or {}
    reason = ((m.get("MessageAttributes") or {}).get("reason") or {}).get("StringValue")
    return {
        "message_id": m["MessageId"],
        "sent_at": int(attrs.get("SentTimestamp", 0)) / 1000.0 or None,
        "receive_count": int(attrs.get("ApproximateReceiveCount", 0)),
        "group_id": attrs.get("MessageGroupId"),
        "reason": reason or "(none: SQS redrove it after maxReceiveCount)",
        "summary": summarize(m.get("Body") or ""),
    }


def redrive_queue(sqs: Any, dlq_url: str, source_url: str, limit: int) -> tuple[int, list[str]]:
    """Move up to `limit` messages back to `source_url`; returns (moved, errors). Deletes only what was sent."""
    fifo = source_url.endswith(".fifo")
    moved, errors = 0, []
    seen: set[str] = set()
    while moved < limit:
        batch = [m for m in _receive(sqs, dlq_url, 60) if m["MessageId"] not in seen][: limit - moved]
        if not batch:
            break
        seen.update(m["MessageId"] for m in batch)
        by_id = {str(i): m for i, m in enumerate(batch)}
        resp = sqs.send_message_batch(QueueUrl=source_url, Entries=[send_entry(m, i, fifo) for i, m in enumerate(batch)])
        errors += [f"{by_id[f['Id']]['MessageId']}: {f.get('Code')} {f.get('Message', '')}" for f in resp.get("Failed") or []]
        sent = [by_id[s["Id"]] for s in resp.get("Successful") or []]
        if sent:
            deleted = sqs.delete_message_batch(
                QueueUrl=dlq_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(sent)],
            )
            errors += [f"sent but not deleted from the DLQ: {f.get('Message', '')}" for f in deleted.get("Failed") or []]
            moved += len(sent)
        failed_handles = [by_id[f["Id"]]["ReceiptHandle"] for f in resp.get("Failed") or []]
        if failed_handles:  # not sent: make them visible again at once, untouched
            sqs.change_message_visibility_batch(
                QueueUrl=dlq_url,
                Entries=[{"Id": str(i), "ReceiptHandle": h, "VisibilityTimeout": 0} for i, h in enumerate(failed_handles)],
            )
            break
    return moved, errors


def list_dlqs(queue: str | None, limit: int) -> list[dict[str, Any]]:
    """Every selected DLQ with its source queue and (peeked) messages."""
    from journeysync.aws import client

    stack = _connect()
    sqs = client("sqs")
    result = []
    for lid, (url, source, _) in _selected(stack, sqs, queue).items():
        messages = [_describe(m) for m in peek(sqs, url, limit)]
        result.append({"queue": lid, "url": url, "source": source, "messages": messages})
    return result


def _print_list(result: list[dict[str, Any]]) -> None:
    for q in result:
        style = "bold red" if q["messages"] else "bold"
        console.print(f"[{style}]{q['queue']}[/] ← {q['source'] or '?'}: {len(q['messages'])} message(s)",
                      highlight=False)
        for m in q["messages"]:
            console.print(f"  {m['message_id']}  {m['summary']}", highlight=False)
            console.print(f"    [dim]reason:[/] {m['reason']}", highlight=False)


def redrive_dlqs(queue: str | None, limit: int, confirm: bool) -> list[dict[str, Any]]:
    """Redrive every selected DLQ to its source queue (asking first when `confirm`)."""
    from journeysync.aws import client

    stack = _connect()
    sqs = client("sqs")
    selected = _selected(stack, sqs, queue)
    for lid, (_, source, _url) in selected.items():
        if source is None:
            fail(f"no queue of {stack.name} names {lid} in its RedrivePolicy: nowhere to redrive to")
    if confirm:
        targets = ", ".join(f"{lid} → {source}" for lid, (_, source, _u) in selected.items())
        typer.confirm(f"Move the messages of {targets} back for processing?", abort=True)
    summary = []
    for lid, (url, source, source_url) in selected.items():
        assert source_url is not None
        moved, errors = redrive_queue(sqs, url, source_url, limit)
        summary.append({"queue": lid, "source": source, "moved": moved, "errors": errors})
    return summary


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Dead-letter queues: what failed and why; replay it after a fix.", no_args_is_help=True)
    app.add_typer(group, name="dlq")

    @group.command("list")
    def list_(
        queue: QueueOption = None,
        limit: Annotated[int, typer.Option("--limit", min=1, help="messages shown per DLQ")] = 100,
        as_json: Annotated[bool, typer.Option("--json", help="plain JSON on stdout")] = False,
    ) -> None:
        """Every DLQ of the stack with its messages: reason, summary of the body, group, receive count."""
        result = list_dlqs(queue, limit)
        if as_json:
            print_json(result)
        else:
            _print_list(result)

    @group.command("redrive")
    def redrive(
        queue: QueueOption = None,
        limit: Annotated[int, typer.Option("--limit", min=1, help="messages moved per DLQ at most")] = 1000,
        yes: Annotated[bool, typer.Option("--yes", help="do not ask for confirmation")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="plain JSON on stdout")] = False,
    ) -> None:
        """Move dead-lettered messages back to their source queue (the one whose RedrivePolicy names the DLQ)."""
        summary = redrive_dlqs(queue, limit, confirm=not yes and not as_json)
        if as_json:
            print_json(summary)
        else:
            for s in summary:
                console.print(f"{s['queue']} → {s['source']}: moved {s['moved']}", highlight=False)
                for e in s["errors"]:
                    console.print(f"  [red]{e}[/]", highlight=False)
        if any(s["errors"] for s in summary):
            raise typer.Exit(1)
