#!/usr/bin/env python3
"""End-to-end test of hitd's review policies: a requester posts HITs with
boto3 carrying MTurk's ScoreMyKnownAnswers/2011-09-01 (AssignmentReviewPolicy)
and SimplePlurality/2011-09-01 (HITReviewPolicy); three workers (made with
`hitd worker create`) submit through the worker JSON API; the requester reads
what the policies computed and did with ListReviewPolicyResultsForHIT.

The known-answer policy runs in the transaction that submits an assignment,
so its approvals and rejections show at once in GetAssignment. The plurality
policy runs in the server's scheduler (once a second) after the HIT becomes
reviewable, so its report is polled for.

Usage (normally driven by e2e/run.sh):
    test_policies_boto3.py

Environment:
    HITD_ENDPOINT    http://127.0.0.1:PORT (the Requester API at /, the worker API at /api/worker/v1)
    HITD_BIN         the built hitd binary (`hitd requester create`, `hitd worker create`)
    HITD_DATA_DIR    the running server's data directory (the commands open the same store)

Only python3, boto3 and the standard library are used. The suite works as a
requester of its own, so its balance and HIT counts are its alone.

Each check prints "PASS <name>" or "FAIL <name>: <why>"; the last line is
"policies: N passed, M failed" and the exit code is non-zero on any failure.
"""

import json
import os
import re
import sys
import time
import uuid

import boto3
import botocore.config
from botocore.exceptions import ClientError

import hitde2e
from hitde2e import WorkerAPI, expect_request_error, run, run_checks, store_flags

ENDPOINT = os.environ["HITD_ENDPOINT"].rstrip("/")
WORKER_API = ENDPOINT + "/api/worker/v1"
HITD_BIN = os.environ.get("HITD_BIN", "hitd")
DATA_DIR = os.environ.get("HITD_DATA_DIR", "")
REGION = "us-east-1"
RUN = uuid.uuid4().hex[:8]
POLICY_WAIT = 10.0  # seconds the scheduler gets to run the HIT-level policy

HTML_NS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"
HTML_QUESTION = f"""<?xml version="1.0" encoding="UTF-8"?>
<HTMLQuestion xmlns="{HTML_NS}"><HTMLContent><![CDATA[<!DOCTYPE html>
<html><body><form name="mturk_form" method="post" action="https://www.mturk.com/mturk/externalSubmit">
<input type="hidden" name="assignmentId" value="">
<p>Which animal? <input name="q1"></p>
<p>Which colour? <select name="colour"><option>red</option><option>blue</option></select></p>
<input type="submit"></form></body></html>]]></HTMLContent><FrameHeight>400</FrameHeight></HTMLQuestion>"""

KNOWN_REJECT_REASON = f"Wrong animal ({RUN})"
PLURALITY_REJECT_REASON = f"You disagreed with the others ({RUN})"


def known_answers_policy(**over):
    """ScoreMyKnownAnswers: q1 must be "cat"; 100 approves, anything less rejects."""
    params = {
        "AnswerKey": {"MapEntries": [{"Key": "q1", "Values": ["cat"]}]},
        "ApproveIfKnownAnswerScoreIsAtLeast": ["100"],
        "RejectIfKnownAnswerScoreIsLessThan": ["100"],
        "RejectReason": [KNOWN_REJECT_REASON],
    }
    params.update(over)
    out = []
    for k, v in params.items():
        if v is None:
            continue
        out.append({"Key": k, **v} if isinstance(v, dict) else {"Key": k, "Values": v})
    return {"PolicyName": "ScoreMyKnownAnswers/2011-09-01", "Parameters": out}


def plurality_policy(**over):
    """SimplePlurality on colour: agreed at 60 %; workers who agree are approved, those under 50 rejected."""
    params = {
        "QuestionIds": ["colour"],
        "QuestionAgreementThreshold": ["60"],
        "ApproveIfWorkerAgreementScoreIsAtLeast": ["100"],
        "RejectIfWorkerAgreementScoreIsLessThan": ["50"],
        "RejectReason": [PLURALITY_REJECT_REASON],
    }
    params.update(over)
    return {"PolicyName": "SimplePlurality/2011-09-01",
            "Parameters": [{"Key": k, "Values": v} for k, v in params.items() if v is not None]}


