package hitd

import (
	"fmt"
	"slices"
)

// System qualification type IDs, as MTurk published them. Masters IDs differ
// between MTurk's production and sandbox sites; both are recognised so
// scripts written for either keep working.
const (
	QualNumberHITsApproved          = "00000000000000000040"
	QualLocale                      = "00000000000000000071"
	QualAdult                       = "00000000000000000060"
	QualPercentAssignmentsApproved  = "000000000000000000L0"
	QualPercentAssignmentsAbandoned = "00000000000000000070"
	QualPercentAssignmentsReturned  = "000000000000000000E0"
	QualPercentAssignmentsRejected  = "000000000000000000S0"
	QualPercentAssignmentsSubmitted = "00000000000000000000"
	QualMasters                     = "2F1QJWKUDD8XADTFD2Q0G6UTO95ALH"
	QualMastersSandbox              = "2ARFPLSP75KLA8M8DH1HTEQVJT3SY6"
	QualCategorizationMasters       = "2NDP2L92HECWY8NS8H3CK0CP5L9GHO"
	QualCategorizationMastersSbx    = "2F1KVCNHMVHV8E9PBUB2A4J79LU20F"
	QualPhotoModerationMasters      = "21VZU98JHSTLZ5BPP4A9NOBJEK3DPG"
	QualPhotoModerationMastersSbx   = "2TGBB6BFMFFOM08IBMAFGGESC1UWJX"
)

// IsSystemQualificationType reports whether id is one of MTurk's built-in
// qualification types.
func IsSystemQualificationType(id string) bool {
	switch id {
	case QualNumberHITsApproved, QualLocale, QualAdult, QualPercentAssignmentsApproved,
		QualPercentAssignmentsAbandoned, QualPercentAssignmentsReturned, QualPercentAssignmentsRejected,
		QualPercentAssignmentsSubmitted, QualMasters, QualMastersSandbox, QualCategorizationMasters,
		QualCategorizationMastersSbx, QualPhotoModerationMasters, QualPhotoModerationMastersSbx:
		return true
	}
	return false
}

// Comparators.
const (
	CmpLessThan             = "LessThan"
	CmpLessThanOrEqualTo    = "LessThanOrEqualTo"
	CmpGreaterThan          = "GreaterThan"
	CmpGreaterThanOrEqualTo = "GreaterThanOrEqualTo"
	CmpEqualTo              = "EqualTo"
	CmpNotEqualTo           = "NotEqualTo"
	CmpExists               = "Exists"
	CmpDoesNotExist         = "DoesNotExist"
	CmpIn                   = "In"
	CmpNotIn                = "NotIn"
)

// Actions a requirement can guard.
const (
	GuardAccept                   = "Accept"
	GuardPreviewAndAccept         = "PreviewAndAccept"
	GuardDiscoverPreviewAndAccept = "DiscoverPreviewAndAccept"
)

const (
	maxSetIntegerValues = 15
	maxSetLocaleValues  = 30
)

// validateQualificationRequirements checks the shape of each requirement.
// Whether a non-system type exists is checked by the Service inside its
// transaction.
func validateQualificationRequirements(reqs []QualificationRequirement) error {
	if len(reqs) > MaxQualificationReqs {
		return Errorf(ErrOutOfRange, "The value %d is invalid for the number of QualificationRequirements. A HIT can have at most %d QualificationRequirements.", len(reqs), MaxQualificationReqs)
	}
	for i := range reqs {
		if err := validateQualificationRequirement(&reqs[i], i+1); err != nil {
			return err
		}
	}
	return nil
}

