"""What each user's rights let them read on the pages themselves, and that cached results never cross users."""

from __future__ import annotations

import pytest

from levier.app import auth
from levier.rights.scope import Role, Scope
from tests.app.conftest import frame_with, texts

ADMIN = Scope.administrateur("admin@exemple.gouv.fr")
ISERE = Scope.territorial("agent@isere.fr", Role.DEPARTEMENTAL, {"38"})
NATIONAL = Scope.national("rapporteur@assemblee-nationale.fr")


@pytest.fixture
def as_user(app, monkeypatch):
    def switch(scope: Scope):
        monkeypatch.setattr(auth, "current_scope", lambda: scope)
        return app

    return switch


def _t0(at, dep: str, reg: str):
    at.query_params["reg"] = reg
    at.query_params["dep"] = dep
    at.run()
    at.switch_page("pages/t0.py").run()
    assert not at.exception, at.exception
    return frame_with(at, "Indicateur", "Rang", "Programme")


def test_a_cached_page_is_never_served_to_a_user_with_other_rights(as_user):
    # The administrator opens the Rhône: its CALPAE returns are computed and cached.
    at = as_user(ADMIN)
    admin_view = _t0(at, "69", "84")
    assert admin_view["Code"].str.startswith("CALPAE").any()
    # Same process, same caches, same URL: Isère's agent gets public statistics of the Rhône, no contract data.
    at = as_user(ISERE)
    agent_view = _t0(at, "69", "84")
    assert len(agent_view) > 0
    assert set(agent_view["Code"].str.split("-").str[0]) == {"STAT"}
    assert "Vos droits" in texts(at)
    assert "Petits effectifs" not in texts(at)  # nothing of what the agent reads is masked: no rule to state
    # And Isère's own returns are all there, in detail.
    at.sidebar.selectbox(key="sel_dep").set_value("38").run()
    own = frame_with(at, "Indicateur", "Rang", "Programme")
    assert own["Code"].str.startswith("CALPAE").any()
    assert not own["Valeur"].eq("secret statistique").any()


def test_the_ranking_of_a_contract_indicator_lists_only_the_users_departements(as_user):
    at = as_user(ISERE)
    at.query_params["reg"] = "84"
    at.query_params["dep"] = "38"
    at.run()
    at.switch_page("pages/comparer.py").run()
    at.selectbox(key="cmp_indicator").set_value("CALPAE-1.1.1-MAJ").run()
    assert not at.exception, at.exception
    ranking = frame_with(at, "Code", "Département", "Rang")
    assert set(ranking["Code"]) == {"38"}
    # Public statistics are still ranked across every département.
    at.selectbox(key="cmp_indicator").set_value("STAT-TP60").run()
    assert len(frame_with(at, "Code", "Département", "Rang")) > 90


def test_a_national_user_reads_secret_for_small_counts_and_the_rule_on_the_page(as_user):
    at = as_user(NATIONAL)
    table = _t0(at, "48", "76")  # Lozère: the smallest département, many small counts
    page = texts(at)
    assert "Petits effectifs" in page and "1 à 10 personnes" in page
    secret = table[table["Valeur"].eq("secret statistique")]
    assert len(secret) > 0
    assert secret["Code"].str.startswith(("CALPAE", "CDPPE")).all()
    admin = as_user(ADMIN)
    full = _t0(admin, "48", "76").set_index("Code")
    # Each value the rapporteur cannot read is a real figure for the administrator (the rule masks, data exist).
    assert not full.loc[secret["Code"], "Valeur"].eq("secret statistique").any()
