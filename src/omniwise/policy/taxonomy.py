"""The fideslang default taxonomy: the data categories and data uses a policy may name."""

from __future__ import annotations

import functools


@functools.cache
def data_categories() -> frozenset[str]:
    from fideslang.default_taxonomy import DEFAULT_TAXONOMY

    return frozenset(str(item.fides_key) for item in DEFAULT_TAXONOMY.data_category)


@functools.cache
def data_uses() -> frozenset[str]:
    from fideslang.default_taxonomy import DEFAULT_TAXONOMY

    return frozenset(str(item.fides_key) for item in DEFAULT_TAXONOMY.data_use)


# Data uses that amount to selling personal information, or to "sharing" it for
# cross-context behavioural advertising, which the CPRA treats alike. The notice
# promises neither, so no purpose may carry them.
SALE_DATA_USES = ("sales", "marketing.advertising.third_party")


def is_sale(data_use: str) -> bool:
    return any(data_use == prefix or data_use.startswith(prefix + ".") for prefix in SALE_DATA_USES)
