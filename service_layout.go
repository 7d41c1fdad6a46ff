package hitd

import (
	"context"
	"errors"
)

// HIT layouts (see layout.go). The operator manages them (hitd layout …);
// requesters use them through CreateHIT and CreateHITWithHITType's
// HITLayoutId and HITLayoutParameters.

// CreateLayout stores a new layout for a requester, named by its access key
// id or its requester ID.
func (s *Service) CreateLayout(ctx context.Context, requester, name, html string) (*HITLayout, error) {
	if err := requireString("Name", name); err != nil {
		return nil, err
	}
	if err := maxRunes("Name", name, MaxLayoutNameRunes); err != nil {
		return nil, err
	}
	if err := checkLayoutHTML(html); err != nil {
		return nil, err
	}
	l := &HITLayout{ID: s.ids.LayoutID(), Name: name, HTML: html, CreationTime: s.now()}
	err := s.store.Write(ctx, func(tx Tx) error {
		r, err := requesterByKeyOrID(ctx, tx, requester)
		if err != nil {
			return err
		}
		l.RequesterID = r.ID
		return tx.InsertLayout(ctx, l)
	})
	if err != nil {
		return nil, internal("create layout", err)
	}
	return l, nil
}

// ListLayouts returns a requester's live layouts (the requester named by
// its access key id or ID), oldest first.
func (s *Service) ListLayouts(ctx context.Context, requester string) ([]*HITLayout, error) {
	var out []*HITLayout
	err := s.store.Read(ctx, func(tx Tx) error {
		r, err := requesterByKeyOrID(ctx, tx, requester)
		if err != nil {
			return err
		}
		out, err = tx.ListLayouts(ctx, r.ID)
		return err
	})
	if err != nil {
		return nil, internal("list layouts", err)
	}
	return out, nil
}

// GetLayout returns a live layout of any requester.
func (s *Service) GetLayout(ctx context.Context, id string) (*HITLayout, error) {
	var l *HITLayout
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		l, err = liveLayout(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, internal("get layout", err)
	}
	return l, nil
}

// DeleteLayout deletes a live layout of any requester. It cannot be used
// for new HITs from then on; HITs made from it keep their Question.
func (s *Service) DeleteLayout(ctx context.Context, id string) error {
	err := s.store.Write(ctx, func(tx Tx) error {
		l, err := liveLayout(ctx, tx, id)
		if err != nil {
			return err
		}
		l.Deleted = true
		return tx.UpdateLayout(ctx, l)
	})
	return internal("delete layout", err)
}

// requesterByKeyOrID looks a requester up by access key id, then by ID.
func requesterByKeyOrID(ctx context.Context, tx Tx, keyOrID string) (*Requester, error) {
	if err := requireString("requester", keyOrID); err != nil {
		return nil, err
	}
	r, err := tx.RequesterByAccessKey(ctx, keyOrID)
	if errors.Is(err, ErrNoRows) {
		r, err = tx.RequesterByID(ctx, keyOrID)
	}
	if err != nil {
		return nil, notFound(err, ErrNotAuthorized, "No requester has the access key id or requester ID %s.", keyOrID)
	}
	return r, nil
}

// liveLayout loads a layout that is not deleted.
func liveLayout(ctx context.Context, tx Tx, id string) (*HITLayout, error) {
	if err := requireString("HITLayoutId", id); err != nil {
		return nil, err
	}
	l, err := tx.Layout(ctx, id)
	if err == nil && l.Deleted {
		err = ErrNoRows
	}
	if err != nil {
		return nil, notFound(err, ErrLayoutNotFound, "HITLayout %s does not exist.", id)
	}
	return l, nil
}

// layoutQuestion renders the caller's live layout id with params as the
// HTMLQuestion a new HIT stores. It runs inside the HIT's transaction, so a
// layout deleted concurrently is either seen deleted or deleted after the
// HIT exists. Another requester's layout is reported as not existing.
func (s *Service) layoutQuestion(ctx context.Context, tx Tx, c Caller, id string, params []HITLayoutParameter) (string, error) {
	l, err := liveLayout(ctx, tx, id)
	if err == nil && l.RequesterID != c.RequesterID {
		err = Errorf(ErrLayoutNotFound, "HITLayout %s does not exist.", id)
	}
	if err != nil {
		return "", err
	}
	body, err := l.Render(params)
	if err != nil {
		return "", err
	}
	q := LayoutQuestion(body)
	if len(q) > MaxQuestionBytes {
		return "", Errorf(ErrOutOfRange, "The HIT rendered from HITLayout %s with these HITLayoutParameters is a %d-byte HTMLQuestion; a Question may be at most %d bytes. Shorten the parameter values.", id, len(q), MaxQuestionBytes)
	}
	if _, err := ParseQuestion(q, QuestionPolicy{AllowHTTPExternalURLs: s.cfg.AllowHTTPExternalURLs}); err != nil {
		var e *Error
		if errors.As(err, &e) {
			return "", Errorf(e.Code, "HITLayout %s with these HITLayoutParameters does not make a valid HTMLQuestion: %s", id, e.Message)
		}
		return "", err
	}
	return q, nil
}
