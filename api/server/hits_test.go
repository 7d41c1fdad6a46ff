package server_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/aws/aws-sdk-go-v2/service/mturk/types"
	"github.com/aws/smithy-go"
	"github.com/hitd/hitd"
	"github.com/hitd/hitd/api"
	"github.com/hitd/hitd/internal/hitdtest"
)

const externalQ = `<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd"><ExternalURL>https://tasks.example.com/t?a=1&amp;b=2</ExternalURL><FrameHeight>600</FrameHeight></ExternalQuestion>`

func externalURLQ(u string) string {
	return `<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd"><ExternalURL>` + u + `</ExternalURL><FrameHeight>0</FrameHeight></ExternalQuestion>`
}

const htmlQ = `<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<!DOCTYPE html><html><body><form action="https://www.mturk.com/mturk/externalSubmit" method="post"><input name="a"></form></body></html>]]></HTMLContent><FrameHeight>450</FrameHeight></HTMLQuestion>`

const formQ = `<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd"><Question><QuestionIdentifier>q1</QuestionIdentifier><QuestionContent><Text>Why?</Text></QuestionContent><AnswerSpecification><FreeTextAnswer/></AnswerSpecification></Question></QuestionForm>`

func createHITInput() *mturk.CreateHITInput {
	return &mturk.CreateHITInput{
		Title:                       aws.String("Label a picture"),
		Description:                 aws.String("Say what is in the picture"),
		Keywords:                    aws.String("image, label"),
		Reward:                      aws.String("0.05"),
		AssignmentDurationInSeconds: aws.Int64(600),
		LifetimeInSeconds:           aws.Int64(3600),
		MaxAssignments:              aws.Int32(3),
		Question:                    aws.String(externalQ),
	}
}

// turkCode returns the TurkErrorCode of a RequestError, failing the test
// for any other error.
func turkCode(t *testing.T, err error) string {
	t.Helper()
	var re *types.RequestError
	if !errors.As(err, &re) {
		t.Fatalf("want a RequestError, got %v", err)
	}
	if !strings.Contains(re.ErrorMessage(), "(") {
		t.Errorf("message %q lacks MTurk's (epoch-ms) suffix", re.ErrorMessage())
	}
	return aws.ToString(re.TurkErrorCode)
}

func wantTurk(t *testing.T, err error, code, msgPart string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want RequestError %s, got success", code)
	}
	if got := turkCode(t, err); got != code {
		t.Fatalf("TurkErrorCode = %s, want %s (err: %v)", got, code, err)
	}
	if !strings.Contains(err.Error(), msgPart) {
		t.Fatalf("error %q does not mention %q", err.Error(), msgPart)
	}
}

