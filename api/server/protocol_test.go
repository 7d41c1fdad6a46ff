package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/hitd/hitd/internal/hitdtest"
)

// do sends a request and returns status, decoded JSON body and headers.
func do(t *testing.T, req *http.Request) (int, map[string]any, http.Header) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var body map[string]any
	if len(raw) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/") {
		if err := json.Unmarshal(raw, &body); err != nil {
			t.Fatalf("response is not JSON: %q", raw)
		}
	}
	return resp.StatusCode, body, resp.Header
}

// signedJSON builds an AWS JSON 1.1 request signed as the root requester.
func signedJSON(t *testing.T, env *hitdtest.Env, target, body string) *http.Request {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	sum := sha256.Sum256([]byte(body))
	err := v4.NewSigner().SignHTTP(context.Background(),
		aws.Credentials{AccessKeyID: hitdtest.RootAccessKeyID, SecretAccessKey: hitdtest.RootSecret},
		req, hex.EncodeToString(sum[:]), "mturk-requester", "us-east-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func restReq(t *testing.T, env *hitdtest.Env, path, body string) *http.Request {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, env.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(hitdtest.RootAccessKeyID, hitdtest.RootSecret)
	return req
}

func TestAWSJSONProtocolErrors(t *testing.T) {
	env := hitdtest.New(t)
	tests := []struct {
		name, target, body string
		status             int
		typ, turk, msg     string
	}{
		{"unknown target", "MTurkRequesterServiceV20170117.LaunchRockets", "{}", 400, "UnknownOperationException", "", "LaunchRockets"},
		{"foreign prefix", "DynamoDB_20120810.GetItem", "{}", 400, "UnknownOperationException", "", "DynamoDB"},
		{"no target", "", "{}", 400, "UnknownOperationException", "", "X-Amz-Target"},
		{"malformed JSON", "MTurkRequesterServiceV20170117.GetHIT", `{"HITId":`, 400, "RequestError", "AWS.MechanicalTurk.InvalidParameterValue", "not valid JSON"},
		{"unknown member", "MTurkRequesterServiceV20170117.GetHIT", `{"HITId":"X","Bogus":1}`, 400, "RequestError", "AWS.MechanicalTurk.InvalidParameterValue", "Bogus"},
		{"wrong type", "MTurkRequesterServiceV20170117.ListHITs", `{"MaxResults":"ten"}`, 400, "RequestError", "AWS.MechanicalTurk.InvalidParameterValue", "MaxResults"},
		{"array body", "MTurkRequesterServiceV20170117.ListHITs", `[]`, 400, "RequestError", "AWS.MechanicalTurk.InvalidParameterValue", "JSON object"},
		{"trailing data", "MTurkRequesterServiceV20170117.ListHITs", `{} {}`, 400, "RequestError", "AWS.MechanicalTurk.InvalidParameterValue", "after"},
		{"bad timestamp", "MTurkRequesterServiceV20170117.UpdateExpirationForHIT", `{"HITId":"X","ExpireAt":"tomorrow"}`, 400, "RequestError", "AWS.MechanicalTurk.InvalidParameterValue", "ExpireAt"},
		{"missing required", "MTurkRequesterServiceV20170117.GetHIT", `{}`, 400, "RequestError", "AWS.MechanicalTurk.MissingParameters", "HITId"},
		{"empty body means {}", "MTurkRequesterServiceV20170117.GetAccountBalance", ``, 200, "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body, hdr := do(t, signedJSON(t, env, tc.target, tc.body))
			if status != tc.status {
				t.Fatalf("status %d, want %d (%v)", status, tc.status, body)
			}
			if hdr.Get("Content-Type") != "application/x-amz-json-1.1" || hdr.Get("x-amzn-RequestId") == "" {
				t.Errorf("headers %v", hdr)
			}
			if tc.typ == "" {
				return
			}
			if body["__type"] != tc.typ || (tc.turk != "" && body["TurkErrorCode"] != tc.turk) || !strings.Contains(body["Message"].(string), tc.msg) {
				t.Errorf("body %v, want %s %s mentioning %q", body, tc.typ, tc.turk, tc.msg)
			}
		})
	}
}

func TestAWSJSONTimestampsAreEpochSeconds(t *testing.T) {
	env := hitdtest.New(t)
	body := `{"Title":"t","Description":"d","Reward":"0.01","AssignmentDurationInSeconds":60,"LifetimeInSeconds":60,"Question":` + jsonString(externalQ) + `}`
	status, out, _ := do(t, signedJSON(t, env, "MTurkRequesterServiceV20170117.CreateHIT", body))
	if status != 200 {
		t.Fatalf("status %d: %v", status, out)
	}
	hit := out["HIT"].(map[string]any)
	created, ok := hit["CreationTime"].(float64)
	if !ok || int64(created) != env.Clock.Now().Unix() {
		t.Errorf("CreationTime = %#v, want epoch seconds %d", hit["CreationTime"], env.Clock.Now().Unix())
	}
	// ExpireAt accepts epoch seconds with a fraction.
	id := hit["HITId"].(string)
	at := float64(env.Clock.Now().Add(90*time.Minute).UnixMilli()) / 1000
	status, out, _ = do(t, signedJSON(t, env, "MTurkRequesterServiceV20170117.UpdateExpirationForHIT", `{"HITId":"`+id+`","ExpireAt":`+jsonNumber(at)+`}`))
	if status != 200 {
		t.Fatalf("UpdateExpirationForHIT: %d %v", status, out)
	}
	_, out, _ = do(t, signedJSON(t, env, "MTurkRequesterServiceV20170117.GetHIT", `{"HITId":"`+id+`"}`))
	if exp := out["HIT"].(map[string]any)["Expiration"].(float64); exp != at {
		t.Errorf("Expiration = %v, want %v", exp, at)
	}
}

