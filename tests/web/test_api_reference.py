"""The API reference at /docs works offline: Swagger UI's script, style and icon come from the package."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from omniwise.runtime import Runtime

REFERENCE = re.compile(r'(?:src|href)="([^"]*)"')


def test_docs_reference_only_local_assets(client: TestClient, runtime: Runtime) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assets = REFERENCE.findall(page.text)
    assert len(assets) >= 3  # the script, the stylesheet and the icon
    for asset in assets:
        assert asset.startswith("/"), asset
        assert not asset.startswith("//"), asset
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert served.content, asset
    assert "cdn" not in page.text.lower()
    assert "'/openapi.json'" in page.text
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/redoc").status_code == 404  # ReDoc would load from a CDN: not offered


def test_the_vendored_swagger_ui_keeps_its_licence(client: TestClient) -> None:
    for name in ("LICENSE", "NOTICE", "swagger-ui-bundle.js.LICENSE.txt"):
        response = client.get(f"/static/vendor/swagger-ui-dist-5.35.0/{name}")
        assert response.status_code == 200, name
    assert "Apache License" in client.get("/static/vendor/swagger-ui-dist-5.35.0/LICENSE").text
