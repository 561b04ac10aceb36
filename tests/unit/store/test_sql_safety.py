"""No SQL is ever built from input: every SQL call in levier/ and pages/ takes a constant, a query file (sql_text,
Query.X) or a name bound only to those; SQL text written in Python lives in levier/store/db.py alone (connection
settings, transaction control), and so does the DuckDB import; each query file holds one statement under a header
comment (purpose, « one row per … », parameters) and takes named $parameters only; the registry and the folders of
queries/ match file for file. The scanner is tested on snippets too, so it can fail."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from levier.core.config import PROJECT_ROOT, QUERIES_DIR, SCHEMA_DIR
from levier.store.queries import Query, migrations, query_path
from tests.queries import ProbeQuery

SOURCES = sorted([*(PROJECT_ROOT / "levier").rglob("*.py"), *(PROJECT_ROOT / "pages").rglob("*.py"), PROJECT_ROOT / "app.py"])
# Methods that run SQL text (DuckDB connections and cursors, the Writer, pandas).
SQL_METHODS = {"execute", "executemany", "sql", "query", "read_sql", "read_sql_query", "from_query"}
SQL_KEYWORDS = {"query", "sql", "statement"}
DUCKDB_HOME = Path("levier/store/db.py")
# Reviewed exceptions, by (file, function, source of the argument): migrations run the text of the numbered files of
# queries/schema/, shipped with the code like every query file.
ALLOWED = {("levier/store/db.py", "migrate", "path.read_text(encoding='utf-8')")}


@dataclass(frozen=True)
class Violation:
    file: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.what}"


def _is_const_str(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


class _Scanner:
    """Finds SQL calls whose text is not provably constant, and DuckDB imports, in one module."""

    def __init__(self, tree: ast.Module, file: str) -> None:
        self.tree, self.file = tree, file
        self.module_bindings = self._bindings(tree.body, top=True)
        self.violations: list[Violation] = []

    # Bindings: name -> the value nodes it may hold (None: bound by something unseen, such as a parameter).
    @staticmethod
    def _bindings(body, top: bool = False) -> dict[str, list]:
        found: dict[str, list] = {}

        def bind(target, value):
            if isinstance(target, ast.Name):
                found.setdefault(target.id, []).append(value)
            elif isinstance(target, (ast.Tuple, ast.List, ast.Starred)):
                for elt in (target.elts if not isinstance(target, ast.Starred) else [target.value]):
                    bind(elt, None if value is None else ("unpacked", value))

        # At module level, function and class bodies have their own scopes; inside a function every nested
        # assignment counts (more bindings can only make the check stricter).
        statements = [s for s in body if not (top and isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)))]
        for node in (n for stmt in statements for n in ast.walk(stmt)):
            if isinstance(node, ast.Assign):
                for t in node.targets:
                    bind(t, node.value)
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                bind(node.target, node.value)
            elif isinstance(node, ast.AugAssign):
                bind(node.target, None)  # q += ...: built at run time
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
                bind(node.target, ("iter", node.iter))
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if item.optional_vars is not None:
                        bind(item.optional_vars, None)
            elif isinstance(node, ast.NamedExpr):
                bind(node.target, node.value)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for a in node.names:
                    found.setdefault((a.asname or a.name).split(".")[0], []).append(None)
        return found

    def constant(self, node, scope: dict[str, list], depth: int = 0) -> bool:
        """True when `node` can only be SQL shipped with the code."""
        if depth > 12:
            return False
        if isinstance(node, tuple):  # ("iter", expr) / ("unpacked", expr): any element of a constant container
            return self.constant(node[1], scope, depth + 1)
        if node is None:
            return False
        if _is_const_str(node):
            return True
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Query":
            return True  # a query file's name: the db layer turns it into the file's text
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name == "sql_text":
                return True
            if name in {"items", "values", "keys"} and isinstance(func, ast.Attribute):
                return self.constant(func.value, scope, depth + 1)
            return False
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            return all(self.constant(e, scope, depth + 1) for e in node.elts)
        if isinstance(node, ast.Dict):
            return all(k is None or _is_const_str(k) or isinstance(k, ast.Constant) for k in node.keys) and all(
                self.constant(v, scope, depth + 1) for v in node.values)
        if isinstance(node, ast.Subscript):
            return self.constant(node.value, scope, depth + 1)
        if isinstance(node, ast.Name):
            values = scope.get(node.id) if node.id in scope else self.module_bindings.get(node.id)
            if not values:
                return False
            inner = {k: v for k, v in scope.items() if k != node.id}  # no self-reference loops
            return all(self.constant(v, inner, depth + 1) for v in values)
        return False  # f-strings, %, +, .format(), str.join(), function results: built at run time

    def scan(self) -> list[Violation]:
        self._visit(self.tree, scope={}, function="<module>")
        for node in ast.walk(self.tree):
            modules = []
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            elif isinstance(node, ast.Call) and node.args and _is_const_str(node.args[0]) and (
                    (isinstance(node.func, ast.Name) and node.func.id == "__import__")
                    or (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")):
                modules = [node.args[0].value]
            if any(m == "duckdb" or m.startswith("duckdb.") for m in modules) and Path(self.file) != DUCKDB_HOME:
                self.violations.append(Violation(self.file, node.lineno, "import de duckdb hors de levier/store/db.py"))
        return self.violations

    def _visit(self, node, scope: dict[str, list], function: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                body = child.body if isinstance(child.body, list) else [child.body]
                local = self._bindings(body)
                args = child.args
                for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
                    if a is not None:  # a parameter: anything the caller passes
                        local[a.arg] = [None, *local.get(a.arg, [])]
                inner = {**scope, **local}
                self._visit(child, inner, getattr(child, "name", "<lambda>"))
                continue
            if isinstance(child, ast.Call):
                self._check_call(child, scope, function)
            self._visit(child, scope, function)

    def _check_call(self, call: ast.Call, scope, function: str) -> None:
        func = call.func
        if not (isinstance(func, ast.Attribute) and func.attr in SQL_METHODS):
            return
        arg = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg in SQL_KEYWORDS), None)
        if arg is None:
            return
        if func.attr == "query" and not (call.args and self._stringish(arg)):
            return  # DataFrame.query(expr) is pandas, not SQL; it is still checked when its text is built
        if (self.file, function, ast.unparse(arg).replace('"', "'")) in ALLOWED:
            return
        if not self.constant(arg, scope):
            self.violations.append(Violation(
                self.file, call.lineno, f"{ast.unparse(func)}() reçoit un texte SQL non constant : {ast.unparse(arg)[:80]}"))

    def _stringish(self, node) -> bool:
        return isinstance(node, (ast.Constant, ast.JoinedStr, ast.BinOp, ast.Name, ast.Call, ast.Subscript))


def scan_source(text: str, file: str = "snippet.py") -> list[Violation]:
    return _Scanner(ast.parse(text), file).scan()


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_no_sql_is_built_from_input(path: Path):
    rel = path.relative_to(PROJECT_ROOT).as_posix()
    violations = scan_source(path.read_text(encoding="utf-8"), rel)
    assert not violations, "\n".join(map(str, violations))


def test_the_scan_covers_the_code():
    assert PROJECT_ROOT / "levier" / "store" / "db.py" in SOURCES and any(p.parent.name == "pages" for p in SOURCES)
    assert len(SOURCES) > 30


# --- the scanner itself can fail ---------------------------------------------------------------------------------

UNSAFE = {
    "f-string": 'def f(con, dep):\n    con.execute(f"SELECT * FROM fact WHERE territory_code = \'{dep}\'")\n',
    "percent": 'def f(con, dep):\n    con.execute("SELECT * FROM fact WHERE territory_code = \'%s\'" % dep)\n',
    "concatenation": 'def f(con, dep):\n    con.execute("SELECT * FROM fact WHERE territory_code = " + dep)\n',
    "format": 'def f(con, dep):\n    con.execute("SELECT * FROM fact WHERE x = {}".format(dep))\n',
    "join": 'def f(con, parts):\n    con.sql(" ".join(parts))\n',
    "via a variable": 'def f(con, dep):\n    q = f"DELETE FROM fact WHERE x = {dep}"\n    con.execute(q)\n',
    "parameter": 'def run(con, text):\n    return con.execute(text).fetchall()\n',
    "keyword": 'def f(w, dep):\n    w.execute(query=f"SELECT {dep}")\n',
    "loop over built": 'def f(con, deps):\n    for q in [f"SELECT {d}" for d in deps]:\n        con.execute(q)\n',
    "duckdb import": "import duckdb\n",
    "duckdb from-import": "from duckdb import connect\n",
    "duckdb dynamic": "import importlib\nimportlib.import_module('duckdb')\n",
}
SAFE = {
    "constant": 'def f(con):\n    con.execute("BEGIN TRANSACTION")\n',
    "query file": 'def f(w, v):\n    w.execute(Query.INSERT_IMPORT_RUN, {"v": v})\n',
    "sql_text": 'def f(con, name, p):\n    con.execute(sql_text(name), p)\n',
    "module constants": ('STMTS = ("SET a = 1", "SET b = 2")\nVARS = {"x": "SET VARIABLE x = $v"}\n'
                         'def f(con, v):\n    con.execute(STMTS[0])\n    for s in STMTS[1:]:\n        con.execute(s)\n'
                         '    for n, s in VARS.items():\n        con.execute(s, {"v": v})\n'),
    "loop over query names": 'def f(w):\n    for q in (Query.A, Query.B):\n        w.execute(q)\n',
    "pandas query": 'def f(frame):\n    return frame.query("value > 0")\n',
}


@pytest.mark.parametrize("name", UNSAFE)
def test_scanner_flags_sql_built_at_run_time(name):
    assert scan_source(UNSAFE[name]), f"not flagged: {name}"


@pytest.mark.parametrize("name", SAFE)
def test_scanner_accepts_constant_sql(name):
    assert not scan_source(SAFE[name]), [str(v) for v in scan_source(SAFE[name])]


def test_duckdb_may_be_imported_by_the_db_layer():
    assert not scan_source("import duckdb\n", "levier/store/db.py")


# --- query files ----------------------------------------------------------------------------------------------

TEST_QUERIES_DIR = PROJECT_ROOT / "tests" / "queries"
# Every statement file: the shipped queries (numbered schema migrations apart) and the tests' own.
QUERY_FILES = sorted([*(p for p in QUERIES_DIR.rglob("*.sql") if SCHEMA_DIR not in p.parents),
                      *TEST_QUERIES_DIR.glob("*.sql")])
# Comments and quoted text, read left to right in one pass (an apostrophe in a comment opens no string).
_LEXEMES = re.compile(r"--[^\n]*|/\*.*?\*/|'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"", re.DOTALL)
# Interpolation markers other than $named parameters: Python format fields, printf markers, positional ? and $1.
_MARKERS = re.compile(r"\{\w*\}|%\(?\w*\)?[sdif]\b|(?<![\w$])\?|\$\d+")


def sql_problems(text: str) -> list[str]:
    problems = []
    first = next((line for line in text.splitlines() if line.strip()), "")
    if not first.startswith("--"):
        problems.append("pas de commentaire d'en-tête (but, une ligne par…, paramètres)")
    else:
        header = " ".join(line for line in _header(text)).lower()
        if not re.search(r"\bone row\b|\brows? per\b", header):
            problems.append("l'en-tête ne dit pas ce que vaut une ligne (« One row per … »)")
        if "parameter" not in header:
            problems.append("l'en-tête ne nomme pas les paramètres (« Parameters: … » ou « No parameters »)")
    code = _LEXEMES.sub(lambda m: " " if m.group(0)[0] in "-/" else "''", text)
    statements = [s for s in code.split(";") if s.strip()]
    if len(statements) != 1:
        problems.append(f"{len(statements)} instructions au lieu d'une")
    markers = _MARKERS.findall(code)
    if markers:
        problems.append(f"marqueurs d'interpolation interdits : {markers}")
    return problems


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.name)
def test_query_file_has_a_header_one_statement_and_named_parameters_only(path: Path):
    assert not sql_problems(path.read_text(encoding="utf-8")), sql_problems(path.read_text(encoding="utf-8"))


def _header(text: str) -> list[str]:
    lines = []
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        lines.append(line)
    return lines


def test_query_files_exist_and_schema_is_left_out():
    assert len(QUERY_FILES) > 50 and not any(p.parent == SCHEMA_DIR for p in QUERY_FILES)


def test_queries_live_in_domain_folders_and_the_registry_follows_them():
    assert not list(QUERIES_DIR.glob("*.sql")), "une requête hors de tout dossier de queries/"
    for member in Query:
        folder, _, stem = member.value.rpartition("/")
        assert folder and stem == member.name.lower(), member
        assert query_path(member).is_file(), f"{member.name} : fichier {member.value}.sql introuvable"


def test_every_query_file_is_a_registry_member_and_only_migrations_are_not():
    shipped = {p.relative_to(QUERIES_DIR).with_suffix("").as_posix()
               for p in QUERIES_DIR.rglob("*.sql") if SCHEMA_DIR not in p.parents}
    assert shipped == {m.value for m in Query}
    assert {p.stem for p in TEST_QUERIES_DIR.glob("*.sql")} == {m.value for m in ProbeQuery}
    assert [path for _, _, path in migrations()] == sorted(SCHEMA_DIR.glob("*.sql"))
    assert not list(SCHEMA_DIR.glob("*/*.sql"))


def test_test_only_queries_are_not_shipped():
    names = {m.name for m in Query}
    assert not names & {m.name for m in ProbeQuery}


def test_a_plain_string_names_a_query_by_value_or_by_stem_and_nothing_else():
    assert query_path("indicators/indicator_series") == query_path("indicator_series") == query_path(
        Query.INDICATOR_SERIES)
    assert query_path(ProbeQuery.VALUE_HISTORY) == TEST_QUERIES_DIR / "value_history.sql"
    for bad in ("value_history", "../queries/schema/001_initial", "SELECT 1"):
        with pytest.raises(ValueError):
            query_path(bad)


# SQL written in Python: only the door's connection settings and transaction control, in levier/store/db.py.
_SQL_LITERAL = re.compile(
    r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|WITH|DROP|ALTER|COPY|ATTACH|PRAGMA|SET|BEGIN|COMMIT|ROLLBACK)\b")


def sql_literals(text: str) -> list[int]:
    """Lines of string constants (docstrings apart) that read as SQL."""
    tree = ast.parse(text)
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                  and n.body and isinstance(n.body[0], ast.Expr) and _is_const_str(n.body[0].value)}
    return [n.lineno for n in ast.walk(tree)
            if _is_const_str(n) and id(n) not in docstrings and _SQL_LITERAL.match(n.value)]


@pytest.mark.parametrize("path", [p for p in SOURCES if p.relative_to(PROJECT_ROOT) != DUCKDB_HOME],
                         ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_no_sql_text_is_written_in_python_outside_the_door(path: Path):
    lines = sql_literals(path.read_text(encoding="utf-8"))
    assert not lines, f"{path.relative_to(PROJECT_ROOT)} : SQL écrit en Python aux lignes {lines} (mettez-le dans queries/)"


def test_sql_literal_check_can_fail():
    assert sql_literals('def f(con):\n    con.execute(Query.A)\n    x = "SELECT * FROM fact"\n') == [3]
    assert not sql_literals('def f():\n    """SELECT is explained here."""\n    return "Sélection"\n')


@pytest.mark.parametrize("text,problem", [
    ("SELECT 1;", "en-tête"),
    ("-- Purpose only.\n-- No parameters.\nSELECT 1;", "une ligne"),
    ("-- Purpose.\n-- One row per x.\nSELECT 1;", "paramètres"),
    ("-- two\nSELECT 1; SELECT 2;", "2 instructions"),
    ("-- it's a comment; with a semicolon\nSELECT 'x'; SELECT 2", "2 instructions"),
    ("-- drop\nSELECT 1; DROP TABLE fact", "2 instructions"),
    ("-- python\nSELECT * FROM fact WHERE x = {dep}", "interpolation"),
    ("-- printf\nSELECT * FROM fact WHERE x = '%s' OR y = %s", "interpolation"),
    ("-- positional\nSELECT * FROM fact WHERE x = ?", "interpolation"),
    ("-- numbered\nSELECT * FROM fact WHERE x = $1", "interpolation"),
])
def test_sql_checks_can_fail(text, problem):
    assert any(problem in p for p in sql_problems(text)), sql_problems(text)


def test_sql_checks_accept_named_parameters_strings_and_comments():
    text = ("-- Purpose.\n-- One row per x. Parameters: $dep.\n"
            "SELECT 'a;b ? {x} %s $1' AS s, {'k': 1} AS st FROM fact /* ; */ WHERE territory_code = $dep -- ;\n;")
    assert not sql_problems(text), sql_problems(text)
