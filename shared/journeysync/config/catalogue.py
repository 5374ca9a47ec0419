"""The catalogue map: what a vendor's product id, SKU, ticket class or product name *means*.

It also maps survey forms (Typeform): where a form keeps its score, email and comment
depends on how the form was built, so each form's field refs are configuration too.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Meaning = Literal["membership", "ticket", "donation", "retail"]


class _Cfg(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProductMatch(_Cfg):
    """Any one listed value matching is a match; `vendors` narrows to those vendors when set."""

    vendors: tuple[str, ...] = ()
    skus: tuple[str, ...] = ()
    product_ids: tuple[str, ...] = ()
    ticket_classes: tuple[str, ...] = ()
    name_pattern: str | None = None

    @field_validator("name_pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            re.compile(value)
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> ProductMatch:
        if not (self.skus or self.product_ids or self.ticket_classes or self.name_pattern):
            raise ValueError("a match needs at least one of skus, product_ids, ticket_classes, name_pattern")
        return self

    def matches(
        self,
        vendor: str,
        *,
        sku: str | None = None,
        product_id: str | None = None,
        ticket_class: str | None = None,
        name: str | None = None,
    ) -> bool:
        if self.vendors and vendor not in self.vendors:
            return False
        if sku and sku in self.skus:
            return True
        if product_id and product_id in self.product_ids:
            return True
        if ticket_class and ticket_class in self.ticket_classes:
            return True
        return bool(self.name_pattern and name and re.search(self.name_pattern, name))


class CatalogueEntry(_Cfg):
    match: ProductMatch
    meaning: Meaning
    tier: str | None = None
    term_months: int | None = Field(default=None, gt=0, le=120)
    event_ref: str | None = None
    event_name: str | None = None
    division: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> CatalogueEntry:
        if self.meaning == "membership" and not (self.tier and self.term_months):
            raise ValueError("a membership entry needs tier and term_months")
        if self.meaning == "ticket" and not self.event_ref:
            raise ValueError("a ticket entry needs event_ref")
        return self


class FormHidden(_Cfg):
    """Names of a form's hidden fields (filled in by the link we send) that carry what we already know."""

    customer_id: str | None = None
    email: str | None = None
    touchpoint: str | None = None
    location: str | None = None


class SurveyForm(_Cfg):
    """One survey form: which answer (by `field.ref`) holds what, and what the form is about."""

    scale: Literal["nps", "csat", "stars"]
    score_ref: str = Field(min_length=1)
    email_ref: str | None = None
    comment_ref: str | None = None
    phone_ref: str | None = None
    touchpoint: str = Field(default="general", min_length=1)
    location: str | None = None
    hidden: FormHidden = Field(default_factory=FormHidden)


class Catalogue(_Cfg):
    default_region: str = Field(default="GB", min_length=2, max_length=2, description="for phone numbers")
    currency: str = "GBP"
    entries: tuple[CatalogueEntry, ...] = ()
    forms: dict[str, SurveyForm] = Field(default_factory=dict, description="survey form id → field map")

    def lookup(
        self,
        vendor: str,
        *,
        sku: str | None = None,
        product_id: str | None = None,
        ticket_class: str | None = None,
        name: str | None = None,
    ) -> CatalogueEntry | None:
        """The first entry that matches, in file order (put specific entries first)."""
        for entry in self.entries:
            if entry.match.matches(vendor, sku=sku, product_id=product_id, ticket_class=ticket_class, name=name):
                return entry
        return None
