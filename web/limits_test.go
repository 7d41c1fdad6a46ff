package web_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/hitd/hitd/internal/hitdtest"
)

// zeros is an endless body of 'a's.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// postSized posts a urlencoded body of n bytes to path, form and then
// padding, with its Content-Length unless chunked, and returns the status
// and page.
func postSized(t *testing.T, base, path, form string, n int64, chunked bool) (int, string, http.Header) {
	t.Helper()
	form += "&pad="
	body := io.MultiReader(strings.NewReader(form), io.LimitReader(zeros{}, n-int64(len(form))))
	req, _ := http.NewRequest(http.MethodPost, base+path, body) // an io.Reader: no length
	if !chunked {
		req.ContentLength = n
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatalf("POST %s (%d bytes): %v", path, n, err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(page), resp.Header
}

// TestSiteBodyLimits: every route of the site has a body limit (1 MiB for
// forms; 8 MiB for a HIT's or a test's answers; 64 MiB for the console's
// CSV uploads). A body that declares more gets the 413 page, unread; one
// within its route's limit reaches the handler.
func TestSiteBodyLimits(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		path  string
		limit int64
		says  string
	}{
		{"/login", 1 << 20, "more than 1 MiB"},
		{"/signup", 1 << 20, "more than 1 MiB"},
		{"/requester/login", 1 << 20, "more than 1 MiB"},
		{"/requester/projects", 1 << 20, "more than 1 MiB"},
		{"/assignments/NOSUCH/submit", 8 << 20, "larger than 8 MiB"},
		{"/qualifications/tests/NOSUCH", 8 << 20, "larger than 8 MiB"},
		{"/mturk/externalSubmit", 8 << 20, "larger than 8 MiB"},
		{"/requester/projects/NOSUCH/batches", 64 << 20, "larger than 64 MiB"},
		{"/requester/batches/NOSUCH/review-upload", 64 << 20, "larger than 64 MiB"},
	} {
		status, page, h := postSized(t, e.URL, tc.path, "x=1", tc.limit+1, false)
		if status != http.StatusRequestEntityTooLarge || !strings.Contains(page, tc.says) {
			t.Errorf("%s, a body of %d bytes: status %d, want 413 saying %q:\n%.400s", tc.path, tc.limit+1, status, tc.says, page)
		}
		if h.Get("Content-Security-Policy") == "" || !strings.Contains(h.Get("Content-Type"), "text/html") {
			t.Errorf("%s: the 413 page lacks the site's headers: %v", tc.path, h)
		}
		if tc.limit > 1<<20 { // the route takes more than the forms' limit
			if status, page, _ := postSized(t, e.URL, tc.path, "x=1", 2<<20, false); status == http.StatusRequestEntityTooLarge {
				t.Errorf("%s refused 2 MiB, within its limit of %d:\n%.400s", tc.path, tc.limit, page)
			}
		}
	}
	// Sent without a Content-Length, a form over the limit fails to read:
	// the handler sees no form at all (not the part that fit), so the
	// right password in its first bytes logs nobody in.
	if _, err := e.Service.CreateWorker(t.Context(), "ada", "correct-horse-battery"); err != nil {
		t.Fatal(err)
	}
	login := "username=ada&password=correct-horse-battery"
	if status, _, _ := postSized(t, e.URL, "/login", login, 1000, true); status != http.StatusSeeOther {
		t.Fatalf("a chunked login form within the limit: status %d, want 303", status)
	}
	status, _, h := postSized(t, e.URL, "/login", login, 2<<20, true)
	if status == http.StatusSeeOther || h.Get("Set-Cookie") != "" {
		t.Errorf("a chunked 2 MiB login form logged in: %d %v", status, h)
	}
}

// TestContentOriginBodyLimit: the separate content origin bounds its
// externalSubmit the same way.
func TestContentOriginBodyLimit(t *testing.T) {
	e := newEnv(t, hitdtest.Options{SeparateContentOrigin: true})
	if status, page, _ := postSized(t, e.ContentURL, "/mturk/externalSubmit", "x=1", 8<<20+1, false); status != http.StatusRequestEntityTooLarge {
		t.Errorf("content origin, 8 MiB + 1: status %d, want 413:\n%.400s", status, page)
	}
	if status, page, _ := postSized(t, e.ContentURL, "/mturk/externalSubmit", "x=1", 2<<20, false); status == http.StatusRequestEntityTooLarge {
		t.Errorf("content origin refused 2 MiB:\n%.400s", page)
	}
}
