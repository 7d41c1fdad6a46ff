#!/usr/bin/env python3
"""The requester's side of e2e/browser/test_worker_site.mjs, in boto3: the
browser suite posts its HITs with boto3 and, once a worker has done them in
Chromium, reviews them with boto3, as a requester's own script would.

    browser_boto3.py create-hits   stdin: a JSON list of CreateHIT arguments
                                   stdout: a JSON list of {"HITId", "HITTypeId"}
    browser_boto3.py review        stdin: the browser suite's state as JSON
                                   (HIT and assignment IDs, the worker's
                                   login, what was typed); prints PASS/FAIL
                                   per check, exits 1 on any failure

Answers are read the way psiTurk-era scripts read them, with xmltodict
(falling back to ElementTree where xmltodict is not installed).

Environment: HITD_ENDPOINT, HITD_KEY, HITD_SECRET (the requester whose keys
the browser suite uses).
"""

import json
import os
import sys
import xml.etree.ElementTree as ET
from decimal import Decimal

from hitde2e import WorkerAPI, expect_request_error, requester_client, run_checks

ANSWERS_NS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd"
S = {}


def client():
    return requester_client(os.environ["HITD_KEY"], os.environ["HITD_SECRET"])


def answers(xml_text):
    """QuestionFormAnswers XML → {QuestionIdentifier: FreeText, or [SelectionIdentifier, …]}."""
    assert xml_text.startswith('<?xml version="1.0" encoding="ASCII"?><QuestionFormAnswers xmlns="' + ANSWERS_NS + '">'), \
        xml_text[:200]
    try:
        import xmltodict
    except ImportError:
        xmltodict = None
    out = {}
    if xmltodict:
        got = xmltodict.parse(xml_text)["QuestionFormAnswers"]["Answer"]
        for a in got if isinstance(got, list) else [got]:
            if "FreeText" in a:
                out[a["QuestionIdentifier"]] = a["FreeText"] or ""
            else:
                sel = a.get("SelectionIdentifier")
                out[a["QuestionIdentifier"]] = sel if isinstance(sel, list) else [sel]
        return out
    for a in ET.fromstring(xml_text).findall(f"{{{ANSWERS_NS}}}Answer"):
        qid = a.findtext(f"{{{ANSWERS_NS}}}QuestionIdentifier")
        free = a.find(f"{{{ANSWERS_NS}}}FreeText")
        out[qid] = (free.text or "") if free is not None else \
            [s.text for s in a.findall(f"{{{ANSWERS_NS}}}SelectionIdentifier")]
    return out


def balance():
    return Decimal(client().get_account_balance()["AvailableBalance"])


def create_hits():
    rq = client()
    out = []
    for kwargs in json.load(sys.stdin):
        h = rq.create_hit(**kwargs)["HIT"]
        out.append({"HITId": h["HITId"], "HITTypeId": h["HITTypeId"]})
    json.dump(out, sys.stdout)


# ---------------------------------------------------------------- review checks

def only_assignment(name):
    """The one assignment of the HIT S[name], through boto3's paginator."""
    pages = client().get_paginator("list_assignments_for_hit").paginate(
        HITId=S[name], AssignmentStatuses=["Submitted"], PaginationConfig={"PageSize": 1})
    got = [a for p in pages for a in p["Assignments"]]
    assert len(got) == 1, f"{name}: {len(got)} submitted assignments: {got}"
    a = got[0]
    assert (a["AssignmentId"], a["WorkerId"], a["HITId"]) == (S[name + "A"], S["workerId"], S[name]), a
    for k in ("AcceptTime", "SubmitTime", "AutoApprovalTime"):
        assert k in a, f"{name}: the assignment lacks {k}: {a}"
    return a


def answers_read_with_boto3():
    assert answers(only_assignment("animal")["Answer"]) == {"animal": "zebra", "sure": "yes"}
    assert answers(only_assignment("rating")["Answer"]) == \
        {"batch": "b7", "sentiment": "negative", "why": 'too many "quotes" & <tags>'}
    assert answers(only_assignment("form")["Answer"]) == \
        {"caption": "A park at noon", "mood": ["calm"], "objects": ["tree", "dog"]}
    got = answers(only_assignment("hostile")["Answer"])
    assert all(S["user"] not in v for v in got.values() if isinstance(v, str)), got


def approve_and_reject():
    rq = client()
    before = balance()
    rq.approve_assignment(AssignmentId=S["animalA"], RequesterFeedback="Zebra it is.")
    rq.approve_assignment(AssignmentId=S["ratingA"])
    assert balance() == before, "approvals are paid from the HITs' reserves, not the balance"
    rq.reject_assignment(AssignmentId=S["formA"], RequesterFeedback="")  # as psiTurk sends it
    rq.reject_assignment(AssignmentId=S["hostileA"], RequesterFeedback="Do not script the worker's pages.")
    # Each rejection returns its slot's reserve: reward + 20 % fee (0.60 + 0.12, 0.10 + 0.02).
    assert balance() == before + Decimal("0.72") + Decimal("0.12"), (before, balance())
    expect_request_error(lambda: rq.approve_assignment(AssignmentId=S["animalA"]), "InvalidAssignmentState")
    want = {"animalA": ("Approved", "Zebra it is."), "ratingA": ("Approved", ""),
            "formA": ("Rejected", ""), "hostileA": ("Rejected", "Do not script the worker's pages.")}
    for k, (status, feedback) in want.items():
        out = rq.get_assignment(AssignmentId=S[k])
        a = out["Assignment"]
        assert (a["AssignmentStatus"], a.get("RequesterFeedback", "")) == (status, feedback), a
        assert out["HIT"]["HITId"] == a["HITId"], out["HIT"]
        assert ("ApprovalTime" if status == "Approved" else "RejectionTime") in a, a


def hits_reviewable():
    rq = client()
    for name in ("animal", "rating", "form", "hostile"):
        h = rq.get_hit(HITId=S[name])["HIT"]
        got = (h["HITStatus"], h["NumberOfAssignmentsPending"], h["NumberOfAssignmentsAvailable"],
               h["NumberOfAssignmentsCompleted"])
        assert got == ("Reviewable", 0, 0, 1), f"{name}: {got}"
    listed = {h["HITId"] for h in rq.list_reviewable_hits(HITTypeId=S["animalType"], MaxResults=100)["HITs"]}
    assert listed == {S["animal"]}, listed


def worker_sees_the_review():
    login = WorkerAPI().ok("POST", "/login", {"username": S["user"], "password": S["password"]})
    me = WorkerAPI(login["token"])
    p = me.ok("GET", "/me")
    assert (p["earnings"], p["approved"], p["rejected"]) == ("0.70", 2, 2), p  # 0.40 + 0.30
    mine = {a["assignmentId"]: a for a in me.ok("GET", "/assignments?limit=100")["assignments"]}
    assert mine[S["animalA"]]["status"] == "Approved", mine[S["animalA"]]
    assert mine[S["animalA"]].get("requesterFeedback") == "Zebra it is.", mine[S["animalA"]]
    assert mine[S["formA"]]["status"] == "Rejected", mine[S["formA"]]


def review():
    S.update(json.load(sys.stdin))
    ok = run_checks([answers_read_with_boto3, approve_and_reject, hits_reviewable, worker_sees_the_review],
                    "boto3 review")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "create-hits":
        create_hits()
    elif cmd == "review":
        review()
    else:
        sys.exit(f"usage: {sys.argv[0]} create-hits|review  (JSON on stdin)")
