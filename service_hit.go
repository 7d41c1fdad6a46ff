package hitd

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/hitd/hitd/qform"
)

// Known review policy names (version 2011-09-01). Their parameters are
// checked when review policies are implemented; the name is checked now.
const (
	PolicyScoreMyKnownAnswers = "ScoreMyKnownAnswers/2011-09-01"
	PolicySimplePlurality     = "SimplePlurality/2011-09-01"
)

// tokenScopeHIT is the UniqueRequestToken scope shared by CreateHIT and
// CreateHITWithHITType.
const tokenScopeHIT = "HIT"

// CreateHITTypeInput is the input of CreateHITType.
type CreateHITTypeInput struct {
	AutoApprovalDelayInSeconds  *int64                     `json:"AutoApprovalDelayInSeconds,omitempty"`
	AssignmentDurationInSeconds *int64                     `json:"AssignmentDurationInSeconds,omitempty"`
	Reward                      string                     `json:"Reward,omitempty"`
	Title                       string                     `json:"Title,omitempty"`
	Keywords                    string                     `json:"Keywords,omitempty"`
	Description                 string                     `json:"Description,omitempty"`
	QualificationRequirements   []QualificationRequirement `json:"QualificationRequirements,omitempty"`
}

// CreateHITTypeOutput is the output of CreateHITType.
type CreateHITTypeOutput struct {
	HITTypeId string `json:"HITTypeId"`
}

// CreateHITInput is the input of CreateHIT: a HIT type's properties and a
// HIT's, in one call.
type CreateHITInput struct {
	MaxAssignments              *int64                     `json:"MaxAssignments,omitempty"`
	AutoApprovalDelayInSeconds  *int64                     `json:"AutoApprovalDelayInSeconds,omitempty"`
	LifetimeInSeconds           *int64                     `json:"LifetimeInSeconds,omitempty"`
	AssignmentDurationInSeconds *int64                     `json:"AssignmentDurationInSeconds,omitempty"`
	Reward                      string                     `json:"Reward,omitempty"`
	Title                       string                     `json:"Title,omitempty"`
	Keywords                    string                     `json:"Keywords,omitempty"`
	Description                 string                     `json:"Description,omitempty"`
	Question                    string                     `json:"Question,omitempty"`
	RequesterAnnotation         string                     `json:"RequesterAnnotation,omitempty"`
	QualificationRequirements   []QualificationRequirement `json:"QualificationRequirements,omitempty"`
	UniqueRequestToken          string                     `json:"UniqueRequestToken,omitempty"`
	AssignmentReviewPolicy      *ReviewPolicy              `json:"AssignmentReviewPolicy,omitempty"`
	HITReviewPolicy             *ReviewPolicy              `json:"HITReviewPolicy,omitempty"`
	HITLayoutId                 string                     `json:"HITLayoutId,omitempty"`
	HITLayoutParameters         []HITLayoutParameter       `json:"HITLayoutParameters,omitempty"`
}

// CreateHITWithHITTypeInput is the input of CreateHITWithHITType.
type CreateHITWithHITTypeInput struct {
	HITTypeId              string               `json:"HITTypeId,omitempty"`
	MaxAssignments         *int64               `json:"MaxAssignments,omitempty"`
	LifetimeInSeconds      *int64               `json:"LifetimeInSeconds,omitempty"`
	Question               string               `json:"Question,omitempty"`
	RequesterAnnotation    string               `json:"RequesterAnnotation,omitempty"`
	UniqueRequestToken     string               `json:"UniqueRequestToken,omitempty"`
	AssignmentReviewPolicy *ReviewPolicy        `json:"AssignmentReviewPolicy,omitempty"`
	HITReviewPolicy        *ReviewPolicy        `json:"HITReviewPolicy,omitempty"`
	HITLayoutId            string               `json:"HITLayoutId,omitempty"`
	HITLayoutParameters    []HITLayoutParameter `json:"HITLayoutParameters,omitempty"`
}

// HITOutput is the output of the operations that return one HIT.
type HITOutput struct {
	HIT *HITData `json:"HIT"`
}

// HITIdInput is the input of operations that name one HIT.
type HITIdInput struct {
	HITId string `json:"HITId,omitempty"`
}

// ListHITsInput is the input of ListHITs.
type ListHITsInput struct {
	NextToken  string `json:"NextToken,omitempty"`
	MaxResults *int64 `json:"MaxResults,omitempty"`
}

