#!/usr/bin/env python3
"""End-to-end test of isolation between requesters: a requester can never
read or change another requester's HITs, assignments, qualification types,
qualification requests, workers' data, blocks, notification settings or
balance, through boto3.

Two requesters A and B are made with `hitd requester create`. A sets up one
of everything: HIT types, HITs (HTMLQuestion) in every state that matters
(open, with submitted, approved and rejected work, expired and empty), a
bonus, qualification types (one granted to a worker, one with a pending
request, one with a test and an answer key), a worker block and a layout.
Then B calls every operation that can name A's objects, by family, and must
get MTurk's "does not exist" RequestError (never A's data), or an answer
that shows nothing of A's; B's own balance moves only with B's own HITs.
Finally every one of A's objects, and A's balance to the cent, are exactly
as they were; and `hitd requester disable` shuts B out (as an unknown key)
until `hitd requester enable`.

Where MTurk lets anyone read something, hitd does too and the suite says so:
GetQualificationType shows any requester's type (without its AnswerKey),
DeleteWorkerBlock of a block one never made succeeds (and lifts nothing of
A's), and NotifyWorkers reports a worker who never worked for the caller as
a HardFailure instead of messaging them.

Usage (normally driven by e2e/run.sh):
    test_isolation_boto3.py

Environment:
    HITD_ENDPOINT    http://127.0.0.1:PORT
    HITD_BIN         the built hitd binary (`hitd requester create|disable|enable|list`, `hitd worker create`,
                     `hitd layout create`)
    HITD_DATA_DIR    the running server's data directory (the commands open the same store)

Only python3, boto3 and the standard library are used. Each check prints
"PASS <name>" or "FAIL <name>: <why>"; the last line is "isolation: N passed,
M failed" and the exit code is non-zero on any failure.
"""

import datetime
import os
import re
import sys
import tempfile
import uuid

import boto3
from botocore.exceptions import ClientError

from hitde2e import WorkerAPI, expect_request_error, requester_client, run, run_checks, store_flags

ENDPOINT = os.environ["HITD_ENDPOINT"].rstrip("/")
HITD_BIN = os.environ.get("HITD_BIN", "hitd")
RUN = uuid.uuid4().hex[:8]

HTML_NS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"
HTML_QUESTION = (f'<HTMLQuestion xmlns="{HTML_NS}"><HTMLContent><![CDATA[<!DOCTYPE html><html><body>'
                 '<form name="mturk_form" method="post" action="https://www.mturk.com/mturk/externalSubmit">'
                 '<input name="label"></form></body></html>]]></HTMLContent><FrameHeight>300</FrameHeight></HTMLQuestion>')
FORM_NS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd"
KEY_NS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/AnswerKey.xsd"
TEST = (f'<QuestionForm xmlns="{FORM_NS}"><Question><QuestionIdentifier>sum</QuestionIdentifier>'
        "<QuestionContent><Text>2 + 2?</Text></QuestionContent><AnswerSpecification><SelectionAnswer>"
        "<StyleSuggestion>radiobutton</StyleSuggestion><Selections>"
        "<Selection><SelectionIdentifier>four</SelectionIdentifier><Text>4</Text></Selection>"
        "<Selection><SelectionIdentifier>five</SelectionIdentifier><Text>5</Text></Selection>"
        "</Selections></SelectionAnswer></AnswerSpecification></Question></QuestionForm>")
ANSWER_KEY = (f'<AnswerKey xmlns="{KEY_NS}"><Question><QuestionIdentifier>sum</QuestionIdentifier>'
              "<AnswerOption><SelectionIdentifier>four</SelectionIdentifier><AnswerScore>1</AnswerScore></AnswerOption>"
              "</Question></AnswerKey>")

CHECKS = []
S = {}  # state handed from check to check


def check(fn):
    CHECKS.append(fn)
    return fn


def need(*keys):
    missing = [k for k in keys if k not in S]
    assert not missing, f"an earlier check did not get as far as {', '.join(missing)}"
    return [S[k] for k in keys]


# ---------------------------------------------------------------- helpers

def new_requester(who):
    out = run([HITD_BIN, "requester", "create", "--name", f"e2e-iso-{who}-{RUN}", *store_flags()])
    f = dict(re.findall(r"^(\w+):\s*(\S+)\s*$", out, re.M))
    assert f.get("AccessKeyId") and f.get("SecretAccessKey") and f.get("RequesterId"), f"`hitd requester create` printed {out!r}"
    return {"id": f["RequesterId"], "name": f"e2e-iso-{who}-{RUN}", "key": f["AccessKeyId"],
            "client": requester_client(f["AccessKeyId"], f["SecretAccessKey"], max_attempts=1)}


