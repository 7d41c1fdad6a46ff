package web

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/api"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/*
var staticFS embed.FS

// Options configures the site.
type Options struct {
	Logger *slog.Logger // internal errors are logged here; nil: discard
	// Signup says who may create an account on the sign-up page.
	Signup hitd.SignupPolicy
	// PublicURL is the site's base URL as workers' browsers reach it, e.g.
	// "https://hits.example.org". It is sent to question pages as
	// turkSubmitTo and is where MTurk's externalSubmit URLs in requester
	// HTML are pointed. "" derives it from each request (scheme and Host;
	// behind a reverse proxy, what server.TrustedProxies makes of them).
	PublicURL string
	// ContentOrigin is a separate origin that serves requester HTML
	// (ContentHandler), e.g. "http://127.0.0.1:8081". "" serves it from the
	// site itself under /content/.
	ContentOrigin string
	// SecureCookies marks the session cookies Secure on every request; they
	// are Secure anyway on a request that came over HTTPS (requestScheme).
	SecureCookies bool
	// Sandbox marks this site as the sandbox realm's: every page says so,
	// so nobody mistakes practice work for paid work.
	Sandbox bool
}

// Site is the worker web site for one Service.
type Site struct {
	svc       *hitd.Service
	opts      Options
	logger    *slog.Logger
	pages     map[string]*template.Template
	publicURL string // Options.PublicURL without a trailing slash
	contentO  string // Options.ContentOrigin without a trailing slash
	publish   publishJobs
}

// New returns the worker site for svc. It panics if its embedded templates
// do not parse, which is a bug caught by any test.
func New(svc *hitd.Service, opts Options) *Site {
	s := &Site{svc: svc, opts: opts, logger: opts.Logger,
		publicURL: strings.TrimRight(opts.PublicURL, "/"), contentO: strings.TrimRight(opts.ContentOrigin, "/")}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.opts.Signup == "" {
		s.opts.Signup = hitd.SignupOpen
	}
	s.pages = parsePages()
	return s
}

// parsePages parses every page template together with the layout.
func parsePages() map[string]*template.Template {
	layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html"))
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		pages[base] = template.Must(template.Must(layout.Clone()).ParseFS(templateFS, n))
	}
	return pages
}

// Handler returns the worker site: every page, /static/, /mturk/externalSubmit
// and (when Options.ContentOrigin is empty) /content/. It is wrapped in
// CrossOriginProtection, with /mturk/externalSubmit exempt, and every
// request body is bounded (limitBodies).
func (s *Site) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.groups)
	mux.HandleFunc("GET /signup", s.signupForm)
	mux.HandleFunc("POST /signup", s.signup)
	mux.HandleFunc("GET /login", s.loginForm)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST /logout", s.logout)
	mux.HandleFunc("GET /groups/{id}", s.preview(true))
	mux.HandleFunc("POST /groups/{id}/accept", s.acceptFromGroup)
	mux.HandleFunc("GET /hits/{id}", s.preview(false))
	mux.HandleFunc("POST /hits/{id}/accept", s.acceptHIT)
	mux.HandleFunc("GET /assignments/{id}", s.assignment)
	mux.HandleFunc("POST /assignments/{id}/return", s.returnAssignment)
	mux.HandleFunc("POST /assignments/{id}/submit", s.submit)
	mux.HandleFunc("GET /my", s.my)
	mux.HandleFunc("GET /profile", s.profile)
	mux.HandleFunc("POST /profile", s.updateProfile)
	mux.HandleFunc("GET /inbox", s.inbox)
	mux.HandleFunc("GET /qualifications", s.qualifications)
	mux.HandleFunc("POST /qualifications/{id}/{action}", s.qualAction)
	mux.HandleFunc("GET /qualifications/tests/{id}", s.qualTest)
	mux.HandleFunc("POST /qualifications/tests/{id}", s.submitQualTest)
	s.consoleRoutes(mux)                                 // the requester console, /requester (console.go)
	mux.HandleFunc(externalSubmitPath, s.externalSubmit) // GET and POST, as MTurk took both
	mux.Handle("GET /static/", staticHandler())
	if s.contentO == "" {
		mux.HandleFunc("GET /content/{key}", s.content)
	}
	mux.HandleFunc("/", s.notFound)

	cop := http.NewCrossOriginProtection()
	cop.AddInsecureBypassPattern(externalSubmitPath)
	if s.publicURL != "" {
		if u, err := url.Parse(s.publicURL); err == nil && u.Scheme != "" && u.Host != "" {
			// Behind a proxy that rewrites Host, the public origin is still ours.
			_ = cop.AddTrustedOrigin(u.Scheme + "://" + u.Host)
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, nil, http.StatusForbidden, "Request refused",
			"This request came from another web site, so it was refused. Go back to the page and try again from there.")
	}))
	// siteHeaders is outermost so that the refusal page, too, carries the
	// site's Content-Security-Policy and frame-blocking headers.
	return siteHeaders(cop.Handler(s.limitBodies(mux)))
}

