package hitd

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/hitd/hitd/qform"
)

// This file holds the Requester API operations on qualification types,
// workers' qualifications and worker blocks.

// QualificationTypeData is a qualification type as the API reports it.
type QualificationTypeData struct {
	QualificationTypeId     string                  `json:"QualificationTypeId"`
	CreationTime            time.Time               `json:"CreationTime"`
	Name                    string                  `json:"Name"`
	Description             string                  `json:"Description"`
	Keywords                string                  `json:"Keywords,omitempty"`
	QualificationTypeStatus QualificationTypeStatus `json:"QualificationTypeStatus"`
	Test                    string                  `json:"Test,omitempty"`
	TestDurationInSeconds   *int64                  `json:"TestDurationInSeconds,omitempty"`
	AnswerKey               string                  `json:"AnswerKey,omitempty"`
	RetryDelayInSeconds     *int64                  `json:"RetryDelayInSeconds,omitempty"`
	IsRequestable           bool                    `json:"IsRequestable"`
	AutoGranted             bool                    `json:"AutoGranted"`
	AutoGrantedValue        *int32                  `json:"AutoGrantedValue,omitempty"`
}

func qualTypeData(q *QualificationType, owner bool) *QualificationTypeData {
	d := &QualificationTypeData{
		QualificationTypeId: q.ID, CreationTime: q.CreationTime, Name: q.Name, Description: q.Description,
		Keywords: q.Keywords, QualificationTypeStatus: q.Status, Test: q.Test, RetryDelayInSeconds: q.RetryDelayInSeconds,
		IsRequestable: q.Status == QualTypeActive, AutoGranted: q.AutoGranted,
	}
	if q.Test != "" {
		d.TestDurationInSeconds = ptr(q.TestDurationInSeconds)
	}
	if q.AutoGranted {
		d.AutoGrantedValue = ptr(q.AutoGrantedValue)
	}
	if owner {
		d.AnswerKey = q.AnswerKey // the key is the owner's secret
	}
	return d
}

// CreateQualificationTypeInput is the input of CreateQualificationType.
type CreateQualificationTypeInput struct {
	Name                    string                  `json:"Name,omitempty"`
	Keywords                string                  `json:"Keywords,omitempty"`
	Description             string                  `json:"Description,omitempty"`
	QualificationTypeStatus QualificationTypeStatus `json:"QualificationTypeStatus,omitempty"`
	RetryDelayInSeconds     *int64                  `json:"RetryDelayInSeconds,omitempty"`
	Test                    string                  `json:"Test,omitempty"`
	AnswerKey               string                  `json:"AnswerKey,omitempty"`
	TestDurationInSeconds   *int64                  `json:"TestDurationInSeconds,omitempty"`
	AutoGranted             *bool                   `json:"AutoGranted,omitempty"`
	AutoGrantedValue        *int32                  `json:"AutoGrantedValue,omitempty"`
}

// QualificationTypeOutput is the output of the operations that return one
// qualification type.
type QualificationTypeOutput struct {
	QualificationType *QualificationTypeData `json:"QualificationType"`
}

func validQualStatus(st QualificationTypeStatus) error {
	switch st {
	case QualTypeActive, QualTypeInactive:
		return nil
	case "":
		return Errorf(ErrMissingParameter, "Your request is missing required parameters. Required parameters include QualificationTypeStatus.")
	}
	return Errorf(ErrInvalidParameter, "The value %q is invalid for QualificationTypeStatus. Valid values: Active, Inactive.", st)
}

