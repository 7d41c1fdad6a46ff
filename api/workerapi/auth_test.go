package workerapi_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/api/workerapi"
)

func TestLogin(t *testing.T) {
	e := newEnv(t)
	w, _ := e.worker("alice")
	for _, tc := range []struct {
		name   string
		body   any
		status int
		code   hitd.Code
	}{
		{"good", `{"username":"alice","password":"password-alice"}`, 200, ""},
		{"wrong password", `{"username":"alice","password":"password-bob"}`, 401, hitd.ErrNotAuthenticated},
		{"unknown user", `{"username":"nobody","password":"password-alice"}`, 401, hitd.ErrNotAuthenticated},
		{"missing password", `{"username":"alice"}`, 400, hitd.ErrMissingParameter},
		{"empty body", ``, 400, hitd.ErrMissingParameter},
		{"unknown member", `{"username":"alice","password":"password-alice","remember":true}`, 400, hitd.ErrInvalidParameter},
		{"not JSON", `username=alice&password=password-alice`, 400, hitd.ErrInvalidParameter},
		{"array", `["alice","password-alice"]`, 400, hitd.ErrInvalidParameter},
		{"wrong type", `{"username":1,"password":"password-alice"}`, 400, hitd.ErrInvalidParameter},
		{"trailing data", `{"username":"alice","password":"password-alice"}{}`, 400, hitd.ErrInvalidParameter},
		{"long password", `{"username":"alice","password":"` + strings.Repeat("p", 100) + `"}`, 401, hitd.ErrNotAuthenticated},
		{"long username", `{"username":"` + strings.Repeat("a", 10000) + `","password":"password-alice"}`, 401, hitd.ErrNotAuthenticated},
		{"too large", `{"username":"alice","password":"` + strings.Repeat("x", 2<<20) + `"}`, 413, hitd.ErrOutOfRange},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("POST", "/login", "", tc.body)
			if tc.status != 200 {
				r.wantError(t, tc.status, tc.code)
				if tc.status == 401 && !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("WWW-Authenticate = %q", r.header.Get("WWW-Authenticate"))
				}
				return
			}
			var out struct{ Token, WorkerID, Username string }
			r.decode(t, 200, &out)
			if out.Token == "" || out.WorkerID != w.ID || out.Username != "alice" {
				t.Fatalf("login: %s", r.body)
			}
			if cc := r.header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control = %q", cc)
			}
		})
	}
}

// authenticated lists every endpoint that needs a session.
var authenticated = []struct{ method, path string }{
	{"GET", "/hits"},
	{"GET", "/hits/H1"},
	{"POST", "/hits/H1/accept"},
	{"GET", "/groups/T1"},
	{"POST", "/groups/T1/accept"},
	{"GET", "/assignments"},
	{"GET", "/assignments/A1"},
	{"POST", "/assignments/A1/return"},
	{"POST", "/assignments/A1/submit"},
	{"GET", "/me"},
	{"GET", "/messages"},
	{"POST", "/logout"},
}

func TestAuthRequired(t *testing.T) {
	e := newEnv(t)
	_, token := e.worker("alice")
	for _, ep := range authenticated {
		for _, auth := range []string{"", "Bearer", "Bearer ", "Bearer garbage", "Basic YWxpY2U6cGFzc3dvcmQ=", "bearer " + token + "x", token} {
			if ep.path == "/logout" && strings.HasPrefix(strings.ToLower(auth), "bearer ") && len(auth) > len("bearer ") {
				continue // logout accepts any token: the session is gone either way
			}
			req, _ := http.NewRequest(ep.method, e.base+ep.path, nil)
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			r := readResp(t, res)
			r.wantError(t, 401, hitd.ErrNotAuthenticated)
			if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s %s with %q: WWW-Authenticate = %q", ep.method, ep.path, auth, r.header.Get("WWW-Authenticate"))
			}
		}
	}
	// The scheme is case-insensitive.
	req, _ := http.NewRequest("GET", e.base+"/me", nil)
	req.Header.Set("Authorization", "bEaReR "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	readResp(t, res).decode(t, 200, nil)
}

