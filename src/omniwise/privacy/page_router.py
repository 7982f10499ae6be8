"""The one PageRouter of the privacy package's pages, shared by the modules that hold them.

`privacy/pages.py` is the module found on disk and mounted; its request pages live in
`request_pages.py`, `portal_pages.py` and `console_pages.py`, which add their routes here
so that every route is a page route of that one router (the CSRF check and the page
headers come with it).
"""

from __future__ import annotations

from omniwise.web.routing import PageRouter

router = PageRouter()
