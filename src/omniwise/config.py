"""Settings read from the environment (prefix OMNIWISE_), validated once at start-up."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The policy file ships at the repository root: src/omniwise/config.py -> ../../policy/.
DEFAULT_POLICY_FILE = Path(__file__).resolve().parents[2] / "policy" / "privacy-policy.yaml"


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable."""


class Settings(BaseSettings):
    """Everything that differs between the embedded default and production."""

    model_config = SettingsConfigDict(env_prefix="OMNIWISE_", extra="ignore", frozen=True)

    data_dir: Path = Path("./var")
    database_url: str | None = None
    keystore_url: str | None = None
    master_key_file: Path | None = None
    audit_anchor_file: Path | None = None
    broker_url: str | None = None
    max_body_bytes: Annotated[int, Field(gt=0)] = 1024 * 1024
    key_cache_seconds: Annotated[float, Field(ge=0)] = 60.0
    worker_threads: Annotated[int, Field(ge=1, le=64)] = 2
    reconcile_seconds: Annotated[float, Field(gt=0)] = 30.0
    reconcile_grace_seconds: Annotated[float, Field(ge=0)] = 120.0
    worker_queue: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_.-]{0,79}$")] = "omniwise"
    environment: str = "development"
    policy_file: Path = DEFAULT_POLICY_FILE
    # Zendesk: the Marketplace identity sent on every call, the global OAuth client, the sidebar
    # app's public key (PEM, from Zendesk) for its signed requests, and the webhook clock tolerance
    zendesk_marketplace_name: Annotated[str, Field(min_length=1, max_length=200)] = "Omni Wise"
    zendesk_marketplace_organization_id: Annotated[str, Field(pattern=r"^[0-9]{1,20}$")] = "0"
    zendesk_marketplace_app_id: Annotated[str, Field(pattern=r"^[0-9]{1,20}$")] = "0"
    zendesk_oauth_client_id: str | None = None
    zendesk_oauth_client_secret: str | None = None
    zendesk_oauth_redirect_url: str | None = None
    zendesk_app_public_key: str | None = None
    zendesk_app_public_key_file: Path | None = None
    zendesk_webhook_tolerance_seconds: Annotated[float, Field(gt=0, le=3600)] = 300.0
    zendesk_http_timeout_seconds: Annotated[float, Field(gt=0, le=300)] = 30.0
    # Zendesk counts its rate limits per minute; only a sandbox run faster than real time needs another window
    zendesk_rate_window_seconds: Annotated[float, Field(gt=0, le=3600)] = 60.0

    @field_validator("database_url", "keystore_url")
    @classmethod
    def _known_scheme(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("sqlite://", "postgresql://", "postgresql+psycopg://")):
            raise ValueError("must start with sqlite:// or postgresql://")
        return value

    @field_validator("broker_url")
    @classmethod
    def _known_broker(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        assert value is not None
        if not value.startswith(("redis://", "rediss://", "amqp://", "amqps://")):
            raise ValueError("must start with redis:// or amqp://")
        return value

    @field_validator("environment")
    @classmethod
    def _known_environment(cls, value: str) -> str:
        if value not in ("development", "test", "production"):
            raise ValueError("must be one of development, test, production")
        return value

    @model_validator(mode="after")
    def _data_dir_usable(self) -> Settings:
        if self.data_dir.exists() and not self.data_dir.is_dir():
            raise ValueError(f"OMNIWISE_DATA_DIR: {self.data_dir} exists and is not a directory")
        return self

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'omniwise.db').resolve()}"

    @property
    def resolved_keystore_url(self) -> str:
        """Keys live apart from the data so that a copy of the data never carries them."""
        return self.keystore_url or f"sqlite:///{(self.data_dir / 'keystore.db').resolve()}"

    @property
    def resolved_master_key_file(self) -> Path:
        return self.master_key_file or self.data_dir / "master.key"

    @property
    def resolved_audit_anchor_file(self) -> Path:
        return self.audit_anchor_file or self.data_dir / "audit-anchor.json"

    @property
    def is_embedded(self) -> bool:
        return self.broker_url is None


def load_settings(**overrides: object) -> Settings:
    """Read the environment; turn the first problem into a ConfigError naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "settings"
        message = first["msg"].removeprefix("Value error, ")
        if message.startswith("OMNIWISE_"):
            raise ConfigError(message) from None
        raise ConfigError(f"OMNIWISE_{field.upper()}: {message}") from None


@functools.cache
def get_settings() -> Settings:
    return load_settings()