# ---------------------------------------------------------------- harness

def requester_client(key, secret, validate=True):
    """No retries: a failure shows at once."""
    return hitde2e.requester_client(key, secret, validate, max_attempts=1)


CHECKS = []
S = {}  # state handed from check to check


def check(fn):
    CHECKS.append(fn)
    return fn


def hit_count():
    """How many HITs this suite's requester has (ListHITs, every page)."""
    n, tok = 0, None
    while True:
        page = S["rq"].list_hits(MaxResults=100, **({"NextToken": tok} if tok else {}))
        n += len(page["HITs"])
        tok = page.get("NextToken")
        if not tok or not page["HITs"]:
            return n


def work(hit_id, answers_by_worker):
    """Each (worker, answers) accepts hit_id and submits; returns {worker: AssignmentId}."""
    out = {}
    for who, answers in answers_by_worker:
        api = S[who]["api"]
        a = api.ok("POST", f"/hits/{hit_id}/accept")["assignmentId"]
        res = api.ok("POST", f"/assignments/{a}/submit", {"answers": answers})
        # A review policy may decide in the submit transaction itself.
        assert res["status"] in ("Submitted", "Approved", "Rejected"), res
        out[who] = a
    return out


def report(hit_id, **kw):
    return S["rq"].list_review_policy_results_for_hit(HITId=hit_id, **kw)


def results_of(rep):
    """ReviewResults → {(SubjectId, QuestionId, Key): Value}, checking there are no repeats."""
    out = {}
    for r in rep.get("ReviewResults") or []:
        k = (r["SubjectId"], r.get("QuestionId", ""), r["Key"])
        assert k not in out, f"result {k} is reported twice: {rep['ReviewResults']}"
        out[k] = r["Value"]
    return out


def wait_for_hit_report(hit_id):
    """Polls until the scheduler has run the HIT-level policy (its results appear)."""
    deadline = time.monotonic() + POLICY_WAIT
    while True:
        out = report(hit_id, PolicyLevels=["HIT"])
        if out.get("HITReviewReport", {}).get("ReviewResults"):
            return time.monotonic()
        assert time.monotonic() < deadline, \
            f"no HIT-level review results for {hit_id} {POLICY_WAIT:.0f}s after its last submission: {out}"
        time.sleep(0.25)


def check_action(act, name, target, status="Succeeded"):
    assert act["ActionName"] == name, act
    assert act["TargetId"] == target and act["TargetType"] == "Assignment", act
    assert act["Status"] == status, act
    assert act.get("ActionId"), act
    assert act.get("CompleteTime"), f"action without CompleteTime: {act}"
    assert "ErrorCode" not in act, act


# ================================================================ checks

@check
def setup_requester_and_workers():
    out = run([HITD_BIN, "requester", "create", "--name", f"e2e-policies-{RUN}", *store_flags()])
    f = dict(re.findall(r"^(\w+):\s*(\S+)\s*$", out, re.M))
    assert f.get("AccessKeyId") and f.get("SecretAccessKey"), f"`hitd requester create` printed {out!r}"
    S["rq"] = requester_client(f["AccessKeyId"], f["SecretAccessKey"])
    S["raw"] = requester_client(f["AccessKeyId"], f["SecretAccessKey"], validate=False)
    for who in ("w1", "w2", "w3"):
        user, pw = f"pol-{who}-{RUN}", f"pw-{who}-{RUN}-secret"
        out = run([HITD_BIN, "worker", "create", "--username", user, "--password", pw, *store_flags()])
        ids = re.findall(r"\bA[A-Z0-9]{13}\b", out)
        assert ids, f"`hitd worker create` printed no WorkerId: {out!r}"
        login = WorkerAPI().ok("POST", "/login", {"username": user, "password": pw})
        assert login["workerId"] == ids[0], login
        S[who] = {"id": ids[0], "api": WorkerAPI(login["token"])}


