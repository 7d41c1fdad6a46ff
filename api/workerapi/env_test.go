package workerapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/aws/aws-sdk-go-v2/service/mturk/types"
	"github.com/hitd/hitd"
	"github.com/hitd/hitd/api/workerapi"
	"github.com/hitd/hitd/internal/hitdtest"
)

// Question documents of the three kinds.
const (
	htmlQ = `<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<!DOCTYPE html><html><body><form action="https://www.mturk.com/mturk/externalSubmit" method="post"><input name="zeta"><input name="alpha"></form></body></html>]]></HTMLContent><FrameHeight>450</FrameHeight></HTMLQuestion>`

	externalQ = `<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd"><ExternalURL>https://tasks.example.com/t?a=1&amp;b=2</ExternalURL><FrameHeight>0</FrameHeight></ExternalQuestion>`

	formQ = `<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd">
  <Question>
    <QuestionIdentifier>age</QuestionIdentifier>
    <IsRequired>true</IsRequired>
    <QuestionContent><Text>How old are you?</Text></QuestionContent>
    <AnswerSpecification><FreeTextAnswer><Constraints><IsNumeric minValue="18" maxValue="120"/></Constraints></FreeTextAnswer></AnswerSpecification>
  </Question>
  <Question>
    <QuestionIdentifier>colors</QuestionIdentifier>
    <IsRequired>true</IsRequired>
    <QuestionContent><Text>Which colors?</Text></QuestionContent>
    <AnswerSpecification><SelectionAnswer><MaxSelectionCount>2</MaxSelectionCount><StyleSuggestion>checkbox</StyleSuggestion><Selections>
      <Selection><SelectionIdentifier>red</SelectionIdentifier><Text>Red</Text></Selection>
      <Selection><SelectionIdentifier>green</SelectionIdentifier><Text>Green</Text></Selection>
      <Selection><SelectionIdentifier>blue</SelectionIdentifier><Text>Blue</Text></Selection>
    </Selections></SelectionAnswer></AnswerSpecification>
  </Question>
  <Question>
    <QuestionIdentifier>comment</QuestionIdentifier>
    <QuestionContent><Text>Anything else?</Text></QuestionContent>
    <AnswerSpecification><FreeTextAnswer/></AnswerSpecification>
  </Question>
</QuestionForm>`
)

// env is a test server with the worker API mounted beside the Requester
// API, over one Service.
type env struct {
	*hitdtest.Env
	t    *testing.T
	base string // the worker API's URL prefix
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := hitdtest.New(t)
	logger := slog.New(slog.NewTextHandler(testWriter{t}, nil))
	// Mounted the way the server mounts it.
	mux := http.NewServeMux()
	mux.Handle(workerapi.Prefix+"/", workerapi.New(e.Service, workerapi.Options{Logger: logger}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &env{Env: e, t: t, base: srv.URL + workerapi.Prefix}
}

// testWriter sends log lines to t.Log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// worker creates a worker account and logs it in over the API.
func (e *env) worker(name string) (w *hitd.Worker, token string) {
	e.t.Helper()
	w, err := e.Service.CreateWorker(context.Background(), name, "password-"+name)
	if err != nil {
		e.t.Fatal(err)
	}
	var out struct {
		Token    string `json:"token"`
		WorkerID string `json:"workerId"`
	}
	e.do("POST", "/login", "", map[string]string{"username": name, "password": "password-" + name}).decode(e.t, 200, &out)
	if out.Token == "" || out.WorkerID != w.ID {
		e.t.Fatalf("login %s: %+v", name, out)
	}
	return w, out.Token
}

// createHIT creates a HIT through the SDK as the root requester.
func (e *env) createHIT(question string, mod func(*mturk.CreateHITInput)) *types.HIT {
	e.t.Helper()
	in := &mturk.CreateHITInput{
		Title:                       aws.String("Label a picture"),
		Description:                 aws.String("Say what is in the picture"),
		Keywords:                    aws.String("image, label"),
		Reward:                      aws.String("0.05"),
		AssignmentDurationInSeconds: aws.Int64(600),
		LifetimeInSeconds:           aws.Int64(3600),
		MaxAssignments:              aws.Int32(3),
		Question:                    aws.String(question),
	}
	if mod != nil {
		mod(in)
	}
	out, err := e.Client.CreateHIT(context.Background(), in)
	if err != nil {
		e.t.Fatal(err)
	}
	return out.HIT
}

// answers returns the Answer XML of the submitted assignments of a HIT, by
// assignment ID, as the SDK reads them.
func (e *env) answers(hitID string) map[string]string {
	e.t.Helper()
	out, err := e.Client.ListAssignmentsForHIT(context.Background(), &mturk.ListAssignmentsForHITInput{HITId: aws.String(hitID)})
	if err != nil {
		e.t.Fatal(err)
	}
	m := map[string]string{}
	for _, a := range out.Assignments {
		m[aws.ToString(a.AssignmentId)] = aws.ToString(a.Answer)
	}
	return m
}

// resp is an HTTP response, read.
type resp struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request to the worker API. body is nil (no body), a string
// (sent as is) or anything else (sent as JSON).
func (e *env) do(method, path, token string, body any) *resp {
	e.t.Helper()
	return doURL(e.t, method, e.base+path, token, body)
}

func doURL(t testing.TB, method, url, token string, body any) *resp {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &resp{status: res.StatusCode, header: res.Header, body: b}
}

// decode checks the status and decodes the JSON body into v (if not nil).
func (r *resp) decode(t testing.TB, status int, v any) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); r.status != http.StatusNoContent && !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q", ct)
	}
	if v != nil {
		if err := json.Unmarshal(r.body, v); err != nil {
			t.Fatalf("decode %s: %v", r.body, err)
		}
	}
}

