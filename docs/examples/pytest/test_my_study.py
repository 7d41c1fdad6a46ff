"""Tests of study.py that need workers and days of time: seconds, in test mode."""
import datetime
import urllib.error

import pytest

import study
from conftest import SimulateError

DAY = 24 * 3600


def hit_type_of(mturk, hit_id):
    return mturk.get_hit(HITId=hit_id)["HIT"]["HITTypeId"]


def test_good_labels_are_approved_and_empty_ones_rejected(hitd, mturk):
    [hit_id] = study.publish(mturk, ["cat.jpg"])
    run = hitd.simulate(hit_type=hit_type_of(mturk, hit_id), workers=2,
                        answers=[{"label": "cat"}, {"label": ""}])
    assert len(run["assignments"]) == 2

    assert study.review(mturk, hit_id) == {"approved": 1, "rejected": 1}
    assert study.labels(mturk, hit_id) == ["cat"]


def test_unreviewed_work_is_paid_after_the_auto_approval_delay(hitd, mturk):
    [hit_id] = study.publish(mturk, ["dog.jpg"], workers_per_image=1)
    hitd.simulate(hit=hit_id, answers={"label": "dog"})

    hitd.advance(study.AUTO_APPROVAL - 60)
    assert mturk.list_assignments_for_hit(HITId=hit_id)["Assignments"][0]["AssignmentStatus"] == "Submitted"

    moved = hitd.advance(61)
    assert moved["applied"]["autoApproved"] == 1
    assert study.labels(mturk, hit_id) == ["dog"]


def test_work_not_submitted_in_time_frees_the_slot(hitd, mturk):
    [hit_id] = study.publish(mturk, ["bird.jpg"], workers_per_image=1)
    hitd.simulate(hit=hit_id, answers=None)  # accepts, never submits
    assert mturk.get_hit(HITId=hit_id)["HIT"]["NumberOfAssignmentsPending"] == 1

    hitd.advance(study.DURATION + 1)
    hit = mturk.get_hit(HITId=hit_id)["HIT"]
    assert (hit["NumberOfAssignmentsPending"], hit["NumberOfAssignmentsAvailable"]) == (0, 1)

    # The slot can be taken and submitted again.
    run = hitd.simulate(hit=hit_id, answers={"label": "bird"})
    assert [a["status"] for a in run["assignments"]] == ["Submitted"]


def test_nobody_can_work_on_an_expired_hit(hitd, mturk):
    [hit_id] = study.publish(mturk, ["fish.jpg"])
    hitd.advance(study.LIFETIME + 1)

    hit = mturk.get_hit(HITId=hit_id)["HIT"]
    assert hit["HITStatus"] == "Reviewable"
    # Compare with hitd's clock, not your machine's: only hitd's has moved.
    now = datetime.datetime.fromisoformat(hitd.now()["now"].replace("Z", "+00:00"))
    assert hit["Expiration"] < now
    with pytest.raises(SimulateError, match="no worker could accept"):
        hitd.simulate(hit_type=hit["HITTypeId"], answers={"label": "fish"})


def test_the_clock_only_moves_forward(hitd):
    start = hitd.now()["epochSeconds"]
    hitd.set_clock(start + 7 * DAY)
    with pytest.raises(urllib.error.HTTPError) as refused:
        hitd.set_clock(start)
    assert refused.value.code == 400