func validateQualificationRequirement(q *QualificationRequirement, n int) error {
	where := fmt.Sprintf("QualificationRequirement %d", n)
	if q.QualificationTypeId == "" {
		return Errorf(ErrMissingParameter, "%s: QualificationTypeId is required.", where)
	}
	if !validEntityID(q.QualificationTypeId) {
		return Errorf(ErrInvalidParameter, "%s: QualificationTypeId %q is not a valid qualification type ID.", where, q.QualificationTypeId)
	}
	ints, locs := len(q.IntegerValues), len(q.LocaleValues)
	if ints > 0 && locs > 0 {
		return Errorf(ErrInvalidParameter, "%s: use IntegerValues or LocaleValues, not both.", where)
	}
	isLocale := q.QualificationTypeId == QualLocale
	if locs > 0 && !isLocale {
		return Errorf(ErrInvalidParameter, "%s: LocaleValues can only be used with the Worker_Locale qualification type (%s).", where, QualLocale)
	}
	if ints > 0 && isLocale {
		return Errorf(ErrInvalidParameter, "%s: IntegerValues cannot be used with the Worker_Locale qualification type (%s); use LocaleValues.", where, QualLocale)
	}
	switch q.Comparator {
	case "":
		return Errorf(ErrMissingParameter, "%s: Comparator is required.", where)
	case CmpExists, CmpDoesNotExist:
		if ints+locs > 0 {
			return Errorf(ErrInvalidParameter, "%s: Comparator %s takes no IntegerValues or LocaleValues.", where, q.Comparator)
		}
	case CmpLessThan, CmpLessThanOrEqualTo, CmpGreaterThan, CmpGreaterThanOrEqualTo:
		if ints != 1 || locs != 0 {
			return Errorf(ErrInvalidParameter, "%s: Comparator %s requires exactly one IntegerValue.", where, q.Comparator)
		}
	case CmpEqualTo, CmpNotEqualTo:
		if ints+locs != 1 {
			return Errorf(ErrInvalidParameter, "%s: Comparator %s requires exactly one IntegerValue or one LocaleValue.", where, q.Comparator)
		}
	case CmpIn, CmpNotIn:
		if ints+locs == 0 {
			return Errorf(ErrInvalidParameter, "%s: Comparator %s requires at least one IntegerValue or LocaleValue.", where, q.Comparator)
		}
		if ints > maxSetIntegerValues {
			return Errorf(ErrOutOfRange, "%s: Comparator %s accepts at most %d IntegerValues; got %d.", where, q.Comparator, maxSetIntegerValues, ints)
		}
		if locs > maxSetLocaleValues {
			return Errorf(ErrOutOfRange, "%s: Comparator %s accepts at most %d LocaleValues; got %d.", where, q.Comparator, maxSetLocaleValues, locs)
		}
	default:
		return Errorf(ErrInvalidParameter, "%s: Comparator %q is not valid. Valid values: %s, %s, %s, %s, %s, %s, %s, %s, %s, %s.", where, q.Comparator,
			CmpLessThan, CmpLessThanOrEqualTo, CmpGreaterThan, CmpGreaterThanOrEqualTo, CmpEqualTo, CmpNotEqualTo, CmpExists, CmpDoesNotExist, CmpIn, CmpNotIn)
	}
	if isLocale && ints == 0 && locs == 0 && q.Comparator != CmpExists && q.Comparator != CmpDoesNotExist {
		return Errorf(ErrInvalidParameter, "%s: the Worker_Locale qualification type requires LocaleValues.", where)
	}
	for _, l := range q.LocaleValues {
		if !isUpperAlpha(l.Country, 2) {
			return Errorf(ErrInvalidParameter, "%s: LocaleValues Country %q must be a two-letter ISO 3166-1 country code such as US.", where, l.Country)
		}
		if l.Subdivision != "" && !isUpperAlnum(l.Subdivision, 1, 3) {
			return Errorf(ErrInvalidParameter, "%s: LocaleValues Subdivision %q must be an ISO 3166-2 subdivision code such as WA.", where, l.Subdivision)
		}
	}
	if q.ActionsGuarded != "" {
		if !slices.Contains([]string{GuardAccept, GuardPreviewAndAccept, GuardDiscoverPreviewAndAccept}, q.ActionsGuarded) {
			return Errorf(ErrInvalidParameter, "%s: ActionsGuarded %q is not valid. Valid values: %s, %s, %s.", where, q.ActionsGuarded, GuardAccept, GuardPreviewAndAccept, GuardDiscoverPreviewAndAccept)
		}
		if q.RequiredToPreview != nil && *q.RequiredToPreview {
			return Errorf(ErrInvalidParameter, "%s: RequiredToPreview and ActionsGuarded cannot be used together; use ActionsGuarded.", where)
		}
	}
	return nil
}

func isUpperAlpha(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func isUpperAlnum(s string, minLen, maxLen int) bool {
	if len(s) < minLen || len(s) > maxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// validEntityID matches the model's EntityId: ^[A-Z0-9]+$, 1..64.
func validEntityID(s string) bool { return isUpperAlnum(s, 1, 64) }
