package hitd

import (
	"context"
	"errors"
	"time"

	"github.com/hitd/hitd/qform"
)

// This file holds what workers do with qualifications — browse requestable
// types, request one, take a test — and the requester's side of requests
// (ListQualificationRequests, AcceptQualificationRequest,
// RejectQualificationRequest).

// WorkerQualTypeView is a qualification type as a worker sees it, with the
// worker's standing.
type WorkerQualTypeView struct {
	Type          *QualificationTypeData // AnswerKey never included
	RequesterName string
	Score         *Qualification        // the worker's granted or revoked qualification, or nil
	LastRequest   *QualificationRequest // the worker's newest request or test attempt, or nil
	// CanRequest says whether the worker may request (or take the test)
	// now; when not, Why says why and RetryAt when they may (zero: never).
	CanRequest bool
	Why        string
	RetryAt    time.Time
}

// WorkerQualTypePage is one page of requestable qualification types.
type WorkerQualTypePage struct {
	Types     []*WorkerQualTypeView
	NextToken string
}

// standing works out whether a worker may request q now.
func standing(q *QualificationType, score *Qualification, last *QualificationRequest, now time.Time) (ok bool, why string, retryAt time.Time) {
	switch {
	case q.Status != QualTypeActive:
		return false, "This qualification is not open for requests.", time.Time{}
	case score != nil && score.Status == QualGranted:
		return false, "You already have this qualification.", time.Time{}
	case last == nil:
		return true, "", time.Time{}
	case last.Status == QualRequestTesting && now.Before(last.TestDeadline):
		return false, "Your test is in progress.", time.Time{}
	case last.Status == QualRequestPending:
		return false, "Your request is waiting for the requester.", time.Time{}
	case q.RetryDelayInSeconds == nil:
		return false, "This qualification cannot be requested again.", time.Time{}
	}
	from := last.SubmitTime
	if from.IsZero() {
		from = last.TestDeadline // an abandoned test counts from its deadline
	}
	at := from.Add(time.Duration(*q.RetryDelayInSeconds) * time.Second)
	if now.Before(at) {
		return false, "You may request this qualification again later.", at
	}
	return true, "", time.Time{}
}

func (s *Service) workerQualView(ctx context.Context, tx Tx, q *QualificationType, workerID string, now time.Time) (*WorkerQualTypeView, error) {
	r, err := tx.RequesterByID(ctx, q.RequesterID)
	if err != nil {
		return nil, err
	}
	v := &WorkerQualTypeView{Type: qualTypeData(q, false), RequesterName: r.Name}
	if workerID != "" {
		if v.Score, err = tx.Qualification(ctx, q.ID, workerID); errors.Is(err, ErrNoRows) {
			v.Score = nil
		} else if err != nil {
			return nil, err
		}
		if v.LastRequest, err = tx.LastQualRequest(ctx, q.ID, workerID); errors.Is(err, ErrNoRows) {
			v.LastRequest = nil
		} else if err != nil {
			return nil, err
		}
	}
	v.CanRequest, v.Why, v.RetryAt = standing(q, v.Score, v.LastRequest, now)
	return v, nil
}

// ListRequestableQualifications returns active qualification types (of
// every requester) matching query, with the worker's standing in each.
func (s *Service) ListRequestableQualifications(ctx context.Context, workerID, query, nextToken string, limit int) (*WorkerQualTypePage, error) {
	if limit <= 0 || limit > 100 {
		limit = 25
	}
	after, err := decodeSeqToken(nextToken)
	if err != nil {
		return nil, err
	}
	if err := maxRunes("search", query, 200); err != nil {
		return nil, err
	}
	out := &WorkerQualTypePage{Types: []*WorkerQualTypeView{}}
	err = s.store.Read(ctx, func(tx Tx) error {
		list, err := tx.ListQualificationTypes(ctx, QualTypeQuery{Query: query, OnlyActive: true, AfterSeq: after, Limit: limit + 1})
		if err != nil {
			return err
		}
		list, out.NextToken = pageOf(list, limit, func(q *QualificationType) int64 { return q.Seq })
		now := s.now()
		for _, q := range list {
			v, err := s.workerQualView(ctx, tx, q, workerID, now)
			if err != nil {
				return err
			}
			out.Types = append(out.Types, v)
		}
		return nil
	})
	if err != nil {
		return nil, internal("list requestable qualifications", err)
	}
	return out, nil
}

