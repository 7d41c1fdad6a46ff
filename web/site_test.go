package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/hitd/hitd"
	"github.com/hitd/hitd/internal/hitdtest"
	"github.com/hitd/hitd/web"
)

func TestSignupLoginLogoutAndCookie(t *testing.T) {
	for _, secure := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "secure"}[secure], func(t *testing.T) {
			e := newEnv(t, hitdtest.Options{WebOptions: web.Options{SecureCookies: secure}})
			b := e.browser()
			r := b.post("/signup", url.Values{"username": {"ada"}, "password": {"correct-horse"}, "password2": {"correct-horse"}}).want(t, http.StatusSeeOther)
			var c *http.Cookie
			for _, ck := range r.res.Cookies() {
				if ck.Name == web.SessionCookie {
					c = ck
				}
			}
			if c == nil || c.Value == "" {
				t.Fatalf("sign-up set no session cookie: %v", r.header["Set-Cookie"])
			}
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure != secure {
				t.Errorf("cookie flags: HttpOnly=%v SameSite=%v Path=%q Secure=%v; want true, Lax, /, %v", c.HttpOnly, c.SameSite, c.Path, c.Secure, secure)
			}
			if w, err := e.Service.WorkerForSession(context.Background(), c.Value); err != nil || w.Username != "ada" {
				t.Fatalf("the cookie is not ada's session: %v, %v", w, err)
			}
			if secure {
				return // the jar keeps Secure cookies off plain http
			}
			if body := b.get("/").want(t, 200).body; !strings.Contains(body, `<span class="who" title="Logged in">ada</span>`) || !strings.Contains(body, `action="/logout"`) {
				t.Errorf("the nav bar does not show the logged-in worker:\n%s", body)
			}

			// A new login is a new session; the old token stops working (no fixation).
			r = b.post("/login", url.Values{"username": {"ada"}, "password": {"correct-horse"}, "next": {"/my"}}).want(t, http.StatusSeeOther)
			if r.location() != "/my" {
				t.Errorf("login redirected to %q, want /my", r.location())
			}
			var c2 *http.Cookie
			for _, ck := range r.res.Cookies() {
				if ck.Name == web.SessionCookie {
					c2 = ck
				}
			}
			if c2 == nil || c2.Value == c.Value {
				t.Fatal("login did not issue a fresh session token")
			}
			if _, err := e.Service.WorkerForSession(context.Background(), c.Value); hitd.ErrorCode(err) != hitd.ErrNotAuthenticated {
				t.Errorf("the session before login still works: %v", err)
			}

			b.post("/logout", nil).want(t, http.StatusSeeOther)
			if _, err := e.Service.WorkerForSession(context.Background(), c2.Value); hitd.ErrorCode(err) != hitd.ErrNotAuthenticated {
				t.Errorf("the session survives logout: %v", err)
			}
			if body := b.get("/").body; strings.Contains(body, "ada") || !strings.Contains(body, `href="/login"`) {
				t.Error("still shown as logged in after logout")
			}
		})
	}
}

func TestSignupAndLoginErrors(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.signup("grace")
	anon := e.browser()
	for _, tc := range []struct {
		name   string
		path   string
		form   url.Values
		status int
		want   string
	}{
		{"wrong password", "/login", url.Values{"username": {"grace"}, "password": {"nope-nope-nope"}}, 401, "The username or password is wrong."},
		{"unknown user", "/login", url.Values{"username": {"nobody"}, "password": {"whatever-123"}}, 401, "The username or password is wrong."},
		{"username taken", "/signup", url.Values{"username": {"GRACE"}, "password": {"password-x1"}, "password2": {"password-x1"}}, 409, "is taken"},
		{"short password", "/signup", url.Values{"username": {"hopper"}, "password": {"short"}, "password2": {"short"}}, 400, "at least 8 characters"},
		{"passwords differ", "/signup", url.Values{"username": {"hopper"}, "password": {"password-1"}, "password2": {"password-2"}}, 400, "The two passwords differ."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := anon.post(tc.path, tc.form).want(t, tc.status)
			if !strings.Contains(r.body, tc.want) || !strings.Contains(r.body, `class="error"`) {
				t.Errorf("page lacks %q:\n%s", tc.want, r.body)
			}
		})
	}
	// An open redirect through ?next= is not possible.
	r := anon.post("/login", url.Values{"username": {"grace"}, "password": {"password-grace"}, "next": {"//evil.example/x"}}).want(t, 303)
	if r.location() != "/" {
		t.Errorf("next=//evil.example redirected to %q", r.location())
	}
}

