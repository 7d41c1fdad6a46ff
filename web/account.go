package web

import (
	"net/http"
	"net/url"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/api"
)

// myData fills "My HITs".
type myData struct {
	Profile     *hitd.WorkerProfile
	Assignments []*hitd.WorkerAssignmentView
	OlderURL    string
}

// my lists the worker's assignments, newest first, with their totals.
func (s *Site) my(w http.ResponseWriter, r *http.Request) {
	worker, ok := s.requireWorker(w, r, "/my")
	if !ok {
		return
	}
	prof, err := s.svc.WorkerProfile(r.Context(), worker.ID)
	if err != nil {
		s.fail(w, r, worker, err)
		return
	}
	res, err := s.svc.ListWorkerAssignments(r.Context(), worker.ID, nil, r.URL.Query().Get("after"), 25)
	if err != nil {
		s.fail(w, r, worker, err)
		return
	}
	d := myData{Profile: prof, Assignments: res.Assignments}
	if res.NextToken != "" {
		d.OlderURL = "/my?after=" + url.QueryEscape(res.NextToken)
	}
	s.render(w, r, http.StatusOK, "my", &page{Title: "My HITs", Worker: worker, Flash: flash(r), Data: d})
}

// profileData fills the profile page.
type profileData struct {
	Profile     *hitd.WorkerProfile
	Country     string
	Subdivision string
	Adult       bool // "I am 18 or older" (the Adult qualification)
	Error       string
}

func (s *Site) profile(w http.ResponseWriter, r *http.Request) {
	worker, ok := s.requireWorker(w, r, "/profile")
	if !ok {
		return
	}
	s.renderProfile(w, r, worker, http.StatusOK, profileData{Country: worker.Country, Subdivision: worker.Subdivision, Adult: worker.Adult})
}

func (s *Site) renderProfile(w http.ResponseWriter, r *http.Request, worker *hitd.Worker, status int, d profileData) {
	prof, err := s.svc.WorkerProfile(r.Context(), worker.ID)
	if err != nil {
		s.fail(w, r, worker, err)
		return
	}
	d.Profile = prof
	s.render(w, r, status, "profile", &page{Title: "Profile", Worker: worker, Flash: flash(r), Data: d})
}

func (s *Site) updateProfile(w http.ResponseWriter, r *http.Request) {
	worker, ok := s.requireWorker(w, r, "/profile")
	if !ok {
		return
	}
	country, sub := r.PostFormValue("country"), r.PostFormValue("subdivision")
	adult := r.PostFormValue("adult") != "" // an unchecked box sends nothing
	_, err := s.svc.UpdateWorkerLocation(r.Context(), worker.ID, country, sub)
	if err == nil && adult != worker.Adult {
		_, err = s.svc.SetWorkerAdult(r.Context(), worker.ID, adult)
	}
	if err != nil {
		if hitd.ErrorCode(err) == hitd.ErrInternal {
			s.fail(w, r, worker, err)
			return
		}
		s.renderProfile(w, r, worker, api.WorkerStatus(hitd.ErrorCode(err)), profileData{Country: country, Subdivision: sub, Adult: adult, Error: hitd.ErrorMessage(err)})
		return
	}
	redirect(w, r, "/profile?msg=saved")
}

// inbox shows the messages requesters sent the worker (NotifyWorkers).
func (s *Site) inbox(w http.ResponseWriter, r *http.Request) {
	worker, ok := s.requireWorker(w, r, "/inbox")
	if !ok {
		return
	}
	msgs, err := s.svc.WorkerMessages(r.Context(), worker.ID, 100)
	if err != nil {
		s.fail(w, r, worker, err)
		return
	}
	s.render(w, r, http.StatusOK, "inbox", &page{Title: "Inbox", Worker: worker, Data: msgs})
}