func TestLogoutAndExpiry(t *testing.T) {
	e := newEnv(t)
	_, t1 := e.worker("alice")
	e.do("GET", "/me", t1, nil).decode(t, 200, nil)
	r := e.do("POST", "/logout", t1, nil)
	if r.status != http.StatusNoContent || len(r.body) != 0 {
		t.Fatalf("logout: %d %s", r.status, r.body)
	}
	e.do("GET", "/me", t1, nil).wantError(t, 401, hitd.ErrNotAuthenticated)
	// Logging out twice is fine.
	if r := e.do("POST", "/logout", t1, nil); r.status != http.StatusNoContent {
		t.Fatalf("second logout: %d %s", r.status, r.body)
	}
	e.do("POST", "/logout", t1, `{"all":true}`).wantError(t, 400, hitd.ErrInvalidParameter)

	// A session lasts hitd.SessionLifetime.
	_, t2 := e.worker("bob")
	e.Clock.Advance(hitd.SessionLifetime - 1e9)
	e.do("GET", "/me", t2, nil).decode(t, 200, nil)
	e.Clock.Advance(2e9)
	e.do("GET", "/me", t2, nil).wantError(t, 401, hitd.ErrNotAuthenticated)
}

func TestRouting(t *testing.T) {
	e := newEnv(t)
	_, token := e.worker("alice")
	for _, tc := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{"GET", "/", 404, ""},
		{"GET", "", 404, ""},
		{"GET", "/nothing", 404, ""},
		{"GET", "/hits/H1/nothing", 404, ""},
		{"GET", "/assignments/A1/submit/x", 404, ""},
		{"GET", "/login", 405, "POST"},
		{"PUT", "/hits", 405, "GET, HEAD"},
		{"DELETE", "/hits/H1", 405, "GET, HEAD"},
		{"GET", "/hits/H1/accept", 405, "POST"},
		{"GET", "/assignments/A1/submit", 405, "POST"},
		{"POST", "/me", 405, "GET, HEAD"},
		{"PATCH", "/messages", 405, "GET, HEAD"},
	} {
		r := e.do(tc.method, tc.path, token, nil)
		r.wantError(t, tc.status, hitd.ErrUnknownOperation)
		if got := r.header.Get("Allow"); got != tc.allow {
			t.Errorf("%s %s: Allow = %q, want %q", tc.method, tc.path, got, tc.allow)
		}
	}
	// Mounted at the root, the handler claims no path outside its prefix.
	rec := httptest.NewRecorder()
	workerapi.New(e.Service, workerapi.Options{}).ServeHTTP(rec, httptest.NewRequest("GET", "/v1/list-hits", nil))
	(&resp{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}).wantError(t, 404, hitd.ErrUnknownOperation)
	// HEAD works where GET does.
	if r := e.do("HEAD", "/me", token, nil); r.status != 200 {
		t.Errorf("HEAD /me: %d", r.status)
	}
}

func readResp(t *testing.T, res *http.Response) *resp {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &resp{status: res.StatusCode, header: res.Header, body: b}
}

// TestInternalError checks that a store failure is a 500 with a generic
// message, and that the details go to the log only.
func TestInternalError(t *testing.T) {
	e := newEnv(t)
	_, token := e.worker("alice")
	var logs strings.Builder
	h := workerapi.New(e.Service, workerapi.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err := e.Store.Close(); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", workerapi.Prefix+"/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	h.ServeHTTP(rec, req)
	r := &resp{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	er := r.wantError(t, 500, hitd.ErrInternal)
	if er.Error.Message != "The service is unable to process your request. Try again later." {
		t.Errorf("message %q", er.Error.Message)
	}
	if !strings.Contains(logs.String(), "worker API internal error") || !strings.Contains(logs.String(), "session") {
		t.Errorf("log: %s", logs.String())
	}
}
