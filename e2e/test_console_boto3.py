#!/usr/bin/env python3
"""End-to-end check that the requester console and boto3 see the same
numbers: a requester of its own (`hitd requester create`, `hitd requester
set-password`) signs in to the console at /requester with its console
password, makes a project with `hitd project create`, uploads a CSV to it
through the console's upload form, publishes the batch from the console,
has workers (the worker JSON API) do the work, approves some assignments
with boto3 and rejects others by uploading the results file with its
Reject column filled in (the console's review upload), and then compares:

- the console's balance with GetAccountBalance;
- the batch page's HIT and assignment counts with ListHITs and
  ListAssignmentsForHIT;
- every line of the downloaded results file with GetAssignment and GetHIT;
- the workers page's per-worker counts with ListAssignmentsForHIT;
- the ledger CSV's movements with the balance (the starting balance plus
  every movement in and out of it equals GetAccountBalance).

Usage (normally driven by e2e/run.sh): test_console_boto3.py
Environment: HITD_ENDPOINT, HITD_BIN, HITD_DATA_DIR (as the other suites).

Each check prints "PASS <name>" or "FAIL <name>: <why>"; the last line is
"console: N passed, M failed" and the exit code is non-zero on any failure.
"""

import csv
import http.cookiejar
import io
import os
import re
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import uuid
from decimal import Decimal

import boto3

from hitde2e import WorkerAPI, requester_client, run, run_checks, store_flags

ENDPOINT = os.environ["HITD_ENDPOINT"].rstrip("/")
HITD_BIN = os.environ.get("HITD_BIN", "hitd")
RUN = uuid.uuid4().hex[:8]
S = {}

LAYOUT = """<p class="tweet">${text}</p>
<form><label>Sentiment <input name="sentiment"></label></form>"""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


class Console:
    """A requester's browser without the browser: a cookie jar, same-origin
    form posts, no redirects followed."""

    def __init__(self):
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())

    def request(self, method, path, data=None, content_type=None):
        headers = {"Origin": ENDPOINT}
        if content_type:
            headers["Content-Type"] = content_type
        req = urllib.request.Request(ENDPOINT + path, data=data, method=method, headers=headers)
        try:
            with self.opener.open(req, timeout=120) as r:
                return r.status, r.headers, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read().decode()

    def get(self, path, want=200):
        status, headers, body = self.request("GET", path)
        assert status == want, f"GET {path}: HTTP {status}, want {want}: {body[:300]}"
        return headers, body

    def post(self, path, fields, want=303):
        status, headers, body = self.request("POST", path, urllib.parse.urlencode(fields, doseq=True).encode(),
                                             "application/x-www-form-urlencoded")
        assert status == want, f"POST {path}: HTTP {status}, want {want}: {body[:500]}"
        return headers, body

    def upload(self, path, filename, content, want=303):
        boundary = "hitd" + uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csv\"; filename=\"{filename}\"\r\n"
                f"Content-Type: text/csv\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
        status, headers, text = self.request("POST", path, body, "multipart/form-data; boundary=" + boundary)
        assert status == want, f"upload to {path}: HTTP {status}, want {want}: {text[:500]}"
        return headers, text


def dd(body, id_):
    """The text of the element with the given id (a number or an amount)."""
    m = re.search(r'id="' + re.escape(id_) + r'"[^>]*>([^<]*)<', body)
    assert m, f"no element #{id_} on the page"
    return m.group(1).strip()


def money(text):
    return Decimal(text.replace("$", "").replace(",", ""))