func TestCreateHITAndGetHIT(t *testing.T) {
	env := hitdtest.New(t)
	ctx := context.Background()
	in := createHITInput()
	in.RequesterAnnotation = aws.String("batch-7")
	in.QualificationRequirements = []types.QualificationRequirement{
		{QualificationTypeId: aws.String(hitd.QualLocale), Comparator: types.ComparatorIn,
			LocaleValues:   []types.Locale{{Country: aws.String("US"), Subdivision: aws.String("WA")}, {Country: aws.String("CA")}},
			ActionsGuarded: types.HITAccessActionsDiscoverPreviewAndAccept},
		{QualificationTypeId: aws.String(hitd.QualPercentAssignmentsApproved), Comparator: types.ComparatorGreaterThanOrEqualTo, IntegerValues: []int32{95}},
	}
	out, err := env.Client.CreateHIT(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	h := out.HIT
	now := env.Clock.Now()
	if len(aws.ToString(h.HITId)) != 30 || len(aws.ToString(h.HITTypeId)) != 30 || aws.ToString(h.HITGroupId) == "" {
		t.Errorf("IDs: HIT %q type %q group %q", aws.ToString(h.HITId), aws.ToString(h.HITTypeId), aws.ToString(h.HITGroupId))
	}
	for _, id := range []string{aws.ToString(h.HITId), aws.ToString(h.HITTypeId)} {
		if strings.Trim(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
			t.Errorf("ID %q is not upper-case alphanumeric", id)
		}
	}
	if h.HITStatus != types.HITStatusAssignable || h.HITReviewStatus != types.HITReviewStatusNotReviewed {
		t.Errorf("status %s / %s", h.HITStatus, h.HITReviewStatus)
	}
	if aws.ToString(h.Reward) != "0.05" || aws.ToInt32(h.MaxAssignments) != 3 || aws.ToInt64(h.AutoApprovalDelayInSeconds) != 2592000 ||
		aws.ToInt64(h.AssignmentDurationInSeconds) != 600 || aws.ToString(h.Title) != "Label a picture" || aws.ToString(h.Keywords) != "image, label" ||
		aws.ToString(h.RequesterAnnotation) != "batch-7" || aws.ToString(h.Question) != externalQ {
		t.Errorf("HIT fields: %+v", h)
	}
	if aws.ToInt32(h.NumberOfAssignmentsAvailable) != 3 || aws.ToInt32(h.NumberOfAssignmentsPending) != 0 || aws.ToInt32(h.NumberOfAssignmentsCompleted) != 0 {
		t.Errorf("counts: %d %d %d", aws.ToInt32(h.NumberOfAssignmentsAvailable), aws.ToInt32(h.NumberOfAssignmentsPending), aws.ToInt32(h.NumberOfAssignmentsCompleted))
	}
	if !h.CreationTime.Equal(now) || !h.Expiration.Equal(now.Add(time.Hour)) {
		t.Errorf("times: created %v expires %v, clock %v", h.CreationTime, h.Expiration, now)
	}
	if len(h.QualificationRequirements) != 2 || len(h.QualificationRequirements[0].LocaleValues) != 2 ||
		aws.ToString(h.QualificationRequirements[0].LocaleValues[0].Subdivision) != "WA" ||
		h.QualificationRequirements[0].ActionsGuarded != types.HITAccessActionsDiscoverPreviewAndAccept ||
		h.QualificationRequirements[1].IntegerValues[0] != 95 {
		t.Errorf("qualification requirements: %+v", h.QualificationRequirements)
	}

	got, err := env.Client.GetHIT(ctx, &mturk.GetHITInput{HITId: h.HITId})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.HIT.HITId) != aws.ToString(h.HITId) || !got.HIT.Expiration.Equal(*h.Expiration) || aws.ToString(got.HIT.Question) != externalQ {
		t.Errorf("GetHIT = %+v", got.HIT)
	}

	// Each question kind is accepted; http is fine for a loopback host.
	for _, q := range []string{htmlQ, formQ, externalURLQ("http://localhost:8000/task"), externalURLQ("http://127.0.0.1/x")} {
		in := createHITInput()
		in.Question = aws.String(q)
		if _, err := env.Client.CreateHIT(ctx, in); err != nil {
			t.Errorf("CreateHIT with %.40s…: %v", q, err)
		}
	}

	_, err = env.Client.GetHIT(ctx, &mturk.GetHITInput{HITId: aws.String("3NOSUCHHIT0000000000000000000")})
	wantTurk(t, err, "AWS.MechanicalTurk.HITDoesNotExist", "Hit 3NOSUCHHIT0000000000000000000 does not exist.")
}

func TestHTTPExternalURLAllowedByPolicy(t *testing.T) {
	env := hitdtest.New(t, hitdtest.Options{Config: hitd.Config{AllowHTTPExternalURLs: true}})
	in := createHITInput()
	in.Question = aws.String(externalURLQ("http://tasks.example.com/x"))
	if _, err := env.Client.CreateHIT(context.Background(), in); err != nil {
		t.Fatal(err)
	}
}

func TestCreateHITTypeIsDeduplicated(t *testing.T) {
	env := hitdtest.New(t)
	ctx := context.Background()
	base := func() *mturk.CreateHITTypeInput {
		return &mturk.CreateHITTypeInput{Title: aws.String("T"), Description: aws.String("D"), Reward: aws.String("0.10"),
			AssignmentDurationInSeconds: aws.Int64(300), Keywords: aws.String("k")}
	}
	first, err := env.Client.CreateHITType(ctx, base())
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(first.HITTypeId)
	if len(id) != 30 {
		t.Errorf("HITTypeId %q is not 30 characters", id)
	}
	same := base()
	same.AutoApprovalDelayInSeconds = aws.Int64(2592000) // the default, spelled out
	same.Reward = aws.String("0.1")                      // same amount, other spelling
	again, err := env.Client.CreateHITType(ctx, same)
	if err != nil || aws.ToString(again.HITTypeId) != id {
		t.Errorf("identical type: %v, %v; want %s", aws.ToString(again.HITTypeId), err, id)
	}
	other := base()
	other.Reward = aws.String("0.11")
	diff, err := env.Client.CreateHITType(ctx, other)
	if err != nil || aws.ToString(diff.HITTypeId) == id {
		t.Errorf("different reward gave %v, %v", aws.ToString(diff.HITTypeId), err)
	}
	_, otherClient := env.NewRequester("other")
	theirs, err := otherClient.CreateHITType(ctx, base())
	if err != nil || aws.ToString(theirs.HITTypeId) == id {
		t.Errorf("another requester's identical type must be its own: %v, %v", aws.ToString(theirs.HITTypeId), err)
	}
	// CreateHIT with the same properties uses the same type.
	in := createHITInput()
	in.Title, in.Description, in.Reward, in.AssignmentDurationInSeconds, in.Keywords = aws.String("T"), aws.String("D"), aws.String("0.10"), aws.Int64(300), aws.String("k")
	h, err := env.Client.CreateHIT(ctx, in)
	if err != nil || aws.ToString(h.HIT.HITTypeId) != id {
		t.Errorf("CreateHIT type = %v, %v; want %s", aws.ToString(h.HIT.HITTypeId), err, id)
	}
	// CreateHITWithHITType: own type works, another requester's does not.
	w, err := env.Client.CreateHITWithHITType(ctx, &mturk.CreateHITWithHITTypeInput{HITTypeId: aws.String(id), LifetimeInSeconds: aws.Int64(60), Question: aws.String(formQ)})
	if err != nil || aws.ToString(w.HIT.Title) != "T" || aws.ToString(w.HIT.Reward) != "0.10" || aws.ToInt32(w.HIT.MaxAssignments) != 1 {
		t.Fatalf("CreateHITWithHITType = %+v, %v", w, err)
	}
	_, err = otherClient.CreateHITWithHITType(ctx, &mturk.CreateHITWithHITTypeInput{HITTypeId: aws.String(id), LifetimeInSeconds: aws.Int64(60), Question: aws.String(formQ)})
	wantTurk(t, err, "AWS.MechanicalTurk.HITTypeDoesNotExist", id)
}

