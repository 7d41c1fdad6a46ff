#!/usr/bin/env python3
"""Replay of Mephisto's MTurk calls against hitd, reached by MTurk's real host names.

Mephisto's clients (mephisto/abstractions/providers/mturk/mturk_datastore.py) come from
boto3.Session(profile_name=REQUESTER, region_name="us-east-1"): live is
session.client("mturk") with boto3's default endpoint, sandbox names MTurk's sandbox
host. The functions below are those of mturk_utils.py (plus mturk_unit.py's status
mapping and scripts/mturk/launch_makeup_hits.py's compensation task), with the same
parameters and response fields; workers use hitd's worker API, and the live worker
sets a country on the worker site's profile page for Mephisto's locale requirement.

Run by e2e/test_dropin.sh in a network namespace whose /etc/hosts maps MTurk's host
names to `hitd serve --tls` on 127.0.0.1:443. Environment: AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY (root, owner of a type Mephisto finds), AWS_CA_BUNDLE and
SSL_CERT_FILE (the local CA), HITD_BIN and HITD_DATA_DIR (admin commands). Mephisto
runs as a requester made for the run, in a credentials profile of its own, since its
cleanup deletes every HIT of the account; names carry a run id. Prints PASS/FAIL per
check; exits non-zero on a failure.
"""

import atexit
import json
import os
import re
import shutil
import sys
import tempfile
import urllib.parse
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime
from decimal import Decimal

LIVE_URL = "https://mturk-requester.us-east-1.amazonaws.com"
SANDBOX_ENDPOINT = "https://mturk-requester-sandbox.us-east-1.amazonaws.com"
os.environ.setdefault("HITD_ENDPOINT", LIVE_URL)  # hitde2e reads it at import

import boto3  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

from hitde2e import WorkerAPI, expect_request_error, run, run_checks, set_worker_country, store_flags  # noqa: E402

HITD_BIN = os.environ.get("HITD_BIN", "hitd")
RUN = uuid.uuid4().hex[:8]
TASK = f"replay-task-{RUN}"
MTURK_LOCALE_REQUIREMENT = "00000000000000000071"
QUALIFICATION_TYPE_EXISTS_MESSAGE = "You have already created a QualificationType with this name."
ANSWERS_NS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd"


# ---------------------------------------------------------------- mturk_utils.py, as Mephisto calls it

def client_is_sandbox(client):
    return client.meta.endpoint_url == SANDBOX_ENDPOINT


def check_mturk_balance(client, balance_needed):
    try:
        user_balance = float(client.get_account_balance()["AvailableBalance"])
    except ClientError as e:
        if e.response["Error"]["Code"] == "RequestError":
            return "quit"  # Mephisto prints the "link your AWS account" help and quits
        raise
    return user_balance >= balance_needed


def find_qualification(client, name, must_be_owned=True):
    for owned in (True, False):  # the caller's own types first, then everyone's
        response = client.list_qualification_types(Query=name, MustBeRequestable=True, MustBeOwnedByCaller=owned)
        for q in response["QualificationTypes"]:
            if q["Name"] == name:
                return (owned or not must_be_owned, q["QualificationTypeId"])
    return (True, None)


def find_or_create_qualification(client, name, description, must_be_owned=True, skip_find=False):
    """skip_find replays the race: another process created the type between
    Mephisto's look-up and its create."""
    def try_finding():
        usable, qual_id = find_qualification(client, name, must_be_owned=must_be_owned)
        if qual_id is None:
            return False, None
        return (True, None) if usable is False else (True, qual_id)

    found, qual_id = (False, None) if skip_find else try_finding()
    if found:
        return qual_id
    try:
        response = client.create_qualification_type(Name=name, Description=description,
                                                    QualificationTypeStatus="Active")
    except ClientError as e:
        msg = e.response.get("Error", {}).get("Message")
        if msg is not None and msg.startswith(QUALIFICATION_TYPE_EXISTS_MESSAGE):
            found, qual_id = try_finding()
            assert found, "Qualification exists, but could not be found?"
            return qual_id
        raise
    return response["QualificationType"]["QualificationTypeId"]