// apiError is the error shape.
type apiError struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

// wantError checks an error response's status and code and returns it.
func (r *resp) wantError(t testing.TB, status int, code hitd.Code) apiError {
	t.Helper()
	var e apiError
	r.decode(t, status, &e)
	if e.Error.Code != string(code) || e.Error.Message == "" {
		t.Fatalf("error %+v, want code %s; body %s", e.Error, code, r.body)
	}
	return e
}

// Response shapes as a client reads them.
type (
	hitJSON struct {
		HITID                       string   `json:"hitId"`
		HITTypeID                   string   `json:"hitTypeId"`
		Title                       string   `json:"title"`
		Description                 string   `json:"description"`
		Keywords                    string   `json:"keywords"`
		RequesterName               string   `json:"requesterName"`
		Reward                      string   `json:"reward"`
		AssignmentDurationInSeconds int64    `json:"assignmentDurationInSeconds"`
		Expiration                  string   `json:"expiration"`
		NumberAvailable             int      `json:"numberAvailable"`
		QuestionType                string   `json:"questionType"`
		Question                    string   `json:"question"`
		ExternalURL                 string   `json:"externalUrl"`
		FrameHeight                 *int     `json:"frameHeight"`
		QuestionIdentifiers         []string `json:"questionIdentifiers"`
		AssignmentID                string   `json:"assignmentId"`
		Deadline                    string   `json:"deadline"`
	}
	acceptJSON struct {
		AssignmentID string `json:"assignmentId"`
		HITID        string `json:"hitId"`
		Deadline     string `json:"deadline"`
	}
	submitJSON struct {
		AssignmentID string `json:"assignmentId"`
		Status       string `json:"status"`
		SubmitTime   string `json:"submitTime"`
	}
	groupJSON struct {
		HITTypeID     string `json:"hitTypeId"`
		Title         string `json:"title"`
		RequesterID   string `json:"requesterId"`
		RequesterName string `json:"requesterName"`
		Reward        string `json:"reward"`
		HITsAvailable int    `json:"hitsAvailable"`
	}
	groupPageJSON struct {
		Groups  []groupJSON `json:"groups"`
		Page    int         `json:"page"`
		HasNext bool        `json:"hasNext"`
	}
	assignmentJSON struct {
		AssignmentID      string   `json:"assignmentId"`
		HITID             string   `json:"hitId"`
		Title             string   `json:"title"`
		Reward            string   `json:"reward"`
		Status            string   `json:"status"`
		AcceptTime        string   `json:"acceptTime"`
		SubmitTime        string   `json:"submitTime"`
		RequesterFeedback string   `json:"requesterFeedback"`
		Answer            string   `json:"answer"`
		HIT               *hitJSON `json:"hit"`
	}
	assignmentPageJSON struct {
		Assignments []assignmentJSON `json:"assignments"`
		NextToken   string           `json:"nextToken"`
	}
)

// accept accepts a HIT over the API, expecting success.
func (e *env) accept(token, hitID string) acceptJSON {
	e.t.Helper()
	var out acceptJSON
	e.do("POST", "/hits/"+hitID+"/accept", token, nil).decode(e.t, 200, &out)
	if out.AssignmentID == "" || out.HITID != hitID {
		e.t.Fatalf("accept: %+v", out)
	}
	return out
}

// submit submits answers over the API, expecting success.
func (e *env) submit(token, assignmentID, body string) submitJSON {
	e.t.Helper()
	var out submitJSON
	e.do("POST", "/assignments/"+assignmentID+"/submit", token, body).decode(e.t, 200, &out)
	return out
}

// wantRFC3339UTC checks a timestamp's format.
func wantRFC3339UTC(t testing.TB, name, s string) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || !strings.HasSuffix(s, "Z") {
		t.Fatalf("%s = %q: not RFC 3339 UTC (%v)", name, s, err)
	}
	return ts
}
