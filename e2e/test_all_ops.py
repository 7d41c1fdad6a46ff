#!/usr/bin/env python3
"""Every operation of the MTurk Requester API 2017-01-17, as boto3 knows it,
against hitd.

Loads the mturk service model bundled with boto3's botocore
(botocore.session.get_session().get_service_model('mturk')) and calls the
boto3 client method of EVERY operation in it with minimal parameters: real
IDs where they are cheap (this suite makes its own requester, worker, HIT
types, HITs, assignments, qualification types and qualification requests
first), syntactically valid unknown IDs otherwise. An operation passes when
it answers successfully, or with a RequestError whose TurkErrorCode is not
AWS.MechanicalTurk.OperationNotImplemented (nor an unknown-operation error).
A ServiceFault, an authentication error or anything else fails it. Then the
same operations once more over the REST edge (POST /v1/<kebab-case>, HTTP
Basic auth, an empty JSON object), where only "not implemented / unknown
operation" fails.

Prints one line per operation and "N of N operations implemented".

Usage (normally driven by e2e/run.sh):
    test_all_ops.py

Environment:
    HITD_ENDPOINT    http://127.0.0.1:PORT
    HITD_BIN         the built hitd binary (`hitd requester create`, `hitd worker create`)
    HITD_DATA_DIR    the running server's data directory

Only python3, boto3 and the standard library are used.
"""

import base64
import datetime
import json
import os
import re
import sys
import threading
import time
import traceback
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import botocore.config
import botocore.session
from botocore import xform_name
from botocore.exceptions import ClientError

from hitde2e import WorkerAPI, run, store_flags

ENDPOINT = os.environ["HITD_ENDPOINT"].rstrip("/")
WORKER_API = ENDPOINT + "/api/worker/v1"
HITD_BIN = os.environ.get("HITD_BIN", "hitd")
DATA_DIR = os.environ.get("HITD_DATA_DIR", "")
REGION = "us-east-1"
RUN = uuid.uuid4().hex[:8]
NOT_IMPLEMENTED = {"AWS.MechanicalTurk.OperationNotImplemented", "AWS.MechanicalTurk.UnknownOperation"}
UNKNOWN_OPERATION_TYPES = {"UnknownOperationException", "UnknownOperation", "InvalidAction"}

# Syntactically valid IDs that exist nowhere.
NO_HIT = "3NOSUCHHIT00000000000000000ZZZ"
NO_WORKER = "ANOSUCHWORKER0"

HTML_NS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"
HTML_QUESTION = (f'<HTMLQuestion xmlns="{HTML_NS}"><HTMLContent><![CDATA[<form name="mturk_form">'
                 '<input name="label"></form>]]></HTMLContent><FrameHeight>200</FrameHeight></HTMLQuestion>')


