"""Drive hitd with unmodified boto3 code. `before` runs the full suite and
saves what must survive a restart; `after` checks it against the restarted
server."""
import concurrent.futures
import datetime
import json
import os
import subprocess
import sys

import boto3
import botocore.config
import botocore.exceptions

ENDPOINT = os.environ["HITD_E2E_ENDPOINT"]
KEY = os.environ["HITD_ROOT_ACCESS_KEY_ID"]
SECRET = os.environ["HITD_ROOT_SECRET_ACCESS_KEY"]
STATE = os.environ["HITD_E2E_STATE"]

EXTERNAL_Q = """<?xml version="1.0" encoding="UTF-8"?>
<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd">
  <ExternalURL>https://tasks.example.com/label?batch=7&amp;item=1</ExternalURL>
  <FrameHeight>600</FrameHeight>
</ExternalQuestion>"""
HTML_Q = """<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd">
<HTMLContent><![CDATA[<!DOCTYPE html><html><body><form method="post" action="https://www.mturk.com/mturk/externalSubmit">
<input type="hidden" name="assignmentId"><input name="answer"></form></body></html>]]></HTMLContent>
<FrameHeight>450</FrameHeight></HTMLQuestion>"""
FORM_Q = """<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd">
<Overview><Text>Read carefully.</Text></Overview>
<Question><QuestionIdentifier>why</QuestionIdentifier><QuestionContent><Text>Why?</Text></QuestionContent>
<AnswerSpecification><FreeTextAnswer/></AnswerSpecification></Question></QuestionForm>"""

checks = 0


def check(name, cond, detail=""):
    global checks
    checks += 1
    if not cond:
        raise AssertionError(f"{name}: {detail}")
    print(f"  ok  {name}")


def client(key=KEY, secret=SECRET, validate=True):
    return boto3.client(
        "mturk", endpoint_url=ENDPOINT, region_name="us-east-1",
        aws_access_key_id=key, aws_secret_access_key=secret,
        config=botocore.config.Config(parameter_validation=validate, retries={"max_attempts": 1}),
    )


def hit_args(**over):
    args = dict(Title="Label a picture", Description="Say what is in the picture", Keywords="image, label",
                Reward="0.05", AssignmentDurationInSeconds=600, LifetimeInSeconds=3600, MaxAssignments=3,
                Question=EXTERNAL_Q)
    args.update(over)
    return {k: v for k, v in args.items() if v is not None}


def expect_error(name, fn, code, text=""):
    try:
        fn()
    except botocore.exceptions.ClientError as e:
        err = e.response["Error"]
        turk = e.response.get("TurkErrorCode", "")
        ok = (err["Code"] == "RequestError" and turk == code) or err["Code"] == code
        check(name, ok and text in err["Message"], f"got {err['Code']} {turk}: {err['Message']!r}, want {code} mentioning {text!r}")
        return err["Message"]
    raise AssertionError(f"{name}: succeeded, want {code}")


