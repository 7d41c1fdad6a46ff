package web

import (
	"net/http"
	"net/url"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/api"
)

// SessionCookie is the name of the cookie that holds a worker's session
// token (the token hitd.Service.LoginWorker returns).
const SessionCookie = "hitd_session"

// session returns the logged-in worker, or nil for an anonymous visitor.
// A cookie whose session has ended is cleared. On an internal error it
// renders the error page and returns ok=false.
func (s *Site) session(w http.ResponseWriter, r *http.Request) (worker *hitd.Worker, ok bool) {
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return nil, true
	}
	worker, err = s.svc.WorkerForSession(r.Context(), c.Value)
	switch {
	case err == nil:
		return worker, true
	case isCode(err, hitd.ErrNotAuthenticated):
		s.clearCookie(w, r)
		return nil, true
	}
	s.fail(w, r, nil, err)
	return nil, false
}

// requireWorker returns the logged-in worker. An anonymous visitor is sent
// to the login page, which returns to back afterwards; ok=false then.
func (s *Site) requireWorker(w http.ResponseWriter, r *http.Request, back string) (*hitd.Worker, bool) {
	worker, ok := s.session(w, r)
	if !ok {
		return nil, false
	}
	if worker == nil {
		redirect(w, r, "/login?next="+url.QueryEscape(localPath(back)))
		return nil, false
	}
	return worker, true
}

func (s *Site) setCookie(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: token, Path: "/",
		MaxAge:   int(hitd.SessionLifetime.Seconds()),
		HttpOnly: true, Secure: s.secureCookies(r), SameSite: http.SameSiteLaxMode,
	})
}

func (s *Site) clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secureCookies(r), SameSite: http.SameSiteLaxMode,
	})
}

// startSession logs a worker in with a fresh session, ending the session
// the browser held before (so a planted cookie is never promoted).
func (s *Site) startSession(w http.ResponseWriter, r *http.Request, username, password string) error {
	token, _, err := s.svc.LoginWorker(r.Context(), username, password)
	if err != nil {
		return err
	}
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		if err := s.svc.LogoutWorker(r.Context(), c.Value); err != nil {
			s.logger.Warn("web: ending the previous session", "error", err)
		}
	}
	s.setCookie(w, r, token)
	return nil
}

// authData fills the sign-up and login forms.
type authData struct {
	Username   string
	Next       string
	Error      string
	NeedInvite bool
	Closed     bool
	InviteCode string
}

func (s *Site) loginForm(w http.ResponseWriter, r *http.Request) {
	worker, ok := s.session(w, r)
	if !ok {
		return
	}
	next := localPath(r.URL.Query().Get("next"))
	if worker != nil {
		redirect(w, r, next)
		return
	}
	s.render(w, r, http.StatusOK, "login", &page{Title: "Log in", Flash: flash(r), Data: authData{Next: next}})
}

func (s *Site) login(w http.ResponseWriter, r *http.Request) {
	username, password := r.PostFormValue("username"), r.PostFormValue("password")
	next := localPath(r.PostFormValue("next"))
	if err := s.startSession(w, r, username, password); err != nil {
		if hitd.ErrorCode(err) == hitd.ErrInternal {
			s.fail(w, r, nil, err)
			return
		}
		s.render(w, r, api.WorkerStatus(hitd.ErrorCode(err)), "login", &page{Title: "Log in",
			Data: authData{Username: username, Next: next, Error: hitd.ErrorMessage(err)}})
		return
	}
	redirect(w, r, next)
}

func (s *Site) signupData() authData {
	return authData{NeedInvite: s.opts.Signup == hitd.SignupInvite, Closed: s.opts.Signup == hitd.SignupClosed}
}

func (s *Site) signupForm(w http.ResponseWriter, r *http.Request) {
	worker, ok := s.session(w, r)
	if !ok {
		return
	}
	if worker != nil {
		redirect(w, r, "/")
		return
	}
	d := s.signupData()
	d.InviteCode = r.URL.Query().Get("invite") // an invite link may carry the code
	status := http.StatusOK
	if d.Closed {
		status = http.StatusForbidden
	}
	s.render(w, r, status, "signup", &page{Title: "Sign up", Data: d})
}

func (s *Site) signup(w http.ResponseWriter, r *http.Request) {
	username, password, invite := r.PostFormValue("username"), r.PostFormValue("password"), r.PostFormValue("invite")
	d := s.signupData()
	d.Username, d.InviteCode = username, invite
	if password != r.PostFormValue("password2") {
		d.Error = "The two passwords differ."
		s.render(w, r, http.StatusBadRequest, "signup", &page{Title: "Sign up", Data: d})
		return
	}
	_, err := s.svc.SignUpWorker(r.Context(), s.opts.Signup, username, password, invite)
	if err == nil {
		err = s.startSession(w, r, username, password)
	}
	if err != nil {
		if hitd.ErrorCode(err) == hitd.ErrInternal {
			s.fail(w, r, nil, err)
			return
		}
		d.Error = hitd.ErrorMessage(err)
		s.render(w, r, api.WorkerStatus(hitd.ErrorCode(err)), "signup", &page{Title: "Sign up", Data: d})
		return
	}
	redirect(w, r, "/?msg=welcome")
}

func (s *Site) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		if err := s.svc.LogoutWorker(r.Context(), c.Value); err != nil {
			s.fail(w, r, nil, err)
			return
		}
	}
	s.clearCookie(w, r)
	redirect(w, r, "/?msg=loggedout")
}
