"""Names of the countries a policy may place data in, by ISO 3166-1 alpha-2 code."""

from __future__ import annotations

# The European Economic Area, plus the countries the platform's regions and its likely
# recipients sit in. A code outside this table is reported by the linter rather than
# rendered as a bare code in the notice.
COUNTRIES: dict[str, str] = {
    "AT": "Austria",
    "BE": "Belgium",
    "BG": "Bulgaria",
    "HR": "Croatia",
    "CY": "Cyprus",
    "CZ": "Czechia",
    "DK": "Denmark",
    "EE": "Estonia",
    "FI": "Finland",
    "FR": "France",
    "DE": "Germany",
    "GR": "Greece",
    "HU": "Hungary",
    "IE": "Ireland",
    "IT": "Italy",
    "LV": "Latvia",
    "LT": "Lithuania",
    "LU": "Luxembourg",
    "MT": "Malta",
    "NL": "the Netherlands",
    "PL": "Poland",
    "PT": "Portugal",
    "RO": "Romania",
    "SK": "Slovakia",
    "SI": "Slovenia",
    "ES": "Spain",
    "SE": "Sweden",
    "IS": "Iceland",
    "LI": "Liechtenstein",
    "NO": "Norway",
    "CH": "Switzerland",
    "GB": "the United Kingdom",
    "US": "the United States",
    "CA": "Canada",
    "JP": "Japan",
    "AU": "Australia",
    "IN": "India",
    "SG": "Singapore",
    "TR": "Türkiye",
}


def country_name(code: str) -> str:
    return COUNTRIES.get(code, code)
