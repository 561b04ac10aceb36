"""The access file as an administrator writes it: roles resolved on the real geography, and French errors."""

from __future__ import annotations

import pytest

from levier.core.config import PROJECT_ROOT
from levier.rights.access import (
    AccessError,
    access_file_path,
    administrator,
    load_access,
    read_access,
    scope_for,
)
from levier.rights.scope import Role
from levier.store.geography import departement_regions, load_geography

AURA = {"01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"}  # région 84, COG 2026

FOUR_USERS = """
[reglages]
seuil_petits_effectifs = 5

[[utilisateur]]
email = "Nationale@Exemple.gouv.fr"
role = "national"
detail = ["75"]

[[utilisateur]]
email = "regionale@exemple.gouv.fr"
role = "Régional"
regions = ["84"]

[[utilisateur]]
email = "isere@exemple.gouv.fr"
role = "departemental"
departements = ["38"]

[[utilisateur]]
sub = "admin-sub-1"
role = "administrateur"
"""


def write(tmp_path, text: str):
    path = tmp_path / "acces.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_each_role_gets_its_territories_on_the_real_geography(db, tmp_path):
    config = load_access(write(tmp_path, FOUR_USERS), load_geography(db))
    geo = load_geography(db)

    national = scope_for({"email": "nationale@exemple.gouv.fr", "sub": "x"}, config, geo)
    assert national.role is Role.NATIONAL and national.all_territories and national.sees("13")
    assert national.sees_detail("75") and not national.sees_detail("13")
    assert national.small_count_max == 5 and not national.can_import

    regional = scope_for({"email": "REGIONALE@exemple.gouv.fr"}, config, geo)
    assert regional.role is Role.REGIONAL and regional.departements == AURA
    assert regional.sees("38") and regional.sees("69") and not regional.sees("13")
    assert regional.sees_detail("69")

    dep = scope_for({"email": "isere@exemple.gouv.fr"}, config, departement_regions(db))  # a plain mapping works as well
    assert dep.departements == {"38"} and dep.sees("38") and not dep.sees("69")
    assert "départements 38" in dep.describe()

    admin = scope_for({"sub": "admin-sub-1", "email": "whoever@exemple.gouv.fr"}, config, geo)
    assert admin.role is Role.ADMINISTRATEUR and admin.can_import and admin.sees_detail("13")
    assert not admin.local


def test_someone_signed_in_but_absent_from_the_file_sees_public_statistics_only(db, tmp_path):
    config = load_access(write(tmp_path, FOUR_USERS), load_geography(db))
    scope = scope_for({"email": "Inconnu@Exemple.gouv.fr", "sub": "s-9"}, config, load_geography(db))
    assert scope.role is Role.PUBLIC and scope.user == "inconnu@exemple.gouv.fr"
    assert not scope.sees("38") and not scope.can_import
    assert "statistiques publiques" in scope.describe()


def test_sub_wins_over_email_when_both_match_different_entries(db, tmp_path):
    config = load_access(write(tmp_path, FOUR_USERS), load_geography(db))
    scope = scope_for({"sub": "admin-sub-1", "email": "isere@exemple.gouv.fr"}, config, load_geography(db))
    assert scope.role is Role.ADMINISTRATEUR


def test_the_shipped_example_file_is_valid(db):
    config = load_access(PROJECT_ROOT / "data" / "acces.exemple.toml", load_geography(db))
    assert {e.role for e in config.entries} == {Role.NATIONAL, Role.REGIONAL, Role.DEPARTEMENTAL, Role.ADMINISTRATEUR}


