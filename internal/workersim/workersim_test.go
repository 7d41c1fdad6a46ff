package workersim_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/aws/aws-sdk-go-v2/service/mturk/types"
	"github.com/hitd/hitd/internal/hitdtest"
	"github.com/hitd/hitd/internal/workersim"
)

const ageForm = `<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd">
  <Question>
    <QuestionIdentifier>age</QuestionIdentifier>
    <IsRequired>true</IsRequired>
    <QuestionContent><Text>How old are you?</Text></QuestionContent>
    <AnswerSpecification><FreeTextAnswer><Constraints><IsNumeric minValue="18" maxValue="120"/></Constraints></FreeTextAnswer></AnswerSpecification>
  </Question>
</QuestionForm>`

// hits makes n HITs of one type with the QuestionForm above and returns
// the type.
func hits(t *testing.T, e *hitdtest.Env, n int) string {
	t.Helper()
	ht, err := e.Client.CreateHITType(context.Background(), &mturk.CreateHITTypeInput{Title: aws.String("Age"), Description: aws.String("d"),
		Reward: aws.String("0.05"), AssignmentDurationInSeconds: aws.Int64(600), AutoApprovalDelayInSeconds: aws.Int64(3600)})
	if err != nil {
		t.Fatal(err)
	}
	for range n {
		if _, err := e.Client.CreateHITWithHITType(context.Background(), &mturk.CreateHITWithHITTypeInput{HITTypeId: ht.HITTypeId,
			LifetimeInSeconds: aws.Int64(3600), MaxAssignments: aws.Int32(2), Question: aws.String(ageForm)}); err != nil {
			t.Fatal(err)
		}
	}
	return *ht.HITTypeId
}

func answers(t *testing.T, s string) *workersim.Answers {
	t.Helper()
	a, err := workersim.ParseAnswers([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestRunTakesTurnsAndStopsAtCount: the workers take turns, each
// submission gets the next answers of the list, and Count stops the run.
func TestRunTakesTurnsAndStopsAtCount(t *testing.T) {
	e := hitdtest.New(t, hitdtest.Options{TestMode: true})
	typeID := hits(t, e, 3)
	var progress []workersim.Assignment
	res, err := workersim.Run(context.Background(), workersim.Options{URL: e.URL, HITTypeID: typeID, Workers: 2, Username: "w", Count: 5,
		Answers:  answers(t, `[{"answers": {"age": "30"}}, {"answers": {"age": 41}}]`),
		Progress: func(a workersim.Assignment) { progress = append(progress, a) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Assignments) != 5 || len(progress) != 5 || len(res.Workers) != 2 {
		t.Fatalf("assignments %d, progress %d, workers %d; want 5, 5, 2", len(res.Assignments), len(progress), len(res.Workers))
	}
	for i, a := range res.Assignments {
		if want := res.Workers[i%2].WorkerID; a.WorkerID != want || a.Status != "Submitted" {
			t.Errorf("assignment %d by %s (%s); want turns, %s", i, a.WorkerID, a.Status, want)
		}
		got, err := e.Client.GetAssignment(context.Background(), &mturk.GetAssignmentInput{AssignmentId: &a.AssignmentID})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"30", "41"}[i%2]
		if !strings.Contains(*got.Assignment.Answer, "<FreeText>"+want+"</FreeText>") {
			t.Errorf("assignment %d answered %s; want age %s", i, *got.Assignment.Answer, want)
		}
	}
	// One slot is left (3 HITs × 2 − 5), of the HIT w-1 did last: w-1 cannot
	// take it, w-2 can; w-3 is made but finds nothing left.
	res, err = workersim.Run(context.Background(), workersim.Options{URL: e.URL, HITTypeID: typeID, Workers: 3, Username: "w",
		Answers: answers(t, `{"answers": {"age": "50"}}`)})
	if err != nil || len(res.Assignments) != 1 || res.Assignments[0].Username != "w-2" || !res.Workers[2].Created || res.Workers[0].Created {
		t.Fatalf("the last slot: %+v %v", res, err)
	}
}

// TestRunReturnsWhatTheFormRefuses: answers the QuestionForm refuses stop
// the run with the form's reasons, and the HIT is given back.
func TestRunReturnsWhatTheFormRefuses(t *testing.T) {
	e := hitdtest.New(t, hitdtest.Options{TestMode: true})
	typeID := hits(t, e, 1)
	res, err := workersim.Run(context.Background(), workersim.Options{URL: e.URL, HITTypeID: typeID, Username: "kid",
		Answers: answers(t, `{"answers": {"age": "12"}}`)})
	if err == nil || !strings.Contains(err.Error(), "422 InvalidAnswer") || !strings.Contains(err.Error(), "age: ") || len(res.Assignments) != 0 {
		t.Fatalf("refused answers: %+v %v", res, err)
	}
	list, err := e.Client.ListHITs(context.Background(), &mturk.ListHITsInput{})
	if err != nil || len(list.HITs) != 1 || aws.ToInt32(list.HITs[0].NumberOfAssignmentsAvailable) != 2 || aws.ToInt32(list.HITs[0].NumberOfAssignmentsPending) != 0 {
		t.Fatalf("the refused assignment was not returned: %+v %v", list.HITs, err)
	}
	if list.HITs[0].HITStatus != types.HITStatusAssignable {
		t.Fatalf("HIT status %s", list.HITs[0].HITStatus)
	}
	// Nothing to take is ErrShort.
	if _, err := workersim.Run(context.Background(), workersim.Options{URL: e.URL, HITID: "NOSUCHHIT", Username: "kid"}); err == nil || errors.Is(err, workersim.ErrShort) {
		t.Fatalf("an unknown HIT: %v; want the server's error, not ErrShort", err)
	}
}
