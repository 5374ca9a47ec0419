"""Segments: the declarative rules of `segments.yaml` evaluated against a customer profile."""

from journeysync.segments.engine import (
    VIRTUAL_FIELDS,
    SegmentEngine,
    UnknownFieldError,
    audience_of,
    check_fields,
    matches,
    overlap,
    resolve,
)

__all__ = [
    "VIRTUAL_FIELDS",
    "SegmentEngine",
    "UnknownFieldError",
    "audience_of",
    "check_fields",
    "matches",
    "overlap",
    "resolve",
]
