#!/usr/bin/env bash
# Load test of the read API with wrk, on SQLite and on PostgreSQL.
#
# For each backend it creates a fresh database, runs `migrate`, imports a synthetic catalogue
# of realistic size (19 fields, 400 measures; tests/load/make_catalogue.py), starts `serve` on a
# loopback port and measures two endpoints with wrk:
#   (a) GET /healthz                                  - the HTTP stack alone, no database
#   (b) GET /api/v1/fields/{id}/measures?limit=20     - a catalogue page (field with most measures)
# It prints a Markdown table (req/s, p50, p99 per backend and endpoint), the server's peak RSS
# (VmHWM) and the ratio catalogue req/s / healthz req/s, plus the machine facts. Raw wrk
# outputs, server logs and the summary go to tests/load/results/<UTC time>/ (git-ignored).
#
# Run from anywhere (the real numbers need the release build):
#   tests/load/run.sh
#   BIN=target/debug/beteiligung DURATION=3s BACKENDS=sqlite tests/load/run.sh   # quick check
#
# Settings (environment):
#   BIN           binary to test (default target/release/beteiligung; built with
#                 `cargo build --release` if that default does not exist yet)
#   BACKENDS      "sqlite postgres" (default), or one of them
#   PG_ADMIN_URL  PostgreSQL admin connection, loopback only
#                 (default postgres://postgres@127.0.0.1:5432/postgres); the database
#                 beteiligung_load is dropped and created there, and dropped at the end
#   LOAD_BIND     address of the server under test, loopback only (default 127.0.0.1:18080)
#   DURATION      wrk duration per endpoint (default 20s); WARMUP before each (default 2s, 0 = off)
#   CONNECTIONS   wrk connections (default 64); THREADS wrk threads (default 2)
#   WORKERS, DB_POOL_SIZE, DB_POOL_TIMEOUT_SECS, CATALOGUE_CACHE_TTL_SECS (0 = measure without
#                 the catalogue cache) reach the server from the environment when set.
#
# Needs: python3, wrk (installed with apt-get if missing), psql (for the postgres backend).
# Everything it starts or creates is removed on exit, also on Ctrl-C or an error.
set -Eeuo pipefail
trap 'echo "[load] error: line $LINENO: $BASH_COMMAND failed" >&2' ERR

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

BIN="${BIN:-target/release/beteiligung}"
BACKENDS="${BACKENDS:-sqlite postgres}"
PG_ADMIN_URL="${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
PG_LOAD_DB="beteiligung_load"
LOAD_BIND="${LOAD_BIND:-127.0.0.1:18080}"
DURATION="${DURATION:-20s}"
WARMUP="${WARMUP:-2s}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
PAGE_LIMIT=20

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

# ---------------------------------------------------------------------------------------------
# Clean-up: stop the server, drop the PostgreSQL database, remove temporary files
# ---------------------------------------------------------------------------------------------

SERVER_PID=""
PG_CREATED=0

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
    stop_server
    if [[ "$PG_CREATED" == 1 ]]; then drop_pg; fi
    rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

# Runs the binary with a clean, explicit configuration; call it in a subshell, `( run_bin … )`.
# The working directory is the temporary directory so that a developer's .env in the repository
# is not read.
# `exec` keeps the pid of a background run the server's own (for /proc/PID/status and SIGTERM).
# One-shot subcommands (migrate, import) get 120 s at most.
run_bin() {
    local limit=()
    [[ "$1" == serve ]] || limit=(timeout 120)
    cd "$TMP" && exec "${limit[@]}" env DATABASE_URL="$DB_URL" SEED_DEMO=false RUST_LOG=warn \
        LOG_FORMAT=text BIND="$LOAD_BIND" "$BIN" "$@"
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

ROWS=()
NOTES=()
WARNINGS=()

# ---------------------------------------------------------------------------------------------
# The test data
# ---------------------------------------------------------------------------------------------

CATALOGUE="$TMP/catalogue.json"
python3 "$ROOT/tests/load/make_catalogue.py" --out "$CATALOGUE" 2>"$TMP/catalogue.txt"
CATALOGUE_INFO="$(cat "$TMP/catalogue.txt")"
log "$CATALOGUE_INFO"

# ---------------------------------------------------------------------------------------------
# One backend
# ---------------------------------------------------------------------------------------------

run_backend() {
    local backend="$1"
    log "=== $backend ==="

    case "$backend" in
        sqlite)
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

    # Start the server.
    if [[ "$(http_status "$BASE/healthz")" != "000" ]]; then
        die "something already listens on $LOAD_BIND; choose another LOAD_BIND"
    fi
    ( run_bin serve ) >"$RESULTS/$backend-server.log" 2>&1 &
    SERVER_PID=$!

    # Wait for /readyz (30 s at most).
    local ready=0
    for _ in $(seq 1 60); do
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$RESULTS/$backend-server.log" >&2; die "the server exited"; }
        if [[ "$(http_status "$BASE/readyz")" == "200" ]]; then ready=1; break; fi
        sleep 0.5
    done
    [[ "$ready" == 1 ]] || die "the server was not ready after 30 s"

    # The field with the most measures.
    local field
    field="$(python3 - "$BASE/api/v1/fields?limit=100" <<'PY'
import json, sys, urllib.request
items = json.load(urllib.request.urlopen(sys.argv[1], timeout=10))["items"]
best = max(items, key=lambda f: f["measure_count"])
print(best["id"], best["measure_count"], len(items))
PY
)"
    local field_id field_measures field_count
    read -r field_id field_measures field_count <<<"$field"
    local measures_path="/api/v1/fields/$field_id/measures?limit=$PAGE_LIMIT"
    local page_bytes
    page_bytes="$(python3 - "$BASE$measures_path" "$PAGE_LIMIT" <<'PY'