// ListHITsOutput is the output of ListHITs.
type ListHITsOutput struct {
	NextToken  string     `json:"NextToken,omitempty"`
	NumResults int        `json:"NumResults"`
	HITs       []*HITData `json:"HITs"`
}

// UpdateExpirationForHITInput is the input of UpdateExpirationForHIT.
type UpdateExpirationForHITInput struct {
	HITId    string     `json:"HITId,omitempty"`
	ExpireAt *time.Time `json:"ExpireAt,omitempty"`
}

// UpdateHITTypeOfHITInput is the input of UpdateHITTypeOfHIT.
type UpdateHITTypeOfHITInput struct {
	HITId     string `json:"HITId,omitempty"`
	HITTypeId string `json:"HITTypeId,omitempty"`
}

// UpdateHITReviewStatusInput is the input of UpdateHITReviewStatus.
type UpdateHITReviewStatusInput struct {
	HITId  string `json:"HITId,omitempty"`
	Revert *bool  `json:"Revert,omitempty"`
}

// Empty is the output of operations that return nothing.
type Empty struct{}

// CreateHITType registers a HIT type, or returns the existing one with the
// same properties.
func (s *Service) CreateHITType(ctx context.Context, c Caller, in *CreateHITTypeInput) (*CreateHITTypeOutput, error) {
	t, err := s.newHITType(c, in)
	if err != nil {
		return nil, err
	}
	err = s.store.Write(ctx, func(tx Tx) error {
		if err := s.checkQualificationTypesExist(ctx, tx, t.QualificationRequirements); err != nil {
			return err
		}
		_, err := tx.InsertHITType(ctx, t)
		return err
	})
	if err != nil {
		return nil, internal("CreateHITType", err)
	}
	return &CreateHITTypeOutput{HITTypeId: t.ID}, nil
}

// CreateHIT registers (or reuses) the HIT type its properties describe and
// creates a HIT of it, in one transaction.
func (s *Service) CreateHIT(ctx context.Context, c Caller, in *CreateHITInput) (*HITOutput, error) {
	t, err := s.newHITType(c, &CreateHITTypeInput{
		AutoApprovalDelayInSeconds:  in.AutoApprovalDelayInSeconds,
		AssignmentDurationInSeconds: in.AssignmentDurationInSeconds,
		Reward:                      in.Reward,
		Title:                       in.Title,
		Keywords:                    in.Keywords,
		Description:                 in.Description,
		QualificationRequirements:   in.QualificationRequirements,
	})
	if err != nil {
		return nil, err
	}
	return s.createHIT(ctx, c, t, &CreateHITWithHITTypeInput{
		HITTypeId:              t.ID,
		MaxAssignments:         in.MaxAssignments,
		LifetimeInSeconds:      in.LifetimeInSeconds,
		Question:               in.Question,
		RequesterAnnotation:    in.RequesterAnnotation,
		UniqueRequestToken:     in.UniqueRequestToken,
		AssignmentReviewPolicy: in.AssignmentReviewPolicy,
		HITReviewPolicy:        in.HITReviewPolicy,
		HITLayoutId:            in.HITLayoutId,
		HITLayoutParameters:    in.HITLayoutParameters,
	})
}

// CreateHITWithHITType creates a HIT of an existing HIT type.
func (s *Service) CreateHITWithHITType(ctx context.Context, c Caller, in *CreateHITWithHITTypeInput) (*HITOutput, error) {
	if err := requireString("HITTypeId", in.HITTypeId); err != nil {
		return nil, err
	}
	return s.createHIT(ctx, c, nil, in)
}

