package server_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/aws/smithy-go"
	"github.com/hitd/hitd/internal/hitdtest"
)

// TestRotatedKeyThroughTheSDK rotates a requester's key with a grace
// period: through the real aws-sdk-go-v2 client (SigV4 on the 2017 API) and
// HTTP Basic on the REST edge, the old key and the new one both work until
// the Service's clock reaches the end of the grace; from that instant the
// old key is refused exactly as an unknown key is, and the new one goes on.
func TestRotatedKeyThroughTheSDK(t *testing.T) {
	env := hitdtest.New(t)
	ctx := context.Background()
	lab, oldClient := env.NewRequester("lab")
	const grace = 24 * time.Hour
	rotated, _, err := env.Service.RotateAccessKey(ctx, lab.AccessKeyID, grace)
	if err != nil {
		t.Fatal(err)
	}
	newClient := env.NewClient(rotated.AccessKeyID, rotated.SecretAccessKey)
	basic := func(key, secret string) int {
		req, _ := http.NewRequest(http.MethodPost, env.URL+"/v1/get-account-balance", strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		req.SetBasicAuth(key, secret)
		status, _, _ := send(t, req)
		return status
	}
	// Both keys are the one requester: they see one balance.
	want := "10000.00"
	balance := func(what string, c *mturk.Client) error {
		out, err := c.GetAccountBalance(ctx, &mturk.GetAccountBalanceInput{})
		if err == nil && aws.ToString(out.AvailableBalance) != want {
			t.Errorf("%s: balance %s, want %s", what, aws.ToString(out.AvailableBalance), want)
		}
		return err
	}
	works := func(when string) {
		t.Helper()
		for what, c := range map[string]*mturk.Client{"old key": oldClient, "new key": newClient} {
			if err := balance(what+" "+when, c); err != nil {
				t.Errorf("%s %s: %v", what, when, err)
			}
		}
		if st := basic(lab.AccessKeyID, lab.SecretAccessKey); st != 200 {
			t.Errorf("old key over HTTP Basic %s: %d", when, st)
		}
	}
	works("at once")
	// A HIT made with the old key belongs to the same requester.
	if _, err := oldClient.CreateHIT(ctx, &mturk.CreateHITInput{Title: aws.String("t"), Description: aws.String("d"), Reward: aws.String("0.05"),
		AssignmentDurationInSeconds: aws.Int64(600), LifetimeInSeconds: aws.Int64(3600), MaxAssignments: aws.Int32(1), Question: aws.String(externalQ)}); err != nil {
		t.Fatal(err)
	}
	if out, err := newClient.ListHITs(ctx, &mturk.ListHITsInput{}); err != nil || len(out.HITs) != 1 {
		t.Fatalf("the new key's HITs: %+v, %v", out, err)
	}
	want = "9999.94" // 0.05 reward + 0.01 fee reserved

	env.Clock.Advance(grace - time.Second) // signatures use the real clock; the grace the Service's
	works("a second before the grace ends")
	env.Clock.Advance(time.Second)
	code := func(err error) string {
		var ae smithy.APIError
		if !errors.As(err, &ae) {
			return ""
		}
		return ae.ErrorCode() + ": " + ae.ErrorMessage()
	}
	_, unknown := env.NewClient("HITDUNKNOWNKEY000000", "whatever").GetAccountBalance(ctx, &mturk.GetAccountBalanceInput{})
	if got, want := code(balance("old key", oldClient)), code(unknown); got != want || !strings.HasPrefix(got, "UnrecognizedClientException") {
		t.Errorf("old key after the grace: %q, want %q as for an unknown key", got, want)
	}
	if st := basic(lab.AccessKeyID, lab.SecretAccessKey); st != http.StatusForbidden {
		t.Errorf("old key over HTTP Basic after the grace: %d, want 403", st)
	}
	if err := balance("new key after the grace", newClient); err != nil {
		t.Errorf("new key after the grace: %v", err)
	}
}
