"""fact.is_current (queries/schema/016_current_flag.sql): kept by the one fact writer, read by current_fact."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from levier.core.config import SCHEMA_DIR
from levier.ingest.returns import import_returns
from tests.queries import ProbeQuery
from tests.unit.ingest.test_returns import GOOD, NE, OR1M, current, long_csv


def _currency(db) -> pd.DataFrame:
    return db.read(ProbeQuery.FACT_CURRENCY)


def test_a_correction_retires_the_value_it_replaces_and_current_fact_shows_the_new_one(db):
    import_returns(db, GOOD, "retours_2021.csv")
    fix = long_csv([["01", NE, "2021", "1 300", "", "", "correction"], ["01", OR1M, "2021", "987"]])
    assert import_returns(db, fix, "correction.csv").ok
    rows = _currency(db)
    key = (rows["territory_code"] == "01") & (rows["indicator"] == NE) & (rows["period"] == 2021)
    assert sorted(rows.loc[key, "is_current"].tolist()) == [False, True]  # the old value kept, no longer current
    assert (rows["is_current"] == rows["latest"]).all()
    shown = current(db)
    assert len(shown) == int(rows["is_current"].sum())  # one row per key, the latest
    assert "is_current" not in shown.columns  # the view's columns are those of before
    mine = shown[(shown["territory_code"] == "01") & (shown["indicator"] == NE) & (shown["period"] == 2021)]
    assert mine["value"].tolist() == [1300]


def test_facts_written_by_the_writer_in_one_transaction_retire_only_older_rows(db):
    import_returns(db, GOOD, "retours_2021.csv")
    before = _currency(db)
    same = before[before["is_current"]].iloc[0]
    frame = pd.DataFrame([{
        "territory_level": same["territory_level"], "territory_code": same["territory_code"],
        "indicator": same["indicator"], "period": int(same["period"]), "measure": same["measure"],
        "value": 424242.0, "missing_reason": None, "comment": None, "submitted_on": None, "source_sheet": None,
        "source_row": None,
    }])
    with db.transaction() as w:
        assert w.insert_facts(frame, 777_001, datetime(2026, 12, 5), False) == 1
        assert w.insert_facts(frame, 777_002, datetime(2026, 12, 5), False) == 0  # unchanged: nothing to retire
    after = _currency(db)
    assert (after["is_current"] == after["latest"]).all()
    assert int((~after["is_current"]).sum()) == int((~before["is_current"]).sum()) + 1


def test_the_migration_marks_the_history_of_a_database_written_before_it(db):
    import_returns(db, GOOD, "retours_2021.csv")
    fix = long_csv([["01", NE, "2021", "1 300"], ["01", OR1M, "2021", "987"]])
    assert import_returns(db, fix, "correction.csv").ok
    statements = [s.strip() for s in (SCHEMA_DIR / "016_current_flag.sql").read_text(encoding="utf-8").split(";")]
    marking = [s for s in statements if s.lstrip("-\n ").count("UPDATE fact")]
    assert len(marking) == 1
    with db.transaction() as w:  # as a database from before 016 has it: every row at the column's default
        w._con.execute("UPDATE fact SET is_current = true")
        w._con.execute(marking[0])
    rows = _currency(db)
    assert (~rows["is_current"]).sum() == 1 and (rows["is_current"] == rows["latest"]).all()


def test_only_the_writer_runs_the_fact_insert():
    """insert_changed_facts.sql without retire_replaced_facts.sql would leave two current versions of a fact."""
    from levier.core.config import PROJECT_ROOT

    users = [p for p in (PROJECT_ROOT / "levier").rglob("*.py")
             if "INSERT_CHANGED_FACTS" in p.read_text(encoding="utf-8")]
    assert [p.relative_to(PROJECT_ROOT).as_posix() for p in users] == ["levier/store/db.py"]


def test_the_demo_database_has_one_current_version_of_every_fact(demo_db):
    rows = _currency(demo_db)
    assert (~rows["is_current"]).any()  # the demo's corrections replaced some values
    assert (rows["is_current"] == rows["latest"]).all()
