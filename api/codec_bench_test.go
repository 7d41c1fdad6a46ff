package api

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/hitd/hitd"
)

const benchQuestion = `<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<!DOCTYPE html><html><body><form name="mturk_form" method="post" action="https://www.mturk.com/mturk/externalSubmit"><input type="hidden" name="assignmentId" id="assignmentId" value=""><p>Is this a cat?</p><input type="radio" name="cat" value="yes">yes <input type="radio" name="cat" value="no">no<input type="submit"></form></body></html>]]></HTMLContent><FrameHeight>450</FrameHeight></HTMLQuestion>`

// BenchmarkDecodeCreateHIT is the JSON decoding of a typical CreateHIT
// request body into its input type, as every edge does it.
func BenchmarkDecodeCreateHIT(b *testing.B) {
	body := []byte(`{"Title":"Is this a cat?","Description":"Look at one picture and say whether it shows a cat.","Keywords":"image, cat, label",
		"Reward":"0.05","MaxAssignments":3,"LifetimeInSeconds":86400,"AssignmentDurationInSeconds":600,"AutoApprovalDelayInSeconds":259200,
		"RequesterAnnotation":"batch-17 row 4242","UniqueRequestToken":"batch-17-4242",
		"QualificationRequirements":[{"QualificationTypeId":"000000000000000000L0","Comparator":"GreaterThanOrEqualTo","IntegerValues":[95]},
		{"QualificationTypeId":"00000000000000000071","Comparator":"In","LocaleValues":[{"Country":"US"},{"Country":"CA"}]}],
		"Question":` + quote(benchQuestion) + `}`)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var in hitd.CreateHITInput
		if err := DecodeInput(body, &in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeHIT is the JSON encoding of CreateHIT's output (one HIT,
// timestamps rewritten to epoch seconds as AWS JSON 1.1 has them).
func BenchmarkEncodeHIT(b *testing.B) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	out := &hitd.HITOutput{HIT: &hitd.HITData{HITId: "3AQF3RZ558H03P7ZPD2X6DZSK6P6N1", HITTypeId: "3XJ0ZQ0ZL9HPJ2M3M0KRZ6ROEQXG5N",
		HITGroupId: "3XJ0ZQ0ZL9HPJ2M3M0KRZ6ROEQXG5N", CreationTime: now, Title: "Is this a cat?", Description: "Look at one picture.",
		Question: benchQuestion, Keywords: "image, cat", HITStatus: "Assignable", MaxAssignments: 3, Reward: "0.05",
		AutoApprovalDelayInSeconds: 259200, Expiration: now.Add(24 * time.Hour), AssignmentDurationInSeconds: 600,
		QualificationRequirements: []hitd.QualificationRequirement{}, HITReviewStatus: "NotReviewed", NumberOfAssignmentsAvailable: 3}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EncodeOutput(out, EpochSeconds); err != nil {
			b.Fatal(err)
		}
	}
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
