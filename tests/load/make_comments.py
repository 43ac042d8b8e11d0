#!/usr/bin/env python3
"""Generate the participation data set of the load test as SQL (python3, standard library only).

Into a database that holds the load catalogue (tests/load/make_catalogue.py, imported) and the
reader account, it adds:
- 300 participants and 20 verified organisations (each with one of the participants as
  representative), none of whom can sign in;
- one consultation over the whole concept, commenting window open, post-moderation;
- one busy measure with 5,000 comments in threads (1,500 at the top, replies to depth 3) by the
  300 participants, a tenth of them in the name of an organisation;
- 50,000 more comments spread over every measure and field of action;
- supports on a third of the busy measure's comments, 40 of them by the reader, and 3 pending
  comments of the reader on the busy measure (the signed-in page shows both).

Texts are clearly synthetic. Ids are explicit (contributions from 1, people from 1001,
organisations from 1001); the script ends by moving PostgreSQL's sequences past them.

Usage: make_comments.py --backend sqlite|postgres --busy-measure ID --measures IDS --fields IDS
       --reader ID [--seed N]      (SQL on standard output, a summary on standard error)
"""

import argparse
import random
import sys

PEOPLE = 300
ORGS = 20
BUSY = 5000
BUSY_TOP = 1500
SPREAD = 50000
NOW = "2026-12-01 12:00:00"
KINDS = ["migrant_organisation", "welfare_provider", "other_civil_society"]
WORDS = ("Sprachkurse Kita Beratung Nachbarschaft Schule Ausbildung Wohnung Begegnung Ehrenamt "
         "Sportverein Elterncafé Dolmetschen Beteiligung Stadtteil Quartier Arbeitsmarkt Gesundheit "
         "Anerkennung Vielfalt Mehrsprachigkeit").split()


def text(rng, n):
    words = [rng.choice(WORDS) for _ in range(rng.randint(n, n * 3))]
    return "Lasttest: " + " ".join(words) + "."