@pytest.mark.parametrize(
    "text, expected",
    [
        ('[[utilisateur]]\nemail = "a@b.fr"\nrole = "prefet"\n', "rôle « prefet » inconnu"),
        ('[[utilisateur]]\nemail = "a@b.fr"\n', "« role » manquant"),
        ('[[utilisateur]]\nrole = "national"\n', "ni « email » ni « sub »"),
        ('[[utilisateur]]\nemail = "a@b.fr"\nrole = "departemental"\n', "liste « departements » non vide"),
        ('[[utilisateur]]\nemail = "a@b.fr"\nrole = "departemental"\ndepartements = [38]\n',
         'le code 38 doit être écrit entre guillemets'),
        ('[[utilisateur]]\nemail = "a@b.fr"\nrole = "departemental"\ndepartement = ["38"]\n',
         "clé « departement » non prévue pour le rôle departemental"),
        ('[[utilisateur]]\nemail = "a@b.fr"\nrole = "national"\ndepartements = ["38"]\n',
         "clé « departements » non prévue pour le rôle national"),
        ('[[utilisateur]]\nemail = "a@b.fr"\nrole = "national"\n[[utilisateur]]\nemail = "A@B.FR"\nrole = "national"\n',
         "utilisateur n° 2 (a@b.fr) : même adresse que l'utilisateur n° 1 (a@b.fr) (utilisateur en double)"),
        ('[reglages]\nseuil_petits_effectifs = "dix"\n', "seuil_petits_effectifs doit être un entier"),
        ('[[utilisateur]\n', "syntaxe TOML invalide"),
    ],
)
def test_a_badly_written_file_is_refused_with_a_french_message_naming_file_and_entry(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(AccessError) as err:
        read_access(path)
    message = str(err.value)
    assert expected in message
    assert str(path) in message


def test_unknown_codes_are_refused_against_the_reference_geography(db, tmp_path):
    path = write(tmp_path, FOUR_USERS.replace('regions = ["84"]', 'regions = ["99"]')
                 .replace('departements = ["38"]', 'departements = ["38", "20"]'))
    read_access(path)  # the structure is fine: only the geography can tell
    with pytest.raises(AccessError) as err:
        load_access(path, load_geography(db))
    message = str(err.value)
    assert "2 erreurs" in message
    assert "utilisateur n° 2 (regionale@exemple.gouv.fr) : code région « 99 » inconnu" in message
    assert "utilisateur n° 3 (isere@exemple.gouv.fr) : code département « 20 » inconnu" in message


def test_corsica_and_overseas_codes_are_accepted(db, tmp_path):
    path = write(tmp_path, '[[utilisateur]]\nemail = "a@b.fr"\nrole = "departemental"\ndepartements = ["2a", "971"]\n')
    config = load_access(path, load_geography(db))
    assert scope_for({"email": "a@b.fr"}, config, load_geography(db)).departements == {"2A", "971"}


def test_missing_file_is_named(tmp_path):
    with pytest.raises(AccessError, match="introuvable"):
        read_access(tmp_path / "absent.toml")


def test_access_file_path_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("LEVIER_ACCESS_FILE", str(tmp_path / "droits.toml"))
    assert access_file_path() == tmp_path / "droits.toml"
    monkeypatch.delenv("LEVIER_ACCESS_FILE")
    assert access_file_path() == PROJECT_ROOT / "data" / "acces.toml"


def test_administrator_lookup_for_the_command_line(tmp_path):
    config = read_access(write(tmp_path, FOUR_USERS))
    assert administrator(config, "admin-sub-1") is not None
    assert administrator(config, "isere@exemple.gouv.fr") is None  # known, but not an administrator
    assert administrator(config, "nobody@exemple.gouv.fr") is None


# --- The command line: writes need an administrator once an access file is installed -------------------------


def test_cli_writes_need_an_administrator_when_an_access_file_is_installed(db, tmp_path, monkeypatch, capsys):
    from levier.cli import main
    from tests.unit.ingest.test_returns import GOOD, count_facts

    monkeypatch.setenv("LEVIER_ACCESS_FILE", str(write(tmp_path, FOUR_USERS)))
    monkeypatch.delenv("LEVIER_USER", raising=False)
    good = tmp_path / "retours_2021.csv"
    good.write_bytes(GOOD)

    assert main(["import", str(good)]) == 4
    err = capsys.readouterr().err
    assert "réservées aux administrateurs" in err and "--utilisateur" in err
    assert main(["demo"]) == 4 and main(["reference", "load"]) == 4
    capsys.readouterr()

    assert main(["import", str(good), "--utilisateur", "isere@exemple.gouv.fr"]) == 4
    assert "« isere@exemple.gouv.fr » n'a pas le rôle administrateur" in capsys.readouterr().err
    assert count_facts(db) == 0

    assert main(["import", str(good), "--utilisateur", "admin-sub-1"]) == 0
    assert count_facts(db) == 5
    capsys.readouterr()
    assert main(["imports"]) == 0  # reading needs no role
    assert "admin-sub-1" in capsys.readouterr().out  # the journal says who imported


def test_cli_user_may_come_from_the_environment(db, tmp_path, monkeypatch, capsys):
    from levier.cli import main
    from tests.conftest import REFERENCE_DIR

    monkeypatch.setenv("LEVIER_ACCESS_FILE", str(write(tmp_path, FOUR_USERS)))
    monkeypatch.setenv("LEVIER_USER", "admin-sub-1")
    assert main(["reference", "load", str(REFERENCE_DIR)]) == 0
    monkeypatch.setenv("LEVIER_USER", "nationale@exemple.gouv.fr")
    assert main(["reference", "load", str(REFERENCE_DIR)]) == 4


def test_cli_refuses_writes_when_the_access_file_is_broken(db, tmp_path, monkeypatch, capsys):
    from levier.cli import main

    monkeypatch.setenv("LEVIER_ACCESS_FILE", str(write(tmp_path, '[[utilisateur]]\nemail = "a@b.fr"\nrole = "roi"\n')))
    assert main(["reference", "load", "--utilisateur", "a@b.fr"]) == 4
    assert "rôle « roi » inconnu" in capsys.readouterr().err


def test_cli_without_access_file_runs_as_in_local_mode(db, tmp_path, monkeypatch):
    from levier.cli import main
    from tests.unit.ingest.test_returns import GOOD, count_facts

    monkeypatch.setenv("LEVIER_ACCESS_FILE", str(tmp_path / "absent.toml"))
    good = tmp_path / "retours_2021.csv"
    good.write_bytes(GOOD)
    assert main(["import", str(good)]) == 0
    assert count_facts(db) == 5


# --- levier app: no sign-in configured means loopback only ------------------------------------------------


def test_server_listens_on_loopback_without_auth_unless_an_address_is_given(tmp_path, monkeypatch):
    from levier.app import serve

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(serve, "PROJECT_ROOT", tmp_path)  # a developer's own .streamlit/ must not change the answer
    monkeypatch.delenv("STREAMLIT_SERVER_ADDRESS", raising=False)
    args = serve.server_args(8501)
    assert args[args.index("--server.address") + 1] == "127.0.0.1"
    assert serve.server_args(8501, ["--server.address", "0.0.0.0"]).count("--server.address") == 1

    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text('[auth]\nredirect_uri = "http://x/oauth2callback"\n')
    assert "--server.address" not in serve.server_args(8501)  # sign-in required: the operator picks the address
    other = tmp_path / "autres.toml"
    other.write_text('[connections]\n')
    assert "--server.address" in serve.server_args(8501, ["--secrets.files", str(other)])
