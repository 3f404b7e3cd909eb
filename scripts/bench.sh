#!/usr/bin/env bash
# Platform API benchmark on both backends: the release binary over a seeded
# dataset, measured with wrk on loopback. Every number of a backend is taken
# in one run against its own servers, next to a static response of the same
# server (the ceiling), and reported as ratios.
#
# Usage: scripts/bench.sh [ACCOUNTS] [POSTGRES_URL]
#   ACCOUNTS      accounts to seed (default 1000000)
#   POSTGRES_URL  a server where a throwaway database may be created
#                 (default postgres://postgres@127.0.0.1:5432/postgres; "-" runs SQLite only)
set -euo pipefail
cd "$(dirname "$0")/.."
ACCOUNTS=${1:-1000000}
POSTGRES_URL=${2:-postgres://postgres@127.0.0.1:5432/postgres}
PLATFORMS=4
PORT=${BENCH_PORT:-18181}
DURATION=${BENCH_SECONDS:-10}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/registry-target}"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }

WORK=$(mktemp -d /tmp/registry-bench.XXXXXX)
# A build whose status answers leave out their signature, for what
# signatures cost a read measured in this run; built first, as the
# signed build must be the one left in release/.
cargo build --release --locked --quiet --bin registry --features unsigned-reads
cp "$CARGO_TARGET_DIR/release/registry" "$WORK/registry-unsigned"
cargo build --release --locked --quiet --bin registry
BIN="$CARGO_TARGET_DIR/release/registry"
NODES=()
PG_DB=""
stop_nodes() { for pid in "${NODES[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done; NODES=(); }
cleanup() {
  stop_nodes
  [ -n "$PG_DB" ] && psql -q "$POSTGRES_URL" -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT
export REGISTRY_KEY_FILE="$WORK/registry.key" REGISTRY_LOG=warn
"$BIN" keys generate --out "$REGISTRY_KEY_FILE" >/dev/null

# Starts `serve` of $2 (default $BIN) on $1 (metrics on $1+1) over
# $REGISTRY_DATABASE_URL; waits until ready.
start_node() {
  REGISTRY_BIND="127.0.0.1:$1" REGISTRY_METRICS_BIND="127.0.0.1:$(($1 + 1))" \
  REGISTRY_PLATFORM_RATE_LIMIT=1000000000 REGISTRY_CLAIM_ATTEMPTS_PER_MINUTE=1000000000 \
  REGISTRY_WEBHOOK_ALLOW=127.0.0.2 REGISTRY_WEBHOOK_ALLOW_HTTP=true \
    "${2:-$BIN}" serve 2>> "$WORK/server-$1.log" &
  NODES+=($!)
  for _ in $(seq 600); do curl -fsS "http://127.0.0.1:$1/readyz" >/dev/null 2>&1 && return; sleep 0.1; done
  echo "node on port $1 did not become ready" >&2; cat "$WORK/server-$1.log" >&2; exit 1
}

run_wrk() { # $1 name, $2 connections, $3 script, $4 url; prints "rps p50_ms p99_ms"
  wrk -t1 -c"$2" -d"${DURATION}s" --latency -s "$3" "$4" > "$WORK/$1.txt"
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

# Everything for one backend; $1 names it, $REGISTRY_DATABASE_URL points at an empty database.
bench_backend() {
  local name=$1 a=$PORT b=$((PORT + 2)) url="http://127.0.0.1:$PORT"
  local seed_start; seed_start=$(date +%s.%N)
  "$BIN" seed --accounts "$ACCOUNTS" --platforms "$PLATFORMS" --json > "$WORK/seed-$name.json"
  local seed_seconds; seed_seconds=$(python3 -c "print(f'{$(date +%s.%N) - $seed_start:.1f}')")
  local token; token=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['platforms'][0]['token'])" "$WORK/seed-$name.json")
  local load_start; load_start=$(date +%s.%N)
  start_node "$a"
  local load_seconds; load_seconds=$(python3 -c "print(f'{$(date +%s.%N) - $load_start:.1f}')")
  local node_a=${NODES[-1]}
  # Anonymous memory once the status mirror has loaded: the mirror, the
  # pools and the binary's own heap (file pages such as SQLite's mmap are not in it).
  local anon_kb; anon_kb=$(awk '/RssAnon/ {print $2}' "/proc/$node_a/status")
  start_node "$b"

  # Platform seed-1 holds account ids 1, 5, 9, … (round robin over 4 platforms).
  # The ceiling and the single read do the same client work, so the ratio measures the server.
  local per_platform=$((ACCOUNTS / PLATFORMS))
  lua_request() { # $1: path format with one %08d
    printf 'math.randomseed(7)\nwrk.headers["Authorization"] = "Bearer %s"\n' "$token"
    printf 'request = function()\n  local id = math.random(0, %d - 1) * %d + 1\n' "$per_platform" "$PLATFORMS"
    printf '  return wrk.format("GET", string.format("%s", id))\nend\n' "$1"
  }
  lua_request "/healthz?ref=acct-%08d" > "$WORK/static.lua"
  lua_request "/api/v1/accounts/acct-%08d" > "$WORK/single.lua"
  cat > "$WORK/batch.lua" <<LUA
math.randomseed(11)
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $token"
wrk.headers["Content-Type"] = "application/json"
local bodies = {}
for b = 1, 16 do
  local refs = {}
  for i = 1, 1000 do refs[i] = string.format('"acct-%08d"', math.random(0, $per_platform - 1) * $PLATFORMS + 1) end
  bodies[b] = '{"account_refs":[' .. table.concat(refs, ",") .. ']}'
end
local n = 0
request = function()
  n = n % 16 + 1
  return wrk.format(nil, "/api/v1/status/batch", nil, bodies[n])
end
LUA
  # Reports of 20 new accounts each: the write path (feed lock, versions, claim codes).
  cat > "$WORK/report.lua" <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $token"
wrk.headers["Content-Type"] = "application/json"
local n = 0
request = function()
  n = n + 1
  local accounts = {}
  for i = 1, 20 do
    accounts[i] = string.format('{"account_ref":"w-$name-%d-%d","handle":"@w","follower_count":7000}', n, i)
  end
  return wrk.format(nil, "/api/v1/accounts/report", nil, '{"accounts":[' .. table.concat(accounts, ",") .. ']}')
end
LUA

  wrk -t1 -c32 -d3s -s "$WORK/single.lua" "$url" >/dev/null # warm up
  local static single batch report signed=() unsigned=() round
  static=$(run_wrk "static-$name" 32 "$WORK/static.lua" "$url")
  # Node C is the unsigned build over the same database: signed reads (A)
  # and unsigned ones (C) alternate, so the machine's drift falls on both.
  local c=$((PORT + 4))
  REGISTRY_UNSIGNED_READS=for-benchmarks-only start_node "$c" "$WORK/registry-unsigned"
  local node_c=${NODES[-1]} # stays in NODES, so that a failed run still stops it
  wrk -t1 -c32 -d3s -s "$WORK/single.lua" "http://127.0.0.1:$c" >/dev/null # warm up
  for round in 1 2; do
    signed+=("$(run_wrk "signed-$round-$name" 32 "$WORK/single.lua" "$url" | cut -d' ' -f1)")
    unsigned+=("$(run_wrk "unsigned-$round-$name" 32 "$WORK/single.lua" "http://127.0.0.1:$c" | cut -d' ' -f1)")
  done
  kill "$node_c" 2>/dev/null || true
  wait "$node_c" 2>/dev/null || true
  single=$(run_wrk "single-$name" 32 "$WORK/single.lua" "$url")
  batch=$(run_wrk "batch-$name" 1 "$WORK/batch.lua" "$url")
  curl -fsS "http://127.0.0.1:$((a + 1))/metrics" > "$WORK/metrics-$name.txt"
  report=$(run_wrk "report-$name" 4 "$WORK/report.lua" "$url")
  local fresh; fresh=$(python3 scripts/freshness.py "$url" "http://127.0.0.1:$b" "$token" 200)

  # Status reads while owners submit identifications (argon2 on the bounded gate).
  python3 - "$name" > "$WORK/load-report.json" <<'PY'
import json, sys
print(json.dumps({"accounts": [{"account_ref": f"load-{sys.argv[1]}-{i:04d}", "handle": f"@load_{i}", "follower_count": 9000}
                               for i in range(1000)]}))
PY
  curl -fsS -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    --data-binary @"$WORK/load-report.json" "$url/api/v1/accounts/report" > "$WORK/load-codes.json"
  python3 -c "import json,sys; print(json.dumps({r['account_ref']: r['claim_code'] for r in json.load(open(sys.argv[1]))['results'] if 'claim_code' in r}))" \
    "$WORK/load-codes.json" > "$WORK/codes.json"
  python3 scripts/submissions.py "$url" seed-1 "$WORK/codes.json" 16 "$((DURATION + 2))" > "$WORK/submissions-$name.txt" &
  local load=$!
  sleep 1
  local loaded; loaded=$(run_wrk "loaded-$name" 32 "$WORK/single.lua" "$url")
  wait "$load"

  curl -fsS "http://127.0.0.1:$((a + 1))/metrics" > "$WORK/metrics-presync-$name.txt"
  local sync; sync=$(python3 - "$url" "$WORK/seed-$name.json" <<'PY'
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
  curl -fsS "http://127.0.0.1:$((a + 1))/metrics" > "$WORK/metrics-sync-$name.txt"
  local pgbench="- - -"
  if [ "$name" = postgres ]; then
    # PostgreSQL's own ceiling on this machine: prepared primary-key reads, 32 clients.
    pgbench -q -i -s 10 "$REGISTRY_DATABASE_URL" >/dev/null 2>&1
    pgbench -S -M prepared -c 32 -j 2 -T "$DURATION" "$REGISTRY_DATABASE_URL" 2>/dev/null > "$WORK/pgbench.txt"
    pgbench="$(awk '/^tps/ {printf "%.0f", $3}' "$WORK/pgbench.txt") - -"
  fi
  # Last: it leaves 400,000 updated rows behind, which the other runs must not pay for.
  # Webhook fan-out: 100,000 status changes (new accounts) queued for 4
  # endpoints of one platform while the receivers are down (so the drain
  # is measured on its own, not the reports' load), then the receivers come
  # up and single-status reads run while the 400,000 deliveries drain.
  local hook_ports=($((PORT + 10)) $((PORT + 11)) $((PORT + 12)) $((PORT + 13)))
  for p in "${hook_ports[@]}"; do
    curl -fsS -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
      -d "{\"url\":\"http://127.0.0.2:$p/hooks\"}" "$url/api/v1/webhooks" > /dev/null
  done
  local reported; reported=$(python3 - "$url" "$token" "$name" <<'PY'
import json, sys, time, urllib.request
url, token, name = sys.argv[1:4]
start = time.monotonic()
for call in range(100):
    accounts = [{"account_ref": f"hook-{name}-{call}-{i}", "handle": "@h", "follower_count": 7000} for i in range(1000)]
    req = urllib.request.Request(f"{url}/api/v1/accounts/report", data=json.dumps({"accounts": accounts}).encode(),
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    urllib.request.urlopen(req).read()
print(f"{time.monotonic() - start:.1f}")
PY
)
  # The receivers stand in for the platforms' machines: at the lowest
  # priority, they take only what the node and the reads leave.
  nice -n 19 python3 scripts/receiver.py "${hook_ports[@]}" &
  local receivers=$!
  python3 - "${hook_ports[0]}" > "$WORK/fanout-$name.txt" <<'PY' &
import sys, time, urllib.request
start = time.monotonic()
while True:
    try:
        if int(urllib.request.urlopen(f"http://127.0.0.2:{sys.argv[1]}/count").read()) >= 400_000:
            break
    except OSError:
        pass  # not listening yet
    if time.monotonic() - start > 1200:
        sys.exit("fan-out did not finish in 20 minutes")
    time.sleep(0.5)
print(f"{time.monotonic() - start:.1f}")
PY
  local fanout_pid=$!
  sleep 5
  local during; during=$(run_wrk "during-$name" 32 "$WORK/single.lua" "$url")
  wait "$fanout_pid"
  local fanout; fanout="$reported $(cat "$WORK/fanout-$name.txt")"
  kill "$receivers" 2>/dev/null || true
  local peak_kb; peak_kb=$(awk '/VmHWM/ {print $2}' "/proc/$node_a/status")
  stop_nodes
  python3 - "$WORK/$name.json" <<PY
import json, re, sys
text = open("$WORK/metrics-$name.txt").read()
def seconds(text, method, route):
    labels = r'\{method="%s",route="%s",status="2xx"\}' % (method, route)
    value = lambda m: float(re.search(m + labels + r" ([\d.e+-]+)", text).group(1))
    return value("registry_http_request_duration_seconds_sum"), value("registry_http_request_duration_seconds_count")
batch_sum, batch_count = seconds(text, "POST", "/api/v1/status/batch")
batch_ms = batch_sum / batch_count * 1000
# The server's share of the feed sync: time spent answering /changes during it.
feed = lambda f: seconds(open(f).read(), "GET", "/api/v1/changes")[0] if "/api/v1/changes" in open(f).read() else 0.0
sync_server = feed("$WORK/metrics-sync-$name.txt") - feed("$WORK/metrics-presync-$name.txt")
nums = lambda s: [float(x) if x != "-" else None for x in s.split()]
submitted = nums(open("$WORK/submissions-$name.txt").read())
json.dump({"seed": $seed_seconds, "load": $load_seconds, "anon_mb": $anon_kb / 1024, "peak_mb": $peak_kb / 1024,
           "static": nums("$static"), "single": nums("$single"), "batch": nums("$batch"), "batch_ms": batch_ms,
           "report": nums("$report"), "fresh": nums("$fresh"), "loaded": nums("$loaded"),
           "submitted": submitted, "sync": nums("$sync"), "sync_server": sync_server, "pgbench": nums("$pgbench")[0],
           "fanout": nums("$fanout"), "during": nums("$during"),
           "signed": nums("${signed[*]}"), "unsigned": nums("${unsigned[*]}")}, open(sys.argv[1], "w"))
PY
}

REGISTRY_DATABASE_URL="sqlite://$WORK/registry.db" bench_backend sqlite
if [ "$POSTGRES_URL" != - ]; then
  PG_DB="registry_bench_$$"
  psql -q "$POSTGRES_URL" -c "CREATE DATABASE $PG_DB" >/dev/null
  REGISTRY_DATABASE_URL="${POSTGRES_URL%/*}/$PG_DB" bench_backend postgres
fi

python3 - "$WORK" "$ACCOUNTS" "$PLATFORMS" "$(nproc)" "$DURATION" <<'PY'
import json, os, sys
work, accounts, platforms, cores, seconds = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
runs = {name: json.load(open(f"{work}/{name}.json")) for name in ("sqlite", "postgres") if os.path.exists(f"{work}/{name}.json")}
names = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
def row(label, cell):
    print(f"| {label} | " + " | ".join(cell(r) for r in runs.values()) + " |")
print(f"\n## Platform API, {accounts:,} accounts over {platforms} platforms ({cores} cores; wrk, {seconds} s a run, on the same machine)\n")
print("| run | " + " | ".join(names[n] for n in runs) + " |")
print("|---|" + "---|" * len(runs))
row("static response (the ceiling), 32 connections", lambda r: f"{r['static'][0]:,.0f} req/s, p99 {r['static'][2]} ms")
row("`pgbench -S -M prepared`, 32 clients (PostgreSQL's own ceiling)", lambda r: f"{r['pgbench']:,.0f} tps" if r["pgbench"] else "–")
row("single status, random accounts, 32 connections", lambda r: f"{r['single'][0]:,.0f} req/s, p99 {r['single'][2]} ms "
    f"(**{r['single'][0] / r['static'][0]:.2f}** of the ceiling; p99 {r['single'][2] / r['static'][2]:.2f}x)")
row("single status with signatures against the unsigned build (2 runs each, alternated)",
    lambda r: f"{sum(r['signed']) / 2:,.0f} against {sum(r['unsigned']) / 2:,.0f} req/s (**{sum(r['signed']) / sum(r['unsigned']):.3f}**)")
row("batch of 1,000 statuses, server time (mean)", lambda r: f"**{r['batch_ms']:.2f} ms** ({r['batch'][0]:,.0f} calls/s on 1 connection)")
row("full change-feed sync", lambda r: f"{r['sync'][0]:,.0f} changes in **{r['sync'][1]} s** "
    f"(the server answering for {r['sync_server']:.2f} s of it)")
row("freshness: written on node A, read on node B (200 writes)", lambda r: f"p50 {r['fresh'][0]} ms, **p99 {r['fresh'][1]} ms**, max {r['fresh'][2]} ms")
row("reports of 20 new accounts, 4 connections", lambda r: f"{r['report'][0] * 20:,.0f} accounts/s (p99 {r['report'][2]} ms a call)")
row("identifications (16 owners through the forms, argon2 gate)", lambda r: f"{r['submitted'][0] / r['submitted'][3]:.1f}/s ({r['submitted'][2]:.0f} failed)")
row("single status while they submit", lambda r: f"p99 {r['loaded'][2]} ms ({r['loaded'][2] / r['single'][2]:.2f}x the unloaded p99)")
row("webhook fan-out: 100,000 changes to 4 endpoints", lambda r: f"400,000 deliveries in **{r['fanout'][1]} s** "
    f"({400_000 / r['fanout'][1]:,.0f}/s; the changes, reported before, in {r['fanout'][0]} s)")
row("single status while the deliveries drain", lambda r: f"{r['during'][0]:,.0f} req/s, p99 {r['during'][2]} ms "
    f"({r['during'][2] / r['single'][2]:.2f}x the unloaded p99)")
row(f"seed {accounts:,} accounts", lambda r: f"{r['seed']} s")
row("start until ready (status mirror loaded)", lambda r: f"{r['load']} s")
row("node memory once loaded (anonymous RSS)", lambda r: f"**{r['anon_mb']:.0f} MB**")
row("node peak RSS (with file pages)", lambda r: f"{r['peak_mb']:.0f} MB")
print()
for name, r in runs.items():
    checks = [("single status >= 0.5 of the ceiling", r["single"][0] / r["static"][0] >= 0.5),
              ("single p99 <= 1.5x the ceiling's", r["single"][2] <= 1.5 * r["static"][2]),
              ("signatures cost single status <= 5%", sum(r["signed"]) >= 0.95 * sum(r["unsigned"])),
              ("batch < 5 ms", r["batch_ms"] < 5), ("sync < 3 s", r["sync"][1] < 3),
              ("freshness p99 <= 1 s", r["fresh"][1] <= 1000), ("memory < 200 MB", r["anon_mb"] < 200),
              ("single p99 during the webhook fan-out <= 1.5x unloaded", r["during"][2] <= 1.5 * r["single"][2])]
    print(f"{names[name]}: " + "; ".join(f"{label} -> {'met' if ok else 'NOT met'}" for label, ok in checks))
PY
