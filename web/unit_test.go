package web

import (
	"reflect"
	"testing"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/api"
	"github.com/hitd/hitd/qform"
)

func TestRewriteSubmitURLs(t *testing.T) {
	const to = "http://127.0.0.1:8080/mturk/externalSubmit"
	for _, tc := range []struct{ in, want string }{
		{`<form action="https://www.mturk.com/mturk/externalSubmit">`, `<form action="` + to + `">`},
		{`<form action="https://workersandbox.mturk.com/mturk/externalSubmit" method=post>`, `<form action="` + to + `" method=post>`},
		{`action='http://www.mturk.com/mturk/externalSubmit'`, `action='` + to + `'`},
		{`action="https://www.mturk.com/externalSubmit"`, `action="` + to + `"`},
		{`action="https://workersandbox.mturk.com/externalSubmit?x=1"`, `action="` + to + `?x=1"`},
		{`action="HTTPS://WWW.MTURK.COM/mturk/externalSubmit"`, `action="` + to + `"`},
		{`var u = "https:\/\/www.mturk.com\/mturk\/externalSubmit";`, `var u = "` + to + `";`},
		{`a https://mturk.com/mturk/externalSubmit b`, `a ` + to + ` b`},
		// Left alone: other pages of mturk.com, other hosts, lookalikes.
		{`<a href="https://www.mturk.com/mturk/welcome">`, `<a href="https://www.mturk.com/mturk/welcome">`},
		{`https://evil-mturk.com/mturk/externalSubmit`, `https://evil-mturk.com/mturk/externalSubmit`},
		{`https://www.mturk.com.evil.example/mturk/externalSubmit`, `https://www.mturk.com.evil.example/mturk/externalSubmit`},
		{`https://www.mturk.com/mturk/externalSubmitted`, `https://www.mturk.com/mturk/externalSubmitted`},
	} {
		if got := RewriteSubmitURLs(tc.in, to); got != tc.want {
			t.Errorf("RewriteSubmitURLs(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

func TestAppendQuery(t *testing.T) {
	const q = "assignmentId=X&hitId=H"
	for _, tc := range []struct{ in, want string }{
		{"https://a.example/task", "https://a.example/task?" + q},
		{"https://a.example/task?x=1", "https://a.example/task?x=1&" + q},
		{"https://a.example/task?", "https://a.example/task?" + q},
		{"https://a.example/task?x=1&", "https://a.example/task?x=1&" + q},
		{"https://a.example/task#top", "https://a.example/task?" + q + "#top"},
		{"https://a.example/task?x=1#/route?y=2", "https://a.example/task?x=1&" + q + "#/route?y=2"},
	} {
		if got := appendQuery(tc.in, q); got != tc.want {
			t.Errorf("appendQuery(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"/my":                   "/my",
		"/hits/ABC?x=1":         "/hits/ABC?x=1",
		"":                      "/",
		"//evil.example/":       "/",
		"/\\evil.example/":      "/",
		"https://evil.example/": "/",
		"my":                    "/",
		"/a\r\nSet-Cookie:":     "/",
	} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParsePairsKeepsOrder(t *testing.T) {
	pairs, err := parsePairs("b=2&a=1&b=3&&c=&d&e=%E2%9C%93+ok", nil)
	if err != nil {
		t.Fatal(err)
	}
	got := fieldsOf(pairs)
	want := []qform.Field{
		{Name: "b", Values: []string{"2", "3"}},
		{Name: "a", Values: []string{"1"}},
		{Name: "c", Values: []string{""}},
		{Name: "d", Values: []string{""}},
		{Name: "e", Values: []string{"✓ ok"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("fieldsOf = %+v, want %+v", got, want)
	}
	if _, err := parsePairs("a=%zz", nil); err == nil {
		t.Error("a bad escape was accepted")
	}
}

func TestFormatting(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{money(hitd.Cents(5)), "$0.05"},
		{money(hitd.Cents(1234567)), "$12345.67"},
		{money("0.50"), "$0.50"},
		{secondsText(30), "30 seconds"},
		{secondsText(60), "1 minute"},
		{secondsText(3600), "1 hour"},
		{secondsText(5400), "1 hour 30 minutes"},
		{secondsText(86400 + 7200 + 59), "1 day 2 hours"},
		{secondsText(0), "0 seconds"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestStatusForEveryWorkerCodeIsAClientError(t *testing.T) {
	for _, c := range []hitd.Code{hitd.ErrNotAuthenticated, hitd.ErrUsernameTaken, hitd.ErrSignupClosed, hitd.ErrHITNotAvailable,
		hitd.ErrAlreadyAccepted, hitd.ErrInvalidAnswer, hitd.ErrInvalidAssignmentState, hitd.ErrAssignmentNotFound, hitd.ErrHITNotFound, hitd.ErrInvalidParameter,
		hitd.ErrNotQualified, hitd.ErrQualTypeNotFound, hitd.ErrQualRequestNotFound, hitd.ErrInvalidQualRequest} {
		if s := api.WorkerStatus(c); s < 400 || s > 499 {
			t.Errorf("api.WorkerStatus(%s) = %d, want 4xx", c, s)
		}
	}
	if api.WorkerStatus(hitd.ErrInternal) != 500 {
		t.Error("internal errors must be 500")
	}
}
