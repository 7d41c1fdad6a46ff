package web

import (
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/api"
	"github.com/hitd/hitd/qform"
)

// NotAvailable is the assignmentId MTurk gave question pages in preview.
const NotAvailable = "ASSIGNMENT_ID_NOT_AVAILABLE"

// externalSubmitPath is where question pages post their answers, as on MTurk.
const externalSubmitPath = "/mturk/externalSubmit"

// previewPrefix marks a content key that names a HIT (preview) rather than
// an assignment.
const previewPrefix = "preview-"

// frameSandbox is the sandbox of every question frame. Without
// allow-same-origin the framed document gets an opaque origin, so
// requester HTML served from this site cannot read its cookies or call it
// as itself. allow-top-navigation-by-user-activation lets a click on a
// target=_top link (the "My HITs" link of the submitted page) leave the
// frame; script alone cannot move the worker's page.
const frameSandbox = "allow-scripts allow-forms allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation"

// contentSandbox is the CSP sandbox of the content responses: the document
// is opaque-origin even when opened outside the frame.
const contentSandbox = "sandbox allow-scripts allow-forms allow-popups"

// questionView is how a page shows a question: a frame (HTMLQuestion,
// ExternalQuestion) or form fields (QuestionForm).
type questionView struct {
	Frame       bool
	FrameSrc    string // html/template still refuses non-http(s) schemes
	FrameHeight int    // 0 ("full window" on MTurk): tall, by the stylesheet
	Sandbox     string
	Form        bool
	FormHTML    template.HTML
}

// questionFor builds the view of hv's question for a preview (a == nil) or
// for the worker's accepted assignment a. prior and errs refill a
// QuestionForm after a failed submission.
func (s *Site) questionFor(r *http.Request, hv *hitd.WorkerHITView, a *hitd.Assignment, prior map[string][]string, errs qform.FieldErrors) (questionView, error) {
	q := hv.Question
	switch q.Kind {
	case hitd.QuestionForm:
		f, err := qform.Parse(hv.HIT.Question)
		if err != nil {
			return questionView{}, hitd.Errorf(hitd.ErrXMLParse, "This HIT's question cannot be shown: %s", err.Error())
		}
		return questionView{Form: true, FormHTML: f.Render(prior, errs)}, nil
	case hitd.QuestionHTML:
		key := previewPrefix + hv.HIT.HITId
		if a != nil {
			key = a.ID
		}
		src := s.contentO + "/content/" + url.PathEscape(key) + "?" + s.frameParams(r, hv.HIT.HITId, a)
		return questionView{Frame: true, FrameSrc: src, FrameHeight: q.FrameHeight, Sandbox: frameSandbox}, nil
	case hitd.QuestionExternal:
		src := appendQuery(q.ExternalURL, s.frameParams(r, hv.HIT.HITId, a))
		sandbox := frameSandbox
		if !s.ownOrigin(r, q.ExternalURL) {
			// The page keeps its own origin (its cookies and its own
			// server, which experiment software such as psiTurk needs);
			// it is never ours, so this grants nothing on this site.
			sandbox += " allow-same-origin"
		}
		return questionView{Frame: true, FrameSrc: src, FrameHeight: q.FrameHeight, Sandbox: sandbox}, nil
	}
	return questionView{}, hitd.Errorf(hitd.ErrXMLParse, "This HIT's question is of an unknown kind.")
}

// frameParams are the four query parameters MTurk appended to a question
// page's URL: assignmentId (ASSIGNMENT_ID_NOT_AVAILABLE in preview), hitId,
// turkSubmitTo (the site's base URL; pages append /mturk/externalSubmit)
// and workerId (not in preview).
func (s *Site) frameParams(r *http.Request, hitID string, a *hitd.Assignment) string {
	v := url.Values{}
	v.Set("assignmentId", NotAvailable)
	v.Set("hitId", hitID)
	v.Set("turkSubmitTo", s.baseURL(r))
	if a != nil {
		v.Set("assignmentId", a.ID)
		v.Set("workerId", a.WorkerID)
	}
	return v.Encode() // assignmentId, hitId, turkSubmitTo, workerId
}

// appendQuery appends an encoded query to a URL with "?" or "&" (as MTurk
// did), before any fragment.
func appendQuery(raw, query string) string {
	base, frag, hasFrag := strings.Cut(raw, "#")
	switch {
	case !strings.Contains(base, "?"):
		base += "?"
	case !strings.HasSuffix(base, "?") && !strings.HasSuffix(base, "&"):
		base += "&"
	}
	base += query
	if hasFrag {
		base += "#" + frag
	}
	return base
}

// ownOrigin reports whether raw is on the site's or the content origin.
func (s *Site) ownOrigin(r *http.Request, raw string) bool {
	o := originOf(raw)
	return o == "" || strings.EqualFold(o, originOf(s.baseURL(r))) || strings.EqualFold(o, "http://"+r.Host) ||
		strings.EqualFold(o, "https://"+r.Host) || (s.contentO != "" && strings.EqualFold(o, originOf(s.contentO)))
}

func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// submitURLRE matches the externalSubmit URLs of MTurk and its sandbox as
// requester HTML writes them: https or http, with or without "www.", with
// or without the /mturk path prefix, and with the slashes escaped as in a
// JavaScript string ("https:\/\/www.mturk.com\/mturk\/externalSubmit").
var submitURLRE = regexp.MustCompile(`(?i)https?:\\?/\\?/(?:www\.|workersandbox\.)?mturk\.com(?:\\?/mturk)?\\?/externalSubmit\b`)

// RewriteSubmitURLs points MTurk's externalSubmit URLs in requester HTML at
// submitURL (this server's /mturk/externalSubmit).
func RewriteSubmitURLs(html, submitURL string) string {
	return submitURLRE.ReplaceAllLiteralString(html, submitURL)
}

// content serves a HIT's HTMLQuestion content, by assignment
// (/content/{AssignmentId}) or for preview (/content/preview-{HITId}).
func (s *Site) content(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	var hv *hitd.WorkerHITView
	var err error
	if hitID, ok := strings.CutPrefix(key, previewPrefix); ok {
		hv, err = s.svc.WorkerHIT(r.Context(), "", hitID)
	} else {
		_, hv, err = s.svc.WorkerAssignment(r.Context(), "", key)
	}
	h := w.Header()
	h.Del("X-Frame-Options") // this response lives in the question frame
	h.Set("Content-Security-Policy", s.contentCSP(r))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	if err == nil && hv.Question.Kind != hitd.QuestionHTML {
		err = hitd.Errorf(hitd.ErrHITNotFound, "This HIT has no HTML content.")
	}
	if err != nil {
		code := hitd.ErrorCode(err)
		if code == hitd.ErrInternal {
			s.logger.Error("web: content", "key", key, "error", err)
		}
		h.Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(api.WorkerStatus(code))
		w.Write([]byte(hitd.ErrorMessage(err) + "\n"))
		return
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.Write([]byte(RewriteSubmitURLs(hv.Question.HTMLContent, s.baseURL(r)+externalSubmitPath)))
}

// contentCSP is the policy of content responses: the sandbox (an opaque
// origin that may run scripts, submit forms and open popups, nothing
// else) and, when the framing site's origin is known, frame-ancestors.
func (s *Site) contentCSP(r *http.Request) string {
	csp := contentSandbox
	switch {
	case s.contentO == "":
		csp += "; frame-ancestors 'self' " + originOf(s.baseURL(r))
	case s.publicURL != "":
		csp += "; frame-ancestors " + originOf(s.publicURL)
	}
	return csp
}
