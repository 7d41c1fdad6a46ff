package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/aws/aws-sdk-go-v2/service/mturk/types"
	"github.com/hitd/hitd"
)

func createQualType(t *testing.T, c *mturk.Client, name string, mod func(*mturk.CreateQualificationTypeInput)) *types.QualificationType {
	t.Helper()
	in := &mturk.CreateQualificationTypeInput{Name: aws.String(name), Description: aws.String("Screens for " + name),
		Keywords: aws.String("screen, test"), QualificationTypeStatus: types.QualificationTypeStatusActive}
	if mod != nil {
		mod(in)
	}
	out, err := c.CreateQualificationType(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return out.QualificationType
}

func TestQualificationTypeLifecycle(t *testing.T) {
	e := newWorkEnv(t)
	ctx := context.Background()
	q := createQualType(t, e.Client, "English speaker", nil)
	if len(*q.QualificationTypeId) != 30 || q.QualificationTypeStatus != types.QualificationTypeStatusActive ||
		!aws.ToBool(q.IsRequestable) || aws.ToBool(q.AutoGranted) || q.CreationTime == nil {
		t.Fatalf("created %+v", q)
	}
	// Names are unique per requester; another requester may reuse one.
	_, err := e.Client.CreateQualificationType(ctx, &mturk.CreateQualificationTypeInput{Name: aws.String("English speaker"),
		Description: aws.String("again"), QualificationTypeStatus: types.QualificationTypeStatusActive})
	wantTurk(t, err, "AWS.MechanicalTurk.QualificationTypeAlreadyExists", "already created a QualificationType with this name")
	_, other := e.NewRequester("other-lab")
	mine := createQualType(t, other, "English speaker", nil)

	// Validation.
	for _, tc := range []struct {
		name string
		mod  func(*mturk.CreateQualificationTypeInput)
		code string
	}{
		{"test without duration", func(in *mturk.CreateQualificationTypeInput) { in.Test = aws.String(formQ) }, "AWS.MechanicalTurk.MissingParameters"},
		{"test and auto-granted", func(in *mturk.CreateQualificationTypeInput) {
			in.Test, in.TestDurationInSeconds, in.AutoGranted = aws.String(formQ), aws.Int64(60), aws.Bool(true)
		}, "AWS.MechanicalTurk.InvalidParameterValue"},
		{"test not a form", func(in *mturk.CreateQualificationTypeInput) {
			in.Test, in.TestDurationInSeconds = aws.String(htmlQ), aws.Int64(60)
		}, "AWS.MechanicalTurk.XMLParseError"},
		{"answer key without test", func(in *mturk.CreateQualificationTypeInput) { in.AnswerKey = aws.String("<AnswerKey/>") }, "AWS.MechanicalTurk.InvalidParameterValue"},
		{"bad status", func(in *mturk.CreateQualificationTypeInput) { in.QualificationTypeStatus = "Sleeping" }, "AWS.MechanicalTurk.InvalidParameterValue"},
		{"negative retry", func(in *mturk.CreateQualificationTypeInput) { in.RetryDelayInSeconds = aws.Int64(-1) }, "AWS.MechanicalTurk.ParameterOutOfRange"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := &mturk.CreateQualificationTypeInput{Name: aws.String("v " + tc.name), Description: aws.String("d"),
				QualificationTypeStatus: types.QualificationTypeStatusActive}
			tc.mod(in)
			_, err := e.Client.CreateQualificationType(ctx, in)
			wantTurk(t, err, tc.code, "")
		})
	}

	withTest := createQualType(t, e.Client, "Quiz", func(in *mturk.CreateQualificationTypeInput) {
		in.Test, in.TestDurationInSeconds, in.RetryDelayInSeconds = aws.String(formQ), aws.Int64(300), aws.Int64(3600)
	})
	if aws.ToInt64(withTest.TestDurationInSeconds) != 300 || aws.ToInt64(withTest.RetryDelayInSeconds) != 3600 || aws.ToString(withTest.Test) != formQ {
		t.Fatalf("with test %+v", withTest)
	}
	auto := createQualType(t, e.Client, "Auto", func(in *mturk.CreateQualificationTypeInput) {
		in.AutoGranted, in.AutoGrantedValue, in.QualificationTypeStatus = aws.Bool(true), aws.Int32(7), types.QualificationTypeStatusInactive
	})
	if !aws.ToBool(auto.AutoGranted) || aws.ToInt32(auto.AutoGrantedValue) != 7 {
		t.Fatalf("auto %+v", auto)
	}

	// Listing: every requester's live types; filters.
	names := func(in *mturk.ListQualificationTypesInput) []string {
		t.Helper()
		out, err := e.Client.ListQualificationTypes(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, q := range out.QualificationTypes {
			s = append(s, *q.Name)
		}
		return s
	}
	if got := names(&mturk.ListQualificationTypesInput{MustBeRequestable: aws.Bool(false)}); len(got) != 4 {
		t.Fatalf("all types %v", got)
	}
	if got := names(&mturk.ListQualificationTypesInput{MustBeRequestable: aws.Bool(true), MustBeOwnedByCaller: aws.Bool(true)}); len(got) != 2 {
		t.Fatalf("own requestable %v (the inactive one excluded)", got)
	}
	if got := names(&mturk.ListQualificationTypesInput{MustBeRequestable: aws.Bool(false), Query: aws.String("quiz")}); len(got) != 1 || got[0] != "Quiz" {
		t.Fatalf("query %v", got)
	}
	if got := names(&mturk.ListQualificationTypesInput{MustBeRequestable: aws.Bool(false), MaxResults: aws.Int32(3)}); len(got) != 3 {
		t.Fatalf("page %v", got)
	}
	// Pages of one, followed by NextToken, list every type once, in
	// creation order, with any filter kept.
	for _, tc := range []struct {
		in   mturk.ListQualificationTypesInput
		want []string
	}{
		{mturk.ListQualificationTypesInput{MustBeRequestable: aws.Bool(false)}, []string{"English speaker", "English speaker", "Quiz", "Auto"}},
		{mturk.ListQualificationTypesInput{MustBeRequestable: aws.Bool(true), MustBeOwnedByCaller: aws.Bool(true)}, []string{"English speaker", "Quiz"}},
	} {
		var got []string
		in := tc.in
		in.MaxResults = aws.Int32(1)
		for pages := 0; ; pages++ {
			if pages > len(tc.want) {
				t.Fatalf("NextToken never ends: %v", got)
			}
			out, err := e.Client.ListQualificationTypes(ctx, &in)
			if err != nil {
				t.Fatal(err)
			}
			if len(out.QualificationTypes) > 1 || aws.ToInt32(out.NumResults) != int32(len(out.QualificationTypes)) {
				t.Fatalf("page of %d (NumResults %d) with MaxResults 1", len(out.QualificationTypes), aws.ToInt32(out.NumResults))
			}
			for _, q := range out.QualificationTypes {
				got = append(got, *q.Name)
			}
			if out.NextToken == nil {
				break
			}
			in.NextToken = out.NextToken
		}
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("paged %+v: %q, want %q", tc.in, got, tc.want)
		}
	}

	// Update: only the owner; Test changes are validated.
	up, err := e.Client.UpdateQualificationType(ctx, &mturk.UpdateQualificationTypeInput{QualificationTypeId: q.QualificationTypeId,
		Description: aws.String("new words"), QualificationTypeStatus: types.QualificationTypeStatusInactive})
	if err != nil || *up.QualificationType.Description != "new words" || up.QualificationType.QualificationTypeStatus != types.QualificationTypeStatusInactive {
		t.Fatalf("update %+v %v", up, err)
	}
	_, err = e.Client.UpdateQualificationType(ctx, &mturk.UpdateQualificationTypeInput{QualificationTypeId: mine.QualificationTypeId, Description: aws.String("x")})
	wantTurk(t, err, "AWS.MechanicalTurk.QualificationTypeDoesNotExist", "")
	_, err = e.Client.UpdateQualificationType(ctx, &mturk.UpdateQualificationTypeInput{QualificationTypeId: q.QualificationTypeId, Test: aws.String(formQ)})
	wantTurk(t, err, "AWS.MechanicalTurk.MissingParameters", "TestDurationInSeconds")

	// Anyone may read a type; HIT requirements may name it.
	got, err := other.GetQualificationType(ctx, &mturk.GetQualificationTypeInput{QualificationTypeId: q.QualificationTypeId})
	if err != nil || *got.QualificationType.Name != "English speaker" {
		t.Fatalf("get by another requester: %+v %v", got, err)
	}
	requiring := e.createHIT(func(in *mturk.CreateHITInput) {
		in.QualificationRequirements = []types.QualificationRequirement{{QualificationTypeId: mine.QualificationTypeId, Comparator: types.ComparatorExists}}
	})
	e.createHIT(nil)
	byQual, err := e.Client.ListHITsForQualificationType(ctx, &mturk.ListHITsForQualificationTypeInput{QualificationTypeId: mine.QualificationTypeId})
	if err != nil || len(byQual.HITs) != 1 || *byQual.HITs[0].HITId != *requiring.HITId {
		t.Fatalf("ListHITsForQualificationType %+v %v", byQual, err)
	}
	if out, err := other.ListHITsForQualificationType(ctx, &mturk.ListHITsForQualificationTypeInput{QualificationTypeId: mine.QualificationTypeId}); err != nil || len(out.HITs) != 0 {
		t.Fatalf("another requester sees %+v %v", out, err)
	}

	// Deletion: gone at once, the name free again, unusable in requirements.
	if _, err := e.Client.DeleteQualificationType(ctx, &mturk.DeleteQualificationTypeInput{QualificationTypeId: q.QualificationTypeId}); err != nil {
		t.Fatal(err)
	}
	_, err = e.Client.GetQualificationType(ctx, &mturk.GetQualificationTypeInput{QualificationTypeId: q.QualificationTypeId})
	wantTurk(t, err, "AWS.MechanicalTurk.QualificationTypeDoesNotExist", "")
	if got := names(&mturk.ListQualificationTypesInput{MustBeRequestable: aws.Bool(false), MustBeOwnedByCaller: aws.Bool(true)}); len(got) != 2 {
		t.Fatalf("after delete %v", got)
	}
	in := createHITInput()
	in.QualificationRequirements = []types.QualificationRequirement{{QualificationTypeId: q.QualificationTypeId, Comparator: types.ComparatorExists}}
	_, err = e.Client.CreateHIT(ctx, in)
	wantTurk(t, err, "AWS.MechanicalTurk.QualificationTypeDoesNotExist", "")
	createQualType(t, e.Client, "English speaker", nil)
}