func TestSignupPolicies(t *testing.T) {
	for _, tc := range []struct {
		policy      hitd.SignupPolicy
		invite      string // "valid" uses a fresh code
		formStatus  int
		status      int
		showsInvite bool
	}{
		{hitd.SignupOpen, "", 200, 303, false},
		{hitd.SignupInvite, "", 200, 403, true},
		{hitd.SignupInvite, "not-a-code", 200, 403, true},
		{hitd.SignupInvite, "valid", 200, 303, true},
		{hitd.SignupClosed, "", 403, 403, false},
	} {
		t.Run(string(tc.policy)+"/"+tc.invite, func(t *testing.T) {
			e := newEnv(t, hitdtest.Options{WebOptions: web.Options{Signup: tc.policy}})
			b := e.browser()
			form := b.get("/signup").want(t, tc.formStatus)
			if got := strings.Contains(form.body, `name="invite"`); got != tc.showsInvite {
				t.Errorf("invite field shown = %v, want %v", got, tc.showsInvite)
			}
			code := tc.invite
			if code == "valid" {
				var err error
				if code, err = e.Service.CreateWorkerInvite(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			b.post("/signup", url.Values{"username": {"lin"}, "password": {"password-lin"}, "password2": {"password-lin"}, "invite": {code}}).want(t, tc.status)
			if signupLink := strings.Contains(b.get("/login").body, `href="/signup"`); signupLink == (tc.policy == hitd.SignupClosed) && tc.status != 303 {
				t.Errorf("sign-up link shown = %v under %s", signupLink, tc.policy)
			}
		})
	}
}

func TestListSearchSortPaginate(t *testing.T) {
	e := newEnv(t)
	// "HITs available" counts HITs: three songs and two receipts.
	for i := 0; i < 3; i++ {
		e.createHIT(hit{title: "Rate a song", keywords: "music", reward: "0.10", max: 5})
	}
	for i := 0; i < 2; i++ {
		e.createHIT(hit{title: "Transcribe a receipt", keywords: "receipt, text", reward: "0.50", max: 2})
	}
	e.createHIT(hit{title: "Label birds", keywords: "birds, image", reward: "1.25", max: 1})
	for i := 0; i < 20; i++ { // fill a second page, a second apart (for "newest")
		e.Clock.Advance(time.Second)
		e.createHIT(hit{title: fmt.Sprintf("Filler task %d", i), keywords: "filler", reward: "0.01"})
	}
	anon := e.browser()

	titles := func(body string) []string {
		var out []string
		for _, m := range regexp.MustCompile(`<h2><a href="/groups/[0-9A-Z]+">([^<]*)</a></h2>`).FindAllStringSubmatch(body, -1) {
			out = append(out, m[1])
		}
		return out
	}

	// Anonymous visitors may browse; each group shows its facts.
	first := anon.get("/").want(t, 200).body
	if got := titles(first); len(got) != 20 {
		t.Fatalf("first page shows %d groups, want 20", len(got))
	}
	if !strings.Contains(first, `href="/?page=2" rel="next"`) || strings.Contains(first, `rel="prev"`) {
		t.Errorf("first page pager wrong")
	}
	second := anon.get("/?page=2").want(t, 200).body
	if got := titles(second); len(got) != 3 || !strings.Contains(second, `rel="prev"`) || strings.Contains(second, `rel="next"`) {
		t.Errorf("second page: %v", got)
	}

	for _, tc := range []struct {
		query string
		want  []string // the first titles, in order
	}{
		{"/?q=birds", []string{"Label birds"}},
		{"/?q=receipt", []string{"Transcribe a receipt"}},
		{"/?q=nothing-matches", nil},
		{"/?sort=reward", []string{"Label birds", "Transcribe a receipt", "Rate a song"}},
		{"/?sort=available", []string{"Rate a song", "Transcribe a receipt"}},
		{"/?sort=newest", []string{"Filler task 19", "Filler task 18", "Filler task 17"}},
		{"/", []string{"Filler task 19", "Filler task 18"}}, // newest is the default
		{"/?sort=newest&q=song", []string{"Rate a song"}},
		{"/?sort=reward&q=song", []string{"Rate a song"}},
	} {
		t.Run(tc.query, func(t *testing.T) {
			body := anon.get(tc.query).want(t, 200).body
			got := titles(body)
			if len(tc.want) == 0 {
				if len(got) != 0 || !strings.Contains(body, "No HITs match") {
					t.Errorf("got %v, want none", got)
				}
				return
			}
			if len(got) < len(tc.want) {
				t.Fatalf("got %v, want prefix %v", got, tc.want)
			}
			for i, w := range tc.want {
				if got[i] != w {
					t.Errorf("got %v, want prefix %v", got, tc.want)
					break
				}
			}
		})
	}
	birds := anon.get("/?q=birds").body
	for _, want := range []string{"$1.25", "10 minutes", `<dd class="available">1</dd>`, `action="/groups/`, "Accept &amp; work"} {
		if !strings.Contains(birds, want) {
			t.Errorf("group card lacks %q", want)
		}
	}
	if r := anon.get("/?sort=sideways"); r.status != 400 {
		t.Errorf("bad sort: status %d, want 400", r.status)
	}
}

func TestPreviewAcceptReturn(t *testing.T) {
	e := newEnv(t)
	h := e.createHIT(hit{title: "Describe a photo", reward: "0.07", max: 2, duration: 3600})
	hitID, typeID := aws.ToString(h.HITId), aws.ToString(h.HITTypeId)
	anon := e.browser()

	// Anonymous preview of the group and of the HIT.
	for _, path := range []string{"/groups/" + typeID, "/hits/" + hitID} {
		body := anon.get(path).want(t, 200).body
		if !strings.Contains(body, "Describe a photo") || !strings.Contains(body, `action="/hits/`+hitID+`/accept"`) || !strings.Contains(body, "$0.07") {
			t.Errorf("%s: preview lacks the title, Accept button or reward", path)
		}
	}
	// Accepting needs a login, which returns to the preview.
	r := anon.post("/hits/"+hitID+"/accept", nil).want(t, 303)
	if r.location() != "/login?next=%2Fhits%2F"+hitID {
		t.Errorf("anonymous accept redirected to %q", r.location())
	}

	b := e.browser()
	b.signup("wu-li")
	r = b.post("/hits/"+hitID+"/accept", nil).want(t, 303)
	aid := assignmentFrom(t, r.location())
	work := b.get(r.location()).want(t, 200).body
	for _, want := range []string{"Time left", "1 hour", `action="/assignments/` + aid + `/return"`, "<iframe"} {
		if !strings.Contains(work, want) {
			t.Errorf("work page lacks %q", want)
		}
	}
	// Accepting again opens the same assignment.
	if r := b.post("/hits/"+hitID+"/accept", nil).want(t, 303); r.location() != "/assignments/"+aid {
		t.Errorf("second accept went to %q, want the held assignment", r.location())
	}
	// The preview offers to continue.
	if body := b.get("/hits/" + hitID).body; !strings.Contains(body, `href="/assignments/`+aid+`"`) {
		t.Error("preview of a held HIT does not link to the work page")
	}
	// Another worker cannot open it.
	other := e.browser()
	other.signup("zhou")
	other.get("/assignments/"+aid).want(t, 404)

	b.post("/assignments/"+aid+"/return", nil).want(t, 303)
	if got := e.statusOf(aid); got != hitd.AssignmentReturned {
		t.Errorf("status after return: %s", got)
	}
	my := b.get("/my").want(t, 200).body
	if !strings.Contains(my, `status-returned">Returned`) || !strings.Contains(my, "Describe a photo") {
		t.Errorf("/my does not show the returned assignment:\n%s", my)
	}
	b.post("/assignments/"+aid+"/return", nil).want(t, 409)
}

func TestQuestionFormAcceptAndWork(t *testing.T) {
	e := newEnv(t)
	h1 := e.createHIT(hit{title: "Guess ages", question: formQ, reward: "0.20"})
	typeID := aws.ToString(h1.HITTypeId)
	// The same type (same title, reward, …) puts the second HIT in the group.
	h2 := e.createHIT(hit{title: "Guess ages", question: formQ, reward: "0.20"})
	if aws.ToString(h2.HITTypeId) != typeID {
		t.Fatalf("the two HITs are in different groups")
	}
	b := e.browser()
	b.signup("mae")

	r := b.post("/groups/"+typeID+"/accept", nil).want(t, 303)
	if !strings.HasSuffix(r.location(), "?next=group") {
		t.Errorf("accept & work went to %q, want ?next=group", r.location())
	}
	first := assignmentFrom(t, r.location())
	work := b.get(r.location()).want(t, 200).body
	if !strings.Contains(work, `class="qform"`) || !strings.Contains(work, `name="age"`) || !strings.Contains(work, `name="color"`) {
		t.Fatalf("work page lacks the form:\n%s", work)
	}
	if !strings.Contains(work, `action="/assignments/`+first+`/return"`) {
		t.Error("work page lacks the Return button")
	}
	submitURL := "/assignments/" + first + "/submit?next=group"
	if !strings.Contains(work, `action="`+strings.ReplaceAll(submitURL, "&", "&amp;")+`"`) {
		t.Errorf("the submit form does not post to %s", submitURL)
	}

	// A bad answer: 422, the message next to the field, the value kept.
	bad := b.post(submitURL, url.Values{"age": {"very old"}, "color": {"blue"}}).want(t, http.StatusUnprocessableEntity)
	for _, want := range []string{`class="qf-error"`, "Enter a whole number", `value="very old"`, `value="blue" checked`} {
		if !strings.Contains(bad.body, want) {
			t.Errorf("re-rendered form lacks %q", want)
		}
	}
	if got := e.statusOf(first); got != hitd.AssignmentAccepted {
		t.Fatalf("a bad answer changed the status to %s", got)
	}

	// A good answer: submitted, and the next HIT of the group opens.
	r = b.post(submitURL, url.Values{"age": {"42"}, "color": {"blue"}}).want(t, 303)
	second := assignmentFrom(t, r.location())
	if second == first || !strings.Contains(r.location(), "next=group") {
		t.Fatalf("after submit went to %q", r.location())
	}
	if got := e.statusOf(first); got != hitd.AssignmentSubmitted {
		t.Errorf("status after submit: %s", got)
	}
	answer := e.answerOf(aws.ToString(h1.HITId))
	if !strings.Contains(answer, "<QuestionIdentifier>age</QuestionIdentifier><FreeText>42</FreeText>") ||
		!strings.Contains(answer, "<QuestionIdentifier>color</QuestionIdentifier><SelectionIdentifier>blue</SelectionIdentifier>") {
		t.Errorf("answer XML: %s", answer)
	}

	// The last HIT of the group: back to /my when there is no next one.
	r = b.post("/assignments/"+second+"/submit?next=group", url.Values{"age": {"7"}, "color": {"red"}}).want(t, 303)
	if r.location() != "/my?msg=groupdone" {
		t.Errorf("after the last HIT went to %q", r.location())
	}
	my := b.get(r.location()).want(t, 200).body
	for _, want := range []string{"no more HITs in that group", `<dd class="submitted">2</dd>`, `status-submitted">Submitted`} {
		if !strings.Contains(my, want) {
			t.Errorf("/my lacks %q", want)
		}
	}
	// Submitting twice is refused.
	b.post("/assignments/"+second+"/submit", url.Values{"age": {"7"}}).want(t, 409)
}

func TestHTMLQuestionExternalSubmit(t *testing.T) {
	e := newEnv(t)
	h := e.createHIT(hit{title: "Tag a picture", question: htmlQ})
	hitID := aws.ToString(h.HITId)
	b := e.browser()
	b.signup("ines")
	workerID := b.workerID()

	// Preview: the frame shows /content/preview-{HITId} without a worker.
	preview := b.get("/hits/"+hitID).want(t, 200).body
	src := attr(preview, "iframe", "src")
	u, err := url.Parse(src)
	if err != nil || u.Path != "/content/preview-"+hitID {
		t.Fatalf("preview frame src %q", src)
	}
	wantQuery(t, u.Query(), map[string]string{"assignmentId": web.NotAvailable, "hitId": hitID, "turkSubmitTo": e.URL})
	if sb := attr(preview, "iframe", "sandbox"); strings.Contains(sb, "allow-same-origin") || !strings.Contains(sb, "allow-scripts") || !strings.Contains(sb, "allow-forms") {
		t.Errorf("HTMLQuestion frame sandbox %q", sb)
	}
	if attr(preview, "iframe", "height") != "450" {
		t.Errorf("frame height %q, want 450", attr(preview, "iframe", "height"))
	}

	aid := assignmentFrom(t, b.post("/hits/"+hitID+"/accept", nil).want(t, 303).location())
	work := b.get("/assignments/"+aid).want(t, 200).body
	u, _ = url.Parse(attr(work, "iframe", "src"))
	if u.Path != "/content/"+aid {
		t.Fatalf("work frame src %q", u)
	}
	wantQuery(t, u.Query(), map[string]string{"assignmentId": aid, "hitId": hitID, "turkSubmitTo": e.URL, "workerId": workerID})

	// The content: the requester's HTML, sandboxed by header, submit URLs rewritten.
	anon := e.browser()
	for _, path := range []string{u.RequestURI(), "/content/preview-" + hitID} {
		c := anon.get(path).want(t, 200)
		if csp := c.header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "sandbox allow-scripts allow-forms allow-popups;") || strings.Contains(csp, "allow-same-origin") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		for name, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Content-Type": "text/html; charset=utf-8", "X-Frame-Options": ""} {
			if got := c.header.Get(name); got != want {
				t.Errorf("%s: %s = %q, want %q", path, name, got, want)
			}
		}
		if !strings.Contains(c.body, `action="`+e.URL+`/mturk/externalSubmit"`) || !strings.Contains(c.body, `"`+e.URL+`/mturk/externalSubmit";`) || strings.Contains(c.body, "mturk.com") {
			t.Errorf("%s: submit URLs not rewritten:\n%s", path, c.body)
		}
	}
	anon.get("/content/NOSUCHASSIGNMENT0000000000000").want(t, 404)

	// A cross-origin POST to the site is refused…
	if r := anon.post("/hits/"+hitID+"/accept", nil, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"); r.status != http.StatusForbidden {
		t.Errorf("cross-origin accept: status %d, want 403", r.status)
	}
	if r := b.post("/assignments/"+aid+"/return", nil, "Origin", "null", "Sec-Fetch-Site", ""); r.status != http.StatusForbidden {
		t.Errorf("cross-origin return (old browser, Origin: null): status %d, want 403", r.status)
	}
	// …but externalSubmit takes the form from the sandboxed frame (Origin: null).
	form := "label=a+cat&assignmentId=" + aid + "&tag=b&tag=a&workerId=" + workerID
	req, _ := http.NewRequest("POST", e.URL+"/mturk/externalSubmit", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "null")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	r := anon.do(req).want(t, 200)
	if !strings.Contains(r.body, "Submitted — thank you") || !strings.Contains(r.body, `href="/my" target="_top"`) || !strings.Contains(r.body, `href="/" target="_top"`) {
		t.Errorf("thank-you page:\n%s", r.body)
	}
	if r.header.Get("X-Frame-Options") != "" || strings.Contains(r.header.Get("Content-Security-Policy"), "frame-ancestors") {
		t.Errorf("the thank-you page cannot be shown in the frame: %v", r.header)
	}
	answer := e.answerOf(hitID)
	want := "<Answer><QuestionIdentifier>label</QuestionIdentifier><FreeText>a cat</FreeText></Answer>" +
		"<Answer><QuestionIdentifier>tag</QuestionIdentifier><FreeText>b|a</FreeText></Answer>" +
		"<Answer><QuestionIdentifier>workerId</QuestionIdentifier><FreeText>" + workerID + "</FreeText></Answer>"
	if !strings.Contains(answer, want) || strings.Contains(answer, "assignmentId") {
		t.Errorf("answer XML:\n%s\nwant it to contain\n%s", answer, want)
	}

	// Failures are clear pages with 4xx statuses.
	for _, tc := range []struct {
		name, form string
		status     int
		want       string
	}{
		{"already submitted", "assignmentId=" + aid + "&x=1", 409, "already submitted"},
		{"unknown assignment", "assignmentId=NOSUCHASSIGNMENT0000000000000&x=1", 404, "does not exist"},
		{"preview", "assignmentId=" + web.NotAvailable + "&x=1", 404, "Accept the HIT"},
		{"no assignment", "x=1", 404, "Accept the HIT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", e.URL+"/mturk/externalSubmit", strings.NewReader(tc.form))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", "null")
			r := anon.do(req).want(t, tc.status)
			if !strings.Contains(r.body, "Not submitted") || !strings.Contains(r.body, tc.want) {
				t.Errorf("error page lacks %q:\n%s", tc.want, r.body)
			}
		})
	}
}

