// Package workersim is `hitd worker simulate`: scripted workers that accept
// and submit a requester's HITs on a running hitd in test mode, so that a
// requester's test suite gets assignments to review without people.
//
// It is a client, not part of the server: it gets each worker a session
// from the test mode endpoint POST /_test/workers (which makes the worker
// the first time) and then does what a person does, through the worker API
// (/api/worker/v1, docs/worker-api.md): accept the next HIT of a group (or
// one HIT), submit answers. Going through the running server means every
// rule applies as for a real worker (qualification requirements, blocks,
// one assignment per worker and HIT, the QuestionForm's constraints), the
// answers are stored exactly as the worker site stores them, and all
// times come from the server's clock, which test mode may have moved.
//
// It must not touch a store or apply a rule itself.
package workersim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/api/workerapi"
)

// Answers are the submissions of an answers file, used in turn.
type Answers struct {
	bodies []json.RawMessage
}

// ParseAnswers reads an answers file: one submission as the worker API's
// submit endpoint takes it, {"answers": {"field": "value", …}}, used for
// every assignment; or an array of them, the k-th assignment submitted
// getting the k-th (modulo the array's length). Each is checked as the
// worker API checks a submission.
func ParseAnswers(b []byte) (*Answers, error) {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var list []json.RawMessage
		if err := json.Unmarshal(b, &list); err != nil {
			return nil, fmt.Errorf("not valid JSON: %v", err)
		}
		if len(list) == 0 {
			return nil, errors.New(`the array is empty; give at least one {"answers": {…}}`)
		}
		for i, body := range list {
			if err := workerapi.CheckSubmission(body); err != nil {
				return nil, fmt.Errorf("submission %d of %d: %s", i+1, len(list), hitd.ErrorMessage(err))
			}
		}
		return &Answers{bodies: list}, nil
	}
	if err := workerapi.CheckSubmission(b); err != nil {
		return nil, errors.New(hitd.ErrorMessage(err))
	}
	return &Answers{bodies: []json.RawMessage{b}}, nil
}

// Options says what to simulate.
type Options struct {
	URL        string       // the server, e.g. http://127.0.0.1:8080
	HTTPClient *http.Client // nil: one with a 60 s timeout
	// HITTypeID accepts the HITs of this type (the next one each time, as
	// "accept and work on the next one" does); or HITID accepts this one
	// HIT, once per worker. Exactly one is set.
	HITTypeID, HITID string
	// Answers are what is submitted; nil accepts without submitting
	// (assignments that the test can let run out: abandoned).
	Answers *Answers
	// Workers is how many workers take part (default 1): usernames
	// Username-1 … Username-N, made on first use and reused after.
	Workers  int
	Username string
	// Count stops after this many assignments; 0 goes on while any worker
	// can take another HIT.
	Count int
	// Progress, when set, is called as each assignment is done.
	Progress func(Assignment)
}

// Worker is one simulated worker.
type Worker struct {
	WorkerID string `json:"workerId"`
	Username string `json:"username"`
	Created  bool   `json:"created"`           // made by this run
	Stopped  string `json:"stopped,omitempty"` // why it took no more HITs, when not for want of HITs
	token    string
}

// Assignment is one assignment a simulated worker took.
type Assignment struct {
	AssignmentID string `json:"assignmentId"`
	HITID        string `json:"hitId"`
	WorkerID     string `json:"workerId"`
	Username     string `json:"username"`
	Status       string `json:"status"` // Accepted (without answers), Submitted, or Approved (auto-approval delay 0)
}

// Result is what a run did.
type Result struct {
	Workers     []*Worker    `json:"workers"`
	Assignments []Assignment `json:"assignments"`
}

// ErrShort is returned (wrapped) with the Result when fewer assignments
// were done than Options.Count asked for, or none when it asked for all.
var ErrShort = errors.New("fewer assignments than asked for")

// Run simulates the workers: round after round, each worker that can
// still take a HIT accepts one and submits it, until none can or Count is
// reached. A worker stops when no HIT is left for it (409 HITNotAvailable
// or AlreadyAccepted) or it does not qualify (403 NotQualified, noted in
// Worker.Stopped). Answers the form refuses are an error: the assignment
// is returned first.
func Run(ctx context.Context, o Options) (*Result, error) {
	if (o.HITTypeID == "") == (o.HITID == "") {
		return nil, errors.New("give a HIT type or a HIT")
	}
	if o.Workers <= 0 {
		o.Workers = 1
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 60 * time.Second}
	}
	c := &client{base: strings.TrimRight(o.URL, "/"), hc: o.HTTPClient}
	res := &Result{Workers: []*Worker{}, Assignments: []Assignment{}}
	for i := 1; i <= o.Workers; i++ {
		w, err := c.session(ctx, fmt.Sprintf("%s-%d", o.Username, i))
		if err != nil {
			return res, err
		}
		res.Workers = append(res.Workers, w)
	}
	acceptPath := "/groups/" + url.PathEscape(o.HITTypeID) + "/accept"
	if o.HITID != "" {
		acceptPath = "/hits/" + url.PathEscape(o.HITID) + "/accept"
	}
	active := append([]*Worker(nil), res.Workers...)
	for len(active) > 0 {
		var still []*Worker
		for _, w := range active {
			if o.Count > 0 && len(res.Assignments) >= o.Count {
				return res, nil
			}
			a, more, err := c.work(ctx, w, acceptPath, o.Answers, len(res.Assignments))
			if err != nil {
				return res, err
			}
			if a != nil {
				res.Assignments = append(res.Assignments, *a)
				if o.Progress != nil {
					o.Progress(*a)
				}
			}
			if more {
				still = append(still, w)
			}
		}
		active = still
	}
	switch {
	case o.Count > 0 && len(res.Assignments) < o.Count:
		return res, fmt.Errorf("%w: %d of %d%s", ErrShort, len(res.Assignments), o.Count, why(res))
	case len(res.Assignments) == 0:
		return res, fmt.Errorf("%w: no worker could accept a HIT%s", ErrShort, why(res))
	}
	return res, nil
}

