package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/hitd/hitd"
	"github.com/hitd/hitd/internal/hitdtest"
	"github.com/hitd/hitd/web"
)

// consoleCookie returns the console cookie a response set, nil if none.
func consoleCookie(r response) *http.Cookie {
	for _, c := range r.res.Cookies() {
		if c.Name == web.ConsoleCookie {
			return c
		}
	}
	return nil
}

// consoleLogin signs b in to the console and returns the session cookie.
func (b *browser) consoleLogin(keyID, secret string) *http.Cookie {
	b.t.Helper()
	r := b.post("/requester/login", url.Values{"access_key_id": {keyID}, "secret": {secret}}).want(b.t, http.StatusSeeOther)
	if r.location() != "/requester" {
		b.t.Errorf("console login redirected to %q, want /requester", r.location())
	}
	c := consoleCookie(r)
	if c == nil || c.Value == "" {
		b.t.Fatalf("console login set no session cookie: %v", r.header["Set-Cookie"])
	}
	return c
}

func TestConsoleLoginWithSecretKey(t *testing.T) {
	for _, secure := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "secure"}[secure], func(t *testing.T) {
			e := newEnv(t, hitdtest.Options{WebOptions: web.Options{SecureCookies: secure}})
			b := e.browser()
			form := b.get("/requester/login").want(t, 200)
			if !strings.Contains(form.body, `action="/requester/login"`) || !strings.Contains(form.body, `name="access_key_id"`) || !strings.Contains(form.body, `type="password"`) {
				t.Fatalf("no sign-in form:\n%s", form.body)
			}
			if form.header.Get("Content-Security-Policy") == "" || form.header.Get("X-Frame-Options") != "DENY" {
				t.Errorf("console page lacks the site's security headers: %v", form.header)
			}
			c := b.consoleLogin(e.Root.AccessKeyID, e.Root.SecretAccessKey)
			if c.Name == web.SessionCookie {
				t.Fatal("the console cookie has the worker cookie's name")
			}
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/requester" || c.Secure != secure {
				t.Errorf("cookie flags: HttpOnly=%v SameSite=%v Path=%q Secure=%v; want true, Lax, /requester, %v", c.HttpOnly, c.SameSite, c.Path, c.Secure, secure)
			}
			if r, err := e.Service.RequesterForConsoleSession(context.Background(), c.Value); err != nil || r.ID != e.Root.ID {
				t.Fatalf("the cookie is not the root requester's console session: %v, %v", r, err)
			}
		})
	}
}

func TestConsoleLoginWithPasswordAndFailures(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	req, _ := e.NewRequester("Lab of Ada")
	if err := e.Service.SetConsolePassword(ctx, req.AccessKeyID, "a long console password"); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.consoleLogin(req.AccessKeyID, "a long console password")
	body := b.get("/requester").want(t, 200).body
	if !strings.Contains(body, "Lab of Ada") || !strings.Contains(body, req.AccessKeyID) {
		t.Errorf("the dashboard does not show the requester:\n%s", body)
	}

	for name, f := range map[string]url.Values{
		"wrong password": {"access_key_id": {req.AccessKeyID}, "secret": {"not the password"}},
		"unknown key":    {"access_key_id": {"AKIANOBODY0000000000"}, "secret": {"a long console password"}},
		"empty":          {},
	} {
		anon := e.browser()
		r := anon.post("/requester/login", f).want(t, http.StatusUnauthorized)
		if c := consoleCookie(r); c != nil && c.Value != "" {
			t.Errorf("%s: a failed sign-in set a console cookie", name)
		}
		if !strings.Contains(r.body, `role="alert"`) || !strings.Contains(r.body, "The access key ID, secret access key or password is wrong.") {
			t.Errorf("%s: no generic error on the re-rendered form:\n%s", name, r.body)
		}
		if strings.Contains(r.body, "a long console password") {
			t.Errorf("%s: the secret is echoed back", name)
		}
		anon.get("/requester").want(t, http.StatusSeeOther)
	}
}