func TestExternalSubmitByGETAndMultipart(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.signup("olu")
	anon := e.browser()

	h := e.createHIT(hit{title: "Old-style GET", question: htmlQ})
	aid := assignmentFrom(t, b.post("/hits/"+aws.ToString(h.HITId)+"/accept", nil).location())
	anon.get("/mturk/externalSubmit?assignmentId="+aid+"&answer=yes&answer=no").want(t, 200)
	if a := e.answerOf(aws.ToString(h.HITId)); !strings.Contains(a, "<QuestionIdentifier>answer</QuestionIdentifier><FreeText>yes|no</FreeText>") {
		t.Errorf("GET answer: %s", a)
	}

	h = e.createHIT(hit{title: "Multipart form", question: htmlQ})
	aid = assignmentFrom(t, b.post("/hits/"+aws.ToString(h.HITId)+"/accept", nil).location())
	body := "--XX\r\nContent-Disposition: form-data; name=\"assignmentId\"\r\n\r\n" + aid +
		"\r\n--XX\r\nContent-Disposition: form-data; name=\"comment\"\r\n\r\nfine\r\n" +
		"--XX\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\nPNG\r\n--XX--\r\n"
	req, _ := http.NewRequest("POST", e.URL+"/mturk/externalSubmit", strings.NewReader(body))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=XX")
	req.Header.Set("Origin", "https://tasks.example.org")
	anon.do(req).want(t, 200)
	if a := e.answerOf(aws.ToString(h.HITId)); !strings.Contains(a, "<QuestionIdentifier>comment</QuestionIdentifier><FreeText>fine</FreeText>") || strings.Contains(a, "photo") {
		t.Errorf("multipart answer: %s", a)
	}
}

