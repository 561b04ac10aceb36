"""Browser tests of the maps: the France and département maps are drawn offline in Chromium from the GeoJSON served
by the app itself, with hover and legend; screenshots saved in screenshots/ for a look on a projector."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser

TALL = {"width": 1440, "height": 2600}  # Streamlit scrolls inside its own container: a tall window shows the maps


# Streamlit's front end, on a page's first load, may set the tab's icon to the page's Material icon (the menu's) from
# Google's font server before app.py's own icon replaces it: a favicon, not the maps. Seen on Panorama's first load
# (its icon « map »), both before and after issue 15; said in the stop's note, left to a self-hosted icon set.
STREAMLIT_PAGE_FAVICON = "https://fonts.gstatic.com/s/i/short-term/release/materialsymbolsrounded/"


def _watch(page, server: str) -> dict[str, list]:
    seen: dict[str, list] = {"geojson": [], "outside": [], "failed": []}
    not_outside = (server, "data:", "blob:", STREAMLIT_PAGE_FAVICON)
    page.on("response", lambda r: seen["geojson"].append((r.url, r.status)) if "/static/geo/" in r.url else None)
    page.on("request", lambda r: seen["outside"].append(r.url) if not r.url.startswith(not_outside) else None)
    page.on("requestfailed", lambda r: seen["failed"].append(r.url) if not r.url.startswith(STREAMLIT_PAGE_FAVICON)
            else None)
    return seen


def _wait_maps(page, count: int) -> None:
    """Waits until `count` plotly maps have drawn their choropleth shapes (fetched GeoJSON parsed and projected)."""
    page.wait_for_function(
        """n => {
            const plots = [...document.querySelectorAll('.js-plotly-plot')];
            return plots.length >= n && plots.slice(0, n).every(p => p.querySelectorAll('.choroplethlayer path').length > 0);
        }""",
        arg=count,
        timeout=90_000,
    )
    page.wait_for_timeout(800)


def _paths(page, index: int) -> int:
    return page.locator(".js-plotly-plot").nth(index).locator(".choroplethlayer path").count()


def _no_error(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0


def test_france_maps_render_offline(server, page):
    seen = _watch(page, server)
    page.set_viewport_size(TALL)
    page.goto(f"{server}/panorama")
    wait_for_app(page)
    _wait_maps(page, 2)
    _no_error(page)
    assert page.locator("h1").first.inner_text().strip() == "Panorama des besoins"
    assert _paths(page, 0) >= 1255  # every EPCI of France (Paris and the DROM in their insets)
    assert _paths(page, 1) >= 101
    first = page.locator(".js-plotly-plot").first
    legend = first.locator(".legend").text_content()
    assert "Secret statistique / non disponible" in legend and "%" in legend
    drawn = first.text_content()  # SVG text: inset labels are drawn by the map, not by HTML
    assert "Guadeloupe" in drawn and "Paris et petite couronne" in drawn
    assert any(url.endswith("/app/static/geo/epci_2026.geojson") and status == 200 for url, status in seen["geojson"])
    assert seen["outside"] == [] and seen["failed"] == []  # no tiles, no CDN world map, nothing from outside
    shot = screenshot(page, "panorama_france")
    assert shot.stat().st_size > 50_000


def test_departement_epci_map_renders_with_hover(server, page):
    seen = _watch(page, server)
    page.set_viewport_size(TALL)
    page.goto(f"{server}/panorama?reg=84&dep=38")
    wait_for_app(page)
    _wait_maps(page, 2)
    _no_error(page)
    first = page.locator(".js-plotly-plot").first
    assert "Isère" in first.locator(".gtitle").text_content()
    assert 10 < _paths(page, 0) < 40  # the EPCI of Isère only
    assert any(url.endswith("/app/static/geo/epci_2026_true.geojson") for url, _ in seen["geojson"])
    # Hover over one EPCI: name, value, rank, département and France values.
    shape = first.locator(".choroplethlayer path").nth(3)
    box = shape.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector(".hoverlayer .hovertext", timeout=10_000)
    hover = page.locator(".hoverlayer").first.text_content()
    assert "Rang" in hover and "Département principal" in hover and "France" in hover
    screenshot(page, "panorama_departement")
    assert seen["outside"] == []


def test_services_page_draws_places_and_coverage(server, page):
    seen = _watch(page, server)
    page.set_viewport_size(TALL)
    page.goto(f"{server}/services?reg=84&dep=38")
    wait_for_app(page)
    _wait_maps(page, 2)
    _no_error(page)
    assert page.locator("h1").first.inner_text().strip() == "Offre de services et couverture"
    assert page.locator(".js-plotly-plot").first.locator(".scatterlayer path.point").count() > 20
    body = page.inner_text("body")
    # One point per commune in the reference data: the straight-line limit is stated, no EPCI-point fallback.
    assert "Part de la population à moins de 20 km" in body and "vol d'oiseau" in body
    assert "point représentatif de leur EPCI" not in body
    shot = screenshot(page, "services")
    assert shot.stat().st_size > 50_000
    assert seen["outside"] == []
