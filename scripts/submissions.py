#!/usr/bin/env python3
"""Owners registering at once, for scripts/bench.sh: each thread takes a
claimable account, claims it with its code and submits a resident's
identification, as a browser would (cookies, CSRF tokens), retrying after a
"try again shortly" answer as a person would. Bounded by count and time;
prints "identified retries failed seconds"."""
import http.cookiejar, json, queue, random, re, sys, threading, time, urllib.error, urllib.parse, urllib.request

base, platform, codes_file, threads, seconds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
work = queue.Queue()
for account, code in json.load(open(codes_file)).items():
    work.put((account, code))

W1, W2 = list(range(1, 12)), [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]

def valid_iin(rng):
    while True:
        body = [rng.randrange(10) for _ in range(11)]
        digit = sum(d * w for d, w in zip(body, W1)) % 11
        if digit == 10:
            digit = sum(d * w for d, w in zip(body, W2)) % 11
        if digit != 10:
            return "".join(map(str, body + [digit]))

counts = {"done": 0, "busy": 0, "failed": 0}
lock = threading.Lock()
deadline = time.monotonic() + seconds

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None

def csrf(html):
    return re.search(r'name="csrf" value="([0-9a-f]+)"', html).group(1)

def worker(n):
    rng = random.Random(n)
    while time.monotonic() < deadline:
        try:
            account, code = work.get_nowait()
        except queue.Empty:
            return
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect)
        def call(path, form=None):
            data = urllib.parse.urlencode(form).encode() if form is not None else None
            try:
                with opener.open(base + path, data=data, timeout=30) as r:
                    return r.status, r.read().decode()
            except urllib.error.HTTPError as e:
                return e.code, e.read().decode()
        outcome = "failed"
        try:
            _, page = call("/claim")
            status, _ = call("/claim", {"csrf": csrf(page), "platform": platform, "account": account, "claim_code": code})
            if status == 303:
                _, page = call("/claim/identify?type=resident")
                form = {"csrf": csrf(page), "owner_type": "resident", "iin": valid_iin(rng), "surname": "Load",
                        "given_name": "Test", "email": f"{account}@example.kz", "consent": "yes"}
                status, _ = call("/claim/identify", form)
                # Told to try again shortly, an owner does: the same form a moment later.
                while status == 429 and time.monotonic() < deadline:
                    with lock:
                        counts["busy"] += 1
                    time.sleep(0.2)
                    status, _ = call("/claim/identify", form)
                # Accepted: on to the mailed code (303 to /claim/confirm).
                outcome = "done" if status == 303 else "failed" if status != 429 else None
        except Exception:
            outcome = "failed"
        if outcome:
            with lock:
                counts[outcome] += 1

start = time.monotonic()
pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
for t in pool:
    t.start()
for t in pool:
    t.join()
print(counts["done"], counts["busy"], counts["failed"], f"{time.monotonic() - start:.1f}")
