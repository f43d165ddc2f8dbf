"""What a SPARQL text is (graph/sparql_shape.py), decided from rdflib's parse of it: the
cases of issue 13 where a text scan disagreed with the grammar, every kind of update, the
nesting limit, the row cap's wrapping, a property test that builds queries from parts the
grammar treats subtly, and `policykg query` honouring FROM as the endpoint does."""

from __future__ import annotations

import csv
import io
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyoxigraph import Store

from graph.sparql_shape import (
    NESTING_LIMIT,
    QuerySyntaxError,
    QueryTooDeep,
    Shape,
    capped,
    shape,
    where_opens,
)
from ontology import PK as NAMESPACE

from .listener import Listener
from .test_cli import built

REMOTE = "http://127.0.0.1:9/sparql"
PK = f"PREFIX : <{NAMESPACE}>\n"


def service(text: str) -> bool:
    return shape(text).service


# --- issue 13, items 1 and 2 -------------------------------------------------------------

@pytest.mark.parametrize("text", [
    f"# note\rSELECT * WHERE {{ SERVICE <{REMOTE}> {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ ?s ?p ?o # note\r SERVICE <{REMOTE}> {{ ?s ?p ?o }}\n}}",
    f"SELECT * WHERE {{ ?s ?p ?o # note\r\n SERVICE <{REMOTE}> {{ ?s ?p ?o }} }}",
], ids=["before-the-query", "inside-the-group", "crlf"])
def test_a_comment_ended_by_a_carriage_return_hides_no_service(text):
    assert service(text)


def test_a_comment_ended_by_a_carriage_return_hides_no_from():
    assert shape("# note\rSELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }").dataset
    assert shape("SELECT * # note\rFROM NAMED <http://example.org/g> { ?s ?p ?o }").dataset


@pytest.mark.parametrize("space", ["\u00a0", "\u3000", "\u2028"], ids=["nbsp", "ideographic",
                                                                       "line-separator"])
def test_a_unicode_space_inside_an_iri_before_a_hash_hides_nothing(space):
    iri = f"<http://example.org/a{space}b#x>"
    assert service(f"SELECT * WHERE {{ ?s ?p {iri} . SERVICE <{REMOTE}> {{ ?s ?p ?o }} }}")
    assert shape(f"PREFIX ex: {iri} SELECT * FROM <http://example.org/g> {{ ?s ?p ?o }}"
                 ).dataset


def test_empty_prefix_names_are_names_not_keywords():
    assert shape(PK + "SELECT ?m { ?m a :Meeting OPTIONAL { ?m :from ?x } }") == \
        Shape(form="select", update=False, service=False, dataset=False)
    assert not service(PK + "SELECT ?m { ?m a :Meeting ; :service ?s }")
    assert not service(PK + "SELECT ?m { ?m :SERVICE <x> ; :select ?s ; :insert :load }")


def test_keywords_in_strings_iris_and_comments_are_no_clauses():
    text = ('SELECT ?x WHERE { BIND("SERVICE <http://127.0.0.1:9/> { }" AS ?x) '
            "FILTER(?x != <http://example.org/SERVICE>) "
            "FILTER(?x != '''\nFROM <g> SERVICE <x> { }\r''') } # SERVICE <x> { }")
    assert shape(text) == Shape(form="select", update=False, service=False, dataset=False)


SERVICE_CLAUSE = f"SERVICE <{REMOTE}> {{ ?s ?p ?o }}"


