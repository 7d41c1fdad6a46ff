#!/usr/bin/env python3
"""End-to-end test of hitd's assignment life cycle: requesters post HITs with
boto3, workers do them through the worker JSON API, requesters review and pay
with boto3 (and once each with the AWS CLI and the AWS SDK for JavaScript).

Usage (normally driven by e2e/run.sh):
    test_work_boto3.py [main]         # the full suite; writes state for the restart checks
    test_work_boto3.py after-restart  # checks that money, assignments and sessions survived a restart

Environment:
    HITD_ENDPOINT    http://127.0.0.1:PORT (the Requester API at /, the worker API at /api/worker/v1)
    HITD_KEY, HITD_SECRET  root's keys (only to check that root cannot see this suite's work)
    HITD_BIN         the built hitd binary (`hitd requester create|deposit`, `hitd worker create`)
    HITD_DATA_DIR    the running server's data directory (the commands open the same store)
    HITD_E2E_JS_DIR  e2e/browser with its node_modules (for the JavaScript SDK check); default: beside this file
    HITD_E2E_WORK_STATE  JSON file handed from "main" to "after-restart"

Only python3, boto3 and the standard library are used. The suite works as a
requester of its own (made with `hitd requester create`), so that every
balance can be checked to the cent whatever the other suites do.

Each check prints "PASS <name>" or "FAIL <name>: <why>"; the last line is
"work: N passed, M failed" and the exit code is non-zero on any failure.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from decimal import Decimal

import boto3
import botocore.config
from botocore.exceptions import ClientError

from hitde2e import Skip, WorkerAPI, expect_request_error, requester_client, run, run_checks, store_flags

ENDPOINT = os.environ["HITD_ENDPOINT"].rstrip("/")
WORKER_API = ENDPOINT + "/api/worker/v1"
HITD_BIN = os.environ.get("HITD_BIN", "hitd")
DATA_DIR = os.environ.get("HITD_DATA_DIR", "")
HERE = os.path.dirname(os.path.abspath(__file__))
JS_DIR = os.environ.get("HITD_E2E_JS_DIR", os.path.join(HERE, "browser"))
STATE_FILE = os.environ.get("HITD_E2E_WORK_STATE", "")
REGION = "us-east-1"
RUN = uuid.uuid4().hex[:8]

EXTERNAL_NS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd"
HTML_NS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"
FORM_NS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd"
ANSWERS_NS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd"
UNKNOWN_WORKER = "ANOSUCHWORKER0"

HTML_QUESTION = f"""<?xml version="1.0" encoding="UTF-8"?>
<HTMLQuestion xmlns="{HTML_NS}"><HTMLContent><![CDATA[<!DOCTYPE html>
<html><body><p>Which animal is in the picture?</p>
<form name="mturk_form" method="post" action="https://www.mturk.com/mturk/externalSubmit">
<input type="hidden" name="assignmentId" id="assignmentId" value="">
<input name="animal"> <textarea name="comment"></textarea> <input type="submit">
</form></body></html>]]></HTMLContent><FrameHeight>400</FrameHeight></HTMLQuestion>"""

EXTERNAL_QUESTION = (f'<ExternalQuestion xmlns="{EXTERNAL_NS}">'
                     "<ExternalURL>http://127.0.0.1:9/task?batch=7&amp;item=3</ExternalURL>"
                     "<FrameHeight>500</FrameHeight></ExternalQuestion>")

QUESTION_FORM = f"""<QuestionForm xmlns="{FORM_NS}">
  <Overview><Title>Describe the picture</Title><Text>Three questions.</Text></Overview>
  <Question>
    <QuestionIdentifier>caption</QuestionIdentifier>
    <DisplayName>Caption</DisplayName>
    <IsRequired>true</IsRequired>
    <QuestionContent><Text>Write a caption of 3 to 20 characters.</Text></QuestionContent>
    <AnswerSpecification><FreeTextAnswer>
      <Constraints><Length minLength="3" maxLength="20"/></Constraints>
    </FreeTextAnswer></AnswerSpecification>
  </Question>
  <Question>
    <QuestionIdentifier>mood</QuestionIdentifier>
    <DisplayName>Mood</DisplayName>
    <IsRequired>true</IsRequired>
    <QuestionContent><Text>What is the mood?</Text></QuestionContent>
    <AnswerSpecification><SelectionAnswer>
      <StyleSuggestion>radiobutton</StyleSuggestion>
      <Selections>
        <Selection><SelectionIdentifier>happy</SelectionIdentifier><Text>Happy</Text></Selection>
        <Selection><SelectionIdentifier>sad</SelectionIdentifier><Text>Sad</Text></Selection>
        <Selection><SelectionIdentifier>calm</SelectionIdentifier><Text>Calm</Text></Selection>
      </Selections>
    </SelectionAnswer></AnswerSpecification>
  </Question>
  <Question>
    <QuestionIdentifier>objects</QuestionIdentifier>
    <DisplayName>Objects</DisplayName>
    <IsRequired>true</IsRequired>
    <QuestionContent><Text>Which objects do you see? (one or two)</Text></QuestionContent>
    <AnswerSpecification><SelectionAnswer>
      <MinSelectionCount>1</MinSelectionCount><MaxSelectionCount>2</MaxSelectionCount>
      <StyleSuggestion>checkbox</StyleSuggestion>
      <Selections>
        <Selection><SelectionIdentifier>tree</SelectionIdentifier><Text>A tree</Text></Selection>
        <Selection><SelectionIdentifier>car</SelectionIdentifier><Text>A car</Text></Selection>
        <Selection><SelectionIdentifier>dog</SelectionIdentifier><Text>A dog</Text></Selection>
      </Selections>
    </SelectionAnswer></AnswerSpecification>
  </Question>