// WorkerQualificationType returns one live qualification type with the
// worker's standing.
func (s *Service) WorkerQualificationType(ctx context.Context, workerID, typeID string) (*WorkerQualTypeView, error) {
	var out *WorkerQualTypeView
	err := s.store.Read(ctx, func(tx Tx) error {
		q, err := liveQualType(ctx, tx, typeID)
		if err != nil {
			return err
		}
		out, err = s.workerQualView(ctx, tx, q, workerID, s.now())
		return err
	})
	if err != nil {
		return nil, internal("worker qualification type", err)
	}
	return out, nil
}

// WorkerScore is one of a worker's qualifications with its type's name.
type WorkerScore struct {
	Qualification *Qualification
	TypeName      string
	RequesterName string
}

// WorkerScores returns the qualifications a worker holds or held (of
// types not deleted).
func (s *Service) WorkerScores(ctx context.Context, workerID string) ([]*WorkerScore, error) {
	var out []*WorkerScore
	err := s.store.Read(ctx, func(tx Tx) error {
		qs, err := tx.WorkerQualifications(ctx, workerID)
		if err != nil {
			return err
		}
		for _, q := range qs {
			t, err := tx.QualificationType(ctx, q.TypeID)
			if err != nil {
				return err
			}
			r, err := tx.RequesterByID(ctx, t.RequesterID)
			if err != nil {
				return err
			}
			out = append(out, &WorkerScore{Qualification: q, TypeName: t.Name, RequesterName: r.Name})
		}
		return nil
	})
	if err != nil {
		return nil, internal("worker scores", err)
	}
	return out, nil
}

// RequestQualification is a worker's request for a qualification without a
// test: granted at once when the type is AutoGranted, otherwise a pending
// request for the requester. For a type with a test, use
// StartQualificationTest.
func (s *Service) RequestQualification(ctx context.Context, workerID, typeID string) (*QualificationRequest, error) {
	var out *QualificationRequest
	err := s.store.Write(ctx, func(tx Tx) error {
		now := s.now()
		q, _, err := s.requestable(ctx, tx, workerID, typeID, now)
		if err != nil {
			return err
		}
		if q.Test != "" {
			return Errorf(ErrInvalidParameter, "This qualification has a test; take the test to request it.")
		}
		out = &QualificationRequest{ID: s.ids.HITID(), TypeID: q.ID, RequesterID: q.RequesterID, WorkerID: workerID,
			Status: QualRequestPending, StartTime: now, SubmitTime: now}
		if q.AutoGranted {
			out.Status = QualRequestAccepted
			if err := tx.PutQualification(ctx, &Qualification{TypeID: q.ID, WorkerID: workerID, IntegerValue: q.AutoGrantedValue, Status: QualGranted, GrantTime: now}); err != nil {
				return err
			}
		}
		return tx.InsertQualRequest(ctx, out)
	})
	if err != nil {
		return nil, internal("request qualification", err)
	}
	return out, nil
}

// requestable loads a type the worker may request now.
func (s *Service) requestable(ctx context.Context, tx Tx, workerID, typeID string, now time.Time) (*QualificationType, *WorkerQualTypeView, error) {
	if _, err := tx.WorkerByID(ctx, workerID); err != nil {
		return nil, nil, notFound(err, ErrNotAuthenticated, "Log in first.")
	}
	q, err := liveQualType(ctx, tx, typeID)
	if err != nil {
		return nil, nil, err
	}
	v, err := s.workerQualView(ctx, tx, q, workerID, now)
	if err != nil {
		return nil, nil, err
	}
	if !v.CanRequest {
		return nil, nil, Errorf(ErrInvalidQualRequest, "%s", v.Why)
	}
	return q, v, nil
}

