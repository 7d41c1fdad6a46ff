package hitd

import "context"

// SetWorkerDisabled disables or enables a worker account (`hitd worker
// disable` / `enable`). A disabled worker cannot sign in on the site or the
// worker API, their sessions and API tokens end (and are refused, should
// one race the disabling), and they cannot accept HITs or submit
// assignments, including through /mturk/externalSubmit, where the
// assignment ID alone identifies them.
//
// What they already did stays as it is, which is how MTurk treated a
// suspended worker as far as requesters could see: work already submitted
// stays with the requester to approve or reject (and is auto-approved and
// paid as usual), bonuses and qualifications may still be given, and
// assignments they had accepted are left to run out: the scheduler
// abandons them at their deadline and frees the slot then, exactly as for
// a worker who walked away. Enabling the worker again lets them sign in
// anew; their old sessions do not come back.
func (s *Service) SetWorkerDisabled(ctx context.Context, workerID string, disabled bool) (*Worker, error) {
	if err := requireString("WorkerId", workerID); err != nil {
		return nil, err
	}
	var w *Worker
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		if w, err = tx.WorkerByID(ctx, workerID); err != nil {
			return notFound(err, ErrWorkerNotFound, "Worker %s does not exist.", workerID)
		}
		if disabled {
			if err := tx.DeleteWorkerSessions(ctx, w.ID); err != nil {
				return err
			}
		}
		if w.Disabled == disabled {
			return nil
		}
		w.Disabled = disabled
		return tx.UpdateWorker(ctx, w)
	})
	if err != nil {
		return nil, internal("set worker disabled", err)
	}
	return w, nil
}

// errWorkerDisabled is what a disabled worker is told on every worker path.
func errWorkerDisabled() error {
	return Errorf(ErrNotAuthenticated, "This worker account is disabled; ask the server's operator.")
}