def setup():
    out = run([HITD_BIN, "requester", "create", "--name", f"e2e-console-{RUN}", *store_flags()])
    f = dict(re.findall(r"^(\w+):\s*(\S+)\s*$", out, re.M))
    assert f.get("AccessKeyId") and f.get("SecretAccessKey"), f"`hitd requester create` printed {out!r}"
    S["key"], S["secret"] = f["AccessKeyId"], f["SecretAccessKey"]
    S["mturk"] = requester_client(S["key"], S["secret"])
    S["start"] = Decimal(S["mturk"].get_account_balance()["AvailableBalance"])
    password = f"console-pw-{RUN}"
    env = dict(os.environ, HITD_REQUESTER_PASSWORD=password)
    import subprocess
    p = subprocess.run([HITD_BIN, "requester", "set-password", "--access-key-id", S["key"], *store_flags()],
                       capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 0, f"set-password: {p.stderr}"
    S["console"] = Console()
    headers, _ = S["console"].post("/requester/login", {"access_key_id": S["key"], "secret": password})
    assert headers["Location"] == "/requester", headers["Location"]
    layout = os.path.join(tempfile.mkdtemp(), "layout.html")
    with open(layout, "w") as fh:
        fh.write(LAYOUT)
    out = run([HITD_BIN, "project", "create", "--requester", S["key"], "--name", f"Tweets {RUN}", "--title", f"Rate a tweet {RUN}",
               "--description", "Is it positive?", "--reward", "0.40", "--assignments", "2", "--lifetime", "1d",
               "--duration", "10m", "--layout-file", layout, *store_flags()])
    S["project"] = re.search(r"^ProjectId:\s*(\S+)", out, re.M).group(1)
    S["workers"] = []
    for i in range(3):
        user, pw = f"console-{RUN}-{i}", f"pw-console-{RUN}-{i}"
        out = run([HITD_BIN, "worker", "create", "--username", user, "--password", pw, *store_flags()])
        wid = re.findall(r"\bA[A-Z0-9]{13}\b", out)[0]
        S["workers"].append((wid, WorkerAPI(WorkerAPI().ok("POST", "/login", {"username": user, "password": pw})["token"])))


def upload_and_publish():
    """The CSV goes in through the console's form; the draft page shows the
    cost, which publishing takes from the balance boto3 reports."""
    rows = [("id", "text")] + [(str(i), f"tweet {i}, \"quoted\" <b>{RUN}</b>") for i in range(1, 6)]
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    headers, _ = S["console"].upload(f"/requester/projects/{S['project']}/batches", "tweets.csv", buf.getvalue().encode())
    m = re.match(r"^/requester/batches/([A-Z0-9]+)$", headers["Location"])
    assert m, headers["Location"]
    S["batch"] = m.group(1)
    _, page = S["console"].get(f"/requester/batches/{S['batch']}")
    # 5 HITs × 2 assignments × (0.40 + 0.08 fee) = 4.80
    assert money(dd(page, "batch-total")) == Decimal("4.80"), dd(page, "batch-total")
    assert money(dd(page, "balance")) == S["start"], (dd(page, "balance"), S["start"])
    S["console"].post(f"/requester/batches/{S['batch']}/publish", {})
    bal = Decimal(S["mturk"].get_account_balance()["AvailableBalance"])
    assert bal == S["start"] - Decimal("4.80"), (bal, S["start"])


def batch_hits():
    """The batch's HITs, as boto3 lists them (the requester has no others)."""
    hits, token = [], None
    while True:
        kw = {"MaxResults": 100, **({"NextToken": token} if token else {})}
        out = S["mturk"].list_hits(**kw)
        hits += out["HITs"]
        token = out.get("NextToken")
        if not out["HITs"] or not token:
            return hits


def work():
    hits = batch_hits()
    assert len(hits) == 5, f"ListHITs shows {len(hits)} HITs, want 5"
    S["hits"] = [h["HITId"] for h in hits]
    done = []
    # Worker 0 works every HIT, worker 1 the first three, worker 2 accepts one and returns it.
    for wi, count in ((0, 5), (1, 3)):
        wid, api = S["workers"][wi]
        for h in S["hits"][:count]:
            a = api.ok("POST", f"/hits/{h}/accept")["assignmentId"]
            api.ok("POST", f"/assignments/{a}/submit", {"answers": {"sentiment": f"w{wi}-{h[:4]}"}})
            done.append((wid, a))
    wid, api = S["workers"][2]
    a = api.ok("POST", f"/hits/{S['hits'][4]}/accept")["assignmentId"]
    api.ok("POST", f"/assignments/{a}/return")
    S["done"] = done


def review():
    """Two approvals through boto3; two rejections through the console's
    review upload of the results file; the rest stay Submitted."""
    m = S["mturk"]
    for _, a in S["done"][:2]:
        m.approve_assignment(AssignmentId=a, RequesterFeedback="thanks")
    _, text = S["console"].get(f"/requester/batches/{S['batch']}/results.csv")
    rows = list(csv.reader(io.StringIO(text)))
    head = rows[0]
    col = {h: i for i, h in enumerate(head)}
    for want in ("HITId", "AssignmentId", "WorkerId", "AssignmentStatus", "Input.id", "Input.text", "Answer.sentiment", "Approve", "Reject"):
        assert want in col, f"results header lacks {want}: {head}"
    reject = {a for _, a in S["done"][5:7]}
    for r in rows[1:]:
        if r[col["AssignmentId"]] in reject:
            r[col["Reject"]] = "Not a sentiment"
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    S["console"].upload(f"/requester/batches/{S['batch']}/review-upload", "reviewed.csv", buf.getvalue().encode())
    for a in reject:
        got = m.get_assignment(AssignmentId=a)["Assignment"]
        assert got["AssignmentStatus"] == "Rejected" and got["RequesterFeedback"] == "Not a sentiment", got


def same_balance():
    _, page = S["console"].get("/requester")
    console = money(re.search(r'class="balance"[^>]*>([^<]*)<', page).group(1))
    api = Decimal(S["mturk"].get_account_balance()["AvailableBalance"])
    assert console == api, f"console balance {console}, boto3 {api}"
    # 4.80 reserved, two rejected slots (0.96) returned.
    assert api == S["start"] - Decimal("4.80") + Decimal("0.96"), (api, S["start"])


def same_batch_counts():
    _, page = S["console"].get(f"/requester/batches/{S['batch']}")
    counts = {"Submitted": 0, "Approved": 0, "Rejected": 0}
    available = 0
    for h in S["hits"]:
        for a in S["mturk"].list_assignments_for_hit(HITId=h, MaxResults=100)["Assignments"]:
            counts[a["AssignmentStatus"]] += 1
        available += S["mturk"].get_hit(HITId=h)["HIT"]["NumberOfAssignmentsAvailable"]
    want = {"count-hits": len(S["hits"]), "count-assignments": 10, "count-submitted": counts["Submitted"],
            "count-approved": counts["Approved"], "count-rejected": counts["Rejected"],
            "count-remaining": 10 - sum(counts.values()), "count-available": available}
    got = {k: int(dd(page, k)) for k in want}
    assert got == want, f"console {got}, boto3 {want}"
    assert counts == {"Submitted": 4, "Approved": 2, "Rejected": 2}, counts


def same_results():
    _, text = S["console"].get(f"/requester/batches/{S['batch']}/results.csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    with_asg = [r for r in rows if r["AssignmentId"]]
    assert len(with_asg) == 8, f"{len(with_asg)} result lines with an assignment, want 8"
    for r in with_asg:
        a = S["mturk"].get_assignment(AssignmentId=r["AssignmentId"])
        asg, hit = a["Assignment"], a["HIT"]
        assert r["AssignmentStatus"] == asg["AssignmentStatus"], (r["AssignmentStatus"], asg["AssignmentStatus"])
        assert r["WorkerId"] == asg["WorkerId"] and r["HITId"] == asg["HITId"] == hit["HITId"]
        assert r["Reward"] == "$" + hit["Reward"], (r["Reward"], hit["Reward"])
        assert r["Title"] == hit["Title"] and r["HITTypeId"] == hit["HITTypeId"]
        assert f"<FreeText>{r['Answer.sentiment']}</FreeText>" in asg["Answer"], (r["Answer.sentiment"], asg["Answer"])
        assert r["Input.text"].startswith(f"tweet {r['Input.id']}, \"quoted\""), r["Input.text"]


def same_worker_counts():
    _, page = S["console"].get("/requester/workers")
    per = {}
    for h in S["hits"]:
        for a in S["mturk"].list_assignments_for_hit(HITId=h, MaxResults=100)["Assignments"]:
            c = per.setdefault(a["WorkerId"], {"Submitted": 0, "Approved": 0, "Rejected": 0})
            c[a["AssignmentStatus"]] += 1
    for wid, counts in per.items():
        m = re.search(r'id="worker-' + wid + r'"(.*?)</tr>', page, re.S)
        assert m, f"worker {wid} is not on the workers page"
        row = m.group(1)
        for status, n in counts.items():
            cell = re.search(r'class="[^"]*\b' + status.lower() + r'\b[^"]*"[^>]*>\s*(\d+)', row)
            assert cell and int(cell.group(1)) == n, f"worker {wid} {status}: console {cell and cell.group(1)}, boto3 {n}"
    # The worker who only returned a HIT is listed too (it accepted one).
    assert S["workers"][2][0] in page, "the worker who returned a HIT is not on the workers page"


def same_ledger():
    _, text = S["console"].get("/requester/ledger.csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows, "the ledger is empty"
    net = Decimal(0)
    kinds = set()
    for r in rows:
        kinds.add(r["Kind"])
        net += int(r["Direction"]) * money(r["Amount"])
    # The starting balance was deposited: every movement in and out of the
    # balance adds up to what boto3 reports.
    api = Decimal(S["mturk"].get_account_balance()["AvailableBalance"])
    assert net == api, f"ledger net {net}, boto3 balance {api}"
    assert {"deposit", "reserve", "release", "reward", "fee"} <= {k.lower() for k in kinds}, kinds


CHECKS = [setup, upload_and_publish, work, review, same_balance, same_batch_counts, same_results, same_worker_counts, same_ledger]


def main():
    print(f"boto3 {boto3.__version__} and the console against {ENDPOINT} (run {RUN})", flush=True)
    ok = run_checks(CHECKS, "console")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