</QuestionForm>"""


# ---------------------------------------------------------------- money

def cents(s):
    """'12.34' → 1234, exactly."""
    d = Decimal(s)
    assert d == d.quantize(Decimal("0.01")), f"{s!r} has fractions of a cent"
    return int(d * 100)


def usd(c):
    return f"{c // 100}.{c % 100:02d}"


def fee(reward_cents, assignments=1):
    """hitd's (and MTurk's) commission on one assignment: 20 %, 40 % for HITs
    with 10 or more assignments, at least one cent, fractions rounded up."""
    pct = 40 if assignments >= 10 else 20
    return max(1, -(-reward_cents * pct // 100))


def reserve(reward, n):
    r = cents(reward)
    return n * (r + fee(r, n))


# ---------------------------------------------------------------- harness

CHECKS = []
S = {}  # state handed from check to check


def check(fn):
    CHECKS.append(fn)
    return fn


def answers(xml_text):
    """QuestionFormAnswers XML → {QuestionIdentifier: FreeText or [SelectionIdentifier, …]}."""
    assert xml_text, "no Answer"
    root = ET.fromstring(xml_text.encode())
    ns = {"a": ANSWERS_NS}
    assert root.tag == f"{{{ANSWERS_NS}}}QuestionFormAnswers", f"root element {root.tag}"
    out = {}
    for a in root.findall("a:Answer", ns):
        qid = a.findtext("a:QuestionIdentifier", namespaces=ns)
        free = a.find("a:FreeText", ns)
        if free is not None:
            out[qid] = free.text or ""
        else:
            out[qid] = [s.text for s in a.findall("a:SelectionIdentifier", ns)]
    return out


def balance(c=None):
    return cents((c or S["rq"]).get_account_balance()["AvailableBalance"])


def expect_balance(why):
    got = balance()
    want = S["expected_balance"]
    assert got == want, f"{why}: AvailableBalance {usd(got)}, want {usd(want)} (off by {usd(abs(got - want))})"


def spend(c, why):
    S["expected_balance"] -= c
    expect_balance(why)


# ================================================================ checks

@check
def setup_requester_and_workers():
    out = run([HITD_BIN, "requester", "create", "--name", f"e2e-work-{RUN}", *store_flags()])
    f = dict(re.findall(r"^(\w+):\s*(\S+)\s*$", out, re.M))
    assert f.get("AccessKeyId") and f.get("SecretAccessKey"), f"`hitd requester create` printed {out!r}"
    S["rq"] = requester_client(f["AccessKeyId"], f["SecretAccessKey"])
    S["rq_key"], S["rq_secret"], S["rq_id"] = f["AccessKeyId"], f["SecretAccessKey"], f.get("RequesterId")
    S["expected_balance"] = cents("10000.00")
    expect_balance("a new requester")
    for who in ("alice", "bob", "carol"):  # carol never works for this requester
        user, pw = f"{who}-{RUN}", f"pw-{who}-{RUN}-secret"
        out = run([HITD_BIN, "worker", "create", "--username", user, "--password", pw, *store_flags()])
        ids = re.findall(r"\bA[A-Z0-9]{13}\b", out)
        assert ids, f"`hitd worker create` printed no WorkerId (A + 13 upper-case alphanumerics): {out!r}"
        S[who] = {"user": user, "password": pw, "id": ids[0]}
    assert len({S[w]["id"] for w in ("alice", "bob", "carol")}) == 3, "two workers got the same WorkerId"
    # The same username twice is refused.
    dup = subprocess.run([HITD_BIN, "worker", "create", "--username", S["alice"]["user"], "--password", "whatever-123",
                          *store_flags()], capture_output=True, text=True, timeout=60)
    assert dup.returncode != 0, f"a second worker named {S['alice']['user']} was created: {dup.stdout}"


@check
def worker_login():
    api = WorkerAPI()
    for who in ("alice", "bob"):
        w = S[who]
        out = api.ok("POST", "/login", {"username": w["user"], "password": w["password"]})
        assert out.get("token"), f"login gave no token: {out}"
        assert out.get("workerId") == w["id"], f"login workerId {out.get('workerId')}, `hitd worker create` said {w['id']}"
        w["api"] = WorkerAPI(out["token"])
        me = w["api"].ok("GET", "/me")
        assert me["workerId"] == w["id"] and me["username"] == w["user"], me
        assert cents(me["earnings"]) == 0, me
    api.err("POST", "/login", {"username": S["alice"]["user"], "password": "wrong-password"}, status=401,
            code="NotAuthenticated")
    api.err("GET", "/me", status=401, code="NotAuthenticated")
    api.err("GET", "/me", status=401, token="not-a-session-token", code="NotAuthenticated")
    api.err("GET", "/hits/3NOSUCHHIT000000000000000000ZZ", status=404, token=S["alice"]["api"].token,
            code="HITDoesNotExist")
    # Logging out ends that session only.
    extra = WorkerAPI(api.ok("POST", "/login", {"username": S["bob"]["user"], "password": S["bob"]["password"]})["token"])
    status, _ = extra.call("POST", "/logout")
    assert status == 204, f"logout answered {status}"
    extra.err("GET", "/me", status=401, code="NotAuthenticated")
    S["bob"]["api"].ok("GET", "/me")


@check
def post_hits():
    rq = S["rq"]
    common = dict(Description="Worker e2e", Keywords=f"e2e, work, {RUN}", AssignmentDurationInSeconds=600,
                  LifetimeInSeconds=3600)
    specs = {  # name: (reward, assignments, question)
        "html": ("0.50", 2, HTML_QUESTION),
        "ext": ("0.25", 1, EXTERNAL_QUESTION),
        "form": ("1.00", 2, QUESTION_FORM),
        "big": ("0.10", 10, EXTERNAL_QUESTION),  # 40 % fee
        "tiny": ("0.01", 1, EXTERNAL_QUESTION),  # the one-cent minimum fee
    }
    for name, (reward, n, q) in specs.items():
        h = rq.create_hit(Title=f"e2e work {RUN} {name}", Reward=reward, MaxAssignments=n, Question=q,
                          **common)["HIT"]
        assert h["HITStatus"] == "Assignable" and h["MaxAssignments"] == n, h
        S[name] = h["HITId"]
        S[name + "_type"] = h["HITTypeId"]
        spend(reserve(reward, n), f"after creating the {name} HIT ({n} x {reward} + fee)")
    # CreateHITWithHITType reserves the same way.
    tid = rq.create_hit_type(Title=f"e2e work {RUN} typed", Description="d", Reward="0.35",
                             AssignmentDurationInSeconds=600)["HITTypeId"]
    h = rq.create_hit_with_hit_type(HITTypeId=tid, MaxAssignments=3, LifetimeInSeconds=3600,
                                    Question=EXTERNAL_QUESTION)["HIT"]
    S["typed"] = h["HITId"]
    spend(reserve("0.35", 3), "after CreateHITWithHITType (3 x 0.35 + 0.07)")


@check
def worker_sees_groups():
    api = S["alice"]["api"]
    out = api.ok("GET", "/hits?" + urllib.parse.urlencode({"q": RUN, "pageSize": 100}))
    groups = {g["hitTypeId"]: g for g in out["groups"]}
    for name in ("html", "ext", "form", "big", "tiny"):
        assert S[name + "_type"] in groups, f"the {name} HIT's group is not listed by GET /hits?q={RUN}: " \
                                            f"{[g['title'] for g in out['groups']]}"
    g = groups[S["big_type"]]
    assert g["reward"] == "0.10" and g["hitsAvailable"] == 1, g  # a group counts HITs, not assignments
    none = api.ok("GET", "/hits?" + urllib.parse.urlencode({"q": f"no-such-words-{RUN}"}))
    assert none["groups"] == [], none
    h = api.ok("GET", f"/hits/{S['form']}")
    assert h["questionType"] == "QuestionForm" and h["questionIdentifiers"] == ["caption", "mood", "objects"], h
    assert h["reward"] == "1.00" and h["numberAvailable"] == 2, h
    h = api.ok("GET", f"/hits/{S['ext']}")
    assert h["questionType"] == "ExternalQuestion" and h["externalUrl"] == "http://127.0.0.1:9/task?batch=7&item=3", h
    assert h["frameHeight"] == 500, h
    assert "requesterAnnotation" not in h and "RequesterAnnotation" not in json.dumps(h), h


@check
def accept_double_accept_return_reaccept():
    alice = S["alice"]["api"]
    a1 = alice.ok("POST", f"/hits/{S['html']}/accept")
    assert re.fullmatch(r"[A-Z0-9]{30}", a1.get("assignmentId", "")), a1
    assert a1["hitId"] == S["html"], a1
    # A second accept of the same HIT by the same worker: 409.
    e = alice.err("POST", f"/hits/{S['html']}/accept", status=409, code="AlreadyAccepted")
    assert a1["assignmentId"] in e["message"], f"the AlreadyAccepted message does not name the assignment: {e}"
    hit = S["rq"].get_hit(HITId=S["html"])["HIT"]
    assert (hit["NumberOfAssignmentsPending"], hit["NumberOfAssignmentsAvailable"]) == (1, 1), hit
    # The worker's view of the HIT names the assignment.
    assert alice.ok("GET", f"/hits/{S['html']}").get("assignmentId") == a1["assignmentId"]
    # Return it: the slot is free again; the returned assignment cannot be submitted.
    out = alice.ok("POST", f"/assignments/{a1['assignmentId']}/return")
    assert out["status"] == "Returned", out
    hit = S["rq"].get_hit(HITId=S["html"])["HIT"]
    assert (hit["NumberOfAssignmentsPending"], hit["NumberOfAssignmentsAvailable"]) == (0, 2), hit
    alice.err("POST", f"/assignments/{a1['assignmentId']}/submit", {"answers": {"animal": "x"}}, status=409,
              code="InvalidAssignmentState")
    alice.err("POST", f"/assignments/{a1['assignmentId']}/return", status=409, code="InvalidAssignmentState")
    # Accept again: a new assignment.
    a2 = alice.ok("POST", f"/hits/{S['html']}/accept")
    assert a2["assignmentId"] != a1["assignmentId"], "re-accepting gave the returned assignment's ID"
    listed = alice.ok("GET", "/assignments?" + urllib.parse.urlencode({"status": "Returned"}))["assignments"]
    assert a1["assignmentId"] in [a["assignmentId"] for a in listed], listed
    # Another worker cannot touch alice's assignment.
    S["bob"]["api"].err("POST", f"/assignments/{a2['assignmentId']}/submit", {"answers": {"animal": "x"}}, status=404,
                        code="AssignmentDoesNotExist")
    S["html_returned"], S["html_alice"] = a1["assignmentId"], a2["assignmentId"]
    expect_balance("accepting and returning move no money")


@check
def submit_html_question():
    alice, bob = S["alice"]["api"], S["bob"]["api"]
    out = alice.ok("POST", f"/assignments/{S['html_alice']}/submit",
                   {"answers": {"assignmentId": S["html_alice"], "animal": "cat", "comment": "Ünïcode & <xml> ok"}})
    assert out["status"] == "Submitted", out
    alice.err("POST", f"/assignments/{S['html_alice']}/submit", {"answers": {"animal": "dog"}}, status=409,
              code="InvalidAssignmentState")
    b = bob.ok("POST", f"/hits/{S['html']}/accept")
    bob.ok("POST", f"/assignments/{b['assignmentId']}/submit", {"answers": {"animal": "dog", "comment": ""}})
    S["html_bob"] = b["assignmentId"]
    # Both slots are worked: a third accept finds no free slot.
    S["bob"]["api"].err("POST", f"/hits/{S['html']}/accept", status=409)


@check
def submit_external_question():
    alice, bob = S["alice"]["api"], S["bob"]["api"]
    a = alice.ok("POST", f"/hits/{S['ext']}/accept")
    bob.err("POST", f"/hits/{S['ext']}/accept", status=409, code="HITNotAvailable")  # its only slot is taken
    assert S["rq"].get_hit(HITId=S["ext"])["HIT"]["HITStatus"] == "Unassignable"
    alice.ok("POST", f"/assignments/{a['assignmentId']}/submit",
             {"answers": {"label": "positive", "tags": ["a", "b"], "score": 7}})
    S["ext_alice"] = a["assignmentId"]


@check
def submit_question_form_with_constraints():
    alice = S["alice"]["api"]
    a = alice.ok("POST", f"/hits/{S['form']}/accept")["assignmentId"]
    good = {"caption": "A sunny park", "mood": "calm", "objects": ["tree", "dog"]}
    bad_cases = [
        ({**good, "caption": "ab"}, "caption"),                   # Length minLength 3
        ({**good, "caption": "x" * 21}, "caption"),               # Length maxLength 20
        ({**good, "mood": "angry"}, "mood"),                      # not a choice
        ({**good, "objects": ["tree", "car", "dog"]}, "objects"),  # MaxSelectionCount 2
        ({k: v for k, v in good.items() if k != "mood"}, "mood"),  # required
    ]
    for body, field in bad_cases:
        e = alice.err("POST", f"/assignments/{a}/submit", {"answers": body}, status=422, code="InvalidAnswer")
        assert field in (e.get("fields") or {}), f"422 for a bad {field!r} does not name it in fields: {e}"
        if body["caption"] == "ab":
            assert "at least 3 characters" in e["fields"]["caption"], e
    assert alice.ok("GET", f"/assignments/{a}")["status"] == "Accepted", "a rejected submission changed the assignment"
    out = alice.ok("POST", f"/assignments/{a}/submit", {"answers": good})
    assert out["status"] == "Submitted", out
    S["form_alice"] = a
    mine = alice.ok("GET", f"/assignments/{a}")
    assert answers(mine["answer"]) == {"caption": "A sunny park", "mood": ["calm"], "objects": ["tree", "dog"]}, mine


def external_submit(method, fields):
    """MTurk's /mturk/externalSubmit, as a task page's form would send it: → (status, body)."""
    data = urllib.parse.urlencode(fields)
    url = ENDPOINT + "/mturk/externalSubmit"
    if method == "GET":
        req = urllib.request.Request(url + "?" + data, method="GET")
    else:
        req = urllib.request.Request(url, data=data.encode(), method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


@check
def external_submit_endpoint():
    # No browser: a form post to /mturk/externalSubmit with the assignmentId as its
    # only credential (as on MTurk), and the GET form old task pages used.
    a = S["alice"]["api"].ok("POST", f"/hits/{S['typed']}/accept")["assignmentId"]
    status, body = external_submit("POST", [("assignmentId", a), ("q", "1"), ("note", "hi there & bye"), ("q", "2")])
    assert status == 200 and "Submitted" in body, f"externalSubmit POST: HTTP {status}: {body[:300]}"
    got = S["rq"].get_assignment(AssignmentId=a)["Assignment"]
    assert got["AssignmentStatus"] == "Submitted" and got["WorkerId"] == S["alice"]["id"], got
    assert answers(got["Answer"]) == {"q": "1|2", "note": "hi there & bye"}, got["Answer"]
    status, body = external_submit("POST", [("assignmentId", a), ("q", "3")])
    assert status == 409 and "Not submitted" in body, f"a second externalSubmit: HTTP {status}: {body[:300]}"
    assert answers(S["rq"].get_assignment(AssignmentId=a)["Assignment"]["Answer"])["q"] == "1|2"
    status, body = external_submit("POST", [("assignmentId", "3NOSUCHASSIGNMENT0000000000ZZZ"), ("q", "1")])
    assert status == 404, f"externalSubmit of an unknown assignment: HTTP {status}: {body[:300]}"
    b = S["bob"]["api"].ok("POST", f"/hits/{S['typed']}/accept")["assignmentId"]
    status, body = external_submit("GET", [("assignmentId", b), ("answer", "via GET")])
    assert status == 200, f"externalSubmit GET: HTTP {status}: {body[:300]}"
    assert answers(S["rq"].get_assignment(AssignmentId=b)["Assignment"]["Answer"]) == {"answer": "via GET"}
    expect_balance("submitting moves no money")


@check
def requester_reads_answers():
    rq = S["rq"]
    page = rq.list_assignments_for_hit(HITId=S["html"])
    got = {a["AssignmentId"]: a for a in page["Assignments"]}
    assert set(got) == {S["html_alice"], S["html_bob"]}, \
        f"ListAssignmentsForHIT lists {sorted(got)}, want alice's and bob's (not the returned one)"
    assert page["NumResults"] == 2, page["NumResults"]
    a = got[S["html_alice"]]
    assert a["WorkerId"] == S["alice"]["id"] and a["HITId"] == S["html"] and a["AssignmentStatus"] == "Submitted", a
    for k in ("AcceptTime", "SubmitTime", "AutoApprovalTime"):
        assert k in a, f"assignment lacks {k}: {a}"
    assert answers(a["Answer"]) == {"animal": "cat", "comment": "Ünïcode & <xml> ok"}, a["Answer"]
    assert answers(got[S["html_bob"]]["Answer"]) == {"animal": "dog", "comment": ""}, got[S["html_bob"]]["Answer"]
    assert a["Answer"].startswith("<?xml"), a["Answer"][:60]
    e = rq.get_assignment(AssignmentId=S["ext_alice"])
    assert e["Assignment"]["WorkerId"] == S["alice"]["id"] and e["HIT"]["HITId"] == S["ext"], e
    assert answers(e["Assignment"]["Answer"]) == {"label": "positive", "tags": "a|b", "score": "7"}, \
        e["Assignment"]["Answer"]
    f = rq.get_assignment(AssignmentId=S["form_alice"])["Assignment"]
    assert answers(f["Answer"]) == {"caption": "A sunny park", "mood": ["calm"], "objects": ["tree", "dog"]}, f["Answer"]
    # The returned assignment is not a requester's to see.
    expect_request_error(lambda: rq.get_assignment(AssignmentId=S["html_returned"]), "AssignmentDoesNotExist")
    # Another requester sees none of it.
    root = requester_client(os.environ["HITD_KEY"], os.environ["HITD_SECRET"])
    expect_request_error(lambda: root.get_assignment(AssignmentId=S["html_alice"]), "AssignmentDoesNotExist")
    expect_request_error(lambda: root.list_assignments_for_hit(HITId=S["html"]), "HITDoesNotExist")
    # Status filter.
    sub = rq.list_assignments_for_hit(HITId=S["html"], AssignmentStatuses=["Approved"])
    assert sub["Assignments"] == [], sub["Assignments"]


@check
def aws_cli_list_assignments():
    if not shutil.which("aws"):
        raise AssertionError("the AWS CLI (aws) is not installed")
    env = dict(os.environ, AWS_ACCESS_KEY_ID=S["rq_key"], AWS_SECRET_ACCESS_KEY=S["rq_secret"],
               AWS_DEFAULT_REGION=REGION, AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null",
               AWS_PAGER="")
    for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        env.pop(k, None)
    out = subprocess.run(["aws", "mturk", "list-assignments-for-hit", "--hit-id", S["form"], "--endpoint-url",
                          ENDPOINT, "--output", "json"], capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, f"aws exited {out.returncode}: {out.stderr}"
    d = json.loads(out.stdout)
    assert [a["AssignmentId"] for a in d["Assignments"]] == [S["form_alice"]], d
    assert answers(d["Assignments"][0]["Answer"])["mood"] == ["calm"], d


@check
def approve_and_reject():
    rq = S["rq"]
    rq.approve_assignment(AssignmentId=S["html_alice"], RequesterFeedback="Great work, thanks!")
    expect_balance("approval pays out of the HIT's reserve")
    expect_request_error(lambda: rq.approve_assignment(AssignmentId=S["html_alice"]), "InvalidAssignmentState")
    # RequesterFeedback is required (botocore insists too), but may be empty, as psiTurk sends it.
    raw = requester_client(S["rq_key"], S["rq_secret"], validate=False)
    expect_request_error(lambda: raw.reject_assignment(AssignmentId=S["html_bob"]), "MissingParameters")
    rq.reject_assignment(AssignmentId=S["html_bob"], RequesterFeedback="")
    S["expected_balance"] += reserve("0.50", 1)  # rejection refunds reward + fee of the slot
    expect_balance("rejection refunds 0.50 + 0.10")
    expect_request_error(lambda: rq.reject_assignment(AssignmentId=S["html_bob"], RequesterFeedback="again"),
                         "InvalidAssignmentState")
    a = rq.get_assignment(AssignmentId=S["html_alice"])["Assignment"]
    assert a["AssignmentStatus"] == "Approved" and a["RequesterFeedback"] == "Great work, thanks!", a
    assert "ApprovalTime" in a, a
    b = rq.get_assignment(AssignmentId=S["html_bob"])["Assignment"]
    assert b["AssignmentStatus"] == "Rejected" and "RejectionTime" in b, b
    assert b.get("RequesterFeedback", "") == "", b
    # The workers see it.
    mine = {x["assignmentId"]: x for x in S["alice"]["api"].ok("GET", "/assignments")["assignments"]}
    assert mine[S["html_alice"]]["status"] == "Approved", mine[S["html_alice"]]
    assert mine[S["html_alice"]].get("requesterFeedback") == "Great work, thanks!", mine[S["html_alice"]]
    me = S["alice"]["api"].ok("GET", "/me")
    assert cents(me["earnings"]) == 50 and me["approved"] == 1, me
    bob = {x["assignmentId"]: x for x in S["bob"]["api"].ok("GET", "/assignments")["assignments"]}
    assert bob[S["html_bob"]]["status"] == "Rejected", bob[S["html_bob"]]
    assert S["bob"]["api"].ok("GET", "/me")["rejected"] == 1


@check
def override_rejection():
    rq = S["rq"]
    rq.approve_assignment(AssignmentId=S["html_bob"], RequesterFeedback="Sorry, my mistake",
                          OverrideRejection=True)
    spend(reserve("0.50", 1), "overriding a rejection pays for the slot again")
    assert rq.get_assignment(AssignmentId=S["html_bob"])["Assignment"]["AssignmentStatus"] == "Approved"
    assert cents(S["bob"]["api"].ok("GET", "/me")["earnings"]) == 50


@check
def javascript_sdk_approves():
    node = shutil.which("node")
    script = os.path.join(JS_DIR, "sdk_cli.mjs")
    if not node:
        raise Skip("node is not installed")
    assert os.path.isdir(os.path.join(JS_DIR, "node_modules", "@aws-sdk", "client-mturk")), \
        f"@aws-sdk/client-mturk is not installed: run `npm ci` in {JS_DIR}"
    env = dict(os.environ, HITD_KEY=S["rq_key"], HITD_SECRET=S["rq_secret"])
    out = subprocess.run([node, script, "approve", S["ext_alice"], "Approved from JavaScript"],
                         capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, f"node sdk_cli.mjs approve exited {out.returncode}: {out.stderr}{out.stdout}"
    out = subprocess.run([node, script, "list", S["ext"]], capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, f"node sdk_cli.mjs list exited {out.returncode}: {out.stderr}"
    listed = json.loads(out.stdout)
    assert [(a["AssignmentId"], a["AssignmentStatus"]) for a in listed] == [(S["ext_alice"], "Approved")], listed
    a = S["rq"].get_assignment(AssignmentId=S["ext_alice"])["Assignment"]
    assert a["AssignmentStatus"] == "Approved" and a["RequesterFeedback"] == "Approved from JavaScript", a
    expect_balance("approval (from JavaScript) moves no available balance")


@check
def bonus():
    rq = S["rq"]
    tok = f"bonus-{RUN}"
    rq.send_bonus(WorkerId=S["alice"]["id"], AssignmentId=S["html_alice"], BonusAmount="1.25",
                  Reason="Extra careful work", UniqueRequestToken=tok)
    spend(cents("1.25") + fee(cents("1.25")), "a 1.25 bonus costs 1.25 + 0.25")
    expect_request_error(lambda: rq.send_bonus(WorkerId=S["alice"]["id"], AssignmentId=S["html_alice"],
                                               BonusAmount="1.25", Reason="again", UniqueRequestToken=tok),
                         "DuplicateRequest")
    rq.send_bonus(WorkerId=S["alice"]["id"], AssignmentId=S["form_alice"], BonusAmount="0.02", Reason="tiny")
    spend(2 + 1, "a 0.02 bonus costs 0.02 + the one-cent minimum fee")
    # Only to the worker who did the assignment.
    expect_request_error(lambda: rq.send_bonus(WorkerId=S["bob"]["id"], AssignmentId=S["html_alice"],
                                               BonusAmount="1.00", Reason="wrong worker"), "InvalidParameterValue")
    expect_balance("a refused bonus costs nothing")
    by_hit = rq.list_bonus_payments(HITId=S["html"])
    assert by_hit["NumResults"] == 1, by_hit
    p = by_hit["BonusPayments"][0]
    assert (p["WorkerId"], p["AssignmentId"], p["BonusAmount"], p["Reason"]) == \
           (S["alice"]["id"], S["html_alice"], "1.25", "Extra careful work"), p
    assert "GrantTime" in p, p
    by_a = rq.list_bonus_payments(AssignmentId=S["form_alice"])["BonusPayments"]
    assert [(x["BonusAmount"], x["Reason"]) for x in by_a] == [("0.02", "tiny")], by_a
    me = S["alice"]["api"].ok("GET", "/me")
    # 0.50 (html) + 0.25 (ext, approved from JavaScript) + bonuses 1.25 + 0.02
    assert cents(me["earnings"]) == 50 + 25 + 125 + 2, me


@check
def notify_workers():
    rq = S["rq"]
    subject, text = f"Thanks {RUN}", "More HITs like these tomorrow.\nSecond line."
    out = rq.notify_workers(Subject=subject, MessageText=text,
                            WorkerIds=[S["alice"]["id"], S["bob"]["id"], S["carol"]["id"], UNKNOWN_WORKER])
    failures = {f["WorkerId"]: f for f in out["NotifyWorkersFailureStatuses"]}
    # An unknown worker, and one who never worked for this requester, are not messaged.
    assert set(failures) == {UNKNOWN_WORKER, S["carol"]["id"]}, failures
    for f in failures.values():
        assert f["NotifyWorkersFailureCode"] == "HardFailure", failures
    for who in ("alice", "bob"):
        msgs = S[who]["api"].ok("GET", "/messages")["messages"]
        mine = [m for m in msgs if m["subject"] == subject]
        assert len(mine) == 1, f"{who}'s inbox: {msgs}"
        assert mine[0]["messageText"] == text, mine[0]


@check
def reviewable_hits_and_more_assignments():
    rq = S["rq"]
    ids = {h["HITId"] for h in rq.list_reviewable_hits(MaxResults=100)["HITs"]}
    # html (both slots approved) and ext (its one slot submitted) are fully worked;
    # form has a free slot, big/tiny/typed were never worked.
    assert S["html"] in ids and S["ext"] in ids, f"ListReviewableHITs: {ids}"
    for name in ("form", "big", "tiny", "typed"):
        assert S[name] not in ids, f"the {name} HIT is listed as reviewable"
    assert {h["HITId"] for h in rq.list_reviewable_hits(HITTypeId=S["html_type"])["HITs"]} == {S["html"]}
    assert rq.get_hit(HITId=S["html"])["HIT"]["HITStatus"] == "Reviewable"
    # One more slot for the ExternalQuestion HIT: paid for at once, assignable again.
    rq.create_additional_assignments_for_hit(HITId=S["ext"], NumberOfAdditionalAssignments=1,
                                             UniqueRequestToken=f"more-{RUN}")
    spend(reserve("0.25", 1), "one more 0.25 assignment reserves 0.30")
    h = rq.get_hit(HITId=S["ext"])["HIT"]
    assert (h["MaxAssignments"], h["NumberOfAssignmentsAvailable"], h["HITStatus"]) == (2, 1, "Assignable"), h
    expect_request_error(lambda: rq.create_additional_assignments_for_hit(
        HITId=S["ext"], NumberOfAdditionalAssignments=8), "InvalidMaximumAssignmentsIncrease")
    expect_balance("a refused increase costs nothing")
    ids = {h["HITId"] for h in rq.list_reviewable_hits(MaxResults=100)["HITs"]}
    assert S["ext"] not in ids, "a HIT with a free slot is still reviewable"
    # bob takes the new slot: it is pending until he submits.
    a = S["bob"]["api"].ok("POST", f"/hits/{S['ext']}/accept")["assignmentId"]
    h = rq.get_hit(HITId=S["ext"])["HIT"]
    assert (h["NumberOfAssignmentsPending"], h["NumberOfAssignmentsAvailable"]) == (1, 0), h
    S["ext_bob"] = a


@check
def deposit_command():
    before = balance()
    assert before == S["expected_balance"], f"balance {usd(before)} before the deposit, want {usd(S['expected_balance'])}"
    run([HITD_BIN, "requester", "deposit", "--access-key-id", S["rq_key"], "--amount", "100.00", *store_flags()])
    S["expected_balance"] += cents("100.00")
    expect_balance("`hitd requester deposit --amount 100.00`")
    bad = subprocess.run([HITD_BIN, "requester", "deposit", "--access-key-id", S["rq_key"], "--amount", "-5",
                          *store_flags()], capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0, "a negative deposit was accepted"
    expect_balance("a refused deposit")


@check
def final_balance_arithmetic():
    # Everything this requester did, from the start, in cents.
    want = cents("10000.00")
    want -= reserve("0.50", 2) + reserve("0.25", 1) + reserve("1.00", 2) + reserve("0.10", 10) + reserve("0.01", 1)
    want -= reserve("0.35", 3)
    want += reserve("0.50", 1)     # bob's rejection refunded
    want -= reserve("0.50", 1)     # ... and paid again by the override
    want -= 125 + 25 + 2 + 1       # two bonuses and their fees
    want -= reserve("0.25", 1)     # one more assignment
    want += 10000                  # deposit
    assert want == S["expected_balance"], (usd(want), usd(S["expected_balance"]))
    got = S["rq"].get_account_balance()["AvailableBalance"]
    assert got == usd(want), f"AvailableBalance {got}, want {usd(want)}"
    print(f"     (balance {got} = 10000.00 - reserves - bonuses + refunds + 100.00)")


# ================================================================ after a restart

AFTER = []


def after_check(fn):
    AFTER.append(fn)
    return fn


SAVED = ["rq_key", "rq_secret", "expected_balance", "html", "ext", "form", "html_alice", "html_bob", "ext_alice",
         "ext_bob", "form_alice"]


def save_state():
    state = {k: S[k] for k in SAVED if k in S}
    for who in ("alice", "bob"):
        if who in S:
            state[who] = {k: S[who][k] for k in ("user", "password", "id")}
            if "api" in S[who]:
                state[who]["token"] = S[who]["api"].token
    with open(STATE_FILE, "w") as f:
        json.dump(state, f, indent=1)


def load_state():
    with open(STATE_FILE) as f:
        S.update(json.load(f))
    S["rq"] = requester_client(S["rq_key"], S["rq_secret"])


@after_check
def restart_money_and_assignments_kept():
    expect_balance("after the restart")
    want = {"html_alice": "Approved", "html_bob": "Approved", "ext_alice": "Approved", "form_alice": "Submitted"}
    for k, status in want.items():
        a = S["rq"].get_assignment(AssignmentId=S[k])["Assignment"]
        assert a["AssignmentStatus"] == status, f"{k}: {a['AssignmentStatus']} after the restart, want {status}"
    assert answers(S["rq"].get_assignment(AssignmentId=S["form_alice"])["Assignment"]["Answer"]) == \
           {"caption": "A sunny park", "mood": ["calm"], "objects": ["tree", "dog"]}
    h = S["rq"].get_hit(HITId=S["ext"])["HIT"]
    assert h["NumberOfAssignmentsPending"] == 1, f"bob's accepted assignment did not survive: {h}"


@after_check
def restart_worker_sessions_and_logins_kept():
    alice = WorkerAPI(S["alice"]["token"])
    me = alice.ok("GET", "/me")  # the session made before the restart
    assert me["workerId"] == S["alice"]["id"] and cents(me["earnings"]) == 50 + 25 + 125 + 2, me
    out = WorkerAPI().ok("POST", "/login", {"username": S["bob"]["user"], "password": S["bob"]["password"]})
    bob = WorkerAPI(out["token"])
    mine = {a["assignmentId"]: a["status"] for a in bob.ok("GET", "/assignments")["assignments"]}
    assert mine.get(S["ext_bob"]) == "Accepted", mine
    # bob can still finish the work he accepted before the restart.
    bob.ok("POST", f"/assignments/{S['ext_bob']}/submit", {"answers": {"label": "after restart"}})
    a = S["rq"].get_assignment(AssignmentId=S["ext_bob"])["Assignment"]
    assert answers(a["Answer"]) == {"label": "after restart"}, a


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "main"
    print(f"boto3 {boto3.__version__} against {ENDPOINT}; worker API at {WORKER_API} ({mode})", flush=True)
    if mode == "main":
        ok = run_checks(CHECKS, "work")
        if STATE_FILE:
            save_state()
    elif mode == "after-restart":
        load_state()
        ok = run_checks(AFTER, "work after restart")
    else:
        sys.exit(f"unknown mode {mode!r}: want main or after-restart")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
