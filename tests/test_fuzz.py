"""Bounded fuzzing (a few seconds each): release text mutated from real fixtures never
makes the pipeline fail with anything but a one-line input error; SPARQL texts built from
awkward parts never get a 5xx from the endpoint and never open a connection, SERVICE
included, to a listener on this machine."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.convert import convert
from graph.errors import PolicykgError
from graph.iris import Iris
from graph.lexicon import load_lexicon
from ontology import PK

from .conftest import BASE
from .listener import Listener

GENRE = Path(__file__).parent / "fixtures" / "genre"
SEEDS = sorted(GENRE.glob("*.txt"))[:6]
FUZZ = settings(max_examples=30, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

# --- release text -------------------------------------------------------------------

awkward = st.sampled_from([
    "", "\n", "\n\n", "\r", "\t", "\u00a0", "\u200b", "\u202e", "\x00", "(", ")", "[", "]",
    "1.", "(1)", "・", "○", "Mr.", "U.S.", "—", "…", "2023", "February 30, 2023",
    "held on", "the 0th", "Japan-", "-Japan", "Dialogue", "Date:", "Venue", "both sides",
    "\ufeff", "😀", "Ⅱ", "ﬁ", "é", "İ", "ß",
])


@st.composite
def mutated_release(draw) -> tuple[Path, str]:
    seed = draw(st.sampled_from(SEEDS))
    text = seed.read_text(encoding="utf-8")
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "duplicate", "swap-lines"]))
        if action == "insert":
            text = text[:at] + draw(st.one_of(awkward, st.text(max_size=30))) + text[at:]
        elif action == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 400)):]
        elif action == "duplicate":
            text = text[:at] + text[at: at + draw(st.integers(1, 400))] + text[at:]
        else:
            lines = text.split("\n")
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
    return seed, text


@pytest.fixture(scope="module")
def lexicon():
    return load_lexicon()


@FUZZ
@given(release=mutated_release())
def test_mutated_releases_convert_or_fail_with_an_input_error(tmp_path, lexicon, release):
    seed, text = release
    path = tmp_path / "fuzzed.txt"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    shutil.copy(seed.with_suffix(".meta.yaml"), tmp_path / "fuzzed.meta.yaml")
    try:
        converted = convert(path, lexicon, Iris(BASE))
    except PolicykgError as exc:
        assert str(exc).count("\n") == 0 and "fuzzed" in str(exc)
        return
    assert sum(piece.quads for piece in converted.pieces) > 0


# --- SPARQL over HTTP -----------------------------------------------------------------

@pytest.fixture(scope="module")
def listener():
    made = Listener()
    yield made
    made.close()


@pytest.fixture(scope="module")
def client(bundled_store):
    from server import create_app

    built, _ = bundled_store
    return create_app({"store": str(built.result.path), "page_files": False,
                       "query_timeout": 5}).test_client()


def part(port: int):
    remote = f"<http://127.0.0.1:{port}/sparql>"
    return st.sampled_from([
        "# c\n", "# c\r", "# c\r\n", "#", "\u00a0", "\u3000", "\u2028", "\u200b", " ",
        '"SERVICE"', "'#'", '"""{\n}"""', f"SERVICE {remote} {{ ?s ?p ?o }}",
        f"SERVICE SILENT {remote} {{ ?s ?p ?o }}", "service ?x { ?s ?p ?o }",
        "<http://a\u00a0b#c>", "<x#>", ":service", ":from", "?s ?p ?o .", "{", "}", "(", ")",
        "FILTER(", "OPTIONAL {", "UNION", "GRAPH ?g {", "FROM <http://x/>", "LIMIT 1",
        "pk:Meeting", "a", ";", ".", "\\", "\x00", "INSERT DATA { <a> <b> <c> }",
    ])


@FUZZ
@given(data=st.data())
def test_sparql_from_awkward_parts_gets_no_5xx_and_no_connection(client, listener, data):
    head = data.draw(st.sampled_from(["SELECT * WHERE {", "ASK {", "CONSTRUCT WHERE {",
                                      f"PREFIX : <{PK}> SELECT * {{",
                                      "DESCRIBE ?s WHERE {"]))
    parts = data.draw(st.lists(part(listener.port), max_size=8))
    query = head + " ".join(parts) + " } LIMIT 5"
    answer = client.post("/sparql", data=query.encode("utf-8", "surrogatepass"),
                         content_type="application/sparql-query",
                         headers={"Accept": "application/sparql-results+json, text/turtle"})
    assert answer.status_code < 500, (query, answer.data)
    assert listener.accepted == 0, query