func TestQualificationGrants(t *testing.T) {
	e := newWorkEnv(t)
	ctx := context.Background()
	q := createQualType(t, e.Client, "Skilled", nil)
	w, v := e.worker("gina"), e.worker("vera")
	assoc := func(worker string, value *int32, notify bool) error {
		_, err := e.Client.AssociateQualificationWithWorker(ctx, &mturk.AssociateQualificationWithWorkerInput{
			QualificationTypeId: q.QualificationTypeId, WorkerId: aws.String(worker), IntegerValue: value, SendNotification: aws.Bool(notify)})
		return err
	}
	if err := assoc(w.ID, aws.Int32(85), true); err != nil {
		t.Fatal(err)
	}
	if err := assoc(v.ID, nil, false); err != nil {
		t.Fatal(err)
	}
	wantTurk(t, assoc("ANOSUCHWORKER00", nil, false), "AWS.MechanicalTurk.WorkerDoesNotExist", "")
	score, err := e.Client.GetQualificationScore(ctx, &mturk.GetQualificationScoreInput{QualificationTypeId: q.QualificationTypeId, WorkerId: &w.ID})
	if err != nil || aws.ToInt32(score.Qualification.IntegerValue) != 85 || score.Qualification.Status != types.QualificationStatusGranted || score.Qualification.GrantTime == nil {
		t.Fatalf("score %+v %v", score, err)
	}
	if msgs, _ := e.Service.WorkerMessages(ctx, w.ID, 5); len(msgs) != 1 {
		t.Fatalf("notification: %d messages", len(msgs))
	}
	if msgs, _ := e.Service.WorkerMessages(ctx, v.ID, 5); len(msgs) != 0 {
		t.Fatalf("SendNotification=false still notified: %d", len(msgs))
	}
	// Without SendNotification the worker is told: MTurk's default is true.
	d := e.worker("dana")
	if _, err := e.Client.AssociateQualificationWithWorker(ctx, &mturk.AssociateQualificationWithWorkerInput{
		QualificationTypeId: q.QualificationTypeId, WorkerId: &d.ID, IntegerValue: aws.Int32(3)}); err != nil {
		t.Fatal(err)
	}
	if msgs, _ := e.Service.WorkerMessages(ctx, d.ID, 5); len(msgs) != 1 || msgs[0].Subject != "Qualification granted: Skilled" {
		t.Fatalf("SendNotification absent: %+v", msgs)
	}
	// Re-associating replaces the value.
	if err := assoc(w.ID, aws.Int32(90), false); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Client.DisassociateQualificationFromWorker(ctx, &mturk.DisassociateQualificationFromWorkerInput{
		QualificationTypeId: q.QualificationTypeId, WorkerId: &v.ID, Reason: aws.String("too many errors")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.Client.DisassociateQualificationFromWorker(ctx, &mturk.DisassociateQualificationFromWorkerInput{QualificationTypeId: q.QualificationTypeId, WorkerId: &v.ID})
	wantTurk(t, err, "AWS.MechanicalTurk.QualificationDoesNotExist", "")
	if msgs, _ := e.Service.WorkerMessages(ctx, v.ID, 5); len(msgs) != 1 || msgs[0].MessageText == "" {
		t.Fatalf("revocation message %+v", msgs)
	}
	list := func(st types.QualificationStatus) map[string]int32 {
		t.Helper()
		out, err := e.Client.ListWorkersWithQualificationType(ctx, &mturk.ListWorkersWithQualificationTypeInput{QualificationTypeId: q.QualificationTypeId, Status: st})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]int32{}
		for _, x := range out.Qualifications {
			m[*x.WorkerId] = aws.ToInt32(x.IntegerValue)
		}
		return m
	}
	if got := list(types.QualificationStatusGranted); len(got) != 2 || got[w.ID] != 90 || got[d.ID] != 3 {
		t.Fatalf("granted %v", got)
	}
	if got := list(types.QualificationStatusRevoked); len(got) != 1 {
		t.Fatalf("revoked %v", got)
	}
	if got := list(""); len(got) != 3 {
		t.Fatalf("all %v", got)
	}
	// Only the owner manages grants.
	_, other := e.NewRequester("not-owner")
	_, err = other.AssociateQualificationWithWorker(ctx, &mturk.AssociateQualificationWithWorkerInput{QualificationTypeId: q.QualificationTypeId, WorkerId: &w.ID})
	wantTurk(t, err, "AWS.MechanicalTurk.QualificationTypeDoesNotExist", "")
	_, err = other.GetQualificationScore(ctx, &mturk.GetQualificationScoreInput{QualificationTypeId: q.QualificationTypeId, WorkerId: &w.ID})
	wantTurk(t, err, "AWS.MechanicalTurk.QualificationTypeDoesNotExist", "")
}

func TestWorkerBlocks(t *testing.T) {
	e := newWorkEnv(t)
	ctx := context.Background()
	h := e.createHIT(nil)
	w, ok := e.worker("blocked"), e.worker("fine")
	if _, err := e.Client.CreateWorkerBlock(ctx, &mturk.CreateWorkerBlockInput{WorkerId: &w.ID, Reason: aws.String("spam")}); err != nil {
		t.Fatal(err)
	}
	_, err := e.Client.CreateWorkerBlock(ctx, &mturk.CreateWorkerBlockInput{WorkerId: &w.ID, Reason: aws.String("")})
	wantTurk(t, err, "AWS.MechanicalTurk.MissingParameters", "Reason")
	// The blocked worker sees none of the requester's HITs and cannot accept them.
	page, err := e.Service.ListHITGroups(ctx, w.ID, hitd.HITGroupQuery{})
	if err != nil || len(page.Groups) != 0 {
		t.Fatalf("blocked worker sees %d groups (%v)", len(page.Groups), err)
	}
	if _, err := e.Service.WorkerHIT(ctx, w.ID, *h.HITId); hitd.ErrorCode(err) != hitd.ErrHITNotFound {
		t.Fatalf("blocked preview: %v", err)
	}
	if _, err := e.Service.AcceptHIT(ctx, w.ID, *h.HITId); hitd.ErrorCode(err) != hitd.ErrHITNotFound {
		t.Fatalf("blocked accept: %v", err)
	}
	if _, err := e.Service.AcceptFromGroup(ctx, w.ID, *h.HITTypeId); hitd.ErrorCode(err) != hitd.ErrHITNotAvailable {
		t.Fatalf("blocked accept from group: %v", err)
	}
	if page, _ := e.Service.ListHITGroups(ctx, ok.ID, hitd.HITGroupQuery{}); len(page.Groups) != 1 {
		t.Fatalf("unblocked worker sees %d groups", len(page.Groups))
	}
	// Another requester's block does not matter.
	_, other := e.NewRequester("other")
	if _, err := other.CreateWorkerBlock(ctx, &mturk.CreateWorkerBlockInput{WorkerId: &ok.ID, Reason: aws.String("theirs")}); err != nil {
		t.Fatal(err)
	}
	e.accept(ok, *h.HITId)
	blocks, err := e.Client.ListWorkerBlocks(ctx, &mturk.ListWorkerBlocksInput{})
	if err != nil || len(blocks.WorkerBlocks) != 1 || *blocks.WorkerBlocks[0].WorkerId != w.ID || *blocks.WorkerBlocks[0].Reason != "spam" {
		t.Fatalf("ListWorkerBlocks %+v %v", blocks, err)
	}
	if _, err := e.Client.DeleteWorkerBlock(ctx, &mturk.DeleteWorkerBlockInput{WorkerId: &w.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Client.DeleteWorkerBlock(ctx, &mturk.DeleteWorkerBlockInput{WorkerId: &w.ID}); err != nil {
		t.Fatalf("deleting a missing block: %v", err)
	}
	e.accept(w, *h.HITId)
}
