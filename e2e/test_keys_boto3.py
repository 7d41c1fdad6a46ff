#!/usr/bin/env python3
"""End-to-end test of the admin commands of issue 13 with boto3: key
rotation with a grace period, balance adjustments with a reason, and
disabled workers.

It starts a server of its own with `hitd serve --test-mode` (loopback only)
on a fresh data directory, so that POST /_test/clock/advance can move the
server's clock past a grace period instead of the suite waiting for it; the
admin commands open the same data directory while the server runs.

  - `hitd requester rotate-key --grace 1h` prints a new key; boto3 signs
    with the old key and with the new one, and both see one requester (its
    balance, its HITs); HTTP Basic on the REST edge takes the old key too.
  - With the clock 100 s before the end of the grace the old key still
    works; moved past the end, boto3 gets UnrecognizedClientException, the
    same refusal as an unknown key, while the new key goes on working.
  - `rotate-key --grace 0` refuses a key at once (the server's remembered
    lookup lasts at most a second of its clock, which the suite moves on).
  - `hitd requester adjust-balance --reason` moves money both ways;
    GetAccountBalance agrees, the ledger CSV of the requester console
    carries the reason, and a change below zero is refused.
  - `hitd worker disable` shuts a worker out of the worker API (token and
    sign-in), `hitd worker list` shows it, `enable` lets them back.

Usage (normally driven by e2e/run.sh):
    test_keys_boto3.py

Environment:
    HITD_BIN    the built hitd binary
    PYTHON's boto3; nothing else from a running e2e server is used.

Each check prints "PASS <name>" or "FAIL <name>: <why>"; the last line is
"keys: N passed, M failed" and the exit code is non-zero on any failure.
"""

import csv
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from base64 import b64encode

HITD_BIN = os.environ.get("HITD_BIN", "hitd")
RUN = uuid.uuid4().hex[:8]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


ENDPOINT = f"http://127.0.0.1:{free_port()}"
os.environ["HITD_ENDPOINT"] = ENDPOINT  # hitde2e's clients and worker API point at this suite's server
DATA = tempfile.mkdtemp(prefix="hitd-e2e-keys.")
os.environ["HITD_DATA_DIR"] = DATA

from hitde2e import WorkerAPI, requester_client, run, run_checks  # noqa: E402 (after the environment is set)

HTML_NS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"
HTML_QUESTION = (f'<HTMLQuestion xmlns="{HTML_NS}"><HTMLContent><![CDATA[<!DOCTYPE html><html><body>'
                 '<form><input name="a"></form></body></html>]]></HTMLContent><FrameHeight>300</FrameHeight></HTMLQuestion>')

S = {}


def hitd(*args):
    """Runs an admin command on this suite's data directory; its stdout."""
    return run([HITD_BIN, *args, "--data-dir", DATA])


def hitd_fails(*args):
    """Runs an admin command that must fail; its stderr."""
    out = subprocess.run([HITD_BIN, *args, "--data-dir", DATA], capture_output=True, text=True, timeout=60)
    assert out.returncode != 0, f"`hitd {' '.join(args[:3])}` succeeded: {out.stdout}"
    return out.stderr


def field(out, name):
    m = re.search(rf"^{re.escape(name)}:\s*(\S+)", out, re.M)
    assert m, f"no {name} in:\n{out}"
    return m.group(1)


def post_json(path, body):
    req = urllib.request.Request(ENDPOINT + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read().decode() or "null")


def advance(seconds):
    """Moves the test server's clock forward (and applies what became due)."""
    post_json("/_test/clock/advance", {"seconds": seconds})


def basic_status(key, secret):
    """GetAccountBalance on the REST edge with HTTP Basic; the HTTP status."""
    req = urllib.request.Request(ENDPOINT + "/v1/get-account-balance", data=b"{}", method="POST", headers={
        "Content-Type": "application/json",
        "Authorization": "Basic " + b64encode(f"{key}:{secret}".encode()).decode()})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def refusal(client):
    """The error code and message a call gets, or None when it succeeds."""
    from botocore.exceptions import ClientError
    try:
        client.get_account_balance()
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"].get("Message", "")
    return None