@pytest.mark.parametrize("text", [
    f"SELECT * {{ {SERVICE_CLAUSE} }}",
    f"SELECT * {{ {{ {{ ?a ?b ?c {SERVICE_CLAUSE} }} }} }}",
    f"SELECT * {{ ?s a ?t OPTIONAL {{ {SERVICE_CLAUSE} }} }}",
    f"SELECT * {{ {{ ?s a ?t }} UNION {{ {SERVICE_CLAUSE} }} }}",
    f"SELECT * {{ ?s a ?t MINUS {{ {SERVICE_CLAUSE} }} }}",
    f"SELECT * {{ GRAPH ?g {{ {SERVICE_CLAUSE} }} }}",
    f"SELECT * {{ {{ SELECT ?s WHERE {{ {{ SELECT ?s {{ {SERVICE_CLAUSE} }} }} }} }} }}",
    f"SELECT * {{ ?s a ?t FILTER EXISTS {{ {SERVICE_CLAUSE} }} }}",
    f"SELECT * {{ ?s a ?t FILTER(NOT EXISTS {{ {SERVICE_CLAUSE} }}) }}",
    f"SELECT * {{ ?s a ?t BIND(EXISTS {{ {SERVICE_CLAUSE} }} AS ?e) }}",
    f"SELECT * {{ SERVICE SILENT <{REMOTE}> {{ ?s ?p ?o }} }}",
    f"SELECT * {{ BIND(<{REMOTE}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
    f"select * {{ service silent <{REMOTE}> {{ ?s ?p ?o }} }}",
    f"ASK {{ {SERVICE_CLAUSE} }}",
    f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {SERVICE_CLAUSE} }}",
    f"DESCRIBE ?s WHERE {{ {SERVICE_CLAUSE} }}",
    f"SELECT ?s {{ ?s ?p ?o }} GROUP BY ?s HAVING (EXISTS {{ {SERVICE_CLAUSE} }})",
], ids=["top", "nested-groups", "optional", "union", "minus", "graph", "sub-selects",
        "filter-exists", "not-exists", "bind-exists", "silent", "variable", "lower-case",
        "ask", "construct", "describe", "having"])
def test_service_is_found_wherever_it_stands(text):
    assert service(text)


# --- forms and updates --------------------------------------------------------------------

@pytest.mark.parametrize(("text", "form"), [
    ("SELECT * { ?s ?p ?o }", "select"),
    ("BASE <http://example.org/> PREFIX pk: <x#> ASK { ?s ?p ?o }", "ask"),
    ("CONSTRUCT WHERE { ?s ?p ?o }", "construct"),
    ("DESCRIBE <http://example.org/x>", "describe"),
    ("pReFiX pk: <x#> sElEcT ?s { ?s pk:edition 28 } VALUES ?s { pk:a }", "select"),
])
def test_the_form_of_a_query(text, form):
    kind = shape(text)
    assert (kind.form, kind.update, kind.dataset) == (form, False, False)
    assert kind.graph_result == (form in ("construct", "describe"))


UPDATES = [
    "INSERT DATA { <http://example.org/s> <http://example.org/p> 1 }",
    "DELETE DATA { <http://example.org/s> <http://example.org/p> 1 }",
    "delete where { ?s ?p ?o }",
    "PREFIX ex: <http://example.org/>\ninsert { ex:s ex:p ?o } where { ?s ?p ?o }",
    "WITH <http://example.org/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } USING <http://example.org/g> WHERE { ?s ?p ?o }",
    f"LOAD <{REMOTE}>",
    f"LOAD SILENT <{REMOTE}> INTO GRAPH <http://example.org/g>",
    "CLEAR ALL", "CLEAR SILENT GRAPH <http://example.org/g>", "DROP SILENT ALL",
    "CREATE GRAPH <http://example.org/g>", "COPY DEFAULT TO <http://example.org/g>",
    "MOVE <http://example.org/g> TO DEFAULT", "ADD <http://example.org/g> TO <http://h>",
    "CLEAR NAMED ; CLEAR DEFAULT ;",
    "# a comment\r\nINSERT DATA { <http://example.org/s> <http://example.org/p> '{' }",
]


@pytest.mark.parametrize("text", UPDATES, ids=lambda text: " ".join(text.split()[:2]))
def test_every_kind_of_update_is_an_update(text):
    kind = shape(text)
    assert kind.update and kind.form is None


def test_an_update_with_service_in_its_where_is_seen():
    kind = shape(f"INSERT {{ ?s ?p ?o }} WHERE {{ {SERVICE_CLAUSE} }}")
    assert kind.update and kind.service


@pytest.mark.parametrize("text", [
    "SELECT * { ?s ?p ?o } ; INSERT DATA { <http://example.org/s> <http://example.org/p> 1 }",
    "ASK {} ; CLEAR ALL",
    "",
    "# only a comment",
    "PREFIX ex: <http://example.org/>",
    "SELECT * WHERE { ?x ",
    "SERVICE <http://example.org/> { ?s ?p ?o }",
])
def test_neither_a_query_nor_an_update_is_a_syntax_error(text):
    with pytest.raises(QuerySyntaxError) as raised:
        shape(text)
    message = str(raised.value)
    assert isinstance(raised.value, SyntaxError)  # what the CLI and the engine raise too
    assert message.startswith("error at ") and "\n" not in message


def test_a_syntax_error_is_placed_and_quoted_from_the_text_sent():
    with pytest.raises(QuerySyntaxError, match=r"^error at 2:11: .*found 'WHERE'"):
        shape("SELECT ?x # a comment\r\n    WHERE WHERE { ?x ?p ?o }")