func TestValidationErrors(t *testing.T) {
	env := hitdtest.New(t)
	ctx := context.Background()
	long := func(n int) *string { return aws.String(strings.Repeat("x", n)) }
	qr := func(id string, cmp types.Comparator, ints []int32, locs []types.Locale) types.QualificationRequirement {
		return types.QualificationRequirement{QualificationTypeId: aws.String(id), Comparator: cmp, IntegerValues: ints, LocaleValues: locs}
	}
	us := []types.Locale{{Country: aws.String("US")}}
	tests := []struct {
		name   string
		modify func(*mturk.CreateHITInput)
		code   string
		msg    string
	}{
		{"title too long", func(in *mturk.CreateHITInput) { in.Title = long(129) }, "AWS.MechanicalTurk.ParameterOutOfRange", "Title"},
		{"title 128 is fine", func(in *mturk.CreateHITInput) { in.Title = long(128) }, "", ""},
		{"empty title", func(in *mturk.CreateHITInput) { in.Title = aws.String("") }, "AWS.MechanicalTurk.MissingParameters", "Title"},
		{"description too long", func(in *mturk.CreateHITInput) { in.Description = long(2001) }, "AWS.MechanicalTurk.ParameterOutOfRange", "Description"},
		{"keywords too long", func(in *mturk.CreateHITInput) { in.Keywords = long(1001) }, "AWS.MechanicalTurk.ParameterOutOfRange", "Keywords"},
		{"reward not money", func(in *mturk.CreateHITInput) { in.Reward = aws.String("five") }, "AWS.MechanicalTurk.InvalidParameterValue", "Reward"},
		{"reward three decimals", func(in *mturk.CreateHITInput) { in.Reward = aws.String("0.001") }, "AWS.MechanicalTurk.InvalidParameterValue", "Reward"},
		{"reward negative", func(in *mturk.CreateHITInput) { in.Reward = aws.String("-1.00") }, "AWS.MechanicalTurk.InvalidParameterValue", "Reward"},
		{"reward zero", func(in *mturk.CreateHITInput) { in.Reward = aws.String("0.00") }, "AWS.MechanicalTurk.ParameterOutOfRange", "Reward"},
		{"duration 29", func(in *mturk.CreateHITInput) { in.AssignmentDurationInSeconds = aws.Int64(29) }, "AWS.MechanicalTurk.ParameterOutOfRange", "AssignmentDurationInSeconds"},
		{"duration over a year", func(in *mturk.CreateHITInput) { in.AssignmentDurationInSeconds = aws.Int64(31536001) }, "AWS.MechanicalTurk.ParameterOutOfRange", "AssignmentDurationInSeconds"},
		{"auto-approval negative", func(in *mturk.CreateHITInput) { in.AutoApprovalDelayInSeconds = aws.Int64(-1) }, "AWS.MechanicalTurk.ParameterOutOfRange", "AutoApprovalDelayInSeconds"},
		{"auto-approval over 30 days", func(in *mturk.CreateHITInput) { in.AutoApprovalDelayInSeconds = aws.Int64(2592001) }, "AWS.MechanicalTurk.ParameterOutOfRange", "AutoApprovalDelayInSeconds"},
		{"auto-approval zero is fine", func(in *mturk.CreateHITInput) { in.AutoApprovalDelayInSeconds = aws.Int64(0) }, "", ""},
		{"lifetime 29", func(in *mturk.CreateHITInput) { in.LifetimeInSeconds = aws.Int64(29) }, "AWS.MechanicalTurk.ParameterOutOfRange", "LifetimeInSeconds"},
		{"lifetime over a year", func(in *mturk.CreateHITInput) { in.LifetimeInSeconds = aws.Int64(31536001) }, "AWS.MechanicalTurk.ParameterOutOfRange", "LifetimeInSeconds"},
		{"max assignments 0", func(in *mturk.CreateHITInput) { in.MaxAssignments = aws.Int32(0) }, "AWS.MechanicalTurk.ParameterOutOfRange", "MaxAssignments"},
		{"max assignments 1000001", func(in *mturk.CreateHITInput) { in.MaxAssignments = aws.Int32(1000001) }, "AWS.MechanicalTurk.ParameterOutOfRange", "MaxAssignments"},
		{"annotation too long", func(in *mturk.CreateHITInput) { in.RequesterAnnotation = long(256) }, "AWS.MechanicalTurk.ParameterOutOfRange", "RequesterAnnotation"},
		{"token too long", func(in *mturk.CreateHITInput) { in.UniqueRequestToken = long(65) }, "AWS.MechanicalTurk.ParameterOutOfRange", "UniqueRequestToken"},
		{"no question", func(in *mturk.CreateHITInput) { in.Question = nil }, "AWS.MechanicalTurk.MissingParameters", "Question"},
		{"question and layout", func(in *mturk.CreateHITInput) { in.HITLayoutId = aws.String("3LAYOUT") }, "AWS.MechanicalTurk.InvalidParameterValue", "not both"},
		{"unknown layout", func(in *mturk.CreateHITInput) { in.Question = nil; in.HITLayoutId = aws.String("3LAYOUT") }, "AWS.MechanicalTurk.HITLayoutDoesNotExist", "3LAYOUT"},
		{"question not XML", func(in *mturk.CreateHITInput) { in.Question = aws.String("<ExternalQuestion>") }, "AWS.MechanicalTurk.XMLParseError", "Question"},
		{"question unknown root", func(in *mturk.CreateHITInput) { in.Question = aws.String("<Foo/>") }, "AWS.MechanicalTurk.XMLParseError", "ExternalQuestion"},
		{"question wrong namespace", func(in *mturk.CreateHITInput) {
			in.Question = aws.String(strings.Replace(externalQ, "2006-07-14", "2099-01-01", 1))
		}, "AWS.MechanicalTurk.XMLParseError", "namespace"},
		{"question too large", func(in *mturk.CreateHITInput) {
			in.Question = aws.String(strings.Replace(htmlQ, "<input", strings.Repeat(" ", 65536)+"<input", 1))
		}, "AWS.MechanicalTurk.ParameterOutOfRange", "65535"},
		{"external URL over http", func(in *mturk.CreateHITInput) { in.Question = aws.String(externalURLQ("http://tasks.example.com/x")) }, "AWS.MechanicalTurk.InvalidParameterValue", "https"},
		{"html without frame height", func(in *mturk.CreateHITInput) {
			in.Question = aws.String(strings.Replace(htmlQ, "<FrameHeight>450</FrameHeight>", "", 1))
		}, "AWS.MechanicalTurk.XMLParseError", "FrameHeight"},
		{"eleven qualification requirements", func(in *mturk.CreateHITInput) {
			for range 11 {
				in.QualificationRequirements = append(in.QualificationRequirements, qr(hitd.QualAdult, types.ComparatorExists, nil, nil))
			}
		}, "AWS.MechanicalTurk.ParameterOutOfRange", "at most 10"},
		{"unknown comparator", func(in *mturk.CreateHITInput) {
			in.QualificationRequirements = []types.QualificationRequirement{qr(hitd.QualAdult, "Bigger", []int32{1}, nil)}
		}, "AWS.MechanicalTurk.InvalidParameterValue", "Comparator"},
		{"exists with a value", func(in *mturk.CreateHITInput) {
			in.QualificationRequirements = []types.QualificationRequirement{qr(hitd.QualAdult, types.ComparatorExists, []int32{1}, nil)}
		}, "AWS.MechanicalTurk.InvalidParameterValue", "Exists"},
		{"greater-than with two values", func(in *mturk.CreateHITInput) {
			in.QualificationRequirements = []types.QualificationRequirement{qr(hitd.QualPercentAssignmentsApproved, types.ComparatorGreaterThan, []int32{1, 2}, nil)}
		}, "AWS.MechanicalTurk.InvalidParameterValue", "exactly one IntegerValue"},
		{"in with 16 integers", func(in *mturk.CreateHITInput) {
			in.QualificationRequirements = []types.QualificationRequirement{qr(hitd.QualNumberHITsApproved, types.ComparatorIn, make([]int32, 16), nil)}
		}, "AWS.MechanicalTurk.ParameterOutOfRange", "15"},
		{"locale on a non-locale type", func(in *mturk.CreateHITInput) {
			in.QualificationRequirements = []types.QualificationRequirement{qr(hitd.QualAdult, types.ComparatorEqualTo, nil, us)}
		}, "AWS.MechanicalTurk.InvalidParameterValue", "Worker_Locale"},
		{"integer on the locale type", func(in *mturk.CreateHITInput) {
			in.QualificationRequirements = []types.QualificationRequirement{qr(hitd.QualLocale, types.ComparatorEqualTo, []int32{1}, nil)}
		}, "AWS.MechanicalTurk.InvalidParameterValue", "LocaleValues"},
		{"bad country", func(in *mturk.CreateHITInput) {
			in.QualificationRequirements = []types.QualificationRequirement{qr(hitd.QualLocale, types.ComparatorEqualTo, nil, []types.Locale{{Country: aws.String("us")}})}
		}, "AWS.MechanicalTurk.InvalidParameterValue", "Country"},
		{"bad actions guarded", func(in *mturk.CreateHITInput) {
			q := qr(hitd.QualAdult, types.ComparatorExists, nil, nil)
			q.ActionsGuarded = "Everything"
			in.QualificationRequirements = []types.QualificationRequirement{q}
		}, "AWS.MechanicalTurk.InvalidParameterValue", "ActionsGuarded"},
		{"required-to-preview with actions guarded", func(in *mturk.CreateHITInput) {
			q := qr(hitd.QualAdult, types.ComparatorExists, nil, nil)
			q.ActionsGuarded, q.RequiredToPreview = types.HITAccessActionsAccept, aws.Bool(true)
			in.QualificationRequirements = []types.QualificationRequirement{q}
		}, "AWS.MechanicalTurk.InvalidParameterValue", "RequiredToPreview"},
		{"unknown qualification type", func(in *mturk.CreateHITInput) {
			in.QualificationRequirements = []types.QualificationRequirement{qr("3NOSUCHQUAL", types.ComparatorExists, nil, nil)}
		}, "AWS.MechanicalTurk.QualificationTypeDoesNotExist", "3NOSUCHQUAL"},
		{"masters (sandbox id) is a system type", func(in *mturk.CreateHITInput) {
			in.QualificationRequirements = []types.QualificationRequirement{qr(hitd.QualMastersSandbox, types.ComparatorExists, nil, nil)}
		}, "", ""},
		{"review policy with an unknown name", func(in *mturk.CreateHITInput) {
			in.AssignmentReviewPolicy = &types.ReviewPolicy{PolicyName: aws.String("Whatever/2011-09-01")}
		}, "AWS.MechanicalTurk.InvalidParameterValue", "review policy"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := createHITInput()
			tc.modify(in)
			before := countHITs(t, env.Client)
			_, err := env.Client.CreateHIT(ctx, in)
			if tc.code == "" {
				if err != nil {
					t.Fatalf("want success, got %v", err)
				}
				return
			}
			wantTurk(t, err, tc.code, tc.msg)
			if after := countHITs(t, env.Client); after != before {
				t.Errorf("a failed CreateHIT left %d HITs behind", after-before)
			}
		})
	}
}

