package legacy_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/aws/aws-sdk-go-v2/service/mturk/types"
	"github.com/hitd/hitd"
	"github.com/hitd/hitd/internal/hitdtest"
)

func TestQualificationsWorkersNotifications(t *testing.T) {
	e := hitdtest.New(t)
	c := newClient(t, e)
	ctx := context.Background()

	q := c.do("CreateQualificationType", "Name", "Legacy skill", "Description", "a skill", "QualificationTypeStatus", "Active",
		"Keywords", "skill", "AutoGranted", "True", "AutoGrantedValue", "7").ok()
	if q.root != "CreateQualificationTypeResponse" || q.get("IsRequestable") != "true" || q.get("AutoGrantedValue") != "7" {
		t.Fatalf("create:\n%s", q.body)
	}
	qid := q.get("QualificationTypeId")
	c.do("CreateQualificationType", "Name", "Legacy skill", "Description", "again", "QualificationTypeStatus", "Active").fails("AWS.MechanicalTurk.QualificationTypeAlreadyExists")
	if g := c.do("GetQualificationType", "QualificationTypeId", qid).ok(); g.get("Name") != "Legacy skill" {
		t.Fatalf("get:\n%s", g.body)
	}
	if s := c.do("SearchQualificationTypes", "Query", "Legacy", "MustBeRequestable", "true", "MustBeOwnedByCaller", "true").ok(); s.get("TotalNumResults") != "1" || s.get("QualificationTypeId") != qid {
		t.Fatalf("search:\n%s", s.body)
	}
	if u := c.do("UpdateQualificationType", "QualificationTypeId", qid, "Description", "better").ok(); u.get("Description") != "better" {
		t.Fatalf("update:\n%s", u.body)
	}

	hitID := c.do("CreateHIT", hitParams()...).ok().get("HITId")
	as := work(t, e, hitID, "wendy")
	worker := as[0].WorkerID

	c.do("AssignQualification", "QualificationTypeId", qid, "WorkerId", worker, "IntegerValue", "42", "SendNotification", "False").ok()
	if s := c.do("GetQualificationScore", "QualificationTypeId", qid, "SubjectId", worker).ok(); s.root != "GetQualificationScoreResponse" || s.get("IntegerValue") != "42" || s.get("SubjectId") != worker || s.get("Status") != "Granted" {
		t.Fatalf("score:\n%s", s.body)
	}
	c.do("UpdateQualificationScore", "QualificationTypeId", qid, "SubjectId", worker, "IntegerValue", "43").ok()
	sdk, err := e.Client.GetQualificationScore(ctx, &mturk.GetQualificationScoreInput{QualificationTypeId: aws.String(qid), WorkerId: aws.String(worker)})
	if err != nil || *sdk.Qualification.IntegerValue != 43 {
		t.Fatalf("SDK score %v %v", sdk, err)
	}
	if l := c.do("GetQualificationsForQualificationType", "QualificationTypeId", qid).ok(); l.get("TotalNumResults") != "1" || l.get("SubjectId") != worker {
		t.Fatalf("list:\n%s", l.body)
	}
	c.do("RevokeQualification", "QualificationTypeId", qid, "SubjectId", worker, "Reason", "done").ok()
	// A revoked qualification has no score to read, in MTurk's words.
	c.do("GetQualificationScore", "QualificationTypeId", qid, "SubjectId", worker).fails("AWS.MechanicalTurk.InvalidQualificationState")
	c.do("UpdateQualificationScore", "QualificationTypeId", qid, "SubjectId", worker, "IntegerValue", "1").fails("AWS.MechanicalTurk.QualificationDoesNotExist")
	if r := c.do("GetQualificationRequests", "QualificationTypeId", qid).ok(); r.get("TotalNumResults") != "0" {
		t.Fatalf("requests:\n%s", r.body)
	}
	// boto 2's get_qualification_requests sends SortProperty=Expiration by default.
	c.do("GetQualificationRequests", "QualificationTypeId", qid, "SortProperty", "Expiration", "SortDirection", "Ascending", "PageSize", "10", "PageNumber", "1").ok()
	c.do("GetQualificationRequests", "QualificationTypeId", qid, "SortProperty", "Reward").fails("AWS.MechanicalTurk.InvalidParameterValue")
	c.do("GrantQualification", "QualificationRequestId", "NOSUCHREQUEST0000000000000000").fails("AWS.MechanicalTurk.QualificationRequestDoesNotExist")
	c.do("RejectQualificationRequest", "QualificationRequestId", "NOSUCHREQUEST0000000000000000").fails("AWS.MechanicalTurk.QualificationRequestDoesNotExist")

	c.do("BlockWorker", "WorkerId", worker, "Reason", "spam").ok()
	blocks, err := e.Client.ListWorkerBlocks(ctx, &mturk.ListWorkerBlocksInput{})
	if err != nil || len(blocks.WorkerBlocks) != 1 || *blocks.WorkerBlocks[0].Reason != "spam" {
		t.Fatalf("blocks %v %v", blocks, err)
	}
	c.do("UnblockWorker", "WorkerId", worker, "Reason", "ok").ok()
	n := c.do("NotifyWorkers", "Subject", "Hi", "MessageText", "Thanks", "WorkerId.1", worker, "WorkerId.2", "NOSUCHWORKER").ok()
	if n.get("WorkerId") != "NOSUCHWORKER" || n.get("NotifyWorkersFailureCode") == "" {
		t.Fatalf("notify:\n%s", n.body)
	}

	c.do("GetFileUploadURL", "AssignmentId", as[0].ID, "QuestionIdentifier", "a").fails(fileUploadCode(t, e, as[0].ID))

	typeID := c.do("GetHIT", "HITId", hitID).ok().get("HITTypeId")
	c.do("SetHITTypeNotification", "HITTypeId", typeID, "Notification.1.Destination", "https://sqs.us-east-1.amazonaws.com/123/q",
		"Notification.1.Transport", "SQS", "Notification.1.Version", "2006-05-05", "Notification.1.EventType.1", "AssignmentSubmitted", "Active", "True").ok()
	c.do("SetHITTypeNotification", "HITTypeId", typeID, "Active", "False").ok()
	if active(t, e, typeID) {
		t.Fatal("Active=False left the settings on")
	}
	// boto 2 sends Active inside the structure, as Notification.1.Active.
	c.do("SetHITTypeNotification", "HITTypeId", typeID, "Notification.1.Destination", "https://sqs.us-east-1.amazonaws.com/123/q",
		"Notification.1.Transport", "SQS", "Notification.1.Version", "2006-05-05", "Notification.1.EventType.1", "AssignmentSubmitted",
		"Notification.1.Active", "True").ok()
	if !active(t, e, typeID) {
		t.Fatal("Notification.1.Active=True left the settings off")
	}
	c.do("SetHITTypeNotification", "HITTypeId", typeID, "Notification.1.Active", "False").ok()
	if active(t, e, typeID) {
		t.Fatal("Notification.1.Active=False left the settings on")
	}
	// The top-level Active wins over the nested one.
	c.do("SetHITTypeNotification", "HITTypeId", typeID, "Active", "True", "Notification.1.Active", "False").ok()
	if !active(t, e, typeID) {
		t.Fatal("Active=True with Notification.1.Active=False left the settings off")
	}
	c.do("SetHITTypeNotification", "HITTypeId", typeID, "Notification.1.Destination", "x", "Notification.1.Transport", "SQS",
		"Notification.1.Version", "2006-05-05", "Notification.1.EventType", "AssignmentSubmitted").fails("AWS.MechanicalTurk.InvalidParameterValue")
	c.do("SendTestEventNotification", "Notification.1.Destination", "someone@example.com", "Notification.1.Transport", "Email",
		"Notification.1.Version", "2006-05-05", "Notification.1.EventType", "Ping", "TestEventType", "Ping").fails("AWS.MechanicalTurk.OperationNotImplemented") // the test server has no transports

	c.do("DisposeQualificationType", "QualificationTypeId", qid).ok()
	c.do("GetQualificationType", "QualificationTypeId", qid).fails("AWS.MechanicalTurk.QualificationTypeDoesNotExist")
}

// active reports whether a HIT type's notification settings are on.
func active(t *testing.T, e *hitdtest.Env, typeID string) bool {
	t.Helper()
	var on bool
	err := e.Store.Read(context.Background(), func(tx hitd.Tx) error {
		n, err := tx.NotificationSettings(context.Background(), typeID)
		if err != nil {
			return err
		}
		on = n.Active
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return on
}

// fileUploadCode is the code the SDK gets for the same GetFileUploadURL.
func fileUploadCode(t *testing.T, e *hitdtest.Env, assignmentID string) string {
	_, err := e.Client.GetFileUploadURL(context.Background(), &mturk.GetFileUploadURLInput{AssignmentId: aws.String(assignmentID), QuestionIdentifier: aws.String("a")})
	if err == nil {
		t.Fatal("GetFileUploadURL succeeded")
	}
	var re *types.RequestError
	if !errors.As(err, &re) {
		t.Fatalf("GetFileUploadURL: %v", err)
	}
	return aws.ToString(re.TurkErrorCode)
}
