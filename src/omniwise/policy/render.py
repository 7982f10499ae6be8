"""Rendering the notice for people, as Markdown or HTML, from the policy alone and byte for byte stable."""

from __future__ import annotations

import functools
import threading
from enum import StrEnum

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from omniwise.policy.model import Policy
from omniwise.policy.notice import build_notice


class NoticeFormat(StrEnum):
    MD = "md"
    HTML = "html"


@functools.cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("omniwise.policy", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _render(policy: Policy, fmt: NoticeFormat) -> str:
    template = _environment().get_template(f"notice.{fmt.value}.j2")
    text = template.render(notice=build_notice(policy))
    # collapse the blank lines the template's loops leave, so the output is tidy as well as stable
    lines: list[str] = []
    for line in text.splitlines():
        if line.strip() == "" and (not lines or lines[-1] == ""):
            continue
        lines.append(line.rstrip())
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


# A rendered version never changes, and a notice page is read far more often than a
# policy is published: keep the last few renderings by content hash.
_CACHE_SIZE = 16
_cache: dict[tuple[str, NoticeFormat], str] = {}
_lock = threading.Lock()


def render_notice(policy: Policy, fmt: NoticeFormat | str = NoticeFormat.MD) -> str:
    """The complete notice, in the nine sections of the source notice, in `fmt`."""
    chosen = NoticeFormat(fmt)
    key = (policy.sha256, chosen)
    with _lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    text = _render(policy, chosen)
    with _lock:
        if len(_cache) >= _CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        _cache[key] = text
    return text