def create_hit_type(client, title, description, reward, tags, qualifications, auto_approve_delay=7 * 24 * 3600,
                    skip_locale_qual=False, duration=1800):
    reqs = [dict(q, ActionsGuarded=q.get("ActionsGuarded") or "DiscoverPreviewAndAccept") for q in qualifications]
    if not skip_locale_qual and not client_is_sandbox(client):
        reqs.append({"QualificationTypeId": MTURK_LOCALE_REQUIREMENT, "Comparator": "In",
                     "LocaleValues": [{"Country": c} for c in ("US", "CA", "GB", "AU", "NZ")],
                     "ActionsGuarded": "DiscoverPreviewAndAccept"})
    keywords = tags if isinstance(tags, str) else ",".join(tags)
    return client.create_hit_type(AutoApprovalDelayInSeconds=auto_approve_delay, AssignmentDurationInSeconds=duration,
                                  Reward=str(reward), Title=title, Keywords=keywords, Description=description,
                                  QualificationRequirements=reqs)["HITTypeId"]


def create_hit_with_hit_type(client, frame_height, page_url, hit_type_id, num_assignments=1):
    page_url = page_url.replace("&", "&amp;")
    question = ('<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/'
                f'ExternalQuestion.xsd"><ExternalURL>{page_url}</ExternalURL><FrameHeight>{frame_height}</FrameHeight>'
                "</ExternalQuestion>")
    response = client.create_hit_with_hit_type(HITTypeId=hit_type_id, MaxAssignments=num_assignments,
                                                LifetimeInSeconds=60 * 60 * 24 * 31, Question=question)
    return response["HIT"]["HITTypeId"], response["HIT"]["HITId"]  # Mephisto reads both


def create_compensation_hit_with_hit_type(client, reason, hit_type_id, num_assignments=1):
    question = ('<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/'
                'QuestionForm.xsd"><Question><QuestionIdentifier>workerid</QuestionIdentifier>'
                "<DisplayName>Confirm Worker ID</DisplayName><IsRequired>true</IsRequired><QuestionContent>"
                f"<Text>This compensation task was launched for the following reason: {reason}... Enter Worker ID to "
                'submit</Text></QuestionContent><AnswerSpecification><FreeTextAnswer><Constraints><Length minLength="2" />'
                '<AnswerFormatRegex regex="\\S" errorText="The content cannot be blank."/></Constraints></FreeTextAnswer>'
                "</AnswerSpecification></Question></QuestionForm>")
    return client.create_hit_with_hit_type(HITTypeId=hit_type_id, MaxAssignments=num_assignments,
                                           LifetimeInSeconds=60 * 60 * 24 * 31, Question=question)["HIT"]["HITId"]


def expire_hit(client, hit_id):
    client.update_expiration_for_hit(HITId=hit_id, ExpireAt=datetime(2015, 1, 1))


def get_hit(client, hit_id):
    try:
        return client.get_hit(HITId=hit_id)
    except ClientError:
        return {}  # Mephisto logs "Skipping HIT …" and returns {}


def unit_status(client, hit_id):
    """MTurkUnit.get_status's mapping of the HIT's status."""
    hit_data = get_hit(client, hit_id)["HIT"]  # a KeyError when get_hit returned {}, as in Mephisto
    status = hit_data["HITStatus"]
    if status in ("Reviewable", "Reviewing"):
        return "expired" if hit_data["NumberOfAssignmentsAvailable"] != 0 else "completed"
    mapped = {"Assignable": "launched", "Unassignable": "assigned", "Disposed": "disposed (local status kept)"}
    if status not in mapped:
        raise Exception(f"Unexpected HIT status {status}")
    return mapped[status]


def get_assignments_for_hit(client, hit_id):
    return client.list_assignments_for_hit(HITId=hit_id).get("Assignments", [])


