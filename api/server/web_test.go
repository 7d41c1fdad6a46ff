package server_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/api/server"
	"github.com/hitd/hitd/internal/hitdtest"
)

// TestWebMount checks which paths go to Options.Web and which stay with the API.
func TestWebMount(t *testing.T) {
	env := hitdtest.New(t)
	web := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Test-Web", "yes")
		io.WriteString(w, "site "+r.Method+" "+r.URL.Path)
	})
	for _, tc := range []struct {
		name           string
		web            http.Handler
		method, path   string
		body           string
		wantWeb        bool
		wantStatus     int
		wantBodyPrefix string
	}{
		{"banner without web", nil, "GET", "/", "", false, 200, "hitd: an Amazon Mechanical Turk"},
		{"404 without web", nil, "GET", "/my", "", false, 404, ""},
		{"home page", web, "GET", "/", "", true, 200, "site GET /"},
		{"site page", web, "GET", "/groups/ABC", "", true, 200, "site GET /groups/ABC"},
		{"site form", web, "POST", "/login", "", true, 200, "site POST /login"},
		{"externalSubmit", web, "POST", "/mturk/externalSubmit", "", true, 200, "site POST /mturk/externalSubmit"},
		{"AWS JSON API stays", web, "POST", "/", "{}", false, 400, ""},
		{"REST API stays", web, "POST", "/v1/get-account-balance", "{}", false, 401, ""},
		{"health stays", web, "GET", "/healthz", "", false, 200, "ok"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(server.New(env.Service, server.Options{SignatureClock: hitd.SystemClock{}, Web: tc.web}))
			defer srv.Close()
			req, _ := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			if got := res.Header.Get("X-Test-Web") == "yes"; got != tc.wantWeb {
				t.Errorf("served by the site = %v, want %v (%d %s)", got, tc.wantWeb, res.StatusCode, b)
			}
			if res.StatusCode != tc.wantStatus || !strings.HasPrefix(string(b), tc.wantBodyPrefix) {
				t.Errorf("%d %q, want %d %q…", res.StatusCode, b, tc.wantStatus, tc.wantBodyPrefix)
			}
		})
	}
}
