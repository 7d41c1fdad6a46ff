package hitd

import (
	"context"
	"errors"
)

// This file holds what only test mode (hitd serve --test-mode, loopback
// only) offers: sessions of workers that a requester's test suite scripts.

// TestModeWorkerSession opens a session of the worker with this username,
// creating the worker first if there is none (with a random password that
// nobody learns, so it signs in only this way). It takes no password: only
// test mode's POST /_test/workers calls it, so that a requester's tests can
// act as workers through the worker API. created reports whether the
// worker is new.
func (s *Service) TestModeWorkerSession(ctx context.Context, username string) (token string, w *Worker, created bool, err error) {
	if w, err = s.workerByUsername(ctx, username); err != nil {
		return "", nil, false, err
	}
	if w == nil {
		password, _ := newSecret()
		w, err = s.CreateWorker(ctx, username, password)
		switch {
		case ErrorCode(err) == ErrUsernameTaken: // made by a concurrent call
			if w, err = s.workerByUsername(ctx, username); err == nil && w == nil {
				err = internal("test mode worker", errors.New("worker taken but not found"))
			}
		case err == nil:
			created = true
		}
		if err != nil {
			return "", nil, false, err
		}
	}
	if token, err = s.openSession(ctx, w.ID); err != nil {
		return "", nil, false, internal("test mode worker session", err)
	}
	return token, w, created, nil
}