def pay_bonus(client, worker_id, bonus_amount, assignment_id, reason, unique_request_token):
    if not check_mturk_balance(client, balance_needed=bonus_amount * 1.2):
        return False
    client.send_bonus(WorkerId=worker_id, BonusAmount=str(bonus_amount), AssignmentId=assignment_id, Reason=reason,
                      UniqueRequestToken=unique_request_token)
    return True


def email_worker(client, worker_id, subject, message_text):
    response = client.notify_workers(Subject=subject, MessageText=message_text, WorkerIds=[worker_id])
    if len(response["NotifyWorkersFailureStatuses"]) > 0:
        return (False, response["NotifyWorkersFailureStatuses"][0]["NotifyWorkersFailureMessage"])
    return (True, "")


def get_outstanding_hits(client):  # needs NextToken on every non-empty page
    new_hits = client.list_hits(MaxResults=100)
    all_hits = new_hits["HITs"]
    while len(new_hits["HITs"]) > 0:
        new_hits = client.list_hits(MaxResults=100, NextToken=new_hits["NextToken"])
        all_hits += new_hits["HITs"]
    hit_by_type = {}
    for h in all_hits:
        hit_by_type.setdefault(h["HITTypeId"], []).append(h)
    return hit_by_type


def expire_and_dispose_hits(client, hits):
    non_disposed_hits = []
    for h in hits:
        try:
            client.delete_hit(HITId=h["HITId"])
        except Exception as e:
            client.update_expiration_for_hit(HITId=h["HITId"], ExpireAt=datetime(2015, 1, 1))
            h["dispose_exception"] = e
            non_disposed_hits.append(h)
    return non_disposed_hits


# ---------------------------------------------------------------- helpers

def RealmWorker(site, token=None):
    """hitde2e's WorkerAPI on one realm's host."""
    return WorkerAPI(token, site=site)


def new_worker(realm, name):
    user, pw = f"mephisto-{name}-{RUN}", f"pw-{name}-{RUN}-secret"
    site = SANDBOX_ENDPOINT if realm == "sandbox" else LIVE_URL
    out = run([HITD_BIN, "worker", "create", "--username", user, "--password", pw, *store_flags(),
               *(["--sandbox"] if realm == "sandbox" else [])])
    wid = re.findall(r"\bA[A-Z0-9]{13}\b", out)
    assert wid, f"`hitd worker create` printed no WorkerId: {out!r}"
    login = RealmWorker(site).ok("POST", "/login", {"username": user, "password": pw})
    assert login["workerId"] == wid[0], login
    return {"id": wid[0], "user": user, "password": pw, "site": site, "api": RealmWorker(site, login["token"])}


def set_country(w, country):
    """The worker site's /profile form (Locale requirements read the country), posted same-origin."""
    set_worker_country(w["site"], w["user"], w["password"], country)
    assert w["api"].ok("GET", "/me")["country"] == country


def cents(s):
    return int(Decimal(str(s)) * 100)


def expect_balance(realm, why, spent=0):
    """The realm's balance, to the cent, after spending `spent` cents more."""
    S[realm + "_expected"] -= spent
    got, want = cents(S[realm].get_account_balance()["AvailableBalance"]), S[realm + "_expected"]
    assert got == want, f"{realm}: {why}: AvailableBalance {got / 100:.2f}, want {want / 100:.2f}"


def groups(w):
    out = w["api"].ok("GET", "/hits?" + urllib.parse.urlencode({"q": RUN, "pageSize": 100}))
    return {g["hitTypeId"] for g in out["groups"]}


def answers(xml_text):
    root = ET.fromstring(xml_text)
    return {a.findtext(f"{{{ANSWERS_NS}}}QuestionIdentifier"): a.findtext(f"{{{ANSWERS_NS}}}FreeText") for a in root}


def do_unit(w, hit_id, fields):
    """The worker accepts the unit's HIT and Mephisto's page posts the form."""
    aid = w["api"].ok("POST", f"/hits/{hit_id}/accept")["assignmentId"]
    w["api"].ok("POST", f"/assignments/{aid}/submit", {"answers": {"assignmentId": aid, **fields}})
    return aid


