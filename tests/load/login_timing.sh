#!/usr/bin/env bash
# Measures whether a sign-in reveals that an address has an account by its duration:
# median and spread of N sequential failed sign-ins with a wrong password for an existing
# account, and with an address that has none (interleaved, so both see the same machine).
#
#   tests/load/login_timing.sh                       # release binary, 40 of each
#   BIN=target/debug/beteiligung N=10 tests/load/login_timing.sh
#
# Loopback only; starts its own server on a temporary SQLite file and removes everything.
set -Eeuo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BIN="${BIN:-$ROOT/target/release/beteiligung}"
[[ "$BIN" = /* ]] || BIN="$ROOT/$BIN"
N="${N:-40}"
PORT="${PORT:-18090}"
TMP="$(mktemp -d)"
SERVER=""
cleanup() { [[ -n "$SERVER" ]] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
[[ -x "$BIN" ]] || { echo "no binary at $BIN (cargo build --release)" >&2; exit 1; }

export DATABASE_URL="$TMP/timing.db" BIND="127.0.0.1:$PORT" RUST_LOG=warn SEED_DEMO=false \
    RATE_LIMIT_LOGIN_PER_ADDRESS=1000000 RATE_LIMIT_LOGIN_PER_CLIENT=1000000
cd "$TMP"
printf '%s\n' 'Lasttest Sparrenburg 2026' | "$BIN" create-admin --email known@example.org 2>/dev/null
"$BIN" serve 2>"$TMP/server.log" &
SERVER=$!
for _ in $(seq 1 100); do curl -sf "http://$BIND/healthz" >/dev/null && break; sleep 0.1; done

attempt() {
    curl -s -o /dev/null -w '%{time_total}\n' -H 'Content-Type: application/json' \
        -d "{\"email\":\"$1\",\"password\":\"Falsches Passwort 2026\"}" "http://$BIND/api/v1/auth/login"
}
for _ in $(seq 1 "$N"); do
    attempt known@example.org >>"$TMP/known.txt"
    attempt nobody@example.org >>"$TMP/unknown.txt"
done
python3 - "$TMP/known.txt" "$TMP/unknown.txt" <<'PY'
import statistics, sys
for label, path in (("wrong password, existing account", sys.argv[1]), ("address without account", sys.argv[2])):
    ms = sorted(float(x) * 1000 for x in open(path))
    q = statistics.quantiles(ms, n=10)
    print(f"| {label} | {len(ms)} | {statistics.median(ms):.1f} ms | {q[0]:.1f} ms | {q[-1]:.1f} ms |")
PY