import json, sys, urllib.request
body = urllib.request.urlopen(sys.argv[1], timeout=10).read()
items = json.loads(body)["items"]
if len(items) != int(sys.argv[2]):
    sys.exit(f"expected {sys.argv[2]} measures on the page, got {len(items)}")
print(len(body))
PY
)"
    NOTES+=("$backend: $field_count fields loaded; measures endpoint uses field id $field_id ($field_measures measures), page of $PAGE_LIMIT = $page_bytes bytes of JSON")

    local name path label out parsed rps p50 p99 non2xx errors
    local -A RPS=()
    for name in healthz measures; do
        if [[ "$name" == healthz ]]; then
            path="/healthz"; label="GET /healthz"
        else
            path="$measures_path"; label="GET /api/v1/fields/{id}/measures?limit=$PAGE_LIMIT"
        fi
        kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited (see $RESULTS/$backend-server.log)"
        if [[ "$WARMUP" != 0 && "$WARMUP" != 0s ]]; then
            wrk -t1 -c4 -d"$WARMUP" "$BASE$path" >/dev/null
        fi
        out="$RESULTS/$backend-$name.txt"
        log "wrk $DURATION, $CONNECTIONS connections, $THREADS threads: $path"
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$BASE$path" >"$out"
        parsed="$(parse_wrk "$out")"
        read -r rps p50 p99 non2xx errors <<<"$parsed"
        RPS[$name]="$rps"
        ROWS+=("| $backend | \`$label\` | $rps | $p50 ms | $p99 ms |")
        [[ "$non2xx" == 0 ]] || WARNINGS+=("$backend $name: $non2xx responses were not 2xx/3xx (see $out)")
        [[ "$errors" == 0 ]] || WARNINGS+=("$backend $name: $errors socket errors/timeouts (see $out)")
    done

    # Peak resident memory of the server over the whole run, read right before stopping it.
    local hwm
    hwm="$(awk '/^VmHWM:/ {printf "%.1f MiB", $2/1024}' "/proc/$SERVER_PID/status")"
    stop_server

    local ratio
    ratio="$(awk -v a="${RPS[measures]}" -v b="${RPS[healthz]}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
    NOTES+=("$backend: peak RSS (VmHWM) of the server: $hwm; req/s catalogue page / healthz: $ratio")

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
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if ! git -C "$ROOT" diff --quiet HEAD -- src Cargo.toml Cargo.lock migrations 2>/dev/null; then
    COMMIT="$COMMIT (with uncommitted changes)"
fi
WRK_VERSION="$(wrk -v 2>&1 | awk 'NR == 1 {print $2}' || true)"  # wrk -v exits with 1

{
    echo "## Load test $STAMP"
    echo
    echo "- machine: $(nproc) CPUs ($CPU_MODEL), $MEM_TOTAL memory; wrk runs on the same machine"
    echo "- binary: ${BIN#"$ROOT"/}, profile: $PROFILE; commit $COMMIT"
    echo "- server: WORKERS=${WORKERS:-default (cores)}, DB_POOL_SIZE=${DB_POOL_SIZE:-default}, CATALOGUE_CACHE_TTL_SECS=${CATALOGUE_CACHE_TTL_SECS:-default (5)}, RUST_LOG=warn"
    echo "- wrk ${WRK_VERSION:-?}: $THREADS threads, $CONNECTIONS connections, $DURATION per endpoint (warm-up $WARMUP), no compression"
    echo "- data: ${CATALOGUE_INFO#catalogue: }"
    echo
    echo "| backend | endpoint | req/s | p50 | p99 |"
    echo "|---|---|---:|---:|---:|"
    printf '%s\n' "${ROWS[@]}"
    echo
    printf -- '- %s\n' "${NOTES[@]}"
    if [[ ${#WARNINGS[@]} -gt 0 ]]; then
        echo
        printf -- '- WARNING: %s\n' "${WARNINGS[@]}"
    fi
    echo
    echo "Raw wrk outputs and server logs: tests/load/results/$STAMP/"
} | tee "$RESULTS/summary.md"