# ================================================================ checks

CHECKS = []
S = {}


def check(fn):
    CHECKS.append(fn)
    return fn


@check
def clients_endpoints_and_balance():
    out = run([HITD_BIN, "requester", "create", "--name", f"replay-mephisto-{RUN}", *store_flags()])
    f = dict(re.findall(r"^(\w+):\s*(\S+)\s*$", out, re.M))
    assert f.get("AccessKeyId") and f.get("SecretAccessKey"), f"`hitd requester create` printed {out!r}"
    tmp = tempfile.mkdtemp(prefix="replay-mephisto-")
    atexit.register(shutil.rmtree, tmp, True)
    creds = os.path.join(tmp, "credentials")
    with open(creds, "w") as fh:  # what Mephisto's setup_aws_credentials writes
        fh.write(f"[replay-{RUN}]\naws_access_key_id={f['AccessKeyId']}\naws_secret_access_key={f['SecretAccessKey']}\n")
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = creds
    session = boto3.Session(profile_name=f"replay-{RUN}", region_name="us-east-1")
    assert session.get_credentials().access_key == f["AccessKeyId"], "the profile's keys are not used"
    S["live"] = session.client("mturk")
    S["sandbox"] = session.client(service_name="mturk", region_name="us-east-1", endpoint_url=SANDBOX_ENDPOINT)
    assert S["live"].meta.endpoint_url == LIVE_URL, S["live"].meta.endpoint_url
    assert client_is_sandbox(S["sandbox"]) is True and client_is_sandbox(S["live"]) is False
    assert float(S["sandbox"].get_account_balance()["AvailableBalance"]) == 10000.0, "a new sandbox requester"
    for realm in ("sandbox", "live"):
        S[realm + "_expected"] = cents(S[realm].get_account_balance()["AvailableBalance"])
        assert check_mturk_balance(S[realm], 1.0) is True and check_mturk_balance(S[realm], 1e9) is False
    root = boto3.Session(region_name="us-east-1")  # AWS_ACCESS_KEY_ID from the environment
    S["root_sandbox"] = root.client(service_name="mturk", region_name="us-east-1", endpoint_url=SANDBOX_ENDPOINT)
    assert check_mturk_balance(root.client("mturk"), 0.0) and check_mturk_balance(S["root_sandbox"], 0.0)
    bad = boto3.Session(aws_access_key_id="AKIANOSUCHKEY0000000", aws_secret_access_key="x", region_name="us-east-1")
    try:
        check_mturk_balance(bad.client("mturk"), 1.0)
        raise AssertionError("an unknown access key read a balance")
    except ClientError as e:  # not a RequestError: Mephisto re-raises it
        assert e.response["Error"]["Code"] == "UnrecognizedClientException", e.response["Error"]


@check
def find_or_create_qualification_and_the_name_race():
    for realm in ("sandbox", "live"):
        c = S[realm]
        name = f"replay-mephisto-block-{RUN}" + ("_sandbox" if client_is_sandbox(c) else "")
        assert find_qualification(c, name) == (True, None)
        qid = find_or_create_qualification(c, name, "Mephisto block list", must_be_owned=False)
        assert qid and find_qualification(c, name) == (True, qid), (qid, find_qualification(c, name))
        assert find_or_create_qualification(c, name, "again", False) == qid, "a second find_or_create made another"
        try:  # Two Mephisto processes create the same name at once: the loser's message
            c.create_qualification_type(Name=name, Description="race", QualificationTypeStatus="Active")
            raise AssertionError("a second QualificationType with the same name was created")
        except ClientError as e:
            assert e.response["Error"]["Message"].startswith(QUALIFICATION_TYPE_EXISTS_MESSAGE), e.response["Error"]
        assert find_or_create_qualification(c, name, "race", False, skip_find=True) == qid
        S[realm + "_block"] = qid
    # A type another requester (root) owns: found, but usable only when ownership is not required.
    shared = f"replay-mephisto-shared-{RUN}_sandbox"
    rid = S["root_sandbox"].create_qualification_type(Name=shared, Description="root's", QualificationTypeStatus="Active")
    rid = rid["QualificationType"]["QualificationTypeId"]
    assert find_qualification(S["sandbox"], shared) == (False, rid)
    assert find_or_create_qualification(S["sandbox"], shared, "x", must_be_owned=True) is None
    assert find_or_create_qualification(S["sandbox"], shared, "x", must_be_owned=False) == rid
    assert find_qualification(S["live"], shared) == (True, None), "a sandbox type is visible live"