func TestConsoleDashboard(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	h := e.createHIT(hit{title: "Label <b>cats</b>", max: 3})
	root, ok, err := e.Service.LookupRequester(ctx, e.Root.AccessKeyID)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}

	b := e.browser()
	b.consoleLogin(e.Root.AccessKeyID, e.Root.SecretAccessKey)
	r := b.get("/requester").want(t, 200)
	if r.header.Get("Content-Security-Policy") == "" {
		t.Error("the dashboard has no Content-Security-Policy")
	}
	body := r.body
	for _, want := range []string{
		`<dd class="balance">$` + root.Balance.String() + `</dd>`,
		root.AccessKeyID,
		`<tr id="hit-` + aws.ToString(h.HITId) + `">`,
		"Label &lt;b&gt;cats&lt;/b&gt;", // the title is text, never HTML
		`<td class="num">3</td>`,        // available
		`action="/requester/logout"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the dashboard lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "<b>cats</b>") {
		t.Error("requester HTML rendered on the dashboard")
	}
	if strings.Contains(body, `class="badge admin"`) {
		t.Error("admin badge shown for a requester who is not an admin")
	}
	if _, err := e.Service.SetRequesterAdmin(ctx, e.Root.AccessKeyID, true); err != nil {
		t.Fatal(err)
	}
	if body := b.get("/requester").want(t, 200).body; !strings.Contains(body, `class="badge admin"`) {
		t.Error("no admin badge for an admin")
	}

	// Another requester sees its own (empty) list, not root's HITs.
	other, _ := e.NewRequester("Other lab")
	ob := e.browser()
	ob.consoleLogin(other.AccessKeyID, other.SecretAccessKey)
	body = ob.get("/requester").want(t, 200).body
	if strings.Contains(body, aws.ToString(h.HITId)) || !strings.Contains(body, `class="empty"`) {
		t.Errorf("another requester's dashboard: want the empty state and none of root's HITs:\n%s", body)
	}
}

func TestConsoleLogoutAndNoSession(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	if r := b.get("/requester").want(t, http.StatusSeeOther); r.location() != "/requester/login" {
		t.Errorf("no session: redirected to %q, want /requester/login", r.location())
	}
	c := b.consoleLogin(e.Root.AccessKeyID, e.Root.SecretAccessKey)
	b.get("/requester").want(t, 200)
	// Signed in, the login page goes to the dashboard.
	if r := b.get("/requester/login").want(t, http.StatusSeeOther); r.location() != "/requester" {
		t.Errorf("signed-in login page redirected to %q", r.location())
	}
	r := b.post("/requester/logout", nil).want(t, http.StatusSeeOther)
	if !strings.HasPrefix(r.location(), "/requester/login") {
		t.Errorf("logout redirected to %q", r.location())
	}
	if _, err := e.Service.RequesterForConsoleSession(context.Background(), c.Value); hitd.ErrorCode(err) != hitd.ErrNotAuthenticated {
		t.Errorf("the console session survives logout: %v", err)
	}
	b.get("/requester").want(t, http.StatusSeeOther)

	// The old token, replayed by hand, no longer opens the console.
	req, _ := http.NewRequest("GET", e.URL+"/requester", nil)
	req.AddCookie(&http.Cookie{Name: web.ConsoleCookie, Value: c.Value})
	b.do(req).want(t, http.StatusSeeOther)
}

func TestConsoleAndWorkerSessionsAreSeparate(t *testing.T) {
	e := newEnv(t)
	// A worker's cookie does not open the console…
	wb := e.browser()
	wb.signup("ada")
	wb.get("/my").want(t, 200)
	if r := wb.get("/requester").want(t, http.StatusSeeOther); r.location() != "/requester/login" {
		t.Errorf("worker at /requester redirected to %q", r.location())
	}
	var workerToken string
	u, _ := url.Parse(e.URL)
	for _, c := range wb.c.Jar.Cookies(u) {
		if c.Name == web.SessionCookie {
			workerToken = c.Value
		}
	}
	if workerToken == "" {
		t.Fatal("no worker session cookie")
	}
	req, _ := http.NewRequest("GET", e.URL+"/requester", nil)
	req.AddCookie(&http.Cookie{Name: web.ConsoleCookie, Value: workerToken}) // even under the console's name
	wb.do(req).want(t, http.StatusSeeOther)

	// …and a console session does not log a worker in.
	rb := e.browser()
	c := rb.consoleLogin(e.Root.AccessKeyID, e.Root.SecretAccessKey)
	rb.get("/my").want(t, http.StatusSeeOther)
	req, _ = http.NewRequest("GET", e.URL+"/my", nil)
	req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: c.Value}) // even under the worker's name
	if r := rb.do(req); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location(), "/login") {
		t.Errorf("a console token as the worker cookie: status %d to %q, want a redirect to /login", r.status, r.location())
	}
}

func TestConsoleCrossOriginPostsRefused(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	r := b.post("/requester/login", url.Values{"access_key_id": {e.Root.AccessKeyID}, "secret": {e.Root.SecretAccessKey}},
		"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example").want(t, http.StatusForbidden)
	if c := consoleCookie(r); c != nil && c.Value != "" {
		t.Error("a cross-origin sign-in set a console cookie")
	}
	c := b.consoleLogin(e.Root.AccessKeyID, e.Root.SecretAccessKey)
	b.post("/requester/logout", nil, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example").want(t, http.StatusForbidden)
	b.post("/requester/logout", nil, "Origin", "null", "Sec-Fetch-Site", "").want(t, http.StatusForbidden)
	if _, err := e.Service.RequesterForConsoleSession(context.Background(), c.Value); err != nil {
		t.Errorf("a refused cross-origin logout ended the session: %v", err)
	}
	b.get("/requester").want(t, 200)
}
