package web

import (
	"net/http"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/api"
)

// This file is the requester console's first slice, under /requester:
// sign-in with an access key ID and either the secret access key or the
// console password, sign-out, and a dashboard of the requester's account
// and HITs. Its pages use the worker site's layout and stylesheet, and are
// behind the same CrossOriginProtection and Content-Security-Policy.
//
// The console has its own session cookie (ConsoleCookie), scoped to
// /requester: a worker's session never opens the console, and a console
// session is never sent to, nor read by, the worker pages.

// ConsoleCookie is the name of the cookie that holds a requester console
// session token (the token hitd.Service.ConsoleLogin returns).
const ConsoleCookie = "hitd_console"

// consolePath is the console's root, and its cookie's Path.
const consolePath = "/requester"

// consoleHITsPage is how many HITs the dashboard lists.
const consoleHITsPage = 100

// consoleLoginError is the one message of every failed console sign-in.
const consoleLoginError = "The access key ID, secret access key or password is wrong."

func (s *Site) consoleRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /requester/login", s.consoleLoginForm)
	mux.HandleFunc("POST /requester/login", s.consoleLogin)
	mux.HandleFunc("POST /requester/logout", s.consoleLogout)
	mux.HandleFunc("GET /requester", s.consoleDashboard)
	mux.HandleFunc("GET /requester/{$}", s.consoleDashboard)
	s.consoleProjectRoutes(mux) // projects and batches (console_projects.go)
	s.consoleReviewRoutes(mux)  // review, workers, ledger, admin (console_review.go)
}

// consoleUser returns the requester signed in to the console. When nobody
// is, it redirects a GET to the sign-in page (and answers anything else
// with 401) and returns ok=false; so does an internal error, after
// rendering it.
func (s *Site) consoleUser(w http.ResponseWriter, r *http.Request) (req *hitd.Requester, ok bool) {
	req, ok = s.consoleSession(w, r)
	if !ok {
		return nil, false
	}
	if req == nil {
		if r.Method == http.MethodGet {
			redirect(w, r, consolePath+"/login")
		} else {
			s.render(w, r, http.StatusUnauthorized, "console_login", &page{Title: "Requester sign-in", Console: true,
				Data: consoleLoginData{Error: "Your session has ended. Sign in again."}})
		}
		return nil, false
	}
	return req, true
}

// consoleError renders a domain error on a console page: its message and
// a status that fits its code; internal errors are logged and shown as a
// generic message.
func (s *Site) consoleError(w http.ResponseWriter, r *http.Request, req *hitd.Requester, err error) {
	code := hitd.ErrorCode(err)
	if code == hitd.ErrInternal {
		s.consoleFail(w, r, err)
		return
	}
	status := api.WorkerStatus(code)
	switch code {
	case hitd.ErrProjectNotFound, hitd.ErrBatchNotFound:
		status = http.StatusNotFound
	case hitd.ErrInvalidBatchState:
		status = http.StatusConflict
	case hitd.ErrInvalidBatchInput:
		status = http.StatusBadRequest
	}
	s.render(w, r, status, "error", &page{Title: titleFor(code), Console: true, Requester: req,
		Data: errorData{Message: hitd.ErrorMessage(err)}})
}

// consoleSession returns the requester signed in to the console, or nil.
// A cookie whose session has ended is cleared. On an internal error it
// renders the error page and returns ok=false.
func (s *Site) consoleSession(w http.ResponseWriter, r *http.Request) (req *hitd.Requester, ok bool) {
	c, err := r.Cookie(ConsoleCookie)
	if err != nil || c.Value == "" {
		return nil, true
	}
	req, err = s.svc.RequesterForConsoleSession(r.Context(), c.Value)
	switch {
	case err == nil:
		return req, true
	case isCode(err, hitd.ErrNotAuthenticated):
		s.setConsoleCookie(w, r, "", -1)
		return nil, true
	}
	s.consoleFail(w, r, err)
	return nil, false
}

