"""Loaders shared by the T0, mi-parcours and comparer views (and the export): catalogue, territories, values, peers."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from levier.analysis import rates
from levier.analysis.peers import (
    DEFAULT_K, MIN_OVERSEAS_PEERS, POOL_OVERSEAS, POPULATION, PROFILE_FEATURES, PeerGroup, features_frame, peer_group,
    peer_pool,
)
from levier.analysis.positions import LEVEL_DEPARTEMENT, LEVEL_EPCI, comparison_set
from levier.core.fmt import fmt_source
from levier.store import derived
from levier.store.db import Database, Query, Reader
from levier.views.gating import gate_values, load_gates
from levier.views.perimeters import perimeter_values


def is_demo(db: Database) -> bool:
    """Whether the stored returns include demo values: every caption then says they are fictitious (as the
    publication step found it when the derived tables serve this user)."""
    if derived.available(db):
        stored = db.read(Query.DERIVED_DEMO_STATUS)
        if len(stored):
            return bool(json.loads(stored["payload"].iloc[0])[0])
    status = db.read(Query.DEMO_STATUS)
    return bool(len(status)) and int(status["demo_values"].iloc[0]) > 0


def load_territories(db: Database, level: str = LEVEL_DEPARTEMENT) -> pd.DataFrame:
    return db.read(Query.TERRITORIES_OF_LEVEL, {"level": level})


# A level's territories and the indicator catalogue as read together (territories_of_level.sql,
# indicator_catalogue.sql): what every territory's page reads beside its own rows. The app keeps them once per data
# version and hands them to the views (their `rows` argument), which then read the territory's rows only.
LevelRows = tuple[pd.DataFrame, pd.DataFrame]


def read_level_rows(r: Reader, level: str) -> LevelRows:
    """A level's territories and the indicator catalogue, through a cursor the caller reads other rows with."""
    return r.df(Query.TERRITORIES_OF_LEVEL, {"level": level}), r.df(Query.INDICATOR_CATALOGUE)


def level_rows(db: Database, level: str) -> LevelRows:
    """A level's territories and the indicator catalogue (one cursor: one data version)."""
    with db.reader() as r:
        return read_level_rows(r, level)


def load_indicators(db: Database) -> pd.DataFrame:
    return db.read(Query.INDICATOR_CATALOGUE)


def catalogue(db: Database, rows: LevelRows | None = None) -> pd.DataFrame:
    """The indicator catalogue indexed by code (the code stays a column too); from `rows` (level_rows) when the
    caller holds them, else read."""
    return indexed_catalogue(rows[1] if rows is not None else load_indicators(db))


def indexed_catalogue(rows: pd.DataFrame) -> pd.DataFrame:
    """catalogue() of the catalogue's rows already read (level_rows' second frame)."""
    return rows.drop_duplicates("code").set_index("code", drop=False)


def load_values(db: Database, level: str, indicators: Sequence[str]) -> pd.DataFrame:
    """Every current value, every period, of some indicators for every territory of a level."""
    return db.read(Query.INDICATOR_SERIES, {"level": level, "codes": list(indicators)})


def derived_serves(db: Database, r: Reader, level: str) -> bool:
    """Whether this user's reads at this level may come from the derived tables: they hold the département and EPCI
    levels, every row unmasked (so only for a user who reads everything), computed for the data version `r` reads
    (the check and the rows it vouches for then come through one cursor)."""
    return level in (LEVEL_DEPARTEMENT, LEVEL_EPCI) and derived.reads_everything(db) and derived.is_current(r)


def indicators_with_values(db: Database, level: str, programmes: Sequence[str] = ()) -> pd.DataFrame:
    """The indicators with at least one current value at a level and their years, for the pages' selectors
    (code, label, programme, unit, direction, kind, periods, last_period): read from the derived positioned values
    when they serve this user, from the facts otherwise (the same rows; the facts' query derives every ratio of the
    level first, seconds once the level holds millions of values)."""
    params = {"level": level, "programmes": list(programmes)}
    with db.reader() as r:  # one cursor: the check and the rows it vouches for are of one data version
        stored = derived_serves(db, r, level)
        return r.df(Query.DERIVED_INDICATORS_WITH_VALUES if stored else Query.INDICATORS_WITH_VALUES, params)


