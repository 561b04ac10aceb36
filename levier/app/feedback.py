"""« Calcul en cours… » shown whenever a run of the page takes more than 0.3 s, in place of Streamlit's own running
indicator (English « Running… » / « Stop » in the header), which is hidden; Streamlit's English « Page not found »
box (an address that is no page) put into French."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

DELAY_SECONDS = 0.3  # below this a run feels immediate; a message would only flicker (the CSS's delay below)
MESSAGE = "Calcul en cours…"

# Streamlit's status widget (running man, « Running… », « Stop ») speaks English and cannot be translated: hidden.
# The French notice is fixed to the top right of the window, so it shows wherever the reader has scrolled. It is
# drawn on every run and shown by CSS only while the front end says a run is going on (the app's root element's
# data-test-script-state), 0.3 s after it started: a run that ends with st.stop(), st.rerun() or an error takes it
# away as surely as one that ends normally (a notice removed by the script itself stayed up after st.stop()). Its
# element's container is absolutely positioned, so that it takes no place (nor gap) at the top of the page.
_CSS = """<style>
[data-testid="stStatusWidget"] { display: none !important; }
[data-testid="stElementContainer"]:has(.levier-busy) { position: absolute; }
.levier-busy { display: none; position: fixed; top: 0.6rem; right: 5rem; z-index: 999990; background: #000091;
  color: #fff; padding: 0.45rem 1rem; border-radius: 0.25rem; font-weight: 600; font-size: 1rem;
  box-shadow: 0 2px 6px rgba(0, 0, 18, 0.35); align-items: center; gap: 0.6rem; }
[data-testid="stApp"][data-test-script-state="running"] .levier-busy { display: flex;
  animation: levier-after-delay 0.3s step-end both; }
@keyframes levier-after-delay { from { visibility: hidden; } to { visibility: visible; } }
.levier-busy::before { content: ""; width: 0.9rem; height: 0.9rem; border-radius: 50%;
  border: 2px solid rgba(255, 255, 255, 0.35); border-top-color: #fff; animation: levier-spin 0.8s linear infinite; }
@keyframes levier-spin { to { transform: rotate(360deg); } }
</style>"""
# The « Page not found » box is drawn by Streamlit's front end, in English, before any page runs; CSS cannot tell it
# from other boxes. A fixed script (no user input in it) writes it in French whenever the front end draws it.
_DIALOGS_JS = """<script>
if (!window.levierDialogsFr) {
  window.levierDialogsFr = true;
  const fix = () => document.querySelectorAll('[role="dialog"]').forEach((box) => {
    const title = Array.from(box.querySelectorAll('div, h1, h2, h3, span')).find(
      (e) => e.childElementCount === 0 && e.textContent.trim() === 'Page not found');
    if (!title) return;
    title.textContent = 'Page introuvable';
    box.querySelectorAll('p, div').forEach((e) => {
      if (e.childElementCount === 0 && /Running the app's main page/.test(e.textContent)) {
        e.textContent = "Cette adresse ne correspond à aucune page de Levier : voici la page d'accueil. "
          + "Les pages sont listées dans le menu à gauche.";
      }
    });
    box.querySelectorAll('button[aria-label="Close"]').forEach((b) => b.setAttribute('aria-label', 'Fermer'));
  });
  new MutationObserver(fix).observe(document.body, {subtree: true, childList: true});
  fix();
}
</script>"""
_NOTICE = '<div class="levier-busy" role="status" aria-live="polite">' + MESSAGE + "</div>"


@contextmanager
def busy() -> Iterator[None]:
    """Around a page run: the French notice, which the front end shows from DELAY_SECONDS into a run until it ends."""
    st.html(_CSS)  # styles alone: Streamlit keeps them out of the page's flow
    st.html(_NOTICE)  # its container taken out of the flow by the CSS above: the page starts where it did
    st.html(_DIALOGS_JS, unsafe_allow_javascript=True, width="content")
    yield