@check
def create_hit_with_both_policies():
    h = S["rq"].create_hit(Title=f"e2e policies {RUN} both", Description="Name the animal and the colour",
                           Reward="0.20", MaxAssignments=3, LifetimeInSeconds=3600,
                           AssignmentDurationInSeconds=600, Question=HTML_QUESTION,
                           AssignmentReviewPolicy=known_answers_policy(), HITReviewPolicy=plurality_policy())["HIT"]
    assert h["MaxAssignments"] == 3 and h["HITStatus"] == "Assignable", h
    S["both"] = h["HITId"]
    out = report(h["HITId"])
    assert out["HITId"] == h["HITId"], out
    assert out["AssignmentReviewPolicy"]["PolicyName"] == "ScoreMyKnownAnswers/2011-09-01", out
    assert out["HITReviewPolicy"]["PolicyName"] == "SimplePlurality/2011-09-01", out
    keys = {p["Key"] for p in out["HITReviewPolicy"]["Parameters"]}
    assert keys == {"QuestionIds", "QuestionAgreementThreshold", "ApproveIfWorkerAgreementScoreIsAtLeast",
                    "RejectIfWorkerAgreementScoreIsLessThan", "RejectReason"}, keys
    ak = [p for p in out["AssignmentReviewPolicy"]["Parameters"] if p["Key"] == "AnswerKey"]
    assert ak and ak[0]["MapEntries"] == [{"Key": "q1", "Values": ["cat"]}], out["AssignmentReviewPolicy"]
    # Nothing has run yet: both reports are empty.
    for level in ("AssignmentReviewReport", "HITReviewReport"):
        rep = out.get(level, {})
        assert not rep.get("ReviewResults") and not rep.get("ReviewActions"), f"{level} before any work: {rep}"


@check
def known_answers_decide_at_submit():
    hit = S["both"]
    # w1: right animal, red; w2: wrong animal, red; w3: right animal, blue.
    S["both_a"] = a = work(hit, [("w1", {"q1": "cat", "colour": "red"}),
                                 ("w2", {"q1": "dog", "colour": "red"}),
                                 ("w3", {"q1": " cat ", "colour": "blue"})])  # free text is compared trimmed
    rq = S["rq"]
    # The decisions are made in the submit transaction: visible at once.
    g1 = rq.get_assignment(AssignmentId=a["w1"])["Assignment"]
    assert g1["AssignmentStatus"] == "Approved" and "ApprovalTime" in g1, g1
    g2 = rq.get_assignment(AssignmentId=a["w2"])["Assignment"]
    assert g2["AssignmentStatus"] == "Rejected" and "RejectionTime" in g2, g2
    assert g2.get("RequesterFeedback") == KNOWN_REJECT_REASON, g2
    g3 = rq.get_assignment(AssignmentId=a["w3"])["Assignment"]
    assert g3["AssignmentStatus"] == "Approved", g3
    # The workers see it too.
    mine = {x["assignmentId"]: x for x in S["w2"]["api"].ok("GET", "/assignments")["assignments"]}
    assert mine[a["w2"]]["status"] == "Rejected", mine[a["w2"]]
    assert mine[a["w2"]].get("requesterFeedback") == KNOWN_REJECT_REASON, mine[a["w2"]]

    out = report(hit, PolicyLevels=["Assignment"])
    assert "HITReviewReport" not in out, f"PolicyLevels [Assignment] returned a HITReviewReport: {out}"
    rep = out["AssignmentReviewReport"]
    got = results_of(rep)
    want = {}
    for who, correct in (("w1", True), ("w2", False), ("w3", True)):
        want[(a[who], "q1", "KnownAnswerCorrect")] = "true" if correct else "false"
        want[(a[who], "", "KnownAnswerScore")] = "100" if correct else "0"
    assert got == want, f"assignment-level results:\n got  {got}\n want {want}"
    for r in rep["ReviewResults"]:
        assert r["SubjectType"] == "Assignment", r
    acts = {x["TargetId"]: x for x in rep["ReviewActions"]}
    assert len(rep["ReviewActions"]) == 3 and set(acts) == set(a.values()), rep["ReviewActions"]
    check_action(acts[a["w1"]], "approve", a["w1"])
    check_action(acts[a["w2"]], "reject", a["w2"])
    check_action(acts[a["w3"]], "approve", a["w3"])
    S["both_assignment_report"] = rep