// createHIT validates the HIT's own properties and stores it. newType is
// the type to register first (CreateHIT) or nil to use in.HITTypeId.
func (s *Service) createHIT(ctx context.Context, c Caller, newType *HITType, in *CreateHITWithHITTypeInput) (*HITOutput, error) {
	now := s.now()
	draft, err := s.newHIT(c, in, now)
	if err != nil {
		return nil, err
	}
	var out *HITData
	// One requester's HITs all draw on its balance: writers take turns.
	err = s.store.Write(WithWriteKey(ctx, "requester:"+c.RequesterID), func(tx Tx) error {
		// Funding adds to h's money fields: each attempt starts from the draft.
		h := new(*draft)
		if in.HITLayoutId != "" {
			q, err := s.layoutQuestion(ctx, tx, c, in.HITLayoutId, in.HITLayoutParameters)
			if err != nil {
				return err
			}
			h.Question, h.LayoutID, h.LayoutParameters = q, in.HITLayoutId, in.HITLayoutParameters
		}
		t := newType
		if t != nil {
			if err := s.checkQualificationTypesExist(ctx, tx, t.QualificationRequirements); err != nil {
				return err
			}
			if _, err := tx.InsertHITType(ctx, t); err != nil {
				return err
			}
		} else {
			var err error
			if t, err = s.ownHITType(ctx, tx, c, in.HITTypeId); err != nil {
				return err
			}
		}
		h.HITTypeID = t.ID
		if h.UniqueRequestToken != "" {
			prior, err := tx.ClaimRequestToken(ctx, &RequestToken{
				RequesterID: c.RequesterID, Scope: tokenScopeHIT, Token: h.UniqueRequestToken,
				ResultID: h.ID, CreationTime: now,
			}, now.Add(-RequestTokenLifetime))
			if err != nil {
				return err
			}
			if prior != nil {
				return Errorf(ErrHITAlreadyExists, "The HIT with ID \"%s\" already exists. (UniqueRequestToken %q was used within the last 24 hours.)", prior.ResultID, h.UniqueRequestToken)
			}
		}
		r, err := tx.RequesterByID(ctx, c.RequesterID)
		if err != nil {
			return notFound(err, ErrNotAuthorized, "The requester for these credentials no longer exists.")
		}
		p := purse{now: now}
		if err := p.fund(r, h, t, h.MaxAssignments); err != nil {
			return err
		}
		if err := tx.InsertHIT(ctx, h); err != nil {
			return err
		}
		if err := tx.UpdateRequester(ctx, r); err != nil {
			return err
		}
		if err := p.flush(ctx, tx); err != nil {
			return err
		}
		if err := s.emit(ctx, tx, h, EventHITCreated, "", now); err != nil {
			return err
		}
		out = hitData(h, t, now)
		return nil
	})
	if err != nil {
		return nil, internal("CreateHIT", err)
	}
	return &HITOutput{HIT: out}, nil
}

// newHITType validates HIT type properties and builds the type with its
// derived ID.
func (s *Service) newHITType(c Caller, in *CreateHITTypeInput) (*HITType, error) {
	for _, p := range []struct{ name, v string }{{"Title", in.Title}, {"Description", in.Description}, {"Reward", in.Reward}} {
		if err := requireString(p.name, p.v); err != nil {
			return nil, err
		}
	}
	if err := maxRunes("Title", in.Title, MaxTitleRunes); err != nil {
		return nil, err
	}
	if err := maxRunes("Description", in.Description, MaxDescriptionRunes); err != nil {
		return nil, err
	}
	if err := maxRunes("Keywords", in.Keywords, MaxKeywordsRunes); err != nil {
		return nil, err
	}
	reward, ok := ParseCents(in.Reward)
	if !ok {
		return nil, Errorf(ErrInvalidParameter, "The value %q is invalid for Reward. Reward must be a USD amount such as \"0.05\".", in.Reward)
	}
	if reward < 1 || reward > MaxReward {
		return nil, Errorf(ErrOutOfRange, "The value %s is invalid for Reward. Valid values range from 0.01 to %s.", reward, MaxReward)
	}
	dur, err := intInRange("AssignmentDurationInSeconds", in.AssignmentDurationInSeconds, MinAssignmentDuration, MaxAssignmentDuration, nil)
	if err != nil {
		return nil, err
	}
	auto, err := intInRange("AutoApprovalDelayInSeconds", in.AutoApprovalDelayInSeconds, 0, MaxAutoApprovalDelay, ptr[int64](DefaultAutoApproval))
	if err != nil {
		return nil, err
	}
	if err := validateQualificationRequirements(in.QualificationRequirements); err != nil {
		return nil, err
	}
	t := &HITType{
		RequesterID:                 c.RequesterID,
		Title:                       in.Title,
		Description:                 in.Description,
		Keywords:                    in.Keywords,
		Reward:                      reward,
		AssignmentDurationInSeconds: dur,
		AutoApprovalDelayInSeconds:  auto,
		QualificationRequirements:   in.QualificationRequirements,
		CreationTime:                s.now(),
	}
	t.ID = hitTypeID(t)
	return t, nil
}

