#!/usr/bin/env bash
# Platform API benchmark: the release binary on SQLite with a seeded dataset,
# measured with wrk on loopback. Every number is taken in one run against one
# server, next to a static response of the same server (the ceiling), and
# reported as ratios. Usage: scripts/bench.sh [ACCOUNTS] (default 1000000).
set -euo pipefail
cd "$(dirname "$0")/.."
ACCOUNTS=${1:-1000000}
PLATFORMS=4
PORT=${BENCH_PORT:-18181}
DURATION=${BENCH_SECONDS:-10}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/registry-target}"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }

cargo build --release --locked --quiet --bin registry
BIN="$CARGO_TARGET_DIR/release/registry"
WORK=$(mktemp -d /tmp/registry-bench.XXXXXX)
SERVER=""
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
export REGISTRY_DATABASE_URL="sqlite://$WORK/registry.db" REGISTRY_KEY_FILE="$WORK/registry.key" REGISTRY_LOG=warn
"$BIN" keys generate --out "$REGISTRY_KEY_FILE" >/dev/null

SEED_START=$(date +%s.%N)
"$BIN" seed --accounts "$ACCOUNTS" --platforms "$PLATFORMS" --json > "$WORK/seed.json"
SEED_SECONDS=$(python3 -c "print(f'{$(date +%s.%N) - $SEED_START:.1f}')")
TOKEN=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['platforms'][0]['token'])" "$WORK/seed.json")

METRICS_PORT=$((PORT + 1))
REGISTRY_BIND="127.0.0.1:$PORT" REGISTRY_METRICS_BIND="127.0.0.1:$METRICS_PORT" REGISTRY_PLATFORM_RATE_LIMIT=1000000000 REGISTRY_CLAIM_ATTEMPTS_PER_MINUTE=1000000000 \
  "$BIN" serve 2> "$WORK/server.log" &
SERVER=$!
for _ in $(seq 50); do curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
URL="http://127.0.0.1:$PORT"
PER_PLATFORM=$((ACCOUNTS / PLATFORMS))

# Platform seed-1 holds account ids 1, 5, 9, … (round robin over 4 platforms).
# Both scripts do the same client work, so the ratio measures the server.
lua_request() { # $1: path format with one %08d
cat <<LUA
math.randomseed(7)
wrk.headers["Authorization"] = "Bearer $TOKEN"
request = function()
  local id = math.random(0, $PER_PLATFORM - 1) * $PLATFORMS + 1
  return wrk.format("GET", string.format("$1", id))
end
LUA
}
lua_request "/healthz?ref=acct-%08d" > "$WORK/static.lua"
lua_request "/api/v1/accounts/acct-%08d" > "$WORK/single.lua"
cat > "$WORK/batch.lua" <<LUA
math.randomseed(11)
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $TOKEN"
wrk.headers["Content-Type"] = "application/json"
local bodies = {}
for b = 1, 16 do
  local refs = {}
  for i = 1, 1000 do refs[i] = string.format('"acct-%08d"', math.random(0, $PER_PLATFORM - 1) * $PLATFORMS + 1) end
  bodies[b] = '{"account_refs":[' .. table.concat(refs, ",") .. ']}'
end
local n = 0
request = function()
  n = n % 16 + 1
  return wrk.format(nil, "/api/v1/status/batch", nil, bodies[n])
end
LUA

run_wrk() { # $1 name, $2 connections, $3 script; prints "rps p50_ms p99_ms"
  wrk -t1 -c"$2" -d"${DURATION}s" --latency -s "$3" "$URL" > "$WORK/$1.txt"
  python3 - "$WORK/$1.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
if "Non-2xx" in text:
    sys.exit("non-2xx responses:\n" + text)
def ms(label):
    m = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", text)
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
print(f"{rps:.0f} {ms(50):.2f} {ms(99):.2f}")
PY
}

# Warm the page cache so that every run sees the same state.
wrk -t1 -c32 -d3s -s "$WORK/single.lua" "$URL" >/dev/null
read -r STATIC_RPS STATIC_P50 STATIC_P99 < <(run_wrk static 32 "$WORK/static.lua")
read -r SINGLE_RPS SINGLE_P50 SINGLE_P99 < <(run_wrk single 32 "$WORK/single.lua")
read -r BATCH_RPS BATCH_P50 BATCH_P99 < <(run_wrk batch 1 "$WORK/batch.lua")
# Server time of a batch call: the server's own latency histogram, from request to response.
curl -fsS "http://127.0.0.1:$METRICS_PORT/metrics" > "$WORK/metrics.txt"
BATCH_SERVER_MS=$(python3 - "$WORK/metrics.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
labels = r'\{method="POST",route="/api/v1/status/batch",status="2xx"\}'
value = lambda name: float(re.search(name + labels + r" ([\d.e+-]+)", text).group(1))
print(f"{value('registry_http_request_duration_seconds_sum') / value('registry_http_request_duration_seconds_count') * 1000:.2f}")
PY
)

