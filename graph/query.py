"""Running SPARQL on a store the way policykg's users expect, and as the endpoint does: the
union of all graphs as the default graph unless the query names its own dataset (FROM /
FROM NAMED), the store's base IRI as the query's base (a relative IRI such as ``<id/actor/japan>``
names a thing of this store), and our prefixes predeclared."""

from __future__ import annotations

import io
import sys
from pathlib import Path

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Store,
)

from ontology import PK

from .iris import DCTERMS, OA, ORG, OWL, PROV, RDF, RDFS, SCHEMA, SKOS, XSD
from .sparql_shape import shape

KINDS = ["actor", "person", "initiative", "topic", "meeting", "series", "release", "statement",
         "place", "evidence", "mention", "fact", "claim", "agenda-item", "contact", "speech-act",
         "status", "scheme"]
RESULT_FORMATS = {"json": QueryResultsFormat.JSON, "csv": QueryResultsFormat.CSV,
                  "tsv": QueryResultsFormat.TSV, "xml": QueryResultsFormat.XML}
GRAPH_FORMATS = {"ttl": RdfFormat.TURTLE, "nt": RdfFormat.N_TRIPLES}


def prefixes(base: str) -> dict[str, str]:
    """Our prefixes and the reused vocabularies', for queries and Turtle output."""
    ours = {kind.replace("-", ""): f"{base}id/{kind}/" for kind in KINDS}
    return {"pk": PK, **ours, "rdf": RDF, "rdfs": RDFS, "xsd": XSD,
            "owl": OWL, "skos": SKOS, "dcterms": DCTERMS, "prov": PROV, "oa": OA, "org": ORG,
            "schema": SCHEMA}


def run(store: Store, sparql: str, base: str):
    """The query's result; a text that does not parse raises QuerySyntaxError (a
    SyntaxError), one nested too deep QueryTooDeep, before the engine sees it."""
    union = not shape(sparql).dataset  # FROM / FROM NAMED: the query's own dataset
    return store.query(sparql, base_iri=base, prefixes=prefixes(base),
                       use_default_graph_as_union=union)


def read_query(arg: str) -> str:
    """A query given as text, as a file name, or as "-" for standard input."""
    if arg == "-":
        return sys.stdin.read()
    path = Path(arg)
    if arg.endswith(".rq") or (len(arg) < 4096 and "\n" not in arg and path.is_file()):
        return path.read_text(encoding="utf-8")
    return arg


def render(result, fmt: str | None, base: str) -> bytes:
    """Serialise a query result in the requested format (pyoxigraph's writers)."""
    if isinstance(result, QueryTriples):
        fmt = fmt or "ttl"
        if fmt not in GRAPH_FORMATS:
            raise ValueError(f"a graph result can be written as {', '.join(GRAPH_FORMATS)}, "
                             f"not {fmt}")
        return _write(result, GRAPH_FORMATS[fmt])
    fmt = fmt or "table"
    if fmt == "table":
        return _table(result, base).encode()
    if fmt not in RESULT_FORMATS:
        raise ValueError(f"a SELECT/ASK result can be written as table, "
                         f"{', '.join(RESULT_FORMATS)}, not {fmt}")
    return _write(result, RESULT_FORMATS[fmt])


def _write(result, writer) -> bytes:
    out = io.BytesIO()
    result.serialize(out, writer)
    return out.getvalue()


def _short(term, table: dict[str, str]) -> str:
    if term is None:
        return ""
    if isinstance(term, NamedNode):
        for prefix, namespace in table.items():
            if term.value.startswith(namespace) and len(term.value) > len(namespace):
                return f"{prefix}:{term.value[len(namespace):]}"
        return f"<{term.value}>"
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    if isinstance(term, Literal):
        return term.value
    return str(term)


def _table(result, base: str) -> str:
    if isinstance(result, QueryBoolean):
        return f"{'true' if bool(result) else 'false'}\n"
    assert isinstance(result, QuerySolutions)
    table = prefixes(base)
    names = [v.value for v in result.variables]
    rows = [[_short(row[name], table) for name in names] for row in result]
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]
    lines = [" | ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)),
             "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"