// QualificationTest is an open test attempt: the form to render and its
// deadline.
type QualificationTest struct {
	Request *QualificationRequest
	Type    *QualificationTypeData
	Form    *qform.Form
}

// StartQualificationTest opens a test attempt, timed by the type's
// TestDurationInSeconds. Starting again while an attempt is open returns
// that attempt.
func (s *Service) StartQualificationTest(ctx context.Context, workerID, typeID string) (*QualificationTest, error) {
	var out *QualificationTest
	err := s.store.Write(ctx, func(tx Tx) error {
		now := s.now()
		if last, err := tx.LastQualRequest(ctx, typeID, workerID); err == nil && last.Status == QualRequestTesting && now.Before(last.TestDeadline) {
			var e error
			out, e = s.openTest(ctx, tx, last)
			return e
		} else if err != nil && !errors.Is(err, ErrNoRows) {
			return err
		}
		q, _, err := s.requestable(ctx, tx, workerID, typeID, now)
		if err != nil {
			return err
		}
		if q.Test == "" {
			return Errorf(ErrInvalidParameter, "This qualification has no test; request it instead.")
		}
		r := &QualificationRequest{ID: s.ids.HITID(), TypeID: q.ID, RequesterID: q.RequesterID, WorkerID: workerID,
			Status: QualRequestTesting, StartTime: now, TestDeadline: now.Add(time.Duration(q.TestDurationInSeconds) * time.Second)}
		if err := tx.InsertQualRequest(ctx, r); err != nil {
			return err
		}
		out, err = s.openTest(ctx, tx, r)
		return err
	})
	if err != nil {
		return nil, internal("start qualification test", err)
	}
	return out, nil
}

func (s *Service) openTest(ctx context.Context, tx Tx, r *QualificationRequest) (*QualificationTest, error) {
	q, err := liveQualType(ctx, tx, r.TypeID)
	if err != nil {
		return nil, err
	}
	if q.Test == "" || r.TestDeadline.IsZero() {
		return nil, Errorf(ErrInvalidQualRequest, "Qualification request %s is not a test attempt, or its qualification no longer has a test.", r.ID)
	}
	form, err := qform.Parse(q.Test)
	if err != nil {
		return nil, err
	}
	return &QualificationTest{Request: r, Type: qualTypeData(q, false), Form: form}, nil
}

// QualificationTestAttempt returns one of the worker's test attempts.
func (s *Service) QualificationTestAttempt(ctx context.Context, workerID, requestID string) (*QualificationTest, error) {
	var out *QualificationTest
	err := s.store.Read(ctx, func(tx Tx) error {
		r, err := tx.QualRequest(ctx, requestID)
		if err == nil && r.WorkerID != workerID {
			err = ErrNoRows
		}
		if err != nil {
			return notFound(err, ErrQualRequestNotFound, "Qualification request %s does not exist.", requestID)
		}
		out, err = s.openTest(ctx, tx, r)
		return err
	})
	if err != nil {
		return nil, internal("qualification test", err)
	}
	return out, nil
}

