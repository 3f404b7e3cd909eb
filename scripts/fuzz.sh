#!/usr/bin/env bash
# Sends schema-generated requests (schemathesis, every check it has) to
# every operation of the OpenAPI document, against a fresh
# `registry serve --demo` on SQLite: platform operations with the demo
# platform's token, officials' operations with an official holding every
# role but auditor, then the auditor's. Fails on any server error, any
# response the document does not describe, any schema-invalid request
# accepted, any schema-valid platform request refused, and any method the
# document does not declare that is not answered 405.
#
#   scripts/fuzz.sh [EXAMPLES_PER_OPERATION]      (default 300)
set -euo pipefail
cd "$(dirname "$0")/.."
EXAMPLES=${1:-300}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/registry-target}"
venv="$CARGO_TARGET_DIR/fuzz-venv"
if [ ! -x "$venv/bin/st" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "schemathesis>=4,<5"
fi
cargo build --locked --quiet --bin registry
bin="$CARGO_TARGET_DIR/debug/registry"

work=$(mktemp -d /tmp/registry-fuzz.XXXXXX)
port=${FUZZ_PORT:-18480}
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
# The default SQLite set-up under $work/data, as `serve --demo` makes it; the
# commands below run there too. Generous limits: the run is about the contract, not the brakes.
export REGISTRY_PLATFORM_RATE_LIMIT=1000000 REGISTRY_DISCLOSURES_PER_DAY=10000 \
  REGISTRY_IDENTIFIER_SEARCHES_PER_DAY=10000 REGISTRY_REVIEWS_PER_DAY=10000 REGISTRY_LOG=warn
(cd "$work" && exec env REGISTRY_BIND="127.0.0.1:$port" REGISTRY_METRICS_BIND="127.0.0.1:$((port + 1))" \
  "$bin" serve --demo) > "$work/stdout" 2> "$work/stderr" &
server=$!
base="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -fsS "$base/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "$base/readyz" >/dev/null || { cat "$work/stderr"; exit 1; }

export FUZZ_PLATFORM_TOKEN
FUZZ_PLATFORM_TOKEN=$(grep -A1 "Platform 'demo' API token" "$work/stdout" | tail -1 | tr -d ' ')
# Something for the officials' operations to find.
curl -fsS -H "Authorization: Bearer $FUZZ_PLATFORM_TOKEN" -H 'Content-Type: application/json' \
  -d '{"accounts":[{"account_ref":"fuzz-1","handle":"@fuzz","follower_count":9000}]}' \
  "$base/api/v1/accounts/report" >/dev/null

# An official's bearer token, logging in as an authenticator app would.
token_of() {
  (cd "$work" && "$bin" official add --username "$1" --roles "$2" --json) | python3 -c '
import base64, hashlib, hmac, json, struct, sys, time, urllib.request
official = json.load(sys.stdin)
secret = official["totp_secret"]
key = base64.b32decode(secret + "=" * (-len(secret) % 8))
mac = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
offset = mac[-1] & 15
code = "%06d" % ((struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 1000000)
body = json.dumps({"username": sys.argv[1], "password": official["password"], "totp": code}).encode()
request = urllib.request.Request(sys.argv[2] + "/api/v1/regulator/login", body, {"Content-Type": "application/json"})
print(json.load(urllib.request.urlopen(request))["token"])' "$1" "$base"
}

st() { "$venv/bin/st" --config-file scripts/fuzz.toml run "$base/api/openapi.json" \
  --max-examples "$EXAMPLES" --workers 2 --suppress-health-check all --no-color "$@"; }

# Both sessions first: fuzzing the login soon bars this address from logging in.
official=$(token_of fuzz.official requester,approver,registrar)
auditor=$(token_of fuzz.auditor auditor)
# Every operation but the audit log and logout (which would end the session).
FUZZ_OFFICIAL_TOKEN=$official st --exclude-path /api/v1/regulator/audit --exclude-path /api/v1/regulator/logout
# The auditor's operations, then logout.
FUZZ_OFFICIAL_TOKEN=$auditor st --include-path /api/v1/regulator/audit --include-path /api/v1/regulator/logout
if grep -q "panicked" "$work/stderr"; then
  echo "the server panicked:" >&2
  grep -A5 "panicked" "$work/stderr" >&2
  exit 1
fi