func countHITs(t *testing.T, c *mturk.Client) int {
	t.Helper()
	n := 0
	p := mturk.NewListHITsPaginator(c, &mturk.ListHITsInput{MaxResults: aws.Int32(100)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		n += len(page.HITs)
	}
	return n
}

func TestUniqueRequestToken(t *testing.T) {
	env := hitdtest.New(t)
	ctx := context.Background()
	in := createHITInput()
	in.UniqueRequestToken = aws.String("batch-2026-11-23-item-1")
	first, err := env.Client.CreateHIT(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	_, err = env.Client.CreateHIT(ctx, in)
	wantTurk(t, err, "AWS.MechanicalTurk.HitAlreadyExists", aws.ToString(first.HIT.HITId))

	// CreateHITWithHITType shares the token space.
	_, err = env.Client.CreateHITWithHITType(ctx, &mturk.CreateHITWithHITTypeInput{HITTypeId: first.HIT.HITTypeId,
		LifetimeInSeconds: aws.Int64(60), Question: aws.String(formQ), UniqueRequestToken: in.UniqueRequestToken})
	wantTurk(t, err, "AWS.MechanicalTurk.HitAlreadyExists", aws.ToString(first.HIT.HITId))

	// Another requester's identical token is independent.
	_, other := env.NewRequester("other")
	if _, err := other.CreateHIT(ctx, in); err != nil {
		t.Errorf("other requester, same token: %v", err)
	}

	// After 24 hours the token is forgotten.
	env.Clock.Advance(24*time.Hour + time.Second)
	if _, err := env.Client.CreateHIT(ctx, in); err != nil {
		t.Errorf("same token after 24h: %v", err)
	}
	if n := countHITs(t, env.Client); n != 2 {
		t.Errorf("root has %d HITs, want 2", n)
	}
}

func TestUniqueRequestTokenUnderConcurrency(t *testing.T) {
	env := hitdtest.New(t)
	ctx := context.Background()
	in := createHITInput()
	in.UniqueRequestToken = aws.String("concurrent")
	const n = 100
	var wg sync.WaitGroup
	var mu sync.Mutex
	created, dup := 0, 0
	var others []error
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := env.Client.CreateHIT(ctx, in)
			mu.Lock()
			defer mu.Unlock()
			var re *types.RequestError
			switch {
			case err == nil:
				created++
			case errors.As(err, &re) && aws.ToString(re.TurkErrorCode) == "AWS.MechanicalTurk.HitAlreadyExists":
				dup++
			default:
				others = append(others, err)
			}
		}()
	}
	wg.Wait()
	if created != 1 || dup != n-1 || len(others) > 0 {
		t.Fatalf("created %d, duplicates %d, other errors %v; want 1 and %d", created, dup, others, n-1)
	}
	if c := countHITs(t, env.Client); c != 1 {
		t.Fatalf("%d HITs exist, want 1", c)
	}
}