// ContentHandler returns what the content origin serves: requester HTML
// at /content/{AssignmentId} and /content/preview-{HITId}, and also
// /mturk/externalSubmit and /static/, so that submit URLs derived from the
// content request (when Options.PublicURL is empty) still work.
func (s *Site) ContentHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /content/{key}", s.content)
	mux.HandleFunc(externalSubmitPath, s.externalSubmit)
	mux.Handle("GET /static/", staticHandler())
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		http.NotFound(w, r)
	})
	return s.limitBodies(mux)
}

func staticHandler() http.Handler {
	files := http.FileServerFS(staticFS)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") { // no directory listings
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}

// siteCSP is the policy of the site's own pages: no script at all, styles
// and images from the site (images in QuestionForms may come from
// anywhere on the web), frames from anywhere (ExternalQuestion pages), and
// forms that post only to the site.
const siteCSP = "default-src 'none'; style-src 'self'; img-src 'self' https: http: data:; media-src https: http:; " +
	"frame-src *; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// consoleCSP is the policy of the requester console's pages (/requester):
// the site's, plus the console's own script (/static/console.js: progress
// bars, live layout previews) and connections back to the site for it.
// Layout previews are sandboxed srcdoc frames (an opaque origin that may
// not run script), which inherit this policy; so inline styles and
// stylesheets from the web are allowed, for the preview to look like the
// HIT. Console pages frame nothing but those previews (frame-src 'self').
// Nothing of a requester's HTML runs on the site's origin.
const consoleCSP = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline' https: http:; " +
	"font-src https: http: data:; img-src 'self' https: http: data:; media-src https: http:; " +
	"frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// siteHeaders sets the security headers of the site's own pages. Handlers
// of responses that live inside a question frame (/content/,
// /mturk/externalSubmit) replace them.
func siteHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if r.URL.Path == consolePath || strings.HasPrefix(r.URL.Path, consolePath+"/") {
			h.Set("Content-Security-Policy", consoleCSP)
		} else {
			h.Set("Content-Security-Policy", siteCSP)
		}
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// page is what every template gets.
type page struct {
	Title      string
	Worker     *hitd.Worker // nil when nobody is logged in
	SignupOpen bool         // show the "Sign up" link
	Sandbox    bool         // the sandbox realm's site
	Flash      string
	Data       any
	// Console marks a requester console page (/requester): the nav bar is
	// the console's, and Requester is who is signed in to it (nil: nobody).
	Console   bool
	Requester *hitd.Requester
}

