#!/usr/bin/env bash
# Load test of the API with wrk, on SQLite and on PostgreSQL.
#
# For each backend it creates a fresh database, runs `migrate`, imports a synthetic catalogue
# of realistic size (19 fields, 400 measures; tests/load/make_catalogue.py) and runs the chosen
# scenarios, each on its own start of `serve` on a loopback port (so that each scenario's peak
# RSS is its own). Two endpoints are probed:
#   (a) GET /healthz                                  - the HTTP stack alone, no database
#   (b) GET /api/v1/fields/{id}/measures?limit=20     - a catalogue page (field with most measures)
#
# Scenario "read": (a) and (b) with wrk, CONNECTIONS connections each, one after the other.
#   Table 1: req/s, p50, p99 per backend and endpoint; the server's peak RSS (VmHWM) and the
#   ratio catalogue req/s / healthz req/s.
#
# Scenario "signin" - "under a burst of sign-ins, does the rest of the API keep answering fast?"
#   `create-admin` creates a verified account (loadtest@example.org), then on a fresh server:
#   1. no sign-in load: (a), then (b), PROBE_CONNECTIONS connections, DURATION each;
#   2. a wrk run of SIGNIN_CONNECTIONS connections (1 thread) posting valid sign-ins
#      (POST /api/v1/auth/login, tests/load/post.lua) for 2 x DURATION + 6 s; 2 s after its
#      start, (a) and then (b) are probed again exactly as in 1., inside that run.
#   Each sign-in verifies an argon2id hash (19 MiB, t=2) on the blocking pool capped by
#   PASSWORD_HASH_CONCURRENCY, and writes a session row. Table 2: req/s, p50, p99, non-2xx
#   and socket errors of the probes without and with the sign-in load, and of the sign-in
#   endpoint itself (its non-2xx must be 0: every sign-in succeeds); the server's peak RSS
#   before and after the burst (the argon2 memory shows here). The sign-in limits
#   RATE_LIMIT_LOGIN_PER_ADDRESS and RATE_LIMIT_LOGIN_PER_CLIENT are set to their maximum
#   (1000000) for every run of the binary, otherwise the burst would measure 429s.
#
# Scenario "comments" - issue 11's participation read and write paths, on a realistic data set
#   (tests/load/make_comments.py, written straight into the database: 300 participants, 20
#   organisations, one consultation, one busy measure with 5,000 comments in threads and 50,000
#   more over the catalogue). A reader account (a participant with supports and pending
#   comments of its own on the busy measure) signs in once. Measured one after the other on one
#   start of the server, CONNECTIONS connections each:
#   (a) GET /healthz;
#   (c) the first page of the busy measure's comments, anonymously;
#   (d) the same page signed in as the reader (own pending comments and support state);
#   (e) comment writes: COMMENT_WRITERS connections posting new comments as the reader
#       (tests/load/post.lua; RATE_LIMIT_WRITES_PER_ACCOUNT at its maximum);
#   then, on PostgreSQL, `pgbench -N` (COMMENT_WRITERS clients, DURATION, scale 10, in the same
#   database, server stopped). Table 3: req/s, p50, p99, and the ratios (c)/(a), (d)/(a) and
#   (e)/pgbench tps that issue 11 sets (at least 0.3, 0.1 and 0.25); the server's peak RSS.
#
# Scenario "ballots" - issue 12's results and casts (tests/load/make_ballots.py, written straight
#   into the database): a closed vote with VOTE_BALLOTS ballots over 40 options (300 of them by
#   organisations) and an open vote whose 2,000 voters have sessions (tokens minted with the
#   run's key). On one start of the server: the first read of the final results (it hashes the
#   whole export; timed once), then (f) GET results with CONNECTIONS connections, and (g) casts:
#   COMMENT_WRITERS connections each casting as the next voter in turn (tests/load/ballot.lua),
#   on PostgreSQL in CAST_ROUNDS rounds alternating with `pgbench -N` (server idle) for the
#   ratio (g)/pgbench per round and its median (at least 0.5); then, server stopped, the check
#   that nothing was lost or doubled (the acknowledged casts equal the sum of the stored
#   ballots' versions, and the ballots counted in the tallies equal those stored).
#
# Scenario "statements" - issue 13's public list and Abwägungstabelle (tests/load/make_statements.py,
#   written straight into the database): consultation 3001 with STATEMENTS_SMALL (default 2,000)
#   and consultation 3002 with STATEMENTS_LARGE (default 20,000) published statements with
#   responses. On one start of the server: (a) GET /healthz and (h) the first page of 3001's
#   published statements, CONNECTIONS connections each. Then, on a fresh start of the server for
#   each consultation: its XLSX Abwägungstabelle downloaded three times, one after the other
#   (time of each, checked once for its number of rows), and the server's peak RSS before and
#   after; the export streams, so the peak should not grow with the table.
#
# Scenario "translated" - issue 15: the catalogue page of "read" in German and in Turkish (every
#   field and measure of the run's catalogue has a Turkish translation), alternating twice, with
#   and without the catalogue cache; the ratio German req/s / Turkish req/s (at most 1.25).
#
# Scenario "search" - issue 15's search (tests/load/make_search.py, written straight into the
#   database): SEARCH_COMMENTS (default 50,000) visible comments of 300 participants in German,
#   Turkish and Arabic beside the load catalogue; `beteiligung search rebuild` fills the index
#   (timed). On one start of the server: (a) GET /healthz, then (s) a mix of searches
#   (tests/load/search.lua, paths from the list below: common and rare words, prefixes, umlauts
#   with and without dots, Turkish, Arabic, two words, kind and consultation filters, a second
#   page), CONNECTIONS connections. Table: req/s, p50, p99 against issue 15's target of
#   p99 <= 50 ms on both backends.
#
# Raw wrk outputs, server logs and the summary go to tests/load/results/<UTC time>/
# (git-ignored).
#
# Run from anywhere (the real numbers need the release build):
#   tests/load/run.sh
#   BIN=target/debug/beteiligung DURATION=3s BACKENDS=sqlite tests/load/run.sh   # quick check
#   SCENARIOS=signin SIGNIN_CONNECTIONS=100 tests/load/run.sh
#
# Settings (environment):
#   BIN           binary to test (default target/release/beteiligung; built with
#                 `cargo build --release` if that default does not exist yet)
#   BACKENDS      "sqlite postgres" (default), or one of them
#   SCENARIOS     "read signin comments ballots statements export translated search" (default),
#                 or some of them
#   SEARCH_COMMENTS  comments the index of "search" holds besides the catalogue (50000)
#   SEARCH_CONNECTIONS  wrk connections of the search mix, one run each ("4 64"); p99 <= 50 ms
#                 is judged for runs of at most two connections per core
#   STATEMENTS_SMALL, STATEMENTS_LARGE  statements of the two tables of "statements" (2000, 20000)
#   EXPORT_COMMENTS  comments of the participant whose data "export" downloads (50000)
#   VOTE_BALLOTS  ballots in the closed vote of "ballots" (default 100000)
#   CAST_ROUNDS   alternating rounds of casts and pgbench -N in "ballots" on PostgreSQL (default 3)
#   COMMENT_WRITERS  connections writing comments in "comments", and pgbench clients (default 50)
#   PG_ADMIN_URL  PostgreSQL admin connection, loopback only
#                 (default postgres://postgres@127.0.0.1:5432/postgres); the database
#                 beteiligung_load is dropped and created there, and dropped at the end
#   LOAD_BIND     address of the server under test, loopback only (default 127.0.0.1:18080)
#   DURATION      wrk duration per measured endpoint (default 20s; for "signin" whole seconds,
#                 minutes or hours: 20, 20s, 1m, 1h); WARMUP before each (default 2s, 0 = off)
#   CONNECTIONS   wrk connections of "read" (default 64); THREADS wrk threads (default 2)
#   SIGNIN_CONNECTIONS  connections posting sign-ins in "signin" (default 50)
#   PROBE_CONNECTIONS   connections of the /healthz and catalogue probes in "signin", with and
#                 without the sign-in load (default 8; few, so that the sign-ins dominate)
#   WORKERS, DB_POOL_SIZE, DB_POOL_TIMEOUT_SECS, COMMENT_CACHE_TTL_SECS, CATALOGUE_CACHE_TTL_SECS (0 = measure without
#                 the catalogue cache), PASSWORD_HASH_CONCURRENCY (default: cores) reach the
#                 server from the environment when set.
#   LOAD_KEEP=1   keeps the temporary directory (the SQLite database, the seeds) and the
#                 PostgreSQL load database at the end, for a look at the data afterwards
#   A random JWT_SECRET is generated per run and given to every run of the binary.
#
# Needs: python3, wrk (installed with apt-get if missing), psql (for the postgres backend).
# Everything it starts or creates is removed on exit, also on Ctrl-C or an error.
set -Eeuo pipefail
trap 'echo "[load] error: line $LINENO: $BASH_COMMAND failed" >&2' ERR

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

BIN="${BIN:-target/release/beteiligung}"
BACKENDS="${BACKENDS:-sqlite postgres}"
SCENARIOS="${SCENARIOS:-read signin comments ballots statements export translated search}"
SEARCH_COMMENTS="${SEARCH_COMMENTS:-50000}"
SEARCH_CONNECTIONS="${SEARCH_CONNECTIONS:-4 64}"
CORES="$(nproc)"
STATEMENTS_SMALL="${STATEMENTS_SMALL:-2000}"
STATEMENTS_LARGE="${STATEMENTS_LARGE:-20000}"
EXPORT_COMMENTS="${EXPORT_COMMENTS:-50000}"
COMMENT_WRITERS="${COMMENT_WRITERS:-50}"
VOTE_BALLOTS="${VOTE_BALLOTS:-100000}"
CAST_ROUNDS="${CAST_ROUNDS:-3}"
READER_EMAIL="reader@load.test"
PG_ADMIN_URL="${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
PG_LOAD_DB="beteiligung_load"
LOAD_BIND="${LOAD_BIND:-127.0.0.1:18080}"
DURATION="${DURATION:-20s}"
WARMUP="${WARMUP:-2s}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
SIGNIN_CONNECTIONS="${SIGNIN_CONNECTIONS:-50}"
PROBE_CONNECTIONS="${PROBE_CONNECTIONS:-8}"
PAGE_LIMIT=20
# The account of the "signin" scenario (a throwaway database; the password passes the policy).
LOGIN_EMAIL="loadtest@example.org"
LOGIN_PASSWORD="Lasttest Sparrenburg 2026"
# Seconds between the start of the sign-in load and the first probe under it.
SIGNIN_RAMP_SECS=2
# The sign-in limits at their maximum (the server accepts 1 to 1000000).
RATE_LIMIT_MAX=1000000