# Status reads while owners submit identifications (argon2 on the bounded gate).
for batch in 0 1 2; do
  python3 - "$batch" > "$WORK/load-report-$batch.json" <<'PY'
import json, sys
b = int(sys.argv[1])
print(json.dumps({"accounts": [{"account_ref": f"load-{b}-{i:04d}", "handle": f"@load_{b}_{i}", "follower_count": 9000}
                               for i in range(1000)]}))
PY
  curl -fsS -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    --data-binary @"$WORK/load-report-$batch.json" "$URL/api/v1/accounts/report" > "$WORK/load-codes-$batch.json"
done
python3 - "$WORK" > "$WORK/codes.json" <<'PY'
import json, sys, glob
codes = {}
for f in glob.glob(sys.argv[1] + "/load-codes-*.json"):
    codes.update({r["account_ref"]: r["claim_code"] for r in json.load(open(f))["results"] if "claim_code" in r})
print(json.dumps(codes))
PY
python3 scripts/submissions.py "$URL" seed-1 "$WORK/codes.json" 16 "$((DURATION + 2))" > "$WORK/submissions.txt" &
LOAD=$!
sleep 1
read -r LOADED_RPS LOADED_P50 LOADED_P99 < <(run_wrk loaded 32 "$WORK/single.lua")
wait "$LOAD"
read -r SUBMITTED BUSY FAILED SUBMIT_SECONDS < "$WORK/submissions.txt"

SYNC=$(python3 - "$URL" "$WORK/seed.json" <<'PY'
import json, sys, time, urllib.request
url, seed = sys.argv[1], json.load(open(sys.argv[2]))
start, total = time.monotonic(), 0
for platform in seed["platforms"]:
    after = 0
    while True:
        req = urllib.request.Request(f"{url}/api/v1/changes?after={after}&limit=10000",
                                     headers={"Authorization": "Bearer " + platform["token"]})
        page = json.load(urllib.request.urlopen(req))
        if not page["changes"]:
            break
        total += len(page["changes"])
        after = page["next"]
print(f"{total} {time.monotonic() - start:.2f}")
PY
)
read -r SYNC_ROWS SYNC_SECONDS <<< "$SYNC"
RSS_KB=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status")

python3 - <<PY
static, single = $STATIC_RPS, $SINGLE_RPS
print(f"""
## Platform API on SQLite, $ACCOUNTS accounts over $PLATFORMS platforms ($(nproc) cores, wrk on the same machine)

Seeding $ACCOUNTS accounts: $SEED_SECONDS s.

| run | requests/s | p50 ms | p99 ms | ratio to the static ceiling |
|---|---|---|---|---|
| static response (ceiling, 32 connections) | {static:.0f} | $STATIC_P50 | $STATIC_P99 | 1.00 |
| single status, random accounts (32 connections) | {single:.0f} | $SINGLE_P50 | $SINGLE_P99 | {single / static:.2f} |
| batch of 1,000 statuses (1 connection) | $BATCH_RPS | $BATCH_P50 | $BATCH_P99 | {$BATCH_RPS * 1000 / static:.2f} (statuses/s) |

Batch server time (mean, from the server's latency histogram): $BATCH_SERVER_MS ms per call of 1,000 statuses.

Under load: 16 owners submitting at once (claim, then identification with an argon2id blind index on the
bounded gate, retrying 200 ms after each "try again shortly") completed $SUBMITTED identifications in
$SUBMIT_SECONDS s ($BUSY answers of "try again shortly", $FAILED failed), while single-status reads ran at {$LOADED_RPS:.0f} requests/s with p99 $LOADED_P99 ms:
**{$LOADED_P99 / $SINGLE_P99:.2f}x the unloaded p99** ({$LOADED_RPS / single:.2f}x the unloaded throughput).

Full change-feed sync: $SYNC_ROWS changes in $SYNC_SECONDS s (pages of 10,000; {$SYNC_ROWS / $SYNC_SECONDS:.0f} changes/s).
Peak server resident memory (VmHWM): {$RSS_KB / 1024:.0f} MiB, which counts the memory-mapped database pages the reads touched (page cache, shared and reclaimable).

Targets: single status >= 0.50 of the ceiling -> {'met' if single / static >= 0.5 else 'NOT met'}; \
batch server time < 5 ms -> {'met' if $BATCH_SERVER_MS < 5 else 'NOT met'}; \
full sync < 5 s -> {'met' if $SYNC_SECONDS < 5 else 'NOT met'}; \
no failed submissions under load -> {'met' if $FAILED == 0 else 'NOT met'}.
""")
PY