@check
def plurality_runs_in_the_scheduler():
    hit, a = S["both"], S["both_a"]
    wait_for_hit_report(hit)
    out = report(hit, PolicyLevels=["HIT"])
    assert "AssignmentReviewReport" not in out, f"PolicyLevels [HIT] returned an AssignmentReviewReport: {out}"
    rep = out["HITReviewReport"]
    got = results_of(rep)
    # colour: red, red, blue (the rejected w2 still counts: DisregardAssignmentIfRejected is not set).
    want = {
        (hit, "colour", "PluralityAnswer"): "red",
        (hit, "colour", "AgreementScore"): "66",
        (hit, "colour", "AgreedAnswer"): "red",
        (hit, "", "HITAgreementScore"): "100",
        (a["w1"], "", "WorkerAgreementScore"): "100",
        (a["w2"], "", "WorkerAgreementScore"): "100",
        (a["w3"], "", "WorkerAgreementScore"): "0",
    }
    assert got == want, f"HIT-level results:\n got  {got}\n want {want}"
    types = {r["SubjectId"]: r["SubjectType"] for r in rep["ReviewResults"]}
    assert types[hit] == "HIT" and {types[x] for x in a.values()} == {"Assignment"}, types
    # Every assignment was already decided by the known answers: the HIT-level
    # policy must not act on approved or rejected work (w3 scores 0 but stays approved).
    assert rep["ReviewActions"] == [], f"HIT-level actions on already reviewed assignments: {rep['ReviewActions']}"
    for who, status in (("w1", "Approved"), ("w2", "Rejected"), ("w3", "Approved")):
        got_status = S["rq"].get_assignment(AssignmentId=a[who])["Assignment"]["AssignmentStatus"]
        assert got_status == status, f"{who}'s assignment is {got_status} after the HIT-level policy, want {status}"
    h = S["rq"].get_hit(HITId=hit)["HIT"]
    assert h["HITStatus"] == "Reviewable" and h["NumberOfAssignmentsCompleted"] == 3, h


@check
def plurality_approves_and_rejects():
    # A HIT with only the HIT-level policy: its decisions are the only ones.
    h = S["rq"].create_hit(Title=f"e2e policies {RUN} plurality", Description="Name the colour",
                           Reward="0.10", MaxAssignments=3, LifetimeInSeconds=3600,
                           AssignmentDurationInSeconds=600, Question=HTML_QUESTION,
                           HITReviewPolicy=plurality_policy())["HIT"]
    hit = S["plural"] = h["HITId"]
    a = work(hit, [("w1", {"q1": "x", "colour": "blue"}),
                   ("w2", {"q1": "y", "colour": "red"}),
                   ("w3", {"q1": "z", "colour": "blue"})])
    S["plural_a"] = a
    for who in a:  # no assignment-level policy: all wait for the HIT-level one
        st = S["rq"].get_assignment(AssignmentId=a[who])["Assignment"]["AssignmentStatus"]
        assert st in ("Submitted", "Approved", "Rejected"), st
    wait_for_hit_report(hit)
    out = report(hit)
    assert out.get("AssignmentReviewPolicy") is None, out
    arep = out.get("AssignmentReviewReport", {})
    assert not arep.get("ReviewResults") and not arep.get("ReviewActions"), \
        f"assignment-level report of a HIT without an AssignmentReviewPolicy: {arep}"
    rep = out["HITReviewReport"]
    got = results_of(rep)
    want = {
        (hit, "colour", "PluralityAnswer"): "blue",
        (hit, "colour", "AgreementScore"): "66",
        (hit, "colour", "AgreedAnswer"): "blue",
        (hit, "", "HITAgreementScore"): "100",
        (a["w1"], "", "WorkerAgreementScore"): "100",
        (a["w2"], "", "WorkerAgreementScore"): "0",
        (a["w3"], "", "WorkerAgreementScore"): "100",
    }
    assert got == want, f"HIT-level results:\n got  {got}\n want {want}"
    acts = {x["TargetId"]: x for x in rep["ReviewActions"]}
    assert len(rep["ReviewActions"]) == 3 and set(acts) == set(a.values()), rep["ReviewActions"]
    check_action(acts[a["w1"]], "approve", a["w1"])
    check_action(acts[a["w2"]], "reject", a["w2"])
    check_action(acts[a["w3"]], "approve", a["w3"])
    rq = S["rq"]
    for who, status in (("w1", "Approved"), ("w2", "Rejected"), ("w3", "Approved")):
        g = rq.get_assignment(AssignmentId=a[who])["Assignment"]
        assert g["AssignmentStatus"] == status, f"{who}: {g}"
    assert rq.get_assignment(AssignmentId=a["w2"])["Assignment"].get("RequesterFeedback") == PLURALITY_REJECT_REASON
    # The policy runs once: a later look finds the same report.
    time.sleep(1.5)
    again = report(hit)["HITReviewReport"]
    assert len(again["ReviewActions"]) == 3 and results_of(again) == want, again