// SubmitQualificationTest grades or files a test attempt. With an
// AnswerKey the worker is granted the qualification at once with the
// mapped score; without one the attempt waits for the requester.
// Answers are checked against the test form (ErrInvalidAnswer with Fields).
func (s *Service) SubmitQualificationTest(ctx context.Context, workerID, requestID string, fields []qform.Field) (*QualificationRequest, *Qualification, error) {
	var out *QualificationRequest
	var granted *Qualification
	err := s.store.Write(ctx, func(tx Tx) error {
		out, granted = nil, nil // granted is set on one path only
		now := s.now()
		r, err := tx.QualRequest(ctx, requestID)
		if err == nil && r.WorkerID != workerID {
			err = ErrNoRows
		}
		if err != nil {
			return notFound(err, ErrQualRequestNotFound, "Qualification request %s does not exist.", requestID)
		}
		if r.Status != QualRequestTesting {
			return Errorf(ErrInvalidQualRequest, "This test was already submitted.")
		}
		if !now.Before(r.TestDeadline) {
			return Errorf(ErrInvalidQualRequest, "The time for this test ran out at %s.", r.TestDeadline.Format(time.RFC1123))
		}
		q, err := liveQualType(ctx, tx, r.TypeID)
		if err != nil {
			return err
		}
		if q.Test == "" {
			return Errorf(ErrInvalidQualRequest, "This qualification no longer has a test; request it instead.")
		}
		answers, xml, err := gradeable(q.Test, fields)
		if err != nil {
			return err
		}
		r.Answer, r.SubmitTime, r.Status = xml, now, QualRequestPending
		if q.AnswerKey != "" {
			key, err := qform.ParseAnswerKey(q.AnswerKey)
			if err != nil {
				return err
			}
			_, value := key.Score(answers)
			granted = &Qualification{TypeID: q.ID, WorkerID: workerID, IntegerValue: int32(value), Status: QualGranted, GrantTime: now}
			if err := tx.PutQualification(ctx, granted); err != nil {
				return err
			}
			r.Status = QualRequestAccepted
		}
		out = r
		return tx.UpdateQualRequest(ctx, r)
	})
	if err != nil {
		return nil, nil, internal("submit qualification test", err)
	}
	return out, granted, nil
}

// gradeable validates test answers and returns them with their XML.
func gradeable(test string, fields []qform.Field) ([]qform.Answer, string, error) {
	form, err := qform.Parse(test)
	if err != nil {
		return nil, "", err
	}
	answers, err := validateForm(form, fields)
	if err != nil {
		return nil, "", err
	}
	return answers, qform.EncodeAnswers(answers), nil
}

// ListQualificationRequestsInput is the input of ListQualificationRequests.
type ListQualificationRequestsInput struct {
	QualificationTypeId string `json:"QualificationTypeId,omitempty"`
	NextToken           string `json:"NextToken,omitempty"`
	MaxResults          *int64 `json:"MaxResults,omitempty"`
}

// QualificationRequestData is a request as the API reports it.
type QualificationRequestData struct {
	QualificationRequestId string    `json:"QualificationRequestId"`
	QualificationTypeId    string    `json:"QualificationTypeId"`
	WorkerId               string    `json:"WorkerId"`
	Test                   string    `json:"Test,omitempty"`
	Answer                 string    `json:"Answer,omitempty"`
	SubmitTime             time.Time `json:"SubmitTime"`
}

// ListQualificationRequestsOutput is the output of ListQualificationRequests.
type ListQualificationRequestsOutput struct {
	NumResults            int                         `json:"NumResults"`
	NextToken             string                      `json:"NextToken,omitempty"`
	QualificationRequests []*QualificationRequestData `json:"QualificationRequests"`
}

