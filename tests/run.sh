#!/usr/bin/env bash
# The project's one test command (README and .ci/run):
#   formatting, lints, the OpenAPI document against an independent validator (when installed),
#   the whole suite on SQLite and — when PostgreSQL is reachable — on PostgreSQL too, then
#   schemathesis against the served OpenAPI document (tests/schemathesis/, when installed).
#
# PostgreSQL: set TEST_DATABASE_URL to a database on a server where the user may create
# databases (each test creates and drops its own); without it, a server on 127.0.0.1:5432
# with the `postgres` user is used when one answers. REQUIRE_POSTGRES=1 makes its absence an
# error instead of a skip (CI sets it).
#
# Redis (the shared rate limits): TEST_REDIS_URL names it; without it a Redis answering on
# 127.0.0.1:6379 is used. REQUIRE_REDIS=1 makes its absence an error instead of a skip (CI).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${TEST_DATABASE_URL:-}" ]; then
  if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; then
    export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres"
  elif [ "${REQUIRE_POSTGRES:-}" = 1 ]; then
    echo "tests/run.sh: REQUIRE_POSTGRES=1 but no PostgreSQL answers and TEST_DATABASE_URL is unset" >&2
    exit 1
  else
    echo "tests/run.sh: no PostgreSQL on 127.0.0.1:5432 and TEST_DATABASE_URL unset: PostgreSQL variants are skipped" >&2
  fi
fi
[ -n "${TEST_DATABASE_URL:-}" ] && echo "tests/run.sh: PostgreSQL variants run against ${TEST_DATABASE_URL%%\?*}" | sed -E 's#//[^@/]*@#//…@#'

if [ -z "${TEST_REDIS_URL:-}" ]; then
  if command -v redis-cli >/dev/null 2>&1 && redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -qx PONG; then
    export TEST_REDIS_URL="redis://127.0.0.1:6379"
  elif [ "${REQUIRE_REDIS:-}" = 1 ]; then
    echo "tests/run.sh: REQUIRE_REDIS=1 but no Redis answers on 127.0.0.1:6379 and TEST_REDIS_URL is unset" >&2
    exit 1
  else
    echo "tests/run.sh: no Redis on 127.0.0.1:6379 and TEST_REDIS_URL unset: the shared rate-limit tests are skipped" >&2
  fi
fi

cargo fmt --all -- --check
cargo clippy --locked --all-targets -- -D warnings

validator="${OPENAPI_VALIDATOR:-target/ci-venv/bin/openapi-spec-validator}"
if [ -x "$validator" ]; then
  "$validator" openapi/openapi.json
elif [ "${CI:-}" = true ]; then
  echo "tests/run.sh: the OpenAPI validator is missing ($validator); .ci/run installs it" >&2
  exit 1
else
  echo "tests/run.sh: OpenAPI validator not installed (bash .ci/run installs it); skipping that check" >&2
fi

cargo test --locked

# The served contract under fire: schemathesis against the binary the tests just built.
st="${SCHEMATHESIS:-target/ci-venv/bin/st}"
if [ -x "$st" ]; then
  SCHEMATHESIS="$st" bash tests/schemathesis/run.sh
elif [ "${CI:-}" = true ]; then
  echo "tests/run.sh: schemathesis is missing ($st); .ci/run installs it" >&2
  exit 1
else
  echo "tests/run.sh: schemathesis not installed (bash .ci/run installs it); skipping that run" >&2
fi