@check
def retrieve_flags():
    hit = S["both"]
    out = report(hit, RetrieveResults=False)
    for level in ("AssignmentReviewReport", "HITReviewReport"):
        rep = out[level]
        assert not rep.get("ReviewResults"), f"RetrieveResults false still returned {level} results: {rep}"
    assert len(out["AssignmentReviewReport"]["ReviewActions"]) == 3, out
    out = report(hit, RetrieveActions=False)
    for level in ("AssignmentReviewReport", "HITReviewReport"):
        rep = out[level]
        assert not rep.get("ReviewActions"), f"RetrieveActions false still returned {level} actions: {rep}"
    assert len(out["AssignmentReviewReport"]["ReviewResults"]) == 6, out
    assert len(out["HITReviewReport"]["ReviewResults"]) == 7, out
    out = report(S["plural"], RetrieveResults=False, RetrieveActions=False, PolicyLevels=["HIT"])
    rep = out["HITReviewReport"]
    assert not rep.get("ReviewResults") and not rep.get("ReviewActions"), rep
    # Both levels named: both reports.
    out = report(hit, PolicyLevels=["Assignment", "HIT"])
    assert "AssignmentReviewReport" in out and "HITReviewReport" in out, out


@check
def pagination_max_results_1():
    for hit in (S["both"], S["plural"]):
        full = report(hit, MaxResults=100)
        assert "NextToken" not in full, full
        pages, tok = 0, None
        seen = {lvl: {"ReviewResults": [], "ReviewActions": []} for lvl in ("AssignmentReviewReport", "HITReviewReport")}
        while True:
            page = report(hit, MaxResults=1, **({"NextToken": tok} if tok else {}))
            pages += 1
            for lvl, lists in seen.items():
                for k in lists:
                    items = page.get(lvl, {}).get(k) or []
                    assert len(items) <= 1, f"MaxResults 1 gave {len(items)} {lvl}.{k}: {items}"
                    lists[k].extend(items)
            tok = page.get("NextToken")
            if not tok:
                break
            assert pages < 50, "NextToken never ends"
        for lvl, lists in seen.items():
            for k, items in lists.items():
                want = full.get(lvl, {}).get(k) or []
                assert items == want, f"{hit} {lvl}.{k} paged with MaxResults 1:\n got  {items}\n want {want}"
        longest = max(len(full.get(lvl, {}).get(k) or []) for lvl in seen for k in seen[lvl])
        assert pages in (longest, longest + 1), f"{pages} pages for lists of at most {longest}"
    expect_request_error(lambda: report(S["both"], NextToken="not-a-token"), "InvalidParameterValue", "NextToken")
    for n in (0, 101):
        expect_request_error(lambda: S["raw"].list_review_policy_results_for_hit(HITId=S["both"], MaxResults=n),
                             "ParameterOutOfRange", "MaxResults")


@check
def report_errors():
    expect_request_error(lambda: report("3NOSUCHHIT00000000000000000ZZZ"), "HITDoesNotExist")
    # Another requester's HIT is reported as not existing.
    root = requester_client(os.environ["HITD_KEY"], os.environ["HITD_SECRET"]) if os.environ.get("HITD_KEY") else None
    if root:
        expect_request_error(lambda: root.list_review_policy_results_for_hit(HITId=S["both"]), "HITDoesNotExist")
    # PolicyLevels values: Assignment and HIT only. botocore does not check enums.
    expect_request_error(lambda: report(S["both"], PolicyLevels=["Worker"]), "InvalidParameterValue", "PolicyLevels")