// why lists the workers that stopped for a reason of their own.
func why(res *Result) string {
	var reasons []string
	for _, w := range res.Workers {
		if w.Stopped != "" {
			reasons = append(reasons, w.Username+": "+w.Stopped)
		}
	}
	if len(reasons) == 0 {
		return " (no HIT left that the workers had not taken)"
	}
	sort.Strings(reasons)
	return " (" + strings.Join(reasons, "; ") + ")"
}

// work has w accept one HIT and submit it (the n-th submission of the
// run). more reports whether w may take another.
func (c *client) work(ctx context.Context, w *Worker, acceptPath string, answers *Answers, n int) (a *Assignment, more bool, err error) {
	var acc struct {
		AssignmentID string `json:"assignmentId"`
		HITID        string `json:"hitId"`
	}
	if err := c.call(ctx, "POST", "/api/worker/v1"+acceptPath, w.token, nil, &acc); err != nil {
		var ae *apiError
		switch {
		case errors.As(err, &ae) && (ae.Code == "HITNotAvailable" || ae.Code == "AlreadyAccepted"):
			return nil, false, nil
		case errors.As(err, &ae) && ae.Code == "NotQualified":
			w.Stopped = ae.Message
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("%s accepting: %w", w.Username, err)
	}
	a = &Assignment{AssignmentID: acc.AssignmentID, HITID: acc.HITID, WorkerID: w.WorkerID, Username: w.Username, Status: "Accepted"}
	if answers == nil {
		return a, true, nil
	}
	body := answers.bodies[n%len(answers.bodies)]
	var sub struct {
		Status string `json:"status"`
	}
	path := "/api/worker/v1/assignments/" + url.PathEscape(a.AssignmentID)
	if err := c.call(ctx, "POST", path+"/submit", w.token, body, &sub); err != nil {
		// Give the HIT back rather than leave it held until it is abandoned.
		rerr := c.call(ctx, "POST", path+"/return", w.token, nil, nil)
		err = fmt.Errorf("%s submitting assignment %s of HIT %s: %w", w.Username, a.AssignmentID, a.HITID, err)
		if rerr != nil {
			err = fmt.Errorf("%w; returning it failed too: %v", err, rerr)
		}
		return nil, false, err
	}
	a.Status = sub.Status
	return a, true, nil
}

// client calls a hitd server.
type client struct {
	base string
	hc   *http.Client
}

// session gets a worker API token for username from POST /_test/workers.
func (c *client) session(ctx context.Context, username string) (*Worker, error) {
	body, _ := json.Marshal(map[string]string{"username": username})
	var out struct {
		WorkerID string `json:"workerId"`
		Username string `json:"username"`
		Token    string `json:"token"`
		Created  bool   `json:"created"`
	}
	err := c.call(ctx, "POST", "/_test/workers", "", body, &out)
	var ae *apiError
	if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
		return nil, fmt.Errorf("%s is not in test mode (POST /_test/workers answered 404): start it with hitd serve --test-mode", c.base)
	}
	if err != nil {
		return nil, fmt.Errorf("worker %s: %w", username, err)
	}
	return &Worker{WorkerID: out.WorkerID, Username: out.Username, Created: out.Created, token: out.Token}, nil
}

// apiError is an error answer: the worker API's {"error": {"code",
// "message", "fields"}} or test mode's {"__type", "Message"}.
type apiError struct {
	Status  int
	Code    string
	Message string
	Fields  map[string]string
}

func (e *apiError) Error() string {
	s := fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message)
	if len(e.Fields) > 0 {
		names := make([]string, 0, len(e.Fields))
		for n := range e.Fields {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			s += fmt.Sprintf("\n  %s: %s", n, e.Fields[n])
		}
	}
	return s
}

// call sends a JSON request (body nil for none) and decodes a 2xx answer
// into out (nil to ignore it).
func (c *client) call(ctx context.Context, method, path, token string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error struct {
				Code    string            `json:"code"`
				Message string            `json:"message"`
				Fields  map[string]string `json:"fields"`
			} `json:"error"`
			Type    string `json:"__type"`
			Message string `json:"Message"`
		}
		ae := &apiError{Status: resp.StatusCode}
		if json.Unmarshal(data, &e) == nil && (e.Error.Code != "" || e.Type != "") {
			ae.Code, ae.Message, ae.Fields = e.Error.Code, e.Error.Message, e.Error.Fields
			if ae.Code == "" {
				ae.Code, ae.Message = e.Type, e.Message
			}
		} else {
			ae.Code, ae.Message = http.StatusText(resp.StatusCode), fmt.Sprintf("%.200s", data)
		}
		return ae
	}
	if out == nil || len(data) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: the answer is not the JSON expected: %v", method, path, err)
	}
	return nil
}
