#!/usr/bin/env python3
"""Editorial latency: logins, and the life of documents (create, update, submit,
publish) through the GraphQL API of a running `cms`, sequentially and from several
clients at once. Prints one line per measurement.

    bench/editorial.py URL EMAIL PASSWORD [--items N] [--clients C]
"""
import json, statistics, sys, threading, time, urllib.request

url, email, password = sys.argv[1], sys.argv[2], sys.argv[3]
items = int(sys.argv[sys.argv.index("--items") + 1]) if "--items" in sys.argv else 200
clients = int(sys.argv[sys.argv.index("--clients") + 1]) if "--clients" in sys.argv else 8


def gql(query, variables=None, token=None):
    req = urllib.request.Request(
        url + "/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"content-type": "application/json", **({"authorization": "Bearer " + token} if token else {})},
    )
    with urllib.request.urlopen(req) as resp:
        body = json.load(resp)
    if body.get("errors"):
        raise SystemExit(f"error: {body['errors']}")
    return body["data"]


LOGIN = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }"
CREATE = "mutation($i: DocumentInput!) { createDocument(input: $i) { id version } }"
UPDATE = "mutation($id: ID!, $v: Int!) { updateDocument(id: $id, expectedVersion: $v, input: { title: \"Updated\" }) { version } }"
SUBMIT = "mutation($id: ID!) { submitForReview(id: $id) { version } }"
PUBLISH = "mutation($id: ID!, $v: Int!) { publish(id: $id, expectedVersion: $v) { version } }"


def timed(samples, fn, *args):
    t = time.perf_counter()
    out = fn(*args)
    samples.append((time.perf_counter() - t) * 1000)
    return out


def report(name, samples):
    s = sorted(samples)
    p95 = s[max(0, int(len(s) * 0.95) - 1)]
    print(f"RESULT {name} n={len(s)} mean_ms={statistics.mean(s):.1f} p50_ms={statistics.median(s):.1f} p95_ms={p95:.1f}")


logins = []
for _ in range(10):
    token = timed(logins, gql, LOGIN, {"e": email, "p": password})["login"]["token"]
report("login", logins)

peru = gql('{ country(slug: "peru") { id } }')["country"]["id"]


def life(prefix, n, token, samples):
    for i in range(n):
        doc = timed(samples["create"], gql, CREATE, {"i": {
            "slug": f"{prefix}-{i}", "title": f"Bench {i}", "publishedOn": "2025-01-01", "language": "en",
            "countryIds": [peru]}}, token)["createDocument"]
        v = timed(samples["update"], gql, UPDATE, {"id": doc["id"], "v": doc["version"]}, token)["updateDocument"]["version"]
        v = timed(samples["submit"], gql, SUBMIT, {"id": doc["id"]}, token)["submitForReview"]["version"]
        timed(samples["publish"], gql, PUBLISH, {"id": doc["id"], "v": v}, token)


samples = {k: [] for k in ("create", "update", "submit", "publish")}
life("seq", items, token, samples)
for k, v in samples.items():
    report(f"sequential {k}", v)

shared = {k: [] for k in ("create", "update", "submit", "publish")}
threads = [threading.Thread(target=life, args=(f"par{c}", items // clients, token, shared)) for c in range(clients)]
t0 = time.perf_counter()
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.perf_counter() - t0
total = sum(len(v) for v in shared.values())
print(f"RESULT {clients} clients: {total} mutations in {elapsed:.2f} s = {total / elapsed:.0f} mutations/s")
for k, v in shared.items():
    report(f"{clients} clients {k}", v)
