"""Settings of the survey hop's three functions (from the template's environment)."""

from __future__ import annotations

from pydantic import Field

from journeysync.settings import Settings


class SurveySettings(Settings):
    public_base_url: str = Field(default="", description="where the API answers (claim, resolve, rating links)")
    alert_from: str | None = Field(default=None, description="SES sender; default: routing.yaml alert_from")
    survey_secret_name: str = Field(default="survey", description="Secrets Manager name (after the prefix) of the link key")
    rating_ttl_days: int = Field(default=30, gt=0)
    link_ttl_days: int = Field(default=14, gt=0, description="claim / resolve links")
    edit_window_seconds: int = Field(default=1800, gt=0, description="a rating link can be re-used (change of mind, comment) this long after its first use")
    max_token_uses: int = Field(default=10, gt=0, description="per rating link: the rate limit")
    local_gateway_url: str = Field(default="", description="set by the local runtime: the gateway on this machine")
    survey_router_dlq_url: str = Field(default="", description="where records that are not a ProfileChanged go")
    resync_window_days: int = Field(default=14, gt=0, description="a resync (before = None) only alerts ratings this recent")

    @property
    def base_url(self) -> str:
        """Where links point: the local gateway when running locally, else the deployed API."""
        return (self.local_gateway_url or self.public_base_url).rstrip("/")