def new_worker(who):
    user, pw = f"iso-{who}-{RUN}", f"pw-iso-{who}-{RUN}-secret"
    out = run([HITD_BIN, "worker", "create", "--username", user, "--password", pw, *store_flags()])
    ids = re.findall(r"\bA[A-Z0-9]{13}\b", out)
    assert ids, f"`hitd worker create` printed no WorkerId: {out!r}"
    return {"id": ids[0], "api": WorkerAPI(WorkerAPI().ok("POST", "/login", {"username": user, "password": pw})["token"])}


def denied(call, turk_code):
    """call() must fail with RequestError turk_code, and its message must show
    nothing of A's beyond the ID B passed: not A's name, requester ID, HIT
    titles, qualification names or worker answers."""
    msg = expect_request_error(call, turk_code)
    for secret in S["a_secrets"]:
        assert secret not in msg, f"the {turk_code} message shows A's {secret!r}: {msg}"
    return msg


def no_a_data(out, what, words=True):
    """A successful answer to B must mention none of A's IDs (or words)."""
    text = repr(out)
    for s in S["a_ids"] + (S["a_secrets"] if words else []):
        assert s not in text, f"{what} shows A's {s!r} to B: {text[:400]}"


def paged(call, key, **kw):
    """Every item of a NextToken-paged list."""
    items, token = [], None
    while True:
        out = call(**kw, **({"NextToken": token} if token else {}))
        items += out[key]
        token = out.get("NextToken")
        if not token or not out[key]:
            return items


def snapshot_a():
    """Everything of A's that B's calls could change, in comparable form."""
    a = S["A"]["client"]
    snap = {"balance": a.get_account_balance()["AvailableBalance"]}
    for name in ("h_open", "h_appr", "h_rej", "h_empty", "h_qual"):
        h = a.get_hit(HITId=S[name])["HIT"]
        snap[name] = {k: h.get(k) for k in ("HITStatus", "HITTypeId", "MaxAssignments", "Expiration", "HITReviewStatus",
                                             "NumberOfAssignmentsPending", "NumberOfAssignmentsAvailable",
                                             "NumberOfAssignmentsCompleted", "Title", "Reward", "Description")}
        snap[name + " assignments"] = sorted((x["AssignmentId"], x["AssignmentStatus"], x.get("RequesterFeedback"))
                                             for x in paged(a.list_assignments_for_hit, "Assignments", HITId=S[name]))
        snap[name + " bonuses"] = sorted((b["AssignmentId"], b["BonusAmount"], b["Reason"])
                                         for b in paged(a.list_bonus_payments, "BonusPayments", HITId=S[name]))
    snap["hits"] = sorted(h["HITId"] for h in paged(a.list_hits, "HITs"))
    for name in ("q_granted", "q_pending", "q_test"):
        q = a.get_qualification_type(QualificationTypeId=S[name])["QualificationType"]
        snap[name] = {k: q.get(k) for k in ("Name", "Description", "QualificationTypeStatus", "AnswerKey", "Test",
                                             "RetryDelayInSeconds", "AutoGranted", "IsRequestable")}
        snap[name + " workers"] = sorted((x["WorkerId"], x["Status"], x.get("IntegerValue"))
                                         for x in paged(a.list_workers_with_qualification_type, "Qualifications",
                                                        QualificationTypeId=S[name]))
    snap["score"] = a.get_qualification_score(QualificationTypeId=S["q_granted"],
                                              WorkerId=S["wa"]["id"])["Qualification"]["IntegerValue"]
    snap["requests"] = sorted((r["QualificationRequestId"], r["WorkerId"])
                              for r in paged(a.list_qualification_requests, "QualificationRequests"))
    snap["blocks"] = sorted((b["WorkerId"], b["Reason"]) for b in paged(a.list_worker_blocks, "WorkerBlocks"))
    snap["reviewable"] = sorted(h["HITId"] for h in paged(a.list_reviewable_hits, "HITs"))
    return snap


# ---------------------------------------------------------------- setup