func wantQuery(t *testing.T, got url.Values, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got.Get(k) != v {
			t.Errorf("query %s = %q, want %q", k, got.Get(k), v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected query parameter %s=%q", k, got.Get(k))
		}
	}
}

func TestExternalQuestionFrame(t *testing.T) {
	e := newEnv(t)
	h := e.createHIT(hit{title: "Take a survey", question: externalQ})
	hitID := aws.ToString(h.HITId)
	b := e.browser()
	b.signup("kofi")
	workerID := b.workerID()

	for _, tc := range []struct {
		name  string
		page  func() string
		query map[string]string
	}{
		{"preview", func() string { return b.get("/hits/"+hitID).want(t, 200).body },
			map[string]string{"study": "7", "arm": "b", "assignmentId": web.NotAvailable, "hitId": hitID, "turkSubmitTo": e.URL}},
		{"accepted", func() string {
			loc := b.post("/hits/"+hitID+"/accept", nil).want(t, 303).location()
			return b.get(loc).want(t, 200).body
		}, map[string]string{"study": "7", "arm": "b", "assignmentId": "", "hitId": hitID, "turkSubmitTo": e.URL, "workerId": workerID}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.page()
			src := attr(body, "iframe", "src")
			if !strings.HasPrefix(src, "https://tasks.example.org/survey?study=7&arm=b&assignmentId=") {
				t.Fatalf("frame src %q does not append to the ExternalURL's query", src)
			}
			u, _ := url.Parse(src)
			q := u.Query()
			if tc.query["assignmentId"] == "" { // accepted: whatever ID the worker got
				tc.query["assignmentId"] = q.Get("assignmentId")
				if len(q.Get("assignmentId")) != 30 {
					t.Errorf("assignmentId %q", q.Get("assignmentId"))
				}
			}
			wantQuery(t, q, tc.query)
			sb := attr(body, "iframe", "sandbox")
			for _, want := range []string{"allow-scripts", "allow-forms", "allow-popups", "allow-popups-to-escape-sandbox", "allow-same-origin"} {
				if !strings.Contains(sb, want) {
					t.Errorf("sandbox %q lacks %s", sb, want)
				}
			}
			if !strings.Contains(body, `class="question-frame frame-full"`) {
				t.Error("FrameHeight 0 is not a full-height frame")
			}
		})
	}
}