// hitTypeID derives a HIT type's ID from its requester and properties.
func hitTypeID(t *HITType) string {
	quals, _ := json.Marshal(t.QualificationRequirements) // plain data; cannot fail
	return derivedID(
		[]byte("hittype/v1"), []byte(t.RequesterID), []byte(t.Title), []byte(t.Description), []byte(t.Keywords),
		[]byte(strconv.FormatInt(int64(t.Reward), 10)),
		[]byte(strconv.FormatInt(t.AssignmentDurationInSeconds, 10)),
		[]byte(strconv.FormatInt(t.AutoApprovalDelayInSeconds, 10)),
		quals,
	)
}

// newHIT validates a HIT's own properties.
func (s *Service) newHIT(c Caller, in *CreateHITWithHITTypeInput, now time.Time) (*HIT, error) {
	lifetime, err := intInRange("LifetimeInSeconds", in.LifetimeInSeconds, MinLifetime, MaxLifetime, nil)
	if err != nil {
		return nil, err
	}
	maxAsg, err := intInRange("MaxAssignments", in.MaxAssignments, MinMaxAssignments, MaxMaxAssignments, ptr[int64](1))
	if err != nil {
		return nil, err
	}
	if err := maxRunes("RequesterAnnotation", in.RequesterAnnotation, MaxAnnotationRunes); err != nil {
		return nil, err
	}
	if err := maxRunes("UniqueRequestToken", in.UniqueRequestToken, MaxRequestTokenRunes); err != nil {
		return nil, err
	}
	switch {
	case in.Question == "" && in.HITLayoutId == "":
		return nil, Errorf(ErrMissingParameter, "Your request is missing required parameters. Either a Question parameter or a HITLayoutId parameter must be provided.")
	case in.Question != "" && in.HITLayoutId != "":
		return nil, Errorf(ErrInvalidParameter, "Provide either a Question parameter or a HITLayoutId parameter, not both.")
	case in.HITLayoutId != "":
		// The layout is rendered into the Question inside createHIT's
		// transaction (layoutQuestion), so a concurrent delete cannot slip
		// between the check and the insert.
	case len(in.HITLayoutParameters) > 0:
		return nil, Errorf(ErrInvalidParameter, "HITLayoutParameters can only be used with a HITLayoutId.")
	}
	if in.HITLayoutId == "" {
		pq, err := ParseQuestion(in.Question, QuestionPolicy{AllowHTTPExternalURLs: s.cfg.AllowHTTPExternalURLs})
		if err != nil {
			return nil, err
		}
		if pq.Kind == QuestionForm {
			// The full schema, answer constraints included, so a form workers
			// could never submit is refused now rather than at submit time.
			if _, err := qform.Parse(in.Question); err != nil {
				return nil, Errorf(ErrXMLParse, "The Question is not a valid QuestionForm: %s", err.Error())
			}
		}
	}
	if err := validateReviewPolicies(in.AssignmentReviewPolicy, in.HITReviewPolicy); err != nil {
		return nil, err
	}
	return &HIT{
		ID:                     s.ids.HITID(),
		RequesterID:            c.RequesterID,
		Question:               in.Question,
		MaxAssignments:         int(maxAsg),
		LifetimeInSeconds:      lifetime,
		CreationTime:           now,
		Expiration:             now.Add(time.Duration(lifetime) * time.Second),
		RequesterAnnotation:    in.RequesterAnnotation,
		UniqueRequestToken:     in.UniqueRequestToken,
		AssignmentReviewPolicy: in.AssignmentReviewPolicy,
		HITReviewPolicy:        in.HITReviewPolicy,
		ReviewStatus:           ReviewNotReviewed,
	}, nil
}

// checkQualificationTypesExist checks that every required qualification
// type is a system type or a live (not deleted) requester-defined type, of
// any requester, as on MTurk.
func (s *Service) checkQualificationTypesExist(ctx context.Context, tx Tx, reqs []QualificationRequirement) error {
	for _, q := range reqs {
		if IsSystemQualificationType(q.QualificationTypeId) {
			continue
		}
		if _, err := liveQualType(ctx, tx, q.QualificationTypeId); err != nil {
			return err
		}
	}
	return nil
}