@check
def setup_two_requesters():
    S["A"], S["B"] = new_requester("A"), new_requester("B")
    S["wa"], S["wb"], S["wx"] = new_worker("a"), new_worker("b"), new_worker("x")
    a = S["A"]["client"]
    title = f"A's private task {RUN}"
    S["type_a"] = a.create_hit_type(Title=title, Description=f"A's description {RUN}", Reward="0.25",
                                    AssignmentDurationInSeconds=600, Keywords="isolation")["HITTypeId"]

    def hit(n=1, token=None, type_id=None):
        return a.create_hit_with_hit_type(HITTypeId=type_id or S["type_a"], MaxAssignments=n, LifetimeInSeconds=3600,
                                          Question=HTML_QUESTION, RequesterAnnotation=f"A's annotation {RUN}",
                                          **({"UniqueRequestToken": token} if token else {}))["HIT"]["HITId"]

    def worked(h, who="wa"):
        w = S[who]["api"]
        aid = w.ok("POST", f"/hits/{h}/accept")["assignmentId"]
        w.ok("POST", f"/assignments/{aid}/submit", {"answers": {"label": f"A's worker answer {RUN}"}})
        return aid

    S["token"] = f"iso-token-{RUN}"
    S["h_open"] = hit(3, token=S["token"])
    S["a_sub"] = worked(S["h_open"])                     # Submitted, not reviewed
    S["h_appr"] = hit()
    S["a_appr"] = worked(S["h_appr"])
    a.approve_assignment(AssignmentId=S["a_appr"], RequesterFeedback="thanks")
    a.send_bonus(WorkerId=S["wa"]["id"], AssignmentId=S["a_appr"], BonusAmount="0.50", Reason=f"A's bonus {RUN}")
    S["h_rej"] = hit()
    S["a_rej"] = worked(S["h_rej"])
    a.reject_assignment(AssignmentId=S["a_rej"], RequesterFeedback="no")
    S["h_empty"] = hit()
    a.update_expiration_for_hit(HITId=S["h_empty"], ExpireAt=datetime.datetime(2015, 1, 1))  # Reviewable, deletable

    def qtype(name, **kw):
        return a.create_qualification_type(Name=f"A's {name} {RUN}", Description=f"A's {name} type",
                                           QualificationTypeStatus="Active", **kw)["QualificationType"]["QualificationTypeId"]

    S["q_granted"] = qtype("granted")
    a.associate_qualification_with_worker(QualificationTypeId=S["q_granted"], WorkerId=S["wa"]["id"], IntegerValue=42,
                                          SendNotification=False)
    S["q_pending"] = qtype("pending")
    S["req"] = S["wb"]["api"].ok("POST", f"/qualifications/{S['q_pending']}/request")["requestId"]
    S["q_test"] = qtype("tested", Test=TEST, AnswerKey=ANSWER_KEY, TestDurationInSeconds=300)
    S["type_aq"] = a.create_hit_type(Title=title, Description=f"A's description {RUN}", Reward="0.25",
                                     AssignmentDurationInSeconds=600, Keywords="isolation",
                                     QualificationRequirements=[{"QualificationTypeId": S["q_granted"],
                                                                 "Comparator": "Exists"}])["HITTypeId"]
    S["h_qual"] = hit(type_id=S["type_aq"])
    a.create_worker_block(WorkerId=S["wx"]["id"], Reason=f"A's block reason {RUN}")
    with tempfile.NamedTemporaryFile("w", suffix=".html", delete=False) as f:
        f.write("<p>${word}</p>")
    try:
        S["layout_a"] = run([HITD_BIN, "layout", "create", "--requester", S["A"]["key"], "--file", f.name,
                             "--name", f"A's layout {RUN}", *store_flags()]).strip()
    finally:
        os.unlink(f.name)

    # What B must never see: A's IDs (outside the one B passes) and words.
    S["a_ids"] = [S["A"]["id"], S["A"]["key"], S["type_a"], S["type_aq"], S["h_open"], S["h_appr"], S["h_rej"], S["h_empty"],
                  S["h_qual"], S["a_sub"], S["a_appr"], S["a_rej"], S["q_granted"], S["q_pending"], S["q_test"], S["req"]]
    S["a_secrets"] = [S["A"]["name"], S["A"]["id"], title, f"A's description {RUN}", f"A's annotation {RUN}",
                      f"A's worker answer {RUN}", f"A's bonus {RUN}", f"A's block reason {RUN}", ANSWER_KEY]

    # B's own things, made before B's probes: a type and a HIT that reuses
    # A's UniqueRequestToken (tokens are per requester: B gets a HIT of its
    # own, not HitAlreadyExists naming A's).
    b = S["B"]["client"]
    S["type_b"] = b.create_hit_type(Title=title, Description=f"A's description {RUN}", Reward="0.25",
                                    AssignmentDurationInSeconds=600, Keywords="isolation")["HITTypeId"]
    assert S["type_b"] != S["type_a"], "B registering A's HIT type properties got A's HITTypeId"
    S["h_b"] = b.create_hit_with_hit_type(HITTypeId=S["type_b"], MaxAssignments=1, LifetimeInSeconds=3600,
                                          Question=HTML_QUESTION, UniqueRequestToken=S["token"])["HIT"]["HITId"]
    assert S["h_b"] != S["h_open"], "B's HIT with A's UniqueRequestToken is A's HIT"
    S["b_balance"] = b.get_account_balance()["AvailableBalance"]
    S["before"] = snapshot_a()
    assert S["before"]["h_open assignments"] and S["before"]["h_appr bonuses"] and S["before"]["requests"], S["before"]