def territory_values(db: Database, level: str, code: str) -> pd.DataFrame:
    return db.read(Query.TERRITORY_INDICATOR_VALUES, {"level": level, "code": code})


def periods_with_value(db: Database, level: str, code: str) -> pd.DataFrame:
    """indicator, period: what one territory has a value for, in that order; read from the derived positioned
    values when they serve this user, from its current values otherwise (the same pairs)."""
    with db.reader() as r:  # one cursor: the check and the rows it vouches for are of one data version
        if derived_serves(db, r, level):
            return r.df(Query.TERRITORY_PERIODS_WITH_VALUE, {"level": level, "code": code})
        values = r.df(Query.TERRITORY_INDICATOR_VALUES, {"level": level, "code": code})
    return values.loc[values["value"].notna(), ["indicator", "period"]].reset_index(drop=True)


def available_periods(db: Database, level: str, code: str) -> list[int]:
    return sorted(int(p) for p in periods_with_value(db, level, code)["period"].unique())


def ranking_values(db: Database, values: pd.DataFrame, cat: pd.DataFrame, level: str = LEVEL_DEPARTEMENT,
                   territories: pd.DataFrame | None = None, gate_rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """What every ranking, quartile, median, map class and comparison reads (levier.analysis.rates.ranking_frame):
    `value` becomes the ranked figure (a count over its denominator, the value itself otherwise), `raw_value` keeps
    what is shown, `unranked_reason` says why a value is shown but not ranked (no denominator, published floor),
    `rank_basis` / `rank_unit` say what is ranked. `values`: code, indicator, period, value[, …] of one level;
    `gate_rows`: the level's quality gates (views.gating.load_gates) already loaded by a caller ranking many frames
    (the publication step), holding at least those of these values and of their denominators."""
    if values.empty or "indicator" not in values.columns:
        return rates.ranking_frame(values.assign(indicator=values.get("indicator", pd.Series(dtype=object))), cat)
    stored = stored_ranking_values(db, values, level)
    if stored is not None:
        return stored
    population, year = ranking_population(db, level, territories)
    values, denominators = ranking_inputs(db, values, cat, level, gate_rows)
    return rates.ranking_frame(values, cat, population, denominators, year)


def ranking_population(db: Database, level: str,
                       territories: pd.DataFrame | None = None) -> tuple[pd.Series, int | None]:
    """The population a count is ranked over (territory code -> population) and its year (the territories' latest
    vintage), from `territories` when they carry it, else from the level's territories."""
    terr = load_territories(db, level) if territories is None or "population" not in territories.columns else territories
    population = pd.Series(pd.to_numeric(terr["population"], errors="coerce").to_numpy(), index=terr["code"].astype(str))
    year = int(terr["vintage"].max()) if "vintage" in terr.columns and terr["vintage"].notna().any() else None
    return population, year


def ranking_inputs(db: Database, values: pd.DataFrame, cat: pd.DataFrame, level: str,
                   gate_rows: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """What rates.ranking_frame reads besides the population: the values with their perimeter notes and quality
    gates, and the gated values of their denominators (None when no indicator has one). Each row's notes and gates
    are its own, whatever else the frame holds, so a caller ranking several comparison sets prepares their union
    once and ranks each set's rows (the floor rule of ranking_frame looks at a whole set)."""
    values = perimeter_values(db, values, level)  # an EPCI value on an older perimeter: shown, not ranked
    indicators = sorted(values["indicator"].astype(str).unique())  # not a Python set of a million rows
    needed = rates.denominator_codes(cat, indicators)
    # A value a quality check rejects is shown, not ranked; so is a rate on a rejected denominator. The checks run
    # once for the values and their denominators (or not at all when the caller has them).
    gates = gate_rows if gate_rows is not None else load_gates(db, sorted(set(indicators) | set(needed)), level)
    values = gate_values(db, values, level, gate_rows=gates)
    denominators = gate_values(db, load_values(db, level, needed), level, gate_rows=gates) if needed else None
    return values, denominators


# What ranking_values adds to or changes in a values frame, as the derived positioned values hold it.
RANKED_COLUMNS = ["value", "missing_reason", "unranked_reason", "perimeter_note", "quality_warning", "raw_value",
                  "rank_basis", "rank_unit", "censored"]
_KEY = ["code", "indicator", "period"]


def as_computed_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Notes read back from a derived table typed as ranking_values leaves them (Python objects, None when absent),
    so that code testing them reads the same thing either way."""
    for col in ("perimeter_note", "quality_warning"):
        if col in frame.columns:
            frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
    return frame


def stored_ranking_values(db: Database, values: pd.DataFrame, level: str) -> pd.DataFrame | None:
    """ranking_values' result read from the derived positioned values (computed by the same function at
    publication), or None when they do not hold exactly these values for this user: a row the user's access view
    does not hand over (contract data, for a user who does not read everything unmasked), a row they lack or a value
    other than the one stored (a frame built by hand) sends the whole frame to the live computation."""
    if level not in (LEVEL_DEPARTEMENT, LEVEL_EPCI) or not set(_KEY) <= set(values.columns) or not db.exists():
        return None
    with db.reader() as r:  # one cursor: the check and the rows it vouches for are of one data version
        if not derived.is_current(r):
            return None
        stored = r.df(Query.T0_VALUES_OF_LEVEL, {"level": level, "codes": sorted(set(values["indicator"].astype(str)))})
    given = values.assign(period=values["period"].astype("int64"), _row=range(len(values)))
    stored = stored.assign(period=stored["period"].astype("int64"))[_KEY + RANKED_COLUMNS]
    merged = given.drop(columns=[c for c in RANKED_COLUMNS if c not in ("value", "missing_reason")], errors="ignore")\
        .merge(stored, on=_KEY, how="left", suffixes=("_given", ""), indicator="_stored")
    if len(merged) != len(values):
        return None
    mine = pd.to_numeric(merged["value_given"], errors="coerce")
    found = merged["_stored"] == "both"
    if not ((mine.isna() & merged["raw_value"].isna()) | (mine == merged["raw_value"]))[found].all():
        return None
    if (~found).any():
        # A territory with no stored value (listed by the query with its reason): nothing to rank, and what is
        # ranked for the indicator (rank_basis, rank_unit) is the same for all its rows.
        if mine[~found].notna().any():
            return None
        basis = stored.drop_duplicates("indicator").set_index("indicator")[["rank_basis", "rank_unit"]]
        lacking = merged.loc[~found, "indicator"]
        if not lacking.isin(basis.index).all():
            return None
        merged.loc[~found, "missing_reason"] = merged.loc[~found, "missing_reason_given"]
        merged.loc[~found, "rank_basis"] = lacking.map(basis["rank_basis"])
        merged.loc[~found, "rank_unit"] = lacking.map(basis["rank_unit"])
        merged.loc[~found, "censored"] = False
    merged["censored"] = merged["censored"].astype(bool)
    merged = as_computed_text(merged)
    merged = merged.sort_values("_row").drop(columns=["_row", "value_given", "missing_reason_given", "_stored"],
                                              errors="ignore").reset_index(drop=True)
    merged["period"] = values["period"].to_numpy()
    extra = [c for c in values.columns if c not in RANKED_COLUMNS and c in merged.columns]
    return merged[extra + [c for c in RANKED_COLUMNS if c in merged.columns]]


def ranked_values_by_territory(db: Database, indicator: str, period: int, level: str, cat: pd.DataFrame,
                               territories: pd.DataFrame | None = None, code: str | None = None) -> pd.DataFrame:
    """Every territory of a level with its value of one indicator and period, ranked: ranking_values of
    indicator_values_by_territory.sql's rows, the indicator and period as columns. Read as ranked from the derived
    positions when they serve this user: one small read, the territories around it those the caller holds
    (`territories`: the level's territories as territories_of_level.sql lists them), instead of a scan of the
    current values and a second read to rank them. Ranked live otherwise. `cat`: the catalogue indexed by code;
    `code`: only the territories compared with it (positions.comparison_set), kept before a live ranking."""
    params = {"indicator": indicator, "period": int(period), "level": level}
    with db.reader() as r:  # one cursor: the check and the rows it vouches for are of one data version
        stored = r.df(Query.RANKED_VALUES_BY_TERRITORY, params) if derived_serves(db, r, level) else None
        if stored is not None and stored["is_basis"].any():
            terr = territories if territories is not None else r.df(Query.TERRITORIES_OF_LEVEL, {"level": level})
        else:
            frame = r.df(Query.INDICATOR_VALUES_BY_TERRITORY, params)
            stored = None
    if stored is None:
        return ranking_values(db, comparison_set(frame, level, code).assign(indicator=indicator, period=int(period)),
                              cat, level, territories if territories is not None else frame)
    return _listed_ranked(comparison_set(terr, level, code), stored, indicator, int(period))


# The columns of a ranked read of one indicator and period (ranking_values' order for a by-territory frame).
_LISTED = ["code", "name", "dep", "dep_name", "reg", "reg_name", "nature", "population", "zone", "vintage"]


def _listed_ranked(terr: pd.DataFrame, stored: pd.DataFrame, indicator: str, period: int) -> pd.DataFrame:
    """The territories with their stored ranked rows of one period; a territory without one is 'absent', with the
    indicator's ranked basis and unit (ranked_values_by_territory). Made from plain columns in one go: a pandas
    merge and a column set at a time cost four times the read."""
    is_basis = stored["is_basis"].to_numpy(dtype=bool)
    basis = {col: stored[col].iloc[int(is_basis.argmax())] for col in ("rank_basis", "rank_unit")}
    row_of = {c: i for i, c in enumerate(stored["code"].tolist()) if not is_basis[i]}
    codes = terr["code"].tolist()
    at = [row_of.get(c) for c in codes]
    listed = terr[_LISTED].reset_index(drop=True)
    columns: dict[str, object] = {col: listed[col] for col in _LISTED}  # their dtypes kept (text as pandas strings)

    def taken(col: str, lacking: object, missing: object = None) -> list:
        values = [missing if pd.isna(v) else v for v in stored[col].tolist()]
        return [lacking if i is None else values[i] for i in at]

    columns["is_demo"] = np.array(taken("is_demo", False), dtype=bool)
    columns["indicator"] = [indicator] * len(codes)
    columns["period"] = np.full(len(codes), period, dtype="int64")
    for col in RANKED_COLUMNS:
        if col in ("value", "raw_value"):
            columns[col] = np.array(taken(col, math.nan, math.nan), dtype="float64")
        elif col == "censored":
            columns[col] = np.array(taken(col, False), dtype=bool)
        else:
            lacking = "absent" if col == "missing_reason" else basis.get(col)
            lacking = None if pd.isna(lacking) else lacking
            columns[col] = np.array(taken(col, lacking), dtype=object)
    return pd.DataFrame(columns, columns=_LISTED + ["is_demo", "indicator", "period"] + RANKED_COLUMNS)


def source_text(cat: pd.DataFrame, indicator: str) -> str:
    """The source line of an indicator; declarative (non-STAT) data of the demo is said to be fictitious."""
    return source_line(cat.at[indicator, "source"] if "source" in cat.columns else None,
                       cat.at[indicator, "source_table"] if "source_table" in cat.columns else None,
                       cat.at[indicator, "programme"])


def source_texts(cat: pd.DataFrame) -> list[str]:
    """source_text of every row of a catalogue frame, in its order (read by column, not looked up per indicator)."""
    none = [None] * len(cat)
    return [source_line(src, table, programme) for src, table, programme in zip(
        cat["source"].tolist() if "source" in cat.columns else none,
        cat["source_table"].tolist() if "source_table" in cat.columns else none, cat["programme"].tolist())]


def source_line(source: object, table: object, programme: object) -> str:
    src = fmt_source(source, table)
    if programme != "STAT":
        return f"{src} — données fictives de démonstration" if src else "Données fictives de démonstration"
    return str(src)


@dataclass(frozen=True)
class PeerInputs:
    """What the peer groups of a level are computed from, loaded once (the export computes every territory's)."""

    level: str
    territories: pd.DataFrame
    catalogue: pd.DataFrame
    features: pd.DataFrame  # peer_features rows: code, indicator, period, value
    feature_codes: tuple[str, ...]
    # Each pool's profiles pivoted, filled by peer_group_of as groups are formed: the same for every territory of a
    # pool, so a territory change (the app keeps these inputs per data version) does not pivot them again.
    pivoted: dict[tuple, tuple[pd.DataFrame, dict[str, int]]] = field(default_factory=dict, compare=False, repr=False)


def load_peer_inputs(db: Database, level: str = LEVEL_DEPARTEMENT,
                     feature_codes: Sequence[str] | None = None, rows: LevelRows | None = None) -> PeerInputs:
    """`rows`: level_rows(db, level) when the caller holds them (the app keeps them): the profiles alone are read."""
    codes = tuple(feature_codes or PROFILE_FEATURES)
    with db.reader() as r:  # one cursor: the check and the rows it vouches for are of one data version
        terr, cat = rows if rows is not None else read_level_rows(r, level)
        # The same rows from the positioned values when they serve the user (a third of the time: the current
        # values' query derives every ratio of the level first).
        query = Query.PEER_FEATURES_OF_LEVEL if derived_serves(db, r, level) else Query.PEER_FEATURES
        long = r.df(query, {"level": level, "codes": [c for c in codes if c != POPULATION]})
    return PeerInputs(level, terr, cat, long, codes)


def peer_group_of(inputs: PeerInputs, code: str, k: int = DEFAULT_K) -> PeerGroup:
    """Peer group of one territory among its comparison set (all départements; EPCI of the same nature), looked for
    among overseas territories for an overseas one and metropolitan ones otherwise (peers.peer_pool); an overseas
    territory gets no group when fewer than MIN_OVERSEAS_PEERS others have a known profile. The pool's profiles are
    pivoted once per `inputs` (PeerInputs.pivoted)."""
    terr, pool = peer_pool(comparison_set(inputs.territories, inputs.level, code), code)
    key = (pool, tuple(terr["code"]))
    pivoted = inputs.pivoted.get(key)
    if pivoted is None:
        long = inputs.features[inputs.features["code"].isin(set(terr["code"]))]
        pivoted = features_frame(long, terr, list(dict.fromkeys(list(inputs.feature_codes) + [POPULATION])))
        inputs.pivoted[key] = pivoted
    frame, years = pivoted
    cat = inputs.catalogue
    labels = {c: PROFILE_FEATURES.get(c) or lab for c, lab in zip(cat["code"].tolist(), cat["label"].tolist())}
    units = dict(zip(cat["code"].tolist(), cat["unit"].tolist()))
    return peer_group(
        frame, code, k, names=dict(zip(terr["code"], terr["name"])), labels=labels, units=units, years=years,
        level=inputs.level, pool=pool, min_peers=MIN_OVERSEAS_PEERS if pool == POOL_OVERSEAS else 1,
    )


def load_peer_group(
    db: Database, code: str, level: str = LEVEL_DEPARTEMENT, k: int = DEFAULT_K,
    feature_codes: Sequence[str] | None = None,
) -> PeerGroup:
    """Peer group of one territory (see peer_group_of)."""
    return peer_group_of(load_peer_inputs(db, level, feature_codes), code, k)


# The levels whose peer groups the publication step derives: the pages that need only the peers' codes ask for
# départements' (an EPCI's Mi-parcours compares it with its région and France only).
PEER_LEVELS = (LEVEL_DEPARTEMENT,)


def level_peer_groups(inputs: PeerInputs) -> list[tuple[str, PeerGroup]]:
    """(code, peer group) of every territory of the level, formed by peer_group_of with the default features and k
    (the T0 page's groups), one pivot of the profiles per pool. A territory whose group cannot be formed at all
    (peer_group's ValueError: no profile to compare) is left out: its pages form it live."""
    groups = []
    for code in inputs.territories["code"]:
        try:
            groups.append((code, peer_group_of(inputs, code)))
        except ValueError:
            continue
    return groups


def peer_group_table(inputs: PeerInputs, groups: Sequence[tuple[str, PeerGroup]]) -> pd.DataFrame:
    """The derived peer groups of one level (queries/derived/insert_peer_group.sql): its peers' codes nearest first,
    an empty list when there is none; public when every profile feature is a public statistic or the population."""
    public = set(inputs.catalogue.loc[inputs.catalogue["programme"] == "STAT", "code"]) | {POPULATION}
    is_public = set(inputs.feature_codes) <= public
    return pd.DataFrame([(inputs.level, code, list(group.codes), is_public) for code, group in groups],
                        columns=["level", "code", "peers", "is_public"])


def derive_peer_groups(db: Database) -> dict[str, pd.DataFrame]:
    """Every territory of PEER_LEVELS with its peers' codes (peer_group_table of level_peer_groups). The publication
    step writes them from views.t0.derive_t0, which forms the same groups for the T0 tables."""
    frames = []
    for level in PEER_LEVELS:
        inputs = load_peer_inputs(db, level)
        frames.append(peer_group_table(inputs, level_peer_groups(inputs)))
    return {"peer_group": pd.concat(frames, ignore_index=True)}


def stored_peer_codes(db: Database, code: str, level: str) -> tuple[str, ...] | None:
    """A territory's peers' codes from the derived peer groups (what peer_group_of gives), or None when they do not
    serve this read: the level is not derived, the tables are stale, or the row is not this user's to read."""
    if level not in PEER_LEVELS:
        return None
    with db.reader() as r:
        if not derived.is_current(r):
            return None
        rows = r.rows(Query.PEER_GROUP_OF_TERRITORY, {"level": level, "code": code})
    return tuple(rows[0][0]) if rows else None


def peer_codes(db: Database, code: str, level: str = LEVEL_DEPARTEMENT,
               group: Callable[[], PeerGroup] | None = None) -> tuple[str, ...]:
    """A territory's peers' codes nearest first (the T0 page's group): read from the derived peer groups when they
    serve, formed from the level's profiles otherwise (by `group` when the caller keeps the groups it formed)."""
    stored = stored_peer_codes(db, code, level)
    if stored is not None:
        return stored
    return tuple((group() if group is not None else load_peer_group(db, code, level)).codes)


# ------------------------------------------------------------------------------------------------ warned values
# A warning (a quality check's plausible-but-doubtful finding) keeps a value ranked, but every view that ranks or
# draws it marks it where it is read: rapporteurs quote these figures, a doubtful one must not look like the others.

WARNED_MARK = "⚠"
WARNED_COLUMN = "Signalement qualité"
WARNED_LEAD = "Valeur(s) signalée(s) par un contrôle de qualité, classée(s) mais douteuse(s)"
WARNED_ADVICE = ("Un avertissement n'écarte pas la valeur du classement ; lisez son motif (colonne « Signalement "
                 "qualité » et page Qualité des données) avant de citer ce rang.")


def has_warning(frame: pd.DataFrame) -> pd.Series:
    """Which rows carry a warning-level quality finding (`quality_warning` set; an error sets unranked_reason)."""
    if "quality_warning" not in frame.columns:
        return pd.Series(False, index=frame.index)
    return frame["quality_warning"].notna() & frame["quality_warning"].astype(str).str.strip().ne("")


def warned_caveat(warned: pd.DataFrame, lead: str = WARNED_LEAD, advice: str = WARNED_ADVICE) -> str:
    """What the reader must know before quoting a figure a quality warning puts in doubt. warned: code, name[, rank]
    [, detail] in the order they are named: « Puy-de-Dôme (63, rang 1) », « … (63, rang 96 ; valeurs 2019 et 2022) »."""
    ranks = warned["rank"] if "rank" in warned.columns else [None] * len(warned)
    details = warned["detail"] if "detail" in warned.columns else [""] * len(warned)
    names = ", ".join(
        f"{name} ({code}" + (f", rang {int(rank)}" if rank is not None and pd.notna(rank) else "")
        + (f" ; {detail}" if detail else "") + ")"
        for code, name, rank, detail in zip(warned["code"], warned["name"], ranks, details))
    return f"{WARNED_MARK} {lead} : {names}. {advice}"


def years_text(years: Sequence[object]) -> str:
    """[2019, 2022] -> '2019 et 2022'; [2019, 2020, 2022] -> '2019, 2020 et 2022' (each year named, not a span)."""
    ys = [str(int(y)) for y in sorted({int(y) for y in years})]
    return ys[0] if len(ys) == 1 else f"{', '.join(ys[:-1])} et {ys[-1]}"


def warnings_by_year(periods: Sequence[object], reasons: Sequence[object]) -> str:
    """One territory's warnings over some years as one cell, a reason said once for every year it holds
    (« 2019 et 2022 : <motif> »), different reasons one after the other."""
    years_of: dict[str, list[object]] = {}
    for period, reason in zip(periods, reasons):
        years_of.setdefault(str(reason), []).append(period)
    return " ; ".join(f"{years_text(ys)} : {reason}" for reason, ys in years_of.items())
