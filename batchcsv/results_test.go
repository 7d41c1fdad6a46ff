package batchcsv

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/qform"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var t0 = time.Date(2026, time.November, 3, 12, 0, 0, 0, time.UTC)

// sampleBatch is a small batch: HIT 1 with an approved and a submitted
// assignment (one from an HTMLQuestion with checkboxes, one decoded from a
// QuestionForm answer), HIT 2 with no assignment, HIT 3 with a rejected
// one.
func sampleBatch(t *testing.T) ResultsBatch {
	t.Helper()
	ht := &hitd.HITType{
		ID: "3AAAAAAAAAAAAAAAAAAAAAAAAAAAAA", Title: "Tag an image", Description: `Say what is in the picture, "briefly"`,
		Keywords: "image, tagging", Reward: 5, AssignmentDurationInSeconds: 3600, AutoApprovalDelayInSeconds: 259200,
	}
	hit := func(id, annotation string) *hitd.HIT {
		return &hitd.HIT{ID: id, HITTypeID: ht.ID, MaxAssignments: 2, LifetimeInSeconds: 86400,
			CreationTime: t0, Expiration: t0.Add(24 * time.Hour), RequesterAnnotation: annotation}
	}
	h1, h2, h3 := hit("3HIT1AAAAAAAAAAAAAAAAAAAAAAAAA", "batch 7"), hit("3HIT2AAAAAAAAAAAAAAAAAAAAAAAAA", ""), hit("3HIT3AAAAAAAAAAAAAAAAAAAAAAAAA", "")
	submitted := func(id, worker string, accepted time.Duration, answer string) *hitd.Assignment {
		a := &hitd.Assignment{ID: id, HITID: h1.ID, WorkerID: worker, Status: hitd.AssignmentSubmitted,
			AcceptTime: t0.Add(accepted), SubmitTime: t0.Add(accepted + 95*time.Second + 700*time.Millisecond), Answer: answer}
		a.AutoApprovalTime = a.SubmitTime.Add(259200 * time.Second)
		return a
	}
	htmlAnswer := qform.EncodeAnswers(qform.FreeTextAnswers([]qform.Field{
		{Name: "tags", Values: []string{"cat", "dog"}}, {Name: "comment", Values: []string{"Nice, \"clear\" photo\nthanks"}},
	}))
	a1 := submitted("3ASG1AAAAAAAAAAAAAAAAAAAAAAAAA", "AWORKER1", time.Minute, htmlAnswer)
	a1.Status, a1.ApprovalTime, a1.RequesterFeedback = hitd.AssignmentApproved, t0.Add(time.Hour), "Thanks!"
	other := "a ferret"
	formAnswer := qform.EncodeAnswers([]qform.Answer{{QuestionIdentifier: "animal", SelectionIdentifiers: []string{"other"}, OtherSelectionText: &other}})
	a2 := submitted("3ASG2AAAAAAAAAAAAAAAAAAAAAAAAA", "AWORKER2", 2*time.Minute, formAnswer)
	a3 := submitted("3ASG3AAAAAAAAAAAAAAAAAAAAAAAAA", "AWORKER1", 3*time.Minute, "")
	a3.HITID, a3.Status, a3.RejectionTime, a3.RequesterFeedback = h3.ID, hitd.AssignmentRejected, t0.Add(2*time.Hour), "No tags given."
	a3.AutoApprovalTime = time.Time{}

	input := func(url, caption string) map[string]string {
		return map[string]string{"image_url": url, "caption": caption}
	}
	return ResultsBatch{
		InputColumns: []string{"image_url", "caption"},
		Rows: []ResultRow{
			{HIT: h1, HITType: ht, Input: input("http://x/1.jpg", "first, of three"), Assignment: a1},
			{HIT: h1, HITType: ht, Input: input("http://x/1.jpg", "first, of three"), Assignment: a2},
			{HIT: h2, HITType: ht, Input: input("http://x/2.jpg", "")},
			{HIT: h3, HITType: ht, Input: map[string]string{"image_url": "http://x/3.jpg"}, Assignment: a3,
				Answers: map[string][]string{"tags": {"=1+1"}}},
		},
	}
}

func TestWriteResultsGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteResults(&buf, sampleBatch(t)); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "results.csv")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != string(want) {
		t.Errorf("WriteResults wrote\n%s\nwant (%s)\n%s", got, golden, want)
	}
}

func TestWriteResultsHeader(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteResults(&buf, ResultsBatch{InputColumns: []string{"x"}}); err != nil {
		t.Fatal(err)
	}
	want := "HITId,HITTypeId,Title,Description,Keywords,Reward,CreationTime,MaxAssignments,RequesterAnnotation," +
		"AssignmentDurationInSeconds,AutoApprovalDelayInSeconds,Expiration,NumberOfSimilarHITs,LifetimeInSeconds," +
		"AssignmentId,WorkerId,AssignmentStatus,AcceptTime,SubmitTime,AutoApprovalTime,ApprovalTime,RejectionTime," +
		"RequesterFeedback,WorkTimeInSeconds,LifetimeApprovalRate,Last30DaysApprovalRate,Last7DaysApprovalRate," +
		"Input.x,Approve,Reject\n"
	if buf.String() != want {
		t.Errorf("header =\n%s\nwant\n%s", buf.String(), want)
	}
}

func TestWriteResultsErrors(t *testing.T) {
	b := sampleBatch(t)
	tests := []struct {
		name  string
		batch ResultsBatch
		want  string
	}{
		{"repeated input column", ResultsBatch{InputColumns: []string{"a", "b", "a"}}, `input column "a" is listed twice`},
		{"no HIT", ResultsBatch{Rows: []ResultRow{{HITType: b.Rows[0].HITType}}}, "row 0 has no HIT"},
		{"no type", ResultsBatch{Rows: []ResultRow{b.Rows[0], {HIT: b.Rows[0].HIT}}}, "row 1 has no HIT or no HIT type"},
		{"bad answer XML", ResultsBatch{Rows: []ResultRow{{HIT: b.Rows[0].HIT, HITType: b.Rows[0].HITType,
			Assignment: &hitd.Assignment{ID: "3BAD", Answer: "<nope"}}}}, "the answer of assignment 3BAD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := WriteResults(&bytes.Buffer{}, tt.batch)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestAnswerFields(t *testing.T) {
	text, other := "hello", "Peru"
	xml := qform.EncodeAnswers([]qform.Answer{
		{QuestionIdentifier: "q1", FreeText: &text},
		{QuestionIdentifier: "q2", SelectionIdentifiers: []string{"a", "b"}},
		{QuestionIdentifier: "q3", SelectionIdentifiers: nil, OtherSelectionText: &other},
		{QuestionIdentifier: "q4"},
		{QuestionIdentifier: "q1", SelectionIdentifiers: []string{"again"}},
	})
	got, err := AnswerFields(xml)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"q1": {"hello", "again"}, "q2": {"a", "b"}, "q3": {"Peru"}, "q4": nil}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("AnswerFields = %#v, want %#v", got, want)
	}
	if got, err := AnswerFields(""); err != nil || len(got) != 0 {
		t.Errorf("AnswerFields(\"\") = %v, %v", got, err)
	}
	if _, err := AnswerFields("<QuestionFormAnswers><Answer/>"); err == nil {
		t.Error("AnswerFields accepted broken XML")
	}
}

func TestFormatTime(t *testing.T) {
	pst := time.FixedZone("PST", -8*3600)
	for in, want := range map[time.Time]string{
		{}: "",
		time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC): "Mon Nov 23 12:00:00 UTC 2026",
		time.Date(2026, 11, 3, 4, 5, 6, 0, pst):        "Tue Nov 03 12:05:06 UTC 2026",
	} {
		if got := formatTime(in); got != want {
			t.Errorf("formatTime(%v) = %q, want %q", in, got, want)
		}
	}
}