@check
def invalid_policies_create_nothing():
    rq = S["rq"]
    before_hits, before_balance = hit_count(), rq.get_account_balance()["AvailableBalance"]
    base = dict(Title=f"e2e policies {RUN} invalid", Description="never created", Reward="0.10", MaxAssignments=3,
                LifetimeInSeconds=3600, AssignmentDurationInSeconds=600, Question=HTML_QUESTION)
    cases = [
        # (what, AssignmentReviewPolicy, HITReviewPolicy, TurkErrorCode, words in the message)
        ("unknown assignment-level parameter", known_answers_policy(ApproveIfScoreIsHigh=["1"]), None,
         "InvalidParameterValue", "ApproveIfScoreIsHigh"),
        ("unknown HIT-level parameter", None, plurality_policy(AgreementThreshold=["60"]),
         "InvalidParameterValue", "AgreementThreshold"),
        ("score above 101", known_answers_policy(ApproveIfKnownAnswerScoreIsAtLeast=["102"]), None,
         "ParameterOutOfRange", "ApproveIfKnownAnswerScoreIsAtLeast"),
        ("threshold above 100", None, plurality_policy(QuestionAgreementThreshold=["101"]),
         "ParameterOutOfRange", "QuestionAgreementThreshold"),
        ("negative score", None, plurality_policy(RejectIfWorkerAgreementScoreIsLessThan=["-1"]),
         "ParameterOutOfRange", "RejectIfWorkerAgreementScoreIsLessThan"),
        ("missing AnswerKey", known_answers_policy(AnswerKey=None), None, "MissingParameters", "AnswerKey"),
        ("missing QuestionIds", None, plurality_policy(QuestionIds=None), "MissingParameters", "QuestionIds"),
        ("unknown policy name", {"PolicyName": "ScoreMyKnownAnswers/2099-01-01", "Parameters": []}, None,
         "InvalidParameterValue", "ScoreMyKnownAnswers/2099-01-01"),
        ("bad HIT policy with a good assignment policy", known_answers_policy(),
         plurality_policy(QuestionAgreementThreshold=["lots"]), "InvalidParameterValue", "QuestionAgreementThreshold"),
    ]
    for i, (what, ap, hp, code, word) in enumerate(cases):
        kw = dict(base, UniqueRequestToken=f"pol-bad-{RUN}-{i}")
        if ap is not None:
            kw["AssignmentReviewPolicy"] = ap
        if hp is not None:
            kw["HITReviewPolicy"] = hp
        try:
            expect_request_error(lambda: rq.create_hit(**kw), code, word)
        except AssertionError as e:
            raise AssertionError(f"{what}: {e}") from None
    # The same through CreateHITWithHITType.
    tid = rq.create_hit_type(Title=base["Title"], Description=base["Description"], Reward=base["Reward"],
                             AssignmentDurationInSeconds=600)["HITTypeId"]
    expect_request_error(lambda: rq.create_hit_with_hit_type(
        HITTypeId=tid, LifetimeInSeconds=3600, Question=HTML_QUESTION, MaxAssignments=3,
        AssignmentReviewPolicy=known_answers_policy(AnswerKey=None)), "MissingParameters", "AnswerKey")
    assert hit_count() == before_hits, f"refused CreateHIT calls left HITs behind: {hit_count()} != {before_hits}"
    after = rq.get_account_balance()["AvailableBalance"]
    assert after == before_balance, f"refused CreateHIT calls moved money: {before_balance} → {after}"
    # A refused request's UniqueRequestToken is not used up.
    used = next(i for i, c in enumerate(cases) if c[0] == "missing AnswerKey")
    h = rq.create_hit(**dict(base, UniqueRequestToken=f"pol-bad-{RUN}-{used}",
                             AssignmentReviewPolicy=known_answers_policy()))["HIT"]
    assert h["HITId"], h
    assert hit_count() == before_hits + 1


def main():
    print(f"boto3 {boto3.__version__} against {ENDPOINT}; worker API at {WORKER_API}", flush=True)
    ok = run_checks(CHECKS, "policies")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
