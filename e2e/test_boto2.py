#!/usr/bin/python3
"""End-to-end test of hitd's legacy 2014-08-15 Requester API (query requests,
XML answers) with boto 2's MTurkConnection, as old requester scripts used it.

Run with Debian's own python3, where `apt-get install python3-boto` puts boto
2.49 (e2e/run.sh does):
    /usr/bin/python3 e2e/test_boto2.py

A requester of its own (`hitd requester create`, so that every balance can be
checked to the cent) registers HIT types and creates HITs with boto 2
(ExternalQuestion, HTMLQuestion, and a layout made with `hitd layout create`); workers
made with `hitd worker create` accept and submit through the worker JSON API
(urllib); boto 2 then reviews (SetHITAsReviewing, ChangeHITTypeOfHIT,
DisableHIT too), pays, extends, expires and disposes, manages qualifications
and the workers' qualification requests, sets notifications as boto 2 encodes
them (delivered to a local webhook receiver), and gets MTurk's
AWS.MechanicalTurk.* errors as MTurkRequestError. HIT types are compared with boto3's CreateHITType (run by
another python in a subprocess) and with the REST edge; HITs are read across
the two APIs both ways.

Environment (set by e2e/run.sh):
    HITD_ENDPOINT      http://127.0.0.1:PORT
    HITD_KEY, HITD_SECRET   root's keys (the unknown-key and wrong-secret checks)
    HITD_BIN, HITD_DATA_DIR the built binary and the running server's data directory
    HITD_BOTO3_PYTHON  a python with boto3 (default: python3 on PATH)

Each check prints "PASS <name>" or "FAIL <name>: <why>"; the last line is
"boto2: N passed, M failed" and the exit code is non-zero on any failure.
Only boto 2 and the standard library are imported.
"""

import base64
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto
from boto.mturk.connection import MTurkConnection, MTurkRequestError, BaseAutoResultElement
from boto.mturk.price import Price
from boto.mturk.qualification import (Qualifications, LocaleRequirement, PercentAssignmentsApprovedRequirement,
                                      Requirement)
from boto.mturk.layoutparam import LayoutParameter, LayoutParameters
from boto.mturk.question import ExternalQuestion, HTMLQuestion

from hitde2e import WorkerAPI, run, run_checks, store_flags

ENDPOINT = os.environ["HITD_ENDPOINT"].rstrip("/")
_u = urllib.parse.urlsplit(ENDPOINT)
HOST, PORT = _u.hostname, _u.port or 80
WORKER_API = ENDPOINT + "/api/worker/v1"
HITD_BIN = os.environ.get("HITD_BIN", "hitd")
DATA_DIR = os.environ.get("HITD_DATA_DIR", "")
BOTO3_PYTHON = os.environ.get("HITD_BOTO3_PYTHON") or "python3"
RUN = uuid.uuid4().hex[:8]
UNKNOWN_WORKER = "ANOSUCHWORKER0"
NO_SUCH_HIT = "3NOSUCHHIT000000000000000000ZZ"
# MTurk's system qualification types.
LOCALE_QT, PERCENT_APPROVED_QT = "00000000000000000071", "000000000000000000L0"

# boto 2's HTMLQuestion adds <!DOCTYPE html> itself.
HTML = ('<html><body><p>Which animal? &amp; why</p>'
        '<form name="mturk_form" method="post" action="https://www.mturk.com/mturk/externalSubmit">'
        '<input type="hidden" name="assignmentId" value=""><input name="animal"><input type="submit">'
        '</form></body></html>')
EXTERNAL_URL = "http://127.0.0.1:9/boto2?batch=2&item=9"


# ---------------------------------------------------------------- harness

CHECKS = []
S = {}  # state handed from check to check


def check(fn):
    CHECKS.append(fn)
    return fn


def connect(key, secret):
    # boto 2 takes the port as port=: a "host:port" host is cut at the colon and
    # sent to port 80 (boto.utils.parse_host), so host and port go separately.
    return MTurkConnection(aws_access_key_id=key, aws_secret_access_key=secret, host=HOST, port=PORT,
                           is_secure=False)


def expect_error(call, code):
    """call() must raise MTurkRequestError with the code (AWS.MechanicalTurk.<code>, or a full AWS.* code)."""
    want = code if code.startswith("AWS.") else "AWS.MechanicalTurk." + code
    try:
        call()
    except MTurkRequestError as e:
        assert e.error_code == want, f"want {want}, got {e.error_code} ({e.errors}): {(e.body or '')[:400]}"
        assert e.status == 200, f"{want} came with HTTP {e.status}; MTurk answered request errors with 200"
        assert e.errors and e.errors[0][1], f"no error message: {e.errors}"
        return e.errors[0][1]
    raise AssertionError(f"want MTurkRequestError {want}, but the call succeeded")


def cents(s):
    d = Decimal(str(s))
    assert d == d.quantize(Decimal("0.01")), f"{s!r} has fractions of a cent"
    return int(d * 100)


def usd(c):
    return f"{c // 100}.{c % 100:02d}"