log() { echo "[load] $*" >&2; }
die() { echo "[load] error: $*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# Checks and preparation
# ---------------------------------------------------------------------------------------------

command -v python3 >/dev/null || die "python3 is required"

# Loopback only: the server under test and the PostgreSQL admin connection.
case "$LOAD_BIND" in
    127.*:*|localhost:*|"[::1]":*) ;;
    *) die "LOAD_BIND must be a loopback address (127.x.x.x:PORT, localhost:PORT, [::1]:PORT), got '$LOAD_BIND'" ;;
esac
BASE="http://$LOAD_BIND"

if [[ " $BACKENDS " == *" postgres "* ]]; then
    command -v psql >/dev/null || die "psql is required for the postgres backend (apt-get install postgresql-client)"
    # The load database's URL: the admin URL with the database name replaced.
    PG_LOAD_URL="$(python3 - "$PG_ADMIN_URL" "$PG_LOAD_DB" <<'PY'
import sys
from urllib.parse import urlsplit, urlunsplit
u = urlsplit(sys.argv[1])
if u.scheme not in ("postgres", "postgresql"):
    sys.exit("PG_ADMIN_URL must start with postgres:// or postgresql://")
if u.hostname not in (None, "", "localhost", "::1") and not u.hostname.startswith("127."):
    sys.exit(f"PG_ADMIN_URL must point to a loopback host, not {u.hostname!r}")
print(urlunsplit(u._replace(path="/" + sys.argv[2])))
PY
)" || die "bad PG_ADMIN_URL"
    psql "$PG_ADMIN_URL" -X -Atqc 'SELECT 1' >/dev/null 2>&1 \
        || die "cannot connect to PostgreSQL at PG_ADMIN_URL=$PG_ADMIN_URL (is it running? e.g. pg_ctlcluster --skip-systemctl-redirect 15 main start)"
fi

for backend in $BACKENDS; do
    case "$backend" in sqlite|postgres) ;; *) die "unknown backend '$backend' (sqlite, postgres)" ;; esac
done
[[ -n "${SCENARIOS// /}" ]] || die "SCENARIOS is empty (read, signin, comments, ballots, statements, export, translated, search)"
for scenario in $SCENARIOS; do
    case "$scenario" in read|signin|comments|ballots|statements|export|translated|search) ;; *) die "unknown scenario '$scenario' (read, signin, comments, ballots, statements, export, translated, search)" ;; esac
done
has_scenario() { [[ " $SCENARIOS " == *" $1 "* ]]; }

for setting in CONNECTIONS THREADS SIGNIN_CONNECTIONS PROBE_CONNECTIONS COMMENT_WRITERS VOTE_BALLOTS STATEMENTS_SMALL STATEMENTS_LARGE; do
    [[ "${!setting}" =~ ^[1-9][0-9]*$ ]] || die "$setting must be a positive whole number, got '${!setting}'"
done