# ---------------------------------------------------------------- B's probes, by family

@check
def hits():
    b = S["B"]["client"]
    for name in ("h_open", "h_appr", "h_rej", "h_empty", "h_qual"):
        h = S[name]
        denied(lambda: b.get_hit(HITId=h), "HITDoesNotExist")
        denied(lambda: b.update_expiration_for_hit(HITId=h, ExpireAt=datetime.datetime(2015, 1, 1)), "HITDoesNotExist")
        denied(lambda: b.update_expiration_for_hit(
            HITId=h, ExpireAt=datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=30)), "HITDoesNotExist")
        for revert in (False, True):
            denied(lambda: b.update_hit_review_status(HITId=h, Revert=revert), "HITDoesNotExist")
        denied(lambda: b.update_hit_type_of_hit(HITId=h, HITTypeId=S["type_b"]), "HITDoesNotExist")
        denied(lambda: b.delete_hit(HITId=h), "HITDoesNotExist")
        denied(lambda: b.create_additional_assignments_for_hit(HITId=h, NumberOfAdditionalAssignments=1), "HITDoesNotExist")
        denied(lambda: b.list_review_policy_results_for_hit(HITId=h), "HITDoesNotExist")
    # B's own HIT cannot move to A's type, nor can B post HITs of A's type.
    for t in ("type_a", "type_aq"):
        denied(lambda: b.update_hit_type_of_hit(HITId=S["h_b"], HITTypeId=S[t]), "HITTypeDoesNotExist")
        denied(lambda: b.create_hit_with_hit_type(HITTypeId=S[t], LifetimeInSeconds=3600, Question=HTML_QUESTION),
               "HITTypeDoesNotExist")
    # Nor use A's layout.
    denied(lambda: b.create_hit(Title="t", Description="d", Reward="0.05", AssignmentDurationInSeconds=600,
                                LifetimeInSeconds=3600, HITLayoutId=S["layout_a"],
                                HITLayoutParameters=[{"Name": "word", "Value": "x"}]), "HITLayoutDoesNotExist")
    # Lists show B's own HITs only.
    mine = paged(b.list_hits, "HITs")
    assert [h["HITId"] for h in mine] == [S["h_b"]], f"B's ListHITs: {[h['HITId'] for h in mine]}"
    no_a_data(mine, "ListHITs", words=False)  # B's own type has A's title on purpose
    for kw in ({}, {"HITTypeId": S["type_a"]}, {"Status": "Reviewing"}, {"HITTypeId": S["type_a"], "Status": "Reviewable"}):
        got = paged(b.list_reviewable_hits, "HITs", **kw)
        assert got == [], f"B's ListReviewableHITs {kw}: {got}"


