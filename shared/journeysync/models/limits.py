"""Length caps for every string that enters the canonical model, and the text hygiene they imply.

A profile is one DynamoDB item (400 KB hard limit); it keeps bounded lists of ratings, purchases
and bookings copied from events. Capping each string at the model boundary is what bounds the
item, so no sequence of valid webhooks can make a profile unwritable (the store's item budget,
`journeysync.store.budget`, is the backstop). Two kinds of cap:

- free text a person wrote or named (comments, names, titles, places): over the cap it is cut at a
  character boundary and ends with `TRUNCATION_MARK`, because losing the tail of a long comment is
  better than losing the rating;
- references (order, response and event ids, SKUs, links): over the cap the input is nonsense, and
  the field is refused with a 400 naming it.

Both are measured in characters *and* UTF-8 bytes, since a hostile sender can make every
character four bytes. Lone UTF-16 surrogates (half an emoji) cannot be encoded as UTF-8 at all, so
they become U+FFFD here rather than failing later, after the delivery was archived.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

TRUNCATION_MARK = " [...]"

COMMENT_CHARS = 2000  # the survey page's textarea allows the same
LABEL_CHARS = 200  # names, titles, places, touchpoints, reasons
REF_BYTES = 128  # vendor ids, SKUs, references
URL_BYTES = 2048
MAX_LIST_ITEMS = 250  # line items in one order
MAX_KEYS_PER_KIND = 10  # emails, phones or vendor ids on one event

_SURROGATE = re.compile("[\ud800-\udfff]")


def scrub(text: str) -> str:
    """`text` with any lone UTF-16 surrogate replaced by U+FFFD (so it always encodes as UTF-8)."""
    return _SURROGATE.sub("\ufffd", text)


def scrub_json(value: Any) -> Any:
    """`scrub` applied to every string (keys too) of a decoded JSON document."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {scrub(str(k)): scrub_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_json(v) for v in value]
    return value


def truncate(text: str, chars: int, max_bytes: int | None = None) -> str:
    """`text` cut to at most `chars` characters and `max_bytes` UTF-8 bytes, marked when cut."""
    text = scrub(text)
    limit = max_bytes if max_bytes is not None else chars * 4
    if len(text) <= chars and len(text.encode()) <= limit:
        return text
    keep = text[: max(chars - len(TRUNCATION_MARK), 0)]
    room = limit - len(TRUNCATION_MARK.encode())
    encoded = keep.encode()
    if len(encoded) > room:
        keep = encoded[:room].decode("utf-8", "ignore")
    return keep.rstrip() + TRUNCATION_MARK


def _capped(chars: int, max_bytes: int) -> Any:
    def cap(value: Any) -> Any:
        return truncate(value, chars, max_bytes) if isinstance(value, str) else value

    return BeforeValidator(cap)


def _refused_over(max_bytes: int) -> Any:
    def check(value: str) -> str:
        if len(value.encode("utf-8", "surrogatepass")) > max_bytes:
            raise ValueError(f"longer than {max_bytes} bytes")
        return scrub(value)

    return AfterValidator(check)


Comment = Annotated[str, _capped(COMMENT_CHARS, COMMENT_CHARS * 2)]
"""Free text a customer wrote: truncated with a marker beyond 2,000 characters / 4,000 bytes."""

Label = Annotated[str, _capped(LABEL_CHARS, LABEL_CHARS * 2)]
"""A name, title, place or reason: truncated with a marker beyond 200 characters / 400 bytes."""

Ref = Annotated[str, _refused_over(REF_BYTES)]
"""An id or reference: refused (400 naming the field) beyond 128 bytes."""

Url = Annotated[str, Field(max_length=URL_BYTES), _refused_over(URL_BYTES)]
"""A link: refused beyond 2,048 bytes."""