def fee(reward_cents, assignments=1):
    """The commission on one assignment: 20 % (40 % with 10 or more assignments), at least one cent."""
    pct = 40 if assignments >= 10 else 20
    return max(1, -(-reward_cents * pct // 100))


def reserve(reward, n):
    r = cents(reward)
    return n * (r + fee(r, n))


def balance():
    rs = S["mt"].get_account_balance()
    assert len(rs) >= 1, f"GetAccountBalance gave no AvailableBalance: {rs}"
    p = rs[0]
    assert isinstance(p, Price) and p.currency_code == "USD", vars(p)
    c = cents(p.amount)
    want_fmt = "${:,}.{:02d}".format(c // 100, c % 100)
    assert p.formatted_price == want_fmt, f"FormattedPrice {p.formatted_price!r}, want {want_fmt!r}"
    return c


def expect_balance(why):
    got, want = balance(), S["expected_balance"]
    assert got == want, f"{why}: AvailableBalance {usd(got)}, want {usd(want)} (off by {usd(abs(got - want))})"


def spend(c, why):
    S["expected_balance"] -= c
    expect_balance(why)


def rest(op, body, key=None, secret=None):
    """The 2017 API's REST edge: POST /v1/<op> with HTTP Basic auth → (status, JSON)."""
    key, secret = key or S["key"], secret or S["secret"]
    req = urllib.request.Request(f"{ENDPOINT}/v1/{op}", data=json.dumps(body).encode(), method="POST")
    req.add_header("Content-Type", "application/json")
    req.add_header("Authorization", "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode())
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read().decode() or "{}")
    except urllib.error.HTTPError as e:
        text = e.read().decode()
        try:
            return e.code, json.loads(text)
        except ValueError:
            return e.code, {"raw": text}


def rest_ok(op, body):
    status, out = rest(op, body)
    assert status == 200, f"/v1/{op}: HTTP {status}: {out}"
    return out


def answers_of(assignment):
    """boto 2's parsed Answer: {QuestionIdentifier: [values]}."""
    out = {}
    for rs in assignment.answers:
        for qfa in rs:
            out[qfa.qid] = qfa.fields
    return out


def parse_time(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")


def boto3_create_hit_type(props):
    """CreateHITType through boto3 in another python (boto 2 and boto3 do not share one here)."""
    script = ("import boto3, json, sys\n"
              "a = json.loads(sys.argv[1])\n"
              "c = boto3.client('mturk', endpoint_url=a['endpoint'], region_name='us-east-1',\n"
              "                 aws_access_key_id=a['key'], aws_secret_access_key=a['secret'])\n"
              "print(json.dumps({'id': c.create_hit_type(**a['props'])['HITTypeId'], 'v': boto3.__version__}))\n")
    args = json.dumps({"endpoint": ENDPOINT, "key": S["key"], "secret": S["secret"], "props": props})
    exe = shutil.which(BOTO3_PYTHON) or BOTO3_PYTHON
    out = subprocess.run([exe, "-c", script, args], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, f"boto3 under {exe} exited {out.returncode}: {out.stderr.strip()[-800:]}"
    return json.loads(out.stdout.strip().splitlines()[-1])


def boto3_call(method, params):
    """Calls one boto3 mturk client method in another python; returns its JSON-able result."""
    script = ("import boto3, json, sys\n"
              "a = json.loads(sys.argv[1])\n"
              "c = boto3.client('mturk', endpoint_url=a['endpoint'], region_name='us-east-1',\n"
              "                 aws_access_key_id=a['key'], aws_secret_access_key=a['secret'])\n"
              "out = getattr(c, a['method'])(**a['params'])\n"
              "out.pop('ResponseMetadata', None)\n"
              "print(json.dumps(out, default=str))\n")
    args = json.dumps({"endpoint": ENDPOINT, "key": S["key"], "secret": S["secret"], "method": method, "params": params})
    exe = shutil.which(BOTO3_PYTHON) or BOTO3_PYTHON
    out = subprocess.run([exe, "-c", script, args], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, f"boto3 {method} under {exe} exited {out.returncode}: {out.stderr.strip()[-800:]}"
    return json.loads(out.stdout.strip().splitlines()[-1])


# ================================================================ checks

@check
def setup_requester_and_workers():
    out = run([HITD_BIN, "requester", "create", "--name", f"e2e-boto2-{RUN}", *store_flags()])
    f = dict(re.findall(r"^(\w+):\s*(\S+)\s*$", out, re.M))
    assert f.get("AccessKeyId") and f.get("SecretAccessKey"), f"`hitd requester create` printed {out!r}"
    S["key"], S["secret"] = f["AccessKeyId"], f["SecretAccessKey"]
    S["mt"] = connect(S["key"], S["secret"])
    S["expected_balance"] = cents("10000.00")
    for who in ("alice", "bob"):
        user, pw = f"b2{who}-{RUN}", f"pw-{who}-{RUN}-secret"
        out = run([HITD_BIN, "worker", "create", "--username", user, "--password", pw, *store_flags()])
        ids = re.findall(r"\bA[A-Z0-9]{13}\b", out)
        assert ids, f"`hitd worker create` printed no WorkerId: {out!r}"
        login = WorkerAPI().ok("POST", "/login", {"username": user, "password": pw})
        assert login.get("workerId") == ids[0] and login.get("token"), login
        S[who] = {"id": ids[0], "api": WorkerAPI(login["token"])}


@check
def account_balance():
    rs = S["mt"].get_account_balance()
    p = rs[0]
    assert (p.amount, p.currency_code, p.formatted_price) == (10000.0, "USD", "$10,000.00"), vars(p)
    assert str(p) == "$10,000.00", str(p)
    expect_balance("a new requester")


@check
def connection_forms():
    # boto 2 takes the port as port=; with it, a host that already names the port works too
    # (boto 2 then sends "Host: 127.0.0.1:PORT:PORT", which SignatureVersion 1 does not sign).
    for host in (HOST, "localhost", f"{HOST}:{PORT}"):
        c = MTurkConnection(aws_access_key_id=S["key"], aws_secret_access_key=S["secret"], host=host, port=PORT,
                            is_secure=False)
        assert c.get_account_balance()[0].amount == 10000.0, host


@check
def register_hit_type_same_values_same_id():
    mt = S["mt"]
    quals = Qualifications([LocaleRequirement("In", ["US", ("DE", "BE")]),
                            PercentAssignmentsApprovedRequirement("GreaterThan", 90)])
    args = (f"boto2 type {RUN}", "Registered with boto 2", Price(0.05), 600)
    kw = dict(keywords=["boto2", "legacy", RUN], approval_delay=86400, qual_req=quals)
    a = mt.register_hit_type(*args, **kw)
    b = mt.register_hit_type(*args, **kw)
    assert len(a) == 1 and re.fullmatch(r"[A-Z0-9]{30}", a[0].HITTypeId), [vars(x) for x in a]
    assert a[0].HITTypeId == b[0].HITTypeId, f"same values, two HITTypeIds: {a[0].HITTypeId} {b[0].HITTypeId}"
    c = mt.register_hit_type(f"boto2 type {RUN}", "Registered with boto 2", Price(0.06), 600, **kw)
    assert c[0].HITTypeId != a[0].HITTypeId, "a different reward gave the same HITTypeId"
    plain = mt.register_hit_type(f"boto2 plain {RUN}", "No requirements", 0.10, datetime.timedelta(minutes=5))
    assert plain[0].HITTypeId not in (a[0].HITTypeId, c[0].HITTypeId)
    # The type the workers work on: no requirements they could miss.
    work = mt.register_hit_type(f"boto2 work {RUN}", "Name the animal", Price(0.05), 600,
                                keywords=["boto2", "animals"], approval_delay=86400)
    S["qual_type"], S["plain_type"], S["type"] = a[0].HITTypeId, plain[0].HITTypeId, work[0].HITTypeId


@check
def hit_type_id_same_as_boto3_and_rest():
    props = {"Title": f"boto2 type {RUN}", "Description": "Registered with boto 2", "Reward": "0.05",
             "AssignmentDurationInSeconds": 600, "AutoApprovalDelayInSeconds": 86400,
             "Keywords": f"boto2, legacy, {RUN}",
             "QualificationRequirements": [
                 {"QualificationTypeId": LOCALE_QT, "Comparator": "In",
                  "LocaleValues": [{"Country": "US"}, {"Country": "DE", "Subdivision": "BE"}]},
                 {"QualificationTypeId": PERCENT_APPROVED_QT, "Comparator": "GreaterThan", "IntegerValues": [90]}]}
    got = boto3_create_hit_type(props)
    assert got["id"] == S["qual_type"], f"boto3 {got['v']} CreateHITType gave {got['id']}, RegisterHITType {S['qual_type']}"
    assert rest_ok("create-hit-type", props)["HITTypeId"] == S["qual_type"], "the REST edge gave another HITTypeId"
    plain = {"Title": f"boto2 plain {RUN}", "Description": "No requirements", "Reward": "0.10",
             "AssignmentDurationInSeconds": 300}
    assert rest_ok("create-hit-type", plain)["HITTypeId"] == S["plain_type"]
    # And the other way: a type made by the 2017 API first, registered again with boto 2.
    first = rest_ok("create-hit-type", {**plain, "Title": f"rest first {RUN}"})["HITTypeId"]
    again = S["mt"].register_hit_type(f"rest first {RUN}", "No requirements", Price(0.10), 300)
    assert again[0].HITTypeId == first, (again[0].HITTypeId, first)


@check
def create_hit_with_external_question():
    mt = S["mt"]
    q = ExternalQuestion(EXTERNAL_URL, 450)
    rs = mt.create_hit(question=q, title=f"boto2 external {RUN}", description="ExternalQuestion from boto 2",
                       keywords=["boto2", "external"], reward=Price(0.25), duration=900, lifetime=3600,
                       max_assignments=1, annotation=f"batch-{RUN}")
    assert len(rs) == 1, rs
    h = rs[0]
    assert re.fullmatch(r"[A-Z0-9]{30}", h.HITId) and re.fullmatch(r"[A-Z0-9]{30}", h.HITTypeId), vars(h)
    assert (h.Title, h.HITStatus, h.MaxAssignments, h.Amount, h.FormattedPrice) == \
           (f"boto2 external {RUN}", "Assignable", "1", "0.25", "$0.25"), vars(h)
    assert h.expired is False
    S["ext"], S["ext_type"] = h.HITId, h.HITTypeId
    spend(reserve("0.25", 1), "after CreateHIT (1 x 0.25 + fee)")


@check
def create_hit_with_hit_type_and_html_question():
    mt = S["mt"]
    rs = mt.create_hit(hit_type=S["type"], question=HTMLQuestion(HTML, 400), max_assignments=2,
                       lifetime=datetime.timedelta(hours=2))
    h = rs[0]
    assert h.HITTypeId == S["type"] and h.HITStatus == "Assignable" and h.MaxAssignments == "2", vars(h)
    assert h.Title == f"boto2 work {RUN}" and h.Amount == "0.05" and h.Keywords == "boto2, animals", vars(h)
    S["html"] = h.HITId
    spend(reserve("0.05", 2), "after CreateHIT with HITTypeId (2 x 0.05 + fees)")
    # A HIT of the type with requirements: they come along (boto 2 flattens them; the last one wins).
    q = mt.create_hit(hit_type=S["qual_type"], question=HTMLQuestion(HTML, 400), lifetime=600)[0]
    spend(reserve("0.05", 1), "after CreateHIT of the type with requirements")
    assert q.QualificationTypeId == PERCENT_APPROVED_QT and q.Comparator == "GreaterThan", vars(q)
    assert (q.IntegerValue, q.Country, q.Subdivision) == ("90", "DE", "BE"), vars(q)
    S["qual_hit"] = q.HITId
    # One more on the plain type, for expiring and disposing.
    S["plain"] = mt.create_hit(hit_type=S["plain_type"], question=ExternalQuestion(EXTERNAL_URL, 300),
                               lifetime=600)[0].HITId
    spend(reserve("0.10", 1), "after a third CreateHIT")


@check
def get_hit():
    h = S["mt"].get_hit(S["ext"])[0]
    assert h.HITId == S["ext"] and h.HITTypeId == S["ext_type"], vars(h)
    assert (h.Title, h.Description, h.Keywords) == \
           (f"boto2 external {RUN}", "ExternalQuestion from boto 2", "boto2, external"), vars(h)
    assert (h.Amount, h.CurrencyCode, h.FormattedPrice) == ("0.25", "USD", "$0.25"), vars(h)
    assert (h.AssignmentDurationInSeconds, h.MaxAssignments, h.RequesterAnnotation) == \
           ("900", "1", f"batch-{RUN}"), vars(h)
    assert h.HITStatus == "Assignable" and h.NumberOfAssignmentsAvailable == "1", vars(h)
    assert "<ExternalURL>http://127.0.0.1:9/boto2?batch=2&amp;item=9</ExternalURL>" in h.Question, h.Question
    life = (parse_time(h.Expiration) - parse_time(h.CreationTime)).total_seconds()
    assert abs(life - 3600) <= 1, f"CreationTime {h.CreationTime}, Expiration {h.Expiration}"
    assert h.expired is False
    g = S["mt"].get_hit(S["html"])[0]
    assert "<HTMLContent>" in g.Question and "Which animal?" in g.Question, g.Question
    assert g.AutoApprovalDelayInSeconds == "86400", vars(g)


@check
def search_hits_pages():
    mt = S["mt"]
    first = mt.search_hits(page_size=2, page_number=1)
    assert (first.NumResults, first.PageNumber, first.TotalNumResults) == ("2", "1", "4"), vars(first)
    second = mt.search_hits(page_size=2, page_number=2)
    assert (second.NumResults, second.PageNumber) == ("2", "2"), vars(second)
    assert mt.search_hits(page_size=2, page_number=3).NumResults == "0"
    ids = [h.HITId for h in first] + [h.HITId for h in second]
    assert sorted(ids) == sorted([S["ext"], S["html"], S["qual_hit"], S["plain"]]), ids
    created = [h.CreationTime for h in first] + [h.CreationTime for h in second]
    assert created == sorted(created), created
    # CreationTime ascending by default; Title descending when asked.
    by_title = [h.Title for h in mt.search_hits(sort_by="Title", sort_direction="Descending", page_size=10)]
    assert by_title == sorted(by_title, reverse=True) and len(by_title) == 4, by_title
    assert all(isinstance(h.expired, bool) for h in mt.search_hits(page_size=10))


@check
def workers_accept_and_submit():
    alice, bob = S["alice"]["api"], S["bob"]["api"]
    a = alice.ok("POST", f"/hits/{S['html']}/accept")["assignmentId"]
    alice.ok("POST", f"/assignments/{a}/submit", {"answers": {"animal": "cat & <dog>"}})
    b = bob.ok("POST", f"/hits/{S['html']}/accept")["assignmentId"]
    bob.ok("POST", f"/assignments/{b}/submit", {"answers": {"animal": "owl"}})
    e = alice.ok("POST", f"/hits/{S['ext']}/accept")["assignmentId"]
    alice.ok("POST", f"/assignments/{e}/submit", {"answers": {"label": "positive", "tags": ["x", "y"]}})
    S["html_alice"], S["html_bob"], S["ext_alice"] = a, b, e
    expect_balance("submitting moves no money")


@check
def get_reviewable_hits():
    mt = S["mt"]
    rs = mt.get_reviewable_hits(page_size=100)
    ids = {h.HITId for h in rs}
    assert {S["html"], S["ext"]} <= ids and S["plain"] not in ids and S["qual_hit"] not in ids, ids
    assert rs.TotalNumResults == str(len(ids)), vars(rs)
    only = mt.get_reviewable_hits(hit_type=S["type"])
    assert [h.HITId for h in only] == [S["html"]], [h.HITId for h in only]
    assert mt.get_reviewable_hits(hit_type=S["type"], status="Reviewing").TotalNumResults == "0"
    assert mt.get_hit(S["html"])[0].HITStatus == "Reviewable"


@check
def get_assignments():
    mt = S["mt"]
    rs = mt.get_assignments(S["html"])
    assert (rs.NumResults, rs.TotalNumResults, rs.PageNumber) == ("2", "2", "1"), vars(rs)
    got = {a.AssignmentId: a for a in rs}
    assert set(got) == {S["html_alice"], S["html_bob"]}, list(got)
    a = got[S["html_alice"]]
    assert (a.WorkerId, a.HITId, a.AssignmentStatus) == (S["alice"]["id"], S["html"], "Submitted"), vars(a)
    for k in ("AcceptTime", "SubmitTime", "AutoApprovalTime"):
        parse_time(getattr(a, k))
    assert answers_of(a) == {"animal": ["cat & <dog>"]}, answers_of(a)
    assert answers_of(got[S["html_bob"]]) == {"animal": ["owl"]}
    e = mt.get_assignments(S["ext"])[0]
    assert answers_of(e) == {"label": ["positive"], "tags": ["x|y"]}, answers_of(e)
    assert mt.get_assignments(S["html"], status="Approved").TotalNumResults == "0"
    assert mt.get_assignments(S["html"], status="Submitted").TotalNumResults == "2"
    one = mt.get_assignments(S["html"], page_size=1, page_number=2)
    assert one.NumResults == "1" and one.TotalNumResults == "2" and one[0].AssignmentId in got, vars(one)
    asg = mt.get_assignment(S["html_bob"])
    assert [x.AssignmentId for x in asg if hasattr(x, "AssignmentId")][0] == S["html_bob"]


def assignment(aid):
    rs = S["mt"].get_assignment(aid)
    return next(x for x in rs if x.__class__.__name__ == "Assignment")


@check
def approve_reject_and_approve_rejected():
    mt = S["mt"]
    mt.approve_assignment(S["html_alice"], feedback="Thanks, boto 2!")
    expect_balance("approval pays out of the HIT's reserve")
    a = assignment(S["html_alice"])
    assert a.AssignmentStatus == "Approved" and a.RequesterFeedback == "Thanks, boto 2!", vars(a)
    parse_time(a.ApprovalTime)
    expect_error(lambda: mt.approve_assignment(S["html_alice"]), "InvalidAssignmentState")
    mt.reject_assignment(S["html_bob"], feedback="Not an animal we asked for")
    S["expected_balance"] += reserve("0.05", 1)
    expect_balance("rejection refunds the slot's reward and fee")
    b = assignment(S["html_bob"])
    assert b.AssignmentStatus == "Rejected" and b.RequesterFeedback == "Not an animal we asked for", vars(b)
    expect_error(lambda: mt.reject_assignment(S["html_bob"]), "InvalidAssignmentState")
    mt.approve_rejected_assignment(S["html_bob"], feedback="Sorry, my mistake")
    spend(reserve("0.05", 1), "ApproveRejectedAssignment pays for the slot again")
    assert assignment(S["html_bob"]).AssignmentStatus == "Approved"
    expect_error(lambda: mt.approve_rejected_assignment(S["html_alice"]), "InvalidAssignmentState")
    mt.approve_assignment(S["ext_alice"])  # no feedback
    me = S["bob"]["api"].ok("GET", "/me")
    assert cents(me["earnings"]) == 5, me
    mine = {x["assignmentId"]: x for x in S["alice"]["api"].ok("GET", "/assignments")["assignments"]}
    assert mine[S["html_alice"]]["status"] == "Approved", mine[S["html_alice"]]


@check
def grant_bonus_and_get_bonus_payments():
    mt = S["mt"]
    mt.grant_bonus(S["alice"]["id"], S["html_alice"], Price(1.25), "Careful work")
    spend(cents("1.25") + fee(cents("1.25")), "a 1.25 bonus costs 1.25 + 0.25")
    mt.grant_bonus(S["alice"]["id"], S["ext_alice"], Price(0.02), "tiny")
    spend(2 + 1, "a 0.02 bonus costs 0.02 + the one-cent minimum fee")
    expect_error(lambda: mt.grant_bonus(S["bob"]["id"], S["html_alice"], Price(1.00), "not his"),
                 "InvalidParameterValue")
    expect_balance("a refused bonus costs nothing")
    # boto 2.49 has no get_bonus_payments; scripts called the operation through _process_request.
    marker = [("BonusPayment", BaseAutoResultElement)]
    by_hit = mt._process_request("GetBonusPayments", {"HITId": S["html"], "PageSize": 10}, marker)
    assert (by_hit.NumResults, by_hit.TotalNumResults) == ("1", "1"), vars(by_hit)
    p = by_hit[0]
    assert (p.WorkerId, p.AssignmentId, p.Amount, p.FormattedPrice, p.Reason) == \
           (S["alice"]["id"], S["html_alice"], "1.25", "$1.25", "Careful work"), vars(p)
    parse_time(p.GrantTime)
    by_a = mt._process_request("GetBonusPayments", {"AssignmentId": S["ext_alice"]}, marker)
    assert [(x.Amount, x.Reason) for x in by_a] == [("0.02", "tiny")], [vars(x) for x in by_a]
    me = S["alice"]["api"].ok("GET", "/me")
    assert cents(me["earnings"]) == 5 + 25 + 125 + 2, me


@check
def extend_hit():
    mt = S["mt"]
    before = mt.get_hit(S["html"])[0]
    mt.extend_hit(S["html"], assignments_increment=1)
    spend(reserve("0.05", 1), "one more 0.05 assignment")
    h = mt.get_hit(S["html"])[0]
    assert (h.MaxAssignments, h.NumberOfAssignmentsAvailable, h.HITStatus) == ("3", "1", "Assignable"), vars(h)
    mt.extend_hit(S["html"], expiration_increment=3600)
    h = mt.get_hit(S["html"])[0]
    moved = (parse_time(h.Expiration) - parse_time(before.Expiration)).total_seconds()
    assert abs(moved - 3600) <= 1, f"Expiration {before.Expiration} → {h.Expiration}"
    expect_error(lambda: mt.extend_hit(S["html"], expiration_increment=10), "ParameterOutOfRange")
    expect_error(lambda: mt.extend_hit(NO_SUCH_HIT, assignments_increment=1), "HITDoesNotExist")
    expect_balance("refused extensions cost nothing")


@check
def expire_and_dispose_hit():
    mt = S["mt"]
    expect_error(lambda: mt.dispose_hit(S["plain"]), "InvalidHITState")  # still assignable
    mt.expire_hit(S["plain"])
    h = mt.get_hit(S["plain"])[0]
    assert h.expired is True and h.HITStatus == "Reviewable", vars(h)
    mt.dispose_hit(S["plain"])
    assert mt.get_hit(S["plain"])[0].HITStatus == "Disposed"
    expect_error(lambda: mt.dispose_hit(S["plain"]), "InvalidHITState")
    # The unworked slot of the extended HIT: expire, then dispose (every assignment is approved).
    mt.expire_hit(S["html"])
    assert mt.get_hit(S["html"])[0].expired is True
    mt.dispose_hit(S["html"])
    assert mt.get_hit(S["html"])[0].HITStatus == "Disposed"
    ids = {h.HITId for h in mt.search_hits(page_size=100)}
    assert S["plain"] not in ids and S["html"] not in ids, ids
    # Unworked slots are refunded on expiry (UpdateExpirationForHIT releases them at once).
    S["expected_balance"] += reserve("0.10", 1) + reserve("0.05", 1)
    expect_balance("expired, unworked slots refunded")
    # ExtendHIT of an expired HIT counts from now.
    mt.expire_hit(S["qual_hit"])
    S["expected_balance"] += reserve("0.05", 1)
    expect_balance("expiring a HIT releases its free slot's money")
    mt.extend_hit(S["qual_hit"], expiration_increment=600)
    spend(reserve("0.05", 1), "extending an expired HIT reserves its free slot again")
    h = mt.get_hit(S["qual_hit"])[0]
    left = (parse_time(h.Expiration) - datetime.datetime.utcnow()).total_seconds()
    assert 590 <= left <= 601 and h.HITStatus == "Assignable" and h.expired is False, (left, vars(h))


@check
def block_and_unblock_worker():
    mt = S["mt"]
    h = mt.create_hit(hit_type=S["plain_type"], question=ExternalQuestion(EXTERNAL_URL, 300), lifetime=600)[0]
    spend(reserve("0.10", 1), "a HIT for the block check")
    S["block_hit"] = h.HITId
    mt.block_worker(S["bob"]["id"], "Spam answers")
    blocks = rest_ok("list-worker-blocks", {"MaxResults": 100})["WorkerBlocks"]
    assert {"WorkerId": S["bob"]["id"], "Reason": "Spam answers"} in blocks, blocks
    status, out = S["bob"]["api"].call("POST", f"/hits/{h.HITId}/accept")
    assert 400 <= status < 500, f"a blocked worker accepted: HTTP {status}: {out}"
    mt.unblock_worker(S["bob"]["id"], "Appeal granted")
    assert rest_ok("list-worker-blocks", {"MaxResults": 100})["WorkerBlocks"] == []
    a = S["bob"]["api"].ok("POST", f"/hits/{h.HITId}/accept")["assignmentId"]
    S["bob"]["api"].ok("POST", f"/assignments/{a}/return")
    expect_error(lambda: mt.block_worker(S["bob"]["id"], ""), "MissingParameters")


@check
def notify_workers():
    mt = S["mt"]
    subject, text = f"boto2 {RUN}", "Thanks for the animals.\nMore tomorrow."
    mt.notify_workers([S["alice"]["id"], S["bob"]["id"]], subject, text)
    for who in ("alice", "bob"):
        msgs = [m for m in S[who]["api"].ok("GET", "/messages")["messages"] if m["subject"] == subject]
        assert len(msgs) == 1 and msgs[0]["messageText"] == text, f"{who}'s inbox: {msgs}"
    # Failures come back as NotifyWorkersFailureStatus elements.
    rs = mt._process_request("NotifyWorkers", {"Subject": subject + " 2", "MessageText": "x",
                                               "WorkerId.1": S["alice"]["id"], "WorkerId.2": UNKNOWN_WORKER},
                             [("NotifyWorkersFailureStatus", BaseAutoResultElement)])
    assert [(f.WorkerId, f.NotifyWorkersFailureCode) for f in rs] == [(UNKNOWN_WORKER, "HardFailure")], \
        [vars(f) for f in rs]


@check
def qualifications():
    mt = S["mt"]
    alice, bob = S["alice"]["id"], S["bob"]["id"]
    qt = mt.create_qualification_type(f"boto2 skill {RUN}", "Knows animals", "Active", keywords=["boto2", RUN],
                                      retry_delay=3600)[0]
    assert re.fullmatch(r"[A-Z0-9]{30}", qt.QualificationTypeId), vars(qt)
    assert (qt.Name, qt.Description, qt.QualificationTypeStatus, qt.Keywords, qt.IsRequestable, qt.AutoGranted) == \
           (f"boto2 skill {RUN}", "Knows animals", "Active", f"boto2, {RUN}", "true", "false"), vars(qt)
    tid = qt.QualificationTypeId
    expect_error(lambda: mt.create_qualification_type(f"boto2 skill {RUN}", "again", "Active"),
                 "QualificationTypeAlreadyExists")
    assert mt.get_qualification_type(tid)[0].Name == f"boto2 skill {RUN}"
    assert [q.QualificationTypeId for q in mt.search_qualification_types(query=RUN)] == [tid]

    mt.assign_qualification(tid, alice, value=5, send_notification=False)
    mt.assign_qualification(tid, bob)  # IntegerValue defaults to 1
    q = mt.get_qualification_score(tid, alice)[0]
    assert (q.QualificationTypeId, q.SubjectId, q.IntegerValue, q.Status) == (tid, alice, "5", "Granted"), vars(q)
    parse_time(q.GrantTime)
    assert mt.get_qualification_score(tid, bob)[0].IntegerValue == "1"
    mt.update_qualification_score(tid, alice, 7)
    assert mt.get_qualification_score(tid, alice)[0].IntegerValue == "7"
    held = mt.get_qualifications_for_qualification_type(tid)
    assert held.TotalNumResults == "2", vars(held)
    assert sorted((x.SubjectId, x.IntegerValue) for x in held) == sorted([(alice, "7"), (bob, "1")]), \
        [vars(x) for x in held]
    # The 2017 API sees the same scores.
    got = rest_ok("get-qualification-score", {"QualificationTypeId": tid, "WorkerId": alice})["Qualification"]
    assert got["IntegerValue"] == 7 and got["Status"] == "Granted", got

    mt.revoke_qualification(bob, tid, reason="Too many mistakes")
    # A revoked qualification has no score to read, in MTurk's words (Dallinger reads them).
    msg = expect_error(lambda: mt.get_qualification_score(tid, bob), "InvalidQualificationState")
    assert msg.startswith("This operation can be called with a status of: Granted"), msg
    assert [x.SubjectId for x in mt.get_qualifications_for_qualification_type(tid)] == [alice]
    expect_error(lambda: mt.update_qualification_score(tid, bob, 3), "QualificationDoesNotExist")
    expect_error(lambda: mt.get_qualification_score(tid, UNKNOWN_WORKER), "QualificationDoesNotExist")
    expect_error(lambda: mt.assign_qualification("3NOSUCHQUALTYPE0000000000000ZZ", alice),
                 "QualificationTypeDoesNotExist")

    mt.dispose_qualification_type(tid)
    expect_error(lambda: mt.get_qualification_score(tid, alice), "QualificationTypeDoesNotExist")
    assert [q.QualificationTypeId for q in mt.search_qualification_types(query=RUN)] == []


@check
def errors_are_mturk_request_errors():
    mt = S["mt"]
    msg = expect_error(lambda: mt.get_hit(NO_SUCH_HIT), "HITDoesNotExist")
    assert NO_SUCH_HIT in msg and re.search(r"\(\d{13}\)$", msg), msg
    expect_error(lambda: mt.register_hit_type("t", "d", Price(0.05), 10), "ParameterOutOfRange")
    expect_error(lambda: mt.register_hit_type("t", "d", Price(-1), 600), "InvalidParameterValue")
    # (boto 2.49's create_hit needs keywords= without hit_type: on Python 3 it fails on None, naming `unicode`.)
    expect_error(lambda: mt.create_hit(question=ExternalQuestion(EXTERNAL_URL, 300), title="t", description="d",
                                       keywords="k", reward=Price(0.05), duration=600, lifetime=600,
                                       max_assignments=0),
                 "ParameterOutOfRange")
    # HITTypeId together with a HIT type's properties.
    expect_error(lambda: mt._process_request("CreateHIT", {
        "HITTypeId": S["type"], "Title": "t", "LifetimeInSeconds": 600,
        "Question": ExternalQuestion(EXTERNAL_URL, 300).get_as_xml()}, []), "InvalidParameterValue")
    expect_error(lambda: mt._process_request("CreateHIT", {
        "HITTypeId": S["type"], "LifetimeInSeconds": 600, "Question": "<ExternalQuestion><oops"}, []), "XMLParseError")
    expect_error(lambda: mt.get_assignments(NO_SUCH_HIT), "HITDoesNotExist")
    expect_error(lambda: mt.approve_assignment("3NOSUCHASSIGNMENT0000000000ZZZ"), "AssignmentDoesNotExist")
    expect_error(lambda: mt._process_request("Help", {"About": "GetHIT", "HelpType": "Operation"}),
                 "UnknownOperation")
    expect_error(lambda: connect(S["key"], "wrong-secret").get_account_balance(), "AWS.BadClaimsSupplied")
    expect_error(lambda: connect("HITDNOSUCHKEY0000000", "x").get_account_balance(), "AWS.NotAuthorized")
    # Another requester's HIT does not exist for this one.
    root = connect(os.environ["HITD_KEY"], os.environ["HITD_SECRET"])
    expect_error(lambda: root.get_hit(S["ext"]), "HITDoesNotExist")
    expect_balance("refused requests cost nothing")


@check
def boto2_hit_read_through_2017_api():
    status, out = rest("get-hit", {"HITId": S["ext"]})
    assert status == 200, f"/v1/get-hit: HTTP {status}: {out}"
    h = out["HIT"]
    assert (h["HITId"], h["HITTypeId"], h["Title"], h["Reward"], h["MaxAssignments"]) == \
           (S["ext"], S["ext_type"], f"boto2 external {RUN}", "0.25", 1), h
    assert (h["Keywords"], h["RequesterAnnotation"], h["AssignmentDurationInSeconds"]) == \
           ("boto2, external", f"batch-{RUN}", 900), h
    assert "<ExternalURL>http://127.0.0.1:9/boto2?batch=2&amp;item=9</ExternalURL>" in h["Question"], h["Question"]
    # The same instant (the 2017 API gives milliseconds, the legacy API seconds).
    assert h["Expiration"][:19] + "Z" == S["mt"].get_hit(S["ext"])[0].Expiration, h["Expiration"]
    listed = rest_ok("list-assignments-for-hit", {"HITId": S["ext"]})["Assignments"]
    assert [(a["AssignmentId"], a["AssignmentStatus"]) for a in listed] == [(S["ext_alice"], "Approved")], listed
    # Root's credentials do not open it.
    status, out = rest("get-hit", {"HITId": S["ext"]}, key=os.environ["HITD_KEY"], secret=os.environ["HITD_SECRET"])
    assert status == 404, f"root read another requester's HIT: HTTP {status}: {out}"


@check
def rest_hit_read_through_boto2():
    out = rest_ok("create-hit", {
        "Title": f"made by REST {RUN}", "Description": "2017 API", "Reward": "1.50", "Keywords": "rest, json",
        "AssignmentDurationInSeconds": 120, "LifetimeInSeconds": 7200, "MaxAssignments": 3,
        "RequesterAnnotation": "from-rest",
        "Question": ExternalQuestion(EXTERNAL_URL, 640).get_as_xml()})["HIT"]
    spend(reserve("1.50", 3), "a HIT made through the 2017 API (3 x 1.50 + fees)")
    h = S["mt"].get_hit(out["HITId"])[0]
    assert (h.HITId, h.HITTypeId, h.Title, h.Description, h.Keywords) == \
           (out["HITId"], out["HITTypeId"], f"made by REST {RUN}", "2017 API", "rest, json"), vars(h)
    assert (h.Amount, h.FormattedPrice, h.MaxAssignments, h.AssignmentDurationInSeconds, h.RequesterAnnotation) == \
           ("1.50", "$1.50", "3", "120", "from-rest"), vars(h)
    assert h.HITStatus == "Assignable" and h.expired is False, vars(h)
    assert "<FrameHeight>640</FrameHeight>" in h.Question, h.Question
    # The same type registered with boto 2.
    again = S["mt"].register_hit_type(f"made by REST {RUN}", "2017 API", Price(1.50), 120, keywords="rest, json")
    assert again[0].HITTypeId == out["HITTypeId"], (again[0].HITTypeId, out["HITTypeId"])
    # Work done through the worker API is seen by boto 2 too.
    a = S["alice"]["api"].ok("POST", f"/hits/{out['HITId']}/accept")["assignmentId"]
    S["alice"]["api"].ok("POST", f"/assignments/{a}/submit", {"answers": {"ok": "yes"}})
    got = S["mt"].get_assignments(out["HITId"])
    assert [(x.AssignmentId, x.AssignmentStatus, answers_of(x)) for x in got] == [(a, "Submitted", {"ok": ["yes"]})]


@check
def hits_cross_with_boto3():
    # A HIT made with boto 2 is read by boto3...
    h = boto3_call("get_hit", {"HITId": S["ext"]})["HIT"]
    assert (h["HITId"], h["HITTypeId"], h["Title"], h["Reward"]) == (S["ext"], S["ext_type"], f"boto2 external {RUN}", "0.25"), h
    # ...and one made with boto3 is read by boto 2.
    made = boto3_call("create_hit_with_hit_type", {"HITTypeId": S["ext_type"], "LifetimeInSeconds": 600, "MaxAssignments": 1,
                                                   "Question": ExternalQuestion(EXTERNAL_URL, 300).get_as_xml()})["HIT"]
    spend(reserve("0.25", 1), "a HIT made through boto3 (1 x 0.25 + fee)")
    got = S["mt"].get_hit(made["HITId"])[0]
    assert (got.HITId, got.HITTypeId, got.Amount) == (made["HITId"], S["ext_type"], "0.25"), vars(got)


@check
def create_hit_with_layout():
    mt = S["mt"]
    with tempfile.NamedTemporaryFile("w", suffix=".html", delete=False) as f:
        f.write('<p>Label the ${label}</p><img src="${image_url}">')
        path = f.name
    try:
        out = run([HITD_BIN, "layout", "create", "--requester", S["key"], "--file", path, "--name", f"boto2 {RUN}",
                   *store_flags()])
    finally:
        os.remove(path)
    ids = re.findall(r"\b[A-Z0-9]{30}\b", out)
    assert ids, f"`hitd layout create` printed {out!r}"
    params = LayoutParameters([LayoutParameter("label", "cat & dog"),
                               LayoutParameter("image_url", "https://img.example.com/1.png?a=1&b=2")])
    h = mt.create_hit(hit_type=S["plain_type"], hit_layout=ids[0], layout_params=params, lifetime=600)[0]
    spend(reserve("0.10", 1), "a HIT from a layout")
    assert h.HITLayoutId == ids[0] and h.HITTypeId == S["plain_type"], vars(h)
    assert "<HTMLQuestion" in h.Question and "Label the cat &amp; dog" in h.Question, h.Question
    assert 'src="https://img.example.com/1.png?a=1&amp;b=2"' in h.Question, h.Question
    # A placeholder without a value is refused.
    expect_error(lambda: mt.create_hit(hit_type=S["plain_type"], hit_layout=ids[0], lifetime=600,
                                       layout_params=LayoutParameters([LayoutParameter("label", "x")])),
                 "InvalidParameterValue")
    mt.expire_hit(h.HITId)
    S["expected_balance"] += reserve("0.10", 1)
    expect_balance("the layout HIT expired unworked")


@check
def review_states_change_type_and_disable():
    mt = S["mt"]
    h = mt.create_hit(hit_type=S["plain_type"], question=ExternalQuestion(EXTERNAL_URL, 300), lifetime=600)[0]
    spend(reserve("0.10", 1), "a HIT for the review-state checks")
    # ChangeHITTypeOfHIT: to a type of the same reward registered with boto 2.
    other = mt.register_hit_type(f"boto2 plain moved {RUN}", "Moved here", Price(0.10), 300)[0].HITTypeId
    mt.change_hit_type_of_hit(h.HITId, other)
    moved = mt.get_hit(h.HITId)[0]
    assert (moved.HITTypeId, moved.Title) == (other, f"boto2 plain moved {RUN}"), vars(moved)
    expect_error(lambda: mt.set_reviewing(h.HITId), "InvalidHITState")  # still assignable
    a = S["alice"]["api"].ok("POST", f"/hits/{h.HITId}/accept")["assignmentId"]
    S["alice"]["api"].ok("POST", f"/assignments/{a}/submit", {"answers": {"ok": "yes"}})
    assert mt.get_hit(h.HITId)[0].HITStatus == "Reviewable"
    mt.set_reviewing(h.HITId)
    assert mt.get_hit(h.HITId)[0].HITStatus == "Reviewing"
    assert [x.HITId for x in mt.get_reviewable_hits(hit_type=other, status="Reviewing")] == [h.HITId]
    mt.set_reviewing(h.HITId, revert=True)
    assert mt.get_hit(h.HITId)[0].HITStatus == "Reviewable"
    # DisableHIT: the submitted assignment is approved (paid from the reserve) and the HIT disposed.
    mt.disable_hit(h.HITId)
    assert mt.get_hit(h.HITId)[0].HITStatus == "Disposed"
    assert assignment(a).AssignmentStatus == "Approved"
    expect_balance("DisableHIT pays the submitted assignment out of the reserve")
    expect_error(lambda: mt.disable_hit(NO_SUCH_HIT), "HITDoesNotExist")


@check
def qualification_requests():
    mt = S["mt"]
    qt = mt.create_qualification_type(f"boto2 reviewed {RUN}", "Granted by hand", "Active")[0].QualificationTypeId
    reqs = {}
    for who in ("alice", "bob"):
        out = S[who]["api"].ok("POST", f"/qualifications/{qt}/request")
        assert out.get("status") == "Pending", out
        reqs[who] = out["requestId"]
    # boto 2's defaults (SortProperty=Expiration, PageSize=10).
    rs = mt.get_qualification_requests(qt)
    assert (rs.NumResults, rs.TotalNumResults) == ("2", "2"), vars(rs)
    got = {r.SubjectId: r for r in rs}
    assert set(got) == {S["alice"]["id"], S["bob"]["id"]}, [vars(r) for r in rs]
    assert got[S["alice"]["id"]].QualificationRequestId == reqs["alice"], vars(got[S["alice"]["id"]])
    assert all(r.QualificationTypeId == qt for r in rs)
    for r in rs:
        parse_time(r.SubmitTime)
    by_time = mt.get_qualification_requests(qt, sort_by="SubmitTime", sort_direction="Descending")
    assert [r.SubjectId for r in by_time] == [S["bob"]["id"], S["alice"]["id"]], [vars(r) for r in by_time]
    mt.grant_qualification(reqs["alice"], integer_value=9)
    assert mt.get_qualification_score(qt, S["alice"]["id"])[0].IntegerValue == "9"
    # boto 2.49 has no reject_qualification_request: the operation through _process_request.
    mt._process_request("RejectQualificationRequest", {"QualificationRequestId": reqs["bob"], "Reason": "Not yet"})
    expect_error(lambda: mt.get_qualification_score(qt, S["bob"]["id"]), "QualificationDoesNotExist")
    expect_error(lambda: mt.grant_qualification(reqs["bob"]), "QualificationRequestDoesNotExist")
    assert mt.get_qualification_requests(qt).TotalNumResults == "0"
    # UpdateQualificationType as boto 2 sends it.
    u = mt.update_qualification_type(qt, description="Now inactive", status="Inactive", retry_delay=600)[0]
    assert (u.Description, u.QualificationTypeStatus, u.RetryDelayInSeconds) == ("Now inactive", "Inactive", "600"), vars(u)
    mt.dispose_qualification_type(qt)


class HookReceiver:
    """Records the JSON documents POSTed to it (hitd's Webhook transport) on 127.0.0.1."""

    def __init__(self):
        self.docs, lock = [], threading.Lock()
        recv = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with lock:
                    recv.docs.append(json.loads(body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"

    def events(self, event_type):
        return [e for d in list(self.docs) for e in d.get("Events", []) if e.get("EventType") == event_type]

    def wait(self, event_type, hit_id=None, timeout=15.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = [e for e in self.events(event_type) if hit_id is None or e.get("HITId") == hit_id]
            if got:
                return got[0]
            time.sleep(0.2)
        raise AssertionError(f"no {event_type} for {hit_id} at {self.url} within {timeout}s: {self.docs[-10:]}")

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@check
def notifications_as_boto2_sends_them():
    # boto 2's set_*_notification and send_test_event_notification all go through _set_notification,
    # which sends Notification.1.{Destination,Transport,Version,Active} and Notification.1.EventType.N.
    # Its public methods fix the transport (Email, SQS, or REST, which MTurk had retired); hitd's
    # Webhook transport goes through the same code, so the check can see the messages.
    mt = S["mt"]
    t = mt.register_hit_type(f"boto2 notify {RUN}", "Notifications", Price(0.05), 300)[0].HITTypeId
    recv = HookReceiver()
    try:
        mt._set_notification(t, "Webhook", recv.url, "SendTestEventNotification", ["AssignmentSubmitted"], "Ping")
        recv.wait("Ping", timeout=5)
        mt._set_notification(t, "Webhook", recv.url, "SetHITTypeNotification", ["HITCreated", "HITExpired"])
        # Active=False as its own parameter (boto 2 has no method for it) ...
        mt._process_request("SetHITTypeNotification", {"HITTypeId": t, "Active": False})
        quiet = mt.create_hit(hit_type=t, question=ExternalQuestion(EXTERNAL_URL, 300), lifetime=600)[0].HITId
        # ... and boto 2's set call, whose Notification.1.Active=True turns the settings on again.
        mt._set_notification(t, "Webhook", recv.url, "SetHITTypeNotification", ["HITCreated", "HITExpired"])
        loud = mt.create_hit(hit_type=t, question=ExternalQuestion(EXTERNAL_URL, 300), lifetime=600)[0].HITId
        spend(2 * reserve("0.05", 1), "two HITs for the notification checks")
        ev = recv.wait("HITCreated", loud)
        assert ev["HITTypeId"] == t, ev
        assert [e for e in recv.events("HITCreated") if e.get("HITId") == quiet] == [], recv.docs
        for h in (quiet, loud):
            mt.expire_hit(h)
        S["expected_balance"] += 2 * reserve("0.05", 1)
        expect_balance("the notification checks' HITs expired unworked")
        # Both expiries are notified (the settings are on again), and received before the
        # receiver goes: nothing is left to retry against a closed port.
        for h in (quiet, loud):
            recv.wait("HITExpired", h)
    finally:
        recv.stop()
    # The public methods: Email and SQS are accepted; REST, which MTurk had retired, is refused.
    other = mt.register_hit_type(f"boto2 notify email {RUN}", "Notifications", Price(0.05), 300)[0].HITTypeId
    mt.set_email_notification(other, "requester@example.com", event_types=["AssignmentSubmitted"])
    mt.set_sqs_notification(other, "https://sqs.us-east-1.amazonaws.com/123456789012/q", event_types=["HITReviewable"])
    for call in (mt.set_rest_notification, mt.send_test_event_notification):
        msg = expect_error(lambda: call(other, "https://example.com/n", event_types=["AssignmentSubmitted"]),
                           "InvalidParameterValue")
        assert '"REST"' in msg and "Transport" in msg, msg


@check
def final_balance():
    want = cents("10000.00")
    want -= reserve("0.25", 1) + reserve("0.05", 2) + reserve("0.05", 1) + reserve("0.10", 1)  # four HITs
    want += reserve("0.05", 1) - reserve("0.05", 1)                       # rejected, then approved after all
    want -= cents("1.25") + fee(cents("1.25")) + 2 + 1                     # two bonuses
    want -= reserve("0.05", 1)                                            # ExtendHIT: one more assignment
    want += reserve("0.10", 1) + reserve("0.05", 1)                       # expired, unworked slots refunded
    want -= reserve("0.10", 1)                                            # the block check's HIT
    want -= reserve("1.50", 3)                                            # the REST HIT
    want -= reserve("0.25", 1)                                            # the boto3 HIT
    want -= reserve("0.10", 1)                                            # the review-state check's HIT
    assert want == S["expected_balance"], (usd(want), usd(S["expected_balance"]))
    expect_balance("at the end")
    print(f"     (balance {usd(want)})")


def main():
    print(f"boto {boto.__version__} (python {sys.version.split()[0]}, {sys.executable}) against "
          f"{HOST}:{PORT}", flush=True)
    sys.exit(0 if run_checks(CHECKS, "boto2") else 1)


if __name__ == "__main__":
    main()
