"""The cookie page of the privacy center: every cookie the policy declares, and the banner itself."""

from __future__ import annotations

from html import escape

from omniwise.policy.model import Cookies, Policy

_STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;max-width:760px;margin:2rem auto;padding:0 1rem 6rem;color:#1a1a1a}"
    "table{border-collapse:collapse;width:100%;margin:0 0 1.5rem}th,td{border:1px solid #999;padding:6px 8px;"
    "text-align:left;vertical-align:top}"
)


def cookies_page(policy: Policy, cookies: Cookies) -> str:
    sections = []
    for group in cookies.groups:
        rows = "".join(
            f"<tr><td><code>{escape(c.name)}</code></td><td>{escape(c.purpose)}</td>"
            f"<td>{escape(c.duration.words())}</td></tr>"
            for c in group.cookies
        )
        needs = "Set only with your agreement." if group.consent else "Always on."
        sections.append(
            f'<section id="group-{escape(group.id)}"><h2>{escape(group.name)}</h2>'
            f"<p>{escape(group.description)} {needs}</p>"
            f"<table><thead><tr><th>Cookie</th><th>What it is for</th><th>How long it stays</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></section>"
        )
    category = policy.categories_by_id.get(cookies.category)
    note = f"<p>{escape(category.note)}</p>" if category and category.note else ""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Cookies - {escape(policy.controller.name)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>Cookies</h1>{note}{''.join(sections)}"
        "<p>To change or withdraw your choice at any time, use the \u201cCookie preferences\u201d button "
        'on this page, or <a href="/privacy/cookies/preferences">the preferences form</a>, which needs no script.</p>'
        '<script src="/consent.js"></script></body></html>'
    )
