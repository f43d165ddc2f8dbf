"""Write synthetic, fictitious Japan-EU ICT Policy Dialogue releases for benchmarks.

Why: policykg has a single real release, which is too little to measure how long a
build takes on a realistic corpus or how the extractor copes with the genre's variation.
This script writes N releases in the real layout (first line "Month D, YYYY Title",
paragraphs separated by blank lines, an intro, numbered topic sections, a Contact block
with TEL/FAX) with varied numbering styles, speaker phrasings, meeting formats, places,
editions, dates, topics, speech-act verbs and named initiatives (strategies, acts, funds,
projects with implementers, summits, forums, consortia; some in force, some proposed),
each with a ``.meta.yaml`` carrying the same keys as the real one.

The output is a pure function of ``(n, seed)`` so that runs are comparable, and editions
are unique per series with dates rising with the edition, so the same meeting never gets
two dates. Only the standard library is used, so it runs without installing the project.

Usage: python bench/generate_releases.py OUTDIR [-n 1000] [--seed 1]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
from collections.abc import Callable
from pathlib import Path

PUBLISHER = "Ministry of Internal Affairs and Communications (MIC), Japan"
SERIES = [
    "Japan-EU ICT Policy Dialogue",
    "Japan-EU Digital Partnership Council Working-Level Meeting",
    "Japan-EU Cyber Policy Dialogue",
    "Japan-EU Data Policy Dialogue",
    "Japan-EU Research and Innovation Dialogue",
    "Japan-EU Telecommunications Regulators' Meeting",
    "Japan-EU Digital Skills Working Group",
]
CITIES = [
    ("Brussels", "Belgium"), ("Tokyo", "Japan"), ("Osaka", "Japan"), ("Kyoto", "Japan"),
    ("Luxembourg", "Luxembourg"), ("Strasbourg", "France"), ("Sapporo", "Japan"),
    ("Helsinki", "Finland"), ("Fukuoka", "Japan"), ("Lisbon", "Portugal"),
    ("Vienna", "Austria"), ("Nagoya", "Japan"), ("Tallinn", "Estonia"), ("Sendai", "Japan"),
]
KNOWN_TOPICS = ["Smart Cities", "Cybersecurity", "AI", "5G and Beyond 5G (6G)",
                "A safe and fair online environment"]
NEW_TOPICS = [
    "Quantum communication", "Data spaces", "Semiconductors", "Digital identity",
    "Submarine cables", "Green ICT", "Satellite communications", "Online platforms",
    "Digital skills", "Research and innovation", "Open RAN", "Cloud services",
    "Trust services", "Spectrum policy", "Internet governance", "Rural broadband",
    "Connected vehicles", "Digital health", "Media literacy", "Digital public services",
]
ADJ = ["Digital", "Secure", "Green", "Trusted", "Open", "Resilient", "Smart", "Connected",
       "Sustainable", "Advanced", "Inclusive", "Quantum", "Next-Generation", "Regional"]
NOUN = ["Network", "Data", "Infrastructure", "Connectivity", "Cloud", "Society", "Innovation",
        "Platform", "Identity", "Spectrum", "Computing", "Services", "Skills", "Markets"]
ACRONYMS = ["ORBIT", "HELIX", "NOVA", "TIDES", "ARGO", "LUMEN", "KITE", "PRISM", "SENTRY",
            "MERIDIAN", "AURORA", "BEACON", "CORAL", "VEGA", "ATLAS", "QUILL", "SOLACE"]
JP_AGENCIES = ["the National Institute of Information and Communications Technology (NICT)",
               "NICT", "the Information-technology Promotion Agency (IPA)",
               "the Japan Science and Technology Agency (JST)"]
EU_AGENCIES = ["the European Union Agency for Cybersecurity (ENISA)",
               "the European Research Executive Agency (REA)",
               "the European Health and Digital Executive Agency (HaDEA)"]
JP_ORGS = ["The Ministry of Internal Affairs and Communications (MIC)", "MIC"]
EU_ORGS = ["the Directorate-General for Communications Networks, Content and Technology "
           "of the European Commission", "DG CONNECT of the European Commission",
           "the European Commission"]
JP_SPEAKERS = ["Japan", "the Japanese side"]
EU_SPEAKERS = ["the EU", "the EU side", "on the EU side, the Commission"]
BOTH_SPEAKERS = ["both sides", "the two sides"]
PHRASES = ["cooperation in international standardisation", "the security of supply chains",
           "interoperability between data spaces", "support for start-ups",
           "the protection of users online", "energy efficiency of networks",
           "joint research calls", "the exchange of experts", "trusted data flows",
           "skills for the digital transition", "the resilience of networks"]
CLAUSES = ["common rules would lower costs for businesses in both markets",
           "early sharing of incident information is essential",
           "open standards help avoid dependence on a single vendor",
           "public trust depends on transparent rules",
           "small firms need simpler procedures to take part in joint projects",
           "research results should reach the market faster"]
ACTIONS = ["continue the exchange of information", "hold an expert workshop next year",
           "report progress at the next meeting", "explore a joint research call",
           "share good practices among regulators"]
INTROS = [
    "The dialogue gives the two administrations a regular occasion to compare their ICT "
    "policies and to look for fields in which joint work is useful.",
    "Officials from both sides reviewed recent developments and discussed how existing "
    "cooperation could be taken further.",
    "The meeting covered current policy questions of shared interest in the digital field.",
]
DIVISIONS = ["Global Strategy Division", "International Policy Division",
             "International Cooperation Division", "Multilateral Economic Affairs Office"]
NUMBERING: list[Callable[[int], str]] = [
    lambda i: f"{i}.",
    lambda i: f"{['i', 'ii', 'iii', 'iv', 'v', 'vi', 'vii'][i - 1]}.",
    lambda i: f"({i})",
    lambda i: f"{i})",
]
VERBS = ["introduced", "explained", "presented", "emphasized", "thanked", "agreed",
         "exchanged views", "expressed agreement with", "pointed out", "voiced the opinion that"]


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def us_date(d: dt.date) -> str:
    return f"{d:%B} {d.day}, {d.year}"


def cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def initiative(rng: random.Random, party: str, when: dt.date, kind: str = "") -> str:
    """A named initiative, sometimes with a status (in force / proposed) or an event."""
    a, n = rng.choice(ADJ), rng.choice(NOUN)
    kind = kind or rng.choice(["strategy", "act", "project", "fund", "event", "consortium",
                               "programme", "in_force", "proposed"])
    if kind == "strategy":
        return f"the {a} {n} Strategy {when.year - rng.randint(0, 1)}"
    if kind == "act":
        return rng.choice([f"the {a} {n} Act", f"the Act on the Promotion of {a} {n}"])
    if kind == "project":
        agency = rng.choice(JP_AGENCIES if party == "JP" else EU_AGENCIES)
        return f"the {rng.choice(ACRONYMS)} project being implemented by {agency}"
    if kind == "fund":
        return f"the {a} {n} Fund"
    if kind == "consortium":
        return f"the {a} {n} Consortium"
    if kind == "programme":
        return f"the {a} {n} Programme"
    if kind == "in_force":
        since = when - dt.timedelta(days=rng.randint(20, 400))
        law = rng.choice(["Act", "Directive", "Regulation"])
        return f"the {a} {n} {law}, which entered into force on {us_date(since)},"
    if kind == "proposed":
        return f"the proposed {a} {n} {rng.choice(['Regulation', 'Act', 'Directive'])}"
    event = f"the {rng.choice(['Japan-EU', 'Global', 'Asia-Europe'])} {a} {n} " \
            f"{rng.choice(['Summit', 'Forum'])}"
    city = rng.choice(CITIES)[0]
    month = dt.date(2000, rng.randint(1, 12), 1).strftime("%B")
    future = [] if kind == "past_event" else [f"{event}, to be held in {city} next {month},"]
    return rng.choice([event, f"{event} held in {city} in {month}", *future])


def statement(rng: random.Random, speakers: dict[str, str], when: dt.date) -> str:
    """One sentence: a speaker, a speech-act verb and its object."""
    verb = rng.choice(VERBS)
    party = "BOTH" if verb in ("agreed", "exchanged views") else rng.choice(["JP", "EU"])
    who = speakers[party] if party != "BOTH" else rng.choice(BOTH_SPEAKERS)
    other = "Japan" if party == "EU" else "the EU"
    if verb in ("introduced", "explained", "presented"):
        obj = initiative(rng, party, when) if rng.random() < 0.75 else \
            f"its approach to {rng.choice(PHRASES)}"
        body = f"{verb} {obj}".rstrip(",")
    elif verb == "emphasized":
        body = f"emphasized the importance of {rng.choice(PHRASES)}"
    elif verb == "thanked":
        event = initiative(rng, party, when, "past_event")
        body = f"thanked {other} for its cooperation during {event}"
    elif verb == "agreed":
        body = f"agreed to {rng.choice(ACTIONS)}"
    elif verb == "exchanged views":
        body = f"exchanged views on {rng.choice(PHRASES)}"
    elif verb == "expressed agreement with":
        body = f"expressed agreement with {other}'s approach to {rng.choice(PHRASES)}"
    else:  # pointed out / voiced the opinion that
        body = f"{verb} {'that ' if verb == 'pointed out' else ''}{rng.choice(CLAUSES)}"
    return f"{who} {body.rstrip(',')}."


def release(rng: random.Random, series: str, edition: int, published: dt.date) -> str:
    held = published - dt.timedelta(days=rng.randint(1, 10))
    city, country = rng.choice(CITIES)
    where = rng.choice([f"in {city}, {country}", f"in person in {city}, {country}",
                        "by web conference", "online by web conference",
                        f"in {city}, {country} (with some participants attending online)",
                        f"in {city}, {country}, with some participants attending online,"])
    name = f"{ordinal(edition)} {series}"
    lines = [f"{us_date(published)} Results of {rng.choice(['', 'the '])}{name}", ""]
    intro = [f"{rng.choice(JP_ORGS)} and {rng.choice(EU_ORGS)} held the {name} {where} "
             f"on {held:%A}, {us_date(held)}."]
    intro += rng.sample(INTROS, rng.randint(1, 2))
    lines += ["\n".join(intro), ""]
    if rng.random() < 0.8:
        lines += [f"Main outcomes of the {name}\nThese topics were taken up at the "
                  f"{ordinal(edition)} meeting.", ""]
    speakers = {"JP": rng.choice(JP_SPEAKERS), "EU": rng.choice(EU_SPEAKERS)}
    number = rng.choice(NUMBERING)
    pool = KNOWN_TOPICS + NEW_TOPICS
    for i, topic in enumerate(rng.sample(pool, rng.randint(3, 7)), start=1):
        sentences = [cap(statement(rng, speakers, published)) for _ in range(rng.randint(1, 4))]
        text = " ".join(sentences)
        if rng.random() < 0.3:
            text += "\nIn addition, " + statement(rng, speakers, published)
        lines += [f"{number(i)} {topic}", "", text, ""]
    lines += ["Contact", ""]
    if rng.random() < 0.5:
        lines += ["For further information about this press release, please use the "
                  "inquiry form on the website\nhttps://example.org/bench/inquiry", ""]
    tel = rng.randint(1000, 9989)
    lines += [f"{rng.choice(DIVISIONS)}, Global Strategy Bureau, MIC", "",
              f"TEL: +81 3 0000 {tel}", "", f"FAX: +81 3 0000 {tel + 10}"]
    return "\n".join(lines) + "\n"


def meta(title: str, published: dt.date, n: int) -> str:
    q = json.dumps  # a JSON string is a valid YAML double-quoted scalar
    return (
        "# Synthetic release written by bench/generate_releases.py. FICTITIOUS.\n"
        f"title: {q(title)}\npublisher: {q(PUBLISHER)}\npublished: {published.isoformat()}\n"
        f"language: en\nsource_url: {q(f'https://example.org/bench/{n}.html')}\n"
        "format_here: plain text (paragraphs separated by blank lines)\n"
        "reuse: >\n  Fictitious synthetic release generated for policykg benchmarks; not a\n"
        "  real press release and not published by MIC or any government.\n"
    )


def generate(outdir: Path, n: int, seed: int) -> None:
    rng = random.Random(seed)
    outdir.mkdir(parents=True, exist_ok=True)
    editions: dict[str, int] = {}
    published = dt.date(1995, 1, 1)
    for i in range(1, n + 1):
        series = rng.choice(SERIES)
        editions[series] = editions.get(series, 0) + 1
        published += dt.timedelta(days=rng.randint(5, 20))
        text = release(rng, series, editions[series], published)
        stem = f"bench-{i:05d}"
        (outdir / f"{stem}.txt").write_text(text, encoding="utf-8")
        title = text.split("\n", 1)[0].split(" ", 3)[3]
        (outdir / f"{stem}.meta.yaml").write_text(meta(title, published, i), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path, help="directory to write the releases into")
    parser.add_argument("-n", type=int, default=1000, help="number of releases (1000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
    args = parser.parse_args(argv)
    if args.n < 0:
        parser.error("-n must be >= 0")
    generate(args.outdir, args.n, args.seed)


if __name__ == "__main__":
    main()
