package hitd

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// This file decides what a worker may do with a HIT type: discover it in
// listings, preview it, accept it. Every worker edge asks here, and accept
// asks again inside its own transaction, so a revoked qualification cannot
// race an accept.

// Access is what a worker may do with the HITs of one type.
type Access struct {
	Discover, Preview, Accept bool
	// Unmet names the requirements the worker does not meet, in words
	// ("requires qualification English test ≥ 80"), for the worker to see.
	Unmet []string
}

// fullAccess is the access to a HIT type without requirements.
var fullAccess = Access{Discover: true, Preview: true, Accept: true}

// workerFacts are the values requirements are checked against, loaded
// once per worker and transaction.
type workerFacts struct {
	w     *Worker // nil for a visitor who is not logged in
	quals map[string]*Qualification
	names map[string]string // qualification type ID → name, for messages
}

// loadFacts reads a worker's qualifications. workerID "" is a visitor, who
// meets no requirement.
func loadFacts(ctx context.Context, tx Tx, workerID string) (*workerFacts, error) {
	f := &workerFacts{quals: map[string]*Qualification{}, names: map[string]string{}}
	if workerID == "" {
		return f, nil
	}
	w, err := tx.WorkerByID(ctx, workerID)
	if errors.Is(err, ErrNoRows) {
		return f, nil
	}
	if err != nil {
		return nil, err
	}
	f.w = w
	qs, err := tx.WorkerQualifications(ctx, workerID)
	if err != nil {
		return nil, err
	}
	for _, q := range qs {
		if q.Status == QualGranted {
			f.quals[q.TypeID] = q
		}
	}
	return f, nil
}

// systemQualNames are the names MTurk gave its system qualification types.
var systemQualNames = map[string]string{
	QualNumberHITsApproved: "Number of HITs approved", QualLocale: "Location", QualAdult: "Adult content",
	QualPercentAssignmentsApproved: "HIT approval rate (%)", QualPercentAssignmentsAbandoned: "HIT abandonment rate (%)",
	QualPercentAssignmentsReturned: "HIT return rate (%)", QualPercentAssignmentsRejected: "HIT rejection rate (%)",
	QualPercentAssignmentsSubmitted: "HIT submission rate (%)", QualMasters: "Masters", QualMastersSandbox: "Masters",
	QualCategorizationMasters: "Categorization Masters", QualCategorizationMastersSbx: "Categorization Masters",
	QualPhotoModerationMasters: "Photo Moderation Masters", QualPhotoModerationMastersSbx: "Photo Moderation Masters",
}

// percent is part of whole in whole percent, rounded down; a worker with
// no history counts as 100 % approved and 0 % for the rest, as MTurk
// treated new workers.
func percent(part, whole int, empty int32) int32 {
	if whole <= 0 {
		return empty
	}
	return int32(part * 100 / whole)
}

// value returns the worker's integer value for a qualification type and
// whether the worker has it at all.
func (f *workerFacts) value(ctx context.Context, tx Tx, typeID string) (int32, bool, error) {
	if f.w == nil {
		return 0, false, nil
	}
	w := f.w
	switch typeID {
	case QualNumberHITsApproved:
		return int32(w.Approved), true, nil
	case QualPercentAssignmentsApproved:
		return percent(w.Approved, w.Submitted, 100), true, nil
	case QualPercentAssignmentsRejected:
		return percent(w.Rejected, w.Submitted, 0), true, nil
	case QualPercentAssignmentsAbandoned, QualPercentAssignmentsReturned, QualPercentAssignmentsSubmitted:
		accepted, err := tx.CountAssignments(ctx, AssignmentQuery{WorkerID: w.ID})
		if err != nil {
			return 0, false, err
		}
		st := map[string]AssignmentStatus{QualPercentAssignmentsAbandoned: AssignmentAbandoned, QualPercentAssignmentsReturned: AssignmentReturned}[typeID]
		if typeID == QualPercentAssignmentsSubmitted {
			return percent(w.Submitted, accepted, 100), true, nil
		}
		n, err := tx.CountAssignments(ctx, AssignmentQuery{WorkerID: w.ID, Statuses: []AssignmentStatus{st}})
		return percent(n, accepted, 0), true, err
	case QualAdult:
		return 1, w.Adult, nil
	case QualMasters, QualMastersSandbox:
		return 1, w.Masters, nil
	case QualLocale:
		return 0, w.Country != "", nil
	case QualCategorizationMasters, QualCategorizationMastersSbx, QualPhotoModerationMasters, QualPhotoModerationMastersSbx:
		return 0, false, nil // retired by MTurk; nobody holds them here
	}
	q, ok := f.quals[typeID]
	if !ok {
		return 0, false, nil
	}
	return q.IntegerValue, true, nil
}

// name returns a qualification type's name for messages.
func (f *workerFacts) name(ctx context.Context, tx Tx, typeID string) string {
	if n, ok := systemQualNames[typeID]; ok {
		return n
	}
	if n, ok := f.names[typeID]; ok {
		return n
	}
	n := typeID
	if q, err := tx.QualificationType(ctx, typeID); err == nil {
		n = q.Name
	}
	f.names[typeID] = n
	return n
}

