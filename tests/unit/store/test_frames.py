"""The door's frames are DuckDB's own: every type, every missing value, whether made through Arrow or by DuckDB."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from levier.store import db as door

# A column of each type the pages read (text, integers, booleans, numbers, timestamps), with and without a missing
# value, then the types left to DuckDB's own conversion.
MIXED = """
SELECT 'a' AS s, 1 AS i, NULL::INTEGER AS n, true AS b, NULL::BOOLEAN AS nb, TIMESTAMP '2024-01-01 10:00' AS ts,
       2.5::DOUBLE AS f, NULL::VARCHAR AS nv, 1::TINYINT AS ti, 1::UTINYINT AS ut, 1.5::FLOAT AS fl,
       NULL::DOUBLE AS nd, NULL::TIMESTAMP AS nts, 7::BIGINT AS bi
UNION ALL
SELECT NULL, 2, 3, false, true, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
"""
CASES = {
    "every type, a missing value in each": MIXED,
    "no row": "SELECT 'a' AS s, 1 AS i, true AS b, 1.5::DOUBLE AS f WHERE false",
    "many rows, in several chunks": (
        "SELECT i, i::VARCHAR AS s, CASE WHEN i % 3 = 0 THEN NULL ELSE i END AS n, i % 2 = 0 AS b, "
        "CASE WHEN i % 5 = 0 THEN NULL ELSE 'x' || i END AS sn FROM range(300000) t(i)"),
    "text only missing": "SELECT NULL::VARCHAR AS nv, 'a' AS s UNION ALL SELECT NULL, NULL",
    "untyped NULL": "SELECT NULL AS x",
    "the same name twice": "SELECT 1 AS a, 2 AS a",
    "dates, decimals, lists, huge integers": (
        "SELECT DATE '2024-01-02' AS d, 1.5::DECIMAL(5, 2) AS dec, ['x', NULL] AS l, sum(3) AS h, "
        "TIMESTAMPTZ '2024-01-01 10:00+00' AS tz"),
}


@pytest.mark.parametrize("sql", CASES.values(), ids=CASES.keys())
def test_a_frame_made_through_arrow_is_the_one_duckdb_makes(sql):
    con = duckdb.connect()
    expected = con.execute(sql).df()
    got = door._arrow_frame(con.execute(sql))
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_text_and_numbers_never_go_through_duckdbs_python_objects(monkeypatch):
    con = duckdb.connect()
    result = con.execute("SELECT 'x' || i AS s, i, i / 2 AS f, i % 2 = 0 AS b FROM range(10) t(i)")
    monkeypatch.setattr(type(result), "df", lambda self: pytest.fail("DuckDB's df() used"), raising=False)
    frame = door._arrow_frame(result)
    assert frame["s"].tolist()[:2] == ["x0", "x1"] and str(frame["s"].dtype) == "str"


def test_only_the_large_reads_go_through_arrow():
    assert door._fetcher(door.Query.T0_VALUES_OF_TERRITORIES) is door._arrow_frame
    assert door._fetcher(door.Query.INDICATOR_CATALOGUE) is door._df


def test_a_frame_stored_whole_reads_back_as_the_very_frame_written():
    """levier.store.frames: every kind of column a T0 view holds, missing values of each kind included."""
    import math

    from levier.store.frames import frame_bytes, frame_of_bytes

    frame = pd.DataFrame({
        "text": pd.array(["Isère", None, "Nord"], dtype="str"),
        "objects": pd.Series(["a", None, ""], dtype=object),
        "number": [1.5, math.nan, -0.0],
        "rank": pd.array([3, None, 98], dtype="Int64"),
        "flag": [True, False, True],
        "year": [2020, 2021, 2023],
    })
    back = frame_of_bytes(frame_bytes(frame))
    pd.testing.assert_frame_equal(back, frame, check_exact=True)
    assert back["objects"].tolist() == ["a", None, ""] and back["objects"].dtype == object
    assert len(frame_bytes(pd.concat([frame] * 2000))) < 2000 * 60  # compressed
