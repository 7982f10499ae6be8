"""Zendesk's documented rules for an app package, as `zcli apps:validate` applies them before uploading.

The rules follow Zendesk's manifest reference and its validator (the zendesk_apps_support
gem): required keys, types, locations per product, location URLs, parameters and their
`secure` flag, the default locale's translation file, and framework version 2.0. Zendesk
only warns about secrets in non-secure settings and about defaults on secure settings;
here they are findings too.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REQUIRED = ("author", "defaultLocale", "location", "frameworkVersion")
BOOLEANS = ("requirementsOnly", "marketingOnly", "singleInstall", "signedUrls", "private")
STRINGS = ("defaultLocale", "version", "frameworkVersion", "remoteInstallationURL", "termsConditionsURL", "gaID")
LOCATIONS = {
    "support": {
        "top_bar",
        "nav_bar",
        "ticket_sidebar",
        "new_ticket_sidebar",
        "user_sidebar",
        "organization_sidebar",
        "background",
        "modal",
        "ticket_editor",
        "system_top_bar",
        "ticket_module",
    },
    "zopim": {"chat_sidebar", "background", "nav_bar", "system_top_bar"},
}
HOST_ALIASES = {"zendesk": "support", "chat": "zopim"}
PARAMETER_TYPES = {"text", "password", "checkbox", "url", "number", "multiline", "hidden", "oauth"}
SECRET_WORDS = re.compile(r"token|key|pwd|password", re.IGNORECASE)
VALID_LOCALE = re.compile(r"^[a-z]{2}(-\w{2,3})?$")
SETTING = re.compile(r"\{\{setting\.([A-Za-z0-9_]+)\}\}")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PUBLIC_TRANSLATION_KEYS = ("name", "short_description", "long_description", "installation_instructions")


class DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise DuplicateKey(key)
        seen[key] = value
    return seen


def _url_ok(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def check_app(app_dir: Path) -> list[str]:
    """Every rule the package at `app_dir` breaks, in words; an empty list for a valid app."""
    path = app_dir / "manifest.json"
    if not path.is_file():
        return ["manifest.json is missing from the app's root"]
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=_no_duplicates)
    except DuplicateKey as exc:
        return [f"manifest.json defines '{exc}' twice"]
    except ValueError:
        return ["manifest.json is not JSON"]
    if not isinstance(manifest, dict):
        return ["manifest.json is not an object"]
    findings = [f"{key} is required" for key in REQUIRED if manifest.get(key) is None]
    findings += [
        f"{key} must be true or false" for key in BOOLEANS if key in manifest and not isinstance(manifest[key], bool)
    ]
    findings += [f"{key} must be a string" for key in STRINGS if key in manifest and not isinstance(manifest[key], str)]
    if manifest.get("frameworkVersion") is not None and manifest.get("frameworkVersion") != "2.0":
        findings.append('frameworkVersion must be "2.0" for a new or updated app')
    findings += _author(manifest.get("author"))
    parameters, parameter_findings = _parameters(manifest.get("parameters"))
    findings += parameter_findings
    findings += _locations(app_dir, manifest.get("location"), parameters)
    findings += _translations(app_dir, manifest)
    return findings


def _author(author: Any) -> list[str]:
    if author is None:
        return []
    if not isinstance(author, dict):
        return ["author must be an object with name, email and url"]
    findings = [
        f"author {key} must be a string" for key in ("name", "email", "url") if not isinstance(author.get(key), str)
    ]
    if isinstance(author.get("email"), str) and not EMAIL.match(author["email"]):
        findings.append("author email is not an email address")
    if isinstance(author.get("url"), str) and not _url_ok(author["url"]):
        findings.append("author url is not a URL")
    return findings


def _parameters(parameters: Any) -> tuple[dict[str, dict[str, Any]], list[str]]:
    if parameters is None:
        return {}, []
    if not isinstance(parameters, list):
        return {}, ["parameters must be an array"]
    findings: list[str] = []
    by_name: dict[str, dict[str, Any]] = {}
    for parameter in parameters:
        if not isinstance(parameter, dict) or not isinstance(parameter.get("name"), str):
            findings.append("every parameter is an object with a name")
            continue
        name = parameter["name"]
        if name in by_name:
            findings.append(f"parameter '{name}' is defined twice")
        by_name[name] = parameter
        kind = parameter.get("type", "text")
        if name == "name":
            findings.append("a parameter may not be called 'name'")
        if kind not in PARAMETER_TYPES:
            findings.append(f"parameter '{name}' has an unknown type '{kind}'")
        for flag in ("required", "secure"):
            if flag in parameter and not isinstance(parameter[flag], bool):
                findings.append(f"parameters.{name}.{flag} must be true or false")
        secure = parameter.get("secure") is True
        if kind == "hidden" and parameter.get("required") is True:
            findings.append(f"hidden parameter '{name}' cannot be required")
        if kind == "oauth" and secure:
            findings.append(f"oauth parameter '{name}' cannot be secure")
        if secure and "default" in parameter:
            findings.append(f"secure parameter '{name}' must not have a default")
        if SECRET_WORDS.search(name) and kind in ("text", "password") and not secure:
            findings.append(f"parameter '{name}' looks like a secret and must be secure")
    if sum(1 for p in by_name.values() if p.get("type") == "oauth") > 1:
        findings.append("at most one oauth parameter")
    return by_name, findings


def _locations(app_dir: Path, location: Any, parameters: dict[str, dict[str, Any]]) -> list[str]:
    if location is None:
        return []
    if not isinstance(location, dict) or not location:
        return ["location must name at least one product and its locations"]
    findings: list[str] = []
    for host, places in location.items():
        product = HOST_ALIASES.get(host, host)
        if product not in LOCATIONS:
            findings.append(f"unknown product '{host}' in location")
            continue
        if not isinstance(places, dict):
            findings.append(f"location.{host} must map locations to their options")
            continue
        for name, options in places.items():
            if name not in LOCATIONS[product]:
                findings.append(f"unknown location '{name}' for {product}")
                continue
            options = {"url": options} if isinstance(options, str) else options
            if not isinstance(options, dict):
                findings.append(f"location {name} must be a URL or an object")
                continue
            if "flexible" in options and not isinstance(options["flexible"], bool):
                findings.append(f"location {name}: flexible must be true or false")
            url = options.get("url")
            if not isinstance(url, str) or not url:
                if options.get("autoLoad", True):
                    findings.append(f"location {name} has no url")
                continue
            findings += _location_url(app_dir, name, url, parameters)
    return findings


def _location_url(app_dir: Path, name: str, url: str, parameters: dict[str, dict[str, Any]]) -> list[str]:
    settings = SETTING.findall(url)
    if settings:
        missing = [s for s in settings if s not in parameters]
        findings = [f"location {name} uses setting '{s}', which no parameter defines" for s in missing]
        for used in settings:
            if parameters.get(used, {}).get("secure"):
                findings.append(f"location {name} puts secure setting '{used}' in a URL the browser sees")
        return findings
    parts = urlsplit(url)
    if parts.scheme:
        ok = parts.scheme == "https" or parts.hostname == "localhost"
        return [] if ok else [f"location {name}: an absolute url must use https"]
    if not url.startswith("assets/") or not (app_dir / url).is_file():
        return [f"location {name}: a relative url must name a file under assets/"]
    return []


def _translations(app_dir: Path, manifest: dict[str, Any]) -> list[str]:
    locale = manifest.get("defaultLocale")
    if not isinstance(locale, str):
        return []
    if not VALID_LOCALE.match(locale):
        return [f"defaultLocale '{locale}' is not a locale such as en or pt-br"]
    path = app_dir / "translations" / f"{locale}.json"
    if not path.is_file():
        return [f"translations/{locale}.json is missing for the default locale"]
    try:
        translations = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return [f"translations/{locale}.json is not JSON"]
    app = translations.get("app") if isinstance(translations, dict) else None
    if not isinstance(app, dict):
        return [f"translations/{locale}.json has no app object"]
    needed = ("name",) if manifest.get("private", True) else PUBLIC_TRANSLATION_KEYS
    return [f"translations/{locale}.json needs app.{key}" for key in needed if not app.get(key)]
