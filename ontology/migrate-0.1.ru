# Moves a policykg 0.1 store to the stable namespace of 0.2: every IRI {base}ontology#Term
# becomes https://w3id.org/policykg/ontology#Term, in every graph and in any position. The
# 0.1 base is read from the store itself (its VoID void:uriSpace), so the update takes no
# parameter. Afterwards, replace the graph {base}graph/ontology with the 0.2 ontology
# (ontology/policykg.ttl and alignments.ttl); `policykg build` does all of this by
# rebuilding, which is the way when the releases are at hand (docs/model.md).
PREFIX void: <http://rdfs.org/ns/void#>
DELETE { GRAPH ?g { ?s ?p ?o } }
INSERT { GRAPH ?g { ?s2 ?p2 ?o2 } }
WHERE {
  { SELECT ?old WHERE {
      GRAPH ?metadata { ?dataset void:uriSpace ?base }
      BIND (CONCAT(STR(?base), "ontology#") AS ?old)
    } LIMIT 1 }
  GRAPH ?g { ?s ?p ?o }
  FILTER (STRSTARTS(STR(?p), ?old)
          || (isIRI(?s) && STRSTARTS(STR(?s), ?old))
          || (isIRI(?o) && STRSTARTS(STR(?o), ?old)))
  BIND (IF(isIRI(?s) && STRSTARTS(STR(?s), ?old),
           IRI(CONCAT("https://w3id.org/policykg/ontology#", STRAFTER(STR(?s), ?old))), ?s)
        AS ?s2)
  BIND (IF(STRSTARTS(STR(?p), ?old),
           IRI(CONCAT("https://w3id.org/policykg/ontology#", STRAFTER(STR(?p), ?old))), ?p)
        AS ?p2)
  BIND (IF(isIRI(?o) && STRSTARTS(STR(?o), ?old),
           IRI(CONCAT("https://w3id.org/policykg/ontology#", STRAFTER(STR(?o), ?old))), ?o)
        AS ?o2)
}
