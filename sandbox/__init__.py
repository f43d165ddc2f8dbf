"""Where the public's SPARQL queries are evaluated: a process confined from the inside
(`confine`) that answers jobs from its server process (`evaluator`). A package of its own,
importing neither Flask nor the server, so that an evaluator starts in ~0.2 s."""