def test_the_longest_match_rule_makes_an_iri_where_an_engine_might_see_less_than():
    """SPARQL 1.1 §19.8 note 3: tokens are matched longest first, so `<?b&&?b>` is an
    IRI: the query is refused, never read two ways."""
    with pytest.raises(QuerySyntaxError):
        shape("SELECT * { BIND(1 AS ?a) BIND(2 AS ?b) FILTER(?a<?b&&?b>?a) }")
    assert shape("SELECT * { BIND(1 AS ?a) BIND(2 AS ?b) FILTER(?a < ?b && ?b > ?a) }")


# --- nesting ------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "SELECT * WHERE " + "{ " * 3000 + "?s ?p ?o " + "} " * 3000,
    "SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }",
    "SELECT * WHERE { ?s ?p " + "[ ?p " * 5000 + "1" + " ]" * 5000 + " }",
    "SELECT * WHERE " + "{" * 100_000,
], ids=["braces", "parentheses", "brackets", "unclosed"])
def test_pathological_nesting_is_refused_fast(text):
    started = time.perf_counter()
    with pytest.raises(QueryTooDeep, match=f"deeper than {NESTING_LIMIT} levels"):
        shape(text)
    assert time.perf_counter() - started < 0.05


@pytest.mark.parametrize("text", [
    "SELECT * " + "{ " * NESTING_LIMIT + "?s ?p ?o " + "} " * NESTING_LIMIT,
    "SELECT * { FILTER(" + "STR(" * (NESTING_LIMIT - 2) + "1" + ")" * (NESTING_LIMIT - 2)
    + ") }",
    "SELECT * { FILTER(" + "(" * (NESTING_LIMIT - 2) + "1" + ")" * (NESTING_LIMIT - 2) + ") }",
    "SELECT * { ?s ?p " + "[ ?p " * (NESTING_LIMIT - 1) + "1" + " ]" * (NESTING_LIMIT - 1)
    + " }",
    "SELECT * " + "{ SELECT * " * (NESTING_LIMIT - 1) + "{ ?s ?p ?o }" + " }"
    * (NESTING_LIMIT - 1),
], ids=["braces", "calls", "parentheses", "brackets", "sub-selects"])
def test_nesting_up_to_the_limit_parses(text):
    assert shape(text).form == "select"


def test_brackets_in_strings_iris_and_comments_are_not_nesting():
    hidden = "{(["
    text = (f'SELECT * WHERE {{ ?s ?p "{hidden * 100}" . ?s ?p <http://x/{"(" * 200}> . '
            f"# {hidden * 100}\r ?s ?p '''{hidden * 100}''' }}")
    assert shape(text).form == "select"


def test_nesting_hidden_from_the_lexer_inside_an_iri_is_refused():
    """`<((…))>` is an IRI to the grammar; an engine reading `<` as "less than" would
    recurse into it, so the parse must refuse it (it does: an IRI after an operand)."""
    with pytest.raises(QuerySyntaxError):
        shape("SELECT * { FILTER(?a<" + "(" * 3000 + "?b" + ")" * 3000 + ">?c) }")


def test_a_parse_too_deep_for_the_parser_is_refused_not_crashed():
    """A long run of triple patterns joined by "." makes rdflib recurse once per "."; past
    its room the RecursionError is caught and answered as QueryTooDeep."""
    text = "SELECT * { " + " ".join(f"?s <p> ?o{i} ." for i in range(3000)) + " }"
    with pytest.raises(QueryTooDeep, match="too complex"):
        shape(text)
    assert shape("SELECT * { " + " ".join(f"?s <p> ?o{i} ." for i in range(300)) + " }")


# --- the row cap --------------------------------------------------------------------------

def test_capped_wraps_the_body_after_the_prologue():
    store = Store()
    text = ("# a comment with SELECT in it\rPREFIX ex: <http://example.org/a#>\n"
            "BASE <http://example.org/>\t# SELECT\n"
            "SELECT ?x WHERE { VALUES ?x { 1 2 3 4 5 } } ORDER BY ?x")
    limited, probe = capped(text, 2)
    assert shape(limited).form == shape(probe).form == "select"
    assert [row["x"].value for row in store.query(limited)] == ["1", "2"]
    assert next(iter(store.query(probe)))["n"].value == "3"


