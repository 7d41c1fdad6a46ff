package web_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/aws/aws-sdk-go-v2/service/mturk/types"
	"github.com/hitd/hitd"
	"github.com/hitd/hitd/internal/hitdtest"
)

// Question documents used by the tests.
const (
	htmlQ = `<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<!DOCTYPE html>
<html><body>
<form name="mturk_form" method="post" id="mturk_form" action="https://www.mturk.com/mturk/externalSubmit">
<input type="hidden" value="" name="assignmentId" id="assignmentId">
<input name="label"><input type="checkbox" name="tag" value="a"><input type="checkbox" name="tag" value="b">
</form>
<script>var sandboxURL = "https://workersandbox.mturk.com/mturk/externalSubmit";</script>
</body></html>]]></HTMLContent><FrameHeight>450</FrameHeight></HTMLQuestion>`

	externalQ = `<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd"><ExternalURL>https://tasks.example.org/survey?study=7&amp;arm=b</ExternalURL><FrameHeight>0</FrameHeight></ExternalQuestion>`

	formQ = `<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd">
<Question><QuestionIdentifier>age</QuestionIdentifier><IsRequired>true</IsRequired>
<QuestionContent><Text>How old is the person in the picture?</Text></QuestionContent>
<AnswerSpecification><FreeTextAnswer><Constraints><IsNumeric minValue="0" maxValue="120"/></Constraints></FreeTextAnswer></AnswerSpecification></Question>
<Question><QuestionIdentifier>color</QuestionIdentifier>
<QuestionContent><Text>Shirt colour?</Text></QuestionContent>
<AnswerSpecification><SelectionAnswer><StyleSuggestion>radiobutton</StyleSuggestion><Selections>
<Selection><SelectionIdentifier>red</SelectionIdentifier><Text>Red</Text></Selection>
<Selection><SelectionIdentifier>blue</SelectionIdentifier><Text>Blue</Text></Selection>
</Selections></SelectionAnswer></AnswerSpecification></Question>
</QuestionForm>`
)

// env is a test server with the worker site mounted.
type env struct {
	*hitdtest.Env
	t *testing.T
}

func newEnv(t *testing.T, opts ...hitdtest.Options) *env {
	t.Helper()
	var o hitdtest.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	o.Web = true
	return &env{Env: hitdtest.New(t, o), t: t}
}

// hit describes a HIT to create; zero fields take defaults.
type hit struct {
	title, keywords, reward, question string
	max                               int32
	duration                          int64
}

// createHIT creates a HIT through the real SDK client.
func (e *env) createHIT(h hit) *types.HIT {
	e.t.Helper()
	in := &mturk.CreateHITInput{
		Title:                       aws.String(h.title),
		Description:                 aws.String("Description of " + h.title),
		Keywords:                    aws.String(h.keywords),
		Reward:                      aws.String(h.reward),
		AssignmentDurationInSeconds: aws.Int64(h.duration),
		LifetimeInSeconds:           aws.Int64(3600),
		MaxAssignments:              aws.Int32(h.max),
		Question:                    aws.String(h.question),
	}
	if h.title == "" {
		in.Title = aws.String("Label a picture")
	}
	if h.reward == "" {
		in.Reward = aws.String("0.05")
	}
	if h.duration == 0 {
		in.AssignmentDurationInSeconds = aws.Int64(600)
	}
	if h.max == 0 {
		in.MaxAssignments = aws.Int32(1)
	}
	if h.question == "" {
		in.Question = aws.String(htmlQ)
	}
	out, err := e.Client.CreateHIT(context.Background(), in)
	if err != nil {
		e.t.Fatal(err)
	}
	return out.HIT
}

// answerOf returns the answer XML of the HIT's one submitted assignment.
func (e *env) answerOf(hitID string) string {
	e.t.Helper()
	out, err := e.Client.ListAssignmentsForHIT(context.Background(), &mturk.ListAssignmentsForHITInput{HITId: aws.String(hitID)})
	if err != nil {
		e.t.Fatal(err)
	}
	if len(out.Assignments) != 1 {
		e.t.Fatalf("HIT %s has %d reported assignments, want 1", hitID, len(out.Assignments))
	}
	return aws.ToString(out.Assignments[0].Answer)
}

// browser is a cookie-keeping HTTP client that does not follow redirects.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func (e *env) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return &browser{t: e.t, base: e.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type response struct {
	status int
	header http.Header
	body   string
	res    *http.Response
}

func (r response) location() string { return r.header.Get("Location") }

func (b *browser) do(req *http.Request) response {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: string(body), res: res}
}

func (b *browser) url(path string) string {
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		return path
	}
	return b.base + path
}

func (b *browser) get(path string) response {
	b.t.Helper()
	req, err := http.NewRequest("GET", b.url(path), nil)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Sec-Fetch-Site", "none")
	return b.do(req)
}

// post submits a form as a browser on the site's own pages would: with
// Sec-Fetch-Site and Origin saying the request is same-origin. headers
// (name, value pairs) replace those.
func (b *browser) post(path string, form url.Values, headers ...string) response {
	b.t.Helper()
	req, err := http.NewRequest("POST", b.url(path), strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", b.base)
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	return b.do(req)
}

// want fails the test unless r has the status.
func (r response) want(t *testing.T, status int) response {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s %s: status %d, want %d\n%s", r.res.Request.Method, r.res.Request.URL, r.status, status, r.body)
	}
	return r
}

// signup creates an account through the sign-up form and logs in.
func (b *browser) signup(username string) {
	b.t.Helper()
	r := b.post("/signup", url.Values{"username": {username}, "password": {"password-" + username}, "password2": {"password-" + username}})
	r.want(b.t, http.StatusSeeOther)
}

// workerID returns the logged-in worker's ID, read from the profile page.
func (b *browser) workerID() string {
	b.t.Helper()
	m := regexp.MustCompile(`<code>(A[0-9A-Z]{13})</code>`).FindStringSubmatch(b.get("/profile").want(b.t, 200).body)
	if m == nil {
		b.t.Fatal("no worker ID on the profile page")
	}
	return m[1]
}

// attr returns the unescaped value of the first attribute name of the
// first element tag in body, "" if there is none.
func attr(body, tag, name string) string {
	m := regexp.MustCompile(`<` + tag + `\b[^>]*\s` + name + `="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// assignmentFrom returns the assignment ID of a /assignments/{id} redirect.
func assignmentFrom(t *testing.T, location string) string {
	t.Helper()
	m := regexp.MustCompile(`^/assignments/([0-9A-Z]+)`).FindStringSubmatch(location)
	if m == nil {
		t.Fatalf("redirect %q is not to a work page", location)
	}
	return m[1]
}

// statusOf reads an assignment's status from the store.
func (e *env) statusOf(assignmentID string) hitd.AssignmentStatus {
	e.t.Helper()
	var a *hitd.Assignment
	err := e.Store.Read(context.Background(), func(tx hitd.Tx) error {
		var err error
		a, err = tx.Assignment(context.Background(), assignmentID)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return a.Status
}