func TestSeparateContentOrigin(t *testing.T) {
	e := newEnv(t, hitdtest.Options{SeparateContentOrigin: true})
	h := e.createHIT(hit{title: "Tag a picture", question: htmlQ})
	hitID := aws.ToString(h.HITId)
	b := e.browser()
	b.signup("ravi")
	aid := assignmentFrom(t, b.post("/hits/"+hitID+"/accept", nil).want(t, 303).location())
	work := b.get("/assignments/"+aid).want(t, 200).body
	src := attr(work, "iframe", "src")
	if !strings.HasPrefix(src, e.ContentURL+"/content/"+aid+"?") {
		t.Fatalf("frame src %q is not on the content origin %s", src, e.ContentURL)
	}
	if strings.Contains(attr(work, "iframe", "sandbox"), "allow-same-origin") {
		t.Error("allow-same-origin on an HTMLQuestion frame")
	}
	c := b.get(src).want(t, 200)
	if csp := c.header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "sandbox allow-scripts allow-forms allow-popups") || !strings.Contains(csp, "frame-ancestors "+e.URL) {
		t.Errorf("content CSP %q", csp)
	}
	if !strings.Contains(c.body, `action="`+e.URL+`/mturk/externalSubmit"`) {
		t.Errorf("submit URL not rewritten to the public URL:\n%s", c.body)
	}
	// The site itself no longer serves requester HTML.
	b.get("/content/"+aid).want(t, 404)
	// A submission arriving at the content origin works too.
	req, _ := http.NewRequest("POST", e.ContentURL+"/mturk/externalSubmit", strings.NewReader("assignmentId="+aid+"&label=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "null")
	if r := b.do(req).want(t, 200); !strings.Contains(r.body, `href="`+e.URL+`/my" target="_top"`) {
		t.Errorf("thank-you links do not lead to the public site:\n%s", r.body)
	}
}

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.signup("sam")
	for _, path := range []string{"/", "/login", "/my", "/profile", "/inbox", "/no/such/page"} {
		r := b.get(path)
		csp := r.header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %s", path, csp, want)
			}
		}
		if strings.Contains(csp, "script-src") && !strings.Contains(csp, "script-src 'none'") {
			t.Errorf("%s: CSP allows scripts: %q", path, csp)
		}
		if r.header.Get("X-Frame-Options") != "DENY" || r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: headers %v", path, r.header)
		}
		if strings.Contains(r.body, "<script") || strings.Contains(r.body, " style=") || strings.Contains(r.body, " on") && regexp.MustCompile(`\son[a-z]+=`).MatchString(r.body) {
			t.Errorf("%s: inline script or style", path)
		}
	}
	if r := b.get("/no/such/page"); r.status != 404 || !strings.Contains(r.body, "There is no page at this address.") {
		t.Errorf("404 page: %d", r.status)
	}
	css := b.get("/static/site.css").want(t, 200)
	if !strings.HasPrefix(css.header.Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet Content-Type %q", css.header.Get("Content-Type"))
	}
	// The API still answers beside the site.
	b.get("/healthz").want(t, 200)
	if _, err := e.Client.GetAccountBalance(context.Background(), &mturk.GetAccountBalanceInput{}); err != nil {
		t.Errorf("the AWS JSON API behind the site: %v", err)
	}
}