@check
def launch_sandbox_units():
    c = S["sandbox"]
    S["sb1"], S["sb2"], S["sb3"] = (new_worker("sandbox", n) for n in ("sb1", "sb2", "sb3"))
    ht = create_hit_type(c, f"Mephisto replay {RUN}", "Chat about a picture", 0.3, ["replay", "mephisto", RUN],
                         [{"QualificationTypeId": S["sandbox_block"], "Comparator": "DoesNotExist"}])
    S["sb_type"], S["units"] = ht, []
    for i in range(4):
        got_type, hit_id = create_hit_with_hit_type(c, 0, f"https://study.example.org/task?a=1&b=2&unit={i}", ht)
        assert got_type == ht and unit_status(c, hit_id) == "launched"
        S["units"].append(hit_id)
    expect_balance("sandbox", "4 units of 0.3 + 20 %", 4 * 36)
    h = c.get_hit(HITId=S["units"][0])["HIT"]
    assert "task?a=1&amp;b=2&amp;unit=0" in h["Question"] and h["Reward"] == "0.30", h
    assert [q["QualificationTypeId"] for q in h["QualificationRequirements"]] == [S["sandbox_block"]], \
        "a sandbox HIT type got a locale requirement"
    assert h["Keywords"] == f"replay,mephisto,{RUN}" and h["AutoApprovalDelayInSeconds"] == 604800, h
    v = S["sb1"]["api"].ok("GET", f"/hits/{S['units'][0]}")
    assert v["externalUrl"] == "https://study.example.org/task?a=1&b=2&unit=0" and v["frameHeight"] == 0, v
    assert ht in groups(S["sb1"])


@check
def soft_block_and_hard_block():
    c, sb2, unit = S["sandbox"], S["sb2"], S["units"][0]
    c.associate_qualification_with_worker(QualificationTypeId=S["sandbox_block"], WorkerId=sb2["id"],
                                          IntegerValue=1, SendNotification=False)
    assert S["sb_type"] not in groups(sb2), "a soft-blocked worker still discovers the task"
    sb2["api"].err("GET", f"/hits/{unit}", status=403, code="NotQualified")
    c.disassociate_qualification_from_worker(QualificationTypeId=S["sandbox_block"], WorkerId=sb2["id"], Reason="")
    assert S["sb_type"] in groups(sb2)
    c.create_worker_block(WorkerId=sb2["id"], Reason=f"replay {RUN}")
    assert sb2["id"] in [x["WorkerId"] for x in c.list_worker_blocks(MaxResults=100)["WorkerBlocks"]]
    assert S["sb_type"] not in groups(sb2), "a hard-blocked worker still sees the task"
    sb2["api"].err("POST", f"/hits/{unit}/accept", status=404)
    c.delete_worker_block(WorkerId=sb2["id"], Reason=f"replay {RUN}")
    assert sb2["id"] not in [x["WorkerId"] for x in c.list_worker_blocks(MaxResults=100)["WorkerBlocks"]]
    assert S["sb_type"] in groups(sb2)


