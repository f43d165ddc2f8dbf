"""Names of the shapes the genre uses beyond "… Act" or "… Strategy": versions, acronyms
joined by a hyphen, two words after "the" with no head word, names joined by "and the",
and people named after a long post."""

from __future__ import annotations

import pytest

from graph.extract import extract
from graph.source import SourceText

HEAD = ("May 3, 2025 Results of the 2nd Japan-Peru ICT Dialogue\n\n"
        "MIC held the 2nd Japan-Peru ICT Dialogue in Lima on May 2, 2025.\n\n")


def named(sentence: str, lexicon) -> set[str]:
    facts = extract(SourceText("n.txt", HEAD + sentence + "\n"), lexicon)
    return {e.label for e in facts.entities if e.id.startswith(("initiative/", "person/"))
            or e.id.startswith("actor/") and not e.curated and "Country" not in e.kinds}


@pytest.mark.parametrize(("sentence", "names"), [
    ("The Japanese side explained Society 5.0 and the Industry 4.0 agenda.",
     {"Society 5.0", "Industry 4.0"}),
    ("The Peruvian side introduced the Data Strategy 2.0 and its plans for Web 3.0.",
     {"Data Strategy 2.0", "Web 3.0"}),
    ("The Japanese side introduced the work of ICT-ISAC and 5G-ACIA.", {"ICT-ISAC", "5G-ACIA"}),
    ("The Peruvian side presented the Lima Innovation Hub and the Digital Agora.",
     {"Lima Innovation Hub", "Digital Agora"}),
    ("The Peruvian side explained the Government Cloud.", {"Government Cloud"}),
    # a later head word inside the first's complement ("… Guidelines for Network …")
    ("The Peruvian side presented the Security Guidelines for Network Operators.",
     {"Security Guidelines for Network Operators"}),
    ("The Peruvian side presented the Andean Data Exchange and the Digital Peru Programme.",
     {"Andean Data Exchange", "Digital Peru Programme"}),
    # two words after "the" that are a region, a group or a band name no thing
    ("Both sides discussed the 700 MHz band in the Amazon Region and the Member States.", set()),
    ("Both sides discussed connectivity along the Panama Canal corridor.", set()),
    ("Both sides discussed supply chains in Central Europe and East Asia.", set()),
    # capitalised phrases of words that name nothing by themselves
    ("Both sides agreed on the Next Steps for the Policy Package and set up a Working Group.",
     set()),
    ("Japan reported to the Steering Committee of the Programme and the High Level Panel.",
     set()),
    ("Japan welcomed the Joint Working Group on Cybersecurity.",
     {"Joint Working Group on Cybersecurity"}),
    # two words after "the" that are the meeting or its record
    ("After the Opening Ceremony, both sides referred to the Joint Statement and the Press "
     "Release.", set()),
    ("Both sides noted the Morning Session and the Technical Level discussions.", set()),
    ("Minister of Transport and Communications of Peru Rosa Quispe explained the plan.",
     {"Rosa Quispe"}),
    # a body named with commas is one name, up to its country; a list of names is not one
    ("The Peruvian side invited the Ministry of Economy, Innovation, Digital Technologies and "
     "Energy of Peru to the next meeting.",
     {"Ministry of Economy, Innovation, Digital Technologies and Energy of Peru"}),
    ("The Ministry of Economy, Japan and the EU welcomed the plan.", {"Ministry of Economy"}),
    # "… and others" after the name is no part of the post or the name
    ("The Peruvian side was represented by Minister of Transport and Communications of Peru "
     "Rosa Quispe and others.", {"Rosa Quispe"}),
])
def test_name_shapes(sentence, names, lexicon):
    assert named(sentence, lexicon) == names


def test_a_known_body_under_its_short_name_is_the_lexicons(lexicon):
    """'Global Partnership on AI' is how releases often write the GPAI: the lexicon's
    actor, not a second one (a store of many releases had both)."""
    facts = extract(SourceText("n.txt", HEAD + "Both sides confirmed their cooperation in "
                               "the Global Partnership on AI.\n"), lexicon)
    ids = {e.id for e in facts.entities}
    assert "actor/gpai" in ids and "actor/global-partnership-on-ai" not in ids


def test_a_dateline_a_bracketed_short_name_and_the_bare_head_name_the_partner(lexicon):
    text = ("June 2, 2026 Outcome of the 2nd Japan-Andean ICT Dialogue\n\n"
            "LIMA, 1 June 2026 — MIC and the Commission of the Andean Community (Andean "
            "Commission) held the 2nd Japan-Andean ICT Dialogue on 30 May at the Commission's "
            "offices.\n\nThe Commission presented its plans. The Andean Commission thanked "
            "MIC.\n")
    facts = extract(SourceText("d.txt", text), lexicon)
    meeting = facts.meetings[0]
    # the dateline's city and the meeting's own day (not the dateline's)
    assert (meeting.place, meeting.date) == ("place/lima", "2026-05-30")
    body = "actor/commission-of-the-andean-community"
    assert [e.id for e in facts.entities if e.id.startswith("actor/") and not e.curated
            and "Country" not in e.kinds] \
        == [body]
    assert "actor/european-commission" not in {e.id for e in facts.entities}
    assert "Andean Commission" in next(e for e in facts.entities if e.id == body).aliases
    assert [s.speakers for s in facts.statements] == [[body], [body]]


def test_a_body_named_of_its_country_is_the_same_body_without_it(lexicon):
    # the country after the last "of": "Ministry of National Economy of Hungary"
    text = ("May 3, 2025 Results\n\nMIC and the Ministry of National Economy of Hungary held "
            "the 2nd Japan-Hungary ICT Dialogue in Budapest on May 2, 2025.\n\n"
            "The Ministry of National Economy presented its plan.\n")
    facts = extract(SourceText("h.txt", text), lexicon)
    body = "actor/ministry-of-national-economy-of-hungary"
    assert [e.id for e in facts.entities if e.id.startswith("actor/ministry")] == [body]
    assert facts.meetings[0].organisers == ["actor/mic", body]
    assert [s.speakers for s in facts.statements] == [[body]]