// meets reports whether the worker meets one requirement.
func (f *workerFacts) meets(ctx context.Context, tx Tx, r *QualificationRequirement) (bool, error) {
	if !IsSystemQualificationType(r.QualificationTypeId) {
		// A deleted type can be met by nobody (except DoesNotExist).
		if _, err := liveQualType(ctx, tx, r.QualificationTypeId); err != nil {
			if ErrorCode(err) == ErrQualTypeNotFound {
				return r.Comparator == CmpDoesNotExist, nil
			}
			return false, err
		}
	}
	v, has, err := f.value(ctx, tx, r.QualificationTypeId)
	if err != nil {
		return false, err
	}
	switch r.Comparator {
	case CmpExists:
		return has, nil
	case CmpDoesNotExist:
		return !has, nil
	}
	if !has {
		return false, nil // every comparison needs a value
	}
	if r.QualificationTypeId == QualLocale {
		return f.meetsLocale(r), nil
	}
	ints := r.IntegerValues
	switch r.Comparator {
	case CmpLessThan:
		return len(ints) == 1 && v < ints[0], nil
	case CmpLessThanOrEqualTo:
		return len(ints) == 1 && v <= ints[0], nil
	case CmpGreaterThan:
		return len(ints) == 1 && v > ints[0], nil
	case CmpGreaterThanOrEqualTo:
		return len(ints) == 1 && v >= ints[0], nil
	case CmpEqualTo:
		return len(ints) == 1 && v == ints[0], nil
	case CmpNotEqualTo:
		return len(ints) == 1 && v != ints[0], nil
	case CmpIn:
		return slices.Contains(ints, v), nil
	case CmpNotIn:
		return !slices.Contains(ints, v), nil
	}
	return false, nil
}

// meetsLocale compares the worker's country and subdivision with a
// requirement's LocaleValues: a value with a Subdivision matches only that
// subdivision; one without matches the whole country.
func (f *workerFacts) meetsLocale(r *QualificationRequirement) bool {
	match := func(l Locale) bool {
		return l.Country == f.w.Country && (l.Subdivision == "" || l.Subdivision == f.w.Subdivision)
	}
	in := slices.ContainsFunc(r.LocaleValues, match)
	switch r.Comparator {
	case CmpEqualTo, CmpIn:
		return in
	case CmpNotEqualTo, CmpNotIn:
		return !in
	}
	return false
}

// describe says a requirement in words.
func (f *workerFacts) describe(ctx context.Context, tx Tx, r *QualificationRequirement) string {
	name := f.name(ctx, tx, r.QualificationTypeId)
	var vals string
	switch {
	case len(r.LocaleValues) > 0:
		for i, l := range r.LocaleValues {
			if i > 0 {
				vals += ", "
			}
			vals += l.Country
			if l.Subdivision != "" {
				vals += "-" + l.Subdivision
			}
		}
	case len(r.IntegerValues) > 0:
		for i, v := range r.IntegerValues {
			if i > 0 {
				vals += ", "
			}
			vals += fmt.Sprint(v)
		}
	}
	op := map[string]string{CmpLessThan: "<", CmpLessThanOrEqualTo: "≤", CmpGreaterThan: ">", CmpGreaterThanOrEqualTo: "≥",
		CmpEqualTo: "=", CmpNotEqualTo: "≠", CmpIn: "one of", CmpNotIn: "none of"}[r.Comparator]
	switch r.Comparator {
	case CmpExists:
		return "requires qualification " + name
	case CmpDoesNotExist:
		return "requires not having qualification " + name
	}
	return fmt.Sprintf("requires qualification %s %s %s", name, op, vals)
}

// guard is the action a requirement guards: ActionsGuarded, or the
// deprecated RequiredToPreview (= PreviewAndAccept), or Accept.
func guard(r *QualificationRequirement) string {
	switch {
	case r.ActionsGuarded != "":
		return r.ActionsGuarded
	case r.RequiredToPreview != nil && *r.RequiredToPreview:
		return GuardPreviewAndAccept
	}
	return GuardAccept
}

// access decides what the worker may do with HITs of type t.
func (f *workerFacts) access(ctx context.Context, tx Tx, t *HITType) (Access, error) {
	a := fullAccess
	for i := range t.QualificationRequirements {
		r := &t.QualificationRequirements[i]
		ok, err := f.meets(ctx, tx, r)
		if err != nil {
			return Access{}, err
		}
		if ok {
			continue
		}
		a.Unmet = append(a.Unmet, f.describe(ctx, tx, r))
		a.Accept = false
		switch guard(r) {
		case GuardPreviewAndAccept:
			a.Preview = false
		case GuardDiscoverPreviewAndAccept:
			a.Preview, a.Discover = false, false
		}
	}
	return a, nil
}

// notQualified is the error for a worker who may not do something.
func notQualified(action string, a Access) error {
	msg := "You are not qualified to " + action + " this HIT"
	if len(a.Unmet) > 0 {
		msg += ": it " + a.Unmet[0]
		for _, u := range a.Unmet[1:] {
			msg += "; it " + u
		}
	}
	return &Error{Code: ErrNotQualified, Message: msg + "."}
}

// RequiresMasters reports whether requirements include a Masters
// qualification, which carries MTurk's extra 5 % fee.
func RequiresMasters(reqs []QualificationRequirement) bool {
	for _, r := range reqs {
		switch r.QualificationTypeId {
		case QualMasters, QualMastersSandbox:
			if r.Comparator != CmpDoesNotExist {
				return true
			}
		}
	}
	return false
}
