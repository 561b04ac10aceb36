"""What the T0 page shows: every indicator of a territory at the T0 year with its position, and its peer group."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from levier.analysis import positions
from levier.analysis.peers import (
    DEFAULT_K, DROP_SPARSE, MIN_FEATURES_RELIABLE, NO_PEERS_OWN, POOL_METRO, POOL_OVERSEAS, PeerGroup,
)
from levier.charts import indicators as charts
from levier.core.fmt import MISSING_TEXT, fmt_int, fmt_pct, fmt_signed, fmt_signed_pct, fmt_value, value_decimals
from levier.core.text import normalise
from levier.rights.scope import Scope
from levier.store.db import Database, Query
from levier.store.frames import frame_bytes, frame_of_bytes
from levier.analysis.rates import shown_value
from levier.views.common import (
    PEER_LEVELS, LevelRows, PeerInputs, as_computed_text, catalogue, derived_serves, indexed_catalogue,
    level_peer_groups, level_rows, load_peer_inputs, peer_group_of, peer_group_table, ranked_values_by_territory,
    ranking_values, read_level_rows, source_text,
)

T0_YEARS = (2023, 2022, 2021, 2020, 2019)  # the page's choices, the first is the default
LEVEL_NOUNS = {"departement": "départements", "epci": "EPCI de même nature"}
PEER_NOUNS = {"departement": ("département", "départements"), "epci": ("EPCI", "EPCI")}

# What a reader scans first comes first: the value, then the national median and the gap to it (on the ranked
# figure, « Valeur classée », when a count is ranked as a rate), so they show on a 1280×720 screen; the long
# « Classé sur » text comes after the medians. Every other column stays in the downloads.
T0_DISPLAY = [
    "Indicateur", "Valeur", "Année", "Valeur classée", "Médiane nationale", "Écart à la médiane nationale", "Rang",
    "Quartile", "Situation / médiane nationale", "Médiane régionale", "Écart à la médiane régionale",
    "Médiane des pairs", "Écart à la médiane des pairs", "Classé sur", "Motif de non-classement",
    "Signalement qualité", "Sens", "Origine", "Source", "Programme", "Code",
]
# The columns kept in view when the table scrolls sideways (pinned on the page).
T0_KEY_COLUMNS = ("Indicateur", "Valeur")


# ------------------------------------------------------------------------------------------------ loading

# What a territory's peers are read for: their rankable values (queries/derived/t0_peer_values.sql).
PEER_VALUE_COLUMNS = ("code", "indicator", "period", "value")


@dataclass(frozen=True)
class T0Data:
    """What the T0 tables of a level are computed from, loaded once (the export computes every territory's)."""

    level: str
    territories: pd.DataFrame  # every territory of the level
    catalogue: pd.DataFrame  # the indicator catalogue (raw rows)
    values: pd.DataFrame  # every current value of the level, ranked: code, indicator, period, value, missing_reason…
    stats: pd.DataFrame  # positions.position_frame's statistics per comparison set, indicator, period (and région)
    # load_t0_data(tables_for=…): the other territories' rankable values alone (code, indicator, period, value),
    # which make only their peers' median; `values` then holds the rows of `tables_for`. None: `values` holds all.
    peer_values: pd.DataFrame | None = None


def positioned_values(db: Database, level: str, terr: pd.DataFrame, cat: pd.DataFrame, codes: Sequence[str],
                      gate_rows: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The live computation: the values carry the ranked figure (views.common.ranking_values: a count's rate,
    censored and flagged values unranked), then every value's position (positions.position_frame). `gate_rows`:
    the level's quality gates when the caller has them (see ranking_values)."""
    with db.reader() as r:
        values = r.df(Query.INDICATOR_SERIES, {"level": level, "codes": list(codes)})
    indexed = indexed_catalogue(cat)
    values = ranking_values(db, values, indexed, level, terr, gate_rows)
    values = values.sort_values(["indicator", "code", "period"], kind="stable").reset_index(drop=True)
    directions = dict(zip(indexed["code"], indexed["direction"]))
    return positions.position_frame(values, terr, directions, level)


def load_t0_data(db: Database, level: str, indicators: Sequence[str] | None = None,
                 territories: Sequence[str] | None = None,
                 rows: LevelRows | None = None, tables_for: Sequence[str] | None = None) -> T0Data:
    """Territories, catalogue and positioned values of a level (all the catalogue's indicators, or `indicators`):
    read from the derived tables when they serve this user (common.derived_serves), computed otherwise.

    With `territories` (a territory and its peers), `values` holds those territories' rows only and `stats` their
    comparison sets' national rows and their régions' rows: what one territory's T0 table, key figures and glance
    read, without the level's other rows (the page of one territory then reads a few thousand rows, not the level).
    `tables_for` (some of `territories`, default all): the territories whose tables are made from this data; the
    statistics are read for their comparison sets and régions only, and the others' rankable values alone, in
    `peer_values` (a territory's peers: their values make the peers' median, nothing else of theirs is shown).
    `rows`: common.level_rows(db, level), already read for this data version (the app keeps them)."""
    stored = None
    with db.reader() as r:  # one cursor: the check and the rows it vouches for are of one data version
        terr, cat = rows if rows is not None else read_level_rows(r, level)
        codes = list(indicators) if indicators is not None else sorted(set(cat["code"].tolist()))
        subset = _territory_rows(terr, level, territories, tables_for) if territories is not None else None
        if derived_serves(db, r, level):
            if subset is None:
                stored = (_typed(r.df(Query.T0_VALUES_OF_LEVEL, {"level": level, "codes": codes})),
                          r.df(Query.T0_STATS_OF_LEVEL, {"level": level, "codes": codes}), None)
            else:  # every indicator: no list of 1,000 codes to test on each row
                asked = list(indicators) if indicators is not None else None
                stored = (_typed(r.df(Query.T0_VALUES_OF_TERRITORIES, {"level": level, "codes": asked, **subset.rows})),
                          r.df(Query.T0_STATS_OF_SETS, {"level": level, "codes": asked, **subset.sets}),
                          r.df(Query.T0_PEER_VALUES, {"level": level, "codes": asked, **subset.peer_rows})
                          if subset.peers_apart else None)
    if stored is not None:
        values, stats, peer_values = stored
    else:  # positions need the whole comparison set: computed over the level, then kept to the territories asked
        values, stats = positioned_values(db, level, terr, cat, codes)
        peer_values = None
        if subset is not None:
            values, stats, peer_values = subset.keep(values, stats)
    return T0Data(level, terr, cat, values, stats, peer_values)


def load_positioned_values(db: Database, level: str, indicators: Sequence[str],
                           rows: LevelRows | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the level's territories, the positioned values of some indicators): load_t0_data's territories and values
    without the statistics a T0 table reads beside them (the series charts draw the values and their own medians).
    `rows`: common.level_rows(db, level) when the caller holds them."""
    with db.reader() as r:  # one cursor: the check and the rows it vouches for are of one data version
        terr, cat = rows if rows is not None else read_level_rows(r, level)
        if derived_serves(db, r, level):
            return terr, _typed(r.df(Query.T0_VALUES_OF_LEVEL, {"level": level, "codes": list(indicators)}))
    return terr, positioned_values(db, level, terr, cat, list(indicators))[0]


@dataclass(frozen=True)
class _TerritoryRows:
    """The rows of a level that a few territories' tables read: their own values, their comparison sets'
    national statistics and their régions' statistics."""

    codes: list[str]  # whose full rows are read: the territories whose tables are made
    csets: list[str]
    regs: list[str]
    peers: list[str]  # the others: their rankable values alone (their peers' median)

    @property
    def rows(self) -> dict[str, list[str]]:
        return {"territories": self.codes}

    @property
    def sets(self) -> dict[str, list[str]]:
        return {"csets": self.csets, "regs": self.regs}

    @property
    def peers_apart(self) -> bool:
        return bool(self.peers)

    @property
    def peer_rows(self) -> dict[str, list[str]]:
        return {"territories": self.peers}

    def keep(self, values: pd.DataFrame,
             stats: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
        """The live computation's rows kept as the three queries keep the derived ones (same order; the peers'
        values in theirs, which a median does not depend on)."""
        rankable = None
        if self.peers_apart:
            theirs = values[values["code"].isin(self.peers).to_numpy()]
            rankable = theirs.loc[positions.rankable_mask(theirs).to_numpy(), list(PEER_VALUE_COLUMNS)]
            rankable = rankable.reset_index(drop=True)
        values = values[values["code"].isin(self.codes)].reset_index(drop=True)
        in_sets = stats["cset"].isin(self.csets) if "cset" in stats.columns else pd.Series(True, index=stats.index)
        stats = stats[in_sets & (stats["reg"].isna() | stats["reg"].isin(self.regs))].reset_index(drop=True)
        return values, stats, rankable


def _territory_rows(terr: pd.DataFrame, level: str, territories: Sequence[str],
                    tables_for: Sequence[str] | None = None) -> _TerritoryRows:
    codes = sorted({str(c) for c in territories})
    own = codes if tables_for is None else sorted(set(codes) & {str(c) for c in tables_for})
    rows = terr.drop_duplicates("code")
    rows = rows[rows["code"].isin(own)]
    csets = sorted({str(s) for s in positions.comparison_sets(rows, level)})
    regs = sorted({str(g) for g in rows["reg"].dropna()}) if "reg" in rows.columns else []
    return _TerritoryRows(own, csets, regs, [c for c in codes if c not in set(own)])


def _typed(values: pd.DataFrame) -> pd.DataFrame:
    """The derived table's columns typed as the live computation leaves them."""
    for col in ("rank", "quartile"):
        values[col] = values[col].astype("Int64")
    for col in ("n_ranked", "n_reg"):
        values[col] = values[col].astype("int64")
    values["period"] = values["period"].astype("int32")
    return as_computed_text(values)


# The levels whose positions are derived at publication (the T0, series, comparer and panorama views read them).
DERIVED_LEVELS = (positions.LEVEL_DEPARTEMENT, positions.LEVEL_EPCI)


def derive_t0(db: Database, gate_rows: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """The publication step's positions: every level's positioned values and statistics, computed live over the
    whole database; a row is public when its indicator is a public statistic (programme STAT). `gate_rows`: every
    level's quality gates (views.gating.live_gates) when the caller has them, else each level's are checked."""
    with db.reader() as r:
        cat = r.df(Query.INDICATOR_CATALOGUE)
    public = set(cat.loc[cat["programme"] == "STAT", "code"])
    values, stats, tables, groups = [], [], [], []
    for level in DERIVED_LEVELS:
        with db.reader() as r:
            terr = r.df(Query.TERRITORIES_OF_LEVEL, {"level": level})
        v, st = positioned_values(db, level, terr, cat, sorted(set(cat["code"])), gate_rows)
        if level in TABLE_LEVELS or level in PEER_LEVELS:  # each group formed once, for its table and its row
            rows = level_rows(db, level)
            inputs = load_peer_inputs(db, level, rows=rows)
            formed = level_peer_groups(inputs)
            if level in TABLE_LEVELS:
                tables.append(derive_t0_tables(db, level, v, st, rows, formed))
            if level in PEER_LEVELS:
                groups.append(peer_group_table(inputs, formed))
        values.append(v.assign(level=level, is_public=v["indicator"].isin(public)))
        stats.append(st.assign(level=level, is_public=st["indicator"].isin(public)))
    positioned = pd.concat(values, ignore_index=True)
    # The same rows twice, in indicator order and in territory order (migration 022): one frame, two orders on disk.
    return {"t0_values": positioned, "t0_values_by_code": positioned,
            "t0_stats": pd.concat(stats, ignore_index=True), "t0_tables": pd.concat(tables, ignore_index=True),
            "peer_group": pd.concat(groups, ignore_index=True)}


# The levels and the T0 year whose pages are derived whole (derive_t0_tables): a département's T0 page as it opens.
# Another year, an EPCI, or a user who does not read everything: the table is made from the positioned values.
TABLE_LEVELS = (positions.LEVEL_DEPARTEMENT,)
TABLE_YEAR = T0_YEARS[0]
_TABLE_COLUMNS = ["level", "code", "t0_year", "peers", "numbers", "text", "is_public"]


def derive_t0_tables(db: Database, level: str, values: pd.DataFrame, stats: pd.DataFrame, rows: LevelRows,
                     groups: Sequence[tuple[str, PeerGroup]]) -> pd.DataFrame:
    """The publication step's T0 tables: every territory's T0 view at TABLE_YEAR as a user who reads everything
    gets it (_view_of: the table, its French text, the peers' median over the T0 page's group), from the level's
    positioned values just computed (positioned_values). `rows`: level_rows(db, level); `groups`: the level's peer
    groups (common.level_peer_groups): a territory without one gets no row, its page makes its table itself."""
    terr, cat = rows
    own_rows = values.groupby("code", sort=False).indices
    out = []
    for code, peers in dict(groups).items():
        # The territory's and its peers' rows, in the level's order: what the page's table reads of them.
        picked = [own_rows[c] for c in dict.fromkeys((code, *peers.codes)) if c in own_rows]
        taken = values.take(np.sort(np.concatenate(picked))).reset_index(drop=True) if picked else values.iloc[0:0]
        view = _view_of(db, T0Data(level, terr, cat, taken, stats), code, TABLE_YEAR, peers)
        out.append((level, code, TABLE_YEAR, list(peers.codes), frame_bytes(view.table), frame_bytes(view.display),
                    False))
    return pd.DataFrame(out, columns=_TABLE_COLUMNS)


def tables_serve(db: Database, level: str) -> bool:
    """Whether this user's T0 pages of `level` are read from the derived T0 tables (stored_t0_view) as they open."""
    if level not in TABLE_LEVELS:
        return False
    with db.reader() as r:
        return derived_serves(db, r, level)


def stored_t0_view(db: Database, code: str, level: str, t0_year: int, peers: PeerGroup) -> T0View | None:
    """A territory's T0 view read whole from the derived T0 tables (derive_t0_tables), or None when they do not
    serve: another level or year, a user who does not read everything (derived_serves), tables of another data
    version, no row, or a row computed with other peers than `peers` (the group the page formed)."""
    if level not in TABLE_LEVELS or int(t0_year) != TABLE_YEAR:
        return None
    with db.reader() as r:  # one cursor: the check and the row it vouches for are of one data version
        if not derived_serves(db, r, level):
            return None
        rows = r.rows(Query.T0_TABLE_OF_TERRITORY, {"level": level, "code": code, "t0_year": TABLE_YEAR})
    if not rows or tuple(rows[0][0]) != tuple(peers.codes):
        return None
    _, numbers, text = rows[0]
    return T0View(code, level, TABLE_YEAR, frame_of_bytes(numbers), frame_of_bytes(text), peers, peer_note(peers),
                  peer_warning(peers))


def t0_table_of(data: T0Data, scope: Scope, code: str, t0_year: int, peer_codes: Sequence[str] = (),
                include_missing: bool = True) -> pd.DataFrame:
    """The T0 table of one territory (positions.t0_table_positioned), compared within its comparison set: the
    territory's own indicators and, with include_missing, every indicator of the catalogue not tied to another
    contract."""
    [(terr, own_set, [request])] = _t0_requests(data, scope, [code], include_missing, peer_codes)
    values, stats = _t0_inputs(data, own_set)
    return positions.t0_table_positioned(values, stats, terr, data.catalogue, code, t0_year, peer_codes,
                                         request.include_missing, peer_rows=data.peer_values)


def t0_tables_of(data: T0Data, scope: Scope, codes: Sequence[str], t0_year: int,
                 include_missing: bool = True) -> pd.DataFrame:
    """t0_table_of of several territories (no peers), in one frame, the territory's code in positions.REQUEST_CODE:
    each comparison set's frames are read once for all its territories (the Région page's key figure shows a table
    per territory of the région)."""
    frames = []
    for terr, own_set, requests in _t0_requests(data, scope, codes, include_missing):
        values, stats = _t0_inputs(data, own_set)
        frames.append(positions.t0_tables_positioned(values, stats, terr, data.catalogue, requests, t0_year,
                                                     peer_rows=data.peer_values))
    if not frames:
        return positions.t0_tables_positioned(data.values.iloc[0:0], data.stats.iloc[0:0], data.territories,
                                              data.catalogue, [], t0_year)
    return pd.concat(frames, ignore_index=True)


def _t0_requests(data: T0Data, scope: Scope, codes: Sequence[str], include_missing: bool,
                 peer_codes: Sequence[str] = ()) -> list[tuple[pd.DataFrame, object, list[positions.T0Request]]]:
    """What the T0 tables of some territories ask, grouped by comparison set: (the set's territories, its name,
    the requests). A table lists the territory's own indicators and, with include_missing, every indicator of the
    catalogue tied to no contract; a territory outside the user's contract rights has no "missing" returns, only
    returns they may not read: its table lists the public statistics it has, nothing else."""
    if data.peer_values is not None:
        apart = set(codes) & (set(data.peer_values["code"].unique().tolist())
                              - set(data.values["code"].unique().tolist()))
        if apart:  # read for a peers' median only: their table would miss every value they have not ranked
            raise ValueError(f"Territoires lus pour la médiane des pairs seulement : {sorted(apart)}")
    asked = data.values.loc[data.values["code"].isin(set(codes)), ["code", "indicator"]].drop_duplicates()
    own: dict[str, set[str]] = {}
    for c, indicator in zip(asked["code"].tolist(), asked["indicator"].tolist()):
        own.setdefault(c, set()).add(indicator)
    untied = set(data.catalogue.loc[data.catalogue["territory"].isna(), "code"])
    listed = data.territories[data.territories["code"].isin(set(codes))]  # the set of each depends on it alone
    sets = positions.comparison_sets(listed, data.level)
    dep_of = None if data.level == positions.LEVEL_DEPARTEMENT else (
        dict(zip(listed["code"], listed["dep"])) if "dep" in listed.columns else {})
    absent = object()  # not a territory of the level: compared with all of them, positioned against none
    groups: dict[object, tuple[pd.DataFrame, object, list[positions.T0Request]]] = {}
    for code in dict.fromkeys(codes):
        known = code in sets.index
        own_set = sets.at[code] if known else None
        key = own_set if known else absent
        if key not in groups:
            groups[key] = (positions.comparison_set(data.territories, data.level, code), own_set, [])
        missing = include_missing and scope.sees(code if dep_of is None else dep_of.get(code))
        wanted = own.get(code, set()) | (untied if missing else set())
        groups[key][2].append(positions.T0Request(code, tuple(peer_codes), missing, frozenset(wanted)))
    return list(groups.values())


def _t0_inputs(data: T0Data, own_set: object) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The positioned values and the statistics of a comparison set. The territories' rows and the requests'
    indicators are picked by positions.t0_tables_positioned, which reads only the years it shows."""
    stats = data.stats
    if own_set is not None and "cset" in stats.columns:
        stats = stats[(stats["cset"] == own_set).to_numpy()]
    return data.values, stats


def latest_values(data: T0Data, code: str, year: int | None = None) -> pd.DataFrame:
    """The territory's value of each indicator at its latest year with a value (up to `year`), as the T0 table
    reads it; an indicator never valued up to `year` keeps its latest row, with its missing reason.
    Columns: indicator, period, value, missing_reason, is_demo; catalogue order."""
    v = data.values[data.values["code"] == code]
    if year is not None:
        v = v[v["period"] <= int(year)]
    if "raw_value" in v.columns:  # the value as shown, not its ranked rate
        v = v.assign(value=v["raw_value"])
    v = v.assign(_valued=v["value"].notna()).sort_values(["indicator", "_valued", "period"], kind="stable")
    latest = v.groupby("indicator", sort=False).tail(1)
    order = {c: i for i, c in enumerate(data.catalogue["code"])}
    latest = latest[latest["indicator"].isin(order)]
    latest = latest.assign(_order=latest["indicator"].map(order)).sort_values(["_order"], kind="stable")
    return latest[["indicator", "period", "value", "missing_reason", "is_demo"]].reset_index(drop=True)


def load_t0_table(
    db: Database, code: str, t0_year: int, level: str = positions.LEVEL_DEPARTEMENT, peer_codes: Sequence[str] = (),
    include_missing: bool = True,
) -> pd.DataFrame:
    """The T0 table of one territory (see t0_table_of)."""
    return t0_table_of(load_t0_data(db, level), db.scope, code, t0_year, peer_codes, include_missing)


def load_positions(
    db: Database, indicator: str, period: int, level: str = positions.LEVEL_DEPARTEMENT, code: str | None = None,
    peer_codes: Sequence[str] = (), rows: LevelRows | None = None,
) -> positions.Positions:
    """Positions of all territories of the comparison set (EPCI: same nature as `code`) for one indicator and year.
    `rows`: common.level_rows(db, level) when the caller holds them."""
    frame, direction = ranked_frame(db, indicator, period, level, code, rows)
    return positions.positions(frame, direction, {code: list(peer_codes)} if code else None)


def ranked_frame(db: Database, indicator: str, period: int, level: str = positions.LEVEL_DEPARTEMENT,
                 code: str | None = None, rows: LevelRows | None = None) -> tuple[pd.DataFrame, str | None]:
    """What load_positions ranks, whoever is highlighted: the comparison set's values of one indicator and year as
    ranking_values leaves them, and the indicator's direction (positions.positions(frame, direction, groups) then
    gives its positions with any territory's peer group). `rows`: common.level_rows(db, level) when the caller holds
    them (the territories and the catalogue are not read again)."""
    terr, cat = rows if rows is not None else level_rows(db, level)
    # Ranked on the rate of a count, censored values kept out (table columns raw_value, rank_basis, rank_unit…).
    frame = ranked_values_by_territory(db, indicator, period, level, indexed_catalogue(cat), terr, code)
    direction = cat.loc[cat["code"] == indicator, "direction"]
    return frame, direction.iloc[0] if len(direction) else None


# ------------------------------------------------------------------------------------------------ the page's view


@dataclass(frozen=True)
class T0View:
    code: str
    level: str
    t0_year: int
    table: pd.DataFrame  # numbers, for sorting and export
    display: pd.DataFrame  # French text
    peers: PeerGroup
    peer_note: str  # how the peers were chosen, in French
    peer_warning: str  # set when the group is only indicative


def t0_view(db: Database, code: str, level: str, t0_year: int, k: int = DEFAULT_K,
            data: T0Data | None = None, peer_inputs: PeerInputs | None = None,
            peers: PeerGroup | None = None) -> T0View:
    """One territory's T0 view; `data`: load_t0_data(db, level) and `peer_inputs`: load_peer_inputs(db, level)
    already loaded (the app keeps them per data version, so a territory change does not load the level again);
    `peers`: its peer group already chosen (it does not depend on the T0 year: a year change reuses it)."""
    if peers is None:
        return next(t0_views(db, level, t0_year, [code], k, data=data, peer_inputs=peer_inputs))
    return _view_of(db, data if data is not None else load_t0_data(db, level), code, t0_year, peers)


def _view_of(db: Database, data: T0Data, code: str, t0_year: int, peers: PeerGroup) -> T0View:
    table = t0_table_of(data, db.scope, code, t0_year, tuple(peers.codes))
    display = format_t0_table(table, T0_DISPLAY)
    return T0View(code, data.level, t0_year, table, display[[c for c in T0_DISPLAY if c in display.columns]], peers,
                  peer_note(peers), peer_warning(peers))


def t0_views(db: Database, level: str, t0_year: int, codes: Sequence[str] | None = None, k: int = DEFAULT_K,
             indicators: Sequence[str] | None = None, data: T0Data | None = None,
             peer_inputs: PeerInputs | None = None) -> Iterator[T0View]:
    """The T0 view of several territories (default: every territory of the level), data loaded once; with
    `indicators`, the tables hold those indicators only (positions are unchanged: each is ranked on its own)."""
    data = data if data is not None else load_t0_data(db, level, indicators)
    peer_inputs = peer_inputs if peer_inputs is not None else load_peer_inputs(db, level)
    for code in (codes if codes is not None else list(data.territories["code"])):
        yield _view_of(db, data, code, t0_year, peer_group_of(peer_inputs, code, k))


def format_t0_table(table: pd.DataFrame, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The T0 table as French text (units, thousands separators, signed gaps, 'rang / classés'), for display and
    print; t0_table() keeps numbers for sorting and export. `columns`: only these (in the usual order), the others
    not laid out at all (a table at ×30 has 1,700 rows; the page shows T0_DISPLAY)."""
    wanted = set(columns) if columns is not None else None

    def want(col: str) -> bool:
        return wanted is None or col in wanted

    # Whole columns as lists: iterating an Arrow-backed column reads it element by element (1,700 rows at ×30).
    lists: dict[str, list] = {}

    def col(name: str) -> list:
        if name not in lists:
            lists[name] = table[name].tolist()
        return lists[name]

    n = len(table)
    out = pd.DataFrame(index=table.index)
    for name in ("Programme", "Axe", "Code", "Indicateur", "Type", "Origine"):
        if want(name):
            out[name] = table[name].astype(object).fillna("")
    units = table["Unité"].fillna("").tolist()
    floors = col("Valeur plancher") if "Valeur plancher" in table.columns else [False] * n
    if want("Valeur"):
        reasons = table["Motif d'absence"].fillna("").tolist()
        out["Valeur"] = [
            shown_value(v, u, bool(f), value_decimals(v, u)) if not pd.isna(v) else (m or MISSING_TEXT)
            for v, u, m, f in zip(col("Valeur"), units, reasons, floors)
        ]
    # Ranks, quartiles, medians and gaps are on the ranked figure: a count's rate, in its own unit.
    rank_units = (table["Unité classée"].fillna(table["Unité"].fillna("")).tolist() if "Unité classée" in table.columns
                  else units)
    basis = table["Classé sur"].fillna("").tolist() if "Classé sur" in table.columns else [""] * n
    if want("Classé sur"):
        out["Classé sur"] = [b or ("la valeur" if not pd.isna(r) else "") for b, r in zip(basis, col("Rang"))]
    if want("Valeur classée"):
        out["Valeur classée"] = [
            fmt_value(v, u, value_decimals(v, u)) if b and not pd.isna(v) else ""
            for v, u, b in zip(col("Valeur classée" if "Valeur classée" in table.columns else "Valeur"), rank_units,
                               basis)
        ]
    if want("Année"):
        out["Année"] = [str(int(y)) if not pd.isna(y) else MISSING_TEXT for y in col("Année")]
    if want("Source"):
        out["Source"] = table["Source"].fillna("")
    if want("Sens"):
        out["Sens"] = table["Sens"]
    if want("Rang"):
        out["Rang"] = [
            f"{int(r)} / {int(k)}" if not pd.isna(r) else ("non classé" if isinstance(u, str) and u else MISSING_TEXT)
            for r, k, u in zip(col("Rang"), col("Territoires classés"), col("Motif de non-classement"))
        ]
    for name in ("Motif de non-classement", "Signalement qualité"):
        if want(name):
            out[name] = table[name].astype(object).fillna("")
    if want("Quartile"):
        out["Quartile"] = [f"Q{int(q)}" if not pd.isna(q) else MISSING_TEXT for q in col("Quartile")]
    for ref in ("régionale", "nationale", "des pairs"):
        if want(f"Médiane {ref}"):
            out[f"Médiane {ref}"] = [fmt_value(m, u, value_decimals(m, u))
                                     for m, u in zip(col(f"Médiane {ref}"), rank_units)]
        if want(f"Écart à la médiane {ref}"):
            out[f"Écart à la médiane {ref}"] = [fmt_signed(g, u)
                                                for g, u in zip(col(f"Écart à la médiane {ref}"), rank_units)]
        if want(f"Écart à la médiane {ref} (%)"):
            out[f"Écart à la médiane {ref} (%)"] = [fmt_signed_pct(g) for g in col(f"Écart à la médiane {ref} (%)")]
    if want("Situation / médiane nationale"):
        out["Situation / médiane nationale"] = table["Situation / médiane nationale"]
    if want("Donnée de démonstration"):
        out["Donnée de démonstration"] = ["oui" if d else "" for d in col("Donnée de démonstration")]
    return out


# ------------------------------------------------------------------------------------------------ peers, in French


def dropped_reason(group: PeerGroup, feature: str) -> str:
    why = group.dropped[feature]
    if why == DROP_SPARSE:
        return f"connue pour {fmt_pct(100 * group.coverage.get(feature, 0.0), 0)} des territoires seulement"
    return why


def peer_note(group: PeerGroup) -> str:
    """The method and the imputations, in French, printed under the peer table."""
    noun_one, noun_many = PEER_NOUNS.get(group.level, ("territoire", "territoires"))
    if group.no_peers:
        return peer_warning(group) + (
            " Les pairs d'un territoire d'outre-mer sont cherchés parmi les seuls territoires d'outre-mer ; un profil "
            f"est connu quand au moins {fmt_int(MIN_FEATURES_RELIABLE)} variables de pauvreté (hors population) ont "
            "une valeur. Le tableau ci-dessous montre les valeurs connues de chacun.")
    used = [group.label(f) for f in group.features]
    where = {POOL_OVERSEAS: " d'outre-mer", POOL_METRO: " de métropole"}.get(group.pool, "")
    note = (
        f"Groupe de pairs : les {fmt_int(group.k)} {noun_many} dont le profil est le plus proche parmi "
        f"{fmt_int(group.n_candidates)} {noun_many}{where} comparés, sur {fmt_int(len(used))} variables "
        f"({', '.join(used)}). "
        + ("Un territoire d'outre-mer n'est comparé qu'aux territoires d'outre-mer, un territoire de métropole "
           "qu'à ceux de métropole. " if where else "")
        + "Chaque variable est prise à sa dernière année disponible, centrée et réduite sur l'ensemble comparé"
        + (" (population en logarithme)" if group.log_scaled else "")
        + " ; distance = écart quadratique moyen en écarts-types (0 = profil identique)."
    )
    if group.excluded:
        note += (
            f" {fmt_int(len(group.excluded))} {noun_one if len(group.excluded) == 1 else noun_many} au profil connu "
            "pour moins de la moitié des variables écarté(s) des candidats : "
            + ", ".join(group.display_name(c) for c in group.excluded) + "."
        )
    if group.dropped:
        note += " Variables écartées : " + " ; ".join(
            f"{group.label(f)} ({dropped_reason(group, f)})" for f in group.dropped) + "."
    if group.n_imputed:
        note += (
            f" Valeurs manquantes remplacées par la médiane de l'ensemble (imputation) : {fmt_int(group.n_imputed)} "
            f"valeur(s) sur {fmt_int(group.n_candidates * len(used))}."
        )
        for c, fs in group.imputed.items():
            note += f" {group.display_name(c)} : {', '.join(group.label(f) for f in fs)} imputé(s)."
    else:
        note += " Aucune valeur manquante : aucune imputation."
    return note


def peer_warning(group: PeerGroup) -> str:
    """Empty unless the selected territory's own profile is too incomplete to trust the group, or it has no group."""
    if group.no_peers:
        lead = (f"Pas de groupe de pairs ni de médiane des pairs pour {group.display_name(group.code)} : un territoire "
                "d'outre-mer n'est comparé qu'aux autres territoires d'outre-mer, et ")
        if group.no_peers == NO_PEERS_OWN:
            return lead + ("son propre profil de pauvreté n'est pas connu (valeurs non publiées par l'INSEE ou non "
                           "chargées) ; des pairs choisis sur la seule population ne diraient rien de sa situation.")
        n = len(group.profiled)
        others = ", ".join(group.display_name(c) for c in group.profiled)
        known = ("aucun d'entre eux n'a de profil de pauvreté connu" if n == 0 else
                 f"un seul d'entre eux a un profil de pauvreté connu ({others})" if n == 1 else
                 f"{fmt_int(n)} seulement d'entre eux ont un profil de pauvreté connu ({others})")
        return lead + f"{known} ; il en faut au moins {fmt_int(group.min_peers)} pour une médiane des pairs."
    if group.reliable:
        return ""
    used = [group.label(f) for f in group.features]
    return (f"Profil incomplet pour {group.display_name(group.code)} : {fmt_int(len(used))} variable(s) connue(s) "
            f"({', '.join(used)}) ; le groupe de pairs n'est qu'indicatif.")


# ------------------------------------------------------------------------------------------------ page helpers


@dataclass(frozen=True)
class Distribution:
    """One indicator's values over a comparison set as the distribution chart draws them, whoever is highlighted."""

    level: str
    period: int
    drawn: pd.DataFrame  # code, name, value (NaN when kept out of the ranking), missing_reason
    label: str
    unit: str
    source: str
    direction: object


def distribution_set(level: str, code: str) -> str | None:
    """Which territory stands for the set a distribution is drawn over: None for every département (the same chart
    data for all of them), the EPCI itself for the EPCI of its nature."""
    return None if level == positions.LEVEL_DEPARTEMENT else code


def distribution_data(db: Database, indicator: str, period: int, level: str, code: str | None,
                      rows: LevelRows | None = None) -> Distribution:
    """The values drawn (distribution_set(level, code) for `code`): read and ranked once per set, not per
    territory highlighted. `rows`: common.level_rows(db, level) when the caller holds them."""
    cat = catalogue(db, rows)
    pos = load_positions(db, indicator, period, level=level, code=code, rows=rows)
    # Drawn as ranked: a count as its rate, a value kept out of the ranking (a floor) left out of the distribution.
    basis = str(pos.table["rank_basis"].iloc[0] or "") if len(pos.table) else ""
    drawn = pos.table[["code", "name", "value", "missing_reason"]].copy()
    drawn.loc[pos.table["unranked_reason"].notna(), "value"] = float("nan")
    return Distribution(level, int(period), drawn, str(cat.at[indicator, "label"]) + (f" ({basis})" if basis else ""),
                        str(pos.table["rank_unit"].iloc[0]) if basis else str(cat.at[indicator, "unit"]),
                        source_text(cat, indicator), cat.at[indicator, "direction"])


def distribution_chart(data: Distribution, code: str, peer_codes: Sequence[str] = ()) -> go.Figure:
    return charts.distribution_chart(data.drawn, code, peer_codes, label=data.label, unit=data.unit,
                                     source=data.source, year=data.period, direction=data.direction,
                                     noun=LEVEL_NOUNS.get(data.level, "territoires"))


def distribution_figure(
    db: Database, indicator: str, period: int, level: str, code: str, peer_codes: Sequence[str] = ()
) -> go.Figure:
    """A territory (and its peers) highlighted in the distribution of an indicator over its comparison set."""
    data = distribution_data(db, indicator, period, level, distribution_set(level, code))
    return distribution_chart(data, code, peer_codes)


def quality_note(table: pd.DataFrame) -> str | None:
    """What the quality checks changed in a T0 table, in French (None when nothing): how many values a check rejects
    (shown, not ranked) and how many it only flags."""
    reasons = table["Motif de non-classement"].fillna("").astype(str)
    rejected = int(reasons.str.contains("contrôle qualité").sum())
    flagged = int(table["Signalement qualité"].fillna("").astype(str).ne("").sum())
    if not rejected and not flagged:
        return None
    parts = []
    if rejected:
        parts.append(f"{fmt_int(rejected)} valeur(s) rejetée(s) par un contrôle de qualité : montrée(s), mais ni "
                     "classée(s) ni comptée(s) dans les médianes (« non classé », motif dans le tableau)")
    if flagged:
        parts.append(f"{fmt_int(flagged)} valeur(s) signalée(s) : classée(s), avec leur signalement")
    return " ; ".join(parts) + "."


def filter_table(table: pd.DataFrame, programmes: Sequence[str], search: str) -> pd.DataFrame:
    """Rows of the chosen programmes whose label or code contains the search text (accents and case ignored)."""
    out = table[table["Programme"].isin(programmes)]
    needle = normalise(search)
    if needle:
        hay = (out["Code"].astype(str) + " " + out["Indicateur"].astype(str)).map(normalise)
        out = out[hay.str.contains(needle, regex=False)]
    return out.reset_index(drop=True)


def indicators_with_value(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["Valeur"].notna()][["Code", "Indicateur", "Année"]].reset_index(drop=True)