@check
def unit_lifecycle_reconcile_approve_reject():
    c, sb1, (u0, u1) = S["sandbox"], S["sb1"], S["units"][:2]
    aid = sb1["api"].ok("POST", f"/hits/{u0}/accept")["assignmentId"]
    assert unit_status(c, u0) == "assigned"
    fields = {"final_data": json.dumps({"rating": 4, "text": "a cat & <a dog>"}), "comment": "fine"}
    sb1["api"].ok("POST", f"/assignments/{aid}/submit", {"answers": {"assignmentId": aid, **fields}})
    assert unit_status(c, u0) == "completed"
    a = get_assignments_for_hit(c, u0)
    assert len(a) == 1 and a[0]["WorkerId"] == sb1["id"] and a[0]["AssignmentStatus"] == "Submitted", a
    assert answers(a[0]["Answer"]) == fields, a[0]["Answer"]  # & and < come back decoded
    c.approve_assignment(AssignmentId=aid, OverrideRejection=True)  # Mephisto always passes True
    assert c.get_assignment(AssignmentId=aid)["Assignment"]["AssignmentStatus"] == "Approved"
    assert cents(sb1["api"].ok("GET", "/me")["earnings"]) == 30
    expect_balance("sandbox", "approval pays from the reserve")
    S["aid0"] = aid
    aid1 = do_unit(sb1, u1, {"final_data": "{}"})
    c.reject_assignment(AssignmentId=aid1, RequesterFeedback="Did not follow the instructions")
    got = c.get_assignment(AssignmentId=aid1)["Assignment"]
    assert (got["AssignmentStatus"], got["RequesterFeedback"]) == ("Rejected", "Did not follow the instructions"), got
    expect_balance("sandbox", "a rejection returns the unit's 0.36", -36)


@check
def bonus_with_unique_request_token():
    c, sb1, token = S["sandbox"], S["sb1"], str(uuid.uuid4())
    assert pay_bonus(c, sb1["id"], 1.5, S["aid0"], "Great chat", token) is True
    expect_balance("sandbox", "a 1.5 bonus + 20 %", 180)
    # A retry with the same token: hitd answers DuplicateRequest (docs/api.md) and pays nothing, in
    # MTurk's words, which bonus scripts match to tell "already paid" (docs/compatibility.md).
    msg = expect_request_error(lambda: pay_bonus(c, sb1["id"], 1.5, S["aid0"], "Great chat", token), "DuplicateRequest")
    assert msg.startswith(f'The idempotency token "{token}" has already been processed.'), msg
    expect_balance("sandbox", "the repeated token must not pay again")
    paid = c.list_bonus_payments(AssignmentId=S["aid0"])["BonusPayments"]
    assert [(b["WorkerId"], b["BonusAmount"]) for b in paid] == [(sb1["id"], "1.50")], paid
    assert pay_bonus(c, sb1["id"], 0.25, S["aid0"], "Another", str(uuid.uuid4())) is True
    expect_balance("sandbox", "a new token pays", 30)
    assert cents(sb1["api"].ok("GET", "/me")["earnings"]) == 30 + 150 + 25


@check
def email_workers():
    c = S["sandbox"]
    assert email_worker(c, S["sb1"]["id"], f"Hello {RUN}", "Thanks for chatting.") == (True, "")
    inbox = S["sb1"]["api"].ok("GET", "/messages")["messages"]
    assert [(m["subject"], m["messageText"]) for m in inbox] == [(f"Hello {RUN}", "Thanks for chatting.")], inbox
    for wid in ("ANOSUCHWORKER0", S["sb3"]["id"]):  # unknown; never worked for this requester
        ok, msg = email_worker(c, wid, "Hi", "text")
        assert not ok and msg, (wid, ok, msg)
    assert S["sb3"]["api"].ok("GET", "/messages")["messages"] == []


@check
def expire_unit():
    c, u = S["sandbox"], S["units"][2]
    expire_hit(c, u)
    h = c.get_hit(HITId=u)["HIT"]
    assert (h["HITStatus"], h["NumberOfAssignmentsAvailable"]) == ("Reviewable", 1) and unit_status(c, u) == "expired"
    expect_balance("sandbox", "an expired unit's reserve comes back", -36)
    S["sb1"]["api"].err("POST", f"/hits/{u}/accept", status=409, code="HITNotAvailable")