// ownHITType loads a HIT type that belongs to the caller.
func (s *Service) ownHITType(ctx context.Context, tx Tx, c Caller, id string) (*HITType, error) {
	t, err := tx.HITType(ctx, id)
	if err == nil && t.RequesterID != c.RequesterID {
		err = ErrNoRows // another requester's type is indistinguishable from none
	}
	if err != nil {
		return nil, notFound(err, ErrHITTypeNotFound, "HITType %s does not exist.", id)
	}
	return t, nil
}

// ownHIT loads a live HIT that belongs to the caller.
func (s *Service) ownHIT(ctx context.Context, tx Tx, c Caller, id string) (*HIT, error) {
	h, err := s.ownHITOrDisposed(ctx, tx, c, id)
	if err == nil && h.Disposed {
		return nil, Errorf(ErrHITNotFound, "Hit %s does not exist.", id)
	}
	return h, err
}

// ownHITOrDisposed is ownHIT that also finds deleted HITs: GetHIT reports
// them as Disposed and DeleteHIT refuses them by that state, as MTurk did
// (Mephisto reads the status; Dallinger matches "currently in the state
// 'Disposed'" to treat a second delete as done).
func (s *Service) ownHITOrDisposed(ctx context.Context, tx Tx, c Caller, id string) (*HIT, error) {
	if err := requireString("HITId", id); err != nil {
		return nil, err
	}
	h, err := tx.HIT(ctx, id)
	if err == nil && h.RequesterID != c.RequesterID {
		err = ErrNoRows
	}
	if err != nil {
		return nil, notFound(err, ErrHITNotFound, "Hit %s does not exist.", id)
	}
	return h, nil
}

// GetHIT returns one of the caller's HITs.
func (s *Service) GetHIT(ctx context.Context, c Caller, in *HITIdInput) (*HITOutput, error) {
	var out *HITData
	err := s.store.Read(ctx, func(tx Tx) error {
		h, err := s.ownHITOrDisposed(ctx, tx, c, in.HITId)
		if err != nil {
			return err
		}
		t, err := tx.HITType(ctx, h.HITTypeID)
		if err != nil {
			return err
		}
		out = hitData(h, t, s.now())
		return nil
	})
	if err != nil {
		return nil, internal("GetHIT", err)
	}
	return &HITOutput{HIT: out}, nil
}

// ListHITs returns a page of the caller's HITs in creation order.
func (s *Service) ListHITs(ctx context.Context, c Caller, in *ListHITsInput) (*ListHITsOutput, error) {
	limit, after, err := pageParams(in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &ListHITsOutput{HITs: []*HITData{}}
	err = s.store.Read(ctx, func(tx Tx) error {
		hits, err := tx.ListHITs(ctx, HITQuery{RequesterID: c.RequesterID, AfterSeq: after, Limit: int(limit) + 1})
		if err != nil {
			return err
		}
		hits, out.NextToken = requesterPage(hits, int(limit), hitSeq)
		out.HITs, err = hitDataList(ctx, tx, hits, s.now())
		return err
	})
	if err != nil {
		return nil, internal("ListHITs", err)
	}
	out.NumResults = len(out.HITs)
	return out, nil
}

// pageParams reads a list operation's MaxResults (1..100, default 10) and
// NextToken.
func pageParams(maxResults *int64, nextToken string) (limit int64, after int64, err error) {
	if limit, err = intInRange("MaxResults", maxResults, 1, MaxListMaxResults, ptr[int64](DefaultListMaxResults)); err != nil {
		return 0, 0, err
	}
	after, err = decodeSeqToken(nextToken)
	return limit, after, err
}

// requesterPage is pageOf as MTurk's Requester API paged: every non-empty
// page carries a NextToken, and the page after the last is empty and has
// none. Clients depend on it: Mephisto's and ParlAI's list loops read
// NextToken from every non-empty page and stop at an empty one.
func requesterPage[T any](rows []T, limit int, seq func(T) int64) ([]T, string) {
	if len(rows) > limit {
		rows = rows[:limit]
	}
	if len(rows) == 0 {
		return rows, ""
	}
	return rows, encodeSeqToken(seq(rows[len(rows)-1]))
}

// pageOf trims rows fetched with one more than limit to limit, and returns
// the NextToken for the rest ("" when there is none). The worker-facing
// lists use it; the Requester API uses requesterPage.
func pageOf[T any](rows []T, limit int, seq func(T) int64) ([]T, string) {
	if len(rows) <= limit {
		return rows, ""
	}
	rows = rows[:limit]
	return rows, encodeSeqToken(seq(rows[len(rows)-1]))
}

func hitSeq(h *HIT) int64 { return h.Seq }

// hitDataList joins HITs with their types as the API reports them, reading
// each type once.
func hitDataList(ctx context.Context, tx Tx, hits []*HIT, now time.Time) ([]*HITData, error) {
	out := make([]*HITData, 0, len(hits))
	types := map[string]*HITType{}
	for _, h := range hits {
		t, ok := types[h.HITTypeID]
		if !ok {
			var err error
			if t, err = tx.HITType(ctx, h.HITTypeID); err != nil {
				return nil, err
			}
			types[h.HITTypeID] = t
		}
		out = append(out, hitData(h, t, now))
	}
	return out, nil
}

// Pagination tokens are opaque to clients: a version tag and the last Seq
// seen, base64url-encoded. Pages are keyset scans, so a deep page costs
// the same as the first.
const seqTokenPrefix = "s1."

// NextTokenAfter returns the NextToken that resumes a listing after the
// row with the given Seq (the same opaque token a page would return). It
// exists for tools that resume a listing at a known point, such as the
// load tool (cmd/hitd-bench) reaching the last page of a long ListHITs.
func NextTokenAfter(seq int64) string { return encodeSeqToken(seq) }

func encodeSeqToken(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(seqTokenPrefix + strconv.FormatInt(seq, 10)))
}