// render writes a page with the given status.
func (s *Site) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	t, ok := s.pages[name]
	if !ok {
		panic("web: no template " + name)
	}
	p.SignupOpen = s.opts.Signup != hitd.SignupClosed
	p.Sandbox = s.opts.Sandbox
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		s.logger.Error("web: rendering", "template", name, "error", err)
		http.Error(w, "The page could not be rendered.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

type errorData struct {
	Message   string
	LoginNext string // offer a login link returning here
	// Qualifications links to /qualifications (the worker is not
	// qualified for a HIT).
	Qualifications bool
}

// renderError writes the friendly error page.
func (s *Site) renderError(w http.ResponseWriter, r *http.Request, worker *hitd.Worker, status int, title, message string) {
	s.renderErrorData(w, r, worker, status, title, errorData{Message: message})
}

func (s *Site) renderErrorData(w http.ResponseWriter, r *http.Request, worker *hitd.Worker, status int, title string, d errorData) {
	if status == http.StatusUnauthorized && worker == nil {
		d.LoginNext = localPath(r.URL.RequestURI())
	}
	s.render(w, r, status, "error", &page{Title: title, Worker: worker, Data: d})
}

// fail renders a domain error: its message for the worker, a status that
// fits its code. Internal errors are logged and shown as a generic message.
func (s *Site) fail(w http.ResponseWriter, r *http.Request, worker *hitd.Worker, err error) {
	code := hitd.ErrorCode(err)
	if code == hitd.ErrInternal {
		s.logger.Error("web: internal error", "method", r.Method, "path", r.URL.Path, "error", err)
	}
	d := errorData{Message: hitd.ErrorMessage(err)}
	if code == hitd.ErrNotQualified {
		// The page says what is missing and where to get it; a visitor
		// meets no requirement until logged in.
		d.Qualifications = true
		if worker == nil && r.Method == http.MethodGet {
			d.LoginNext = localPath(r.URL.RequestURI())
		}
	}
	s.renderErrorData(w, r, worker, api.WorkerStatus(code), titleFor(code), d)
}

// titleFor is the heading of the error page for a code.
func titleFor(code hitd.Code) string {
	switch code {
	case hitd.ErrNotAuthenticated:
		return "Please log in"
	case hitd.ErrNotAuthorized, hitd.ErrSignupClosed:
		return "Not allowed"
	case hitd.ErrHITNotFound, hitd.ErrHITTypeNotFound, hitd.ErrAssignmentNotFound, hitd.ErrWorkerNotFound,
		hitd.ErrQualTypeNotFound, hitd.ErrQualRequestNotFound:
		return "Not found"
	case hitd.ErrNotQualified:
		return "Not qualified"
	case hitd.ErrInvalidQualRequest:
		return "Not possible now"
	case hitd.ErrHITNotAvailable:
		return "No longer available"
	case hitd.ErrAlreadyAccepted:
		return "Already accepted"
	case hitd.ErrInvalidAssignmentState:
		return "This assignment is closed"
	case hitd.ErrInvalidAnswer:
		return "Some answers need attention"
	case hitd.ErrInternal:
		return "Something went wrong"
	}
	return "That did not work"
}

func (s *Site) notFound(w http.ResponseWriter, r *http.Request) {
	worker, ok := s.session(w, r)
	if !ok {
		return
	}
	s.renderError(w, r, worker, http.StatusNotFound, "Not found", "There is no page at this address.")
}

// flashes are the fixed messages a redirect can ask for with ?msg=; the
// text never comes from the URL.
var flashes = map[string]string{
	"welcome":       "Welcome! Your account is ready.",
	"loggedin":      "You are logged in.",
	"loggedout":     "You are logged out.",
	"submitted":     "Submitted — thank you.",
	"groupdone":     "Submitted — thank you. There are no more HITs in that group for you.",
	"returned":      "You returned the HIT.",
	"saved":         "Saved.",
	"timeup":        "The time for that assignment ran out.",
	"unavailable":   "That HIT is no longer available.",
	"qualgranted":   "Granted — the qualification is yours.",
	"qualrequested": "Requested — the requester will decide.",
	// The requester console's.
	"projectsaved":   "Project saved.",
	"projectcopied":  "Project copied. This is the copy.",
	"projectdeleted": "Project deleted.",
	"batchpublished": "Batch published: its HITs are live.",
	"batchcancelled": "Batch cancelled: its HITs have expired.",
	"batchextended":  "Batch extended.",
	"reviewed":       "Review saved.",
	"bonussent":      "Bonus sent.",
	"blocked":        "Worker blocked.",
	"unblocked":      "Worker unblocked.",
	"granted":        "Qualification granted.",
	"deposited":      "Funds deposited.",
	"workerupdated":  "Worker updated.",
}

func flash(r *http.Request) string { return flashes[r.URL.Query().Get("msg")] }

// redirect answers 303 See Other.
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// localPath returns p if it is a path on this site, and "/" otherwise, so
// a ?next= parameter cannot send a worker to another site.
func localPath(p string) string {
	if p == "" || p[0] != '/' || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\r\n\t") {
		return "/"
	}
	return p
}

// baseURL is the site's base URL for this request: Options.PublicURL, or
// the scheme and Host the request came with.
func (s *Site) baseURL(r *http.Request) string {
	if s.publicURL != "" {
		return s.publicURL
	}
	return requestScheme(r) + "://" + r.Host
}

// requestScheme is the scheme the browser used: "https" over TLS, or when
// r.URL.Scheme says so, which hitd serve sets for every request
// (server.TrustedProxies: from X-Forwarded-Proto only when a trusted
// reverse proxy sent it, else from the connection).
func requestScheme(r *http.Request) string {
	if r.TLS != nil || r.URL.Scheme == "https" {
		return "https"
	}
	return "http"
}

// secureCookies reports whether cookies set in answer to r are Secure:
// always with Options.SecureCookies, and whenever the browser came over
// HTTPS (directly, or through a trusted reverse proxy).
func (s *Site) secureCookies(r *http.Request) bool {
	return s.opts.SecureCookies || requestScheme(r) == "https"
}

// now is the Service's current time.
func (s *Site) now() time.Time { return s.svc.Clock().Now().UTC() }

// isCode reports whether err is a domain error with the given code.
func isCode(err error, code hitd.Code) bool {
	var e *hitd.Error
	return errors.As(err, &e) && e.Code == code
}