@check
def assignments():
    b = S["B"]["client"]
    for name in ("h_open", "h_appr", "h_rej"):
        h = S[name]
        denied(lambda: b.list_assignments_for_hit(HITId=h), "HITDoesNotExist")
        denied(lambda: b.list_assignments_for_hit(HITId=h, AssignmentStatuses=["Submitted", "Approved", "Rejected"]),
               "HITDoesNotExist")
        denied(lambda: b.list_bonus_payments(HITId=h), "HITDoesNotExist")
    for name in ("a_sub", "a_appr", "a_rej"):
        aid = S[name]
        denied(lambda: b.get_assignment(AssignmentId=aid), "AssignmentDoesNotExist")
        denied(lambda: b.approve_assignment(AssignmentId=aid, RequesterFeedback="mine now"), "AssignmentDoesNotExist")
        denied(lambda: b.approve_assignment(AssignmentId=aid, OverrideRejection=True), "AssignmentDoesNotExist")
        denied(lambda: b.reject_assignment(AssignmentId=aid, RequesterFeedback="no"), "AssignmentDoesNotExist")
        denied(lambda: b.send_bonus(WorkerId=S["wa"]["id"], AssignmentId=aid, BonusAmount="1.00", Reason="from B"),
               "AssignmentDoesNotExist")
        denied(lambda: b.send_bonus(WorkerId=S["wa"]["id"], AssignmentId=aid, BonusAmount="1.00", Reason="from B",
                                    UniqueRequestToken=f"b-bonus-{aid}"), "AssignmentDoesNotExist")
        denied(lambda: b.list_bonus_payments(AssignmentId=aid), "AssignmentDoesNotExist")
        denied(lambda: b.get_file_upload_url(AssignmentId=aid, QuestionIdentifier="label"), "AssignmentDoesNotExist")


@check
def qualification_types():
    b = S["B"]["client"]
    # On MTurk anyone may read a qualification type (to require it in a HIT);
    # hitd too, but never its AnswerKey.
    seen = b.get_qualification_type(QualificationTypeId=S["q_test"])["QualificationType"]
    assert seen["QualificationTypeId"] == S["q_test"] and seen["Name"] == f"A's tested {RUN}", seen
    assert not seen.get("AnswerKey"), f"B reads A's AnswerKey: {seen.get('AnswerKey')!r}"
    owned = paged(b.list_qualification_types, "QualificationTypes", MustBeRequestable=False, MustBeOwnedByCaller=True)
    assert owned == [], f"B's own qualification types: {owned}"
    listed = paged(b.list_qualification_types, "QualificationTypes", MustBeRequestable=True, Query=RUN)
    assert all(not q.get("AnswerKey") for q in listed), "ListQualificationTypes shows an AnswerKey to B"
    for name in ("q_granted", "q_pending", "q_test"):
        q = S[name]
        denied(lambda: b.update_qualification_type(QualificationTypeId=q, Description="B was here",
                                                   QualificationTypeStatus="Inactive"), "QualificationTypeDoesNotExist")
        denied(lambda: b.update_qualification_type(QualificationTypeId=q, AutoGranted=True, AutoGrantedValue=100),
               "QualificationTypeDoesNotExist")
        denied(lambda: b.delete_qualification_type(QualificationTypeId=q), "QualificationTypeDoesNotExist")
        for w in ("wa", "wb", "wx"):
            wid = S[w]["id"]
            denied(lambda: b.associate_qualification_with_worker(QualificationTypeId=q, WorkerId=wid, IntegerValue=1,
                                                                 SendNotification=True), "QualificationTypeDoesNotExist")
            denied(lambda: b.disassociate_qualification_from_worker(QualificationTypeId=q, WorkerId=wid, Reason="B"),
                   "QualificationTypeDoesNotExist")
            denied(lambda: b.get_qualification_score(QualificationTypeId=q, WorkerId=wid), "QualificationTypeDoesNotExist")
        denied(lambda: b.list_workers_with_qualification_type(QualificationTypeId=q), "QualificationTypeDoesNotExist")
        denied(lambda: b.list_workers_with_qualification_type(QualificationTypeId=q, Status="Granted"),
               "QualificationTypeDoesNotExist")
        denied(lambda: b.list_qualification_requests(QualificationTypeId=q), "QualificationTypeDoesNotExist")
        # ListHITsForQualificationType lists the caller's HITs that require the type: none of A's.
        got = paged(b.list_hits_for_qualification_type, "HITs", QualificationTypeId=q)
        assert got == [], f"B's ListHITsForQualificationType({name}): {got}"


@check
def qualification_requests():
    b = S["B"]["client"]
    pending = paged(b.list_qualification_requests, "QualificationRequests")
    assert pending == [], f"B's ListQualificationRequests: {pending}"
    denied(lambda: b.accept_qualification_request(QualificationRequestId=S["req"], IntegerValue=99),
           "QualificationRequestDoesNotExist")
    denied(lambda: b.reject_qualification_request(QualificationRequestId=S["req"], Reason="B says no"),
           "QualificationRequestDoesNotExist")


