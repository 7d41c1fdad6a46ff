"""The code under test: a small image-labelling study, standing in for yours.

It posts one HIT per image, reads the workers' answers, approves good labels
and rejects empty ones. Nothing in it knows about hitd's test mode: it is
plain boto3 against the MTurk API.
"""
import xml.etree.ElementTree as ET

QUESTION = """<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd">
  <HTMLContent><![CDATA[<!DOCTYPE html>
<form method="post" action="https://www.mturk.com/mturk/externalSubmit">
  <input type="hidden" name="assignmentId" id="assignmentId">
  <p>What is in the picture?</p><input name="label">
  <button>Submit</button>
</form>
<script>document.getElementById("assignmentId").value =
  new URLSearchParams(location.search).get("assignmentId");</script>]]></HTMLContent>
  <FrameHeight>400</FrameHeight>
</HTMLQuestion>"""

LIFETIME = 24 * 3600           # a day to find workers
DURATION = 10 * 60             # ten minutes per assignment
AUTO_APPROVAL = 3 * 24 * 3600  # unreviewed work is paid after three days

NS = {"a": "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd"}


def publish(mturk, images, workers_per_image=2):
    """Posts one HIT per image; returns their HITIds."""
    hit_ids = []
    for image in images:
        hit = mturk.create_hit(
            Title="Label a picture", Description="Say in one word what the picture shows.",
            Keywords="image, label", Reward="0.05", MaxAssignments=workers_per_image,
            LifetimeInSeconds=LIFETIME, AssignmentDurationInSeconds=DURATION,
            AutoApprovalDelayInSeconds=AUTO_APPROVAL, Question=QUESTION,
            RequesterAnnotation=image)["HIT"]
        hit_ids.append(hit["HITId"])
    return hit_ids


def answers(assignment):
    """The fields of an assignment's QuestionFormAnswers, as a dict."""
    root = ET.fromstring(assignment["Answer"])
    return {a.findtext("a:QuestionIdentifier", namespaces=NS): a.findtext("a:FreeText", default="", namespaces=NS)
            for a in root.findall("a:Answer", NS)}


def review(mturk, hit_id):
    """Approves submitted labels that say something and rejects empty ones."""
    done = {"approved": 0, "rejected": 0}
    pages = mturk.get_paginator("list_assignments_for_hit").paginate(HITId=hit_id, AssignmentStatuses=["Submitted"])
    for page in pages:
        for a in page["Assignments"]:
            if answers(a).get("label", "").strip():
                mturk.approve_assignment(AssignmentId=a["AssignmentId"], RequesterFeedback="Thank you!")
                done["approved"] += 1
            else:
                mturk.reject_assignment(AssignmentId=a["AssignmentId"], RequesterFeedback="The label was empty.")
                done["rejected"] += 1
    return done


def labels(mturk, hit_id):
    """The approved labels of a HIT."""
    out = mturk.list_assignments_for_hit(HITId=hit_id, AssignmentStatuses=["Approved"])
    return sorted(answers(a)["label"] for a in out["Assignments"])
