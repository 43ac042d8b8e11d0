"""Generate the statements data set of the load test as SQL (python3, standard library only).

Into a database that holds the load catalogue (tests/load/make_catalogue.py, imported), it adds
100 verified organisations and, for each `--consultation ID:COUNT`, a consultation with COUNT
statements that are answered and published: each on a field of action or one of its measures
(from --measures, as `measure:field` pairs), with a body of about 1,500 characters, the city's
response of about 800, a receipt number without gaps, and publication by name or by kind in
turn; every tenth has a small PDF attachment. Receipt hashes and signatures are placeholders
(the list and the table do not check them).

Usage: make_statements.py --backend sqlite|postgres --measures M:F,... --consultation 3001:2000
       [--consultation 3002:20000] [--seed N]   (SQL on standard output, a summary on stderr)
"""

import argparse
import random
import sys

ORGS = 100
FIRST_ORG = 30001
NOW = "2026-12-01 12:00:00"
KINDS = ["migrant_organisation", "welfare_provider", "other_civil_society"]
WORDS = ("Sprachförderung Kita Schule Ausbildung Beratung Wohnen Teilhabe Quartier Ehrenamt "
         "Gesundheit Arbeit Anerkennung Begegnung Elternarbeit Übergang Vielfalt Zugang").split()
PDF = "%PDF-1.4\n% Anlage zur Stellungnahme\ntrailer << >>\n%%EOF\n"


def quote(s):
    return "'" + s.replace("'", "''") + "'"


def text(rng, chars):
    words = []
    length = 0
    while length < chars:
        w = rng.choice(WORDS)
        words.append(w)
        length += len(w) + 1
    return " ".join(words)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--backend", choices=["sqlite", "postgres"], required=True)
    p.add_argument("--measures", required=True, help="comma-separated measure:field pairs")
    p.add_argument("--consultation", action="append", required=True, help="ID:COUNT")
    p.add_argument("--seed", type=int, default=20261202)
    a = p.parse_args()
    rng = random.Random(a.seed)
    targets = [tuple(int(x) for x in pair.split(":")) for pair in a.measures.split(",")]
    out = sys.stdout
    true = "TRUE" if a.backend == "postgres" else "1"
    blob = ("'\\x" + PDF.encode().hex() + "'") if a.backend == "postgres" else ("X'" + PDF.encode().hex() + "'")

    def rows(table, columns, values):
        for i in range(0, len(values), 500):
            out.write(f"INSERT INTO {table} ({', '.join(columns)}) VALUES\n")
            out.write(",\n".join("(" + ", ".join(v) + ")" for v in values[i:i + 500]))
            out.write(";\n")

    out.write("BEGIN;\n")
    orgs = list(range(FIRST_ORG, FIRST_ORG + ORGS))
    rows("organisations", ["id", "name", "name_key", "kind", "description", "contact_email",
                           "status", "verified_at", "created_at", "updated_at"],
         [[str(o), quote(f"Träger {o}"), quote(f"träger {o}"), quote(KINDS[o % 3]), "''",
           quote(f"t{o}@load.test"), "'verified'", quote(NOW), quote(NOW), quote(NOW)]
          for o in orgs])
    next_id = 1
    summary = []
    for spec in a.consultation:
        cid, count = (int(x) for x in spec.split(":"))
        out.write("INSERT INTO consultations (id, title, description, whole_concept, moderation, "
                  "points_budget, max_points_per_option, option_kind, results_visibility, "
                  f"created_at, updated_at) VALUES ({cid}, 'Lasttest-Stellungnahmen {cid}', '', "
                  f"{true}, 'post', 10, 5, 'measures', 'after_close', {quote(NOW)}, {quote(NOW)});\n")
        statements, responses, attachments = [], [], []
        for seq in range(1, count + 1):
            sid = next_id
            next_id += 1
            org = orgs[sid % ORGS]
            measure, field = rng.choice(targets)
            on_measure = sid % 2 == 0
            target_type, target_id = ("measure", measure) if on_measure else ("field", field)
            statements.append([
                str(sid), str(cid), str(org), quote(target_type), str(target_id), str(field),
                quote(f"Stellungnahme {seq} zu {rng.choice(WORDS)}"), quote(text(rng, 1500)),
                "'answered'", quote("name" if sid % 2 else "kind"), str(seq),
                quote(f"ST-2026-{seq:04d}"), quote(NOW), quote(f"{sid:064x}"), "'placeholder'", "'0000000000000000'",
                quote(f"Träger {org}"), quote(KINDS[org % 3]), quote(NOW), str(sid), "2",
                quote(NOW), quote(NOW)])
            responses.append([str(sid), str(sid), "1", quote(text(rng, 800)), quote(NOW)])
            if sid % 10 == 0:
                attachments.append([str(sid), str(sid), "'anlage.pdf'", str(len(PDF)),
                                    quote(f"{sid:064x}"), blob, quote(NOW)])
        rows("statements", ["id", "consultation_id", "organisation_id", "target_type", "target_id",
                            "field_id", "title", "body", "state", "publish_as", "seq",
                            "receipt_number", "submitted_at", "content_sha256", "signature", "key_id",
                            "organisation_name", "organisation_kind", "answered_at",
                            "published_response_id", "version", "created_at", "updated_at"],
             statements)
        rows("statement_responses", ["id", "statement_id", "version", "body", "written_at"],
             responses)
        rows("statement_attachments", ["id", "statement_id", "filename", "size", "sha256",
                                       "content", "created_at"], attachments)
        out.write(f"INSERT INTO statement_counters (consultation_id, last_seq) VALUES ({cid}, {count});\n")
        summary.append(f"{count} answered statements in consultation {cid} "
                       f"({len(attachments)} with an attachment)")
    if a.backend == "postgres":
        for table in ("organisations", "consultations", "statements", "statement_responses",
                      "statement_attachments"):
            out.write(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                      f"(SELECT max(id) FROM {table}));\n")
    out.write("COMMIT;\n")
    out.write("ANALYZE;\n")
    print("statements: " + "; ".join(summary) + f"; {ORGS} organisations", file=sys.stderr)


if __name__ == "__main__":
    main()
