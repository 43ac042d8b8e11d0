"""Generate the data set of the search benchmark as SQL (python3, standard library only).

Into a database that holds the load catalogue (tests/load/make_catalogue.py, imported), it adds
300 participants, a consultation (5001) open for comments and --comments visible comments over
the given measures: German sentences with compounds and umlauts from a vocabulary of common and
rare words (Zipf-like: a few words are in many comments, most in few), every 20th comment in
Turkish and every 25th in Arabic. The rows go straight into `contributions`; the search index is
filled afterwards by `beteiligung search rebuild` (which run.sh times).

Usage: make_search.py --backend sqlite|postgres --measures IDS [--comments 50000]
       (SQL on standard output, a summary on stderr)
"""

import argparse
import random
import sys

from make_ballots import quote

FIRST_USER = 50001
USERS = 300
CONSULTATION = 5001
FIRST_COMMENT = 5_000_001
NOW = "2026-12-01 12:00:00"

GERMAN = ("Sprachförderung Kita Schule Ausbildung Beratung Wohnen Teilhabe Quartier Ehrenamt "
          "Gesundheit Arbeit Anerkennung Begegnung Elternarbeit Übergang Vielfalt Zugang "
          "Integrationskurs Stadtteilzentrum Nachbarschaftshilfe Familienzentrum Jugendarbeit "
          "Willkommenskultur Mehrsprachigkeit Hausaufgabenhilfe Berufsorientierung Frauencafé "
          "Dolmetscherdienst Behördengänge Wohnungssuche Sportverein Begegnungsstätte "
          "Seniorentreff Bibliothek Lesepatenschaft Gemeinschaftsgarten Kulturfest Öffnungszeiten "
          "Straßenfest Fahrradwerkstatt Müttertreff Väterarbeit Schülerhilfe Praktikumsbörse").split()
FILLER = ("wir brauchen mehr für die und im der das mit bitte besser dringend gute Idee "
          "unbedingt auch unsere Kinder Eltern Nachbarn hier Stadt").split()
TURKISH = ("Türkçe dil kursları akşamları da olmalı çocuklar için ücretsiz danışmanlık "
           "mahalle buluşma anne baba okul öğretmen yardım").split()
ARABIC = "نحتاج إلى دروس اللغة العربية للأطفال في الحي مساعدة الواجبات المدرسية الأسر".split()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--backend", choices=["sqlite", "postgres"], required=True)
    p.add_argument("--measures", required=True, help="comma-separated measure ids")
    p.add_argument("--comments", type=int, default=50000)
    p.add_argument("--seed", type=int, default=20261215)
    a = p.parse_args()
    rng = random.Random(a.seed)
    measures = [int(x) for x in a.measures.split(",")]
    out = sys.stdout
    true = "TRUE" if a.backend == "postgres" else "1"
    # Zipf-like weights: the first words of the vocabulary are common, the last ones rare.
    weights = [1.0 / (i + 1) for i in range(len(GERMAN))]

    def rows(table, columns, values):
        for i in range(0, len(values), 1000):
            out.write(f"INSERT INTO {table} ({', '.join(columns)}) VALUES\n")
            out.write(",\n".join("(" + ", ".join(v) + ")" for v in values[i:i + 1000]))
            out.write(";\n")

    def text(n):
        if n % 25 == 0:
            return " ".join(rng.choice(ARABIC) for _ in range(rng.randint(8, 30)))
        if n % 20 == 0:
            return " ".join(rng.choice(TURKISH) for _ in range(rng.randint(8, 30)))
        words = []
        for _ in range(rng.randint(10, 60)):
            if rng.random() < 0.3:
                words.append(rng.choices(GERMAN, weights)[0])
            else:
                words.append(rng.choice(FILLER))
        return " ".join(words) + "."

    out.write("BEGIN;\n")
    rows("users", ["id", "email", "password_hash", "display_name", "preferred_language", "role",
                   "terms_version", "privacy_version", "email_verified_at", "created_at", "updated_at"],
         [[str(FIRST_USER + u), quote(f"sucher{u}@load.test"), "'!'", quote(f"Teilnehmerin {u}"), "'de'",
           "'participant'", "'2026-11'", "'2026-12'", quote(NOW), quote(NOW), quote(NOW)]
          for u in range(USERS)])
    out.write("INSERT INTO consultations (id, title, description, whole_concept, comment_opens_at, "
              "comment_closes_at, moderation, points_budget, max_points_per_option, option_kind, "
              "results_visibility, created_at, updated_at) VALUES "
              f"({CONSULTATION}, 'Such-Lasttest', '', {true}, '2026-01-01 00:00:00', "
              f"'2099-01-01 00:00:00', 'post', 10, 5, 'fields', 'after_close', {quote(NOW)}, {quote(NOW)});\n")
    comments = []
    for n in range(a.comments):
        comments.append([str(FIRST_COMMENT + n), "'comment'", str(CONSULTATION), "'measure'",
                         str(rng.choice(measures)), "0", str(FIRST_USER + rng.randrange(USERS)),
                         "'citizen'", quote(text(n)), "'visible'", quote(NOW), quote(NOW)])
    rows("contributions", ["id", "kind", "consultation_id", "target_type", "target_id", "depth",
                           "author_id", "author_group", "body", "state", "created_at", "updated_at"],
         comments)
    if a.backend == "postgres":
        for table in ("users", "contributions", "consultations"):
            out.write(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                      f"(SELECT max(id) FROM {table}));\n")
    out.write("COMMIT;\n")
    print(f"{USERS} participants with {a.comments} visible comments (every 20th Turkish, every "
          f"25th Arabic)", file=sys.stderr)


if __name__ == "__main__":
    main()
