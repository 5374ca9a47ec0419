"""The item-size budget every profile write is held to, well under DynamoDB's 400 KB item limit.

Field caps at the model boundary (`journeysync.models.limits`) and the capped lists of the
profile keep a profile far below this; the budget is the backstop that turns "the item is too
large" into one clear, permanent error naming the customer before DynamoDB is asked, instead of
a ValidationException on every retry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from journeysync.errors import FatalError

ITEM_BUDGET_BYTES = 350_000
"""Largest item the store writes (DynamoDB's hard limit is 409,600 bytes including attribute names)."""


class ItemTooLargeError(FatalError):
    """An item over `ITEM_BUDGET_BYTES`: retrying cannot help, so it is dead-lettered with this reason."""


def item_size(item: Mapping[str, Any]) -> int:
    """An item's size by DynamoDB's rule: UTF-8 attribute names plus their values (what capacity is billed on)."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: Mapping[str, Any]) -> int:
    (kind, inner), = value.items()
    if kind == "S":
        return len(str(inner).encode("utf-8", "surrogatepass"))
    if kind == "N":
        digits = str(inner).lstrip("-").replace(".", "").lstrip("0") or "0"
        return (len(digits) + 1) // 2 + 1
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        return sum(_value_size({kind[0]: v}) for v in inner)
    if kind == "L":
        return 3 + sum(1 + _value_size(v) for v in inner)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + _value_size(v) for k, v in inner.items())
    return len(str(inner).encode("utf-8", "surrogatepass"))


def within_budget(item: dict[str, Any], what: str) -> dict[str, Any]:
    """`item` unchanged, or ItemTooLargeError naming `what` and both sizes."""
    size = item_size(item)
    if size > ITEM_BUDGET_BYTES:
        raise ItemTooLargeError(
            f"{what} would be {size:,} bytes, over the {ITEM_BUDGET_BYTES:,}-byte item budget; not written"
        )
    return item
