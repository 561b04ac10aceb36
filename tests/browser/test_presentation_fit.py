"""Browser test of the presentation mode on a projector's screen: at 1280×720 and 1920×1080 every part of a slide
(header, slide title, chart, source) lies inside the viewport, nothing scrolls, and the funding slide's action labels
do not overlap."""

from __future__ import annotations

import pytest

from tests.browser.conftest import wait_for_app

pytestmark = pytest.mark.browser

# Every box of the slide that a room must see: header line, slide title, chart and its source line.
OUTSIDE = """() => {
  const w = window.innerWidth, h = window.innerHeight, out = [];
  const sel = 'h1, h2, [data-testid="stButton"] button, [data-testid="stPageLink"], [data-testid="stPopover"] button, '
            + '.js-plotly-plot .main-svg, [data-testid="stCaptionContainer"]';
  for (const e of document.querySelectorAll(sel)) {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (r.top < -1 || r.left < -1 || r.bottom > h + 1 || r.right > w + 1)
      out.push(`${e.tagName} ${(e.innerText || '').slice(0, 40)} ${Math.round(r.top)}–${Math.round(r.bottom)}`);
  }
  const main = document.querySelector('[data-testid="stMain"]');
  if (main && main.scrollHeight > main.clientHeight + 2) out.push(`page scrolls: ${main.scrollHeight} > ${main.clientHeight}`);
  return out;
}"""

# Pairs of y tick labels of the chart whose boxes intersect.
OVERLAPS = """() => {
  const boxes = Array.from(document.querySelectorAll('.js-plotly-plot .ytick text')).map(t => t.getBoundingClientRect())
    .filter(r => r.height > 0);
  let n = 0;
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    if (a.left < b.right && b.left < a.right && a.top < b.bottom - 1 && b.top < a.bottom - 1) n++;
  }
  return [boxes.length, n];
}"""


def _slide_ready(page, title: str | None = None) -> str:
    if title is not None:
        page.wait_for_function(f"() => document.querySelector('h2') && document.querySelector('h2').innerText !== {title!r}",
                               timeout=60_000)
    wait_for_app(page)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
    page.wait_for_timeout(600)  # plotly's resize to the slide's height
    return page.locator("h2").first.inner_text()


@pytest.mark.parametrize("width,height", [(1280, 720), (1920, 1080)])
def test_every_slide_fits_the_projected_screen(server, browser, width, height):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    page = context.new_page()
    try:
        page.goto(f"{server}/presentation?reg=84&dep=38")
        title = _slide_ready(page)
        assert "Comité de suivi – Isère (38)" in page.locator("h1").first.inner_text()
        assert page.evaluate(OUTSIDE) == [], title
        assert "Source : " in page.inner_text("body")
        if width > 1280:
            return  # one slide at the large size; every slide, the funding one included, at the small one
        seen_funding = False
        while page.get_by_role("button", name="Suivant ▶").is_enabled():
            page.get_by_role("button", name="Suivant ▶").click()
            title = _slide_ready(page, title)
            assert page.evaluate(OUTSIDE) == [], title
            if title.startswith("Prévu, engagé, consommé"):
                labels, overlapping = page.evaluate(OVERLAPS)
                assert labels >= 5 and overlapping == 0, (labels, overlapping)
                seen_funding = True
        assert seen_funding
    finally:
        context.close()
