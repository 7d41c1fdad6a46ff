#!/usr/bin/env python3
"""End-to-end test of hitd's Prometheus metrics (hitd serve --metrics-listen):
real traffic from boto3, the REST edge and the worker API, then /metrics
scraped with urllib; the request series are present and count exactly that
traffic, and the state gauges move as boto3 sees the HITs, assignments and
money change.

A requester of its own (`hitd requester create`) posts three HITs: one of 3
slots at 0.50, one of 10 slots at 0.10 (MTurk's 40% fee from 10 slots on)
and one of 1 slot at 0.20. Worker alice accepts and submits on the first;
worker bob accepts the third and keeps it. The gauges' changes must then be:
2 Assignable and 1 Unassignable HITs (what list_hits says), 1 Accepted and
1 Submitted assignment, and money reserved equal to what the requester's
balance went down by, 3 x 0.60 + 10 x 0.14 + 0.24 = 3.44. Approving
alice's work pays 0.60 out of the reserve. Last, bob returns his HIT, the
requester expires all three, and alice works a fourth that the scheduler
auto-approves (hitd_scheduler_applied_total counts it): every gauge is back
where it started.

The gauges are realm-wide, so the suite compares scrapes before and after
its own traffic; e2e/run.sh runs it first, while nothing else is running.

Usage (normally driven by e2e/run.sh):
    test_metrics.py

Environment:
    HITD_ENDPOINT     http://127.0.0.1:PORT, the public listener
    HITD_METRICS_URL  http://127.0.0.1:PORT/metrics, the --metrics-listen listener
    HITD_BIN, HITD_DATA_DIR  the hitd binary and the running server's data (for
                      `hitd requester create` and `hitd worker create`)

Only python3, boto3 and the standard library are used. Each check prints
"PASS <name>" or "FAIL <name>: <why>"; the last line is "metrics: N passed,
M failed" and the exit code is non-zero on any failure.
"""

import base64
import datetime
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request
import uuid
from decimal import Decimal

from hitde2e import WorkerAPI, create_requester, expect_request_error, requester_client, run, run_checks, store_flags

ENDPOINT = os.environ["HITD_ENDPOINT"].rstrip("/")
METRICS_URL = os.environ.get("HITD_METRICS_URL", "")
HITD_BIN = os.environ.get("HITD_BIN", "hitd")
RUN = uuid.uuid4().hex[:8]
HTML_NS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"
QUESTION = (f'<HTMLQuestion xmlns="{HTML_NS}"><HTMLContent><![CDATA[<!DOCTYPE html><html><body>'
            '<form><input name="animal"></form></body></html>]]></HTMLContent>'
            '<FrameHeight>450</FrameHeight></HTMLQuestion>')
PROD = {"realm": "production"}

CHECKS = []
S = {}  # state handed from check to check


def check(fn):
    CHECKS.append(fn)
    return fn


# ---------------------------------------------------------------- scraping

LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def scrape(url=None):
    """GET /metrics → {(name, frozenset(labels)): value}, from Prometheus's
    text format (no timestamps: hitd writes none)."""
    with urllib.request.urlopen(url or METRICS_URL, timeout=30) as r:
        assert r.status == 200, f"scrape: HTTP {r.status}"
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        series, value = line.rsplit(" ", 1)
        name, _, labels = series.partition("{")
        out[(name, frozenset(LABEL.findall(labels)))] = float(value)
    return out


def value(m, name, **labels):
    """The value of the one series of name with exactly these labels (0 if absent)."""
    return m.get((name, frozenset(labels.items())), 0.0)


def present(m, name, **labels):
    """Whether any series of name has (at least) these labels."""
    want = set(labels.items())
    return any(n == name and want <= set(ls) for (n, ls) in m)


def requests(m, protocol, operation, outcome):
    return value(m, "hitd_requests_total", realm="production", protocol=protocol, operation=operation, outcome=outcome)


