#!/usr/bin/env python3
"""End-to-end test of hitd's qualifications: requesters define qualification
types, tests and requirements with boto3; workers take tests, request
qualifications and accept (or are refused) HITs through the worker JSON API
and the worker site's forms.

Usage (normally driven by e2e/run.sh):
    test_quals_boto3.py

Environment:
    HITD_ENDPOINT    http://127.0.0.1:PORT (the Requester API at /, the worker API at /api/worker/v1, the site at /)
    HITD_BIN         the built hitd binary (`hitd requester create`, `hitd worker create`, `hitd worker masters`)
    HITD_DATA_DIR    the running server's data directory (the commands open the same store)

Only python3, boto3 and the standard library are used. The suite works as two
requesters of its own (made with `hitd requester create`), so that balances
can be checked to the cent and names cannot collide with other suites, and
with workers of its own (`hitd worker create`).

Each check prints "PASS <name>" or "FAIL <name>: <why>"; the last line is
"quals: N passed, M failed" and the exit code is non-zero on any failure.
"""

import html.parser
import http.cookiejar
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import datetime, timezone
from decimal import Decimal

import boto3
import botocore.config
from botocore.exceptions import ClientError

from hitde2e import WorkerAPI, expect_request_error, requester_client, run, run_checks, store_flags

ENDPOINT = os.environ["HITD_ENDPOINT"].rstrip("/")
WORKER_API = ENDPOINT + "/api/worker/v1"
HITD_BIN = os.environ.get("HITD_BIN", "hitd")
DATA_DIR = os.environ.get("HITD_DATA_DIR", "")
REGION = "us-east-1"
RUN = uuid.uuid4().hex[:8]

FORM_NS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd"
EXTERNAL_NS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd"
KEY_NS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/AnswerKey.xsd"

# System qualification types.
LOCALE = "00000000000000000071"
ADULT = "00000000000000000060"
MASTERS = "2F1QJWKUDD8XADTFD2Q0G6UTO95ALH"          # production
MASTERS_SANDBOX = "2ARFPLSP75KLA8M8DH1HTEQVJT3SY6"  # sandbox


def radio(qid, text, choices):
    sel = "".join(f"<Selection><SelectionIdentifier>{i}</SelectionIdentifier><Text>{t}</Text></Selection>"
                  for i, t in choices)
    return (f"<Question><QuestionIdentifier>{qid}</QuestionIdentifier><DisplayName>{qid}</DisplayName>"
            f"<IsRequired>true</IsRequired><QuestionContent><Text>{text}</Text></QuestionContent>"
            f"<AnswerSpecification><SelectionAnswer><StyleSuggestion>radiobutton</StyleSuggestion>"
            f"<Selections>{sel}</Selections></SelectionAnswer></AnswerSpecification></Question>")


# The qualification test: two radio questions.
TEST = (f'<QuestionForm xmlns="{FORM_NS}">'
        "<Overview><Title>A two-question quiz</Title><Text>Answer both questions.</Text></Overview>"
        + radio("capital", "What is the capital of France?", [("paris", "Paris"), ("rome", "Rome"), ("berlin", "Berlin")])
        + radio("sum", "What is 2 + 2?", [("three", "3"), ("four", "4"), ("five", "5")])
        + "</QuestionForm>")

# One point per right answer; the value is the percentage of the two points.
ANSWER_KEY = (f'<AnswerKey xmlns="{KEY_NS}">'
              "<Question><QuestionIdentifier>capital</QuestionIdentifier>"
              "<AnswerOption><SelectionIdentifier>paris</SelectionIdentifier><AnswerScore>1</AnswerScore></AnswerOption>"
              "</Question>"
              "<Question><QuestionIdentifier>sum</QuestionIdentifier>"
              "<AnswerOption><SelectionIdentifier>four</SelectionIdentifier><AnswerScore>1</AnswerScore></AnswerOption>"
              "</Question>"
              "<QualificationValueMapping><PercentageMapping><MaximumSummedScore>2</MaximumSummedScore>"
              "</PercentageMapping></QualificationValueMapping>"
              "</AnswerKey>")

RIGHT = {"capital": "paris", "sum": "four"}
ONE_WRONG = {"capital": "paris", "sum": "five"}

EXTERNAL_QUESTION = (f'<ExternalQuestion xmlns="{EXTERNAL_NS}">'
                     "<ExternalURL>http://127.0.0.1:9/task</ExternalURL>"
                     "<FrameHeight>400</FrameHeight></ExternalQuestion>")


# ---------------------------------------------------------------- money

def cents(s):
    """'12.34' → 1234, exactly."""
    d = Decimal(s)
    assert d == d.quantize(Decimal("0.01")), f"{s!r} has fractions of a cent"
    return int(d * 100)


def usd(c):
    return f"{c // 100}.{c % 100:02d}"


