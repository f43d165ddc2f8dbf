"""Content negotiation: an Accept header with q-values, or a `format=` override, against
the formats offered for the kind of result a query gives."""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import QueryResultsFormat, RdfFormat


@dataclass(frozen=True)
class Format:
    name: str  # the `format=` value
    media_type: str
    writer: QueryResultsFormat | RdfFormat | None  # None: HTML, rendered by a template
    dataset: bool = False  # a quad format (N-Quads, TriG)
    aliases: tuple[str, ...] = ()  # other `format=` values clients send (SPARQLWrapper's)


SOLUTIONS = (
    Format("json", "application/sparql-results+json", QueryResultsFormat.JSON),
    Format("xml", "application/sparql-results+xml", QueryResultsFormat.XML),
    Format("csv", "text/csv", QueryResultsFormat.CSV),
    Format("tsv", "text/tab-separated-values", QueryResultsFormat.TSV),
)
GRAPHS = (
    Format("ttl", "text/turtle", RdfFormat.TURTLE, aliases=("turtle", "n3")),
    Format("nt", "application/n-triples", RdfFormat.N_TRIPLES, aliases=("ntriples",)),
    # for a graph result, `json` and `xml` mean its JSON-LD and RDF/XML
    Format("jsonld", "application/ld+json", RdfFormat.JSON_LD, aliases=("json-ld", "json")),
    Format("rdfxml", "application/rdf+xml", RdfFormat.RDF_XML,
           aliases=("rdf+xml", "rdf", "xml")),
    Format("nq", "application/n-quads", RdfFormat.N_QUADS, dataset=True,
           aliases=("nquads",)),
    Format("trig", "application/trig", RdfFormat.TRIG, dataset=True),
)
HTML = Format("html", "text/html", None)  # a page for people
# The parameters that override Accept, first first: `output=` is Fuseki's and Virtuoso's
# name for `format=`, and their clients send it.
FORMAT_PARAMETERS = ("format", "output")
DESCRIPTIONS = GRAPHS[:4]  # Turtle, N-Triples, JSON-LD, RDF/XML: what a description comes in
# The file extension of each description format, in `/data/….ttl` and `/ontology.ttl`.
EXTENSIONS = dict(zip(("ttl", "nt", "jsonld", "rdf"), DESCRIPTIONS, strict=True))


def extension(fmt: Format) -> str:
    return next(ext for ext, f in EXTENSIONS.items() if f is fmt)
# Other names clients send for the same types.
ALIASES = {
    "application/json": "application/sparql-results+json",
    "application/xml": "application/sparql-results+xml",
    "text/xml": "application/sparql-results+xml",
    "text/plain": "application/n-triples",
    "application/x-turtle": "text/turtle",
    "application/turtle": "text/turtle",
    "text/n3": "text/turtle",
    "application/json+ld": "application/ld+json",
    "application/xhtml+xml": "text/html",
}


def parse_accept(header: str) -> list[tuple[str, float, int]]:
    """(media range, q, position) for each entry; malformed q counts as 0."""
    entries = []
    for position, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        q = 1.0
        for field in fields[1:]:
            name, _, value = field.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        entries.append((fields[0].lower(), q, position))
    return entries


def _quality(media_type: str, entries: list[tuple[str, float, int]]) -> float:
    """The q of the most specific range matching media_type (RFC 9110 §12.5.1)."""
    best, specificity = 0.0, -1
    kind = media_type.split("/")[0]
    for media_range, q, _ in entries:
        target = ALIASES.get(media_range, media_range)
        if target == media_type:
            level = 2
        elif media_range == f"{kind}/*":
            level = 1
        elif media_range == "*/*":
            level = 0
        else:
            continue
        if level > specificity:
            best, specificity = q, level
    return best


def choose(offered: tuple[Format, ...], accept: str | None, override: str | None = None
           ) -> Format | None:
    """The format to answer with; the first offered when Accept is absent; None → 406."""
    if override:
        wanted = override.lower()
        return next((f for f in offered if wanted in (f.name, f.media_type, *f.aliases)
                     or ALIASES.get(wanted) == f.media_type), None)
    if not accept or not accept.strip():
        return offered[0]
    entries = parse_accept(accept)
    scored = [(_quality(f.media_type, entries), -i, f) for i, f in enumerate(offered)]
    q, _, best = max(scored, key=lambda s: (s[0], s[1]))
    return best if q > 0 else None