func (s *Site) setConsoleCookie(w http.ResponseWriter, r *http.Request, token string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: ConsoleCookie, Value: token, Path: consolePath, MaxAge: maxAge,
		HttpOnly: true, Secure: s.secureCookies(r), SameSite: http.SameSiteLaxMode,
	})
}

// consoleFail renders an internal error on a console page; it is logged,
// and the requester sees a generic message.
func (s *Site) consoleFail(w http.ResponseWriter, r *http.Request, err error) {
	s.logger.Error("web: console error", "method", r.Method, "path", r.URL.Path, "error", err)
	s.render(w, r, http.StatusInternalServerError, "error", &page{Title: "Something went wrong", Console: true,
		Data: errorData{Message: "Something went wrong on the server. Try again later."}})
}

type consoleLoginData struct {
	AccessKeyID string
	Error       string
}

func (s *Site) consoleLoginForm(w http.ResponseWriter, r *http.Request) {
	req, ok := s.consoleSession(w, r)
	if !ok {
		return
	}
	if req != nil {
		redirect(w, r, consolePath)
		return
	}
	s.render(w, r, http.StatusOK, "console_login", &page{Title: "Requester sign-in", Console: true, Flash: flash(r), Data: consoleLoginData{}})
}

func (s *Site) consoleLogin(w http.ResponseWriter, r *http.Request) {
	keyID, secret := r.PostFormValue("access_key_id"), r.PostFormValue("secret")
	token, _, err := s.svc.ConsoleLogin(r.Context(), keyID, secret)
	if err != nil {
		if !isCode(err, hitd.ErrNotAuthenticated) {
			s.consoleFail(w, r, err)
			return
		}
		s.render(w, r, http.StatusUnauthorized, "console_login", &page{Title: "Requester sign-in", Console: true,
			Data: consoleLoginData{AccessKeyID: keyID, Error: consoleLoginError}})
		return
	}
	// A fresh session; the one the browser held before ends, so a planted
	// cookie is never promoted.
	if c, err := r.Cookie(ConsoleCookie); err == nil && c.Value != "" {
		if err := s.svc.ConsoleLogout(r.Context(), c.Value); err != nil {
			s.logger.Warn("web: ending the previous console session", "error", err)
		}
	}
	s.setConsoleCookie(w, r, token, int(hitd.SessionLifetime.Seconds()))
	redirect(w, r, consolePath)
}

func (s *Site) consoleLogout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(ConsoleCookie); err == nil && c.Value != "" {
		if err := s.svc.ConsoleLogout(r.Context(), c.Value); err != nil {
			s.consoleFail(w, r, err)
			return
		}
	}
	s.setConsoleCookie(w, r, "", -1)
	redirect(w, r, consolePath+"/login?msg=loggedout")
}

type consoleDashboardData struct {
	Requester *hitd.Requester
	HITs      []*hitd.HITData
	More      bool // the requester has more HITs than are listed
}

func (s *Site) consoleDashboard(w http.ResponseWriter, r *http.Request) {
	req, ok := s.consoleSession(w, r)
	if !ok {
		return
	}
	if req == nil {
		redirect(w, r, consolePath+"/login")
		return
	}
	limit := int64(consoleHITsPage)
	out, err := s.svc.ListHITs(r.Context(), hitd.Caller{RequesterID: req.ID}, &hitd.ListHITsInput{MaxResults: &limit})
	if err != nil {
		s.consoleFail(w, r, err)
		return
	}
	// NextToken is set on every non-empty page (MTurk's paging); there are
	// more only if the page is full.
	more := out.NextToken != "" && len(out.HITs) >= consoleHITsPage
	s.render(w, r, http.StatusOK, "console", &page{Title: "Requester console", Console: true, Requester: req,
		Flash: flash(r), Data: consoleDashboardData{Requester: req, HITs: out.HITs, More: more}})
}