@check
def workers():
    b = S["B"]["client"]
    blocks = paged(b.list_worker_blocks, "WorkerBlocks")
    assert blocks == [], f"B's ListWorkerBlocks shows {blocks}"
    # Lifting a block one never made succeeds on MTurk; it lifts nothing of A's.
    b.delete_worker_block(WorkerId=S["wx"]["id"], Reason="B lifts")
    # NotifyWorkers reaches only workers who worked for the caller (MTurk's
    # rule): A's worker is a HardFailure, and gets no message from B.
    inbox = len(S["wa"]["api"].ok("GET", "/messages")["messages"])
    out = b.notify_workers(Subject=f"from B {RUN}", MessageText="hello", WorkerIds=[S["wa"]["id"], S["wx"]["id"]])
    failed = {f["WorkerId"]: f["NotifyWorkersFailureCode"] for f in out["NotifyWorkersFailureStatuses"]}
    assert failed == {S["wa"]["id"]: "HardFailure", S["wx"]["id"]: "HardFailure"}, out["NotifyWorkersFailureStatuses"]
    no_a_data(out["NotifyWorkersFailureStatuses"], "NotifyWorkers")
    msgs = S["wa"]["api"].ok("GET", "/messages")["messages"]
    assert len(msgs) == inbox and not any(m["subject"] == f"from B {RUN}" for m in msgs), f"A's worker got B's message: {msgs}"


@check
def notifications():
    b = S["B"]["client"]
    hook = {"Destination": "http://127.0.0.1:9/hook", "Transport": "Webhook", "Version": "2006-05-05",
            "EventTypes": ["AssignmentSubmitted"]}
    denied(lambda: b.update_notification_settings(HITTypeId=S["type_a"], Notification=hook, Active=True),
           "HITTypeDoesNotExist")
    denied(lambda: b.update_notification_settings(HITTypeId=S["type_a"], Active=False), "HITTypeDoesNotExist")
    # SendTestEventNotification names no HIT type: it only ever sends a test
    # event to the caller's own destination; nothing of A's is in reach.


@check
def balances():
    b_now = S["B"]["client"].get_account_balance()["AvailableBalance"]
    assert b_now == S["b_balance"], f"B's balance moved from {S['b_balance']} to {b_now} though B only failed"


@check
def a_is_unchanged():
    before, = need("before")
    after = snapshot_a()
    diff = {k: (before[k], after.get(k)) for k in before if before[k] != after.get(k)}
    assert not diff, f"A's objects changed: {diff}"
    # A still sees its block, its worker's score and the pending request.
    assert (S["wx"]["id"], f"A's block reason {RUN}") in after["blocks"], after["blocks"]
    assert after["score"] == 42, after["score"]
    assert (S["req"], S["wb"]["id"]) in after["requests"], after["requests"]


@check
def disabled_requester():
    """`hitd requester disable` (another process) shuts B out within the
    server's one-second key cache, as an unknown key; A is unaffected;
    `hitd requester enable` lets B in again."""
    import time
    b, a = S["B"]["client"], S["A"]["client"]

    def b_code():
        try:
            b.get_account_balance()
            return "ok"
        except ClientError as e:
            return e.response["Error"]["Code"]

    def wait_for(want):
        deadline = time.monotonic() + 5
        while (got := b_code()) != want and time.monotonic() < deadline:
            time.sleep(0.1)
        assert got == want, f"B's GetAccountBalance: {got}, want {want}"

    out = run([HITD_BIN, "requester", "disable", "--access-key-id", S["B"]["key"], *store_flags()])
    assert "disabled" in out, out
    try:
        wait_for("UnrecognizedClientException")
        listing = run([HITD_BIN, "requester", "list", *store_flags()])
        row = next((l for l in listing.splitlines() if S["B"]["key"] in l), "")
        assert re.search(r"\byes\b", row), f"`hitd requester list` does not show B disabled: {row!r}"
        assert a.get_account_balance()["AvailableBalance"] == S["before"]["balance"], "A's balance changed"
    finally:
        run([HITD_BIN, "requester", "enable", "--access-key-id", S["B"]["key"], *store_flags()])
    wait_for("ok")


def main():
    print(f"boto3 {boto3.__version__} against {ENDPOINT} (run {RUN})", flush=True)
    ok = run_checks(CHECKS, "isolation")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
