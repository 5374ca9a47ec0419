"""Typed configuration (catalogue, journeys, segments, survey routing) loaded from YAML.

Configuration is data, not code: an organisation changes what a SKU means or who
owns a stage by editing YAML, and an invalid file fails at start naming the file
and the field.
"""

from journeysync.config.catalogue import Catalogue, CatalogueEntry, FormHidden, ProductMatch, SurveyForm
from journeysync.config.journeys import JourneyConfig, JourneysConfig, StageConfig
from journeysync.config.loader import AppConfig, default_config_dir, load_config
from journeysync.config.routing import RoutingConfig, RoutingRule, ScaleBands, Team
from journeysync.config.segments import Rule, SegmentConfig, SegmentsConfig

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