@check
def compensation_task():
    c, sb1, sb3 = S["sandbox"], S["sb1"], S["sb3"]
    qid = find_or_create_qualification(c, f"compensation-for-{sb1['id']}-on-{TASK}_sandbox", "compensation", False)
    c.associate_qualification_with_worker(QualificationTypeId=qid, WorkerId=sb1["id"], IntegerValue=1,
                                          SendNotification=False)
    ht = create_hit_type(c, "Direct compensation task for requester issue", "testing", 1.0, "compensation,issue,repay",
                         [{"QualificationTypeId": qid, "Comparator": "Exists"}], auto_approve_delay=30,
                         skip_locale_qual=True)
    hit_id = create_compensation_hit_with_hit_type(c, "testing", ht)
    expect_balance("sandbox", "a 1.0 compensation HIT", 120)
    assert email_worker(c, sb1["id"], "Compensation HIT Launched", f"groupId={ht}") == (True, "")
    assert ht not in {g["hitTypeId"] for g in sb3["api"].ok("GET", "/hits?q=compensation&pageSize=100")["groups"]}
    sb3["api"].err("POST", f"/hits/{hit_id}/accept", status=403, code="NotQualified")
    v = sb1["api"].ok("GET", f"/groups/{ht}")
    assert v["hitId"] == hit_id and v["questionIdentifiers"] == ["workerid"], v
    aid = sb1["api"].ok("POST", f"/hits/{hit_id}/accept")["assignmentId"]
    for bad in ("A", "  "):  # too short; blank
        sb1["api"].err("POST", f"/assignments/{aid}/submit", {"answers": {"workerid": bad}}, status=422,
                       code="InvalidAnswer")
    sb1["api"].ok("POST", f"/assignments/{aid}/submit", {"answers": {"workerid": sb1["id"]}})
    assert answers(get_assignments_for_hit(c, hit_id)[0]["Answer"]) == {"workerid": sb1["id"]}
    if c.get_assignment(AssignmentId=aid)["Assignment"]["AssignmentStatus"] == "Submitted":  # else auto-approved
        c.approve_assignment(AssignmentId=aid, OverrideRejection=True)
    assert c.get_assignment(AssignmentId=aid)["Assignment"]["AssignmentStatus"] == "Approved"


@check
def launch_live_with_locale_requirement():
    c = S["live"]
    lv1, lv2 = new_worker("live", "lv1"), new_worker("live", "lv2")
    ht = create_hit_type(c, f"Mephisto replay {RUN} live", "Chat about a picture", 0.3, ["replay", "mephisto", RUN],
                         [{"QualificationTypeId": S["live_block"], "Comparator": "DoesNotExist"}])
    _, hit_id = create_hit_with_hit_type(c, 0, "https://study.example.org/task?a=1&b=2", ht)
    expect_balance("live", "a live unit of 0.3 + 20 %", 36)
    loc = [q for q in c.get_hit(HITId=hit_id)["HIT"]["QualificationRequirements"]
           if q["QualificationTypeId"] == MTURK_LOCALE_REQUIREMENT]
    assert len(loc) == 1 and loc[0]["Comparator"] == "In" and len(loc[0]["LocaleValues"]) == 5, loc
    assert loc[0]["ActionsGuarded"] == "DiscoverPreviewAndAccept", loc
    for w in (lv1, lv2):  # no country yet: the task is hidden
        assert ht not in groups(w)
        w["api"].err("GET", f"/hits/{hit_id}", status=403, code="NotQualified")
    set_country(lv2, "DE")
    assert ht not in groups(lv2)
    lv2["api"].err("POST", f"/hits/{hit_id}/accept", status=403, code="NotQualified")
    set_country(lv1, "US")
    assert ht in groups(lv1)
    aid = lv1["api"].ok("POST", f"/hits/{hit_id}/accept")["assignmentId"]
    assert unit_status(c, hit_id) == "assigned"
    lv1["api"].ok("POST", f"/assignments/{aid}/submit", {"answers": {"assignmentId": aid, "final_data": "{}"}})
    assert unit_status(c, hit_id) == "completed"
    assert answers(get_assignments_for_hit(c, hit_id)[0]["Answer"]) == {"final_data": "{}"}
    c.approve_assignment(AssignmentId=aid, OverrideRejection=True)
    # The realms are apart: HITs, workers, balances.
    assert ht not in get_outstanding_hits(S["sandbox"]) and S["sb_type"] not in get_outstanding_hits(c)
    expect_request_error(lambda: c.get_hit(HITId=S["units"][3]), "HITDoesNotExist")
    RealmWorker(LIVE_URL, S["sb1"]["api"].token).err("GET", "/me", status=401, code="NotAuthenticated")
    expect_balance("sandbox", "live work must not touch the sandbox balance")


