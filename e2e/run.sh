#!/usr/bin/env bash
# Runs the browser suite against a fresh `registry serve --demo` (SQLite in a
# temporary directory). Installs Chromium and the npm packages if missing.
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/registry-target}"
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v npm >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --silent
(cd .. && cargo build --locked --quiet --bin registry)

work=$(mktemp -d /tmp/registry-e2e.XXXXXX)
port=${E2E_PORT:-18380}
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
# Checkpoints every second: an owner's proof of a disclosure is ready at once.
(cd "$work" && exec env REGISTRY_BIND="127.0.0.1:$port" REGISTRY_METRICS_BIND="127.0.0.1:$((port + 1))" REGISTRY_LOG=warn REGISTRY_HELP_CONTACT="1414 or help@registry.example.kz" REGISTRY_CHECKPOINT_INTERVAL=1s "$CARGO_TARGET_DIR/debug/registry" serve --demo) \
  > "$work/stdout" 2> "$work/stderr" &
server=$!
base="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -fsS "$base/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "$base/readyz" >/dev/null || { cat "$work/stderr"; exit 1; }

# Accounts through the real platform API: one per language to claim, one below the threshold.
token=$(grep -A1 "Platform 'demo' API token" "$work/stdout" | tail -1 | tr -d ' ')
curl -fsS -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"accounts":[{"account_ref":"e2e-kk","handle":"@e2e_kk","follower_count":7000},
                   {"account_ref":"e2e-ru","handle":"@e2e_ru","follower_count":7000},
                   {"account_ref":"e2e-en","handle":"@e2e_en","follower_count":7000},
                   {"account_ref":"e2e-kk-2","handle":"@e2e_kk_2","follower_count":7000},
                   {"account_ref":"e2e-ru-2","handle":"@e2e_ru_2","follower_count":7000},
                   {"account_ref":"e2e-en-2","handle":"@e2e_en_2","follower_count":7000},
                   {"account_ref":"e2e-small","handle":"@small","follower_count":10}]}' \
  "$base/api/v1/accounts/report" > "$work/report.json"
# The claim codes the platform would show each owner, by language.
export E2E_CLAIM_CODES=$(node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results;
  console.log(JSON.stringify(Object.fromEntries(r.filter(x => x.claim_code).map(x => [x.account_ref.slice(4), x.claim_code]))));
' "$work/report.json")

# The demo officials' passwords and TOTP secrets, by username.
export E2E_OFFICIALS=$(node -e '
  const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n");
  const officials = {};
  lines.forEach((line, i) => {
    const m = line.match(/^Official (\S+) /);
    if (m) officials[m[1]] = { password: lines[i + 1].split(": ")[1].trim(), totp_secret: lines[i + 2].split(": ")[1].trim() };
  });
  console.log(JSON.stringify(officials));
' "$work/stdout")

# The demo platform's token, for the statements check.
export E2E_PLATFORM_TOKEN="$token"

# The command line an outside body checks proofs with, and the log's public key.
export E2E_REGISTRY="$CARGO_TARGET_DIR/debug/registry"
export E2E_LOG_KEY=$(cd "$work" && "$E2E_REGISTRY" audit log-key)
# Where one test file leaves what a later one needs (an owner's reference and key).
export E2E_STATE_DIR="$work"

# No SMTP server: the service writes mail as .eml files, which the tests read.
export E2E_MAIL_DIR="$work/data/outbox"
export BASE_URL="$base" E2E_SCREENSHOTS="${E2E_SCREENSHOTS:-$CARGO_TARGET_DIR/e2e-screenshots}"
# One file at a time: the regulator test asks about an owner the claim test registers.
node --test --test-concurrency=1 --test-reporter=spec pages.test.mjs claim.test.mjs regulator.test.mjs statements.test.mjs
echo "screenshots: $E2E_SCREENSHOTS"
