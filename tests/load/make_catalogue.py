#!/usr/bin/env python3
"""Generate a synthetic catalogue file for the load test (python3, standard library only).

The catalogue has the shape and size of a real integration concept, so that the load test
measures realistic response sizes: 19 fields of action (Handlungsfelder) with 400 measures
(Maßnahmen) in total, distributed unevenly (10 to 35 per field), with German-like titles and
descriptions of realistic length (descriptions about 300 to 800 characters) and every
implementation status represented. All texts are clearly synthetic ("Lasttest-Maßnahme 3.12").
The output is deterministic for a given seed.

Usage:
    python3 tests/load/make_catalogue.py [--seed 20240601] [--out catalogue.json]
    beteiligung import catalogue.json        # with SEED_DEMO=false on an empty database

Without --out the JSON goes to standard output; a summary goes to standard error.
"""

import argparse
import json
import random
import sys

FIELDS = 19
MEASURES = 400
MIN_PER_FIELD = 10
MAX_PER_FIELD = 35
STATUSES = ["planned", "in_progress", "implemented", "discontinued"]
STATUS_WEIGHTS = [30, 35, 25, 10]

# Filler vocabulary: German administrative language, recombined into synthetic sentences.
SUBJECTS = [
    "Die Stadtverwaltung", "Das Kommunale Integrationszentrum", "Der Integrationsrat",
    "Die Volkshochschule", "Das Jobcenter", "Der Verband der freien Wohlfahrtspflege",
    "Der Verbund der Migrant*innenorganisationen", "Das Amt für Schule", "Das Sozialamt",
    "Das Quartiersmanagement", "Das Gesundheitsamt", "Die Fachberatung Kindertagesbetreuung",
]
VERBS = [
    "entwickelt gemeinsam mit den Beteiligten", "baut schrittweise aus", "überprüft jährlich",
    "koordiniert stadtweit", "unterstützt verlässlich", "verstetigt dauerhaft",
    "evaluiert in Zusammenarbeit mit der Wissenschaft", "erweitert bedarfsgerecht",
    "vernetzt systematisch", "dokumentiert transparent",
]
OBJECTS = [
    "niedrigschwellige Beratungsangebote in den Stadtteilen",
    "mehrsprachige Informationen zu kommunalen Dienstleistungen",
    "die interkulturelle Öffnung der Verwaltung",
    "Sprachkurse mit begleitender Kinderbetreuung",
    "die Anerkennung ausländischer Berufsabschlüsse",
    "Patenschafts- und Mentoringprogramme für Neuzugewanderte",
    "die Beteiligung von Menschen mit Einwanderungsgeschichte an Gremien",
    "Angebote der politischen Bildung für Jugendliche",
    "den Zugang zu bezahlbarem Wohnraum",
    "die Zusammenarbeit zwischen Schulen und Elternvereinen",
    "Maßnahmen gegen Diskriminierung und Rassismus",
    "die gesundheitliche Versorgung geflüchteter Menschen",
]
CLAUSES = [
    "um bestehende Zugangshürden abzubauen",
    "damit Angebote auch in den Randlagen erreichbar sind",
    "wobei die Erfahrungen der Selbstorganisationen einbezogen werden",
    "sodass die Ergebnisse in den jährlichen Integrationsbericht einfließen",
    "unter Berücksichtigung der Ergebnisse der letzten Bürgerbefragung",
    "in enger Abstimmung mit den Fachausschüssen des Rates",
    "mit dem Ziel, Doppelstrukturen zu vermeiden",
    "soweit die Haushaltsmittel dies zulassen",
]
ACTIONS = [
    "Ausbau", "Verstetigung", "Weiterentwicklung", "Evaluation", "Koordination",
    "Qualitätssicherung", "Modellprojekt", "Bestandsaufnahme",
]
TOPICS = [
    "Sprache und Bildung", "Arbeit und Ausbildung", "Wohnen im Quartier",
    "Gesundheit und Pflege", "Teilhabe und Engagement", "Antidiskriminierung",
    "Kinder, Jugend und Familie", "Sport und Kultur", "Interkulturelle Öffnung",
    "Beratung und Information", "Ankommen in der Stadt", "Ältere Menschen",
]
BODIES = [
    "Kommunales Integrationszentrum", "Amt für Schule", "Sozialamt", "Jobcenter",
    "Amt für Jugend und Familie", "Gesundheitsamt", "Volkshochschule", "Bauamt",
    "Büro für Integrierte Sozialplanung", "Integrationsrat",
]


def sentence(rng):
    return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}, {rng.choice(CLAUSES)}."


