"""Where moto differs from AWS in ways the pipeline depends on, the local moto server behaves like AWS.

Applied inside the process that serves moto (the threaded server of the tests, or the child
process of `journeysync dev`), before the first request:

- **SESv2 `CreateContact` on an existing contact** fails with `AlreadyExistsException`, as SES
  does. moto silently replaces the contact, which would reset an `UnsubscribeAll` the person set
  at SES and skip the destination's read-merge-write path.
- **Trace propagation.** A Lambda function's AWS SDK sends its trace (`_X_AMZN_TRACE_ID`) as the
  `X-Amzn-Trace-Id` header; SQS keeps it as the message's `AWSTraceHeader` system attribute and
  EventBridge passes it to its targets. moto drops it, so the local runtime could not follow a
  webhook through the hops.
- **SQS hands out each message once.** moto's ReceiveMessage is not atomic: two concurrent
  receives (the pollers of one queue, scaled out) can both take one message, or take the next
  message of a FIFO group whose earlier one the other just took. SQS never does either, and the
  FIFO hops depend on it. Receives, deletes and visibility changes run one at a time; a long
  poll waits outside that lock and wakes on the next send or delete.
- **When a destination changed** (only while `JOURNEYSYNC_DESTINATION_LOG` names a file: the benchmarks): every
  SES contact create, update or delete that changes what the list holds appends the time and the
  trace header of the call that made it to that file, so freshness is measured where the contact
  changed rather than where the function returned.
"""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Any

TRACE_HEADER = "X-Amzn-Trace-Id"
DESTINATION_LOG = "JOURNEYSYNC_DESTINATION_LOG"
_applied = False
_current = threading.local()  # the trace header of the request this server thread is answering


def apply() -> None:
    """Patch moto's classes in this process (idempotent)."""
    global _applied
    if _applied:
        return
    _applied = True
    _patch_ses_contacts()
    _patch_sqs_trace()
    _patch_sqs_atomic_receive()
    _patch_events_trace()
    _patch_ses_change_log()


def _patch_ses_contacts() -> None:
    from moto.core.exceptions import JsonRESTError
    from moto.ses.models import ContactList

    original = ContactList.create_contact

    def create_contact(self: Any, contact_list_name: str, params: dict[str, Any]) -> None:
        if params["EmailAddress"] in self.contacts:
            raise JsonRESTError("AlreadyExistsException", f"Contact already exists in list {contact_list_name}")
        original(self, contact_list_name, params)

    ContactList.create_contact = create_contact  # type: ignore[method-assign]


def _keep_trace(response_class: Any, actions: tuple[str, ...]) -> None:
    """While one of these API actions is answered, `_current.header` holds the trace header of its request."""
    for action in actions:
        original_action = getattr(response_class, action)

        def traced(self: Any, _original: Any = original_action) -> Any:
            _current.header = self.headers.get(TRACE_HEADER)
            try:
                return _original(self)
            finally:
                _current.header = None

        setattr(response_class, action, traced)


def _patch_ses_change_log() -> None:
    from moto.ses.models import ContactList
    from moto.sesv2.responses import SESV2Response

    _keep_trace(SESV2Response, ("create_contact", "update_contact", "delete_contact"))

    lock = threading.Lock()

    def state(contact_list: Any, email: str) -> Any:
        c = contact_list.contacts.get(email)
        return None if c is None else (repr(c.topic_preferences), c.unsubscribe_all, repr(c.attributes_data))

    for method in ("create_contact", "update_contact", "delete_contact"):
        original_method = getattr(ContactList, method)

        def logged(self: Any, *args: Any, _original: Any = original_method, _create: bool = method == "create_contact") -> Any:
            email = args[1]["EmailAddress"] if _create else args[0]
            before = state(self, email)
            result = _original(self, *args)
            path = os.environ.get(DESTINATION_LOG)
            if path and state(self, email) != before:
                line = json.dumps({"t": time.time(), "trace": getattr(_current, "header", None) or ""})
                with lock, open(path, "a", encoding="utf-8") as out:
                    out.write(line + "\n")
            return result

        setattr(ContactList, method, logged)


def _trace_attribute(header: str) -> dict[str, Any]:
    return {"AWSTraceHeader": {"StringValue": header, "DataType": "String"}}


def _patch_sqs_trace() -> None:
    from moto.sqs.models import SQSBackend
    from moto.sqs.responses import SQSResponse

    _keep_trace(SQSResponse, ("send_message", "send_message_batch"))

    original_send = SQSBackend.send_message

    def send_message(self: Any, *args: Any, **kwargs: Any) -> Any:
        header = getattr(_current, "header", None)
        if header and not (kwargs.get("system_attributes") or {}).get("AWSTraceHeader"):
            kwargs["system_attributes"] = {**(kwargs.get("system_attributes") or {}), **_trace_attribute(header)}
        return original_send(self, *args, **kwargs)

    SQSBackend.send_message = send_message  # type: ignore[method-assign]


LONG_POLL_RECHECK_SECONDS = 0.05  # how soon a long poll sees a visibility timeout or a FIFO group end


def _patch_sqs_atomic_receive() -> None:
    from moto.sqs.models import SQSBackend

    state = threading.RLock()
    original_receive = SQSBackend.receive_message

    def receive_message(
        self: Any,
        queue_name: str,
        count: int,
        wait_seconds_timeout: int,
        visibility_timeout: int,
        message_attribute_names: list[str] | None = None,
    ) -> Any:
        deadline = time.monotonic() + (wait_seconds_timeout or 0)
        while True:
            with state:  # one pass of moto's own selection, never two at once
                result = original_receive(self, queue_name, count, 0, visibility_timeout, message_attribute_names)
            remaining = deadline - time.monotonic()
            if result or remaining <= 0:
                return result
            waiter = self.get_queue(queue_name)._messages_lock
            with waiter:  # woken by a send or a delete; a visibility timeout is seen on the next recheck
                waiter.wait(timeout=min(remaining, LONG_POLL_RECHECK_SECONDS))

    def serialised(name: str) -> None:
        original = getattr(SQSBackend, name)

        def call(self: Any, queue_name: str, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with state:
                result = _original(self, queue_name, *args, **kwargs)
            waiter = self.get_queue(queue_name)._messages_lock
            with waiter:
                waiter.notify_all()  # a deleted message may end a FIFO group's turn
            return result

        setattr(SQSBackend, name, call)

    SQSBackend.receive_message = receive_message  # type: ignore[method-assign]
    for name in ("delete_message", "change_message_visibility", "purge_queue"):
        serialised(name)


def _patch_events_trace() -> None:
    from moto.events.responses import EventsHandler

    original = EventsHandler.put_events

    def put_events(self: Any) -> Any:
        # rules deliver to SQS targets synchronously, in this thread: SQSBackend.send_message picks it up
        _current.header = self.headers.get(TRACE_HEADER)
        try:
            return original(self)
        finally:
            _current.header = None

    EventsHandler.put_events = put_events  # type: ignore[method-assign]