class Sink:
    """A webhook receiver on 127.0.0.1 that answers 200 to everything (for the notification operations)."""

    def __init__(self):
        class H(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


# ---------------------------------------------------------------- fixtures

S = {}


def setup():
    """A requester, a worker and the things the operations name. Returns the boto3 client."""
    out = run([HITD_BIN, "requester", "create", "--name", f"e2e-allops-{RUN}", *store_flags()])
    f = dict(re.findall(r"^(\w+):\s*(\S+)\s*$", out, re.M))
    assert f.get("AccessKeyId") and f.get("SecretAccessKey"), f"`hitd requester create` printed {out!r}"
    S["key"], S["secret"] = f["AccessKeyId"], f["SecretAccessKey"]
    c = boto3.session.Session().client("mturk", endpoint_url=ENDPOINT, region_name=REGION,
                                       aws_access_key_id=S["key"], aws_secret_access_key=S["secret"],
                                       config=botocore.config.Config(retries={"max_attempts": 1}))
    user, pw = f"allops-{RUN}", f"pw-allops-{RUN}-secret"
    out = run([HITD_BIN, "worker", "create", "--username", user, "--password", pw, *store_flags()])
    ids = re.findall(r"\bA[A-Z0-9]{13}\b", out)
    assert ids, f"`hitd worker create` printed no WorkerId: {out!r}"
    S["worker"] = ids[0]
    w = WorkerAPI(WorkerAPI().ok("POST", "/login", {"username": user, "password": pw})["token"])

    S["type"] = c.create_hit_type(Title=f"e2e all ops {RUN}", Description="d", Reward="0.05",
                                  AssignmentDurationInSeconds=600)["HITTypeId"]
    S["type2"] = c.create_hit_type(Title=f"e2e all ops {RUN} other", Description="d", Reward="0.07",
                                   AssignmentDurationInSeconds=600)["HITTypeId"]

    def hit(n=1):
        return c.create_hit_with_hit_type(HITTypeId=S["type"], MaxAssignments=n, LifetimeInSeconds=3600,
                                          Question=HTML_QUESTION)["HIT"]["HITId"]

    def worked(h):
        a = w.ok("POST", f"/hits/{h}/accept")["assignmentId"]
        w.ok("POST", f"/assignments/{a}/submit", {"answers": {"label": "x"}})
        return a

    S["hit"] = hit(2)
    S["hit_approve"] = hit()
    S["a_approve"] = worked(S["hit_approve"])  # the HIT is then Reviewable (UpdateHITReviewStatus)
    S["hit_reject"] = hit()
    S["a_reject"] = worked(S["hit_reject"])
    S["hit_delete"] = hit()
    c.update_expiration_for_hit(HITId=S["hit_delete"], ExpireAt=datetime.datetime(2015, 1, 1))  # Reviewable, empty

    def qtype(name, **kw):
        return c.create_qualification_type(Name=f"e2e all ops {RUN} {name}", Description="d",
                                           QualificationTypeStatus="Active", **kw)["QualificationType"]["QualificationTypeId"]

    S["qual"] = qtype("main")
    S["qual_dis"] = qtype("revoke")
    c.associate_qualification_with_worker(QualificationTypeId=S["qual_dis"], WorkerId=S["worker"], IntegerValue=5,
                                          SendNotification=False)
    S["qual_delete"] = qtype("delete")
    S["req_accept"] = w.ok("POST", f"/qualifications/{qtype('accept')}/request")["requestId"]
    S["req_reject"] = w.ok("POST", f"/qualifications/{qtype('reject')}/request")["requestId"]
    S["sink"] = Sink()
    return c


def params():
    """Minimal parameters of every operation, by name (called after setup)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    hook = {"Destination": S["sink"].url, "Transport": "Webhook", "Version": "2006-05-05", "EventTypes": ["HITCreated"]}
    return {
        "AcceptQualificationRequest": dict(QualificationRequestId=S["req_accept"], IntegerValue=3),
        "ApproveAssignment": dict(AssignmentId=S["a_approve"]),
        "AssociateQualificationWithWorker": dict(QualificationTypeId=S["qual"], WorkerId=S["worker"], IntegerValue=7),
        "CreateAdditionalAssignmentsForHIT": dict(HITId=S["hit"], NumberOfAdditionalAssignments=1),
        "CreateHIT": dict(LifetimeInSeconds=3600, AssignmentDurationInSeconds=600, Reward="0.05",
                          Title=f"e2e all ops {RUN} CreateHIT", Description="d", Question=HTML_QUESTION),
        "CreateHITType": dict(AssignmentDurationInSeconds=600, Reward="0.05", Title=f"e2e all ops {RUN} type",
                              Description="d"),
        "CreateHITWithHITType": dict(HITTypeId=S["type"], LifetimeInSeconds=3600, Question=HTML_QUESTION),
        "CreateQualificationType": dict(Name=f"e2e all ops {RUN} created", Description="d",
                                        QualificationTypeStatus="Active"),
        "CreateWorkerBlock": dict(WorkerId=S["worker"], Reason="e2e"),
        "DeleteHIT": dict(HITId=S["hit_delete"]),
        "DeleteQualificationType": dict(QualificationTypeId=S["qual_delete"]),
        "DeleteWorkerBlock": dict(WorkerId=S["worker"], Reason="e2e done"),
        "DisassociateQualificationFromWorker": dict(WorkerId=S["worker"], QualificationTypeId=S["qual_dis"], Reason="e2e"),
        "GetAccountBalance": dict(),
        "GetAssignment": dict(AssignmentId=S["a_approve"]),
        # hitd accepts no file uploads: a RequestError (not OperationNotImplemented) is the answer.
        "GetFileUploadURL": dict(AssignmentId=S["a_approve"], QuestionIdentifier="label"),
        "GetHIT": dict(HITId=S["hit"]),
        "GetQualificationScore": dict(QualificationTypeId=S["qual"], WorkerId=S["worker"]),
        "GetQualificationType": dict(QualificationTypeId=S["qual"]),
        "ListAssignmentsForHIT": dict(HITId=S["hit_approve"]),
        "ListBonusPayments": dict(HITId=S["hit_approve"]),
        "ListHITs": dict(),
        "ListHITsForQualificationType": dict(QualificationTypeId=S["qual"]),
        "ListQualificationRequests": dict(),
        "ListQualificationTypes": dict(MustBeRequestable=False, MustBeOwnedByCaller=True),
        "ListReviewPolicyResultsForHIT": dict(HITId=S["hit"]),
        "ListReviewableHITs": dict(),
        "ListWorkerBlocks": dict(),
        "ListWorkersWithQualificationType": dict(QualificationTypeId=S["qual"]),
        "NotifyWorkers": dict(Subject="e2e", MessageText="hello", WorkerIds=[S["worker"], NO_WORKER]),
        "RejectAssignment": dict(AssignmentId=S["a_reject"], RequesterFeedback="e2e"),
        "RejectQualificationRequest": dict(QualificationRequestId=S["req_reject"], Reason="e2e"),
        "SendBonus": dict(WorkerId=S["worker"], BonusAmount="0.01", AssignmentId=S["a_approve"], Reason="e2e"),
        "SendTestEventNotification": dict(Notification=dict(hook, EventTypes=["Ping"]), TestEventType="Ping"),
        "UpdateExpirationForHIT": dict(HITId=S["hit"], ExpireAt=now + datetime.timedelta(hours=2)),
        "UpdateHITReviewStatus": dict(HITId=S["hit_approve"], Revert=False),
        "UpdateHITTypeOfHIT": dict(HITId=S["hit"], HITTypeId=S["type2"]),
        "UpdateNotificationSettings": dict(HITTypeId=S["type"], Notification=hook, Active=False),
        "UpdateQualificationType": dict(QualificationTypeId=S["qual"], Description="changed"),
    }


def generic_params(model, op):
    """For an operation this file has no row for (a newer botocore): its required members, made up."""
    def value(name, shape):
        t = shape.type_name
        if t == "structure":
            return {m: value(m, shape.members[m]) for m in shape.required_members}
        if t == "list":
            return [value(name, shape.member)]
        if t == "map":
            return {}
        if t in ("integer", "long"):
            return int(shape.metadata.get("min", 1))
        if t == "boolean":
            return False
        if t == "timestamp":
            return datetime.datetime.now(datetime.timezone.utc)
        if shape.enum:
            return shape.enum[0]
        if name.endswith("HITId"):
            return NO_HIT
        if name.endswith("WorkerId"):
            return NO_WORKER
        if name.endswith("Id"):
            return "3NOSUCHID000000000000000000ZZZ"
        return "e2e"
    shape = model.operation_model(op).input_shape
    return {m: value(m, shape.members[m]) for m in shape.required_members} if shape else {}


def kebab(name):
    """hitd's REST path of an operation: CreateHITWithHITType → create-hit-with-hit-type."""
    for a, b in (("HITs", "Hits"), ("HIT", "Hit"), ("URL", "Url")):
        name = name.replace(a, b)
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def rest_call(op):
    """POST /v1/<kebab> with {} and HTTP Basic auth → (status, body)."""
    auth = base64.b64encode(f"{S['key']}:{S['secret']}".encode()).decode()
    req = urllib.request.Request(f"{ENDPOINT}/v1/{kebab(op)}", data=b"{}", method="POST",
                                 headers={"Content-Type": "application/json", "Authorization": "Basic " + auth})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        text = e.read()
        try:
            return e.code, json.loads(text)
        except ValueError:
            return e.code, {"raw": text.decode(errors="replace")}


def main():
    model = botocore.session.get_session().get_service_model("mturk")
    ops = model.operation_names
    print(f"boto3 {boto3.__version__}, botocore {botocore.__version__}: mturk {model.api_version}, "
          f"{len(ops)} operations; against {ENDPOINT}", flush=True)
    assert model.api_version == "2017-01-17", model.api_version
    try:
        c = setup()
    except Exception as e:
        traceback.print_exc()
        print(f"FAIL setup: {type(e).__name__}: {e}")
        print(f"0 of {len(ops)} operations implemented")
        sys.exit(1)
    table = params()
    extra = sorted(set(table) - set(ops))
    if extra:
        print(f"note: not in this botocore's model (skipped): {', '.join(extra)}")
    implemented, failures = 0, []
    try:
        for op in ops:
            kw = table.get(op)
            how = ""
            if kw is None:
                kw, how = generic_params(model, op), " (made-up parameters)"
            method = getattr(c, xform_name(op))
            start = time.monotonic()
            try:
                method(**kw)
                ok, detail = True, "success"
            except ClientError as e:
                err = e.response.get("Error", {})
                code, turk = err.get("Code"), e.response.get("TurkErrorCode") or ""
                msg = err.get("Message", "")
                if code == "RequestError" and turk and turk not in NOT_IMPLEMENTED:
                    ok, detail = True, f"RequestError {turk.removeprefix('AWS.MechanicalTurk.')}: {msg[:90]}"
                else:
                    ok, detail = False, f"{code} {turk}: {msg[:160]}"
            except Exception as e:  # e.g. botocore's own parameter validation
                ok, detail = False, f"{type(e).__name__}: {e}"
            ms = (time.monotonic() - start) * 1000
            print(f"{'ok  ' if ok else 'FAIL'} {op:<36} {detail}{how} ({ms:.0f} ms)", flush=True)
            if ok:
                implemented += 1
            else:
                failures.append(op)

        # The REST edge: every operation has its path; none is unknown or unimplemented.
        rest_bad = []
        for op in ops:
            status, body = rest_call(op)
            typ, turk = body.get("__type", ""), body.get("TurkErrorCode", "")
            if typ in UNKNOWN_OPERATION_TYPES or turk in NOT_IMPLEMENTED or status >= 500 or status in (401, 403):
                rest_bad.append(f"{op} (POST /v1/{kebab(op)}): HTTP {status} {typ} {turk} {body.get('Message', '')[:120]}")
        if rest_bad:
            print("REST edge, with {}:")
            for line in rest_bad:
                print(f"FAIL {line}")
        else:
            print(f"ok   REST edge: all {len(ops)} operations answer at /v1/<kebab-case> (HTTP Basic, empty input)")
    finally:
        S["sink"].stop()

    print(f"{implemented} of {len(ops)} operations implemented", flush=True)
    if failures:
        print(f"not implemented or failing: {', '.join(failures)}")
    sys.exit(0 if not failures and not rest_bad else 1)


if __name__ == "__main__":
    main()