def delta(name, **labels):
    return value(S["after"], name, **labels) - value(S["before"], name, **labels)


def usd(x):
    return Decimal(str(x)).quantize(Decimal("0.01"))


def balance(c):
    return Decimal(c.get_account_balance()["AvailableBalance"])


# ---------------------------------------------------------------- checks

@check
def series_present_before_traffic():
    assert METRICS_URL, "HITD_METRICS_URL is not set (start hitd with --metrics-listen)"
    m = scrape()
    S["before"] = m
    for name, labels in [
        ("hitd_stats_up", PROD), ("hitd_stats_up", {"realm": "sandbox"}),
        ("hitd_open_hits", {**PROD, "status": "Assignable"}), ("hitd_open_hits", {**PROD, "status": "Unassignable"}),
        ("hitd_active_assignments", {**PROD, "status": "Accepted"}),
        ("hitd_active_assignments", {**PROD, "status": "Submitted"}),
        ("hitd_money_reserved_dollars", PROD), ("hitd_money_available_dollars", PROD),
        ("hitd_scheduler_lag_seconds", PROD), ("hitd_outbox_items", {**PROD, "status": "Pending"}),
        ("hitd_outbox_items", {**PROD, "status": "Dead"}), ("hitd_scheduler_passes_total", PROD),
        ("hitd_notification_deliveries_total", PROD), ("hitd_build_info", {}),
        ("go_goroutines", {}), ("go_memstats_heap_alloc_bytes", {}), ("process_resident_memory_bytes", {}),
    ]:
        assert present(m, name, **labels), f"no series {name}{labels}"
    for realm in ("production", "sandbox"):
        assert value(m, "hitd_stats_up", realm=realm) == 1, f"hitd_stats_up{{realm={realm}}} is not 1"


@check
def metrics_are_not_on_the_public_port():
    try:
        with urllib.request.urlopen(ENDPOINT + "/metrics", timeout=30) as r:
            body = r.read().decode(errors="replace")
            status = r.status
    except urllib.error.HTTPError as e:
        body, status = e.read().decode(errors="replace"), e.code
    assert status != 200 and "hitd_requests_total" not in body, f"the public port serves /metrics: HTTP {status}"


@check
def requester_posts_hits():
    f = create_requester(HITD_BIN, f"e2e-metrics-{RUN}")
    S["key"], S["secret"] = f["AccessKeyId"], f["SecretAccessKey"]
    rq = S["rq"] = requester_client(f["AccessKeyId"], f["SecretAccessKey"])
    S["start_balance"] = balance(rq)
    S["hits"] = []
    for reward, slots in (("0.50", 3), ("0.10", 10), ("0.20", 1)):
        h = rq.create_hit(Title=f"e2e metrics {RUN}", Description="metrics", Reward=reward, MaxAssignments=slots,
                          AssignmentDurationInSeconds=3600, LifetimeInSeconds=86400, Question=QUESTION)["HIT"]
        S["hits"].append(h["HITId"])
    # A failing call: a client error.
    expect_request_error(lambda: rq.get_hit(HITId="3NOSUCHHIT000000000000000000ZZ"), "HITDoesNotExist")
    # The REST edge, with HTTP Basic.
    req = urllib.request.Request(ENDPOINT + "/v1/get-account-balance", data=b"{}", method="POST",
                                 headers={"Content-Type": "application/json", "Authorization": "Basic " +
                                          base64.b64encode(f"{S['key']}:{S['secret']}".encode()).decode()})
    with urllib.request.urlopen(req, timeout=30) as r:
        assert json.loads(r.read())["AvailableBalance"], "REST GetAccountBalance"


