"""Typed configuration (catalogue, journeys, segments, survey routing) loaded from YAML.

Configuration is data, not code: an organisation changes what a SKU means or who
owns a stage by editing YAML, and an invalid file fails at start naming the file
and the field. Names resolve on first use, so importing one module of the package
(the catalogue, for webhook ingest) does not import the others.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from journeysync.config.catalogue import Catalogue, CatalogueEntry, FormHidden, ProductMatch, SurveyForm
    from journeysync.config.files import default_config_dir
    from journeysync.config.journeys import JourneyConfig, JourneysConfig, StageConfig
    from journeysync.config.loader import AppConfig, load_config
    from journeysync.config.routing import RoutingConfig, RoutingRule, ScaleBands, Team
    from journeysync.config.segments import Rule, SegmentConfig, SegmentsConfig

_WHERE = {
    **dict.fromkeys(("Catalogue", "CatalogueEntry", "FormHidden", "ProductMatch", "SurveyForm"), "catalogue"),
    **dict.fromkeys(("JourneyConfig", "JourneysConfig", "StageConfig"), "journeys"),
    **dict.fromkeys(("AppConfig", "load_config"), "loader"),
    "default_config_dir": "files",
    **dict.fromkeys(("RoutingConfig", "RoutingRule", "ScaleBands", "Team"), "routing"),
    **dict.fromkeys(("Rule", "SegmentConfig", "SegmentsConfig"), "segments"),
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'journeysync.config' has no attribute {name!r}")
    return getattr(importlib.import_module(f"journeysync.config.{module}"), name)


__all__ = [
    "AppConfig",
    "Catalogue",
    "CatalogueEntry",
    "FormHidden",
    "JourneyConfig",
    "JourneysConfig",
    "ProductMatch",
    "RoutingConfig",
    "RoutingRule",
    "Rule",
    "ScaleBands",
    "SegmentConfig",
    "SegmentsConfig",
    "StageConfig",
    "SurveyForm",
    "Team",
    "default_config_dir",
    "load_config",
]
