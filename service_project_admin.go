package hitd

import "context"

// This file is what the operator's command line ("hitd project" and "hitd
// batch" in cmd/hitd) needs beside the requester's own operations: who
// owns a project, a batch or an assignment, so that a command given only
// an ID can act as that requester. These methods only read; every change
// still goes through the requester's operations (CreateBatch,
// PublishBatch, ReviewAssignments, …) with the owner as the Caller, so
// the command line and the console apply the same rules.

// ProjectOwner returns the ID of the requester whose live project id is.
func (s *Service) ProjectOwner(ctx context.Context, id string) (string, error) {
	if err := requireString("ProjectId", id); err != nil {
		return "", err
	}
	var owner string
	err := s.store.Read(ctx, func(tx Tx) error {
		p, err := tx.Project(ctx, id)
		if err == nil && p.Deleted {
			err = ErrNoRows
		}
		if err != nil {
			return notFound(err, ErrProjectNotFound, "Project %s does not exist.", id)
		}
		owner = p.RequesterID
		return nil
	})
	if err != nil {
		return "", internal("project owner", err)
	}
	return owner, nil
}

// BatchOwner returns the ID of the requester whose batch id is.
func (s *Service) BatchOwner(ctx context.Context, id string) (string, error) {
	if err := requireString("BatchId", id); err != nil {
		return "", err
	}
	var owner string
	err := s.store.Read(ctx, func(tx Tx) error {
		b, err := tx.Batch(ctx, id)
		if err != nil {
			return notFound(err, ErrBatchNotFound, "Batch %s does not exist.", id)
		}
		owner = b.RequesterID
		return nil
	})
	if err != nil {
		return "", internal("batch owner", err)
	}
	return owner, nil
}

// AssignmentOwner returns the ID of the requester whose HIT the
// assignment id is of.
func (s *Service) AssignmentOwner(ctx context.Context, id string) (string, error) {
	if err := requireString("AssignmentId", id); err != nil {
		return "", err
	}
	var owner string
	err := s.store.Read(ctx, func(tx Tx) error {
		a, err := tx.Assignment(ctx, id)
		if err != nil {
			return notFound(err, ErrAssignmentNotFound, "Assignment %s does not exist.", id)
		}
		owner = a.RequesterID
		return nil
	})
	if err != nil {
		return "", internal("assignment owner", err)
	}
	return owner, nil
}