@check
def workers_accept_and_submit():
    api = WorkerAPI()
    for who in ("alice", "bob"):
        user, pw = f"metrics-{who}-{RUN}", f"pw-{who}-{RUN}-secret"
        run([HITD_BIN, "worker", "create", "--username", user, "--password", pw, *store_flags()])
        S[who] = WorkerAPI(api.ok("POST", "/login", {"username": user, "password": pw})["token"])
    a = S["alice"].ok("POST", f"/hits/{S['hits'][0]}/accept")["assignmentId"]
    S["alice"].ok("POST", f"/assignments/{a}/submit", {"answers": {"animal": "cat"}})
    S["alice_assignment"] = a
    S["bob_assignment"] = S["bob"].ok("POST", f"/hits/{S['hits'][2]}/accept")["assignmentId"]


@check
def requests_are_counted():
    S["after"] = m = scrape()
    b = S["before"]
    for protocol, op, outcome, want in [
        ("awsjson", "CreateHIT", "ok", 3),
        ("awsjson", "GetHIT", "client_error", 1),
        ("awsjson", "GetAccountBalance", "ok", 1),
        ("rest", "GetAccountBalance", "ok", 1),
        ("worker-api", "WorkerAPI.Login", "ok", 2),
        ("worker-api", "WorkerAPI.AcceptHIT", "ok", 2),
        ("worker-api", "WorkerAPI.SubmitAssignment", "ok", 1),
    ]:
        got = requests(m, protocol, op, outcome) - requests(b, protocol, op, outcome)
        assert got == want, f"hitd_requests_total{{{protocol} {op} {outcome}}} went up by {got}, want {want}"
    got = delta("hitd_request_duration_seconds_count", realm="production", protocol="awsjson", operation="CreateHIT")
    assert got == 3, f"CreateHIT latency observations went up by {got}, want 3"
    # Each bucket counts the observations at or under its bound: they never decrease with the bound.
    buckets = sorted((float(dict(ls)["le"]), v) for (n, ls), v in m.items()
                     if n == "hitd_request_duration_seconds_bucket" and dict(ls).get("operation") == "CreateHIT"
                     and dict(ls).get("protocol") == "awsjson" and dict(ls).get("realm") == "production")
    assert buckets and buckets[-1][0] == float("inf"), f"no +Inf bucket: {buckets}"
    assert all(x[1] <= y[1] for x, y in zip(buckets, buckets[1:])), f"buckets not cumulative: {buckets}"
    assert buckets[-1][1] == value(m, "hitd_request_duration_seconds_count", realm="production", protocol="awsjson",
                                   operation="CreateHIT")


@check
def gauges_match_what_boto3_sees():
    rq = S["rq"]
    statuses = {}
    for h in rq.list_hits(MaxResults=100)["HITs"]:
        statuses[h["HITStatus"]] = statuses.get(h["HITStatus"], 0) + 1
    assert statuses == {"Assignable": 2, "Unassignable": 1}, f"list_hits statuses {statuses}"
    for status, n in statuses.items():
        got = delta("hitd_open_hits", realm="production", status=status)
        assert got == n, f"hitd_open_hits{{{status}}} went up by {got}; boto3 lists {n}"
    for status, n in (("Accepted", 1), ("Submitted", 1)):
        got = delta("hitd_active_assignments", realm="production", status=status)
        assert got == n, f"hitd_active_assignments{{{status}}} went up by {got}, want {n}"
    spent = S["start_balance"] - balance(rq)
    assert spent == Decimal("3.44"), f"the HITs cost {spent}, want 3 x 0.60 + 10 x 0.14 + 0.24 = 3.44"
    got = usd(delta("hitd_money_reserved_dollars", realm="production"))
    assert got == spent, f"hitd_money_reserved_dollars went up by {got}; the requester's balance went down by {spent}"
    # The new requester's balance is new available money.
    got = usd(delta("hitd_money_available_dollars", realm="production"))
    assert got == balance(rq), f"hitd_money_available_dollars went up by {got}, want the new balance {balance(rq)}"
    lag = value(S["after"], "hitd_scheduler_lag_seconds", realm="production")
    assert 0 <= lag < 60, f"scheduler lag {lag}s: the scheduler is not keeping up"
    for realm in ("production", "sandbox"):
        assert value(S["after"], "hitd_stats_up", realm=realm) == 1, f"hitd_stats_up{{realm={realm}}} is not 1"