func TestExpiryAndUpdateExpiration(t *testing.T) {
	env := hitdtest.New(t)
	ctx := context.Background()
	h, err := env.Client.CreateHIT(ctx, createHITInput())
	if err != nil {
		t.Fatal(err)
	}
	id := h.HIT.HITId
	status := func() types.HITStatus {
		t.Helper()
		g, err := env.Client.GetHIT(ctx, &mturk.GetHITInput{HITId: id})
		if err != nil {
			t.Fatal(err)
		}
		return g.HIT.HITStatus
	}
	env.Clock.Advance(59 * time.Minute)
	if s := status(); s != types.HITStatusAssignable {
		t.Errorf("before expiry: %s", s)
	}
	env.Clock.Advance(time.Minute)
	if s := status(); s != types.HITStatusReviewable {
		t.Errorf("at expiry: %s, want Reviewable", s)
	}
	// Extend it: assignable again.
	if _, err := env.Client.UpdateExpirationForHIT(ctx, &mturk.UpdateExpirationForHITInput{HITId: id, ExpireAt: aws.Time(env.Clock.Now().Add(2 * time.Hour))}); err != nil {
		t.Fatal(err)
	}
	g, _ := env.Client.GetHIT(ctx, &mturk.GetHITInput{HITId: id})
	if g.HIT.HITStatus != types.HITStatusAssignable || !g.HIT.Expiration.Equal(env.Clock.Now().Add(2*time.Hour)) {
		t.Errorf("after extension: %s, expires %v", g.HIT.HITStatus, g.HIT.Expiration)
	}
	// A time in the past expires it now.
	if _, err := env.Client.UpdateExpirationForHIT(ctx, &mturk.UpdateExpirationForHITInput{HITId: id, ExpireAt: aws.Time(time.Unix(0, 0))}); err != nil {
		t.Fatal(err)
	}
	g, _ = env.Client.GetHIT(ctx, &mturk.GetHITInput{HITId: id})
	if g.HIT.HITStatus != types.HITStatusReviewable || !g.HIT.Expiration.Equal(env.Clock.Now()) {
		t.Errorf("after expire-now: %s, expires %v (now %v)", g.HIT.HITStatus, g.HIT.Expiration, env.Clock.Now())
	}
	_, err = env.Client.UpdateExpirationForHIT(ctx, &mturk.UpdateExpirationForHITInput{HITId: id, ExpireAt: aws.Time(env.Clock.Now().Add(400 * 24 * time.Hour))})
	wantTurk(t, err, "AWS.MechanicalTurk.ParameterOutOfRange", "ExpireAt")
	_, err = env.Client.UpdateExpirationForHIT(ctx, &mturk.UpdateExpirationForHITInput{HITId: aws.String("NOPE"), ExpireAt: aws.Time(env.Clock.Now())})
	wantTurk(t, err, "AWS.MechanicalTurk.HITDoesNotExist", "NOPE")
}