func jsonString(s string) string  { b, _ := json.Marshal(s); return string(b) }
func jsonNumber(f float64) string { b, _ := json.Marshal(f); return string(b) }

func TestREST(t *testing.T) {
	env := hitdtest.New(t)
	status, out, _ := do(t, restReq(t, env, "/v1/create-hit-type", `{"Title":"t","Description":"d","Reward":"0.25","AssignmentDurationInSeconds":300}`))
	if status != 200 || out["HITTypeId"] == nil {
		t.Fatalf("create-hit-type: %d %v", status, out)
	}
	typeID := out["HITTypeId"].(string)
	status, out, _ = do(t, restReq(t, env, "/api/v1/create-hit-with-hit-type", `{"HITTypeId":"`+typeID+`","LifetimeInSeconds":600,"Question":`+jsonString(formQ)+`}`))
	if status != 200 {
		t.Fatalf("create-hit-with-hit-type: %d %v", status, out)
	}
	hit := out["HIT"].(map[string]any)
	created, err := time.Parse(time.RFC3339, hit["CreationTime"].(string))
	if err != nil || !created.Equal(env.Clock.Now()) {
		t.Errorf("CreationTime %v is not ISO-8601 of %v: %v", hit["CreationTime"], env.Clock.Now(), err)
	}
	// ISO-8601 ExpireAt on REST; a past time expires now.
	id := hit["HITId"].(string)
	status, out, _ = do(t, restReq(t, env, "/v1/update-expiration-for-hit", `{"HITId":"`+id+`","ExpireAt":"2001-01-01T00:00:00Z"}`))
	if status != 200 {
		t.Fatalf("update-expiration-for-hit: %d %v", status, out)
	}
	_, out, _ = do(t, restReq(t, env, "/v1/get-hit", `{"HITId":"`+id+`"}`))
	if out["HIT"].(map[string]any)["HITStatus"] != "Reviewable" {
		t.Errorf("after expire: %v", out)
	}

	req := restReq(t, env, "/v1/get-account-balance", `{}`)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	if status, out, _ := do(t, req); status != 200 || out["AvailableBalance"] != "10000.00" {
		t.Errorf("x-amz-json content type: %d %v", status, out)
	}

	tests := []struct {
		name   string
		req    func() *http.Request
		status int
		typ    string
	}{
		{"not found is 404", func() *http.Request { return restReq(t, env, "/v1/get-hit", `{"HITId":"NOSUCHHIT"}`) }, 404, "RequestError"},
		{"unknown type is 404", func() *http.Request {
			return restReq(t, env, "/v1/create-hit-with-hit-type", `{"HITTypeId":"NOSUCH","LifetimeInSeconds":60,"Question":`+jsonString(formQ)+`}`)
		}, 404, "RequestError"},
		{"bad input is 400", func() *http.Request { return restReq(t, env, "/v1/list-hits", `{"MaxResults":1000}`) }, 400, "RequestError"},
		{"unknown operation is 404", func() *http.Request { return restReq(t, env, "/v1/launch-rockets", `{}`) }, 404, "UnknownOperationException"},
		{"missing parameter is 400", func() *http.Request { return restReq(t, env, "/v1/list-qualification-types", `{}`) }, 400, "RequestError"},
		{"no credentials is 401", func() *http.Request {
			r := restReq(t, env, "/v1/get-account-balance", `{}`)
			r.Header.Del("Authorization")
			return r
		}, 401, "MissingAuthenticationTokenException"},
		{"wrong secret is 403", func() *http.Request {
			r := restReq(t, env, "/v1/get-account-balance", `{}`)
			r.SetBasicAuth(hitdtest.RootAccessKeyID, "nope")
			return r
		}, 403, "UnrecognizedClientException"},
		{"form content type is 415", func() *http.Request {
			r := restReq(t, env, "/v1/get-account-balance", `{}`)
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}, 415, "UnsupportedMediaType"},
		{"GET is 405", func() *http.Request {
			r, _ := http.NewRequest(http.MethodGet, env.URL+"/v1/get-account-balance", nil)
			return r
		}, 405, "MethodNotAllowed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body, _ := do(t, tc.req())
			if status != tc.status || body["__type"] != tc.typ || body["Message"] == "" {
				t.Errorf("got %d %v, want %d %s", status, body, tc.status, tc.typ)
			}
		})
	}
}

func TestRESTAcceptsSigV4(t *testing.T) {
	env := hitdtest.New(t)
	body := `{}`
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/v1/get-account-balance", bytes.NewReader([]byte(body)))
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: hitdtest.RootAccessKeyID, SecretAccessKey: hitdtest.RootSecret},
		req, hex.EncodeToString(sum[:]), "mturk-requester", "eu-west-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	if status, out, _ := do(t, req); status != 200 || out["AvailableBalance"] != "10000.00" {
		t.Errorf("SigV4 on REST: %d %v", status, out)
	}
}

func TestHealthz(t *testing.T) {
	env := hitdtest.New(t)
	resp, err := http.Get(env.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("healthz %d", resp.StatusCode)
	}
	env.Store.Close()
	resp, err = http.Get(env.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 {
		t.Errorf("healthz with a closed store: %d, want 503", resp.StatusCode)
	}
}