@pytest.mark.parametrize("text", [
    "SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }",
    "ASK { ?s ?p ?o }",
    "CONSTRUCT WHERE { ?s ?p ?o }",
])
def test_capped_leaves_what_a_sub_select_cannot_hold(text):
    assert capped(text, 10) is None


# --- the property: the decision agrees with what was built --------------------------------

IRI_CHARS = st.sampled_from(list("abcXYZ019-._~!$&'()*+,;=:@/") + ["\u00a0", "\u3000",
                                                                  "\u2028", "SERVICE"])
STRING_CHARS = st.sampled_from(list("ab #{}()[]<>'`") + ["SERVICE", "FROM", "\u00a0", '\\"',
                                                         "\\\\", "\\n", "\\u0022", "#>"])
LONG_CHARS = st.sampled_from(list("ab #{}()<>\"\n\r") + ["SERVICE <x> { }", "FROM <g>",
                                                          "\u2028"])
COMMENT_CHARS = st.sampled_from(list("ab #{}()<>\"'`\\") + [" SERVICE <http://x/> { ?s ?p ?o }",
                                                           " FROM <g>", "'''", "\u0085"])
NAMES = st.sampled_from([":from", ":service", ":SERVICE", ":select", ":where", ":Meeting",
                         ":insert", ":load", "pk:from", "ex:a\\#b"])
SPACES = st.sampled_from([" ", "\n", "\r", "\r\n", "\t"])
LINE_ENDS = st.sampled_from(["\n", "\r", "\r\n"])


@st.composite
def spacing(draw) -> str:
    """White space, or a comment ended by \\n, \\r or \\r\\n with keywords in it."""
    if draw(st.booleans()):
        return draw(SPACES)
    body = "".join(draw(st.lists(COMMENT_CHARS, max_size=6)))
    return f" #{body}{draw(LINE_ENDS)}"


@st.composite
def term(draw) -> str:
    kind = draw(st.sampled_from(["var", "iri", "name", "string", "long"]))
    if kind == "var":
        return "?o"
    if kind == "iri":
        path = "".join(draw(st.lists(IRI_CHARS, max_size=6)))
        fragment = "#" + "".join(draw(st.lists(IRI_CHARS, max_size=3))) \
            if draw(st.booleans()) else ""
        return f"<http://example.org/{path}{fragment}>"
    if kind == "name":
        return draw(NAMES)
    if kind == "string":
        return '"' + "".join(draw(st.lists(STRING_CHARS, max_size=6))) + '"'
    return "'''" + "".join(draw(st.lists(LONG_CHARS, max_size=6))) + "'''"


SERVICE_KEYWORDS = st.sampled_from(["SERVICE", "service", "Service"])
WRAPPERS = st.sampled_from(["{}", "OPTIONAL {{ {} }}", "{{ {} }} UNION {{ ?s ?p ?o }}",
                            "MINUS {{ {} }}", "GRAPH ?g {{ {} }}", "FILTER EXISTS {{ {} }}",
                            "{{ SELECT * WHERE {{ {} }} }}", "{{ {{ {} }} }}"])


@st.composite
def queries(draw, remote: str) -> tuple[str, bool, bool]:
    """A valid query built from parts, whether it has a SERVICE clause and whether FROM."""
    sep = spacing()
    patterns = [f"?s{draw(sep)}{draw(NAMES)}{draw(sep)}{draw(term())}{draw(sep)}."
                for _ in range(draw(st.integers(1, 3)))]
    patterns += [f"FILTER(?s != {draw(term())})" for _ in range(draw(st.integers(0, 2)))]
    has_service = draw(st.booleans())
    if has_service:
        target = draw(st.sampled_from([f"<{remote}>", "?svc"]))
        silent = draw(st.sampled_from(["", "SILENT", "silent"]))
        clause = (f"{draw(SERVICE_KEYWORDS)}{draw(sep)}{silent} {target}{draw(sep)}"
                  f"{{ ?s ?p {draw(term())} }}")
        patterns.insert(draw(st.integers(0, len(patterns))), draw(WRAPPERS).format(clause))
    has_from = draw(st.booleans())
    dataset = f"FROM{draw(sep)}<http://example.org/g#x>" if has_from else ""
    text = (f"PREFIX : <{NAMESPACE}>{draw(sep)}"
            f"PREFIX pk: <{NAMESPACE}>{draw(sep)}"
            f"PREFIX ex: <http://example.org/>{draw(sep)}"
            f"SELECT *{draw(sep)}{dataset}{draw(sep)}WHERE {{{draw(sep)}"
            + draw(sep).join(patterns) + f"{draw(sep)}}}{draw(sep)}")
    return text, has_service, has_from