// ListQualificationRequests lists pending requests for the caller's types.
func (s *Service) ListQualificationRequests(ctx context.Context, c Caller, in *ListQualificationRequestsInput) (*ListQualificationRequestsOutput, error) {
	limit, after, err := pageParams(in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &ListQualificationRequestsOutput{QualificationRequests: []*QualificationRequestData{}}
	err = s.store.Read(ctx, func(tx Tx) error {
		if in.QualificationTypeId != "" {
			if _, err := ownQualType(ctx, tx, c, in.QualificationTypeId); err != nil {
				return err
			}
		}
		list, err := tx.ListQualRequests(ctx, QualRequestQuery{RequesterID: c.RequesterID, TypeID: in.QualificationTypeId,
			Status: QualRequestPending, AfterSeq: after, Limit: int(limit) + 1})
		if err != nil {
			return err
		}
		list, out.NextToken = requesterPage(list, int(limit), func(r *QualificationRequest) int64 { return r.Seq })
		tests := map[string]string{}
		for _, r := range list {
			test, ok := tests[r.TypeID]
			if !ok {
				q, err := tx.QualificationType(ctx, r.TypeID)
				if err != nil {
					return err
				}
				if q.Deleted {
					continue
				}
				test, tests[r.TypeID] = q.Test, q.Test
			}
			out.QualificationRequests = append(out.QualificationRequests, &QualificationRequestData{QualificationRequestId: r.ID,
				QualificationTypeId: r.TypeID, WorkerId: r.WorkerID, Test: test, Answer: r.Answer, SubmitTime: r.SubmitTime})
		}
		return nil
	})
	if err != nil {
		return nil, internal("ListQualificationRequests", err)
	}
	out.NumResults = len(out.QualificationRequests)
	return out, nil
}

// ownPendingRequest loads a pending request for one of the caller's types.
func ownPendingRequest(ctx context.Context, tx Tx, c Caller, id string) (*QualificationRequest, *QualificationType, error) {
	if err := requireString("QualificationRequestId", id); err != nil {
		return nil, nil, err
	}
	r, err := tx.QualRequest(ctx, id)
	if err == nil && (r.RequesterID != c.RequesterID || r.Status != QualRequestPending) {
		err = ErrNoRows
	}
	if err != nil {
		return nil, nil, notFound(err, ErrQualRequestNotFound, "QualificationRequest %s does not exist or is not pending.", id)
	}
	q, err := ownQualType(ctx, tx, c, r.TypeID)
	return r, q, err
}

// AcceptQualificationRequestInput is the input of AcceptQualificationRequest.
type AcceptQualificationRequestInput struct {
	QualificationRequestId string `json:"QualificationRequestId,omitempty"`
	IntegerValue           *int32 `json:"IntegerValue,omitempty"`
}

// AcceptQualificationRequest grants the requested qualification.
func (s *Service) AcceptQualificationRequest(ctx context.Context, c Caller, in *AcceptQualificationRequestInput) (*Empty, error) {
	value := int32(1)
	if in.IntegerValue != nil {
		value = *in.IntegerValue
	}
	err := s.store.Write(ctx, func(tx Tx) error {
		now := s.now()
		r, q, err := ownPendingRequest(ctx, tx, c, in.QualificationRequestId)
		if err != nil {
			return err
		}
		r.Status = QualRequestAccepted
		if err := tx.UpdateQualRequest(ctx, r); err != nil {
			return err
		}
		if err := tx.PutQualification(ctx, &Qualification{TypeID: q.ID, WorkerID: r.WorkerID, IntegerValue: value, Status: QualGranted, GrantTime: now}); err != nil {
			return err
		}
		return s.tellWorker(ctx, tx, c, r.WorkerID, "Qualification granted: "+q.Name, "Your request for the qualification \""+q.Name+"\" was accepted.", now)
	})
	if err != nil {
		return nil, internal("AcceptQualificationRequest", err)
	}
	return &Empty{}, nil
}

// RejectQualificationRequestInput is the input of RejectQualificationRequest.
type RejectQualificationRequestInput struct {
	QualificationRequestId string `json:"QualificationRequestId,omitempty"`
	Reason                 string `json:"Reason,omitempty"`
}

// RejectQualificationRequest refuses a request; the worker is told why.
func (s *Service) RejectQualificationRequest(ctx context.Context, c Caller, in *RejectQualificationRequestInput) (*Empty, error) {
	if err := maxRunes("Reason", in.Reason, MaxNotifyMessageRunes); err != nil {
		return nil, err
	}
	err := s.store.Write(ctx, func(tx Tx) error {
		now := s.now()
		r, q, err := ownPendingRequest(ctx, tx, c, in.QualificationRequestId)
		if err != nil {
			return err
		}
		r.Status, r.Reason = QualRequestRejected, in.Reason
		if err := tx.UpdateQualRequest(ctx, r); err != nil {
			return err
		}
		text := "Your request for the qualification \"" + q.Name + "\" was rejected."
		if in.Reason != "" {
			text += " Reason: " + in.Reason
		}
		return s.tellWorker(ctx, tx, c, r.WorkerID, "Qualification request rejected: "+q.Name, text, now)
	})
	if err != nil {
		return nil, internal("RejectQualificationRequest", err)
	}
	return &Empty{}, nil
}
