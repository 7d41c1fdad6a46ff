"""pytest fixtures that run your study's tests against hitd in test mode.

Every test gets a fresh `hitd serve --test-mode` on a free loopback port, with
its own data directory and fixed root keys, and a boto3 MTurk client for it.
Through the `hitd` fixture a test moves hitd's clock and has scripted workers
do HITs. The hitd binary is $HITD_BIN, or `hitd` on PATH.
"""
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request

import boto3
import pytest

ACCESS_KEY_ID = "HITDPYTESTROOTKEY001"
SECRET_ACCESS_KEY = "pytest-root-secret-not-for-real-use-0123"


class Hitd:
    """A running hitd in test mode."""

    def __init__(self, binary, url):
        self.binary, self.url = binary, url

    def client(self):
        """A boto3 MTurk client signed as the root requester."""
        return boto3.client("mturk", endpoint_url=self.url, region_name="us-east-1",
                            aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_ACCESS_KEY)

    def _call(self, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as res:
            return json.load(res)

    def now(self):
        """hitd's clock: {"now": RFC 3339, "epochSeconds": …, "offsetSeconds": …}."""
        return self._call("/_test/clock")

    def advance(self, seconds):
        """Moves hitd's clock forward; what became due (abandonment, auto-approval,
        expiry) is applied before this returns. Returns the clock and "applied"."""
        return self._call("/_test/clock/advance", {"seconds": seconds})

    def set_clock(self, when):
        """Moves hitd's clock forward to `when`: RFC 3339 text or epoch seconds."""
        return self._call("/_test/clock/set", {"time": when})

    def simulate(self, *, answers=None, hit_type=None, hit=None, workers=1, count=0):
        """Scripted workers accept and submit HITs (`hitd worker simulate`).

        answers: a dict of fields for every assignment, a list of them used in
        turn, or None to accept without submitting. Returns the run as
        {"workers": [...], "assignments": [...]}; raises SimulateError when
        fewer assignments were done than asked for (or none).
        """
        args = [self.binary, "worker", "simulate", "--url", self.url, "--json",
                "--workers", str(workers), "--count", str(count)]
        args += ["--hit-type", hit_type] if hit_type else ["--hit", hit]
        stdin = None
        if answers is None:
            args.append("--accept-only")
        else:
            body = [{"answers": a} for a in answers] if isinstance(answers, list) else {"answers": answers}
            args += ["--answers", "-"]
            stdin = json.dumps(body)
        run = subprocess.run(args, input=stdin, capture_output=True, text=True, timeout=120)
        result = json.loads(run.stdout) if run.stdout.strip() else None
        if run.returncode != 0:
            raise SimulateError(run.stderr.strip(), result)
        return result


class SimulateError(Exception):
    def __init__(self, message, result):
        super().__init__(message)
        self.result = result


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def hitd(tmp_path):
    binary = os.environ.get("HITD_BIN") or shutil.which("hitd")
    if not binary:
        pytest.fail("set HITD_BIN to the hitd binary, or put hitd on PATH")
    port = _free_port()
    env = dict(os.environ, HITD_ROOT_ACCESS_KEY_ID=ACCESS_KEY_ID, HITD_ROOT_SECRET_ACCESS_KEY=SECRET_ACCESS_KEY)
    log = open(tmp_path / "hitd.log", "w")
    server = subprocess.Popen([binary, "serve", "--test-mode", "--listen", f"127.0.0.1:{port}",
                               "--data-dir", str(tmp_path / "hitd-data")], env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # up to 30 s
            if server.poll() is not None:
                pytest.fail("hitd exited: " + (tmp_path / "hitd.log").read_text())
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=2):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("hitd did not answer /healthz within 30 s")
        yield Hitd(binary, url)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.fixture
def mturk(hitd):
    return hitd.client()
