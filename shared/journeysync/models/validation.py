"""Turn pydantic's ValidationError into one `BadInputError` that names the field.

Users (vendors, staff, the CLI) should read "data.tier: Field required", not a
traceback; every boundary parses through `parse_model`.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from journeysync.errors import BadInputError

M = TypeVar("M", bound=BaseModel)


def first_error_field(exc: ValidationError) -> tuple[str, str]:
    """The dotted location and message of the first error (union branch names dropped)."""
    err = exc.errors(include_url=False)[0]
    loc = [str(part) for part in err["loc"] if not _is_union_tag(part)]
    message = str(err["msg"]).removeprefix("Value error, ")
    return ".".join(loc) or "(root)", message


def _is_union_tag(part: object) -> bool:
    # pydantic puts the discriminator value ("ticket.booked") or a validator name
    # ("function-after[...]") into the location of union errors; field names have neither.
    return isinstance(part, str) and ("." in part or "[" in part)


def parse_model(model: type[M], data: Any) -> M:
    """Validate `data` into `model`, raising `BadInputError(field=...)` on failure."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        field, msg = first_error_field(exc)
        raise BadInputError(msg, field=field) from None


def parse_json_model(model: type[M], raw: str | bytes) -> M:
    """Same as `parse_model` for a JSON document."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        field, msg = first_error_field(exc)
        raise BadInputError(msg, field=field) from None
