#!/usr/bin/env python3
"""End-to-end test of hitd's notifications: a requester sets a HIT type's
notification settings with boto3 (UpdateNotificationSettings, Transport
"Webhook"), workers made with `hitd worker create` work through the worker
JSON API, and a webhook receiver on 127.0.0.1 (http.server in a thread)
checks every message's X-Hitd-Signature and MTurk's message document.

Every event type is driven: HITCreated, AssignmentAccepted,
AssignmentReturned, AssignmentSubmitted, HITReviewable, AssignmentApproved,
AssignmentRejected (by the requester and by a review policy), HITExtended,
HITExpired (by UpdateExpirationForHIT, and by time: LifetimeInSeconds 30),
AssignmentAbandoned (the HIT type's AssignmentDurationInSeconds is 30, the
minimum, so the suite waits about 31 s once, for both) and HITDisposed. The scheduler delivers from the durable
outbox once a second, so arrivals are polled for. Also: SendTestEventNotification
(a Ping, delivered synchronously, over the webhook and, when HITD_SMTP_ADDR is
set, by e-mail to a small SMTP receiver here), a dead letter
(`hitd outbox list --status Dead`, then `hitd outbox retry`), and — with
"after-restart" — a message queued while its receiver was down that the
restarted server delivers (at least once, from the outbox).

Usage (normally driven by e2e/run.sh):
    test_notify_boto3.py [main]         # the full suite; the last check queues a message for after the restart
    test_notify_boto3.py after-restart  # starts that receiver again and waits for the queued message

Environment:
    HITD_ENDPOINT        http://127.0.0.1:PORT (the Requester API at /, the worker API at /api/worker/v1)
    HITD_BIN             the built hitd binary (`hitd requester create`, `hitd worker create`, `hitd outbox`)
    HITD_DATA_DIR        the running server's data directory (the commands open the same store)
    HITD_WEBHOOK_SECRET  the secret the server signs webhooks with (it was started with it)
    HITD_SMTP_ADDR       127.0.0.1:PORT the server sends Email notifications to (optional: the
                         e-mail check is skipped without it); this suite listens there
    HITD_E2E_NOTIFY_STATE  JSON file handed from "main" to "after-restart"

Only python3, boto3 and the standard library are used. The suite works as a
requester of its own. Each check prints "PASS <name>" or "FAIL <name>: <why>";
the last line is "notify: N passed, M failed" and the exit code is non-zero
on any failure.
"""

import datetime
import email
import email.policy
import hashlib
import hmac
import json
import os
import re
import socketserver
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import botocore.config
from botocore.exceptions import ClientError

import hitde2e
from hitde2e import Skip, WorkerAPI, expect_request_error, run, run_checks, store_flags

ENDPOINT = os.environ["HITD_ENDPOINT"].rstrip("/")
WORKER_API = ENDPOINT + "/api/worker/v1"
HITD_BIN = os.environ.get("HITD_BIN", "hitd")
DATA_DIR = os.environ.get("HITD_DATA_DIR", "")
SECRET = os.environ.get("HITD_WEBHOOK_SECRET", "")
SMTP_ADDR = os.environ.get("HITD_SMTP_ADDR", "")
STATE_FILE = os.environ.get("HITD_E2E_NOTIFY_STATE", "")
REGION = "us-east-1"
RUN = uuid.uuid4().hex[:8]
VERSION = "2006-05-05"
DELIVERY_WAIT = 15.0  # seconds the scheduler gets to deliver a message
RESTART_WAIT = 120.0  # after a restart: the queued message's next attempt is on the retry schedule (5 s, 10 s, 20 s, …)

ASSIGNMENT_EVENTS = ["AssignmentAccepted", "AssignmentAbandoned", "AssignmentReturned", "AssignmentSubmitted",
                     "AssignmentRejected", "AssignmentApproved"]
HIT_EVENTS = ["HITCreated", "HITExpired", "HITReviewable", "HITExtended", "HITDisposed"]
ALL_EVENTS = ASSIGNMENT_EVENTS + HIT_EVENTS  # every type but Ping

DOC_KEYS = ["Events", "EventDocId", "SourceAccount", "CustomerId", "EventDocVersion"]
HIT_EVENT_KEYS = ["EventType", "EventTimestamp", "HITId", "HITTypeId"]
ASSIGNMENT_EVENT_KEYS = ["EventType", "EventTimestamp", "HITId", "AssignmentId", "HITTypeId"]
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

