"""Stripe's hosted pages send people back to this deployment's own portal, not to a developer's machine."""

from __future__ import annotations

from pathlib import Path

from omniwise.billing.config import BillingConfig
from omniwise.config import Settings


def test_return_urls_follow_the_public_address(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, public_url="https://privacy.example.com/")
    config = BillingConfig.from_settings(settings)
    assert config.checkout_success_url == "https://privacy.example.com/portal/subscription?checkout=done"
    assert config.checkout_cancel_url == "https://privacy.example.com/portal/subscription?checkout=canceled"
    assert config.portal_return_url == "https://privacy.example.com/portal/subscription"


def test_explicit_return_urls_win(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        public_url="https://privacy.example.com",
        stripe_portal_return_url="https://billing.example.com/back",
    )
    config = BillingConfig.from_settings(settings)
    assert config.portal_return_url == "https://billing.example.com/back"
    assert config.checkout_success_url.startswith("https://privacy.example.com/")