# Whole seconds of a wrk duration (20, 20s, 2m, 1h).
duration_secs() {
    local d="$1"
    [[ "$d" =~ ^([0-9]+)(s|m|h)?$ ]] || return 1
    case "${BASH_REMATCH[2]}" in
        ""|s) echo "$((10#${BASH_REMATCH[1]}))" ;;
        m) echo "$((10#${BASH_REMATCH[1]} * 60))" ;;
        h) echo "$((10#${BASH_REMATCH[1]} * 3600))" ;;
    esac
}
[[ "$CAST_ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "CAST_ROUNDS must be a whole number of at least 1, got '$CAST_ROUNDS'"
if has_scenario signin || has_scenario comments || has_scenario ballots; then
    DURATION_SECS="$(duration_secs "$DURATION")" \
        || die "DURATION must be whole seconds, minutes or hours for the signin, comments and ballots scenarios (20, 20s, 1m), got '$DURATION'"
fi
if has_scenario signin; then
    [[ "$DURATION_SECS" -ge 1 ]] || die "DURATION must be at least 1s"
    # The sign-in load outlasts both probes: ramp-up, two probes, and a margin for wrk's start
    # and stop around each probe.
    SIGNIN_SECS=$((2 * DURATION_SECS + 6))
    # The probes under load use the same wrk threads as without it; wrk needs threads <= connections.
    PROBE_THREADS=$((THREADS < PROBE_CONNECTIONS ? THREADS : PROBE_CONNECTIONS))
fi

# The binary; build the release binary only when the default is asked for and missing.
if [[ ! -x "$BIN" ]]; then
    if [[ "$BIN" == "target/release/beteiligung" ]]; then
        log "building the release binary (cargo build --release)"
        cargo build --release --locked
    else
        die "BIN=$BIN does not exist"
    fi
fi
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
case "$BIN" in
    */release/*) PROFILE="release" ;;
    */debug/*) PROFILE="debug (NOT representative: use the release build for real numbers)" ;;
    *) PROFILE="unknown" ;;
esac

# wrk: install from Debian if missing; refresh the package lists only if that fails.
if ! command -v wrk >/dev/null; then
    SUDO=""
    [[ $(id -u) -eq 0 ]] || SUDO="sudo"
    log "installing wrk"
    if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q wrk >/dev/null; then
        $SUDO apt-get update -q >/dev/null
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q wrk >/dev/null
    fi
fi

STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
RESULTS="$ROOT/tests/load/results/$STAMP"
mkdir -p "$RESULTS"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/beteiligung-load.XXXXXX")"

# One random token signing key per run, the same for every run of the binary (required with
# PostgreSQL; on SQLite it keeps the binary from writing a key file). Never written to results.
LOAD_JWT_SECRET="$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
[[ ${#LOAD_JWT_SECRET} -eq 64 ]] || die "could not generate JWT_SECRET"
# Likewise the receipt key of statements (the base64 of 32 random bytes).
LOAD_RECEIPT_KEY="$(head -c 32 /dev/urandom | base64)"
[[ ${#LOAD_RECEIPT_KEY} -eq 44 ]] || die "could not generate RECEIPT_SIGNING_KEY"
LOAD_ERASURE_KEY="$(head -c 32 /dev/urandom | base64)"
[[ ${#LOAD_ERASURE_KEY} -eq 44 ]] || die "could not generate ERASURE_KEY"

# ---------------------------------------------------------------------------------------------
# Clean-up: stop the server, drop the PostgreSQL database, remove temporary files
# ---------------------------------------------------------------------------------------------

SERVER_PID=""
SIGNIN_PID=""
PG_CREATED=0

# The background wrk of the sign-in load (bounded by its duration anyway).
stop_signin() {
    [[ -n "$SIGNIN_PID" ]] || return 0
    kill -TERM "$SIGNIN_PID" 2>/dev/null || true
    wait "$SIGNIN_PID" 2>/dev/null || true
    SIGNIN_PID=""
}

stop_server() {
    [[ -n "$SERVER_PID" ]] || return 0
    if kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        # Graceful shutdown is quick once wrk's connections are gone; give it 35 s at most.
        for _ in $(seq 1 70); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.5
        done
        if kill -0 "$SERVER_PID" 2>/dev/null; then
            log "server did not stop on SIGTERM, killing it"
            kill -KILL "$SERVER_PID" 2>/dev/null || true
        fi
    fi
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

pg_admin() {
    PGOPTIONS="-c client_min_messages=warning" psql "$PG_ADMIN_URL" -X -q -v ON_ERROR_STOP=1 -c "$1" >/dev/null
}

drop_pg() {
    pg_admin "DROP DATABASE IF EXISTS $PG_LOAD_DB WITH (FORCE)" || log "could not drop $PG_LOAD_DB"
    PG_CREATED=0
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_signin
    stop_server
    if [[ "${LOAD_KEEP:-}" == 1 ]]; then
        log "LOAD_KEEP=1: kept $TMP and, on PostgreSQL, the database $PG_LOAD_DB"
    else
        if [[ "$PG_CREATED" == 1 ]]; then drop_pg; fi
        rm -rf "$TMP"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

# Runs the binary with a clean, explicit configuration; call it in a subshell, `( run_bin … )`.
# Every subcommand (migrate, import, create-admin, serve) gets the same environment.
# The working directory is the temporary directory so that a developer's .env in the repository
# is not read.
# `exec` keeps the pid of a background run the server's own (for /proc/PID/status and SIGTERM).
# One-shot subcommands (migrate, import, create-admin) get 120 s at most.
run_bin() {
    local limit=()
    case "$1" in
        serve) ;;
        search) limit=(timeout 1800) ;;  # a rebuild of the whole index
        *) limit=(timeout 120) ;;
    esac
    cd "$TMP" && exec "${limit[@]}" env DATABASE_URL="$DB_URL" SEED_DEMO=false RUST_LOG=warn \
        LOG_FORMAT=text BIND="$LOAD_BIND" JWT_SECRET="$LOAD_JWT_SECRET" MAIL_LOG=true \
        RECEIPT_SIGNING_KEY="$LOAD_RECEIPT_KEY" ERASURE_KEY="$LOAD_ERASURE_KEY" \
        RATE_LIMIT_LOGIN_PER_ADDRESS="$RATE_LIMIT_MAX" RATE_LIMIT_LOGIN_PER_CLIENT="$RATE_LIMIT_MAX" \
        RATE_LIMIT_WRITES_PER_ACCOUNT="$RATE_LIMIT_MAX" "$BIN" "$@"
}

# HTTP status of a GET request (000 when nothing answers).
http_status() {
    python3 - "$1" <<'PY'
import sys, urllib.request, urllib.error
try:
    with urllib.request.urlopen(sys.argv[1], timeout=5) as r:
        print(r.status)
except urllib.error.HTTPError as e:
    print(e.code)
except Exception:
    print("000")
PY
}

# Parses a wrk --latency output: prints "req/s p50_ms p99_ms non2xx socket_errors".
parse_wrk() {
    python3 - "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def ms(value, unit):
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]
def pct(p):
    m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
    if not m:
        sys.exit(f"no {p}% latency in {sys.argv[1]}")
    return ms(*m.groups())
rps = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
if not rps:
    sys.exit(f"no Requests/sec in {sys.argv[1]}")
non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
errors = sum(int(x) for x in sock.groups()) if sock else 0
print(f"{float(rps.group(1)):.0f} {pct(50):.2f} {pct(99):.2f} {non2xx.group(1) if non2xx else 0} {errors}")
PY
}

# The JSON body of a sign-in of the load-test account.
login_body() {
    LOGIN_EMAIL="$LOGIN_EMAIL" LOGIN_PASSWORD="$LOGIN_PASSWORD" python3 -c \
        'import json, os; print(json.dumps({"email": os.environ["LOGIN_EMAIL"], "password": os.environ["LOGIN_PASSWORD"]}))'
}

# One sign-in with python: the account exists and the password is accepted (200 with tokens).
check_login() {
    LOGIN_EMAIL="$LOGIN_EMAIL" LOGIN_PASSWORD="$LOGIN_PASSWORD" python3 - "$1" <<'PY'
import json, os, sys, urllib.request, urllib.error
body = json.dumps({"email": os.environ["LOGIN_EMAIL"], "password": os.environ["LOGIN_PASSWORD"]}).encode()
req = urllib.request.Request(sys.argv[1], data=body, method="POST",
                             headers={"Content-Type": "application/json", "Accept": "application/json"})
try:
    with urllib.request.urlopen(req, timeout=60) as r:
        tokens = json.load(r)
except urllib.error.HTTPError as e:
    sys.exit(f"sign-in answered {e.code}: {e.read()[:500]!r}")
if not tokens.get("access_token") or not tokens.get("refresh_token"):
    sys.exit(f"sign-in answered without tokens: {sorted(tokens)}")
PY
}

# Peak resident memory (VmHWM) of the running server so far; its current one (VmRSS).
server_hwm() {
    awk '/^VmHWM:/ {printf "%.1f MiB", $2/1024}' "/proc/$SERVER_PID/status"
}
server_rss() {
    awk '/^VmRSS:/ {printf "%.1f MiB", $2/1024}' "/proc/$SERVER_PID/status"
}
# The same peak as a number of MiB, for the memory table.
server_hwm_mib() {
    awk '/^VmHWM:/ {printf "%.1f", $2/1024}' "/proc/$SERVER_PID/status"
}

# A over B with two decimals ("-" when B is 0): throughput relative to /healthz, or to pgbench.
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) printf "-"; else if (a / b >= 0.1) printf "%.2f", a / b; else printf "%.2g", a / b }'
}

# A row of the targets table, and a warning when it is missed:
# `target BACKEND ISSUE WHAT VALUE OP LIMIT [UNIT]` with OP ">=" or "<=".
target() {
    local verdict
    verdict="$(awk -v v="$4" -v op="$5" -v l="$6" 'BEGIN { ok = (op == ">=") ? (v + 0 >= l + 0) : (v + 0 <= l + 0); print (v != "-" && ok) ? "met" : "MISSED" }')"
    TARGET_ROWS+=("| $1 | $2 | $3 | $4${7:+ $7} | $5 $6${7:+ $7} | $verdict |")
    [[ "$verdict" == met ]] || WARNINGS+=("$1: $3 is $4${7:+ $7}, the target is $5 $6${7:+ $7}")
}

# A row of the memory table: `memory BACKEND SCENARIO WHEN [LIMIT_MIB ISSUE]`, with the
# server's peak RSS so far; with a limit, also a row of the targets table.
memory() {
    local hwm
    hwm="$(server_hwm_mib)"
    MEMORY_ROWS+=("| $1 | $2 | $3 | $hwm MiB | ${4:+at most $4 MiB} |")
    if [[ -n "${4:-}" ]]; then
        target "$1" "$5" "peak RSS, $2 ($3)" "$hwm" "<=" "$4" MiB
    fi
}

# /healthz on the running server, CONNECTIONS connections, as the reference of this server
# run's throughput (sets H_RPS); `healthz BACKEND SCENARIO` (output $RESULTS/BACKEND-SCENARIO-healthz.txt).
healthz() {
    warm_up /healthz
    log "wrk $DURATION, $CONNECTIONS connections, $THREADS threads: GET /healthz (reference of $2)"
    measure "$RESULTS/$1-$2-healthz.txt" "$1 $2 /healthz" -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "$BASE/healthz"
    H_RPS="$W_RPS"
}

# Runs wrk --latency with the given arguments into the file $1 (for warnings, $2 names the
# measurement) and parses it into W_RPS W_P50 W_P99 W_NON2XX W_ERRORS.
measure() {
    local out="$1" what="$2" parsed
    shift 2
    kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited (see $SERVER_LOG)"
    wrk --latency "$@" >"$out"
    parsed="$(parse_wrk "$out")"
    read -r W_RPS W_P50 W_P99 W_NON2XX W_ERRORS <<<"$parsed"
    [[ "$W_NON2XX" == 0 ]] || WARNINGS+=("$what: $W_NON2XX responses were not 2xx/3xx (see ${out#"$ROOT"/})")
    [[ "$W_ERRORS" == 0 ]] || WARNINGS+=("$what: $W_ERRORS socket errors/timeouts (see ${out#"$ROOT"/})")
}

warm_up() {
    if [[ "$WARMUP" != 0 && "$WARMUP" != 0s ]]; then
        wrk -t1 -c4 -d"$WARMUP" "$BASE$1" >/dev/null
    fi
}

# Writes a scenario's data set straight into the database: `seed BACKEND NAME GENERATOR ARGS...`
# runs the generator (SQL on stdout, a summary on stderr: kept in SEED_INFO and logged), applies
# the SQL and logs how long that took.
seed() {
    local backend="$1" name="$2"
    shift 2
    local sql="$TMP/$name-$backend.sql" seeded
    python3 "$@" >"$sql" 2>"$TMP/$name.txt"
    SEED_INFO="$(cat "$TMP/$name.txt")"
    log "$SEED_INFO"
    seeded="$EPOCHREALTIME"
    db_apply "$backend" "$sql"
    log "loaded in $(awk -v a="$seeded" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }') s"
}

# pgbench's tables (scale 10) in the load database; `pgbench_init LABEL` (the output goes to
# $RESULTS/postgres-LABEL-pgbench-init.txt).
pgbench_init() {
    local out="$RESULTS/postgres-$1-pgbench-init.txt"
    command -v pgbench >/dev/null || die "pgbench is required for the $1 scenario on PostgreSQL (postgresql-contrib)"
    pgbench -i -s 10 -q "$PG_LOAD_URL" >"$out" 2>&1 || { cat "$out" >&2; die "pgbench -i failed"; }
}

# One `pgbench -N` run of COMMENT_WRITERS clients for DURATION; sets PG_TPS. `pgbench_run FILE`.
pgbench_run() {
    pgbench -N -c "$COMMENT_WRITERS" -j "$THREADS" -T "$DURATION_SECS" "$PG_LOAD_URL" >"$1" 2>&1 \
        || { cat "$1" >&2; die "pgbench failed"; }
    PG_TPS="$(awk '/^tps = / { printf "%.0f", $3; exit }' "$1")"
}

ROWS=()
SIGNIN_ROWS=()
COMMENT_ROWS=()
BALLOT_ROWS=()
STATEMENT_ROWS=()
EXPORT_ROWS=()
DATA_EXPORT_ROWS=()
TRANSLATED_ROWS=()
TRANSLATED_RATIOS=()
SEARCH_ROWS=()
MEMORY_ROWS=()
TARGET_ROWS=()
NOTES=()
WARNINGS=()

# Issue 16's bounds on a node's peak resident memory (VmHWM, MiB): under the full read load
# ("read"), and during the burst of sign-ins ("signin").
RSS_LIMIT_READ=50
RSS_LIMIT_SIGNIN=64

# ---------------------------------------------------------------------------------------------
# The test data
# ---------------------------------------------------------------------------------------------

CATALOGUE="$TMP/catalogue.json"
python3 "$ROOT/tests/load/make_catalogue.py" --translate tr --out "$CATALOGUE" 2>"$TMP/catalogue.txt"
CATALOGUE_INFO="$(cat "$TMP/catalogue.txt")"
log "$CATALOGUE_INFO"

# ---------------------------------------------------------------------------------------------
# One server run
# ---------------------------------------------------------------------------------------------

# Starts `serve` (log: $RESULTS/<$1>-server.log) and waits for /readyz (30 s at most).
start_server() {
    SERVER_LOG="$RESULTS/$1-server.log"
    if [[ "$(http_status "$BASE/healthz")" != "000" ]]; then
        die "something already listens on $LOAD_BIND; choose another LOAD_BIND"
    fi
    ( run_bin serve ) >"$SERVER_LOG" 2>&1 &
    SERVER_PID=$!
    local ready=0
    for _ in $(seq 1 60); do
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$SERVER_LOG" >&2; die "the server exited"; }
        if [[ "$(http_status "$BASE/readyz")" == "200" ]]; then ready=1; break; fi
        sleep 0.5
    done
    [[ "$ready" == 1 ]] || die "the server was not ready after 30 s"
}

# Sets MEASURES_PATH and MEASURES_LABEL: a page of the field with the most measures (the same
# for every run on one backend; noted once).
find_page() {
    local backend="$1" field field_id field_measures field_count page_bytes
    field="$(python3 - "$BASE/api/v1/fields?limit=100" <<'PY'
import json, sys, urllib.request
items = json.load(urllib.request.urlopen(sys.argv[1], timeout=10))["items"]
best = max(items, key=lambda f: f["measure_count"])
print(best["id"], best["measure_count"], len(items))
PY
)"
    read -r field_id field_measures field_count <<<"$field"
    MEASURES_PATH="/api/v1/fields/$field_id/measures?limit=$PAGE_LIMIT"
    MEASURES_LABEL="GET /api/v1/fields/{id}/measures?limit=$PAGE_LIMIT"
    page_bytes="$(python3 - "$BASE$MEASURES_PATH" "$PAGE_LIMIT" <<'PY'
import json, sys, urllib.request
body = urllib.request.urlopen(sys.argv[1], timeout=10).read()
items = json.loads(body)["items"]
if len(items) != int(sys.argv[2]):
    sys.exit(f"expected {sys.argv[2]} measures on the page, got {len(items)}")
print(len(body))
PY
)"
    if [[ "$PAGE_NOTED" != "$backend" ]]; then
        NOTES+=("$backend: $field_count fields loaded; measures endpoint uses field id $field_id ($field_measures measures), page of $PAGE_LIMIT = $page_bytes bytes of JSON")
        PAGE_NOTED="$backend"
    fi
}
PAGE_NOTED=""

# The endpoint of a probe: healthz or measures.
probe_path() { if [[ "$1" == healthz ]]; then echo "/healthz"; else echo "$MEASURES_PATH"; fi; }
probe_label() { if [[ "$1" == healthz ]]; then echo "GET /healthz"; else echo "$MEASURES_LABEL"; fi; }

# ---------------------------------------------------------------------------------------------
# Scenario "read": each endpoint alone, CONNECTIONS connections
# ---------------------------------------------------------------------------------------------

scenario_read() {
    local backend="$1" name path out
    local -A RPS=()
    start_server "$backend-read"
    find_page "$backend"
    for name in healthz measures; do
        path="$(probe_path "$name")"
        warm_up "$path"
        out="$RESULTS/$backend-$name.txt"
        log "wrk $DURATION, $CONNECTIONS connections, $THREADS threads: $path"
        measure "$out" "$backend read $name" -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "$BASE$path"
        RPS[$name]="$W_RPS"
        ROWS+=("| $backend | \`$(probe_label "$name")\` | $W_RPS | $(ratio "$W_RPS" "${RPS[healthz]}") | $W_P50 ms | $W_P99 ms |")
    done

    # Peak resident memory of the server over the whole run, read right before stopping it.
    memory "$backend" read "/healthz, then the catalogue page, $CONNECTIONS connections each" "$RSS_LIMIT_READ" "16"
    stop_server
    target "$backend" "-" "catalogue page ÷ /healthz (req/s)" "$(ratio "${RPS[measures]}" "${RPS[healthz]}")" ">=" 0.40
}

# ---------------------------------------------------------------------------------------------
# Scenario "signin": the probes without and under a burst of valid sign-ins
# ---------------------------------------------------------------------------------------------

scenario_signin() {
    local backend="$1" name path idle_healthz=0 load_healthz=0

    # The account (verified administrator); the password is one line on standard input.
    printf '%s\n' "$LOGIN_PASSWORD" \
        | ( run_bin create-admin --email "$LOGIN_EMAIL" --display-name "Lasttest" ) \
            >"$RESULTS/$backend-create-admin.log" 2>&1 \
        || { cat "$RESULTS/$backend-create-admin.log" >&2; die "create-admin failed"; }

    start_server "$backend-signin"
    find_page "$backend"
    check_login "$BASE/api/v1/auth/login" || die "the load-test account cannot sign in (see $SERVER_LOG)"

    # 1. The probes without sign-in load (warmed up), the same connections as under load.
    for name in healthz measures; do
        path="$(probe_path "$name")"
        warm_up "$path"
        log "wrk $DURATION, $PROBE_CONNECTIONS connections, $PROBE_THREADS threads, no sign-in load: $path"
        measure "$RESULTS/$backend-signin-idle-$name.txt" "$backend signin, no sign-in load, $name" \
            -t"$PROBE_THREADS" -c"$PROBE_CONNECTIONS" -d"$DURATION" "$BASE$path"
        [[ "$name" == healthz ]] && idle_healthz="$W_RPS"
        SIGNIN_ROWS+=("| $backend | no sign-in load | \`$(probe_label "$name")\` | $PROBE_CONNECTIONS | $W_RPS | $(ratio "$W_RPS" "$idle_healthz") | $W_P50 ms | $W_P99 ms | $W_NON2XX | $W_ERRORS |")
    done
    memory "$backend" signin "before the sign-in load"

    # 2. The sign-in load in the background; its --timeout is its whole run, so that sign-ins
    #    queued behind the hash pool count with their real latency instead of as wrk timeouts.
    local login_out="$RESULTS/$backend-signin-login.txt"
    log "wrk ${SIGNIN_SECS}s, $SIGNIN_CONNECTIONS connections, 1 thread: POST /api/v1/auth/login (sign-in load)"
    local started="$EPOCHREALTIME"
    POST_BODY="$(login_body)" \
        wrk -t1 -c"$SIGNIN_CONNECTIONS" -d"${SIGNIN_SECS}s" --timeout "${SIGNIN_SECS}s" --latency \
        -s "$ROOT/tests/load/post.lua" "$BASE/api/v1/auth/login" >"$login_out" 2>&1 &
    SIGNIN_PID=$!
    sleep "$SIGNIN_RAMP_SECS"
    kill -0 "$SIGNIN_PID" 2>/dev/null || { cat "$login_out" >&2; die "the sign-in wrk ended early"; }

    #    The same probes, inside the sign-in run.
    for name in healthz measures; do
        path="$(probe_path "$name")"
        log "wrk $DURATION, $PROBE_CONNECTIONS connections, $PROBE_THREADS threads, under sign-in load: $path"
        measure "$RESULTS/$backend-signin-load-$name.txt" "$backend signin, under sign-in load, $name" \
            -t"$PROBE_THREADS" -c"$PROBE_CONNECTIONS" -d"$DURATION" "$BASE$path"
        [[ "$name" == healthz ]] && load_healthz="$W_RPS"
        SIGNIN_ROWS+=("| $backend | under sign-in load | \`$(probe_label "$name")\` | $PROBE_CONNECTIONS | $W_RPS | $(ratio "$W_RPS" "$load_healthz") | $W_P50 ms | $W_P99 ms | $W_NON2XX | $W_ERRORS |")
    done
    local probes_secs
    probes_secs="$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')"

    local rc=0
    wait "$SIGNIN_PID" || rc=$?
    SIGNIN_PID=""
    [[ "$rc" == 0 ]] || { cat "$login_out" >&2; die "the sign-in wrk failed (exit $rc)"; }
    if awk -v p="$probes_secs" -v s="$SIGNIN_SECS" 'BEGIN { exit !(p > s) }'; then
        WARNINGS+=("$backend signin: the probes under load ended ${probes_secs}s after the start of the sign-in load, after its ${SIGNIN_SECS}s: the last part was measured without it")
    fi

    local parsed rps p50 p99 non2xx errors statuses
    parsed="$(parse_wrk "$login_out")"
    read -r rps p50 p99 non2xx errors <<<"$parsed"
    statuses="$(awk '/^status [0-9]+: [0-9]+$/ { printf "%s%s %s", sep, $2, $3; sep = ", " }' "$login_out")"
    SIGNIN_ROWS+=("| $backend | sign-in load | \`POST /api/v1/auth/login\` | $SIGNIN_CONNECTIONS | $rps | $(ratio "$rps" "$idle_healthz") | $p50 ms | $p99 ms | $non2xx | $errors |")
    [[ "$non2xx" == 0 ]] || WARNINGS+=("$backend signin: $non2xx sign-ins were not 2xx (statuses: ${statuses:-?}; see ${login_out#"$ROOT"/})")
    [[ "$errors" == 0 ]] || WARNINGS+=("$backend signin: $errors socket errors/timeouts in the sign-in load (see ${login_out#"$ROOT"/})")
    [[ -n "$statuses" ]] || WARNINGS+=("$backend signin: no status counts from post.lua (see ${login_out#"$ROOT"/})")

    local rss_after
    rss_after="$(server_rss)"
    memory "$backend" signin "with $SIGNIN_CONNECTIONS clients signing in" "$RSS_LIMIT_SIGNIN" "16"
    stop_server
    NOTES+=("$backend, signin: ${SIGNIN_SECS}s of sign-in load, statuses ${statuses:-?}; probes under load ended ${probes_secs}s after its start; RSS right after it: $rss_after")
}

# ---------------------------------------------------------------------------------------------
# Scenario "comments": the participation data set, its hot read and its writes
# ---------------------------------------------------------------------------------------------

# Runs one SQL query on the load database and prints the result (one value per line; several
# columns separated by "|"). Changes are committed (SQLite in autocommit mode: without it the
# reader's change of role was rolled back, and the "signed-in" page was read as an administrator).
db_query() {
    if [[ "$1" == postgres ]]; then
        psql "$PG_LOAD_URL" -X -Atq -v ON_ERROR_STOP=1 -c "$2"
    else
        python3 - "$DB_URL" "$2" <<'PY'
import sqlite3, sys
for row in sqlite3.connect(sys.argv[1], isolation_level=None).execute(sys.argv[2]):
    print("|".join(str(v) for v in row))
PY
    fi
}

# Applies an SQL file to the load database.
db_apply() {
    if [[ "$1" == postgres ]]; then
        psql "$PG_LOAD_URL" -X -q -v ON_ERROR_STOP=1 -f "$2" >/dev/null
    else
        python3 - "$DB_URL" "$2" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.executescript(open(sys.argv[2]).read())
PY
    fi
}

# Signs the reader in; prints the access token.
reader_token() {
    LOGIN_EMAIL="$READER_EMAIL" LOGIN_PASSWORD="$LOGIN_PASSWORD" python3 - "$1" <<'PY'
import json, os, sys, urllib.request
body = json.dumps({"email": os.environ["LOGIN_EMAIL"], "password": os.environ["LOGIN_PASSWORD"]}).encode()
req = urllib.request.Request(sys.argv[1], data=body, method="POST", headers={"Content-Type": "application/json"})
print(json.load(urllib.request.urlopen(req, timeout=60))["access_token"])
PY
}

scenario_comments() {
    local backend="$1" reader busy measures fields info token page out
    local -A RPS=()

    # The reader: made an administrator by create-admin, then a participant (no session yet).
    printf '%s\n' "$LOGIN_PASSWORD" \
        | ( run_bin create-admin --email "$READER_EMAIL" --display-name "Leserin" ) \
            >"$RESULTS/$backend-create-reader.log" 2>&1 \
        || { cat "$RESULTS/$backend-create-reader.log" >&2; die "create-admin (reader) failed"; }
    db_query "$backend" "UPDATE users SET role = 'participant' WHERE email = '$READER_EMAIL'" >/dev/null
    reader="$(db_query "$backend" "SELECT id FROM users WHERE email = '$READER_EMAIL'")"
    busy="$(db_query "$backend" "SELECT min(id) FROM measures")"
    measures="$(db_query "$backend" "SELECT id FROM measures ORDER BY id" | paste -sd, -)"
    fields="$(db_query "$backend" "SELECT id FROM fields ORDER BY id" | paste -sd, -)"
    seed "$backend" comments "$ROOT/tests/load/make_comments.py" --backend "$backend" \
        --busy-measure "$busy" --measures "$measures" --fields "$fields" --reader "$reader"
    info="$SEED_INFO"

    start_server "$backend-comments"
    token="$(reader_token "$BASE/api/v1/auth/login")" || die "the reader cannot sign in (see $SERVER_LOG)"
    page="/api/v1/consultations/1001/comments?target_type=measure&target_id=$busy&limit=$PAGE_LIMIT"
    python3 - "$BASE$page" "$token" "$PAGE_LIMIT" <<'PY' || die "the signed-in page is not as expected"
import json, sys, urllib.request
req = urllib.request.Request(sys.argv[1], headers={"Authorization": "Bearer " + sys.argv[2]})
items = json.load(urllib.request.urlopen(req, timeout=10))["items"]
assert len(items) == int(sys.argv[3]), len(items)
assert any(i["status"] == "pending" and i["mine"] for i in items), "the reader's pending comments lead the newest page"
PY

    for name in healthz anonymous signed_in; do
        local path="/healthz" header=() label="GET /healthz"
        if [[ "$name" != healthz ]]; then path="$page"; label="GET /api/v1/consultations/{id}/comments (busy measure, first page of $PAGE_LIMIT, $name)"; fi
        if [[ "$name" == signed_in ]]; then header=(-H "Authorization: Bearer $token"); fi
        warm_up "$path"
        out="$RESULTS/$backend-comments-$name.txt"
        log "wrk $DURATION, $CONNECTIONS connections, $THREADS threads: $label"
        measure "$out" "$backend comments $name" -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "${header[@]}" "$BASE$path"
        RPS[$name]="$W_RPS"
        COMMENT_ROWS+=("| $backend | \`$label\` | $CONNECTIONS | $W_RPS | $(ratio "$W_RPS" "${RPS[healthz]}") | $W_P50 ms | $W_P99 ms |")
    done

    out="$RESULTS/$backend-comments-writes.txt"
    log "wrk $DURATION, $COMMENT_WRITERS connections, $THREADS threads: POST /api/v1/consultations/{id}/comments"
    POST_TOKEN="$token" POST_BODY="{\"target_type\":\"measure\",\"target_id\":$busy,\"body\":\"Lasttest: ein neuer Kommentar zur Maßnahme.\"}" \
        measure "$out" "$backend comments writes" -t"$THREADS" -c"$COMMENT_WRITERS" -d"$DURATION" \
        -s "$ROOT/tests/load/post.lua" "$BASE/api/v1/consultations/1001/comments"
    RPS[writes]="$W_RPS"
    COMMENT_ROWS+=("| $backend | \`POST /api/v1/consultations/{id}/comments\` | $COMMENT_WRITERS | $W_RPS | $(ratio "$W_RPS" "${RPS[healthz]}") | $W_P50 ms | $W_P99 ms |")
    local statuses
    statuses="$(awk '/^status [0-9]+: [0-9]+$/ { printf "%s%s %s", sep, $2, $3; sep = ", " }' "$out")"

    memory "$backend" comments "the pages, then the writes"
    stop_server

    target "$backend" 11 "busy measure's first page, anonymous ÷ /healthz (req/s)" "$(ratio "${RPS[anonymous]}" "${RPS[healthz]}")" ">=" 0.3
    target "$backend" 11 "busy measure's first page, signed in ÷ /healthz (req/s)" "$(ratio "${RPS[signed_in]}" "${RPS[healthz]}")" ">=" 0.1
    if [[ "$backend" == postgres ]]; then
        pgbench_init comments
        pgbench_run "$RESULTS/postgres-comments-pgbench.txt"
        local tps="$PG_TPS"
        COMMENT_ROWS+=("| postgres | \`pgbench -N\` (scale 10, same database, server stopped) | $COMMENT_WRITERS | $tps | | | |")
        target "$backend" 11 "comment writes ÷ pgbench -N (per second)" "$(ratio "${RPS[writes]}" "$tps")" ">=" 0.25
    fi
    NOTES+=("$backend, comments: $info; writes answered ${statuses:-?}")
}

# ---------------------------------------------------------------------------------------------
# Scenario "ballots": results of a vote with 100,000 ballots, and casts
# ---------------------------------------------------------------------------------------------

scenario_ballots() {
    local backend="$1" measures info tokens results out first
    measures="$(db_query "$backend" "SELECT id FROM measures ORDER BY id LIMIT 40" | paste -sd, -)"
    tokens="$TMP/ballot-tokens.txt"
    seed "$backend" ballots "$ROOT/tests/load/make_ballots.py" --backend "$backend" \
        --measures "$measures" --jwt-secret "$LOAD_JWT_SECRET" --tokens-out "$tokens" \
        --ballots "$VOTE_BALLOTS"
    info="$SEED_INFO"

    start_server "$backend-ballots"
    results="/api/v1/consultations/2001/results"
    # The first read after close computes the results and hashes the whole export; later ones
    # are answered from the node's memory (final results never change).
    first="$(python3 - "$BASE$results" <<'PY'
import json, sys, time, urllib.request
start = time.monotonic()
body = json.load(urllib.request.urlopen(sys.argv[1], timeout=120))
took = (time.monotonic() - start) * 1000
assert body["final"] and body["ballots"] > 0, body
print(f"{took:.0f} {body['ballots']}")
PY
)" || die "the results cannot be read (see $SERVER_LOG)"
    local first_ms counted
    read -r first_ms counted <<<"$first"
    healthz "$backend" ballots
    BALLOT_ROWS+=("| $backend | \`GET /healthz\` | $CONNECTIONS | $H_RPS | 1.00 | $W_P50 ms | $W_P99 ms |")
    warm_up "$results"
    out="$RESULTS/$backend-ballots-results.txt"
    log "wrk $DURATION, $CONNECTIONS connections, $THREADS threads: GET $results"
    measure "$out" "$backend ballots results" -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "$BASE$results"
    BALLOT_ROWS+=("| $backend | \`GET /api/v1/consultations/{id}/results\` ($counted ballots, 40 options, final) | $CONNECTIONS | $W_RPS | $(ratio "$W_RPS" "$H_RPS") | $W_P50 ms | $W_P99 ms |")
    target "$backend" 12 "results of $counted ballots, p99 at $CONNECTIONS connections" "$W_P99" "<=" 50 ms

    # Casts, and on PostgreSQL `pgbench -N` on the same database (the server idle meanwhile),
    # in CAST_ROUNDS alternating rounds: on a shared machine the speed drifts between minutes,
    # and a ratio of two runs taken minutes apart measured the drift. The median ratio counts.
    [[ "$backend" != postgres ]] || pgbench_init ballots
    local round rounds=1 acknowledged=0 ok statuses="" ratio_list=()
    [[ "$backend" == postgres ]] && rounds="$CAST_ROUNDS"
    for round in $(seq 1 "$rounds"); do
        out="$RESULTS/$backend-ballots-casts-$round.txt"
        log "round $round/$rounds: wrk $DURATION, $COMMENT_WRITERS connections, $THREADS threads: PUT /api/v1/consultations/{id}/ballot"
        BALLOT_PATH="/api/v1/consultations/2002/ballot" BALLOT_TOKENS="$tokens" BALLOT_OPTIONS="$measures" \
            measure "$out" "$backend ballots casts" -t"$THREADS" -c"$COMMENT_WRITERS" -d"$DURATION" \
            -s "$ROOT/tests/load/ballot.lua" "$BASE/api/v1/consultations/2002/ballot"
        BALLOT_ROWS+=("| $backend | \`PUT /api/v1/consultations/{id}/ballot\` (2,000 voters in turn; round $round) | $COMMENT_WRITERS | $W_RPS | $(ratio "$W_RPS" "$H_RPS") | $W_P50 ms | $W_P99 ms |")
        ok="$(awk '/^status 200: [0-9]+$/ { print $3 }' "$out")"
        acknowledged=$((acknowledged + ${ok:-0}))
        statuses="$statuses${statuses:+; }round $round: $(awk '/^status [0-9]+: [0-9]+$/ { printf "%s%s %s", sep, $2, $3; sep = ", " }' "$out")"
        if [[ "$backend" == postgres ]]; then
            local casts_rps="$W_RPS"
            log "round $round/$rounds: pgbench -N, $COMMENT_WRITERS clients, $DURATION"
            pgbench_run "$RESULTS/postgres-ballots-pgbench-$round.txt"
            BALLOT_ROWS+=("| postgres | \`pgbench -N\` (scale 10, same database, server idle; round $round) | $COMMENT_WRITERS | $PG_TPS | | | |")
            ratio_list+=("$(awk -v w="$casts_rps" -v t="$PG_TPS" 'BEGIN { printf "%.2f", w / t }')")
        fi
    done

    memory "$backend" ballots "the results, then the casts"
    stop_server

    # Nothing lost or doubled: every cast is one version of a stored ballot. The versions add up
    # to the acknowledged casts plus those still under way when wrk stopped (it does not wait
    # for their answers): at most one per connection and round.
    local versions ballots tallied check
    versions="$(db_query "$backend" "SELECT COALESCE(SUM(version), 0) FROM ballots WHERE consultation_id = 2002")"
    ballots="$(db_query "$backend" "SELECT COUNT(*) FROM ballots WHERE consultation_id = 2002")"
    tallied="$(db_query "$backend" "SELECT COALESCE(SUM(ballots), 0) FROM ballot_counts WHERE consultation_id = 2002")"
    check="acknowledged casts $acknowledged, sum of stored ballots' versions $versions (at most $((COMMENT_WRITERS * rounds)) more: casts under way when wrk stopped); stored ballots $ballots, counted in the tallies $tallied"
    if (( versions < acknowledged || versions > acknowledged + COMMENT_WRITERS * rounds )) || [[ "$ballots" != "$tallied" ]]; then
        WARNINGS+=("$backend ballots: LOST OR DOUBLED: $check")
    fi
    local ratios="first read of the final results (hashing the export): $first_ms ms"
    if [[ "$backend" == postgres ]]; then
        local median
        median="$(printf '%s\n' "${ratio_list[@]}" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : sprintf("%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2) }')"
        ratios="$ratios; casts / pgbench -N per round: ${ratio_list[*]}"
        target "$backend" 12 "casts ÷ pgbench -N (per second), median of $rounds rounds" "$median" ">=" 0.5
    fi
    NOTES+=("$backend, ballots: $info; casts answered ${statuses:-?}; $check; $ratios")
}

# ---------------------------------------------------------------------------------------------
# Scenario "statements": the public list and the Abwägungstabelle of 2,000 and 20,000 statements
# ---------------------------------------------------------------------------------------------

scenario_statements() {
    local backend="$1" measures info list out hwm spec cid count idle timing
    measures="$(db_query "$backend" "SELECT id || ':' || field_id FROM measures ORDER BY id LIMIT 200" | paste -sd, -)"
    seed "$backend" statements "$ROOT/tests/load/make_statements.py" --backend "$backend" \
        --measures "$measures" --consultation "3001:$STATEMENTS_SMALL" --consultation "3002:$STATEMENTS_LARGE"
    info="$SEED_INFO"

    start_server "$backend-statements"
    list="/api/v1/statements?consultation_id=3001&limit=$PAGE_LIMIT"
    local h=0
    for path in /healthz "$list"; do
        warm_up "$path"
        out="$RESULTS/$backend-statements-$([[ "$path" == /healthz ]] && echo healthz || echo list).txt"
        log "wrk $DURATION, $CONNECTIONS connections, $THREADS threads: GET $path"
        measure "$out" "$backend statements $path" -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "$BASE$path"
        [[ "$path" == /healthz ]] && h="$W_RPS"
        STATEMENT_ROWS+=("| $backend | \`GET $path\` | $CONNECTIONS | $W_RPS | $(ratio "$W_RPS" "$h") | $W_P50 ms | $W_P99 ms |")
    done
    memory "$backend" statements "/healthz, then the list"
    stop_server
    NOTES+=("$backend, statements: $info; the list's page holds $PAGE_LIMIT statements with responses")

    for spec in "3001:$STATEMENTS_SMALL" "3002:$STATEMENTS_LARGE"; do
        cid="${spec%%:*}"
        count="${spec#*:}"
        start_server "$backend-statements-xlsx-$count"
        idle="$(server_hwm)"
        log "three downloads of the XLSX table of $count statements"
        timing="$(python3 - "$BASE/api/v1/consultations/$cid/statements.xlsx" "$count" <<'PY'
import io, re, statistics, sys, time, urllib.request, zipfile
url, count = sys.argv[1], int(sys.argv[2])
times = []
for i in range(3):
    start = time.monotonic()
    body = urllib.request.urlopen(url, timeout=600).read()
    times.append((time.monotonic() - start) * 1000)
    if i == 0:
        sheet = zipfile.ZipFile(io.BytesIO(body)).read("xl/worksheets/sheet1.xml")
        rows = len(re.findall(rb"<row ", sheet))
        if rows != count + 1:
            sys.exit(f"the table has {rows} rows, expected {count + 1}")
print(f"{times[0]:.0f} {statistics.median(times):.0f} {len(body) / 1048576:.1f}")
PY
)" || die "the XLSX table of consultation $cid cannot be read (see $SERVER_LOG)"
        local first median size
        read -r first median size <<<"$timing"
        EXPORT_ROWS+=("| $backend | $count | $first ms | $median ms | $size MiB | $idle | $(server_hwm) |")
        memory "$backend" statements "three downloads of the XLSX table of $count statements"
        stop_server
    done
}

# ---------------------------------------------------------------------------------------------
# Scenario "export": a person's data export (issue 14) with 50,000 comments
# ---------------------------------------------------------------------------------------------

scenario_export() {
    local backend="$1" measures token timing idle
    measures="$(db_query "$backend" "SELECT id FROM measures ORDER BY id LIMIT 40" | paste -sd, -)"
    token="$TMP/export-token.txt"
    seed "$backend" export "$ROOT/tests/load/make_export.py" --backend "$backend" \
        --measures "$measures" --jwt-secret "$LOAD_JWT_SECRET" --token-out "$token" \
        --comments "$EXPORT_COMMENTS"
    start_server "$backend-export"
    idle="$(server_hwm)"
    log "three downloads of GET /api/v1/me/export ($EXPORT_COMMENTS comments)"
    timing="$(python3 - "$BASE/api/v1/me/export" "$(cat "$token")" "$EXPORT_COMMENTS" <<'PY'
import json, statistics, sys, time, urllib.request
url, token, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
times = []
for i in range(3):
    start = time.monotonic()
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    body = urllib.request.urlopen(req, timeout=600).read()
    times.append((time.monotonic() - start) * 1000)
    if i == 0:
        doc = json.loads(body)
        listed = len(doc["sections"]["contributions"]["contributions"])
        if listed != count:
            sys.exit(f"the export lists {listed} comments, expected {count}")
print(f"{times[0]:.0f} {statistics.median(times):.0f} {len(body) / 1048576:.1f}")
PY
)" || die "the export cannot be read (see $SERVER_LOG)"
    local first median size
    read -r first median size <<<"$timing"
    DATA_EXPORT_ROWS+=("| $backend | $EXPORT_COMMENTS | $first ms | $median ms | $size MiB | $idle | $(server_hwm) |")
    memory "$backend" export "three downloads of a data export with $EXPORT_COMMENTS comments"
    stop_server
}

# ---------------------------------------------------------------------------------------------
# Scenario "translated": a catalogue page in Turkish against the same page in German (issue 15)
# ---------------------------------------------------------------------------------------------

# The catalogue of the run has a Turkish translation of every field's and measure's texts
# (make_catalogue.py --translate tr). The page of "read" is measured in German and with
# `Accept-Language: tr`, alternating twice, CONNECTIONS connections each; the cost ratio is the
# German req/s over the Turkish req/s (issue 15: at most 1.25). Once with the catalogue cache
# (as served), once with CATALOGUE_CACHE_TTL_SECS=0, where every request queries the database
# and applies the translations.
scenario_translated() {
    local backend="$1" cache round language out
    for cache in on off; do
        local -A SUM=()
        if [[ "$cache" == off ]]; then
            CATALOGUE_CACHE_TTL_SECS=0 start_server "$backend-translated-$cache"
        else
            start_server "$backend-translated-$cache"
        fi
        find_page "$backend"
        curl -s -H 'Accept-Language: tr' "$BASE$MEASURES_PATH" | grep -q '"language":"tr"' \
            || die "the Turkish page is not translated (see $SERVER_LOG)"
        healthz "$backend" "translated-$cache"
        TRANSLATED_ROWS+=("| $backend | $cache | \`GET /healthz\` | | $H_RPS | 1.00 | $W_P50 ms | $W_P99 ms |")
        for round in 1 2; do
            for language in de tr; do
                warm_up "$MEASURES_PATH"
                out="$RESULTS/$backend-translated-$cache-$language-$round.txt"
                log "wrk $DURATION, $CONNECTIONS connections, cache $cache, Accept-Language $language: $MEASURES_PATH"
                measure "$out" "$backend translated $cache $language" -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" \
                    -H "Accept-Language: $language" "$BASE$MEASURES_PATH"
                SUM[$language]="$(awk -v a="${SUM[$language]:-0}" -v b="$W_RPS" 'BEGIN { print a + b }')"
                TRANSLATED_ROWS+=("| $backend | $cache | $language | $round | $W_RPS | $(ratio "$W_RPS" "$H_RPS") | $W_P50 ms | $W_P99 ms |")
            done
        done
        local cost
        cost="$(ratio "${SUM[de]}" "${SUM[tr]}")"
        if [[ "$cache" == on ]]; then
            # As served: the target of issue 15.
            target "$backend" 15 "cost of a Turkish catalogue page ÷ the German one (German req/s ÷ Turkish req/s)" "$cost" "<=" 1.25
        fi
        TRANSLATED_RATIOS+=("$backend, catalogue cache $cache: German req/s ÷ Turkish req/s = $cost")
        memory "$backend" translated "catalogue cache $cache"
        stop_server
    done
}

# ---------------------------------------------------------------------------------------------
# Scenario "search": issue 15's search over 50,000 comments and the catalogue
# ---------------------------------------------------------------------------------------------

scenario_search() {
    local backend="$1" measures info paths out started rebuilt q
    measures="$(db_query "$backend" "SELECT id FROM measures ORDER BY id LIMIT 200" | paste -sd, -)"
    seed "$backend" search "$ROOT/tests/load/make_search.py" --backend "$backend" \
        --measures "$measures" --comments "$SEARCH_COMMENTS"
    info="$SEED_INFO"
    started="$EPOCHREALTIME"
    ( run_bin search rebuild ) >"$RESULTS/$backend-search-rebuild.log" 2>&1 \
        || { cat "$RESULTS/$backend-search-rebuild.log" >&2; die "search rebuild failed"; }
    rebuilt="$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')"
    log "search index rebuilt in $rebuilt s: $(tr '\n' ' ' <"$RESULTS/$backend-search-rebuild.log")"
    [[ "$backend" != postgres ]] || db_query "$backend" "ANALYZE" >/dev/null

    # The mix: common and rare words, prefixes, umlauts with and without dots, Turkish,
    # Arabic, two words, filters, a second page (every query URL-encoded by python).
    paths="$TMP/search-paths.txt"
    python3 - >"$paths" <<'PY'
import urllib.parse
queries = [
    ("Sprachförderung", ""), ("sprachforderung", ""), ("sprach", ""), ("Kita", ""),
    ("Schule", ""), ("beratung", ""), ("wohnen", ""), ("Quartier", "&kind=comment"),
    ("Praktikumsbörse", ""), ("praktikumsborse", ""), ("Väterarbeit", ""), ("muttertreff", ""),
    ("fahrrad", ""), ("Straßenfest", ""), ("strassenfest", ""), ("Öffnungszeiten", ""),
    ("turkce", ""), ("kurs", ""), ("çocuklar", ""), ("اللغة", ""), ("دروس", ""),
    ("Kita Eltern", ""), ("Schule Ausbildung", ""), ("Integration", "&kind=measure"),
    ("Begegnung", "&consultation_id=5001"), ("Sprachförderung Kinder", "&limit=50"),
    ("Kita", "&limit=20&cursor=czE6MjA"), ("mehrsprachig", ""), ("xylophon", ""),
]
for q, extra in queries:
    print(f"/api/v1/search?q={urllib.parse.quote(q)}{extra}")
PY
    export SEARCH_PATHS="$paths"
    start_server "$backend-search"
    # Every query of the mix answers 200 before it is measured.
    while read -r q; do
        [[ "$(http_status "$BASE$q")" == 200 ]] || die "$q does not answer 200 (see $SERVER_LOG)"
    done <"$paths"
    for what in healthz search; do
        out="$RESULTS/$backend-search-$what.txt"
        if [[ "$what" == healthz ]]; then
            warm_up /healthz
            log "wrk $DURATION, $CONNECTIONS connections, $THREADS threads: GET /healthz"
            measure "$out" "$backend search /healthz" -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "$BASE/healthz"
            H_RPS="$W_RPS"
            SEARCH_ROWS+=("| $backend | \`GET /healthz\` | $CONNECTIONS | $W_RPS | 1.00 | $W_P50 ms | $W_P99 ms |")
        else
            if [[ "$WARMUP" != 0 && "$WARMUP" != 0s ]]; then
                wrk -t1 -c4 -d"$WARMUP" -s "$ROOT/tests/load/search.lua" "$BASE" >/dev/null
            fi
            local c
            for c in $SEARCH_CONNECTIONS; do
                out="$RESULTS/$backend-search-$what-c$c.txt"
                log "wrk $DURATION, $c connections, $THREADS threads: the search mix ($(wc -l <"$paths") queries)"
                measure "$out" "$backend search mix, $c connections" -t"$THREADS" -c"$c" -d"$DURATION" \
                    -s "$ROOT/tests/load/search.lua" "$BASE"
                # The target (p99 <= 50 ms) is a latency: judged where the clients do not
                # outnumber two per core; more connections only queue (their row shows throughput).
                if (( c <= 2 * CORES )); then
                    target "$backend" 15 "search over $SEARCH_COMMENTS comments and the catalogue, p99 at $c connections" "$W_P99" "<=" 50 ms
                fi
                SEARCH_ROWS+=("| $backend | \`GET /api/v1/search\` (mix) | $c | $W_RPS | $(ratio "$W_RPS" "$H_RPS") | $W_P50 ms | $W_P99 ms |")
            done
        fi
    done
    NOTES+=("$backend, search: $info, plus the load catalogue; index rebuilt in $rebuilt s")
    memory "$backend" search "/healthz, then the search mix"
    stop_server
}

# ---------------------------------------------------------------------------------------------
# One backend
# ---------------------------------------------------------------------------------------------

# A new, empty load database with the run's catalogue (sets DB_URL).
fresh_database() {
    local backend="$1"
    case "$backend" in
        sqlite)
            rm -f "$TMP"/load-sqlite.db*
            DB_URL="$TMP/load-sqlite.db"
            ;;
        postgres)
            drop_pg
            pg_admin "CREATE DATABASE $PG_LOAD_DB"
            PG_CREATED=1
            DB_URL="$PG_LOAD_URL"
            ;;
    esac

    ( run_bin migrate ) >"$RESULTS/$backend-migrate.log" 2>&1 \
        || { cat "$RESULTS/$backend-migrate.log" >&2; die "migrate failed"; }
    ( run_bin import "$CATALOGUE" ) >"$RESULTS/$backend-import.log" 2>&1 \
        || { cat "$RESULTS/$backend-import.log" >&2; die "import failed"; }
}

run_backend() {
    local backend="$1"
    log "=== $backend ==="
    fresh_database "$backend"

    # Each scenario on its own start of the server, in the order read, signin.
    if has_scenario read; then scenario_read "$backend"; fi
    if has_scenario signin; then scenario_signin "$backend"; fi
    if has_scenario comments; then scenario_comments "$backend"; fi
    if has_scenario ballots; then scenario_ballots "$backend"; fi
    if has_scenario statements; then scenario_statements "$backend"; fi
    if has_scenario export; then scenario_export "$backend"; fi
    if has_scenario translated; then scenario_translated "$backend"; fi
    # The search's data set is its own: 50,000 comments beside the catalogue, not beside the
    # comments, statements and exports of the scenarios before it.
    if has_scenario search; then
        if has_scenario comments || has_scenario ballots || has_scenario statements || has_scenario export; then
            log "a fresh database for the search"
            fresh_database "$backend"
        fi
        scenario_search "$backend"
    fi

    [[ "${LOAD_KEEP:-}" != 1 ]] || return 0
    if [[ "$backend" == postgres ]]; then drop_pg; fi
    rm -f "$TMP"/load-sqlite.db*
}

for backend in $BACKENDS; do
    run_backend "$backend"
done

# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------

CPU_MODEL="$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
MEM_TOTAL="$(awk '/^MemTotal:/ {printf "%.1f GiB", $2/1024/1024}' /proc/meminfo)"
OS_NAME="$(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-}")"
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if ! git -C "$ROOT" diff --quiet HEAD -- src Cargo.toml Cargo.lock migrations 2>/dev/null \
    || [[ -n "$(git -C "$ROOT" ls-files --others --exclude-standard -- src migrations 2>/dev/null)" ]]; then
    COMMIT="$COMMIT (with uncommitted changes)"
fi
RUSTC_VERSION="$(rustc -V 2>/dev/null || echo "rustc unknown")"
# The release profile as Cargo.toml sets it (one line).
RELEASE_PROFILE="$(awk '/^\[profile.release\]/ { on = 1; next } /^\[/ { on = 0 } on && /=/ { gsub(/ /, ""); printf "%s%s", sep, $0; sep = ", " }' "$ROOT/Cargo.toml")"
WRK_VERSION="$(wrk -v 2>&1 | awk 'NR == 1 {print $2}' || true)"  # wrk -v exits with 1
PG_VERSION=""
if [[ " $BACKENDS " == *" postgres "* ]]; then
    PG_VERSION="$(psql "$PG_ADMIN_URL" -X -Atqc 'SHOW server_version' 2>/dev/null || true)"
fi
# SQLite is compiled into the binary (libsqlite3-sys, bundled); its crate version from Cargo.lock.
SQLITE_CRATE="$(awk '/^name = "libsqlite3-sys"$/ { getline; gsub(/"/, "", $3); print $3; exit }' "$ROOT/Cargo.lock")"

# The report: Markdown, every table with its settings; the README embeds the latest full one.
REPORT="$RESULTS/summary.md"
{
    echo "### Load report $STAMP"
    echo
    echo "\`bash tests/load/run.sh\`: every scenario, one after the other, each on its own start of the server; wrk on the same machine."
    echo
    echo "- machine: $(nproc) CPUs ($CPU_MODEL), $MEM_TOTAL memory, ${OS_NAME:-unknown OS}, Linux $(uname -r)"
    echo "- build: ${BIN#"$ROOT"/} (profile $PROFILE: $RELEASE_PROFILE; mimalloc), commit $COMMIT, $RUSTC_VERSION"
    echo "- backends: $BACKENDS (SQLite compiled into the binary by libsqlite3-sys ${SQLITE_CRATE:-?}${PG_VERSION:+; PostgreSQL $PG_VERSION on loopback})"
    echo "- server: WORKERS=${WORKERS:-default (cores)}, DB_POOL_SIZE=${DB_POOL_SIZE:-default}, DB_POOL_TIMEOUT_SECS=${DB_POOL_TIMEOUT_SECS:-default}, CATALOGUE_CACHE_TTL_SECS=${CATALOGUE_CACHE_TTL_SECS:-default (5)}, COMMENT_CACHE_TTL_SECS=${COMMENT_CACHE_TTL_SECS:-default (2)}, PASSWORD_HASH_CONCURRENCY=${PASSWORD_HASH_CONCURRENCY:-default (half the cores)}, RATE_LIMIT_LOGIN_PER_ADDRESS=RATE_LIMIT_LOGIN_PER_CLIENT=RATE_LIMIT_WRITES_PER_ACCOUNT=$RATE_LIMIT_MAX, RUST_LOG=warn"
    echo "- load: wrk ${WRK_VERSION:-?} (no compression), $THREADS threads, DURATION=$DURATION per measurement after WARMUP=$WARMUP, CONNECTIONS=$CONNECTIONS, COMMENT_WRITERS=$COMMENT_WRITERS, SIGNIN_CONNECTIONS=$SIGNIN_CONNECTIONS, PROBE_CONNECTIONS=$PROBE_CONNECTIONS, SEARCH_CONNECTIONS=\"$SEARCH_CONNECTIONS\", CAST_ROUNDS=$CAST_ROUNDS"
    echo "- data: ${CATALOGUE_INFO#catalogue: }; the scenarios' own data sets are in the notes"
    echo "- \"÷ /healthz\": req/s over the req/s of \`GET /healthz\` measured on the same start of the server with the same connections (the HTTP stack alone, no database): what a request costs beyond HTTP"
    if [[ ${#TARGET_ROWS[@]} -gt 0 ]]; then
        echo
        echo "#### Targets"
        echo
        echo "| backend | issue | measure | value | target | |"
        echo "|---|---|---|---:|---|---|"
        printf '%s\n' "${TARGET_ROWS[@]}"
    fi
    if [[ ${#MEMORY_ROWS[@]} -gt 0 ]]; then
        echo
        echo "#### Peak resident memory of the server (VmHWM since its start)"
        echo
        echo "| backend | scenario | after | peak RSS | bound |"
        echo "|---|---|---|---:|---|"
        printf '%s\n' "${MEMORY_ROWS[@]}"
    fi
    if [[ ${#ROWS[@]} -gt 0 ]]; then
        echo
        echo "#### Read: each endpoint alone"
        echo
        echo "wrk: $THREADS threads, $CONNECTIONS connections, $DURATION per endpoint (warm-up $WARMUP)."
        echo
        echo "| backend | endpoint | req/s | ÷ /healthz | p50 | p99 |"
        echo "|---|---|---:|---:|---:|---:|"
        printf '%s\n' "${ROWS[@]}"
    fi
    if [[ ${#SIGNIN_ROWS[@]} -gt 0 ]]; then
        echo
        echo "#### Under a burst of sign-ins"
        echo
        echo "Probes: wrk $PROBE_THREADS threads, $PROBE_CONNECTIONS connections, $DURATION per endpoint, first without sign-in load (warm-up $WARMUP), then under it."
        echo "Sign-in load: wrk 1 thread, $SIGNIN_CONNECTIONS connections posting valid sign-ins (tests/load/post.lua) for ${SIGNIN_SECS:-?}s; the probes start ${SIGNIN_RAMP_SECS}s into it; its row covers its whole run (÷ the /healthz without sign-in load)."
        echo
        echo "| backend | scenario | endpoint | conns | req/s | ÷ /healthz | p50 | p99 | non-2xx | socket errors |"
        echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"
        printf '%s\n' "${SIGNIN_ROWS[@]}"
    fi
    if [[ ${#COMMENT_ROWS[@]} -gt 0 ]]; then
        echo
        echo "#### Comments (issue 11): the busy measure's first page, and writes"
        echo
        echo "wrk: $THREADS threads, $DURATION per endpoint (warm-up $WARMUP for the reads); one after the other on one start of the server."
        echo
        echo "| backend | endpoint | conns | req/s | ÷ /healthz | p50 | p99 |"
        echo "|---|---|---:|---:|---:|---:|---:|"
        printf '%s\n' "${COMMENT_ROWS[@]}"
    fi
    if [[ ${#BALLOT_ROWS[@]} -gt 0 ]]; then
        echo
        echo "#### Ballots (issue 12): results of a closed vote, and casts"
        echo
        echo "wrk: $THREADS threads, $DURATION per endpoint (warm-up $WARMUP for the reads); one after the other on one start of the server."
        echo
        echo "| backend | endpoint | conns | req/s | ÷ /healthz | p50 | p99 |"
        echo "|---|---|---:|---:|---:|---:|---:|"
        printf '%s\n' "${BALLOT_ROWS[@]}"
    fi
    if [[ ${#STATEMENT_ROWS[@]} -gt 0 ]]; then
        echo
        echo "#### Statements (issue 13): the public list, and the XLSX Abwägungstabelle"
        echo
        echo "wrk: $THREADS threads, $DURATION per endpoint (warm-up $WARMUP)."
        echo
        echo "| backend | endpoint | conns | req/s | ÷ /healthz | p50 | p99 |"
        echo "|---|---|---:|---:|---:|---:|---:|"
        printf '%s\n' "${STATEMENT_ROWS[@]}"
        echo
        echo "Each table on a fresh start of the server, downloaded three times one after the other:"
        echo
        echo "| backend | statements | first download | median of 3 | size | peak RSS before | peak RSS after |"
        echo "|---|---:|---:|---:|---:|---:|---:|"
        printf '%s\n' "${EXPORT_ROWS[@]}"
    fi
    if [[ ${#DATA_EXPORT_ROWS[@]} -gt 0 ]]; then
        echo
        echo "#### A person's data export (issue 14, GET /api/v1/me/export)"
        echo
        echo "One participant with every comment below and an earlier text of every fifth; on a fresh start of the server, downloaded three times one after the other:"
        echo
        echo "| backend | comments | first download | median of 3 | size | peak RSS before | peak RSS after |"
        echo "|---|---:|---:|---:|---:|---:|---:|"
        printf '%s\n' "${DATA_EXPORT_ROWS[@]}"
    fi
    if [[ ${#TRANSLATED_ROWS[@]} -gt 0 ]]; then
        echo
        echo "#### A catalogue page in Turkish and in German (issue 15)"
        echo
        echo "wrk: $THREADS threads, $CONNECTIONS connections, $DURATION per run (warm-up $WARMUP), German and Turkish alternating twice, with the catalogue cache and without it (CATALOGUE_CACHE_TTL_SECS=0)."
        echo
        echo "| backend | cache | Accept-Language | round | req/s | ÷ /healthz | p50 | p99 |"
        echo "|---|---|---|---:|---:|---:|---:|---:|"
        printf '%s\n' "${TRANSLATED_ROWS[@]}"
        echo
        printf -- '- %s\n' "${TRANSLATED_RATIOS[@]}"
    fi
    if [[ ${#SEARCH_ROWS[@]} -gt 0 ]]; then
        echo
        echo "#### Search (issue 15) over $SEARCH_COMMENTS comments and the catalogue"
        echo
        echo "wrk: $THREADS threads, $DURATION per endpoint (warm-up $WARMUP); the mix cycles through tests/load/search.lua's list of queries; the target p99 <= 50 ms is judged at up to two connections per core."
        echo
        echo "| backend | endpoint | conns | req/s | ÷ /healthz | p50 | p99 |"
        echo "|---|---|---:|---:|---:|---:|---:|"
        printf '%s\n' "${SEARCH_ROWS[@]}"
    fi
    if [[ ${#NOTES[@]} -gt 0 ]]; then
        echo
        echo "#### Notes"
        echo
        printf -- '- %s\n' "${NOTES[@]}"
    fi
    if [[ ${#WARNINGS[@]} -gt 0 ]]; then
        echo
        printf -- '- WARNING: %s\n' "${WARNINGS[@]}"
    fi
    echo
    echo "Raw wrk outputs and server logs of this run: tests/load/results/$STAMP/ (not committed)."
} | tee "$REPORT"

# A full run (every scenario on both backends, the release build) becomes the latest report:
# docs/load-report.md and the README's copy of it. LOAD_PUBLISH=1 publishes any run, 0 none.
FULL=0
if [[ " $(echo $SCENARIOS | tr ' ' '\n' | sort | tr '\n' ' ')" == " ballots comments export read search signin statements translated " \
    && " $(echo $BACKENDS | tr ' ' '\n' | sort | tr '\n' ' ')" == " postgres sqlite " && "$PROFILE" == release ]]; then
    FULL=1
fi
if [[ "${LOAD_PUBLISH:-$FULL}" == 1 ]]; then
    cp "$REPORT" "$ROOT/docs/load-report.md"
    python3 - "$ROOT/README.md" "$REPORT" <<'PY'
import sys
readme_path, report_path = sys.argv[1], sys.argv[2]
readme = open(readme_path, encoding="utf-8").read()
begin, end = "<!-- load-report:begin -->\n", "<!-- load-report:end -->"
if readme.count(begin) != 1 or readme.count(end) != 1:
    sys.exit("README.md needs exactly one load-report:begin and one load-report:end marker")
before, rest = readme.split(begin)
_, after = rest.split(end)
report = open(report_path, encoding="utf-8").read()
open(readme_path, "w", encoding="utf-8").write(before + begin + report + end + after)
PY
    log "published: docs/load-report.md and the README's section between the load-report markers"
fi
