#!/usr/bin/env python3
"""The client side of bench/files.sh, against a running `cms serve`.

    files.py login URL EMAIL PASSWORD
        prints a bearer token.
    files.py publish URL TOKEN SIZE SLUG
        uploads a PDF of SIZE bytes as a new document SLUG, submits and
        publishes it; prints the path of its public `downloadUrl` and the
        file's SHA-256, tab-separated.
    files.py upload URL TOKEN SIZE PREFIX COUNT CLIENTS
        uploads COUNT different PDFs of SIZE bytes as new documents
        (PREFIX-0, PREFIX-1, ...), CLIENTS at a time; prints one RESULT line per
        upload and one for them all.

An upload is the GraphQL multipart request (graphql-multipart-request-spec) that
tests/api/common.rs `multipart()` builds, streamed: the PDF (`%PDF-1.4`, a
comment line naming the document, comment lines of filler, `%%EOF`) is made
while it is sent, so no file of that size is written on the client's side and
every upload has bytes of its own (the store keeps equal bytes once, which
would skip its write).
"""
import http.client, json, sys, threading, time, urllib.parse, uuid

CREATE = ("mutation($i: DocumentInput!, $file: Upload) { createDocument(input: $i, file: $file) "
          "{ id version sha256 sizeBytes } }")
SUBMIT = "mutation($id: ID!) { submitForReview(id: $id) { version } }"
PUBLISH = "mutation($id: ID!, $v: Int!) { publish(id: $id, expectedVersion: $v) { status } }"
DOC = "query($s: String!) { document(slug: $s) { downloadUrl sha256 } }"
CHUNK = 1 << 20
# One MiB of filler lines, each a PDF comment.
LINE = b"% Partnerships CMS benchmark file: comment lines fill it to its size.\n"
FILLER = (LINE * (CHUNK // len(LINE) + 1))[:CHUNK - 1] + b"\n"


def connect(url):
    u = urllib.parse.urlsplit(url)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=600)


def gql(url, token, query, variables):
    conn = connect(url)
    body = json.dumps({"query": query, "variables": variables})
    conn.request("POST", "/graphql", body=body, headers={
        "content-type": "application/json", "authorization": "Bearer " + token})
    resp = conn.getresponse()
    data = json.loads(resp.read())
    conn.close()
    if resp.status != 200 or data.get("errors"):
        raise SystemExit(f"{query.split('(')[0]}: HTTP {resp.status}: {data}")
    return data["data"]


def pdf_chunks(size, name):
    """A PDF of exactly `size` bytes, in chunks of at most 1 MiB."""
    head = b"%PDF-1.4\n%" + name.encode() + b"\n"
    tail = b"%%EOF\n"
    left = size - len(head) - len(tail)
    if left < 0:
        raise SystemExit("file too small")
    yield head
    while left > 0:
        n = min(left, CHUNK)
        yield FILLER[:n - 1] + b"\n" if n < CHUNK else FILLER
        left -= n
    yield tail


def upload(url, token, size, slug, country):
    """One multipart createDocument; returns (seconds, answer's document)."""
    boundary = "cms-bench-" + uuid.uuid4().hex
    variables = {"i": {"slug": slug, "title": f"Benchmark {slug}", "publishedOn": "2025-01-01",
                       "language": "en", "countryIds": [country]}, "file": None}
    operations = json.dumps({"query": CREATE, "variables": variables}).encode()
    part = lambda head: f"--{boundary}\r\n{head}\r\n\r\n".encode()
    pre = (part('Content-Disposition: form-data; name="operations"') + operations + b"\r\n"
           + part('Content-Disposition: form-data; name="map"') + b'{"0":["variables.file"]}\r\n'
           + part(f'Content-Disposition: form-data; name="0"; filename="{slug}.pdf"\r\n'
                  "Content-Type: application/pdf"))
    post = f"\r\n--{boundary}--\r\n".encode()

    def body():
        yield pre
        yield from pdf_chunks(size, slug)
        yield post

    conn = connect(url)
    t = time.perf_counter()
    conn.request("POST", "/graphql", body=body(), headers={
        "content-type": f"multipart/form-data; boundary={boundary}",
        "content-length": str(len(pre) + size + len(post)),
        "authorization": "Bearer " + token,
        "graphql-require-preflight": "1"})
    resp = conn.getresponse()
    data = json.loads(resp.read())
    elapsed = time.perf_counter() - t
    conn.close()
    if resp.status != 200 or data.get("errors"):
        raise SystemExit(f"upload {slug}: HTTP {resp.status}: {data}")
    doc = data["data"]["createDocument"]
    if doc["sizeBytes"] != size:
        raise SystemExit(f"upload {slug}: stored {doc['sizeBytes']} bytes, sent {size}")
    return elapsed, doc


def peru(url, token):
    return gql(url, token, '{ country(slug: "peru") { id } }', {})["country"]["id"]


def publish(url, token, size, slug):
    _, doc = upload(url, token, size, slug, peru(url, token))
    v = gql(url, token, SUBMIT, {"id": doc["id"]})["submitForReview"]["version"]
    gql(url, token, PUBLISH, {"id": doc["id"], "v": v})
    found = gql(url, token, DOC, {"s": slug})["document"]
    u = urllib.parse.urlsplit(found["downloadUrl"])
    print(f"{u.path}?{u.query}\t{found['sha256']}")


def uploads(url, token, size, prefix, count, clients):
    country = peru(url, token)
    todo = list(range(count))
    lock = threading.Lock()
    times = []

    def client():
        while True:
            with lock:
                if not todo:
                    return
                i = todo.pop(0)
            elapsed, _ = upload(url, token, size, f"{prefix}-{i}", country)
            with lock:
                times.append(elapsed)
            print(f"RESULT upload {prefix}-{i} bytes={size} seconds={elapsed:.3f} "
                  f"MBps={size / elapsed / 1e6:.1f}", flush=True)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t
    if len(times) != count:
        raise SystemExit("an upload failed")
    print(f"RESULT uploads n={count} clients={clients} bytes={size * count} wall_s={wall:.3f} "
          f"MBps={size * count / wall / 1e6:.1f} "
          f"per_upload_MBps={','.join(f'{size / s / 1e6:.1f}' for s in times)}", flush=True)


if __name__ == "__main__":
    cmd, url, token = sys.argv[1:4]
    if cmd == "login":
        conn = connect(url)
        conn.request("POST", "/graphql", headers={"content-type": "application/json"}, body=json.dumps({
            "query": "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
            "variables": {"e": token, "p": sys.argv[4]}}))
        print(json.loads(conn.getresponse().read())["data"]["login"]["token"])
    elif cmd == "publish":
        publish(url, token, int(sys.argv[4]), sys.argv[5])
    elif cmd == "upload":
        uploads(url, token, int(sys.argv[4]), sys.argv[5], int(sys.argv[6]), int(sys.argv[7]))
    else:
        raise SystemExit(__doc__)