def slot(reward_cents, pct):
    """One assignment's reserve: the reward and its fee at pct %, at least a cent, rounded up."""
    return reward_cents + max(1, -(-reward_cents * pct // 100))


# ---------------------------------------------------------------- harness

CHECKS = []
S = {}  # state handed from check to check


def check(fn):
    CHECKS.append(fn)
    return fn


def need(*keys):
    missing = [k for k in keys if k not in S]
    assert not missing, f"an earlier check did not get as far as {', '.join(missing)}"
    return [S[k] for k in keys]


# ---------------------------------------------------------------- the worker site's forms

class _Forms(html.parser.HTMLParser):
    """Collects the forms of a page: action, method and their fields."""

    def __init__(self):
        super().__init__()
        self.forms, self._cur = [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._cur = {"action": a.get("action", ""), "method": (a.get("method") or "get").lower(), "fields": []}
            self.forms.append(self._cur)
        elif self._cur is not None and tag in ("input", "select", "textarea", "button") and a.get("name"):
            self._cur["fields"].append({"tag": tag, "type": (a.get("type") or "").lower(), "name": a["name"],
                                        "value": a.get("value") or "", "checked": "checked" in a})

    def handle_endtag(self, tag):
        if tag == "form":
            self._cur = None


def forms_of(page):
    p = _Forms()
    p.feed(page)
    return p.forms


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class WebSession:
    """A browser-like client of the worker site: a cookie jar, and form posts
    that carry a same-origin Origin header as browsers send, for the site's
    cross-origin protection."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def request(self, method, path, fields=None, origin=ENDPOINT):
        data = urllib.parse.urlencode(fields or []).encode() if method == "POST" else None
        req = urllib.request.Request(ENDPOINT + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/x-www-form-urlencoded")
            if origin:
                req.add_header("Origin", origin)
        try:
            with self.opener.open(req, timeout=30) as r:
                return r.status, r.headers, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read().decode()

    def login(self, user, password):
        status, headers, body = self.request("GET", "/login")
        assert status == 200, f"GET /login: HTTP {status}"
        status, headers, body = self.request("POST", "/login", [("username", user), ("password", password), ("next", "/")])
        assert status in (302, 303), f"POST /login: HTTP {status}: {body[:300]}"
        assert any(c.name == "hitd_session" for c in self.jar), "no hitd_session cookie after logging in"

    def form(self, path, action):
        """The form on page path that posts to action, as [(name, value)] of what a browser would send."""
        status, _, body = self.request("GET", path)
        assert status == 200, f"GET {path}: HTTP {status}: {body[:300]}"
        for f in forms_of(body):
            if f["action"] == action and f["method"] == "post":
                return f
        raise AssertionError(f"{path} has no form posting to {action}: {[f['action'] for f in forms_of(body)]}")


def form_values(form, **changes):
    """What submitting form sends, with changes applied: str for text fields, bool for checkboxes."""
    out = []
    for f in form["fields"]:
        name = f["name"]
        if f["tag"] == "button" or f["type"] in ("submit", "button", "reset"):
            continue
        if f["type"] in ("checkbox", "radio"):
            on = changes[name] if name in changes and isinstance(changes[name], bool) else f["checked"]
            if on:
                out.append((name, f["value"] or "on"))
        elif name in changes:
            out.append((name, changes[name]))
        else:
            out.append((name, f["value"]))
    return out


# ---------------------------------------------------------------- helpers

def worker_quals(api, q):
    """GET /qualifications?q= → {qualificationTypeId: entry}."""
    out = api.ok("GET", "/qualifications?" + urllib.parse.urlencode({"q": q}))
    items = out.get("qualificationTypes")
    assert isinstance(items, list), f"GET /qualifications has no qualificationTypes list: {out}"
    return {t["qualificationTypeId"]: t for t in items}


def my_quals(api):
    """GET /me/qualifications → {qualificationTypeId: entry}."""
    out = api.ok("GET", "/me/qualifications")
    items = out.get("qualifications")
    assert isinstance(items, list), f"GET /me/qualifications has no qualifications list: {out}"
    return {q["qualificationTypeId"]: q for q in items}


def score(rq, type_id, who):
    return rq.get_qualification_score(QualificationTypeId=type_id, WorkerId=S[who]["id"])["Qualification"]


def assert_revoked(rq, type_id, who):
    """A revoked qualification has no score to read: MTurk's words, which Dallinger reads."""
    msg = expect_request_error(lambda: score(rq, type_id, who), "InvalidQualificationState")
    assert msg.startswith("This operation can be called with a status of: Granted"), msg


def inbox(who):
    return S[who]["api"].ok("GET", "/messages")["messages"]


def post_hit(rq, name, reqs, reward="0.20", n=1):
    h = rq.create_hit(Title=f"e2e quals {RUN} {name}", Description="Qualification e2e", Keywords=f"e2e, quals, {RUN}",
                      Reward=reward, MaxAssignments=n, AssignmentDurationInSeconds=600, LifetimeInSeconds=3600,
                      Question=EXTERNAL_QUESTION, QualificationRequirements=reqs)["HIT"]
    S[name] = h["HITId"]
    S[name + "_type"] = h["HITTypeId"]
    return h


def groups(who, q=None):
    out = S[who]["api"].ok("GET", "/hits?" + urllib.parse.urlencode({"q": q or RUN, "pageSize": 100}))
    return {g["hitTypeId"]: g for g in out["groups"]}


def not_qualified(who, hit_name, *reason_parts):
    """who's accept of the HIT is refused with 403 NotQualified naming the reason."""
    e = S[who]["api"].err("POST", f"/hits/{S[hit_name]}/accept", status=403, code="NotQualified")
    for part in reason_parts:
        assert part in e["message"], f"the NotQualified message does not say {part!r}: {e['message']!r}"
    return e


def accept(who, hit_name):
    out = S[who]["api"].ok("POST", f"/hits/{S[hit_name]}/accept")
    assert re.fullmatch(r"[A-Z0-9]{30}", out.get("assignmentId", "")), out
    return out["assignmentId"]


def hit_view(who, hit_name):
    return S[who]["api"].ok("GET", f"/hits/{S[hit_name]}")


def take_test(who, type_id, answers):
    """Starts a test attempt and submits answers; returns (start, result)."""
    api = S[who]["api"]
    t = api.ok("POST", f"/qualifications/{type_id}/test")
    assert re.fullmatch(r"[A-Z0-9]{30}", t.get("requestId", "")), f"POST /qualifications/…/test: {t}"
    return t, api.ok("POST", f"/qualifications/tests/{t['requestId']}/submit", {"answers": answers})


# ================================================================ checks

@check
def setup_requesters_and_workers():
    for who in ("rq", "rq2"):
        out = run([HITD_BIN, "requester", "create", "--name", f"e2e-quals-{who}-{RUN}", *store_flags()])
        f = dict(re.findall(r"^(\w+):\s*(\S+)\s*$", out, re.M))
        assert f.get("AccessKeyId") and f.get("SecretAccessKey"), f"`hitd requester create` printed {out!r}"
        S[who] = requester_client(f["AccessKeyId"], f["SecretAccessKey"])
        S[who + "_name"] = f"e2e-quals-{who}-{RUN}"
    for who in ("ann", "ben", "cal", "dee", "eve", "fay"):
        user, pw = f"q{who}-{RUN}", f"pw-{who}-{RUN}-secret"
        out = run([HITD_BIN, "worker", "create", "--username", user, "--password", pw, *store_flags()])
        ids = re.findall(r"\bA[A-Z0-9]{13}\b", out)
        assert ids, f"`hitd worker create` printed no WorkerId: {out!r}"
        login = WorkerAPI().ok("POST", "/login", {"username": user, "password": pw})
        assert login["workerId"] == ids[0], (login, ids)
        S[who] = {"user": user, "password": pw, "id": ids[0], "api": WorkerAPI(login["token"])}


@check
def create_type_with_test_and_answer_key():
    rq, rq2 = S["rq"], S["rq2"]
    out = rq.create_qualification_type(
        Name=f"Quiz {RUN}", Keywords=f"e2e, quiz, {RUN}", Description=f"Two questions ({RUN})",
        QualificationTypeStatus="Active", Test=TEST, AnswerKey=ANSWER_KEY, TestDurationInSeconds=600,
        RetryDelayInSeconds=0)["QualificationType"]
    assert re.fullmatch(r"[A-Z0-9]{30}", out["QualificationTypeId"]), out
    assert out["Name"] == f"Quiz {RUN}" and out["QualificationTypeStatus"] == "Active", out
    assert out["Test"] == TEST and out["TestDurationInSeconds"] == 600 and out["RetryDelayInSeconds"] == 0, out
    assert out.get("AnswerKey") == ANSWER_KEY, f"the owner does not see the AnswerKey: {out}"
    assert out["IsRequestable"] is True and out["AutoGranted"] is False, out
    S["quiz"] = out["QualificationTypeId"]
    # Another requester sees the type (as on MTurk) but not its answer key.
    other = rq2.get_qualification_type(QualificationTypeId=S["quiz"])["QualificationType"]
    assert other["Name"] == f"Quiz {RUN}" and other["Test"] == TEST, other
    assert "AnswerKey" not in other, f"another requester sees the AnswerKey: {other}"
    # The same quiz with a retry delay of a day, to check refusals.
    strict = rq.create_qualification_type(
        Name=f"Strict quiz {RUN}", Keywords=f"e2e, strict, {RUN}", Description="Retake after a day",
        QualificationTypeStatus="Active", Test=TEST, AnswerKey=ANSWER_KEY, TestDurationInSeconds=600,
        RetryDelayInSeconds=86400)["QualificationType"]
    S["strict"] = strict["QualificationTypeId"]
    # A test without an answer key: graded by the requester.
    essay = rq.create_qualification_type(
        Name=f"Hand-graded quiz {RUN}", Keywords=f"e2e, {RUN}", Description="Graded by hand",
        QualificationTypeStatus="Active", Test=TEST, TestDurationInSeconds=600)["QualificationType"]
    S["handgraded"] = essay["QualificationTypeId"]


@check
def bad_types_are_refused():
    rq = S["rq"]
    expect_request_error(lambda: rq.create_qualification_type(
        Name=f"Quiz {RUN}", Description="again", QualificationTypeStatus="Active"), "QualificationTypeAlreadyExists")
    expect_request_error(lambda: rq.create_qualification_type(
        Name=f"Bad {RUN}", Description="d", QualificationTypeStatus="Active", Test=TEST, TestDurationInSeconds=60,
        AutoGranted=True), "InvalidParameterValue")
    expect_request_error(lambda: rq.create_qualification_type(
        Name=f"Bad key {RUN}", Description="d", QualificationTypeStatus="Active", Test=TEST, TestDurationInSeconds=60,
        AnswerKey=ANSWER_KEY.replace("<SelectionIdentifier>four<", "<SelectionIdentifier>seven<")),
        "InvalidParameterValue")
    expect_request_error(lambda: rq.create_qualification_type(
        Name=f"No duration {RUN}", Description="d", QualificationTypeStatus="Active", Test=TEST), "MissingParameters")
    # Names are unique per requester: another requester may use the same one.
    dup = S["rq2"].create_qualification_type(Name=f"Quiz {RUN}", Description="rq2's own",
                                             QualificationTypeStatus="Inactive")["QualificationType"]
    assert dup["QualificationTypeId"] != S["quiz"], dup
    S["rq2_quiz"] = dup["QualificationTypeId"]


@check
def list_qualification_types():
    rq, rq2 = S["rq"], S["rq2"]
    def ids(c, **kw):
        out = c.list_qualification_types(MustBeRequestable=kw.pop("req", False), MaxResults=100, **kw)
        assert out["NumResults"] == len(out["QualificationTypes"]), out
        return {t["QualificationTypeId"]: t for t in out["QualificationTypes"]}
    got = ids(rq, Query=RUN)
    for k in ("quiz", "strict", "handgraded", "rq2_quiz"):
        assert S[k] in got, f"ListQualificationTypes Query={RUN} lacks {k}: {[t['Name'] for t in got.values()]}"
    # MustBeRequestable: only Active types (rq2's copy is Inactive).
    got = ids(rq, Query=RUN, req=True)
    assert S["quiz"] in got and S["rq2_quiz"] not in got, [t["Name"] for t in got.values()]
    # MustBeOwnedByCaller.
    mine = ids(rq, Query=RUN, MustBeOwnedByCaller=True)
    assert {S["quiz"], S["strict"], S["handgraded"]} <= set(mine) and S["rq2_quiz"] not in mine, mine.keys()
    theirs = ids(rq2, Query=RUN, MustBeOwnedByCaller=True)
    assert set(theirs) == {S["rq2_quiz"]}, [t["Name"] for t in theirs.values()]
    assert "AnswerKey" not in got[S["quiz"]] or got[S["quiz"]]["AnswerKey"] == ANSWER_KEY
    assert all("AnswerKey" not in t for t in ids(rq2, Query=RUN).values()), "rq2 sees an AnswerKey in listings"
    # Query matches name, description and keywords.
    assert S["strict"] in ids(rq, Query="Retake after a day"), "Query does not match the description"
    assert S["strict"] in ids(rq, Query=f"strict, {RUN}"), "Query does not match the keywords"
    assert ids(rq, Query=f"nothing-like-this-{RUN}") == {}, "a Query matching nothing lists types"
    # System types are not listed.
    assert not any(i in ids(rq) for i in (LOCALE, ADULT, MASTERS)), "system types are listed"


@check
def worker_finds_and_takes_test_with_one_wrong_answer():
    api, quiz = S["ann"]["api"], S["quiz"]
    listed = worker_quals(api, RUN)
    assert quiz in listed and S["strict"] in listed and S["handgraded"] in listed, list(listed)
    assert S["rq2_quiz"] not in listed, "an Inactive type is listed to workers"
    order = [i for i in listed if i in (quiz, S["strict"], S["handgraded"])]
    assert order == [quiz, S["strict"], S["handgraded"]], f"GET /qualifications is not oldest first: {order}"
    one = api.ok("GET", f"/qualifications/{quiz}")
    assert one == listed[quiz], f"GET /qualifications/{{id}} differs from the listing:\n{one}\n{listed[quiz]}"
    want = {"qualificationTypeId": quiz, "name": f"Quiz {RUN}", "description": f"Two questions ({RUN})",
            "keywords": f"e2e, quiz, {RUN}", "requesterName": S["rq_name"], "status": "Active", "hasTest": True,
            "testDurationInSeconds": 600, "retryDelayInSeconds": 0, "autoGranted": False, "canRequest": True}
    assert {k: one.get(k) for k in want} == want, f"GET /qualifications/{{id}}: {one}"
    assert "score" not in one and "lastRequest" not in one and "test" not in one, one
    assert "answerKey" not in json.dumps(one) and "AnswerScore" not in json.dumps(one), f"the worker sees the key: {one}"
    # An Inactive type is not listed, but can be read (and not requested).
    inactive = api.ok("GET", f"/qualifications/{S['rq2_quiz']}")
    assert inactive["status"] == "Inactive" and inactive["canRequest"] is False and inactive.get("why"), inactive
    api.err("POST", f"/qualifications/{S['rq2_quiz']}/request", status=409, code="InvalidQualificationRequestState")
    # A type with a test is not requested: its test is taken.
    api.err("POST", f"/qualifications/{quiz}/request", status=400, code="InvalidParameterValue")
    t = api.ok("POST", f"/qualifications/{quiz}/test")
    assert re.fullmatch(r"[A-Z0-9]{30}", t.get("requestId", "")), t
    assert t["qualificationTypeId"] == quiz and t["name"] == f"Quiz {RUN}", t
    assert t.get("test") == TEST and t.get("questionIdentifiers") == ["capital", "sum"], t
    assert "AnswerScore" not in json.dumps(t), f"the test shows the answer key: {t}"
    left = (datetime.fromisoformat(t["testDeadline"].replace("Z", "+00:00")) - datetime.now(timezone.utc)).total_seconds()
    assert 590 <= left <= 601, f"testDeadline {t['testDeadline']} is {left:.0f}s away, want 600"
    lr = api.ok("GET", f"/qualifications/{quiz}").get("lastRequest") or {}
    assert (lr.get("requestId"), lr.get("status")) == (t["requestId"], "Testing"), f"lastRequest of an open test: {lr}"
    rid = t["requestId"]
    # Starting again while the attempt is open gives the same attempt.
    again = api.ok("POST", f"/qualifications/{quiz}/test")
    assert again["requestId"] == rid, (again, t)
    # An answer missing: 422 with a field message, and nothing is graded.
    e = api.err("POST", f"/qualifications/tests/{rid}/submit", {"answers": {"capital": "paris"}}, status=422,
                code="InvalidAnswer")
    assert "sum" in (e.get("fields") or {}), f"422 does not name the missing answer: {e}"
    api.err("POST", f"/qualifications/tests/{rid}/submit", {"answers": {"capital": "london", "sum": "four"}},
            status=422, code="InvalidAnswer")
    expect_request_error(lambda: S["rq"].get_qualification_score(QualificationTypeId=quiz, WorkerId=S["ann"]["id"]),
                         "QualificationDoesNotExist")
    out = api.ok("POST", f"/qualifications/tests/{rid}/submit", {"answers": ONE_WRONG})
    assert out.get("status") == "Accepted" and out.get("integerValue") == 50, f"one wrong answer of two: {out}"
    api.err("POST", f"/qualifications/tests/{rid}/submit", {"answers": RIGHT}, status=409,
            code="InvalidQualificationRequestState")
    q = score(S["rq"], quiz, "ann")
    assert (q["IntegerValue"], q["Status"], q["WorkerId"]) == (50, "Granted", S["ann"]["id"]), q
    assert "GrantTime" in q, q
    mine = my_quals(api)
    assert mine.get(quiz, {}).get("integerValue") == 50, f"GET /me/qualifications: {mine}"
    # Someone else's test attempt is not ann's to see or submit.
    S["ben"]["api"].err("POST", f"/qualifications/tests/{rid}/submit", {"answers": RIGHT}, status=404,
                        code="QualificationRequestDoesNotExist")
    one = api.ok("GET", f"/qualifications/{quiz}")
    assert (one.get("score") or {}).get("integerValue") == 50 and one["score"]["status"] == "Granted", one
    assert one["canRequest"] is False and one.get("why") == "You already have this qualification.", one


@check
def hit_requiring_75_refuses_the_50():
    rq, quiz = S["rq"], S["quiz"]
    post_hit(rq, "quiz75", [{"QualificationTypeId": quiz, "Comparator": "GreaterThanOrEqualTo", "IntegerValues": [75]}],
             n=2)
    post_hit(rq, "plain", [])
    v = hit_view("ann", "quiz75")
    assert v.get("qualified") is False, f"GET /hits/{{id}} of a HIT ann is not qualified for: {v}"
    unmet = " ".join(v.get("unmet") or [])
    assert f"Quiz {RUN}" in unmet and "75" in unmet, f"unmet does not name the requirement: {v.get('unmet')}"
    assert hit_view("ann", "plain").get("qualified") is True
    # The Accept guard (the default) lets ann find and preview the HIT.
    g = groups("ann")
    assert S["quiz75_type"] in g, "a HIT guarding only Accept is not listed"
    assert g[S["quiz75_type"]].get("qualified") is False and g[S["quiz75_type"]].get("unmet"), g[S["quiz75_type"]]
    assert g[S["plain_type"]].get("qualified") is True and g[S["plain_type"]].get("unmet") == [], g[S["plain_type"]]
    not_qualified("ann", "quiz75", f"Quiz {RUN}", "75")
    # An anonymous visitor of the site sees what the HIT requires.
    status, _, body = WebSession().request("GET", f"/hits/{S['quiz75']}")
    assert status == 200 and "Requires:" in body and f"Quiz {RUN}" in body, f"anonymous preview: HTTP {status}"
    S["ann"]["api"].err("POST", f"/groups/{S['quiz75_type']}/accept", status=403, code="NotQualified")
    h = rq.get_hit(HITId=S["quiz75"])["HIT"]
    assert (h["NumberOfAssignmentsPending"], h["NumberOfAssignmentsAvailable"]) == (0, 2), h
    assert h["QualificationRequirements"][0]["QualificationTypeId"] == quiz, h


@check
def retake_refused_until_the_retry_delay():
    api, strict = S["ann"]["api"], S["strict"]
    _, out = take_test("ann", strict, ONE_WRONG)
    assert out.get("status") == "Accepted" and out.get("integerValue") == 50, out
    # Holding it: no retake.
    api.err("POST", f"/qualifications/{strict}/test", status=409, code="InvalidQualificationRequestState")
    S["rq"].disassociate_qualification_from_worker(QualificationTypeId=strict, WorkerId=S["ann"]["id"],
                                                   Reason=f"Please retake the strict quiz {RUN}")
    assert_revoked(S["rq"], strict, "ann")
    # Revoked, but the day is not over.
    e = api.err("POST", f"/qualifications/{strict}/test", status=409, code="InvalidQualificationRequestState")
    one = api.ok("GET", f"/qualifications/{strict}")
    assert one.get("canRequest") is False and one.get("why"), f"GET /qualifications/{{id}} after a refused retake: {one}"
    assert (one.get("score") or {}).get("status") == "Revoked", one
    wait = (datetime.fromisoformat(one["retryAt"].replace("Z", "+00:00")) - datetime.now(timezone.utc)).total_seconds()
    assert 86000 <= wait <= 86401, f"retryAt {one['retryAt']} is {wait:.0f}s away, want a day"
    print(f"     (refused retake: {e['message']!r}; retryAt {one['retryAt']})")
    # The worker was told, with the reason.
    assert any(f"Please retake the strict quiz {RUN}" in m["messageText"] for m in inbox("ann")), inbox("ann")
    # The requester shortens the delay: the retake is allowed at once.
    up = S["rq"].update_qualification_type(QualificationTypeId=strict, RetryDelayInSeconds=0)["QualificationType"]
    assert up["RetryDelayInSeconds"] == 0 and up["Name"] == f"Strict quiz {RUN}", up
    assert api.ok("GET", f"/qualifications/{strict}")["canRequest"] is True
    _, out = take_test("ann", strict, RIGHT)
    assert out.get("status") == "Accepted" and out.get("integerValue") == 100, out
    assert score(S["rq"], strict, "ann")["Status"] == "Granted"


@check
def revoke_and_retake_with_no_delay_then_accept():
    rq, api, quiz = S["rq"], S["ann"]["api"], S["quiz"]
    rq.disassociate_qualification_from_worker(QualificationTypeId=quiz, WorkerId=S["ann"]["id"], Reason="Try again")
    assert_revoked(rq, quiz, "ann")
    assert S["quiz75_type"] in groups("ann")
    _, out = take_test("ann", quiz, RIGHT)
    assert out.get("status") == "Accepted" and out.get("integerValue") == 100, out
    q = score(rq, quiz, "ann")
    assert (q["IntegerValue"], q["Status"]) == (100, "Granted"), q
    v = hit_view("ann", "quiz75")
    assert v.get("qualified") is True and not v.get("unmet"), v
    S["quiz75_ann"] = accept("ann", "quiz75")
    # ben never took the quiz.
    not_qualified("ben", "quiz75", f"Quiz {RUN}")


@check
def site_test_page_grades_then_the_hit_is_accepted_on_the_site():
    """fay does on the web site what ann did on the worker API: finds the
    quiz on /qualifications, takes its test in the page (a question left
    unanswered comes back with its error), is graded by the answer key, and
    accepts the HIT that requires a score of 75 with its Accept button."""
    rq, quiz = S["rq"], S["quiz"]
    need("quiz75")
    web = WebSession()
    web.login(S["fay"]["user"], S["fay"]["password"])
    # Before the test the preview says why the HIT is not available, and has no Accept button.
    status, _, body = web.request("GET", f"/hits/{S['quiz75']}")
    assert status == 200 and f"Quiz {RUN}" in body and "75" in body, f"preview before the test: HTTP {status}"
    assert not any(f["action"] == f"/hits/{S['quiz75']}/accept" for f in forms_of(body)), \
        "the preview offers Accept to a worker without the quiz"
    status, _, body = web.request("POST", f"/hits/{S['quiz75']}/accept", [])
    assert status == 403 and f"Quiz {RUN}" in body, f"accepting before the test: HTTP {status}"
    # /qualifications finds the quiz; its "Take the test" button opens the test page.
    form = web.form("/qualifications?" + urllib.parse.urlencode({"q": f"Quiz {RUN}"}), f"/qualifications/{quiz}/test")
    status, headers, body = web.request("POST", form["action"], form_values(form))
    loc = headers.get("Location", "")
    assert status in (302, 303) and re.fullmatch(r"/qualifications/tests/[A-Z0-9]{30}", loc), \
        f"Take the test: HTTP {status} to {loc!r}: {body[:200]}"
    status, _, page = web.request("GET", loc)
    assert status == 200 and "Time left" in page and "What is the capital of France?" in page, \
        f"the test page: HTTP {status}"
    test = next((f for f in forms_of(page) if f["action"] == loc and f["method"] == "post"), None)
    assert test is not None, f"the test page has no form posting to {loc}: {forms_of(page)}"
    radios = {(f["name"], f["value"]) for f in test["fields"] if f["type"] == "radio"}
    assert {("capital", "paris"), ("sum", "four"), ("sum", "five")} <= radios, f"the test's radio buttons: {radios}"
    hidden = [(f["name"], f["value"]) for f in test["fields"] if f["type"] == "hidden"]
    # A question left unanswered: 422 and the page again, nothing graded.
    status, _, body = web.request("POST", loc, hidden + [("capital", "paris")])
    assert status == 422 and 'role="alert"' in body, f"a test with an answer missing: HTTP {status}"
    expect_request_error(lambda: score(rq, quiz, "fay"), "QualificationDoesNotExist")
    status, headers, body = web.request("POST", loc, hidden + list(RIGHT.items()))
    assert status in (302, 303) and headers.get("Location") == loc, f"submitting the test: HTTP {status}: {body[:200]}"
    status, _, body = web.request("GET", loc)
    assert status == 200 and "Granted with score" in body and '<strong class="score">100</strong>' in body, \
        f"the graded test page: HTTP {status}"
    q = score(rq, quiz, "fay")
    assert (q["IntegerValue"], q["Status"]) == (100, "Granted"), q
    reqs = rq.list_qualification_requests(QualificationTypeId=quiz, MaxResults=100)["QualificationRequests"]
    assert reqs == [], f"a test graded by its answer key is pending: {reqs}"
    # Now the preview has the Accept button, and it works.
    status, _, body = web.request("GET", f"/hits/{S['quiz75']}")
    accept_form = next((f for f in forms_of(body) if f["action"] == f"/hits/{S['quiz75']}/accept"), None)
    assert status == 200 and accept_form, f"the preview after the test has no Accept button: HTTP {status}"
    status, headers, body = web.request("POST", accept_form["action"], form_values(accept_form))
    loc = headers.get("Location", "")
    assert status in (302, 303) and loc.startswith("/assignments/"), f"Accept: HTTP {status} to {loc!r}: {body[:200]}"
    h = rq.get_hit(HITId=S["quiz75"])["HIT"]
    assert (h["NumberOfAssignmentsPending"], h["NumberOfAssignmentsAvailable"]) == (2, 0), h  # ann's and fay's
    status, _, body = web.request("GET", loc)
    assert status == 200 and f"e2e quals {RUN} quiz75" in body, f"fay's assignment page: HTTP {status}"


@check
def auto_granted_type():
    rq = S["rq"]
    t = rq.create_qualification_type(Name=f"Auto {RUN}", Description="Granted on request", Keywords=RUN,
                                     QualificationTypeStatus="Active", AutoGranted=True,
                                     AutoGrantedValue=7)["QualificationType"]
    assert t["AutoGranted"] is True and t["AutoGrantedValue"] == 7, t
    S["auto"] = t["QualificationTypeId"]
    api = S["ben"]["api"]
    # A type without a test is requested; taking its "test" is refused.
    api.err("POST", f"/qualifications/{S['auto']}/test", status=400, code="InvalidParameterValue")
    out = api.ok("POST", f"/qualifications/{S['auto']}/request")
    assert (out.get("status"), out.get("integerValue"), out.get("qualificationTypeId")) == ("Accepted", 7, S["auto"]), out
    q = score(rq, S["auto"], "ben")
    assert (q["IntegerValue"], q["Status"]) == (7, "Granted"), q
    assert my_quals(api).get(S["auto"], {}).get("integerValue") == 7
    pending = rq.list_qualification_requests(QualificationTypeId=S["auto"])["QualificationRequests"]
    assert pending == [], f"an auto-granted request is pending: {pending}"
    # On the site: eve's Request button, posted from another origin (refused) and from the site.
    web = WebSession()
    web.login(S["eve"]["user"], S["eve"]["password"])
    form = web.form("/qualifications?" + urllib.parse.urlencode({"q": RUN}), f"/qualifications/{S['auto']}/request")
    status, _, body = web.request("POST", form["action"], form_values(form), origin="http://evil.example")
    assert status == 403, f"a cross-origin Request answered {status}: {body[:200]}"
    expect_request_error(lambda: score(rq, S["auto"], "eve"), "QualificationDoesNotExist")
    status, headers, body = web.request("POST", form["action"], form_values(form))
    assert status in (302, 303) and headers.get("Location", "").startswith("/qualifications"), \
        f"the Request button: HTTP {status} to {headers.get('Location')}: {body[:200]}"
    q = score(rq, S["auto"], "eve")
    assert (q["IntegerValue"], q["Status"]) == (7, "Granted"), q
    status, _, body = web.request("GET", headers["Location"])
    assert status == 200 and f'id="s-{S["auto"]}"' in body, "My qualifications does not list the granted type"


@check
def pending_requests_accepted_and_rejected():
    rq = S["rq"]
    t = rq.create_qualification_type(Name=f"Reviewed {RUN}", Description="Granted by hand", Keywords=RUN,
                                     QualificationTypeStatus="Active")["QualificationType"]
    S["plainq"] = t["QualificationTypeId"]
    for who in ("ben", "cal"):
        out = S[who]["api"].ok("POST", f"/qualifications/{S['plainq']}/request")
        assert out.get("status") == "Pending" and "integerValue" not in out, out
    # Asking twice while pending is refused.
    S["ben"]["api"].err("POST", f"/qualifications/{S['plainq']}/request", status=409,
                        code="InvalidQualificationRequestState")
    reqs = rq.list_qualification_requests(QualificationTypeId=S["plainq"], MaxResults=100)
    by_worker = {r["WorkerId"]: r for r in reqs["QualificationRequests"]}
    assert set(by_worker) == {S["ben"]["id"], S["cal"]["id"]}, reqs
    assert reqs["NumResults"] == 2, reqs
    for r in by_worker.values():
        assert r["QualificationTypeId"] == S["plainq"] and "SubmitTime" in r, r
    # Without a type filter, the requester's pending requests of every type; none of another requester's.
    all_ids = {r["QualificationRequestId"] for r in rq.list_qualification_requests(MaxResults=100)["QualificationRequests"]}
    assert {r["QualificationRequestId"] for r in by_worker.values()} <= all_ids
    assert S["rq2"].list_qualification_requests(MaxResults=100)["QualificationRequests"] == []
    expect_request_error(lambda: S["rq2"].accept_qualification_request(
        QualificationRequestId=by_worker[S["ben"]["id"]]["QualificationRequestId"]), "QualificationRequestDoesNotExist")
    rq.accept_qualification_request(QualificationRequestId=by_worker[S["ben"]["id"]]["QualificationRequestId"],
                                    IntegerValue=42)
    q = score(rq, S["plainq"], "ben")
    assert (q["IntegerValue"], q["Status"]) == (42, "Granted"), q
    expect_request_error(lambda: rq.accept_qualification_request(
        QualificationRequestId=by_worker[S["ben"]["id"]]["QualificationRequestId"]), "QualificationRequestDoesNotExist")
    reason = f"Not enough experience yet ({RUN})"
    rq.reject_qualification_request(QualificationRequestId=by_worker[S["cal"]["id"]]["QualificationRequestId"],
                                    Reason=reason)
    expect_request_error(lambda: rq.get_qualification_score(QualificationTypeId=S["plainq"], WorkerId=S["cal"]["id"]),
                         "QualificationDoesNotExist")
    msgs = inbox("cal")
    assert any(reason in m["messageText"] for m in msgs), f"the rejection reason is not in cal's /messages: {msgs}"
    assert any(f"Reviewed {RUN}" in m["subject"] for m in msgs), msgs
    assert any(f"Reviewed {RUN}" in m["subject"] for m in inbox("ben")), "ben was not told of the grant"
    assert rq.list_qualification_requests(QualificationTypeId=S["plainq"])["QualificationRequests"] == []
    lr = S["cal"]["api"].ok("GET", f"/qualifications/{S['plainq']}").get("lastRequest") or {}
    assert (lr.get("status"), lr.get("reason")) == ("Rejected", reason), f"cal's lastRequest: {lr}"
    # No RetryDelayInSeconds: cal may never ask again.
    S["cal"]["api"].err("POST", f"/qualifications/{S['plainq']}/request", status=409,
                        code="InvalidQualificationRequestState")


@check
def hand_graded_test_waits_for_the_requester():
    rq, api = S["rq"], S["cal"]["api"]
    _, out = take_test("cal", S["handgraded"], ONE_WRONG)
    assert out.get("status") == "Pending" and "integerValue" not in out, f"a test without an AnswerKey: {out}"
    reqs = rq.list_qualification_requests(QualificationTypeId=S["handgraded"])["QualificationRequests"]
    assert len(reqs) == 1 and reqs[0]["WorkerId"] == S["cal"]["id"], reqs
    r = reqs[0]
    assert r.get("Test") == TEST, r
    assert "<SelectionIdentifier>five</SelectionIdentifier>" in (r.get("Answer") or ""), f"the Answer: {r.get('Answer')}"
    rq.accept_qualification_request(QualificationRequestId=r["QualificationRequestId"], IntegerValue=60)
    assert score(rq, S["handgraded"], "cal")["IntegerValue"] == 60
    assert my_quals(api).get(S["handgraded"], {}).get("integerValue") == 60


@check
def associate_with_notification():
    rq = S["rq"]
    rq.associate_qualification_with_worker(QualificationTypeId=S["plainq"], WorkerId=S["dee"]["id"], IntegerValue=90,
                                           SendNotification=True)
    q = score(rq, S["plainq"], "dee")
    assert (q["IntegerValue"], q["Status"]) == (90, "Granted"), q
    msgs = inbox("dee")
    assert any(f"Reviewed {RUN}" in (m["subject"] + m["messageText"]) for m in msgs), f"dee was not notified: {msgs}"
    # Without SendNotification nobody is told.
    rq.associate_qualification_with_worker(QualificationTypeId=S["plainq"], WorkerId=S["eve"]["id"], IntegerValue=5,
                                           SendNotification=False)
    assert inbox("eve") == [], f"eve was told: {inbox('eve')}"
    assert my_quals(S["dee"]["api"]).get(S["plainq"], {}).get("integerValue") == 90
    # Only the type's owner grants and reads scores.
    expect_request_error(lambda: S["rq2"].associate_qualification_with_worker(
        QualificationTypeId=S["plainq"], WorkerId=S["dee"]["id"], IntegerValue=1), "QualificationTypeDoesNotExist")
    expect_request_error(lambda: S["rq2"].get_qualification_score(QualificationTypeId=S["plainq"],
                                                                  WorkerId=S["dee"]["id"]),
                         "QualificationTypeDoesNotExist")


@check
def list_workers_granted_and_revoked():
    rq, t = S["rq"], S["plainq"]
    rq.disassociate_qualification_from_worker(QualificationTypeId=t, WorkerId=S["eve"]["id"], Reason="Revoked in e2e")

    def listed(status=None):
        kw = {"Status": status} if status else {}
        out = rq.list_workers_with_qualification_type(QualificationTypeId=t, MaxResults=100, **kw)
        return {q["WorkerId"]: q for q in out["Qualifications"]}

    granted = listed("Granted")
    assert set(granted) == {S["ben"]["id"], S["dee"]["id"]}, granted
    assert granted[S["ben"]["id"]]["IntegerValue"] == 42 and granted[S["dee"]["id"]]["IntegerValue"] == 90, granted
    revoked = listed("Revoked")
    assert set(revoked) == {S["eve"]["id"]} and revoked[S["eve"]["id"]]["Status"] == "Revoked", revoked
    assert set(listed()) == {S["ben"]["id"], S["dee"]["id"], S["eve"]["id"]}, listed()
    # Pages.
    p1 = rq.list_workers_with_qualification_type(QualificationTypeId=t, MaxResults=1)
    assert p1["NumResults"] == 1 and p1.get("NextToken"), p1
    p2 = rq.list_workers_with_qualification_type(QualificationTypeId=t, MaxResults=100, NextToken=p1["NextToken"])
    assert {q["WorkerId"] for q in p1["Qualifications"] + p2["Qualifications"]} == set(listed()), (p1, p2)
    expect_request_error(lambda: S["rq2"].list_workers_with_qualification_type(QualificationTypeId=t),
                         "QualificationTypeDoesNotExist")


@check
def locale_requirement_and_the_profile_form():
    rq = S["rq"]
    post_hit(rq, "locale", [{"QualificationTypeId": LOCALE, "Comparator": "In",
                             "LocaleValues": [{"Country": "DE"}, {"Country": "US", "Subdivision": "WA"}]}])
    assert hit_view("ben", "locale").get("qualified") is False
    not_qualified("ben", "locale", "Location", "DE")
    web = WebSession()
    web.login(S["ben"]["user"], S["ben"]["password"])
    # A cross-origin post of the profile form is refused, and changes nothing.
    form = web.form("/profile", "/profile")
    status, _, body = web.request("POST", "/profile", form_values(form, country="FR"), origin="http://evil.example")
    assert status == 403, f"a cross-origin POST /profile answered {status}: {body[:200]}"
    assert S["ben"]["api"].ok("GET", "/me").get("country", "") == "", "the cross-origin post changed the country"
    # US without the subdivision: not WA.
    status, headers, body = web.request("POST", "/profile", form_values(form, country="US", subdivision="OR"))
    assert status in (302, 303), f"POST /profile: HTTP {status}: {body[:300]}"
    me = S["ben"]["api"].ok("GET", "/me")
    assert (me.get("country"), me.get("subdivision")) == ("US", "OR"), me
    not_qualified("ben", "locale", "Location")
    status, _, body = web.request("POST", "/profile", form_values(web.form("/profile", "/profile"), country="DE",
                                                                    subdivision=""))
    assert status in (302, 303), f"POST /profile: HTTP {status}: {body[:300]}"
    assert S["ben"]["api"].ok("GET", "/me")["country"] == "DE"
    assert hit_view("ben", "locale").get("qualified") is True
    accept("ben", "locale")
    # A bad country is refused with the form again.
    status, _, body = web.request("POST", "/profile", form_values(web.form("/profile", "/profile"), country="X1"))
    assert status == 400 and 'role="alert"' in body, f"a bad country: HTTP {status}"
    assert S["ben"]["api"].ok("GET", "/me")["country"] == "DE"
    S["ben"]["web"] = web


@check
def discover_guard_hides_the_group():
    rq = S["rq"]
    post_hit(rq, "hidden", [{"QualificationTypeId": S["quiz"], "Comparator": "Exists",
                             "ActionsGuarded": "DiscoverPreviewAndAccept"}])
    post_hit(rq, "nopreview", [{"QualificationTypeId": S["quiz"], "Comparator": "Exists",
                                "ActionsGuarded": "PreviewAndAccept"}])
    g = groups("ben")
    assert S["hidden_type"] not in g, "a DiscoverPreviewAndAccept group is listed to a worker without the qualification"
    assert S["nopreview_type"] in g, "a PreviewAndAccept group is not listed"
    S["ben"]["api"].err("GET", f"/hits/{S['hidden']}", status=403, code="NotQualified")
    S["ben"]["api"].err("GET", f"/hits/{S['nopreview']}", status=403, code="NotQualified")
    S["ben"]["api"].err("GET", f"/groups/{S['nopreview_type']}", status=403, code="NotQualified")
    # The site: the hidden group is not on the list, a guarded preview is a 403 page pointing to /qualifications.
    web = S["ben"].get("web")
    if web is None:
        web = WebSession()
        web.login(S["ben"]["user"], S["ben"]["password"])
    status, _, body = web.request("GET", "/?" + urllib.parse.urlencode({"q": RUN}))
    assert status == 200 and f"e2e quals {RUN} nopreview" in body, f"GET /?q=: HTTP {status}"
    assert f"e2e quals {RUN} hidden" not in body, "the site lists the DiscoverPreviewAndAccept group"
    status, _, body = web.request("GET", f"/hits/{S['nopreview']}")
    assert status == 403 and 'href="/qualifications"' in body and f"Quiz {RUN}" in body, \
        f"a PreviewAndAccept preview on the site: HTTP {status}"
    not_qualified("ben", "hidden")
    # ann holds the quiz: she sees and accepts both.
    g = groups("ann")
    assert S["hidden_type"] in g and S["nopreview_type"] in g, list(g)
    assert hit_view("ann", "hidden").get("qualified") is True
    accept("ann", "hidden")


@check
def worker_block_hides_and_refuses():
    rq = S["rq"]
    post_hit(rq, "forall", [], n=2)
    before = [g for g in groups("dee").values() if g.get("requesterName") == S["rq_name"]]
    assert S["forall_type"] in {g["hitTypeId"] for g in before} and len(before) >= 2, \
        f"dee sees {len(before)} of the requester's groups before the block"
    rq.create_worker_block(WorkerId=S["dee"]["id"], Reason=f"Spam answers {RUN}")
    listed = groups("dee")
    mine = [g for g in listed.values() if g.get("requesterName") == S["rq_name"]]
    assert mine == [], f"a blocked worker still sees the requester's groups: {[g['title'] for g in mine]}"
    S["dee"]["api"].err("GET", f"/hits/{S['forall']}", status=404)
    S["dee"]["api"].err("POST", f"/hits/{S['forall']}/accept", status=404)
    S["dee"]["api"].err("POST", f"/groups/{S['forall_type']}/accept", status=409)
    blocks = {b["WorkerId"]: b for b in rq.list_worker_blocks(MaxResults=100)["WorkerBlocks"]}
    assert blocks.get(S["dee"]["id"], {}).get("Reason") == f"Spam answers {RUN}", blocks
    assert S["rq2"].list_worker_blocks()["WorkerBlocks"] == [], "another requester sees the block"
    # Another requester's HITs are not affected.
    h = S["rq2"].create_hit(Title=f"e2e quals {RUN} rq2", Description="d", Reward="0.05", MaxAssignments=1,
                            AssignmentDurationInSeconds=600, LifetimeInSeconds=3600, Question=EXTERNAL_QUESTION)["HIT"]
    assert h["HITTypeId"] in groups("dee"), "a block hides another requester's HITs"
    rq.delete_worker_block(WorkerId=S["dee"]["id"], Reason="Sorry")
    assert S["forall_type"] in groups("dee"), "the group is still hidden after DeleteWorkerBlock"
    accept("dee", "forall")
    assert S["dee"]["id"] not in {b["WorkerId"] for b in rq.list_worker_blocks()["WorkerBlocks"]}
    rq.delete_worker_block(WorkerId=S["dee"]["id"])  # lifting it again succeeds


@check
def masters_fee_and_grant():
    rq = S["rq"]
    before = cents(rq.get_account_balance()["AvailableBalance"])
    post_hit(rq, "masters", [{"QualificationTypeId": MASTERS, "Comparator": "Exists"}], reward="1.00", n=2)
    after = cents(rq.get_account_balance()["AvailableBalance"])
    want = 2 * slot(100, 25)
    assert before - after == want, f"a 2 x 1.00 Masters HIT reserved {usd(before - after)}, want {usd(want)} (25 % fee)"
    # The sandbox Masters ID with 10 assignments: 40 % + 5 %.
    post_hit(rq, "masters10", [{"QualificationTypeId": MASTERS_SANDBOX, "Comparator": "Exists"}], reward="0.10", n=10)
    after2 = cents(rq.get_account_balance()["AvailableBalance"])
    want = 10 * slot(10, 45)
    assert after - after2 == want, f"a 10 x 0.10 sandbox-Masters HIT reserved {usd(after - after2)}, want {usd(want)}"
    # DoesNotExist on Masters carries no extra fee.
    post_hit(rq, "notmasters", [{"QualificationTypeId": MASTERS, "Comparator": "DoesNotExist"}], reward="1.00")
    after3 = cents(rq.get_account_balance()["AvailableBalance"])
    assert after2 - after3 == slot(100, 20), f"a DoesNotExist-Masters HIT reserved {usd(after2 - after3)}"
    not_qualified("eve", "masters", "Masters")
    out = run([HITD_BIN, "worker", "masters", "--grant", S["eve"]["id"], *store_flags()])
    assert out.strip() == f"{S['eve']['id']} ({S['eve']['user']}): Masters granted", \
        f"`hitd worker masters --grant` printed {out!r}"
    assert S["eve"]["api"].ok("GET", "/me").get("masters") is True
    assert hit_view("eve", "masters").get("qualified") is True
    accept("eve", "masters")
    assert hit_view("eve", "notmasters").get("qualified") is False
    run([HITD_BIN, "worker", "masters", "--revoke", S["eve"]["id"], *store_flags()])
    assert S["eve"]["api"].ok("GET", "/me").get("masters") is False
    not_qualified("eve", "masters10", "Masters")
    accept("eve", "notmasters")
    bad = subprocess.run([HITD_BIN, "worker", "masters", "--grant", "ANOSUCHWORKER0", *store_flags()],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0, f"`hitd worker masters --grant` of an unknown worker succeeded: {bad.stdout}"


@check
def delete_qualification_type():
    rq, t = S["rq"], S["plainq"]
    post_hit(rq, "needsplain", [{"QualificationTypeId": t, "Comparator": "Exists"}])
    post_hit(rq, "lacksplain", [{"QualificationTypeId": t, "Comparator": "DoesNotExist"}])
    assert hit_view("ben", "needsplain").get("qualified") is True  # ben holds it (42)
    assert hit_view("ben", "lacksplain").get("qualified") is False
    assert t in worker_quals(S["ben"]["api"], RUN)
    rq.delete_qualification_type(QualificationTypeId=t)
    expect_request_error(lambda: rq.get_qualification_type(QualificationTypeId=t), "QualificationTypeDoesNotExist")
    listed = rq.list_qualification_types(Query=RUN, MustBeRequestable=False, MaxResults=100)["QualificationTypes"]
    assert t not in {x["QualificationTypeId"] for x in listed}, "a deleted type is listed"
    assert t not in worker_quals(S["ben"]["api"], RUN), "a deleted type is listed to workers"
    S["ben"]["api"].err("GET", f"/qualifications/{t}", status=404, code="QualificationTypeDoesNotExist")
    S["ben"]["api"].err("POST", f"/qualifications/{t}/request", status=404, code="QualificationTypeDoesNotExist")
    v = hit_view("ben", "needsplain")
    assert v.get("qualified") is False and v.get("unmet"), f"a requirement on a deleted type is met: {v}"
    not_qualified("ben", "needsplain")
    assert hit_view("ben", "lacksplain").get("qualified") is True
    accept("ben", "lacksplain")
    expect_request_error(lambda: post_hit(rq, "ondeleted", [{"QualificationTypeId": t, "Comparator": "Exists"}]),
                         "QualificationTypeDoesNotExist")
    assert t not in my_quals(S["ben"]["api"]), "GET /me/qualifications still shows the deleted type"
    # The name is free again.
    again = rq.create_qualification_type(Name=f"Reviewed {RUN}", Description="again",
                                         QualificationTypeStatus="Active")["QualificationType"]
    assert again["QualificationTypeId"] != t


@check
def unauthenticated_worker_calls():
    anon = WorkerAPI()
    for method, path in (("GET", "/qualifications"), ("GET", f"/qualifications/{S['quiz']}"),
                         ("POST", f"/qualifications/{S['quiz']}/request"), ("GET", "/me/qualifications")):
        anon.err(method, path, status=401, code="NotAuthenticated")
    S["ann"]["api"].err("GET", "/qualifications/3NOSUCHQUALTYPE0000000000000ZZ", status=404,
                        code="QualificationTypeDoesNotExist")
    S["ann"]["api"].err("POST", "/qualifications/tests/3NOSUCHREQUEST00000000000000ZZ/submit",
                        {"answers": RIGHT}, status=404, code="QualificationRequestDoesNotExist")


def main():
    print(f"boto3 {boto3.__version__} against {ENDPOINT}; worker API at {WORKER_API} (run {RUN})", flush=True)
    ok = run_checks(CHECKS, "quals")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