@check
def outstanding_hits_and_cleanup():
    c, sb2 = S["sandbox"], S["sb2"]
    fillers = [create_hit_with_hit_type(c, 0, f"https://study.example.org/task?f={i}", S["sb_type"])[1]
               for i in range(100)]  # more than one page of list_hits(MaxResults=100)
    expect_balance("sandbox", "100 more units", 100 * 36)
    busy = S["units"][3]
    sb2["api"].ok("POST", f"/hits/{busy}/accept")  # work in progress during the cleanup
    by_type = get_outstanding_hits(c)
    listed = [h for hs in by_type.values() for h in hs]
    assert len({h["HITId"] for h in listed}) == len(listed) == 4 + 1 + 100, f"{len(listed)} HITs listed"
    assert len(by_type[S["sb_type"]]) == 104, {k: len(v) for k, v in by_type.items()}
    left = expire_and_dispose_hits(c, listed)
    assert {h["HITId"] for h in left} == set(fillers) | {busy}, "deleted: the reviewed and expired ones only"
    assert all("dispose_exception" in h for h in left)
    expect_balance("sandbox", "expiring returns the fillers' reserve", -100 * 36)
    assert unit_status(c, busy) == "assigned" and unit_status(c, fillers[0]) == "expired"
    again = [h for hs in get_outstanding_hits(c).values() for h in hs]
    assert {h["HITId"] for h in again} == set(fillers) | {busy}
    assert [h["HITId"] for h in expire_and_dispose_hits(c, again)] == [busy], "the expired fillers must delete"
    aid = sb2["api"].ok("GET", "/assignments?status=Accepted")["assignments"][0]["assignmentId"]
    sb2["api"].ok("POST", f"/assignments/{aid}/submit", {"answers": {"final_data": "{}"}})
    assert unit_status(c, busy) == "completed" and expire_and_dispose_hits(c, [{"HITId": busy}]) != []
    c.approve_assignment(AssignmentId=aid, OverrideRejection=True)
    assert expire_and_dispose_hits(c, [{"HITId": busy}]) == [] and get_outstanding_hits(c) == {}
    live_left = expire_and_dispose_hits(S["live"], [h for hs in get_outstanding_hits(S["live"]).values() for h in hs])
    assert live_left == [] and get_outstanding_hits(S["live"]) == {}
    expect_balance("live", "cleanup moves no money")


@check
def deleted_hit_as_mephisto_sees_it():
    c, u = S["sandbox"], S["units"][0]
    # As on MTurk, a deleted HIT stays readable as Disposed (MTurkUnit.get_status
    # keeps its own status for it), and deleting it again fails by that state.
    status = get_hit(c, u)["HIT"]["HITStatus"]
    assert status == "Disposed", status
    msg = expect_request_error(lambda: c.delete_hit(HITId=u), "InvalidHITState")
    assert "currently in the state 'Disposed'" in msg, msg


def main():
    print(f"boto3 {boto3.__version__}; Mephisto replay against {LIVE_URL} and {SANDBOX_ENDPOINT} (run {RUN})",
          flush=True)
    sys.exit(0 if run_checks(CHECKS, "mephisto replay") else 1)


if __name__ == "__main__":
    main()