@check
def approval_pays_out_of_the_reserve():
    S["rq"].approve_assignment(AssignmentId=S["alice_assignment"])
    m = scrape()
    got = usd(value(m, "hitd_money_reserved_dollars", realm="production") -
              value(S["after"], "hitd_money_reserved_dollars", realm="production"))
    assert got == Decimal("-0.60"), f"approving a 0.50 assignment moved the reserve by {got}, want -0.60"
    got = value(m, "hitd_active_assignments", realm="production", status="Submitted") - \
        value(S["after"], "hitd_active_assignments", realm="production", status="Submitted")
    assert got == -1, f"Submitted assignments moved by {got} on approval, want -1"
    got = requests(m, "awsjson", "ApproveAssignment", "ok") - requests(S["after"], "awsjson", "ApproveAssignment", "ok")
    assert got == 1, f"ApproveAssignment ok went up by {got}, want 1"


@check
def scheduler_work_moves_the_gauges_back():
    """Bob returns his HIT and the requester expires all three (their unused
    money comes back at once); alice works a fourth HIT, auto-approved a
    second after submission: the scheduler approves it within a pass or two
    (hitd_scheduler_applied_total counts it), and every gauge is back where
    it started (the suite leaves nothing open)."""
    rq = S["rq"]
    S["bob"].ok("POST", f"/assignments/{S['bob_assignment']}/return")
    for h in S["hits"]:
        rq.update_expiration_for_hit(HITId=h, ExpireAt=datetime.datetime(2015, 1, 1, tzinfo=datetime.timezone.utc))
    h = rq.create_hit(Title=f"e2e metrics {RUN} auto", Description="metrics", Reward="0.30", MaxAssignments=1,
                      AssignmentDurationInSeconds=3600, LifetimeInSeconds=86400, AutoApprovalDelayInSeconds=1,
                      Question=QUESTION)["HIT"]["HITId"]
    a = S["alice"].ok("POST", f"/hits/{h}/accept")["assignmentId"]
    S["alice"].ok("POST", f"/assignments/{a}/submit", {"answers": {"animal": "dog"}})

    def moved(m, name, **labels):
        return value(m, name, **labels) - value(S["before"], name, **labels)

    deadline = time.monotonic() + 30  # the scheduler runs every second
    while True:
        m = scrape()
        approved = moved(m, "hitd_scheduler_applied_total", realm="production", kind="auto_approved")
        reserved = usd(moved(m, "hitd_money_reserved_dollars", realm="production"))
        if approved >= 1 and reserved == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert approved >= 1, f"hitd_scheduler_applied_total{{kind=auto_approved}} went up by {approved} in 30 s, want 1"
    assert reserved == 0, f"the reserve is {reserved} above where it started, with nothing left open"
    assert rq.get_assignment(AssignmentId=a)["Assignment"]["AssignmentStatus"] == "Approved"
    assert balance(rq) == S["start_balance"] - Decimal("0.96"), "paid: 0.60 to alice on the first HIT, 0.36 on the last"
    for name, status in (("hitd_open_hits", "Assignable"), ("hitd_open_hits", "Unassignable"),
                         ("hitd_active_assignments", "Accepted"), ("hitd_active_assignments", "Submitted")):
        got = moved(m, name, realm="production", status=status)
        assert got == 0, f"{name}{{{status}}} is {got} above where it started"
    assert moved(m, "hitd_scheduler_passes_total", realm="production", outcome="ok") >= 1
    assert moved(m, "hitd_scheduler_passes_total", realm="production", outcome="error") == 0


def main():
    print(f"metrics at {METRICS_URL}; traffic to {ENDPOINT}", flush=True)
    sys.exit(0 if run_checks(CHECKS, "metrics") else 1)


if __name__ == "__main__":
    main()
