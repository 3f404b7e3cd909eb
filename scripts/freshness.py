#!/usr/bin/env python3
"""Freshness across nodes, for scripts/bench.sh: reports a new account through
node A, then reads it through node B until B knows it, again and again.
Prints "p50_ms p99_ms max_ms" of the time from A's answer to B's first 200."""
import json, sys, time, urllib.error, urllib.request

node_a, node_b, token, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
auth = {"Authorization": "Bearer " + token}


def status(url):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=auth), timeout=5) as reply:
            return reply.status
    except urllib.error.HTTPError as e:
        return e.code


delays = []
for i in range(count):
    ref = f"fresh-{time.time_ns()}-{i}"
    body = json.dumps({"accounts": [{"account_ref": ref, "handle": "@fresh", "follower_count": 9000}]}).encode()
    request = urllib.request.Request(node_a + "/api/v1/accounts/report", data=body,
                                     headers={**auth, "Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=5).read()
    written = time.monotonic()
    while status(f"{node_b}/api/v1/accounts/{ref}") != 200:
        if time.monotonic() - written > 10:
            sys.exit(f"{ref} not seen on node B after 10 s")
        time.sleep(0.001)
    delays.append((time.monotonic() - written) * 1000)
    time.sleep(0.02)  # writes spread out, as platforms' are

delays.sort()
pick = lambda q: delays[min(len(delays) - 1, int(q * len(delays)))]
print(f"{pick(0.5):.1f} {pick(0.99):.1f} {delays[-1]:.1f}")
