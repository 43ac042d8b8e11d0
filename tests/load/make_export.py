"""Generate the data set of the export benchmark as SQL (python3, standard library only).

Into a database that holds the load catalogue (tests/load/make_catalogue.py, imported), it adds
one participant (id 40001) with a session, a consultation (4001) open for comments, and
--comments comments by that participant over the given measures (about 400 characters each),
every fifth of them edited once (an earlier text in contribution_revisions). The participant's
access token (HS256 with --jwt-secret, as the server issues them) goes to --token-out.

Usage: make_export.py --backend sqlite|postgres --measures IDS --jwt-secret S --token-out FILE
       [--comments 50000]   (SQL on standard output, a summary on stderr)
"""

import argparse
import random
import sys
import time

from make_ballots import quote, token

USER = 40001
SESSION = 940001
CONSULTATION = 4001
NOW = "2026-12-01 12:00:00"
WORDS = ("Sprachförderung Kita Schule Ausbildung Beratung Wohnen Teilhabe Quartier Ehrenamt "
         "Gesundheit Arbeit Anerkennung Begegnung Elternarbeit Übergang Vielfalt Zugang").split()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--backend", choices=["sqlite", "postgres"], required=True)
    p.add_argument("--measures", required=True, help="comma-separated measure ids")
    p.add_argument("--jwt-secret", required=True)
    p.add_argument("--token-out", required=True)
    p.add_argument("--comments", type=int, default=50000)
    p.add_argument("--seed", type=int, default=20261203)
    a = p.parse_args()
    rng = random.Random(a.seed)
    measures = [int(x) for x in a.measures.split(",")]
    out = sys.stdout
    true = "TRUE" if a.backend == "postgres" else "1"

    def rows(table, columns, values):
        for i in range(0, len(values), 1000):
            out.write(f"INSERT INTO {table} ({', '.join(columns)}) VALUES\n")
            out.write(",\n".join("(" + ", ".join(v) + ")" for v in values[i:i + 1000]))
            out.write(";\n")

    def text():
        return " ".join(rng.choice(WORDS) for _ in range(40))[:400]

    out.write("BEGIN;\n")
    rows("users", ["id", "email", "password_hash", "display_name", "preferred_language", "role",
                   "terms_version", "privacy_version", "email_verified_at", "created_at", "updated_at"],
         [[str(USER), quote("vielschreiberin@load.test"), "'!'", quote("Vielschreiberin"), "'de'",
           "'participant'", "'2026-11'", "'2026-12'", quote(NOW), quote(NOW), quote(NOW)]])
    out.write("INSERT INTO consultations (id, title, description, whole_concept, comment_opens_at, "
              "comment_closes_at, moderation, points_budget, max_points_per_option, option_kind, "
              "results_visibility, created_at, updated_at) VALUES "
              f"({CONSULTATION}, 'Export-Lasttest', '', {true}, '2026-01-01 00:00:00', "
              f"'2099-01-01 00:00:00', 'post', 10, 5, 'fields', 'after_close', {quote(NOW)}, {quote(NOW)});\n")
    comments, revisions = [], []
    for n in range(a.comments):
        cid = 4_000_001 + n
        comments.append([str(cid), "'comment'", str(CONSULTATION), "'measure'",
                         str(rng.choice(measures)), "0", str(USER), "'citizen'", quote(text()),
                         "'visible'", quote(NOW), quote(NOW)])
        if n % 5 == 0:
            revisions.append([str(4_000_001 + len(revisions)), str(cid), quote(text()), quote(NOW), quote(NOW)])
    rows("contributions", ["id", "kind", "consultation_id", "target_type", "target_id", "depth",
                           "author_id", "author_group", "body", "state", "created_at", "updated_at"],
         comments)
    rows("contribution_revisions", ["id", "contribution_id", "body", "written_at", "replaced_at"],
         revisions)
    rows("sessions", ["id", "user_id", "created_at", "last_used_at", "expires_at"],
         [[str(SESSION), str(USER), quote(NOW), quote(NOW), "'2099-01-01 00:00:00'"]])
    with open(a.token_out, "w") as f:
        f.write(token(a.jwt_secret, USER, SESSION, int(time.time())) + "\n")
    if a.backend == "postgres":
        for table in ("users", "contributions", "contribution_revisions", "sessions", "consultations"):
            out.write(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                      f"(SELECT max(id) FROM {table}));\n")
    out.write("COMMIT;\n")
    out.write("ANALYZE;\n")
    print(f"one participant with {a.comments} comments and {len(revisions)} earlier texts",
          file=sys.stderr)


if __name__ == "__main__":
    main()
