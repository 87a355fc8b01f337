#!/usr/bin/env bash
# Runs the test suites. `all` (what `npm test` runs) first makes sure the local Kafka broker and PostgreSQL
# are up (both idempotent), then runs unit, integration and end-to-end tests with Node's test runner.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

suite="${1:-all}"
shift || true

find_tests() { find "$@" -name '*.test.ts' 2>/dev/null | sort; }

ensure_services() {
  bash scripts/kafka.sh start
  local pg_out
  pg_out="$(bash scripts/postgres.sh)"
  echo "$pg_out"
  export TEST_DATABASE_URL="${TEST_DATABASE_URL:-$(echo "$pg_out" | sed -n 's/^TEST_DATABASE_URL=//p' | tail -n 1)}"
  export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:${KAFKA_PORT:-9092}}"
  echo "tests use Kafka at $KAFKA_BROKERS and PostgreSQL at $TEST_DATABASE_URL"
}

run_node_tests() {
  local concurrency="$1"; shift
  local files=("$@")
  if [ ${#files[@]} -eq 0 ]; then echo "no test files found" >&2; exit 1; fi
  node --import tsx --test --test-concurrency="$concurrency" --test-timeout=600000 "${files[@]}"
}

case "$suite" in
  unit)
    mapfile -t files < <(find_tests test/unit)
    run_node_tests 2 "${files[@]}"
    ;;
  integration)
    ensure_services
    mapfile -t files < <(find_tests test/integration test/e2e)
    run_node_tests 1 "${files[@]}"
    ;;
  all)
    ensure_services
    mapfile -t files < <(find_tests test/unit test/integration test/e2e)
    run_node_tests 1 "${files[@]}"
    ;;
  *)
    # A single file or folder: scripts/test.sh test/unit/config
    ensure_services
    mapfile -t files < <(find_tests "$suite" "$@")
    run_node_tests 1 "${files[@]}"
    ;;
esac