def before():
    mt = client()
    raw = client(validate=False)  # lets the server, not botocore, judge bad input

    check("balance", mt.get_account_balance()["AvailableBalance"] == "10000.00")

    # HIT types: identical properties → same id.
    t1 = mt.create_hit_type(Title="T", Description="D", Reward="0.10", AssignmentDurationInSeconds=300, Keywords="k")["HITTypeId"]
    t2 = mt.create_hit_type(Title="T", Description="D", Reward="0.10", AssignmentDurationInSeconds=300, Keywords="k",
                            AutoApprovalDelayInSeconds=2592000)["HITTypeId"]
    t3 = mt.create_hit_type(Title="T", Description="D", Reward="0.11", AssignmentDurationInSeconds=300)["HITTypeId"]
    check("hit type dedup", t1 == t2 and t1 != t3 and len(t1) == 30 and t1.isalnum() and t1.upper() == t1, (t1, t2, t3))

    # Each question kind.
    hits = {}
    for name, q in (("external", EXTERNAL_Q), ("html", HTML_Q), ("form", FORM_Q)):
        h = mt.create_hit(**hit_args(Question=q))["HIT"]
        check(f"create_hit {name}", h["HITStatus"] == "Assignable" and h["NumberOfAssignmentsAvailable"] == 3
              and h["Reward"] == "0.05" and isinstance(h["CreationTime"], datetime.datetime), h)
        hits[name] = h
    h = mt.create_hit_with_hit_type(HITTypeId=t1, LifetimeInSeconds=600, Question=FORM_Q, RequesterAnnotation="row-1")["HIT"]
    check("create_hit_with_hit_type", h["HITTypeId"] == t1 and h["Title"] == "T" and h["MaxAssignments"] == 1
          and h["RequesterAnnotation"] == "row-1", h)
    g = mt.get_hit(HITId=h["HITId"])["HIT"]
    check("get_hit", g["HITId"] == h["HITId"] and g["Question"] == FORM_Q and g["Expiration"] == h["Expiration"], g)

    # Validation errors, judged by the server.
    cases = [
        ("title too long", dict(Title="x" * 129), "AWS.MechanicalTurk.ParameterOutOfRange", "Title"),
        ("description too long", dict(Description="x" * 2001), "AWS.MechanicalTurk.ParameterOutOfRange", "Description"),
        ("keywords too long", dict(Keywords="x" * 1001), "AWS.MechanicalTurk.ParameterOutOfRange", "Keywords"),
        ("reward malformed", dict(Reward="0.001"), "AWS.MechanicalTurk.InvalidParameterValue", "Reward"),
        ("reward zero", dict(Reward="0.00"), "AWS.MechanicalTurk.ParameterOutOfRange", "Reward"),
        ("duration too short", dict(AssignmentDurationInSeconds=29), "AWS.MechanicalTurk.ParameterOutOfRange", "AssignmentDurationInSeconds"),
        ("auto-approval too long", dict(AutoApprovalDelayInSeconds=2592001), "AWS.MechanicalTurk.ParameterOutOfRange", "AutoApprovalDelayInSeconds"),
        ("lifetime too long", dict(LifetimeInSeconds=31536001), "AWS.MechanicalTurk.ParameterOutOfRange", "LifetimeInSeconds"),
        ("max assignments zero", dict(MaxAssignments=0), "AWS.MechanicalTurk.ParameterOutOfRange", "MaxAssignments"),
        ("no question", dict(Question=None), "AWS.MechanicalTurk.MissingParameters", "Question"),
        ("unknown layout", dict(Question=None, HITLayoutId="3NOLAYOUT"), "AWS.MechanicalTurk.HITLayoutDoesNotExist", "3NOLAYOUT"),
        ("bad xml", dict(Question="<ExternalQuestion"), "AWS.MechanicalTurk.XMLParseError", "Question"),
        ("http url", dict(Question=EXTERNAL_Q.replace("https://tasks", "http://tasks")), "AWS.MechanicalTurk.InvalidParameterValue", "https"),
        ("too many quals", dict(QualificationRequirements=[{"QualificationTypeId": "00000000000000000060", "Comparator": "Exists"}] * 11),
         "AWS.MechanicalTurk.ParameterOutOfRange", "10"),
        ("bad comparator", dict(QualificationRequirements=[{"QualificationTypeId": "00000000000000000060", "Comparator": "Bigger"}]),
         "AWS.MechanicalTurk.InvalidParameterValue", "Comparator"),
        ("exists with value", dict(QualificationRequirements=[{"QualificationTypeId": "00000000000000000060", "Comparator": "Exists", "IntegerValues": [1]}]),
         "AWS.MechanicalTurk.InvalidParameterValue", "Exists"),
        ("guarded and required-to-preview", dict(QualificationRequirements=[{"QualificationTypeId": "00000000000000000060", "Comparator": "Exists",
                                                                             "RequiredToPreview": True, "ActionsGuarded": "Accept"}]),
         "AWS.MechanicalTurk.InvalidParameterValue", "RequiredToPreview"),
        ("unknown qualification type", dict(QualificationRequirements=[{"QualificationTypeId": "3NOSUCHQUALTYPE", "Comparator": "Exists"}]),
         "AWS.MechanicalTurk.QualificationTypeDoesNotExist", "3NOSUCHQUALTYPE"),
        ("token too long", dict(UniqueRequestToken="t" * 65), "AWS.MechanicalTurk.ParameterOutOfRange", "UniqueRequestToken"),
    ]
    for name, over, code, text in cases:
        expect_error(f"error: {name}", lambda: raw.create_hit(**hit_args(**over)), code, text)
    ok = mt.create_hit(**hit_args(QualificationRequirements=[
        {"QualificationTypeId": "00000000000000000071", "Comparator": "In", "LocaleValues": [{"Country": "US"}, {"Country": "CA"}],
         "ActionsGuarded": "DiscoverPreviewAndAccept"}]))["HIT"]
    check("locale requirement stored", ok["QualificationRequirements"][0]["LocaleValues"][1]["Country"] == "CA", ok)
    expect_error("error: unknown HIT", lambda: mt.get_hit(HITId="3NOSUCHHIT"), "AWS.MechanicalTurk.HITDoesNotExist", "Hit 3NOSUCHHIT does not exist.")
    expect_error("error: unknown HIT type", lambda: mt.create_hit_with_hit_type(HITTypeId="3NOSUCHTYPE", LifetimeInSeconds=60, Question=FORM_Q),
                 "AWS.MechanicalTurk.HITTypeDoesNotExist", "3NOSUCHTYPE")
    expect_error("error: MaxResults 101", lambda: raw.list_hits(MaxResults=101), "AWS.MechanicalTurk.ParameterOutOfRange", "MaxResults")

    # Idempotency.
    first = mt.create_hit(**hit_args(UniqueRequestToken="e2e-token-1"))["HIT"]["HITId"]
    msg = expect_error("token repeat", lambda: mt.create_hit(**hit_args(UniqueRequestToken="e2e-token-1")),
                       "AWS.MechanicalTurk.HitAlreadyExists", first)
    def race(_):
        try:
            return client().create_hit(**hit_args(UniqueRequestToken="e2e-race"))["HIT"]["HITId"]
        except botocore.exceptions.ClientError as e:
            return e.response.get("TurkErrorCode")
    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        results = list(pool.map(race, range(20)))
    created = [r for r in results if r != "AWS.MechanicalTurk.HitAlreadyExists"]
    check("20 concurrent identical tokens create one HIT", len(created) == 1 and len(created[0]) == 30, results)

    # Pagination over 25 more HITs.
    for i in range(25):
        mt.create_hit(**hit_args(RequesterAnnotation=f"page-{i}"))
    total = len(list_all(mt))
    pages = [len(p["HITs"]) for p in mt.get_paginator("list_hits").paginate(PaginationConfig={"PageSize": 10})]
    check("paginator", sum(pages) == total and all(n == 10 for n in pages[:-1]), pages)
    check("default page size", len(mt.list_hits()["HITs"]) == 10)

    # Lifecycle: expire, review status, delete.
    hid = hits["external"]["HITId"]
    expect_error("delete assignable", lambda: mt.delete_hit(HITId=hid), "AWS.MechanicalTurk.InvalidHITState", "Assignable")
    mt.update_expiration_for_hit(HITId=hid, ExpireAt=datetime.datetime(2001, 1, 1))
    check("expired → Reviewable", mt.get_hit(HITId=hid)["HIT"]["HITStatus"] == "Reviewable")
    mt.update_hit_review_status(HITId=hid, Revert=False)
    check("Reviewing", mt.get_hit(HITId=hid)["HIT"]["HITStatus"] == "Reviewing")
    mt.update_hit_review_status(HITId=hid, Revert=True)
    check("back to Reviewable", mt.get_hit(HITId=hid)["HIT"]["HITStatus"] == "Reviewable")
    mt.delete_hit(HITId=hid)
    expect_error("deleted HIT is gone", lambda: mt.get_hit(HITId=hid), "AWS.MechanicalTurk.HITDoesNotExist", hid)
    check("deleted HIT not listed", hid not in {h["HITId"] for h in list_all(mt)})
    mt.update_hit_type_of_hit(HITId=hits["html"]["HITId"], HITTypeId=t3)
    check("update_hit_type_of_hit", mt.get_hit(HITId=hits["html"]["HITId"])["HIT"]["Reward"] == "0.11")

    # A second requester, made with the CLI while the server runs.
    out = subprocess.run([os.environ["HITD_E2E_BIN"], "requester", "create", "--name", "e2e-lab", "--data-dir", os.environ["HITD_E2E_DATA"]],
                         check=True, capture_output=True, text=True).stdout
    fields = dict(line.split(":", 1) for line in out.strip().splitlines())
    other = client(fields["AccessKeyId"].strip(), fields["SecretAccessKey"].strip())
    check("second requester balance", other.get_account_balance()["AvailableBalance"] == "10000.00")
    expect_error("isolation", lambda: other.get_hit(HITId=first), "AWS.MechanicalTurk.HITDoesNotExist", first)
    check("isolation in list", other.list_hits()["NumResults"] == 0)

    expect_error("wrong secret", lambda: client(KEY, "wrong").get_account_balance(), "InvalidSignatureException")
    expect_error("unknown key", lambda: client("HITDNOSUCHKEY0000000", "x").get_account_balance(), "UnrecognizedClientException")
    expect_error("not implemented", lambda: mt.list_qualification_types(MustBeRequestable=True),
                 "AWS.MechanicalTurk.OperationNotImplemented", "not implemented")

    with open(STATE, "w") as f:
        json.dump({"hit": first, "type": t1, "get": mt.get_hit(HITId=first)["HIT"]["Expiration"].isoformat(), "count": len(list_all(mt))}, f)