def start_server():
    env = {k: v for k, v in os.environ.items() if not k.startswith("HITD_")}  # nothing of the main e2e server
    S["log"] = open(os.path.join(DATA, "server.log"), "ab")
    S["server"] = subprocess.Popen([HITD_BIN, "serve", "--test-mode", "--listen", ENDPOINT[len("http://"):],
                                    "--data-dir", DATA, "--scheduler-interval", "1s"],
                                   stdout=S["log"], stderr=S["log"], env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(ENDPOINT + "/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        assert S["server"].poll() is None, "the test-mode server exited during start-up"
        time.sleep(0.1)
    raise AssertionError("the test-mode server did not answer /healthz within 30 s")


def stop_server():
    p = S.get("server")
    if p and p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


# ---- checks ----

def setup():
    """A requester made with `hitd requester create`, and a HIT it posts with boto3."""
    out = hitd("requester", "create", "--name", f"e2e-keys-{RUN}")
    S["key"], S["secret"] = field(out, "AccessKeyId"), field(out, "SecretAccessKey")
    old = requester_client(S["key"], S["secret"], max_attempts=1)
    S["balance"] = old.get_account_balance()["AvailableBalance"]
    hit = old.create_hit(Title=f"keys {RUN}", Description="d", Reward="0.10", MaxAssignments=1,
                         LifetimeInSeconds=86400, AssignmentDurationInSeconds=600, Question=HTML_QUESTION)
    S["hit"] = hit["HIT"]["HITId"]
    S["balance"] = old.get_account_balance()["AvailableBalance"]


def rotate_with_grace():
    """rotate-key --grace 1h prints a new key once; old and new keys both work (boto3 and HTTP Basic) as one requester."""
    out = hitd("requester", "rotate-key", "--access-key-id", S["key"], "--grace", "1h")
    S["new_key"], S["new_secret"] = field(out, "AccessKeyId"), field(out, "SecretAccessKey")
    assert field(out, "OldAccessKeyId") == S["key"], out
    assert S["new_key"] != S["key"] and S["new_secret"] != S["secret"], out
    old = requester_client(S["key"], S["secret"], max_attempts=1)
    new = requester_client(S["new_key"], S["new_secret"], max_attempts=1)
    for name, c in (("old", old), ("new", new)):
        bal = c.get_account_balance()["AvailableBalance"]
        assert bal == S["balance"], f"{name} key sees balance {bal}, want {S['balance']}"
        hits = [h["HITId"] for h in c.list_hits()["HITs"]]
        assert S["hit"] in hits, f"{name} key does not see the HIT made with the old key: {hits}"
    assert basic_status(S["key"], S["secret"]) == 200, "HTTP Basic with the old key"
    assert basic_status(S["key"], S["new_secret"]) == 403, "the old key id with the new secret was taken"
    listing = hitd("requester", "list")
    row = next((l for l in listing.splitlines() if S["new_key"] in l), "")
    assert re.search(re.escape(S["key"]) + r" until \d{4}-", row), f"`hitd requester list` does not show the old key's expiry: {row!r}"
    keys = hitd("requester", "keys", "--access-key-id", S["key"])
    assert re.search(rf"^{S['new_key']}\s+current", keys, re.M) and re.search(rf"^{S['key']}\s+valid for", keys, re.M), keys


def old_key_until_the_end():
    """With the server's clock 100 s before the end of the grace, the old key still works."""
    advance(3600 - 100)
    assert refusal(requester_client(S["key"], S["secret"], max_attempts=1)) is None, "the old key was refused within its grace"


def old_key_after_the_end():
    """Past the end of the grace the old key is refused as an unknown key is; the new key goes on."""
    advance(200)
    got = refusal(requester_client(S["key"], S["secret"], max_attempts=1))
    unknown = refusal(requester_client("HITDNOSUCHKEY" + RUN.upper(), "whatever", max_attempts=1))
    assert got is not None, "the old key still works after its grace"
    assert got[0] == "UnrecognizedClientException" and got == unknown, f"old key: {got}; unknown key: {unknown}"
    assert basic_status(S["key"], S["secret"]) == 403, "HTTP Basic still takes the old key"
    new = requester_client(S["new_key"], S["new_secret"], max_attempts=1)
    assert new.get_account_balance()["AvailableBalance"] == S["balance"]


def rotate_without_grace():
    """rotate-key --grace 0: the key just used is refused once the server's one-second memory of it passes."""
    assert refusal(requester_client(S["new_key"], S["new_secret"], max_attempts=1)) is None
    out = hitd("requester", "rotate-key", "--access-key-id", S["new_key"], "--grace", "0")
    S["third_key"], S["third_secret"] = field(out, "AccessKeyId"), field(out, "SecretAccessKey")
    advance(2)  # KeyCacheTTL is one second of the server's clock
    got = refusal(requester_client(S["new_key"], S["new_secret"], max_attempts=1))
    assert got and got[0] == "UnrecognizedClientException", f"the key rotated with --grace 0: {got}"
    third = requester_client(S["third_key"], S["third_secret"], max_attempts=1)
    assert third.get_account_balance()["AvailableBalance"] == S["balance"]


def adjust_balance():
    """adjust-balance moves money both ways with a reason: boto3's balance and the console's ledger CSV agree."""
    from decimal import Decimal
    key = S["third_key"]
    before = Decimal(S["balance"])
    out = hitd("requester", "adjust-balance", "--access-key-id", key, "--amount", "-12.50", "--reason", f"refund {RUN}")
    assert Decimal(out.strip()) == before - Decimal("12.50"), out
    out = hitd("requester", "adjust-balance", "--access-key-id", key, "--amount", "+2.50", "--reason", "goodwill credit")
    after = before - Decimal("10.00")
    assert Decimal(out.strip()) == after, out
    client = requester_client(key, S["third_secret"], max_attempts=1)
    assert Decimal(client.get_account_balance()["AvailableBalance"]) == after
    shown = hitd("requester", "balance", "--access-key-id", key)
    assert Decimal(field(shown, "Available")) == after and Decimal(field(shown, "Reserved")) == Decimal("0.12"), shown
    msg = hitd_fails("requester", "adjust-balance", "--access-key-id", key, "--amount", f"-{after + 1}", "--reason", "too much")
    assert "cannot be negative" in msg, msg
    assert "--reason is required" in hitd_fails("requester", "adjust-balance", "--access-key-id", key, "--amount", "-1")
    # The requester console's ledger CSV, signed in with the current key.
    import http.cookiejar
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = urllib.parse.urlencode({"access_key_id": key, "secret": S["third_secret"]}).encode()
    opener.open(urllib.request.Request(ENDPOINT + "/requester/login", data=form, headers={"Origin": ENDPOINT}), timeout=30)
    with opener.open(ENDPOINT + "/requester/ledger.csv", timeout=30) as r:
        rows = list(csv.DictReader(io.StringIO(r.read().decode())))
    adjustments = [(r["Kind"], r["Direction"], r["Amount"], r["Reason"]) for r in rows if r["Kind"] == "adjustment"]
    assert adjustments == [("adjustment", "-1", "12.50", f"refund {RUN}"), ("adjustment", "1", "2.50", "goodwill credit")], adjustments
    net = sum(int(r["Direction"]) * Decimal(r["Amount"]) for r in rows)
    assert net == after, f"the ledger's net {net}, the balance {after}"


def disabled_worker():
    """worker disable: the worker API refuses the token and the sign-in; the list shows it; enable lets them back."""
    user, pw = f"e2ekeys{RUN}", "long-password-1"
    wid = hitd("worker", "create", "--username", user, "--password", pw).strip()
    api = WorkerAPI()
    token = api.ok("POST", "/login", {"username": user, "password": pw})["token"]
    WorkerAPI(token).ok("GET", "/me")
    out = hitd("worker", "disable", "--worker-id", wid)
    assert "disabled" in out, out
    WorkerAPI(token).err("GET", "/me", status=401)
    WorkerAPI().err("POST", "/login", {"username": user, "password": pw}, status=401)
    row = next((l for l in hitd("worker", "list").splitlines() if l.startswith(wid)), "")
    assert row.rstrip().endswith("yes"), f"`hitd worker list` does not show the worker disabled: {row!r}"
    hitd("worker", "enable", "--worker-id", wid)
    WorkerAPI(token).err("GET", "/me", status=401)  # the old session stays ended
    token = api.ok("POST", "/login", {"username": user, "password": pw})["token"]
    WorkerAPI(token).ok("GET", "/me")


CHECKS = [setup, rotate_with_grace, old_key_until_the_end, old_key_after_the_end, rotate_without_grace,
          adjust_balance, disabled_worker]

if __name__ == "__main__":
    ok = False
    try:
        start_server()
        ok = run_checks(CHECKS, "keys")
    finally:
        stop_server()
        if not ok and os.path.exists(os.path.join(DATA, "server.log")):
            with open(os.path.join(DATA, "server.log"), errors="replace") as f:
                print("--- the test-mode server's log (last 40 lines) ---")
                print("".join(f.readlines()[-40:]))
        shutil.rmtree(DATA, ignore_errors=True)
    sys.exit(0 if ok else 1)