func decodeSeqToken(tok string) (int64, error) {
	if tok == "" {
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err == nil {
		if rest, ok := strings.CutPrefix(string(raw), seqTokenPrefix); ok {
			if n, err := strconv.ParseInt(rest, 10, 64); err == nil && n >= 0 {
				return n, nil
			}
		}
	}
	return 0, Errorf(ErrInvalidParameter, "The value %q is invalid for NextToken. Pass the NextToken from a previous response unchanged.", tok)
}

// DeleteHIT disposes of a HIT that MTurk would let go: Reviewable (expired
// or fully worked) with nothing pending or awaiting review.
func (s *Service) DeleteHIT(ctx context.Context, c Caller, in *HITIdInput) (*Empty, error) {
	err := s.store.Write(ctx, func(tx Tx) error {
		h, err := s.ownHITOrDisposed(ctx, tx, c, in.HITId)
		if err != nil {
			return err
		}
		if st := h.StatusAt(s.now()); st != HITStatusReviewable {
			return Errorf(ErrInvalidHITState, "This HIT is currently in the state '%s'.  This operation can be called with a status of: Reviewable", st)
		}
		if h.Submitted > 0 {
			return Errorf(ErrInvalidHITState, "This HIT has %d submitted assignments that are not yet approved or rejected; approve or reject them before deleting the HIT.", h.Submitted)
		}
		if h.Pending > 0 {
			return Errorf(ErrInvalidHITState, "This HIT has %d assignments in progress; wait until they are submitted or abandoned.", h.Pending)
		}
		h.Disposed = true
		if err := s.settleAndSave(ctx, tx, h, s.now()); err != nil {
			return err
		}
		return s.emit(ctx, tx, h, EventHITDisposed, "", s.now())
	})
	if err != nil {
		return nil, internal("DeleteHIT", err)
	}
	return &Empty{}, nil
}

// UpdateExpirationForHIT moves a HIT's expiration. A time in the past
// expires the HIT now.
func (s *Service) UpdateExpirationForHIT(ctx context.Context, c Caller, in *UpdateExpirationForHITInput) (*Empty, error) {
	if in.ExpireAt == nil {
		return nil, Errorf(ErrMissingParameter, "Your request is missing required parameters. Required parameters include ExpireAt.")
	}
	now := s.now()
	at := in.ExpireAt.UTC().Truncate(time.Millisecond)
	if at.Before(now) {
		at = now
	}
	if limit := now.Add(MaxExpirationExtension * time.Second); at.After(limit) {
		return nil, Errorf(ErrOutOfRange, "The value %s is invalid for ExpireAt. A HIT can expire at most %d seconds (365 days) from now.", in.ExpireAt.UTC().Format(time.RFC3339), MaxExpirationExtension)
	}
	err := s.store.Write(ctx, func(tx Tx) error {
		h, err := s.ownHIT(ctx, tx, c, in.HITId)
		if err != nil {
			return err
		}
		return s.setExpiration(ctx, tx, h, at, now)
	})
	if err != nil {
		return nil, internal("UpdateExpirationForHIT", err)
	}
	return &Empty{}, nil
}

// setExpiration moves a live HIT's expiration to at (not before now),
// settles its money and emits HITExtended or HITExpired, in tx.
func (s *Service) setExpiration(ctx context.Context, tx Tx, h *HIT, at, now time.Time) error {
	before, old := h.StatusAt(now), h.Expiration
	h.Expiration = at
	// Expiring releases the unused slots' money; extending an expired
	// HIT funds its open slots again (or fails with InsufficientFunds).
	extended := at.After(old) && at.After(now)
	if extended {
		h.ExpiryNotified = false
	} else if !at.After(now) {
		h.ExpiryNotified = true // the HITExpired event goes out now
	}
	if err := s.settleAndSave(ctx, tx, h, now); err != nil {
		return err
	}
	switch {
	case extended:
		return s.emit(ctx, tx, h, EventHITExtended, "", now)
	case !at.After(now) && old.After(now):
		if err := s.emit(ctx, tx, h, EventHITExpired, "", now); err != nil {
			return err
		}
		return s.emitIfReviewable(ctx, tx, h, before, now)
	}
	return nil
}

// UpdateHITTypeOfHIT moves a HIT to another of the caller's HIT types.
func (s *Service) UpdateHITTypeOfHIT(ctx context.Context, c Caller, in *UpdateHITTypeOfHITInput) (*Empty, error) {
	if err := requireString("HITTypeId", in.HITTypeId); err != nil {
		return nil, err
	}
	err := s.store.Write(ctx, func(tx Tx) error {
		h, err := s.ownHIT(ctx, tx, c, in.HITId)
		if err != nil {
			return err
		}
		t, err := s.ownHITType(ctx, tx, c, in.HITTypeId)
		if err != nil {
			return err
		}
		if t.ID == h.HITTypeID {
			return nil
		}
		r, err := tx.RequesterByID(ctx, c.RequesterID)
		if err != nil {
			return err
		}
		// The reserve follows the new reward: approvals pay the reward of
		// the HIT's type at the time of approval.
		p := purse{now: s.now()}
		if err := p.reprice(r, h, t); err != nil {
			return err
		}
		h.HITTypeID = t.ID
		if err := tx.UpdateHIT(ctx, h); err != nil {
			return err
		}
		if err := tx.UpdateRequester(ctx, r); err != nil {
			return err
		}
		return p.flush(ctx, tx)
	})
	if err != nil {
		return nil, internal("UpdateHITTypeOfHIT", err)
	}
	return &Empty{}, nil
}

// UpdateHITReviewStatus moves a Reviewable HIT to Reviewing, or with Revert
// a Reviewing HIT back to Reviewable. A HIT that is Reviewing because its
// HIT-level review policy has not run yet (HIT.PolicyPending) cannot be
// reverted: it becomes Reviewable when the policy has run.
func (s *Service) UpdateHITReviewStatus(ctx context.Context, c Caller, in *UpdateHITReviewStatusInput) (*Empty, error) {
	revert := in.Revert != nil && *in.Revert
	err := s.store.Write(ctx, func(tx Tx) error {
		h, err := s.ownHIT(ctx, tx, c, in.HITId)
		if err != nil {
			return err
		}
		st := h.StatusAt(s.now())
		switch {
		case !revert && st == HITStatusReviewable:
			h.Reviewing = true
		case revert && st == HITStatusReviewing && !h.Reviewing && h.PolicyPending():
			return Errorf(ErrInvalidHITState, "This HIT is currently in the state 'Reviewing' until its HIT review policy has run.  It becomes Reviewable then; Revert=true cannot move it sooner.")
		case revert && st == HITStatusReviewing:
			h.Reviewing = false
		case revert:
			return Errorf(ErrInvalidHITState, "This HIT is currently in the state '%s'.  This operation with Revert=true can be called with a status of: Reviewing", st)
		default:
			return Errorf(ErrInvalidHITState, "This HIT is currently in the state '%s'.  This operation can be called with a status of: Reviewable", st)
		}
		return tx.UpdateHIT(ctx, h)
	})
	if err != nil {
		return nil, internal("UpdateHITReviewStatus", err)
	}
	return &Empty{}, nil
}