def list_all(mt):
    out, token = [], None
    while True:
        page = mt.list_hits(MaxResults=100, **({"NextToken": token} if token else {}))
        out += page["HITs"]
        token = page.get("NextToken")
        if not token:
            return out


def snapshot():
    """Record how many HITs exist just before the restart."""
    with open(STATE) as f:
        state = json.load(f)
    state["count"] = len(list_all(client()))
    with open(STATE, "w") as f:
        json.dump(state, f)


def after():
    mt = client()
    with open(STATE) as f:
        state = json.load(f)
    h = mt.get_hit(HITId=state["hit"])["HIT"]
    check("HIT readable after restart", h["Expiration"].isoformat() == state["get"], h)
    check("all HITs listed after restart", len(list_all(mt)) == state["count"])
    t = mt.create_hit_type(Title="T", Description="D", Reward="0.10", AssignmentDurationInSeconds=300, Keywords="k")["HITTypeId"]
    check("HITTypeId stable across restart", t == state["type"], (t, state["type"]))
    expect_error("token remembered across restart", lambda: mt.create_hit(**hit_args(UniqueRequestToken="e2e-token-1")),
                 "AWS.MechanicalTurk.HitAlreadyExists", state["hit"])


if __name__ == "__main__":
    {"before": before, "snapshot": snapshot, "after": after}[sys.argv[1]]()
    print(f"boto3 {sys.argv[1]}: {checks} checks passed")