// applyTestSettings validates and sets the test, answer key, durations and
// auto-granting of q, as CreateQualificationType and
// UpdateQualificationType share them.
func applyTestSettings(q *QualificationType, test, answerKey *string, testDuration, retryDelay *int64, autoGranted *bool, autoValue *int32) error {
	if test != nil {
		q.Test = *test
	}
	if answerKey != nil {
		q.AnswerKey = *answerKey
	}
	if testDuration != nil {
		if *testDuration < 1 || *testDuration > MaxTestDuration {
			return Errorf(ErrOutOfRange, "The value %d is invalid for TestDurationInSeconds. Valid values range from 1 to %d.", *testDuration, MaxTestDuration)
		}
		q.TestDurationInSeconds = *testDuration
	}
	if retryDelay != nil {
		if *retryDelay < 0 || *retryDelay > MaxRetryDelay {
			return Errorf(ErrOutOfRange, "The value %d is invalid for RetryDelayInSeconds. Valid values range from 0 to %d.", *retryDelay, MaxRetryDelay)
		}
		q.RetryDelayInSeconds = ptr(*retryDelay)
	}
	if autoGranted != nil {
		q.AutoGranted = *autoGranted
	}
	if autoValue != nil {
		q.AutoGrantedValue = *autoValue
	}
	if q.Test != "" {
		if q.TestDurationInSeconds == 0 {
			return Errorf(ErrMissingParameter, "Your request is missing required parameters. TestDurationInSeconds is required with a Test.")
		}
		if q.AutoGranted {
			return Errorf(ErrInvalidParameter, "A QualificationType cannot be both AutoGranted and have a Test.")
		}
		if _, err := ParseQuestion(q.Test, QuestionPolicy{}); err != nil {
			return err
		}
		if _, err := qform.Parse(q.Test); err != nil {
			return Errorf(ErrXMLParse, "The Test is not a valid QuestionForm: %s", err.Error())
		}
	}
	if q.AnswerKey != "" && q.Test == "" {
		return Errorf(ErrInvalidParameter, "An AnswerKey can only be given with a Test.")
	}
	if q.AnswerKey != "" {
		if err := checkAnswerKey(q.Test, q.AnswerKey); err != nil {
			return err
		}
	}
	return nil
}

