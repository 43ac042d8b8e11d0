#!/usr/bin/env bash
# Runs schemathesis (a pinned version, from target/ci-venv) against the debug binary with all
# checks and phases, anonymously and as a verified participant, a moderator and an
# administrator, with a fixed seed and a time budget per run. Exceptions live in
# tests/schemathesis/schemathesis.toml, each with its reason. Loopback only.
#
#   bash tests/schemathesis/run.sh            (after `cargo build`; .ci/run installs schemathesis)
#   SCHEMATHESIS_SEED=7 bash tests/schemathesis/run.sh   (another seed than the fixed 42)
set -euo pipefail
cd "$(dirname "$0")/../.."

st="${SCHEMATHESIS:-target/ci-venv/bin/st}"
bin="${BETEILIGUNG_BIN:-target/debug/beteiligung}"
budget="${SCHEMATHESIS_SECONDS:-45}"
[ -x "$st" ] || { echo "schemathesis is not installed at $st (bash .ci/run installs it)" >&2; exit 1; }
[ -x "$bin" ] || cargo build --quiet --bin beteiligung

work=$(mktemp -d)
report_dir=target/schemathesis
mkdir -p "$report_dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
export DATABASE_URL="sqlite://$work/st.db" BIND="127.0.0.1:$port" SEED_DEMO=true \
  JWT_SECRET="schemathesis-run-signing-key-0123456789-abcdef" PUBLIC_BASE_URL="https://frontend.test" \
  RATE_LIMIT_LOGIN_PER_ADDRESS=1000000 RATE_LIMIT_LOGIN_PER_CLIENT=1000000 \
  RATE_LIMIT_REGISTER_PER_CLIENT=1000000 RATE_LIMIT_RESET_PER_CLIENT=1000000 RATE_LIMIT_WRITES_PER_ACCOUNT=1000000 \
  RUST_LOG=info,http=warn
# Generators for bodies schemathesis cannot make by itself (PDF attachments).
export PYTHONPATH="tests/schemathesis${PYTHONPATH:+:$PYTHONPATH}" SCHEMATHESIS_HOOKS=hooks
password='Teutoburger Wald im Nebel'
echo "$password" | "$bin" create-admin --email admin@example.test >/dev/null 2>&1
"$bin" serve >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
post() { curl -fsS -H 'content-type: application/json' "$@"; }
login() { post "$base/api/v1/auth/login" -d "{\"email\":\"$1\",\"password\":\"$password\"}" | json "['access_token']"; }
# A verified participant: register, take the link's token from the mail (without SMTP_URL the
# outbox writes each mail as a file beside the database), confirm.
participant() {
  post "$base/api/v1/auth/register" -d "{\"email\":\"$1\",\"password\":\"$password\",\"display_name\":\"$2\",\"terms_version\":\"2026-11\",\"privacy_version\":\"2026-12\"}" >/dev/null
  local token=""
  # The outbox writes the mail on its own schedule; on a busy machine that took over 10 s.
  for _ in $(seq 1 150); do
    token=""
    for candidate in $(grep -rho 'verify-email?token=[A-Za-z0-9_-]*' "$work/st.db.mails" 2>/dev/null | cut -d= -f2); do
      grep -qx "$candidate" "$work/used" 2>/dev/null || { token=$candidate; break; }
    done
    [ -n "$token" ] && break
    sleep 0.2
  done
  echo "$token" >>"$work/used"
  post "$base/api/v1/auth/verify-email" -d "{\"token\":\"$token\"}" >/dev/null
}
participant participant@example.test "Lena M."
participant moderator@example.test "Moderation"
admin=$(login admin@example.test)
moderator_id=$(curl -fsS -H "authorization: Bearer $(login moderator@example.test)" "$base/api/v1/me" | json "['id']")
curl -fsS -X PUT -H "authorization: Bearer $admin" -H 'content-type: application/json' \
  "$base/api/v1/admin/users/$moderator_id/role" -d '{"role":"moderator"}' >/dev/null

failed=0
run() {
  local who=$1; shift
  echo "== schemathesis as $who"
  if ! "$st" --config-file tests/schemathesis/schemathesis.toml run "$base/openapi.json" \
      --phases examples,coverage,fuzzing,stateful --seed "${SCHEMATHESIS_SEED:-42}" --max-time "$budget" \
      --workers 1 --no-color --report json --report-json-path "$report_dir/$who.json" "$@"; then
    failed=1
  fi
}
run anonymous
# Signing out or changing the password would end the session the rest of a run uses: those
# three operations run anonymously above (their 401s). Each role gets a fresh session right
# before its run, and the administrator (who can block the others) runs last.
keep_session=(--exclude-path /api/v1/auth/logout --exclude-path /api/v1/auth/logout-all
  --exclude-path /api/v1/auth/password)
run participant "${keep_session[@]}" -H "Authorization: Bearer $(login participant@example.test)"
run moderator "${keep_session[@]}" -H "Authorization: Bearer $(login moderator@example.test)"
run administrator "${keep_session[@]}" -H "Authorization: Bearer $(login admin@example.test)"
exit $failed