func TestDeleteHIT(t *testing.T) {
	env := hitdtest.New(t)
	ctx := context.Background()
	h, err := env.Client.CreateHIT(ctx, createHITInput())
	if err != nil {
		t.Fatal(err)
	}
	keep, err := env.Client.CreateHIT(ctx, createHITInput())
	if err != nil {
		t.Fatal(err)
	}
	id := h.HIT.HITId
	_, err = env.Client.DeleteHIT(ctx, &mturk.DeleteHITInput{HITId: id})
	wantTurk(t, err, "AWS.MechanicalTurk.InvalidHITState", "Assignable")

	env.Clock.Advance(time.Hour) // both expire
	if _, err := env.Client.DeleteHIT(ctx, &mturk.DeleteHITInput{HITId: id}); err != nil {
		t.Fatal(err)
	}
	// As on MTurk, a deleted HIT reads as Disposed, and deleting it again
	// fails by that state (Dallinger treats the message as "already gone").
	got, err := env.Client.GetHIT(ctx, &mturk.GetHITInput{HITId: id})
	if err != nil || got.HIT.HITStatus != types.HITStatusDisposed {
		t.Fatalf("GetHIT after delete: %v, %v", got, err)
	}
	_, err = env.Client.DeleteHIT(ctx, &mturk.DeleteHITInput{HITId: id})
	wantTurk(t, err, "AWS.MechanicalTurk.InvalidHITState", "This HIT is currently in the state 'Disposed'.")
	_, err = env.Client.UpdateExpirationForHIT(ctx, &mturk.UpdateExpirationForHITInput{HITId: id, ExpireAt: aws.Time(time.Unix(0, 0))})
	wantTurk(t, err, "AWS.MechanicalTurk.HITDoesNotExist", aws.ToString(id))
	list, err := env.Client.ListHITs(ctx, &mturk.ListHITsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.HITs) != 1 || aws.ToString(list.HITs[0].HITId) != aws.ToString(keep.HIT.HITId) {
		t.Errorf("ListHITs after delete: %d HITs", len(list.HITs))
	}
}