HTML_NS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"
HTML_QUESTION = f"""<HTMLQuestion xmlns="{HTML_NS}"><HTMLContent><![CDATA[<!DOCTYPE html>
<html><body><form name="mturk_form" method="post" action="https://www.mturk.com/mturk/externalSubmit">
<input type="hidden" name="assignmentId" value=""><input name="label"><input type="submit">
</form></body></html>]]></HTMLContent><FrameHeight>300</FrameHeight></HTMLQuestion>"""


# ---------------------------------------------------------------- harness

def requester_client(key, secret, validate=True):
    """No retries: a failure shows at once."""
    return hitde2e.requester_client(key, secret, validate, max_attempts=1)


CHECKS = []
AFTER = []
S = {}  # state handed from check to check


def check(fn):
    CHECKS.append(fn)
    return fn


def after_check(fn):
    AFTER.append(fn)
    return fn


def wait_until(pred, timeout, what, every=0.2):
    """Polls pred() until it returns something truthy; fails after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        got = pred()
        if got:
            return got
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what}: nothing after {timeout:.0f}s")
        time.sleep(every)


# ---------------------------------------------------------------- the webhook receiver

def verify_signature(headers, body):
    """hitd's webhook signature: X-Hitd-Signature is "sha256=" + hex HMAC-SHA256(secret,
    "<X-Hitd-Timestamp>.<raw body>"), possibly several comma-separated; the timestamp is
    Unix seconds within 5 minutes of now. Returns "" when it verifies, else why not."""
    ts = (headers.get("X-Hitd-Timestamp") or "").strip()
    if not re.fullmatch(r"[0-9]+", ts):
        return f"X-Hitd-Timestamp {ts!r} is not Unix seconds"
    if abs(time.time() - int(ts)) > 300:
        return f"X-Hitd-Timestamp {ts} is {time.time() - int(ts):.0f}s away from now"
    sig = headers.get("X-Hitd-Signature") or ""
    if not sig:
        return "no X-Hitd-Signature"
    want = hmac.new(SECRET.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    for v in sig.split(","):
        v = v.strip()
        if v.startswith("sha256=") and hmac.compare_digest(v[len("sha256="):], want):
            return ""
    return f"X-Hitd-Signature {sig!r} does not match the body (want sha256={want})"


class Receiver:
    """A webhook receiver on 127.0.0.1: records every POST. Paths in fail_paths
    answer 400 (after verifying); a bad signature answers 401."""

    def __init__(self, port=0):
        self.lock = threading.Lock()
        self.posts = []  # dicts: path, status, headers, body, doc, problem
        self.fail_paths = set()
        recv = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                problem = verify_signature(self.headers, body)
                doc = None
                if not problem:
                    try:
                        doc = json.loads(body)  # dicts keep the document's key order
                    except ValueError as e:
                        problem = f"body is not JSON: {e}: {body[:200]!r}"
                status = 401 if problem else (400 if self.path in recv.fail_paths else 200)
                with recv.lock:
                    recv.posts.append({"path": self.path, "status": status, "headers": dict(self.headers.items()),
                                       "body": body, "doc": doc, "problem": problem})
                reply = b'{"ok":true}' if status == 200 else b'{"error":"refused by the e2e receiver"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path="/hook"):
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def snapshot(self):
        with self.lock:
            return list(self.posts)

    def events(self, path="/hook"):
        """(event, doc, post) for every event of every accepted (200) message on path."""
        return [(ev, p["doc"], p) for p in self.snapshot() if p["path"] == path and p["status"] == 200
                for ev in p["doc"].get("Events", [])]

    def find(self, event_type, hit_id=None, assignment_id=None, path="/hook"):
        return [(ev, doc, p) for ev, doc, p in self.events(path) if ev.get("EventType") == event_type
                and (hit_id is None or ev.get("HITId") == hit_id)
                and (assignment_id is None or ev.get("AssignmentId") == assignment_id)]

    def wait(self, event_type, hit_id=None, assignment_id=None, timeout=DELIVERY_WAIT, path="/hook"):
        what = f"{event_type} for HIT {hit_id}" + (f", assignment {assignment_id}" if assignment_id else "")
        got = wait_until(lambda: self.find(event_type, hit_id, assignment_id, path), timeout,
                         f"waiting for {what} at {self.url(path)} (received: {self.summary()})")
        return got[0]

    def summary(self):
        return [(p["path"], p["status"], [e.get("EventType") for e in (p["doc"] or {}).get("Events", [])])
                for p in self.snapshot()][-20:]


def check_document(doc, post, event_type, hit_id, assignment_id, hit_type_id):
    """MTurk's message document, key for key and in MTurk's order."""
    assert list(doc) == DOC_KEYS, f"document keys {list(doc)}, want {DOC_KEYS}: {doc}"
    assert doc["EventDocVersion"] == VERSION, doc
    assert doc["CustomerId"] == S["rq_id"], f"CustomerId {doc['CustomerId']!r}, want the requester {S['rq_id']}"
    assert re.fullmatch(r"[A-Za-z0-9]{10,}", doc["EventDocId"] or ""), doc
    # SourceAccount: 12 digits (MTurk's was the requester's AWS account), the same on every message of a requester.
    assert re.fullmatch(r"[0-9]{12}", doc["SourceAccount"] or ""), doc
    assert S.setdefault("source_account", doc["SourceAccount"]) == doc["SourceAccount"], (S["source_account"], doc)
    assert post["headers"].get("X-Hitd-Event-Doc-Id") == doc["EventDocId"], post["headers"]
    assert post["headers"].get("Content-Type", "").startswith("application/json"), post["headers"]
    assert len(doc["Events"]) >= 1, doc
    ev = next(e for e in doc["Events"] if e["EventType"] == event_type)
    want_keys = ASSIGNMENT_EVENT_KEYS if event_type in ASSIGNMENT_EVENTS else HIT_EVENT_KEYS
    assert list(ev) == want_keys, f"{event_type} event keys {list(ev)}, want {want_keys}: {ev}"
    assert ev["HITId"] == hit_id and ev["HITTypeId"] == hit_type_id, ev
    if assignment_id:
        assert ev["AssignmentId"] == assignment_id, ev
    assert TIMESTAMP.match(ev["EventTimestamp"]), f"EventTimestamp {ev['EventTimestamp']!r} is not like 2005-01-31T23:59:59Z"
    ts = datetime.datetime.strptime(ev["EventTimestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    age = (datetime.datetime.now(datetime.timezone.utc) - ts).total_seconds()
    assert -5 < age < 600, f"EventTimestamp {ev['EventTimestamp']} is {age:.0f}s from now"
    # The raw body is compact JSON, as MTurk's was.
    assert b": " not in post["body"] and b", " not in post["body"], post["body"][:200]


def outbox(status):
    """`hitd outbox list --status STATUS` → list of lines (after the header)."""
    out = run([HITD_BIN, "outbox", "list", "--status", status, *store_flags()])
    lines = out.splitlines()
    assert lines and lines[0].split()[:3] == ["ID", "EVENT", "HIT"], f"`hitd outbox list` printed {out!r}"
    return lines[1:]


def notification(dest, events=None, transport="Webhook"):
    return {"Destination": dest, "Transport": transport, "Version": VERSION,
            "EventTypes": list(ALL_EVENTS if events is None else events)}


def create_type(name, duration=30):
    return S["rq"].create_hit_type(Title=f"e2e notify {RUN} {name}", Description="Label the thing", Reward="0.05",
                                   AssignmentDurationInSeconds=duration, Keywords=f"e2e, notify, {RUN}")["HITTypeId"]


def create_hit(type_id, n=1, lifetime=3600):
    return S["rq"].create_hit_with_hit_type(HITTypeId=type_id, MaxAssignments=n, LifetimeInSeconds=lifetime,
                                            Question=HTML_QUESTION)["HIT"]["HITId"]


def new_requester(label):
    out = run([HITD_BIN, "requester", "create", "--name", f"e2e-notify-{label}-{RUN}", *store_flags()])
    f = dict(re.findall(r"^(\w+):\s*(\S+)\s*$", out, re.M))
    assert f.get("AccessKeyId") and f.get("SecretAccessKey") and f.get("RequesterId"), \
        f"`hitd requester create` printed {out!r}"
    return f


# ================================================================ checks

@check
def setup_requester_workers_receiver():
    assert SECRET, "HITD_WEBHOOK_SECRET is not set: the server must be started with it, and this suite verifies with it"
    f = new_requester("main")
    S["rq"] = requester_client(f["AccessKeyId"], f["SecretAccessKey"])
    S["raw"] = requester_client(f["AccessKeyId"], f["SecretAccessKey"], validate=False)
    S["rq_id"], S["rq_key"], S["rq_secret"] = f["RequesterId"], f["AccessKeyId"], f["SecretAccessKey"]
    for who in ("alice", "bob"):
        user, pw = f"ntf-{who}-{RUN}", f"pw-{who}-{RUN}-secret"
        out = run([HITD_BIN, "worker", "create", "--username", user, "--password", pw, *store_flags()])
        ids = re.findall(r"\bA[A-Z0-9]{13}\b", out)
        assert ids, f"`hitd worker create` printed no WorkerId: {out!r}"
        login = WorkerAPI().ok("POST", "/login", {"username": user, "password": pw})
        S[who] = {"id": ids[0], "api": WorkerAPI(login["token"])}
    S["recv"] = Receiver()


@check
def update_notification_settings():
    rq, recv = S["rq"], S["recv"]
    S["type"] = t = create_type("main")  # AssignmentDurationInSeconds 30: the minimum, for AssignmentAbandoned
    rq.update_notification_settings(HITTypeId=t, Notification=notification(recv.url()), Active=True)
    # Changing it again (same destination, Active left as it is) is fine.
    rq.update_notification_settings(HITTypeId=t, Notification=notification(recv.url()))
    # Refusals.
    raw = S["raw"]
    bad = [
        (notification(recv.url(), transport="Carrier"), "InvalidParameterValue", "Transport"),
        (dict(notification(recv.url()), Version="2014-08-15"), "InvalidParameterValue", "Version"),
        (notification(recv.url(), events=["HITCreated", "HITExploded"]), "InvalidParameterValue", "HITExploded"),
        (notification("http://example.com/hook"), "InvalidParameterValue", "http://example.com/hook"),
        (notification("not a url"), "InvalidParameterValue", "not a url"),
        (notification("someone-at-example.com", transport="Email"), "InvalidParameterValue", "someone-at-example.com"),
        (notification("arn:aws:sns:us-east-1:12:short", transport="SNS"), "InvalidParameterValue", "arn:aws:sns"),
    ]
    for spec, code, word in bad:
        try:
            expect_request_error(lambda: raw.update_notification_settings(HITTypeId=t, Notification=spec), code, word)
        except AssertionError as e:
            raise AssertionError(f"Notification {spec}: {e}") from None
    expect_request_error(lambda: raw.update_notification_settings(HITTypeId=t), "MissingParameters")
    expect_request_error(lambda: rq.update_notification_settings(HITTypeId="3NOSUCHTYPE0000000000000000ZZZ",
                                                                 Notification=notification(recv.url())),
                         "HITTypeDoesNotExist")
    other = create_type("unset")
    expect_request_error(lambda: rq.update_notification_settings(HITTypeId=other, Active=True),
                         "InvalidParameterValue", other)
    # Another requester cannot set them on this requester's type.
    root_key, root_secret = os.environ.get("HITD_KEY"), os.environ.get("HITD_SECRET")
    if root_key:
        root = requester_client(root_key, root_secret)
        expect_request_error(lambda: root.update_notification_settings(HITTypeId=t, Notification=notification(recv.url())),
                             "HITTypeDoesNotExist")


@check
def abandonment_and_timed_expiry_start():
    # First, so that the one wait (AssignmentDurationInSeconds = 30, and a
    # LifetimeInSeconds of 30, both the minimum) overlaps the other checks.
    S["hit_abandon"] = h = create_hit(S["type"])
    a = S["alice"]["api"].ok("POST", f"/hits/{h}/accept")
    S["abandon_a"], S["abandon_at"] = a["assignmentId"], time.monotonic()
    # A HIT that expires by time with one of its two slots submitted: expiry makes it reviewable.
    S["hit_timed"] = t = create_hit(S["type"], n=2, lifetime=30)
    S["timed_at"] = time.monotonic()
    b = S["bob"]["api"].ok("POST", f"/hits/{t}/accept")["assignmentId"]
    S["bob"]["api"].ok("POST", f"/assignments/{b}/submit", {"answers": {"label": "in time"}})
    ev, doc, post = S["recv"].wait("HITCreated", h)
    check_document(doc, post, "HITCreated", h, None, S["type"])
    ev, doc, post = S["recv"].wait("AssignmentAccepted", h, a["assignmentId"])
    check_document(doc, post, "AssignmentAccepted", h, a["assignmentId"], S["type"])


@check
def assignment_life_cycle_events():
    rq, recv, t = S["rq"], S["recv"], S["type"]
    alice, bob = S["alice"]["api"], S["bob"]["api"]
    S["hit_work"] = h = create_hit(t, n=2)
    b1 = bob.ok("POST", f"/hits/{h}/accept")["assignmentId"]
    bob.ok("POST", f"/assignments/{b1}/return")
    b2 = bob.ok("POST", f"/hits/{h}/accept")["assignmentId"]
    bob.ok("POST", f"/assignments/{b2}/submit", {"answers": {"label": "bob's"}})
    a1 = alice.ok("POST", f"/hits/{h}/accept")["assignmentId"]
    alice.ok("POST", f"/assignments/{a1}/submit", {"answers": {"label": "alice's"}})  # the last slot: reviewable
    assert rq.get_hit(HITId=h)["HIT"]["HITStatus"] == "Reviewable"
    rq.approve_assignment(AssignmentId=b2, RequesterFeedback="thanks")
    rq.reject_assignment(AssignmentId=a1, RequesterFeedback="no")
    rq.delete_hit(HITId=h)
    for event, a in [("HITCreated", None), ("AssignmentAccepted", b1), ("AssignmentReturned", b1),
                     ("AssignmentAccepted", b2), ("AssignmentSubmitted", b2), ("AssignmentAccepted", a1),
                     ("AssignmentSubmitted", a1), ("HITReviewable", None), ("AssignmentApproved", b2),
                     ("AssignmentRejected", a1), ("HITDisposed", None)]:
        ev, doc, post = recv.wait(event, h, a)
        check_document(doc, post, event, h, a, t)
    # One HITReviewable for the HIT, not one per submission.
    assert len({d["EventDocId"] for _, d, _ in recv.find("HITReviewable", h)}) == 1, recv.find("HITReviewable", h)


@check
def extended_and_expired_events():
    rq, recv, t = S["rq"], S["recv"], S["type"]
    S["hit_expire"] = h = create_hit(t, n=2)
    now = datetime.datetime.now(datetime.timezone.utc)
    rq.update_expiration_for_hit(HITId=h, ExpireAt=now + datetime.timedelta(hours=2))  # later: HITExtended
    rq.create_additional_assignments_for_hit(HITId=h, NumberOfAdditionalAssignments=1)  # HITExtended again
    rq.update_expiration_for_hit(HITId=h, ExpireAt=now - datetime.timedelta(hours=1))  # the past: HITExpired
    assert rq.get_hit(HITId=h)["HIT"]["HITStatus"] == "Reviewable"
    ev, doc, post = recv.wait("HITExpired", h)
    check_document(doc, post, "HITExpired", h, None, t)
    wait_until(lambda: len(recv.find("HITExtended", h)) >= 2, DELIVERY_WAIT,
               f"two HITExtended for {h} (UpdateExpirationForHIT later, CreateAdditionalAssignmentsForHIT)")
    for ev, doc, post in recv.find("HITExtended", h):
        check_document(doc, post, "HITExtended", h, None, t)
    # An expired HIT that nobody worked is not "reviewable" work: no HITReviewable.
    assert not recv.find("HITReviewable", h), recv.find("HITReviewable", h)


@check
def review_policy_actions_send_events():
    # Approvals and rejections made by a review policy are announced like the requester's own.
    rq, recv, t = S["rq"], S["recv"], S["type"]
    policy = {"PolicyName": "ScoreMyKnownAnswers/2011-09-01", "Parameters": [
        {"Key": "AnswerKey", "MapEntries": [{"Key": "label", "Values": ["yes"]}]},
        {"Key": "ApproveIfKnownAnswerScoreIsAtLeast", "Values": ["100"]},
        {"Key": "RejectIfKnownAnswerScoreIsLessThan", "Values": ["100"]}]}
    h = rq.create_hit_with_hit_type(HITTypeId=t, MaxAssignments=2, LifetimeInSeconds=3600, Question=HTML_QUESTION,
                                    AssignmentReviewPolicy=policy)["HIT"]["HITId"]
    got = {}
    for who, answer in (("alice", "yes"), ("bob", "no")):
        api = S[who]["api"]
        a = api.ok("POST", f"/hits/{h}/accept")["assignmentId"]
        api.ok("POST", f"/assignments/{a}/submit", {"answers": {"label": answer}})
        got[who] = a
    for event, a in [("AssignmentSubmitted", got["alice"]), ("AssignmentApproved", got["alice"]),
                     ("AssignmentSubmitted", got["bob"]), ("AssignmentRejected", got["bob"]), ("HITReviewable", None)]:
        ev, doc, post = recv.wait(event, h, a)
        check_document(doc, post, event, h, a, t)


@check
def inactive_settings_send_nothing():
    rq, recv = S["rq"], S["recv"]
    S["type_off"] = t = create_type("inactive")
    rq.update_notification_settings(HITTypeId=t, Notification=notification(recv.url("/off")))
    rq.update_notification_settings(HITTypeId=t, Active=False)
    S["hit_off"] = create_hit(t)
    # Checked at the end (after the abandonment wait): nothing may arrive at /off.


@check
def send_test_event_notification_webhook():
    rq, recv = S["rq"], S["recv"]
    before = len(recv.snapshot())
    rq.send_test_event_notification(Notification=notification(recv.url("/test"), events=["Ping"]), TestEventType="Ping")
    # Synchronous: it is there when the call returns.
    new = [p for p in recv.snapshot()[before:] if p["path"] == "/test"]
    assert len(new) == 1 and new[0]["status"] == 200, f"SendTestEventNotification delivered {new}"
    doc = new[0]["doc"]
    assert list(doc) == DOC_KEYS and doc["CustomerId"] == S["rq_id"] and doc["EventDocVersion"] == VERSION, doc
    assert [e["EventType"] for e in doc["Events"]] == ["Ping"], doc
    assert TIMESTAMP.match(doc["Events"][0]["EventTimestamp"]), doc
    # Any event type may be tested.
    rq.send_test_event_notification(Notification=notification(recv.url("/test"), events=["AssignmentSubmitted"]),
                                    TestEventType="AssignmentSubmitted")
    assert [e["EventType"] for p in recv.snapshot()[before:] if p["path"] == "/test"
            for e in p["doc"]["Events"]] == ["Ping", "AssignmentSubmitted"]
    # A receiver that refuses: a RequestError, not a success.
    recv.fail_paths.add("/refuse")
    expect_request_error(lambda: rq.send_test_event_notification(
        Notification=notification(recv.url("/refuse"), events=["Ping"]), TestEventType="Ping"), "InvalidParameterValue", "400")
    assert [p["status"] for p in recv.snapshot()[before:] if p["path"] == "/refuse"] == [400]
    # Nobody listening: a RequestError too.
    dead = Receiver()
    dead.stop()
    expect_request_error(lambda: rq.send_test_event_notification(
        Notification=notification(dead.url(), events=["Ping"]), TestEventType="Ping"), "InvalidParameterValue")
    expect_request_error(lambda: S["raw"].send_test_event_notification(
        Notification=notification(recv.url("/test"), events=["Ping"]), TestEventType="Boom"), "InvalidParameterValue", "Boom")


class SMTPReceiver(socketserver.ThreadingTCPServer):
    """Just enough SMTP (no extensions, no TLS, no AUTH) to take one message at a time."""
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, addr):
        self.messages = []
        super().__init__(addr, SMTPHandler)


class SMTPHandler(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self):
        self.reply("220 e2e.localhost ESMTP test receiver")
        mail_from, rcpts = None, []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode("utf-8", "replace").strip()
            verb = cmd.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 e2e.localhost")
            elif verb == "MAIL":
                mail_from, rcpts = cmd[len("MAIL FROM:"):].strip(), []
                self.reply("250 OK")
            elif verb == "RCPT":
                rcpts.append(cmd[len("RCPT TO:"):].strip())
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = []
                while True:
                    l = self.rfile.readline()
                    if not l or l in (b".\r\n", b".\n"):
                        break
                    data.append(l[1:] if l.startswith(b"..") else l)
                self.server.messages.append({"from": mail_from, "to": rcpts, "data": b"".join(data)})
                self.reply("250 OK queued")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            else:
                self.reply("502 Command not implemented")


@check
def send_test_event_notification_email():
    if not SMTP_ADDR:
        raise Skip("HITD_SMTP_ADDR is not set (the server has no SMTP server for Email notifications)")
    host, port = SMTP_ADDR.rsplit(":", 1)
    smtp = SMTPReceiver((host, int(port)))
    threading.Thread(target=smtp.serve_forever, daemon=True).start()
    try:
        to = f"e2e-{RUN}@example.com"
        S["rq"].send_test_event_notification(Notification=notification(to, events=["Ping"], transport="Email"),
                                             TestEventType="Ping")
        assert len(smtp.messages) == 1, f"the SMTP receiver got {len(smtp.messages)} messages"
        m = smtp.messages[0]
        assert m["to"] == [f"<{to}>"], m["to"]
        msg = email.message_from_bytes(m["data"], policy=email.policy.default)
        assert msg["Subject"] == "Your Event Notification: Ping", msg["Subject"]
        assert msg["To"] == to, msg["To"]
        doc = json.loads(msg.get_content())
        assert list(doc) == DOC_KEYS and [e["EventType"] for e in doc["Events"]] == ["Ping"], doc
        assert doc["CustomerId"] == S["rq_id"] and msg["X-Hitd-Event-Doc-Id"] == doc["EventDocId"], (doc, dict(msg))
    finally:
        smtp.shutdown()
        smtp.server_close()


@check
def dead_letter_and_retry():
    rq, recv = S["rq"], S["recv"]
    recv.fail_paths.add("/flaky")  # a 400: permanent, dead-lettered at once
    S["type_dead"] = t = create_type("dead")
    rq.update_notification_settings(HITTypeId=t, Notification=notification(recv.url("/flaky"), events=["HITCreated"]))
    h = create_hit(t)
    line = wait_until(lambda: next((l for l in outbox("Dead") if h in l), None), DELIVERY_WAIT,
                      f"`hitd outbox list --status Dead` listing the HITCreated of {h}")
    assert "HITCreated" in line and "Webhook" in line and recv.url("/flaky") in line and "400" in line, line
    item = line.split()[0]
    refused = [p for p in recv.snapshot() if p["path"] == "/flaky"]
    assert len(refused) == 1 and refused[0]["status"] == 400, f"a 400 is not retried: {refused}"
    assert refused[0]["doc"]["EventDocId"] == item, (refused[0]["doc"], line)
    assert not any(h in l for l in outbox("Pending")), "a dead letter is still pending"
    # The receiver is fixed; the operator retries the dead letter.
    recv.fail_paths.discard("/flaky")
    out = run([HITD_BIN, "outbox", "retry", item, *store_flags()])
    assert item in out, out
    ev, doc, post = recv.wait("HITCreated", h, path="/flaky")
    check_document(doc, post, "HITCreated", h, None, t)
    assert doc["EventDocId"] == item, "a retried message must keep its EventDocId (receivers dedupe on it)"
    wait_until(lambda: not any(h in l for l in outbox("Dead")), DELIVERY_WAIT, "the retried item leaving the dead letters")
    bad = subprocess.run([HITD_BIN, "outbox", "retry", "NOSUCHITEM", *store_flags()], capture_output=True, text=True)
    assert bad.returncode != 0, f"`hitd outbox retry NOSUCHITEM` succeeded: {bad.stdout}"


@check
def abandonment_event():
    # The one wait of the suite: AssignmentDurationInSeconds is 30 (the minimum).
    left = S["abandon_at"] + 30 - time.monotonic()
    h, a = S["hit_abandon"], S["abandon_a"]
    ev, doc, post = S["recv"].wait("AssignmentAbandoned", h, a, timeout=max(left, 0) + DELIVERY_WAIT)
    check_document(doc, post, "AssignmentAbandoned", h, a, S["type"])
    assert time.monotonic() - S["abandon_at"] >= 29, "abandoned before AssignmentDurationInSeconds passed"
    h_now = S["rq"].get_hit(HITId=h)["HIT"]
    assert h_now["NumberOfAssignmentsAvailable"] == 1 and h_now["NumberOfAssignmentsPending"] == 0, h_now


@check
def timed_expiry_events():
    # The HIT with LifetimeInSeconds 30 expired meanwhile: the scheduler notes it.
    recv, h = S["recv"], S["hit_timed"]
    left = S["timed_at"] + 30 - time.monotonic()
    ev, doc, post = recv.wait("HITExpired", h, timeout=max(left, 0) + DELIVERY_WAIT)
    check_document(doc, post, "HITExpired", h, None, S["type"])
    ev, doc, post = recv.wait("HITReviewable", h)
    check_document(doc, post, "HITReviewable", h, None, S["type"])
    assert S["rq"].get_hit(HITId=h)["HIT"]["HITStatus"] == "Reviewable"
    # Once per expiry, however many scheduler passes.
    assert len({d["EventDocId"] for _, d, _ in recv.find("HITExpired", h)}) == 1, recv.find("HITExpired", h)
    assert len({d["EventDocId"] for _, d, _ in recv.find("HITReviewable", h)}) == 1, recv.find("HITReviewable", h)


@check
def every_event_type_arrived():
    recv = S["recv"]
    seen = {ev["EventType"] for ev, _, _ in recv.events()}
    missing = [e for e in ALL_EVENTS if e not in seen]
    assert not missing, f"never delivered: {missing} (seen {sorted(seen)})"
    assert "Ping" not in seen, "a Ping reached the HIT type's destination"
    bad = [(p["path"], p["problem"]) for p in recv.snapshot() if p["problem"]]
    assert not bad, f"messages whose signature did not verify: {bad}"
    # Redeliveries (at least once) repeat a document whole; different documents have different IDs.
    by_id = {}
    for p in recv.snapshot():
        if p["doc"]:
            by_id.setdefault(p["doc"]["EventDocId"], set()).add(p["body"])
    assert all(len(bodies) == 1 for bodies in by_id.values()), "one EventDocId with different bodies"
    # Nothing for the inactive type's HIT, nothing at its destination.
    assert not [p for p in recv.snapshot() if p["path"] == "/off"], "inactive settings delivered messages"
    assert not any(S["hit_off"] in l for l in outbox("Pending") + outbox("Dead")), "inactive settings queued messages"


@check
def queue_across_restart():
    # A receiver that is down: the message waits in the outbox (a refused connection is retried).
    r = Receiver()
    port = r.port
    r.stop()
    rq = S["rq"]
    t = create_type("restart")
    rq.update_notification_settings(HITTypeId=t, Notification=notification(f"http://127.0.0.1:{port}/hook",
                                                                            events=["HITCreated"]))
    h = create_hit(t)
    # Columns: ID EVENT HIT TRANSPORT DESTINATION ATTEMPTS CREATED LAST ERROR.
    line = wait_until(lambda: next((l for l in outbox("Pending") if l.split()[2] == h and int(l.split()[5]) >= 1), None),
                      DELIVERY_WAIT, f"a failed attempt at the HITCreated of {h} (`hitd outbox list --status Pending`)")
    assert "HITCreated" in line, line
    S["restart"] = {"port": port, "hit": h, "type": t, "item": line.split()[0]}
    print(f"     (queued {S['restart']['item']} for 127.0.0.1:{port}, which is down: {line.split(None, 7)[-1]})")
    S["recv"].stop()


def save_state():
    state = {k: S[k] for k in ("rq_id", "rq_key", "rq_secret", "restart") if k in S}
    with open(STATE_FILE, "w") as f:
        json.dump(state, f, indent=1)


def load_state():
    with open(STATE_FILE) as f:
        S.update(json.load(f))
    S["rq"] = requester_client(S["rq_key"], S["rq_secret"])


@after_check
def restart_queued_message_delivered():
    assert "restart" in S, "the main part queued no message for after the restart"
    st = S["restart"]
    recv = Receiver(st["port"])
    try:
        ev, doc, post = recv.wait("HITCreated", st["hit"], timeout=RESTART_WAIT)
        check_document(doc, post, "HITCreated", st["hit"], None, st["type"])
        assert doc["EventDocId"] == st["item"], (doc, st)
        assert not [p for p in recv.snapshot() if p["problem"]], recv.snapshot()
        wait_until(lambda: any(st["hit"] in l for l in outbox("Delivered")), DELIVERY_WAIT,
                   f"`hitd outbox list --status Delivered` listing {st['item']}")
        assert not any(st["hit"] in l for l in outbox("Pending")), "delivered, but still pending"
    finally:
        recv.stop()


@after_check
def restart_settings_kept():
    # The settings survived: a new HIT of that type is announced too.
    st = S["restart"]
    recv = Receiver(st["port"])
    try:
        h = create_hit(st["type"])
        ev, doc, post = recv.wait("HITCreated", h)
        check_document(doc, post, "HITCreated", h, None, st["type"])
    finally:
        recv.stop()


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "main"
    print(f"boto3 {boto3.__version__} against {ENDPOINT}; worker API at {WORKER_API} ({mode})", flush=True)
    if mode == "main":
        ok = run_checks(CHECKS, "notify")
        if STATE_FILE:
            save_state()
    elif mode == "after-restart":
        load_state()
        ok = run_checks(AFTER, "notify after restart")
    else:
        sys.exit(f"unknown mode {mode!r}: want main or after-restart")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
