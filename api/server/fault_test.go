package server_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/aws/aws-sdk-go-v2/service/mturk/types"
	"github.com/hitd/hitd/internal/hitdtest"
)

// TestServiceFault: when the server, not the caller, is at fault (here the
// store is gone), both edges answer HTTP 500 with MTurk's ServiceFault,
// which the Go SDK surfaces as *types.ServiceFault, and the message says
// nothing of the cause.
func TestServiceFault(t *testing.T) {
	env := hitdtest.New(t)
	ctx := context.Background()
	h, err := env.Client.CreateHIT(ctx, createHITInput())
	if err != nil {
		t.Fatal(err)
	}
	env.Store.Close()

	_, err = env.Client.GetHIT(ctx, &mturk.GetHITInput{HITId: h.HIT.HITId})
	var fault *types.ServiceFault
	if !errors.As(err, &fault) {
		t.Fatalf("GetHIT with the store closed: %v, want *types.ServiceFault", err)
	}
	if aws.ToString(fault.TurkErrorCode) != "AWS.MechanicalTurk.ServiceFault" || !strings.HasPrefix(fault.ErrorMessage(), "The service is unable to process your request.") {
		t.Errorf("ServiceFault %q / %q", aws.ToString(fault.TurkErrorCode), fault.ErrorMessage())
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != 500 {
		t.Errorf("HTTP status: %v, want 500", err)
	}
	for _, leak := range []string{"closed", "sql", "database", ".go:"} {
		if strings.Contains(strings.ToLower(fault.ErrorMessage()), leak) {
			t.Errorf("the fault's message %q leaks %q", fault.ErrorMessage(), leak)
		}
	}

	status, body, _ := do(t, restReq(t, env, "/v1/get-hit", `{"HITId":"`+aws.ToString(h.HIT.HITId)+`"}`))
	if status != 500 || body["__type"] != "ServiceFault" || body["TurkErrorCode"] != "AWS.MechanicalTurk.ServiceFault" {
		t.Errorf("REST with the store closed: %d %v, want 500 ServiceFault", status, body)
	}
}