// CreateQualificationType registers a qualification type. Names are unique
// among a requester's live types.
func (s *Service) CreateQualificationType(ctx context.Context, c Caller, in *CreateQualificationTypeInput) (*QualificationTypeOutput, error) {
	for _, p := range []struct{ name, v string }{{"Name", in.Name}, {"Description", in.Description}} {
		if err := requireString(p.name, p.v); err != nil {
			return nil, err
		}
	}
	if err := validQualStatus(in.QualificationTypeStatus); err != nil {
		return nil, err
	}
	for _, p := range []struct {
		name, v string
		max     int
	}{{"Name", in.Name, MaxQualNameRunes}, {"Description", in.Description, MaxQualDescriptionRunes}, {"Keywords", in.Keywords, MaxQualKeywordsRunes}} {
		if err := maxRunes(p.name, p.v, p.max); err != nil {
			return nil, err
		}
	}
	q := &QualificationType{ID: s.ids.HITID(), RequesterID: c.RequesterID, Name: in.Name, Description: in.Description,
		Keywords: in.Keywords, Status: in.QualificationTypeStatus, AutoGrantedValue: 1, CreationTime: s.now()}
	if err := applyTestSettings(q, &in.Test, &in.AnswerKey, in.TestDurationInSeconds, in.RetryDelayInSeconds, in.AutoGranted, in.AutoGrantedValue); err != nil {
		return nil, err
	}
	err := s.store.Write(ctx, func(tx Tx) error {
		if err := tx.InsertQualificationType(ctx, q); errors.Is(err, ErrDuplicate) {
			return Errorf(ErrQualTypeExists, "You have already created a QualificationType with this name. A QualificationType's name must be unique among all of the QualificationTypes created by the same user. (Name %q)", q.Name)
		} else if err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, internal("CreateQualificationType", err)
	}
	return &QualificationTypeOutput{QualificationType: qualTypeData(q, true)}, nil
}

// QualificationTypeIdInput names one qualification type.
type QualificationTypeIdInput struct {
	QualificationTypeId string `json:"QualificationTypeId,omitempty"`
}

// liveQualType loads a qualification type that has not been deleted.
func liveQualType(ctx context.Context, tx Tx, id string) (*QualificationType, error) {
	if err := requireString("QualificationTypeId", id); err != nil {
		return nil, err
	}
	q, err := tx.QualificationType(ctx, id)
	if err == nil && q.Deleted {
		err = ErrNoRows
	}
	if err != nil {
		return nil, notFound(err, ErrQualTypeNotFound, "QualificationType %s does not exist.", id)
	}
	return q, nil
}

// ownQualType loads a live qualification type that belongs to the caller.
// Another requester's type is reported as not found: only its owner may
// manage it.
func ownQualType(ctx context.Context, tx Tx, c Caller, id string) (*QualificationType, error) {
	q, err := liveQualType(ctx, tx, id)
	if err == nil && q.RequesterID != c.RequesterID {
		return nil, Errorf(ErrQualTypeNotFound, "QualificationType %s does not exist (or is not yours to manage).", id)
	}
	return q, err
}

// GetQualificationType returns a qualification type (any requester's, as
// on MTurk; the AnswerKey only to its owner).
func (s *Service) GetQualificationType(ctx context.Context, c Caller, in *QualificationTypeIdInput) (*QualificationTypeOutput, error) {
	var out *QualificationTypeData
	err := s.store.Read(ctx, func(tx Tx) error {
		q, err := liveQualType(ctx, tx, in.QualificationTypeId)
		if err != nil {
			return err
		}
		out = qualTypeData(q, q.RequesterID == c.RequesterID)
		return nil
	})
	if err != nil {
		return nil, internal("GetQualificationType", err)
	}
	return &QualificationTypeOutput{QualificationType: out}, nil
}

// ListQualificationTypesInput is the input of ListQualificationTypes.
type ListQualificationTypesInput struct {
	Query               string `json:"Query,omitempty"`
	MustBeRequestable   *bool  `json:"MustBeRequestable,omitempty"`
	MustBeOwnedByCaller *bool  `json:"MustBeOwnedByCaller,omitempty"`
	NextToken           string `json:"NextToken,omitempty"`
	MaxResults          *int64 `json:"MaxResults,omitempty"`
}

// ListQualificationTypesOutput is the output of ListQualificationTypes.
type ListQualificationTypesOutput struct {
	NumResults         int                      `json:"NumResults"`
	NextToken          string                   `json:"NextToken,omitempty"`
	QualificationTypes []*QualificationTypeData `json:"QualificationTypes"`
}

// ListQualificationTypes searches live qualification types in creation order.
func (s *Service) ListQualificationTypes(ctx context.Context, c Caller, in *ListQualificationTypesInput) (*ListQualificationTypesOutput, error) {
	if in.MustBeRequestable == nil {
		return nil, Errorf(ErrMissingParameter, "Your request is missing required parameters. Required parameters include MustBeRequestable.")
	}
	limit, err := intInRange("MaxResults", in.MaxResults, 1, MaxListMaxResults, ptr[int64](DefaultListMaxResults))
	if err != nil {
		return nil, err
	}
	if err := maxRunes("Query", in.Query, MaxQualDescriptionRunes); err != nil {
		return nil, err
	}
	q := QualTypeQuery{Query: strings.TrimSpace(in.Query), OnlyActive: *in.MustBeRequestable, Limit: int(limit) + 1}
	if in.MustBeOwnedByCaller != nil && *in.MustBeOwnedByCaller {
		q.RequesterID = c.RequesterID
	}
	if q.AfterSeq, err = decodeSeqToken(in.NextToken); err != nil {
		return nil, err
	}
	out := &ListQualificationTypesOutput{QualificationTypes: []*QualificationTypeData{}}
	err = s.store.Read(ctx, func(tx Tx) error {
		list, err := tx.ListQualificationTypes(ctx, q)
		if err != nil {
			return err
		}
		list, out.NextToken = requesterPage(list, int(limit), func(q *QualificationType) int64 { return q.Seq })
		for _, t := range list {
			out.QualificationTypes = append(out.QualificationTypes, qualTypeData(t, t.RequesterID == c.RequesterID))
		}
		return nil
	})
	if err != nil {
		return nil, internal("ListQualificationTypes", err)
	}
	out.NumResults = len(out.QualificationTypes)
	return out, nil
}

// UpdateQualificationTypeInput is the input of UpdateQualificationType.
type UpdateQualificationTypeInput struct {
	QualificationTypeId     string                  `json:"QualificationTypeId,omitempty"`
	Description             *string                 `json:"Description,omitempty"`
	QualificationTypeStatus QualificationTypeStatus `json:"QualificationTypeStatus,omitempty"`
	Test                    *string                 `json:"Test,omitempty"`
	AnswerKey               *string                 `json:"AnswerKey,omitempty"`
	TestDurationInSeconds   *int64                  `json:"TestDurationInSeconds,omitempty"`
	RetryDelayInSeconds     *int64                  `json:"RetryDelayInSeconds,omitempty"`
	AutoGranted             *bool                   `json:"AutoGranted,omitempty"`
	AutoGrantedValue        *int32                  `json:"AutoGrantedValue,omitempty"`
}

// UpdateQualificationType changes the given properties of one of the
// caller's qualification types (its Name and Keywords cannot change, as on
// MTurk).
func (s *Service) UpdateQualificationType(ctx context.Context, c Caller, in *UpdateQualificationTypeInput) (*QualificationTypeOutput, error) {
	var out *QualificationTypeData
	err := s.store.Write(ctx, func(tx Tx) error {
		q, err := ownQualType(ctx, tx, c, in.QualificationTypeId)
		if err != nil {
			return err
		}
		if in.Description != nil {
			if err := requireString("Description", *in.Description); err != nil {
				return err
			}
			if err := maxRunes("Description", *in.Description, MaxQualDescriptionRunes); err != nil {
				return err
			}
			q.Description = *in.Description
		}
		if in.QualificationTypeStatus != "" {
			if err := validQualStatus(in.QualificationTypeStatus); err != nil {
				return err
			}
			q.Status = in.QualificationTypeStatus
		}
		if in.Test != nil && *in.Test == "" && in.AnswerKey == nil {
			q.AnswerKey = "" // removing the test removes its key
		}
		if err := applyTestSettings(q, in.Test, in.AnswerKey, in.TestDurationInSeconds, in.RetryDelayInSeconds, in.AutoGranted, in.AutoGrantedValue); err != nil {
			return err
		}
		out = qualTypeData(q, true)
		return tx.UpdateQualificationType(ctx, q)
	})
	if err != nil {
		return nil, internal("UpdateQualificationType", err)
	}
	return &QualificationTypeOutput{QualificationType: out}, nil
}

// DeleteQualificationType makes one of the caller's qualification types
// unusable at once and removes it from listings; HITs that require it can
// no longer be accepted by anyone.
func (s *Service) DeleteQualificationType(ctx context.Context, c Caller, in *QualificationTypeIdInput) (*Empty, error) {
	err := s.store.Write(ctx, func(tx Tx) error {
		q, err := ownQualType(ctx, tx, c, in.QualificationTypeId)
		if err != nil {
			return err
		}
		q.Deleted = true
		return tx.UpdateQualificationType(ctx, q)
	})
	if err != nil {
		return nil, internal("DeleteQualificationType", err)
	}
	return &Empty{}, nil
}

// AssociateQualificationWithWorkerInput is the input of
// AssociateQualificationWithWorker.
type AssociateQualificationWithWorkerInput struct {
	QualificationTypeId string `json:"QualificationTypeId,omitempty"`
	WorkerId            string `json:"WorkerId,omitempty"`
	IntegerValue        *int32 `json:"IntegerValue,omitempty"`
	SendNotification    *bool  `json:"SendNotification,omitempty"`
}

// AssociateQualificationWithWorker grants (or re-grants, with a new value)
// one of the caller's qualifications to a worker. The worker is told
// unless SendNotification is false: MTurk's model documents it as "true by
// default", and clients that want silence (Mephisto, psiTurk) pass false.
func (s *Service) AssociateQualificationWithWorker(ctx context.Context, c Caller, in *AssociateQualificationWithWorkerInput) (*Empty, error) {
	if err := requireString("WorkerId", in.WorkerId); err != nil {
		return nil, err
	}
	value := int32(1)
	if in.IntegerValue != nil {
		value = *in.IntegerValue
	}
	err := s.store.Write(ctx, func(tx Tx) error {
		now := s.now()
		q, err := ownQualType(ctx, tx, c, in.QualificationTypeId)
		if err != nil {
			return err
		}
		if _, err := tx.WorkerByID(ctx, in.WorkerId); err != nil {
			return notFound(err, ErrWorkerNotFound, "Worker %s does not exist.", in.WorkerId)
		}
		if err := tx.PutQualification(ctx, &Qualification{TypeID: q.ID, WorkerID: in.WorkerId, IntegerValue: value, Status: QualGranted, GrantTime: now}); err != nil {
			return err
		}
		if in.SendNotification == nil || *in.SendNotification {
			return s.tellWorker(ctx, tx, c, in.WorkerId, "Qualification granted: "+q.Name,
				"You have been granted the qualification \""+q.Name+"\".", now)
		}
		return nil
	})
	if err != nil {
		return nil, internal("AssociateQualificationWithWorker", err)
	}
	return &Empty{}, nil
}

// tellWorker puts a message from the caller in a worker's inbox.
func (s *Service) tellWorker(ctx context.Context, tx Tx, c Caller, workerID, subject, text string, now time.Time) error {
	r, err := tx.RequesterByID(ctx, c.RequesterID)
	if err != nil {
		return err
	}
	if len([]rune(subject)) > MaxNotifySubjectRunes {
		subject = string([]rune(subject)[:MaxNotifySubjectRunes-1]) + "…"
	}
	return tx.InsertMessages(ctx, []*WorkerMessage{{ID: s.ids.HITID(), WorkerID: workerID, RequesterID: r.ID, RequesterName: r.Name,
		Subject: subject, MessageText: text, CreationTime: now}})
}

// DisassociateQualificationFromWorkerInput is the input of
// DisassociateQualificationFromWorker.
type DisassociateQualificationFromWorkerInput struct {
	WorkerId            string `json:"WorkerId,omitempty"`
	QualificationTypeId string `json:"QualificationTypeId,omitempty"`
	Reason              string `json:"Reason,omitempty"`
}

// DisassociateQualificationFromWorker revokes a worker's qualification; the
// worker is told, with the reason if one is given.
func (s *Service) DisassociateQualificationFromWorker(ctx context.Context, c Caller, in *DisassociateQualificationFromWorkerInput) (*Empty, error) {
	if err := requireString("WorkerId", in.WorkerId); err != nil {
		return nil, err
	}
	if err := maxRunes("Reason", in.Reason, MaxNotifyMessageRunes); err != nil {
		return nil, err
	}
	err := s.store.Write(ctx, func(tx Tx) error {
		now := s.now()
		q, err := ownQualType(ctx, tx, c, in.QualificationTypeId)
		if err != nil {
			return err
		}
		cur, err := tx.Qualification(ctx, q.ID, in.WorkerId)
		if err == nil && cur.Status != QualGranted {
			err = ErrNoRows
		}
		if err != nil {
			return notFound(err, ErrQualificationNotFound, "Worker %s does not hold the qualification %s.", in.WorkerId, q.ID)
		}
		cur.Status = QualRevoked
		if err := tx.PutQualification(ctx, cur); err != nil {
			return err
		}
		text := "Your qualification \"" + q.Name + "\" has been revoked."
		if in.Reason != "" {
			text += " Reason: " + in.Reason
		}
		return s.tellWorker(ctx, tx, c, in.WorkerId, "Qualification revoked: "+q.Name, text, now)
	})
	if err != nil {
		return nil, internal("DisassociateQualificationFromWorker", err)
	}
	return &Empty{}, nil
}

// QualificationData is a worker's qualification as the API reports it.
type QualificationData struct {
	QualificationTypeId string              `json:"QualificationTypeId"`
	WorkerId            string              `json:"WorkerId"`
	GrantTime           time.Time           `json:"GrantTime"`
	IntegerValue        *int32              `json:"IntegerValue,omitempty"`
	LocaleValue         *Locale             `json:"LocaleValue,omitempty"`
	Status              QualificationStatus `json:"Status"`
}

func qualificationData(q *Qualification) *QualificationData {
	return &QualificationData{QualificationTypeId: q.TypeID, WorkerId: q.WorkerID, GrantTime: q.GrantTime,
		IntegerValue: ptr(q.IntegerValue), Status: q.Status}
}

// GetQualificationScoreInput is the input of GetQualificationScore.
type GetQualificationScoreInput struct {
	QualificationTypeId string `json:"QualificationTypeId,omitempty"`
	WorkerId            string `json:"WorkerId,omitempty"`
}

// GetQualificationScoreOutput is the output of GetQualificationScore.
type GetQualificationScoreOutput struct {
	Qualification *QualificationData `json:"Qualification"`
}

// GetQualificationScore returns a worker's score for one of the caller's
// qualification types.
func (s *Service) GetQualificationScore(ctx context.Context, c Caller, in *GetQualificationScoreInput) (*GetQualificationScoreOutput, error) {
	if err := requireString("WorkerId", in.WorkerId); err != nil {
		return nil, err
	}
	var out *QualificationData
	err := s.store.Read(ctx, func(tx Tx) error {
		q, err := ownQualType(ctx, tx, c, in.QualificationTypeId)
		if err != nil {
			return err
		}
		cur, err := tx.Qualification(ctx, q.ID, in.WorkerId)
		if err != nil {
			return notFound(err, ErrQualificationNotFound, "You requested a Qualification that does not exist. (Worker %s, QualificationType %s)", in.WorkerId, q.ID)
		}
		if cur.Status != QualGranted {
			// MTurk's words, which Dallinger reads to tell a revoked
			// qualification from a missing one.
			return Errorf(ErrInvalidQualState, "This operation can be called with a status of: Granted (the qualification of worker %s is %s)", in.WorkerId, cur.Status)
		}
		out = qualificationData(cur)
		return nil
	})
	if err != nil {
		return nil, internal("GetQualificationScore", err)
	}
	return &GetQualificationScoreOutput{Qualification: out}, nil
}

// ListWorkersWithQualificationTypeInput is the input of
// ListWorkersWithQualificationType.
type ListWorkersWithQualificationTypeInput struct {
	QualificationTypeId string              `json:"QualificationTypeId,omitempty"`
	Status              QualificationStatus `json:"Status,omitempty"`
	NextToken           string              `json:"NextToken,omitempty"`
	MaxResults          *int64              `json:"MaxResults,omitempty"`
}

// ListWorkersWithQualificationTypeOutput is the output of
// ListWorkersWithQualificationType.
type ListWorkersWithQualificationTypeOutput struct {
	NextToken      string               `json:"NextToken,omitempty"`
	NumResults     int                  `json:"NumResults"`
	Qualifications []*QualificationData `json:"Qualifications"`
}

// ListWorkersWithQualificationType lists the workers who hold (or held) one
// of the caller's qualifications.
func (s *Service) ListWorkersWithQualificationType(ctx context.Context, c Caller, in *ListWorkersWithQualificationTypeInput) (*ListWorkersWithQualificationTypeOutput, error) {
	switch in.Status {
	case "", QualGranted, QualRevoked:
	default:
		return nil, Errorf(ErrInvalidParameter, "The value %q is invalid for Status. Valid values: Granted, Revoked.", in.Status)
	}
	limit, after, err := pageParams(in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &ListWorkersWithQualificationTypeOutput{Qualifications: []*QualificationData{}}
	err = s.store.Read(ctx, func(tx Tx) error {
		q, err := ownQualType(ctx, tx, c, in.QualificationTypeId)
		if err != nil {
			return err
		}
		list, err := tx.ListQualifications(ctx, QualificationQuery{TypeID: q.ID, Status: in.Status, AfterSeq: after, Limit: int(limit) + 1})
		if err != nil {
			return err
		}
		list, out.NextToken = requesterPage(list, int(limit), func(q *Qualification) int64 { return q.Seq })
		for _, x := range list {
			out.Qualifications = append(out.Qualifications, qualificationData(x))
		}
		return nil
	})
	if err != nil {
		return nil, internal("ListWorkersWithQualificationType", err)
	}
	out.NumResults = len(out.Qualifications)
	return out, nil
}

// CreateWorkerBlockInput is the input of CreateWorkerBlock.
type CreateWorkerBlockInput struct {
	WorkerId string `json:"WorkerId,omitempty"`
	Reason   string `json:"Reason,omitempty"`
}

// CreateWorkerBlock blocks a worker from the caller's HITs (or updates the
// reason of an existing block).
func (s *Service) CreateWorkerBlock(ctx context.Context, c Caller, in *CreateWorkerBlockInput) (*Empty, error) {
	for _, p := range []struct{ name, v string }{{"WorkerId", in.WorkerId}, {"Reason", in.Reason}} {
		if err := requireString(p.name, p.v); err != nil {
			return nil, err
		}
	}
	if err := maxRunes("Reason", in.Reason, MaxNotifyMessageRunes); err != nil {
		return nil, err
	}
	err := s.store.Write(ctx, func(tx Tx) error {
		return tx.PutWorkerBlock(ctx, &WorkerBlock{RequesterID: c.RequesterID, WorkerID: in.WorkerId, Reason: in.Reason, CreationTime: s.now()})
	})
	if err != nil {
		return nil, internal("CreateWorkerBlock", err)
	}
	return &Empty{}, nil
}

// DeleteWorkerBlockInput is the input of DeleteWorkerBlock.
type DeleteWorkerBlockInput struct {
	WorkerId string `json:"WorkerId,omitempty"`
	Reason   string `json:"Reason,omitempty"`
}

// DeleteWorkerBlock lifts a block. Lifting a block that does not exist
// succeeds, as on MTurk.
func (s *Service) DeleteWorkerBlock(ctx context.Context, c Caller, in *DeleteWorkerBlockInput) (*Empty, error) {
	if err := requireString("WorkerId", in.WorkerId); err != nil {
		return nil, err
	}
	err := s.store.Write(ctx, func(tx Tx) error { return tx.DeleteWorkerBlock(ctx, c.RequesterID, in.WorkerId) })
	if err != nil {
		return nil, internal("DeleteWorkerBlock", err)
	}
	return &Empty{}, nil
}

// ListWorkerBlocksInput is the input of ListWorkerBlocks.
type ListWorkerBlocksInput struct {
	NextToken  string `json:"NextToken,omitempty"`
	MaxResults *int64 `json:"MaxResults,omitempty"`
}

// WorkerBlockData is a block as the API reports it.
type WorkerBlockData struct {
	WorkerId string `json:"WorkerId"`
	Reason   string `json:"Reason"`
}

// ListWorkerBlocksOutput is the output of ListWorkerBlocks.
type ListWorkerBlocksOutput struct {
	NextToken    string             `json:"NextToken,omitempty"`
	NumResults   int                `json:"NumResults"`
	WorkerBlocks []*WorkerBlockData `json:"WorkerBlocks"`
}

// ListWorkerBlocks lists the caller's blocks in the order they were made.
func (s *Service) ListWorkerBlocks(ctx context.Context, c Caller, in *ListWorkerBlocksInput) (*ListWorkerBlocksOutput, error) {
	limit, after, err := pageParams(in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &ListWorkerBlocksOutput{WorkerBlocks: []*WorkerBlockData{}}
	err = s.store.Read(ctx, func(tx Tx) error {
		list, err := tx.ListWorkerBlocks(ctx, c.RequesterID, after, int(limit)+1)
		if err != nil {
			return err
		}
		list, out.NextToken = requesterPage(list, int(limit), func(b *WorkerBlock) int64 { return b.Seq })
		for _, b := range list {
			out.WorkerBlocks = append(out.WorkerBlocks, &WorkerBlockData{WorkerId: b.WorkerID, Reason: b.Reason})
		}
		return nil
	})
	if err != nil {
		return nil, internal("ListWorkerBlocks", err)
	}
	out.NumResults = len(out.WorkerBlocks)
	return out, nil
}

// ListHITsForQualificationTypeInput is the input of ListHITsForQualificationType.
type ListHITsForQualificationTypeInput struct {
	QualificationTypeId string `json:"QualificationTypeId,omitempty"`
	NextToken           string `json:"NextToken,omitempty"`
	MaxResults          *int64 `json:"MaxResults,omitempty"`
}

// ListHITsForQualificationType lists the caller's HITs that have a
// requirement on a qualification type (a system type or a live one).
func (s *Service) ListHITsForQualificationType(ctx context.Context, c Caller, in *ListHITsForQualificationTypeInput) (*ListHITsOutput, error) {
	if err := requireString("QualificationTypeId", in.QualificationTypeId); err != nil {
		return nil, err
	}
	if !validEntityID(in.QualificationTypeId) {
		return nil, Errorf(ErrInvalidParameter, "The value %q is invalid for QualificationTypeId.", in.QualificationTypeId)
	}
	limit, after, err := pageParams(in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &ListHITsOutput{HITs: []*HITData{}}
	err = s.store.Read(ctx, func(tx Tx) error {
		if !IsSystemQualificationType(in.QualificationTypeId) {
			if _, err := liveQualType(ctx, tx, in.QualificationTypeId); err != nil {
				return err
			}
		}
		hits, err := tx.ListHITsRequiring(ctx, HITQuery{RequesterID: c.RequesterID, AfterSeq: after, Limit: int(limit) + 1}, in.QualificationTypeId)
		if err != nil {
			return err
		}
		hits, out.NextToken = requesterPage(hits, int(limit), hitSeq)
		out.HITs, err = hitDataList(ctx, tx, hits, s.now())
		return err
	})
	if err != nil {
		return nil, internal("ListHITsForQualificationType", err)
	}
	out.NumResults = len(out.HITs)
	return out, nil
}

// GetFileUploadURLInput is the input of GetFileUploadURL.
type GetFileUploadURLInput struct {
	AssignmentId       string `json:"AssignmentId,omitempty"`
	QuestionIdentifier string `json:"QuestionIdentifier,omitempty"`
}

// GetFileUploadURLOutput is the output of GetFileUploadURL.
type GetFileUploadURLOutput struct {
	FileUploadURL string `json:"FileUploadURL,omitempty"`
}

// GetFileUploadURL would return a temporary URL to a file a worker
// uploaded for a FileUploadAnswer. hitd's worker site does not accept
// uploads, so no assignment ever has one: after checking the assignment
// and question as MTurk did, it says so.
func (s *Service) GetFileUploadURL(ctx context.Context, c Caller, in *GetFileUploadURLInput) (*GetFileUploadURLOutput, error) {
	if err := requireString("QuestionIdentifier", in.QuestionIdentifier); err != nil {
		return nil, err
	}
	err := s.store.Read(ctx, func(tx Tx) error {
		a, err := s.ownAssignment(ctx, tx, c, in.AssignmentId, "Submitted,Approved,Rejected")
		if err != nil {
			return err
		}
		h, err := tx.HIT(ctx, a.HITID)
		if err != nil {
			return err
		}
		form, err := qform.Parse(h.Question)
		if err == nil {
			for _, q := range form.Questions() {
				if q.Identifier == in.QuestionIdentifier && q.FileUpload != nil {
					return Errorf(ErrInvalidParameter, "No file was uploaded for question %s of assignment %s: this server does not accept file uploads.", in.QuestionIdentifier, a.ID)
				}
			}
		}
		return Errorf(ErrInvalidParameter, "Question %s of assignment %s is not a FileUploadAnswer question.", in.QuestionIdentifier, a.ID)
	})
	return nil, internal("GetFileUploadURL", err)
}