func TestUpdateHITReviewStatus(t *testing.T) {
	env := hitdtest.New(t)
	ctx := context.Background()
	h, err := env.Client.CreateHIT(ctx, createHITInput())
	if err != nil {
		t.Fatal(err)
	}
	id := h.HIT.HITId
	_, err = env.Client.UpdateHITReviewStatus(ctx, &mturk.UpdateHITReviewStatusInput{HITId: id})
	wantTurk(t, err, "AWS.MechanicalTurk.InvalidHITState", "Reviewable")

	env.Clock.Advance(2 * time.Hour)
	_, err = env.Client.UpdateHITReviewStatus(ctx, &mturk.UpdateHITReviewStatusInput{HITId: id, Revert: aws.Bool(true)})
	wantTurk(t, err, "AWS.MechanicalTurk.InvalidHITState", "Reviewing")
	if _, err := env.Client.UpdateHITReviewStatus(ctx, &mturk.UpdateHITReviewStatusInput{HITId: id, Revert: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	g, _ := env.Client.GetHIT(ctx, &mturk.GetHITInput{HITId: id})
	if g.HIT.HITStatus != types.HITStatusReviewing {
		t.Errorf("status %s, want Reviewing", g.HIT.HITStatus)
	}
	_, err = env.Client.DeleteHIT(ctx, &mturk.DeleteHITInput{HITId: id})
	wantTurk(t, err, "AWS.MechanicalTurk.InvalidHITState", "Reviewing")
	if _, err := env.Client.UpdateHITReviewStatus(ctx, &mturk.UpdateHITReviewStatusInput{HITId: id, Revert: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	g, _ = env.Client.GetHIT(ctx, &mturk.GetHITInput{HITId: id})
	if g.HIT.HITStatus != types.HITStatusReviewable {
		t.Errorf("status %s, want Reviewable", g.HIT.HITStatus)
	}
}

func TestUpdateHITTypeOfHIT(t *testing.T) {
	env := hitdtest.New(t)
	ctx := context.Background()
	h, err := env.Client.CreateHIT(ctx, createHITInput())
	if err != nil {
		t.Fatal(err)
	}
	nt, err := env.Client.CreateHITType(ctx, &mturk.CreateHITTypeInput{Title: aws.String("New title"), Description: aws.String("New"),
		Reward: aws.String("1.25"), AssignmentDurationInSeconds: aws.Int64(120), AutoApprovalDelayInSeconds: aws.Int64(60)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Client.UpdateHITTypeOfHIT(ctx, &mturk.UpdateHITTypeOfHITInput{HITId: h.HIT.HITId, HITTypeId: nt.HITTypeId}); err != nil {
		t.Fatal(err)
	}
	g, err := env.Client.GetHIT(ctx, &mturk.GetHITInput{HITId: h.HIT.HITId})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(g.HIT.HITTypeId) != aws.ToString(nt.HITTypeId) || aws.ToString(g.HIT.Title) != "New title" || aws.ToString(g.HIT.Reward) != "1.25" ||
		aws.ToInt64(g.HIT.AutoApprovalDelayInSeconds) != 60 || aws.ToString(g.HIT.Keywords) != "" {
		t.Errorf("after UpdateHITTypeOfHIT: %+v", g.HIT)
	}
	_, err = env.Client.UpdateHITTypeOfHIT(ctx, &mturk.UpdateHITTypeOfHITInput{HITId: h.HIT.HITId, HITTypeId: aws.String("3NOSUCHTYPE")})
	wantTurk(t, err, "AWS.MechanicalTurk.HITTypeDoesNotExist", "3NOSUCHTYPE")
}

func TestListHITsPagination(t *testing.T) {
	env := hitdtest.New(t)
	ctx := context.Background()
	want := map[string]bool{}
	for i := range 25 {
		in := createHITInput()
		in.RequesterAnnotation = aws.String(fmt.Sprint(i))
		h, err := env.Client.CreateHIT(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		want[aws.ToString(h.HIT.HITId)] = true
	}
	_, other := env.NewRequester("other")
	if _, err := other.CreateHIT(ctx, createHITInput()); err != nil {
		t.Fatal(err)
	}
	var sizes []int
	seen := map[string]bool{}
	var order []string
	p := mturk.NewListHITsPaginator(env.Client, &mturk.ListHITsInput{MaxResults: aws.Int32(10)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(page.HITs))
		if int(aws.ToInt32(page.NumResults)) != len(page.HITs) {
			t.Errorf("NumResults %d for %d HITs", aws.ToInt32(page.NumResults), len(page.HITs))
		}
		for _, h := range page.HITs {
			id := aws.ToString(h.HITId)
			if seen[id] || !want[id] {
				t.Errorf("HIT %s duplicated or foreign", id)
			}
			seen[id] = true
			order = append(order, aws.ToString(h.RequesterAnnotation))
		}
	}
	// As on MTurk, every non-empty page has a NextToken: the paginator
	// stops at the empty page after the last.
	if fmt.Sprint(sizes) != "[10 10 5 0]" || len(seen) != 25 {
		t.Errorf("page sizes %v, %d distinct HITs", sizes, len(seen))
	}
	for i, a := range order {
		if a != fmt.Sprint(i) {
			t.Fatalf("order %v is not creation order", order)
		}
	}
	def, err := env.Client.ListHITs(ctx, &mturk.ListHITsInput{})
	if err != nil || len(def.HITs) != 10 || def.NextToken == nil {
		t.Errorf("default page: %d HITs, next %v, %v", len(def.HITs), def.NextToken, err)
	}
	for _, bad := range []int32{0, 101} {
		_, err := env.Client.ListHITs(ctx, &mturk.ListHITsInput{MaxResults: aws.Int32(bad)})
		wantTurk(t, err, "AWS.MechanicalTurk.ParameterOutOfRange", "MaxResults")
	}
	_, err = env.Client.ListHITs(ctx, &mturk.ListHITsInput{NextToken: aws.String("garbage")})
	wantTurk(t, err, "AWS.MechanicalTurk.InvalidParameterValue", "NextToken")
}

func TestRequestersAreIsolated(t *testing.T) {
	env := hitdtest.New(t)
	ctx := context.Background()
	h, err := env.Client.CreateHIT(ctx, createHITInput())
	if err != nil {
		t.Fatal(err)
	}
	_, other := env.NewRequester("other")
	_, err = other.GetHIT(ctx, &mturk.GetHITInput{HITId: h.HIT.HITId})
	wantTurk(t, err, "AWS.MechanicalTurk.HITDoesNotExist", aws.ToString(h.HIT.HITId))
	for _, call := range []func() error{
		func() error { _, err := other.DeleteHIT(ctx, &mturk.DeleteHITInput{HITId: h.HIT.HITId}); return err },
		func() error {
			_, err := other.UpdateExpirationForHIT(ctx, &mturk.UpdateExpirationForHITInput{HITId: h.HIT.HITId, ExpireAt: aws.Time(time.Now())})
			return err
		},
		func() error {
			_, err := other.UpdateHITReviewStatus(ctx, &mturk.UpdateHITReviewStatusInput{HITId: h.HIT.HITId})
			return err
		},
	} {
		wantTurk(t, call(), "AWS.MechanicalTurk.HITDoesNotExist", aws.ToString(h.HIT.HITId))
	}
	list, err := other.ListHITs(ctx, &mturk.ListHITsInput{})
	if err != nil || len(list.HITs) != 0 {
		t.Errorf("other requester lists %d HITs, %v", len(list.HITs), err)
	}
}

func TestGetAccountBalance(t *testing.T) {
	env := hitdtest.New(t)
	out, err := env.Client.GetAccountBalance(context.Background(), &mturk.GetAccountBalanceInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.AvailableBalance) != "10000.00" || out.OnHoldBalance != nil {
		t.Errorf("AvailableBalance = %q, OnHoldBalance = %v (docs/api.md: never sent)", aws.ToString(out.AvailableBalance), out.OnHoldBalance)
	}
}

// TestEveryOperationIsImplemented checks the table: every operation of the
// 2017-01-17 model has a Service method behind it. (e2e/test_all_ops.py
// calls each one through boto3.)
func TestEveryOperationIsImplemented(t *testing.T) {
	all := api.NewTable().All()
	if len(all) != 39 {
		t.Fatalf("%d operations in the table, want the model's 39", len(all))
	}
	for _, o := range all {
		if !o.Implemented() {
			t.Errorf("%s is not implemented", o.Name)
		}
	}
}

func TestBadCredentials(t *testing.T) {
	env := hitdtest.New(t)
	ctx := context.Background()
	for _, tc := range []struct {
		key, secret, code string
	}{
		{hitdtest.RootAccessKeyID, "wrong-secret", "InvalidSignatureException"},
		{"HITDUNKNOWNKEY000000", "whatever", "UnrecognizedClientException"},
	} {
		_, err := env.NewClient(tc.key, tc.secret).GetAccountBalance(ctx, &mturk.GetAccountBalanceInput{})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != tc.code {
			t.Errorf("key %s: got %v, want %s", tc.key, err, tc.code)
		}
	}
}