func TestProfileInboxAndTimeUp(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.signup("noor")
	workerID := b.workerID()

	b.post("/profile", url.Values{"country": {"de"}, "subdivision": {"BE"}}).want(t, 303)
	p := b.get("/profile?msg=saved").want(t, 200).body
	if !strings.Contains(p, `name="country" value="DE"`) || !strings.Contains(p, `value="BE"`) || !strings.Contains(p, "Saved.") {
		t.Errorf("profile after save:\n%s", p)
	}
	bad := b.post("/profile", url.Values{"country": {"Germany"}}).want(t, 400)
	if !strings.Contains(bad.body, "ISO 3166-1") {
		t.Errorf("bad country page lacks the message")
	}

	h := e.createHIT(hit{title: "Quick one", question: formQ, duration: 60})
	aid := assignmentFrom(t, b.post("/hits/"+aws.ToString(h.HITId)+"/accept", nil).want(t, 303).location())
	_, err := e.Client.NotifyWorkers(context.Background(), &mturk.NotifyWorkersInput{
		Subject: aws.String("Bonus round"), MessageText: aws.String("Thanks <b>for</b> your work."), WorkerIds: []string{workerID}})
	if err != nil {
		t.Fatal(err)
	}
	inbox := b.get("/inbox").want(t, 200).body
	if !strings.Contains(inbox, "Bonus round") || !strings.Contains(inbox, "Thanks &lt;b&gt;for&lt;/b&gt; your work.") {
		t.Errorf("inbox:\n%s", inbox)
	}

	e.Clock.Advance(2 * time.Minute)
	work := b.get("/assignments/"+aid).want(t, 200).body
	if !strings.Contains(work, "ran out") || strings.Contains(work, `class="qform"`) {
		t.Errorf("work page after the deadline still offers the form")
	}
	b.post("/assignments/"+aid+"/submit", url.Values{"age": {"3"}}).want(t, 409)
}

func TestServiceFaultIsNotLeaked(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.signup("lee")
	if err := e.Store.Close(); err != nil {
		t.Fatal(err)
	}
	r := b.get("/my")
	if r.status != 500 || !strings.Contains(r.body, "Try again later") || strings.Contains(strings.ToLower(r.body), "sql") {
		t.Errorf("store failure page: %d\n%s", r.status, r.body)
	}
}
