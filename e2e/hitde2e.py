"""What the Python end-to-end suites share: the server's address and data
directory from the environment, the hitd CLI, a boto3 requester client,
the RequestError check, the worker JSON API client, and the check runner.

Standard library only at import time (boto3 is imported where it is used),
so the boto 2 suite, which runs under Debian's own python3, can use it too.
"""

import json
import os
import re
import subprocess
import sys
import time
import traceback
import urllib.error
import urllib.request

ENDPOINT = os.environ["HITD_ENDPOINT"].rstrip("/")
WORKER_API = ENDPOINT + "/api/worker/v1"
DATA_DIR = os.environ.get("HITD_DATA_DIR", "")
REGION = "us-east-1"


class Skip(Exception):
    """Raised by a check that cannot run here (it is counted, not failed)."""


def run_checks(checks, label):
    """Runs each check, printing PASS/FAIL/SKIP with the failing line of the
    suite that called this; True when none failed."""
    suite = os.path.abspath(sys.modules["__main__"].__file__)
    passed = failed = skipped = 0
    for fn in checks:
        start = time.monotonic()
        try:
            fn()
        except Skip as e:
            skipped += 1
            print(f"SKIP {fn.__name__}: {e}", flush=True)
        except Exception as e:  # AssertionError, or anything unexpected
            failed += 1
            tb = traceback.extract_tb(e.__traceback__)
            where = next((f"line {f.lineno}" for f in reversed(tb) if os.path.abspath(f.filename) == suite), "?")
            print(f"FAIL {fn.__name__} ({where}): {type(e).__name__}: {e}", flush=True)
        else:
            passed += 1
            print(f"PASS {fn.__name__} ({time.monotonic() - start:.1f}s)", flush=True)
    print(f"{label}: {passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""), flush=True)
    return failed == 0


def run(args, timeout=60):
    """Runs a command (the hitd CLI) and returns its stdout; fails on a nonzero exit."""
    out = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, f"`{' '.join(args[:4])} …` exited {out.returncode}: {out.stderr.strip() or out.stdout}"
    return out.stdout


def store_flags():
    """The admin commands' flags for the running server's data."""
    return ["--data-dir", DATA_DIR] if DATA_DIR else []


def create_requester(hitd_bin, name):
    """Runs `hitd requester create --name NAME` on the running server's data
    and returns what it printed as a dict (RequesterId, AccessKeyId,
    SecretAccessKey, Balance)."""
    out = run([hitd_bin, "requester", "create", "--name", name, *store_flags()])
    f = dict(re.findall(r"^(\w+):\s*(\S+)\s*$", out, re.M))
    assert f.get("AccessKeyId") and f.get("SecretAccessKey"), f"`hitd requester create` printed {out!r}"
    return f


def requester_client(key, secret, validate=True, max_attempts=None):
    """A boto3 mturk client; validate=False turns botocore's own parameter
    checks off, so that the server's checks answer."""
    import boto3
    import botocore.config
    cfg = {"parameter_validation": validate}
    if max_attempts:
        cfg["retries"] = {"max_attempts": max_attempts}
    return boto3.session.Session().client("mturk", endpoint_url=ENDPOINT, region_name=REGION,
                                          aws_access_key_id=key, aws_secret_access_key=secret,
                                          config=botocore.config.Config(**cfg))


def expect_request_error(call, turk_code, *msg_parts):
    """call() must fail with a RequestError whose TurkErrorCode is
    AWS.MechanicalTurk.<turk_code> and whose message has each of msg_parts."""
    from botocore.exceptions import ClientError
    try:
        call()
    except ClientError as e:
        got = e.response.get("TurkErrorCode")
        assert e.response["Error"]["Code"] == "RequestError", f"want a RequestError, got {e.response['Error']}"
        assert got == "AWS.MechanicalTurk." + turk_code, f"want {turk_code}, got {got}: {e}"
        msg = e.response["Error"].get("Message", "")
        for part in msg_parts:
            assert part in msg, f"the {turk_code} message does not mention {part!r}: {msg}"
        return msg
    raise AssertionError(f"want RequestError {turk_code}, but the call succeeded")


class WorkerAPI:
    """The worker JSON API with urllib: a bearer token and JSON in and out."""

    def __init__(self, token=None, site=None):
        """site is the server's base URL (another realm's host, say); default HITD_ENDPOINT."""
        self.token = token
        self.base = (site.rstrip("/") + "/api/worker/v1") if site else WORKER_API

    def call(self, method, path, body=None, token=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        tok = token if token is not None else self.token
        if tok:
            req.add_header("Authorization", "Bearer " + tok)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                text = r.read().decode()
                return r.status, (json.loads(text) if text else None)
        except urllib.error.HTTPError as e:
            text = e.read().decode()
            try:
                return e.code, json.loads(text)
            except ValueError:
                return e.code, {"raw": text}

    def ok(self, method, path, body=None):
        status, out = self.call(method, path, body)
        assert 200 <= status < 300, f"{method} {path}: HTTP {status}: {out}"
        return out

    def err(self, method, path, body=None, status=None, code=None, token=None):
        got, out = self.call(method, path, body, token=token)
        assert got == status, f"{method} {path}: HTTP {got}, want {status}: {out}"
        e = (out or {}).get("error")
        assert isinstance(e, dict) and e.get("code") and e.get("message"), \
            f"{method} {path}: error body is not {{\"error\":{{\"code\",\"message\"}}}}: {out}"
        if code:
            assert e["code"] == code, f"{method} {path}: error code {e['code']!r}, want {code!r}: {e['message']}"
        return e


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


def set_worker_country(site, username, password, country):
    """Sets a worker's country (Locale requirements read it) with the worker
    site's own forms: log in, post /profile, same-origin."""
    import http.cookiejar
    import urllib.parse
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())
    for path, fields in (("/login", {"username": username, "password": password, "next": "/"}),
                         ("/profile", {"country": country, "subdivision": ""})):
        req = urllib.request.Request(site + path, data=urllib.parse.urlencode(fields).encode(), method="POST",
                                     headers={"Origin": site, "Content-Type": "application/x-www-form-urlencoded"})
        try:
            status = opener.open(req, timeout=30).status
        except urllib.error.HTTPError as e:
            status = e.code
        assert status in (302, 303), f"POST {site}{path}: HTTP {status}"
