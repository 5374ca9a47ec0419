"""Cross-file checks that are warnings, not errors: the configuration works, but someone may be left out."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from journeysync.config.loader import AppConfig


def warnings(cfg: AppConfig) -> list[str]:
    """One line per touchpoint that no team owns (surveyed, or where checkouts start), and per survey whose
    scale routing.yaml cannot band."""
    owned = {rule.match.touchpoint for rule in cfg.routing.rules if rule.match.touchpoint}
    found: list[str] = []
    for tp in cfg.surveys.touchpoints:
        if tp.touchpoint not in owned:
            fallback = cfg.routing.default_team or "the first team"
            found.append(f"surveys.yaml: touchpoint {tp.touchpoint!r} has no owning team in routing.yaml rules "
                         f"(its poor ratings go to {fallback})")
        if tp.scale not in cfg.routing.scales:
            found.append(f"surveys.yaml: touchpoint {tp.touchpoint!r} uses scale {tp.scale!r}, "
                         "which routing.yaml scales do not define (its links cannot be made)")
    from journeysync.models.events import CheckoutStarted

    checkout_touchpoints = {CheckoutStarted.model_fields["touchpoint"].default}
    checkout_touchpoints |= {a.touchpoint for a in cfg.routing.abandonment}
    for touchpoint in sorted(checkout_touchpoints - owned):
        fallback = cfg.routing.default_team or "the first team"
        found.append(f"routing.yaml: checkout touchpoint {touchpoint!r} has no owning team in rules "
                     f"(its abandoned checkouts go to {fallback})")
    return found
