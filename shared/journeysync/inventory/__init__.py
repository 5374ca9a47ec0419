"""The system inventory scorecard: inventory → scoring → integration order (`journeysync inventory score`)."""

from journeysync.inventory.connectors import CONNECTORS, connector_for
from journeysync.inventory.model import (
    DEFAULT_VALUES,
    DEFAULT_WEIGHTS,
    Dimension,
    Inventory,
    InventoryError,
    Scoring,
    System,
    load_inventory,
    parse_inventory,
)
from journeysync.inventory.score import STRATEGIES, Scored, Strategy, score_inventory

__all__ = [
    "CONNECTORS",
    "DEFAULT_VALUES",
    "DEFAULT_WEIGHTS",
    "STRATEGIES",
    "Dimension",
    "Inventory",
    "InventoryError",
    "Scored",
    "Scoring",
    "Strategy",
    "System",
    "connector_for",
    "load_inventory",
    "parse_inventory",
    "score_inventory",
]