@pytest.fixture(scope="module")
def listener():
    found = Listener()
    yield found
    found.close()


def engine_reads_service(text: str, listener: Listener) -> bool:
    """Whether pyoxigraph, running the text on an empty store, connects to the listener;
    a text it cannot parse raises SyntaxError."""
    before = listener.accepted
    try:
        list(Store().query(text))
    except SyntaxError:
        raise
    except (OSError, RuntimeError, ValueError):
        pass  # the listener hung up (after counting): the service call failed, as expected
    return listener.accepted > before


PROPERTY = settings(max_examples=100, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@PROPERTY
@given(data=st.data())
def test_the_decision_agrees_with_the_parts_the_query_was_built_from(data, listener):
    text, has_service, has_from = data.draw(queries(listener.url))
    kind = shape(text)
    assert (kind.form, kind.service, kind.dataset) == ("select", has_service, has_from)
    # the engine accepts what was built, and never reaches a service that was not
    if not engine_reads_service(text, listener):
        return
    assert has_service


MUTATIONS = st.sampled_from(["#", "\r", "\n", '"', "'", "'''", "<", ">", "{", "}", "\\",
                             "\u00a0", "\\u0023", " SERVICE <REMOTE> { ?s ?p ?o } ", ""])


@PROPERTY
@given(data=st.data())
def test_a_mutated_query_is_refused_or_judged_as_the_engine_reads_it(data, listener):
    text, _, _ = data.draw(queries(listener.url))
    at = data.draw(st.integers(0, len(text)))
    cut = data.draw(st.integers(0, 3))
    text = text[:at] + data.draw(MUTATIONS).replace("REMOTE", listener.url) + text[at + cut:]
    try:
        kind = shape(text)
    except QuerySyntaxError:
        return  # refused before any evaluation
    try:
        reached = engine_reads_service(text, listener)
    except SyntaxError:
        return  # the engine refuses it too
    assert kind.service or not reached


# --- the command line honours FROM, as the endpoint does ----------------------------------

def rows(result) -> list[dict[str, str]]:
    assert result.returncode == 0, result.stderr
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_policykg_query_honours_from_and_from_named(cli):
    built(cli)
    graphs = rows(cli("query", "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?m a pk:Meeting } }",
                      "--format", "csv"))
    assert graphs, "the built store has a graph with a meeting"
    release = graphs[0]["g"]
    count = "SELECT (COUNT(DISTINCT ?m) AS ?n) {} WHERE {{ ?m a pk:Meeting }}"
    union = rows(cli("query", count.format(""), "--format", "csv"))[0]["n"]
    assert int(union) > 0
    assert rows(cli("query", count.format("FROM <urn:policykg:no-such-graph>"),
                    "--format", "csv"))[0]["n"] == "0"
    assert rows(cli("query", count.format(f"# the release\rFROM <{release}>"),
                    "--format", "csv"))[0]["n"] == union
    named = rows(cli("query", "SELECT DISTINCT ?g FROM NAMED <urn:policykg:no-such-graph> "
                              "WHERE { GRAPH ?g { ?s ?p ?o } }", "--format", "csv"))
    assert named == []


def test_policykg_query_refuses_pathological_nesting_in_one_line(cli):
    built(cli)
    result = cli("query", "-", stdin="SELECT * WHERE " + "{ " * 3000 + "?s ?p ?o " + "} " * 3000)
    assert result.returncode == 2
    assert result.stderr.startswith("policykg query: SPARQL syntax error at 1:")
    assert f"deeper than {NESTING_LIMIT}" in result.stderr and result.stderr.count("\n") == 1


@pytest.mark.parametrize("text", [
    "# a comment saying WHERE { is not the clause\nSELECT ?s WHERE { ?s ?p ?o }",
    'SELECT ?s where {?s ?p "WHERE { in a string" }',
    "PREFIX w: <http://x/WHERE>\nSELECT * FROM <http://x/WHERE> WHERE\n  {?s ?p ?o }",
])
def test_where_opens_after_the_where_group_s_brace_whatever_is_around(text):
    """Where serve --engine puts the values it binds (server/remote.py): just inside the
    WHERE group, never in a comment or a string that says WHERE {."""
    at = where_opens(text)
    assert text[:at].rstrip().endswith("{") and text[at:].lstrip().startswith("?s ?p")


def test_where_opens_is_none_without_a_where_keyword():
    assert where_opens("SELECT * { ?s ?p ?o }") is None
