"""Where a page links a resource: our IRIs to our pages (not to the IRI, which would cost a
303 round trip per click), everything else to itself. Our ontology's terms have w3id.org IRIs,
the same in every deployment; they link to this deployment's documentation of them, so that
pages work offline and show the terms the data was built with."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from ontology import ONTOLOGY_IRI


@dataclass(frozen=True)
class Links:
    base: str  # the store's base IRI ("" for a store of no base)
    root: str = ""  # where the app is mounted (the request's script root)

    def ours(self, iri: str) -> bool:
        return bool(self.base) and (iri.startswith(self.base) or _in_ontology(iri))

    def href(self, iri: str) -> str | None:
        if self.base and _in_ontology(iri):  # a term, a module, a version: /ontology…
            return f"{self.root}/ontology{iri[len(ONTOLOGY_IRI):]}"
        if self.base and iri.startswith(self.base):  # (`ours`, the ontology asked above)
            rest = iri[len(self.base):]
            if rest.startswith("id/"):
                return f"{self.root}/page/{rest[3:]}"
            return f"{self.root}/{rest}"
        return iri if iri.startswith(("http://", "https://")) else None

    def data(self, iri: str, extension: str) -> str:
        """The RDF description of one of our things (`/data/{kind}/{slug}.{ext}`)."""
        rest = iri[len(self.base):].split("#")[0]
        return f"{self.root}/data/{rest.removeprefix('id/')}.{extension}"

    def incoming(self, iri: str, predicate: str) -> str:
        """The page listing everything that links to the thing by one property."""
        return f"{self.href(iri)}?{urlencode({'rel': predicate})}"

    def in_release(self, release: str, start: int, end: int | None) -> str | None:
        """The span in the annotated release view."""
        page = self.href(release)
        return f"{page}{span(start, end)}" if page else None


def span(start: int, end: int | None) -> str:
    """The fragment of a span of a release's text in its annotated view."""
    return f"#t-{start}-{end}"


def _in_ontology(iri: str) -> bool:
    """Whether the IRI is the ontology's, one of its terms (`#…`) or modules (`/…`)."""
    return iri == ONTOLOGY_IRI or iri.startswith((ONTOLOGY_IRI + "#", ONTOLOGY_IRI + "/"))