def quote(s):
    return "'" + s.replace("'", "''") + "'"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--backend", choices=["sqlite", "postgres"], required=True)
    p.add_argument("--busy-measure", type=int, required=True)
    p.add_argument("--measures", required=True, help="comma-separated measure ids")
    p.add_argument("--fields", required=True, help="comma-separated field ids")
    p.add_argument("--reader", type=int, required=True)
    p.add_argument("--seed", type=int, default=20261201)
    a = p.parse_args()
    rng = random.Random(a.seed)
    measures = [int(x) for x in a.measures.split(",")]
    fields = [int(x) for x in a.fields.split(",")]
    out = sys.stdout
    true, false = ("TRUE", "FALSE") if a.backend == "postgres" else ("1", "0")

    def rows(table, columns, values):
        for i in range(0, len(values), 500):
            out.write(f"INSERT INTO {table} ({', '.join(columns)}) VALUES\n")
            out.write(",\n".join("(" + ", ".join(v) + ")" for v in values[i:i + 500]))
            out.write(";\n")

    out.write("BEGIN;\n")
    people = list(range(1001, 1001 + PEOPLE))
    rows("users", ["id", "email", "password_hash", "display_name", "preferred_language", "role",
                   "terms_version", "privacy_version", "email_verified_at", "created_at", "updated_at"],
         [[str(u), quote(f"p{u}@load.test"), "'!'", quote(f"Person {u}"), "'de'", "'participant'",
           "'2026-11'", "'2026-12'", quote(NOW), quote(NOW), quote(NOW)] for u in people])
    orgs = list(range(1001, 1001 + ORGS))
    rows("organisations", ["id", "name", "name_key", "kind", "description", "contact_email", "status",
                           "verified_at", "registered_by", "created_at", "updated_at"],
         [[str(o), quote(f"Lasttest-Verein {o}"), quote(f"lasttest-verein {o}"), quote(KINDS[o % 3]),
           "''", quote(f"verein{o}@load.test"), "'verified'", quote(NOW), str(people[i]), quote(NOW),
           quote(NOW)] for i, o in enumerate(orgs)])
    rows("organisation_members", ["organisation_id", "user_id", "role", "joined_at"],
         [[str(o), str(people[i]), "'representative'", quote(NOW)] for i, o in enumerate(orgs)])
    out.write("INSERT INTO consultations (id, title, description, whole_concept, comment_opens_at, "
              "comment_closes_at, moderation, points_budget, max_points_per_option, option_kind, "
              "results_visibility, created_at, updated_at) VALUES (1001, 'Lasttest-Runde', '', "
              f"{true}, '2026-01-01 00:00:00', '2099-01-01 00:00:00', 'post', 10, 5, 'fields', "
              f"'after_close', {quote(NOW)}, {quote(NOW)});\n")

    columns = ["id", "kind", "consultation_id", "target_type", "target_id", "parent_id", "depth",
               "author_id", "organisation_id", "author_group", "body", "state", "hidden_by_flags",
               "support_count", "reply_count", "created_at", "updated_at"]
    contributions = []
    supports = []
    replies = {}

    def add(target_type, target_id, parent, depth, author, org, body, state="visible"):
        cid = len(contributions) + 1
        group = KINDS[org % 3] if org else "citizen"
        contributions.append({
            "id": cid, "target_type": target_type, "target_id": target_id, "parent": parent,
            "depth": depth, "author": author, "org": org, "group": group, "body": body,
            "state": state, "supports": 0})
        if parent:
            replies[parent] = replies.get(parent, 0) + 1
        return cid

    # The busy measure: top-level comments, then replies to random earlier comments.
    by_depth = {0: [], 1: [], 2: [], 3: []}
    for n in range(BUSY):
        i = rng.randrange(PEOPLE)
        org = orgs[i] if i < ORGS and rng.random() < 0.5 else None
        if n < BUSY_TOP:
            cid = add("measure", a.busy_measure, None, 0, people[i], org, text(rng, 15))
            by_depth[0].append(cid)
        else:
            depth = rng.choice([1, 1, 1, 2, 2, 3])
            candidates = by_depth[depth - 1] or by_depth[0]
            parent = rng.choice(candidates)
            d = contributions[parent - 1]["depth"] + 1
            cid = add("measure", a.busy_measure, parent, d, people[i], org, text(rng, 10))
            by_depth[d].append(cid)
    for n in range(3):
        add("measure", a.busy_measure, None, 0, a.reader, None, text(rng, 8), state="pending")
    # Supports on a third of the busy measure's comments; the reader supports 40 of them.
    for c in contributions[:BUSY]:
        if rng.random() < 1 / 3:
            for u in rng.sample(people, rng.randint(1, 12)):
                supports.append((c["id"], u))
                c["supports"] += 1
    for c in rng.sample(contributions[:BUSY_TOP], 40):
        supports.append((c["id"], a.reader))
        c["supports"] += 1
    # Spread over the catalogue, top-level and one level of replies.
    targets = [("measure", m) for m in measures if m != a.busy_measure] + [("field", f) for f in fields]
    last_top = {}
    for n in range(SPREAD):
        t = rng.choice(targets)
        i = rng.randrange(PEOPLE)
        if t in last_top and rng.random() < 0.3:
            add(t[0], t[1], last_top[t], 1, people[i], None, text(rng, 10))
        else:
            last_top[t] = add(t[0], t[1], None, 0, people[i], None, text(rng, 15))

    values = []
    for c in contributions:
        values.append([str(c["id"]), "'comment'", "1001", quote(c["target_type"]), str(c["target_id"]),
                       str(c["parent"]) if c["parent"] else "NULL", str(c["depth"]), str(c["author"]),
                       str(c["org"]) if c["org"] else "NULL", quote(c["group"]), quote(c["body"]),
                       quote(c["state"]), false, str(c["supports"]), str(replies.get(c["id"], 0)),
                       quote(NOW), quote(NOW)])
    rows("contributions", columns, values)
    rows("contribution_supports", ["contribution_id", "user_id", "created_at"],
         [[str(c), str(u), quote(NOW)] for c, u in supports])
    if a.backend == "postgres":
        for table in ["users", "organisations", "consultations", "contributions"]:
            out.write(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}));\n")
    out.write("COMMIT;\n")
    out.write("ANALYZE;\n")
    print(f"comments: {len(contributions)} ({BUSY} on measure {a.busy_measure} in threads, "
          f"{BUSY_TOP} at the top; {SPREAD} over {len(targets)} other targets; 3 pending of the reader), "
          f"{len(supports)} supports, {PEOPLE} participants, {ORGS} organisations", file=sys.stderr)


if __name__ == "__main__":
    main()
