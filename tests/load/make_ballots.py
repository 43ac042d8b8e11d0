#!/usr/bin/env python3
"""Generate the voting data set of the load test as SQL (python3, standard library only).

Into a database that holds the load catalogue (tests/load/make_catalogue.py, imported), it adds:
- VOTERS participants (none can sign in with a password) and 300 verified organisations;
- consultation 2001, whose voting window has closed, with 40 measures on its ballot and
  BALLOTS ballots: one per organisation (counting for its kind), the rest by participants
  (citizens), each giving 1 to 5 options 1 to 5 points within a budget of 10; its tallies and
  counts as the API keeps them (all in shard 0);
- consultation 2002, voting open, same ballot and no ballots yet, and a session for each of the
  first CASTERS participants; their access tokens (HS256 with --jwt-secret, as the server
  issues them) go to --tokens-out, one per line, for the cast benchmark.

Usage: make_ballots.py --backend sqlite|postgres --measures IDS --jwt-secret S --tokens-out FILE
       [--ballots N] [--seed N]          (SQL on standard output, a summary on standard error)
"""

import argparse
import base64
import hashlib
import hmac
import json
import random
import sys
import time

ORGS = 300
CASTERS = 2000
OPTIONS = 40
NOW = "2026-12-01 12:00:00"
KINDS = ["migrant_organisation", "welfare_provider", "other_civil_society"]
FIRST_USER = 200001
FIRST_ORG = 20001


def quote(s):
    return "'" + s.replace("'", "''") + "'"


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(secret, user, session, now):
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = b64(json.dumps({"iss": "beteiligung", "aud": "beteiligung-api", "sub": str(user),
                             "exp": now + 900, "iat": now, "sid": session}).encode())
    signature = hmac.new(secret.encode(), f"{header}.{claims}".encode(), hashlib.sha256).digest()
    return f"{header}.{claims}.{b64(signature)}"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--backend", choices=["sqlite", "postgres"], required=True)
    p.add_argument("--measures", required=True, help="comma-separated measure ids")
    p.add_argument("--jwt-secret", required=True)
    p.add_argument("--tokens-out", required=True)
    p.add_argument("--ballots", type=int, default=100000)
    p.add_argument("--seed", type=int, default=20261201)
    a = p.parse_args()
    rng = random.Random(a.seed)
    options = [int(x) for x in a.measures.split(",")][:OPTIONS]
    out = sys.stdout
    true = "TRUE" if a.backend == "postgres" else "1"
    voters = a.ballots - ORGS

    def rows(table, columns, values):
        for i in range(0, len(values), 1000):
            out.write(f"INSERT INTO {table} ({', '.join(columns)}) VALUES\n")
            out.write(",\n".join("(" + ", ".join(v) + ")" for v in values[i:i + 1000]))
            out.write(";\n")

    out.write("BEGIN;\n")
    people = list(range(FIRST_USER, FIRST_USER + voters))
    rows("users", ["id", "email", "password_hash", "display_name", "preferred_language", "role",
                   "terms_version", "privacy_version", "email_verified_at", "created_at", "updated_at"],
         [[str(u), quote(f"v{u}@load.test"), "'!'", quote(f"Wählende {u}"), "'de'",
           "'participant'", "'2026-11'", "'2026-12'", quote(NOW), quote(NOW), quote(NOW)] for u in people])
    orgs = list(range(FIRST_ORG, FIRST_ORG + ORGS))
    rows("organisations", ["id", "name", "name_key", "kind", "description", "contact_email",
                           "status", "verified_at", "registered_by", "created_at", "updated_at"],
         [[str(o), quote(f"Wahl-Verein {o}"), quote(f"wahl-verein {o}"), quote(KINDS[o % 3]), "''",
           quote(f"wahl{o}@load.test"), "'verified'", quote(NOW), str(people[i]), quote(NOW),
           quote(NOW)] for i, o in enumerate(orgs)])
    for cid, opens, closes in ((2001, "2026-01-01 00:00:00", "2026-06-01 00:00:00"),
                               (2002, "2026-01-01 00:00:00", "2099-01-01 00:00:00")):
        out.write("INSERT INTO consultations (id, title, description, whole_concept, "
                  "vote_opens_at, vote_closes_at, moderation, points_budget, "
                  "max_points_per_option, option_kind, results_visibility, created_at, "
                  f"updated_at) VALUES ({cid}, 'Lasttest-Abstimmung {cid}', '', {true}, "
                  f"'{opens}', '{closes}', 'post', 10, 5, 'measures', 'after_close', "
                  f"{quote(NOW)}, {quote(NOW)});\n")
        rows("consultation_options", ["consultation_id", "item_id", "position"],
             [[str(cid), str(o), str(i)] for i, o in enumerate(options)])

    ballots, allocations = [], []
    tallies, counts = {}, {}
    voters_of = [("organisation", o, KINDS[o % 3]) for o in orgs] + \
                [("person", u, "citizen") for u in people]
    for n, (kind, who, group) in enumerate(voters_of, start=1):
        pseudonym = b64(rng.getrandbits(128).to_bytes(16, "big"))
        user = str(who) if kind == "person" else "NULL"
        org = str(who) if kind == "organisation" else "NULL"
        caster = str(who) if kind == "person" else str(people[(who - FIRST_ORG) % voters])
        ballots.append([str(n), "2001", quote(f"{kind}:{who}"), user, org, quote(group),
                        quote(pseudonym), caster, "1", quote(NOW)])
        left = 10
        for option in rng.sample(options, rng.randint(1, 5)):
            if left == 0:
                break
            points = rng.randint(1, min(5, left))
            left -= points
            allocations.append([str(n), str(option), str(points)])
            t = tallies.setdefault((group, option), [0, 0])
            t[0] += points
            t[1] += 1
        counts[group] = counts.get(group, 0) + 1
    rows("ballots", ["id", "consultation_id", "voter", "user_id", "organisation_id", "voter_group",
                     "pseudonym", "cast_by", "version", "cast_at"], ballots)
    rows("ballot_allocations", ["ballot_id", "option_id", "points"], allocations)
    rows("ballot_tallies", ["consultation_id", "voter_group", "option_id", "shard", "points",
                            "supporters"],
         [["2001", quote(g), str(o), "0", str(p), str(s)] for (g, o), (p, s) in tallies.items()])
    rows("ballot_counts", ["consultation_id", "voter_group", "shard", "ballots"],
         [["2001", quote(g), "0", str(c)] for g, c in counts.items()])

    now = int(time.time())
    casters = people[:CASTERS]
    rows("sessions", ["id", "user_id", "created_at", "last_used_at", "expires_at"],
         [[str(900000 + i), str(u), quote(NOW), quote(NOW), "'2099-01-01 00:00:00'"]
          for i, u in enumerate(casters)])
    with open(a.tokens_out, "w") as f:
        for i, u in enumerate(casters):
            f.write(token(a.jwt_secret, u, 900000 + i, now) + "\n")
    if a.backend == "postgres":
        for table in ("users", "organisations", "ballots", "sessions", "consultations"):
            out.write(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                      f"(SELECT max(id) FROM {table}));\n")
    out.write("COMMIT;\n")
    out.write("ANALYZE;\n")
    print(f"ballots: {len(ballots)} over {len(options)} options in consultation 2001 "
          f"({len(allocations)} allocations; {ORGS} by organisations), {len(casters)} casters "
          f"for consultation 2002", file=sys.stderr)


if __name__ == "__main__":
    main()
