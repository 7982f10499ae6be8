"""Rendering a `Summary` as the archive's readable page, its machine-readable twin and its README."""

from __future__ import annotations

import dataclasses
import functools
import json

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from omniwise.privacy.export.sections import json_default
from omniwise.privacy.export.summary import Summary


@functools.cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("omniwise.privacy.export", "templates"),
        # every value is escaped in the page; the README is plain text and read as such
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def summary_html(summary: Summary) -> str:
    return _environment().get_template("summary.html.j2").render(s=summary)


def readme_text(summary: Summary) -> str:
    return _environment().get_template("README.txt.j2").render(s=summary)


def summary_json(summary: Summary) -> str:
    return json.dumps(dataclasses.asdict(summary), ensure_ascii=False, indent=2, default=json_default) + "\n"