def filler(rng, min_chars, max_chars):
    """Whole synthetic sentences, between min_chars and max_chars long (roughly uniform)."""
    target = rng.randint(min_chars, max_chars)
    parts = []
    while sum(len(p) + 1 for p in parts) < target:
        parts.append(sentence(rng))
    text = " ".join(parts)
    if len(text) > max_chars:
        text = text[: max_chars - 1].rsplit(" ", 1)[0] + "…"
    return text


def distribute(rng):
    """19 counts in [10, 35] that add up to 400, uneven, deterministic for the seed."""
    counts = [rng.randint(MIN_PER_FIELD, MAX_PER_FIELD) for _ in range(FIELDS)]
    while sum(counts) != MEASURES:
        i = rng.randrange(FIELDS)
        if sum(counts) > MEASURES and counts[i] > MIN_PER_FIELD:
            counts[i] -= 1
        elif sum(counts) < MEASURES and counts[i] < MAX_PER_FIELD:
            counts[i] += 1
    return counts


def catalogue(seed):
    rng = random.Random(seed)
    counts = distribute(rng)
    fields = []
    status_index = 0
    for number, count in enumerate(counts, start=1):
        measures = []
        for j in range(1, count + 1):
            # The first four measures overall cycle through all statuses, so each is present.
            if status_index < len(STATUSES):
                status = STATUSES[status_index]
                status_index += 1
            else:
                status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
            measure = {
                "code": f"LT-{number}.{j}",
                "title": f"Lasttest-Maßnahme {number}.{j}: {rng.choice(ACTIONS)} – {rng.choice(OBJECTS)}",
                "description": filler(rng, 300, 800),
                "implementation_status": status,
            }
            if rng.random() < 0.8:
                measure["responsible_body"] = rng.choice(BODIES)
            if status != "planned" or rng.random() < 0.3:
                measure["status_note"] = filler(rng, 80, 300)
                measure["status_date"] = f"20{rng.randint(19, 24)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            measures.append(measure)
        fields.append({
            "number": number,
            "title": f"Lasttest-Handlungsfeld {number}: {TOPICS[(number - 1) % len(TOPICS)]}",
            "summary": filler(rng, 300, 900),
            "measures": measures,
        })
    return {
        "format_version": 1,
        "concept": {
            "title": "Lasttest-Integrationskonzept (synthetisch)",
            "vision_title": "Lasttest-Leitbild",
            "decided_on": "2020-01-01",
            "decision_reference": "Lasttest-Drucksache 0000/2020",
            "summary": filler(rng, 600, 1200),
            "vision": [filler(rng, 100, 300) for _ in range(8)],
            "commitments": [filler(rng, 100, 300) for _ in range(6)],
            "priority_goals": [filler(rng, 60, 200) for _ in range(10)],
        },
        "fields": fields,
    }


def translations(data, languages):
    """One translation entry per text of every field and measure and language: the original's
    words in reverse order with a marker, so a translated page is as long as the German one."""
    def fake(text, language):
        return f"[{language}] " + " ".join(reversed(text.split()))
    entries = []
    for language in languages:
        for f in data["fields"]:
            for field in ("title", "summary"):
                if f.get(field):
                    entries.append({"subject": "field", "key": str(f["number"]), "language": language,
                                    "field": field, "text": fake(f[field], language)})
            for m in f["measures"]:
                for field in ("title", "description", "responsible_body", "status_note"):
                    if m.get(field):
                        entries.append({"subject": "measure", "key": m["code"], "language": language,
                                        "field": field, "text": fake(m[field], language)})
    return entries


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=20240601, help="random seed (default 20240601)")
    parser.add_argument("--out", help="output file (default: standard output)")
    parser.add_argument("--translate", default="",
                        help="comma-separated language tags: every field's and measure's texts get a "
                             "(synthetic) translation into each, of the original's length")
    args = parser.parse_args()

    data = catalogue(args.seed)
    languages = [t for t in args.translate.split(",") if t]
    if languages:
        data["translations"] = translations(data, languages)
    text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)

    counts = [len(f["measures"]) for f in data["fields"]]
    statuses = {}
    for f in data["fields"]:
        for m in f["measures"]:
            statuses[m["implementation_status"]] = statuses.get(m["implementation_status"], 0) + 1
    print(
        f"catalogue: {len(counts)} fields, {sum(counts)} measures "
        f"(per field {min(counts)}..{max(counts)}), statuses {statuses}, "
        f"{len(data.get('translations', []))} translated texts ({','.join(languages) or 'none'}), {len(text.encode())} bytes",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
