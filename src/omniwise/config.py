"""Settings read from the environment (prefix OMNIWISE_), validated once at start-up."""

from __future__ import annotations

import functools
from email.utils import parseaddr
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
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
    session_idle_minutes: Annotated[float, Field(gt=0)] = 30.0
    session_absolute_hours: Annotated[float, Field(gt=0)] = 12.0
    login_max_failures: Annotated[int, Field(ge=1, le=100)] = 5
    login_lockout_minutes: Annotated[float, Field(gt=0)] = 15.0
    password_hash_memory_kib: Annotated[int, Field(ge=8192)] = 65536
    password_hash_time_cost: Annotated[int, Field(ge=1, le=20)] = 3
    smtp_url: str | None = None
    mail_from: Annotated[str, Field(min_length=3, max_length=200)] = "Omni Wise <no-reply@omniwise.com>"
    public_url: Annotated[str, Field(pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$")] = "http://127.0.0.1:8000"
    # Stripe (Omni Messenger billing): the secret key, the webhook signing secret, an API base
    # for a local Stripe (localstripe), "memory" to try billing with no Stripe account, plan ->
    # price ids (OMNIWISE_STRIPE_PRICES='{"messenger-monthly": "price_..."}'), plan -> features,
    # and the hosted pages' return URLs
    stripe_api_key: SecretStr | None = None
    stripe_webhook_secret: SecretStr | None = None
    stripe_api_base: Annotated[str, Field(pattern=r"^https?://[^\s]+$")] | None = None
    stripe_gateway: Literal["stripe", "memory"] = "stripe"
    stripe_prices: dict[Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")], str] = Field(default_factory=dict)
    stripe_plan_features: dict[str, list[str]] = Field(default_factory=dict)
    # where Stripe sends people back to; unset, they are the portal's subscription page under public_url
    stripe_checkout_success_url: str | None = None
    stripe_checkout_cancel_url: str | None = None
    stripe_portal_return_url: str | None = None
    stripe_webhook_tolerance_seconds: Annotated[int, Field(gt=0, le=3600)] = 300
    stripe_http_timeout_seconds: Annotated[float, Field(gt=0, le=300)] = 30.0
    consent_secret: Annotated[str, Field(min_length=32)] | None = None
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

    @field_validator("smtp_url")
    @classmethod
    def _known_smtp(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        assert value is not None
        if not value.startswith(("smtp://", "smtps://")):
            raise ValueError("must start with smtp:// or smtps://")
        return value

    @field_validator("mail_from")
    @classmethod
    def _an_address(cls, value: str) -> str:
        _, address = parseaddr(value)
        if "@" not in address or address.startswith("@") or address.endswith("@"):
            raise ValueError("must be an address such as 'Omni Wise <no-reply@omniwise.com>'")
        return value

    @field_validator("public_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

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
    def consent_secret_file(self) -> Path:
        """Where the embedded default keeps the key of the consent records' IP hashes."""
        return self.data_dir / "consent-secret"

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
