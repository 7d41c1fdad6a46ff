package hitd

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hitd/hitd/qform"
)

// This file holds MTurk's two review policies (version 2011-09-01): their
// parameters, checked at CreateHIT, and their pure evaluation. Running
// them — and the approvals, rejections and extensions they decide — is in
// service_review.go.
//
// Parameter ranges follow MTurk's documentation as client libraries
// enforced it (cloudyr/pyMTurkR GenerateReviewPolicy.R): score thresholds
// 0..101, ExtendMaximumAssignments 2..25, ExtendMinimumTimeInSeconds one
// hour to one year, at most 15 QuestionIds, and the Extend* threshold
// needs both ExtendMaximumAssignments and ExtendMinimumTimeInSeconds.

// KnownAnswersPolicy is a parsed ScoreMyKnownAnswers/2011-09-01.
type KnownAnswersPolicy struct {
	AnswerKey        map[string][]string // QuestionId → the answer values, all of which must match
	KeyOrder         []string
	ApproveIfAtLeast *int
	ApproveReason    string
	RejectIfLessThan *int
	RejectReason     string
	ExtendIfLessThan *int
	ExtendMaximum    int
	ExtendMinimumSec int64
}

// PluralityPolicy is a parsed SimplePlurality/2011-09-01.
type PluralityPolicy struct {
	QuestionIds                []string
	AgreementThreshold         int
	DisregardIfRejected        bool
	DisregardIfKnownScoreBelow *int
	ExtendIfHITScoreLessThan   *int
	ExtendMaximum              int
	ExtendMinimumSec           int64
	ApproveIfWorkerAtLeast     *int
	RejectIfWorkerLessThan     *int
	RejectReason               string
}

// policyParams indexes a policy's parameters, rejecting unknown and
// repeated keys.
type policyParams struct {
	name string
	m    map[string]PolicyParameter
}

func newPolicyParams(p *ReviewPolicy, level string, known []string) (*policyParams, error) {
	pp := &policyParams{name: p.PolicyName, m: map[string]PolicyParameter{}}
	for _, x := range p.Parameters {
		if !slices.Contains(known, x.Key) {
			return nil, Errorf(ErrInvalidParameter, "%s: %q is not a parameter of %s. Valid parameters: %s.", level, x.Key, p.PolicyName, strings.Join(known, ", "))
		}
		if _, dup := pp.m[x.Key]; dup {
			return nil, Errorf(ErrInvalidParameter, "%s: the parameter %s is given more than once.", level, x.Key)
		}
		if x.Key != "AnswerKey" && len(x.MapEntries) > 0 {
			return nil, Errorf(ErrInvalidParameter, "%s: the parameter %s takes Values, not MapEntries.", level, x.Key)
		}
		pp.m[x.Key] = x
	}
	return pp, nil
}

func (pp *policyParams) single(key string) (string, bool, error) {
	x, ok := pp.m[key]
	if !ok {
		return "", false, nil
	}
	if len(x.Values) != 1 {
		return "", false, Errorf(ErrInvalidParameter, "%s: the parameter %s takes exactly one value; %d were given.", pp.name, key, len(x.Values))
	}
	return x.Values[0], true, nil
}

func (pp *policyParams) integer(key string, lo, hi int64) (*int64, error) {
	v, ok, err := pp.single(key)
	if err != nil || !ok {
		return nil, err
	}
	n, perr := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if perr != nil {
		return nil, Errorf(ErrInvalidParameter, "%s: the value %q of %s is not an integer.", pp.name, v, key)
	}
	if n < lo || n > hi {
		return nil, Errorf(ErrOutOfRange, "%s: the value %d of %s is out of range; valid values range from %d to %d.", pp.name, n, key, lo, hi)
	}
	return &n, nil
}

func (pp *policyParams) score(key string) (*int, error) {
	n, err := pp.integer(key, 0, 101)
	if n == nil || err != nil {
		return nil, err
	}
	v := int(*n)
	return &v, nil
}

func (pp *policyParams) text(key string) (string, error) {
	v, _, err := pp.single(key)
	if err == nil {
		err = maxRunes(pp.name+" "+key, v, MaxFeedbackRunes)
	}
	return v, err
}

// extendSettings reads ExtendMaximumAssignments and
// ExtendMinimumTimeInSeconds, required together with an Extend threshold.
func (pp *policyParams) extendSettings(threshold *int, thresholdKey string) (int, int64, error) {
	max, err := pp.integer("ExtendMaximumAssignments", 2, 25)
	if err != nil {
		return 0, 0, err
	}
	min, err := pp.integer("ExtendMinimumTimeInSeconds", 3600, 31536000)
	if err != nil {
		return 0, 0, err
	}
	if threshold != nil && (max == nil || min == nil) {
		return 0, 0, Errorf(ErrMissingParameter, "%s: %s needs both ExtendMaximumAssignments and ExtendMinimumTimeInSeconds.", pp.name, thresholdKey)
	}
	if threshold == nil && (max != nil || min != nil) {
		return 0, 0, Errorf(ErrInvalidParameter, "%s: ExtendMaximumAssignments and ExtendMinimumTimeInSeconds are only used with %s.", pp.name, thresholdKey)
	}
	if max == nil {
		return 0, 0, nil
	}
	return int(*max), *min, nil
}

// ParseKnownAnswersPolicy checks an AssignmentReviewPolicy.
func ParseKnownAnswersPolicy(p *ReviewPolicy) (*KnownAnswersPolicy, error) {
	if p.PolicyName != PolicyScoreMyKnownAnswers {
		return nil, Errorf(ErrInvalidParameter, "AssignmentReviewPolicy: the review policy %q is not known; the assignment-level policy is %s.", p.PolicyName, PolicyScoreMyKnownAnswers)
	}
	pp, err := newPolicyParams(p, "AssignmentReviewPolicy", []string{"AnswerKey", "ApproveIfKnownAnswerScoreIsAtLeast", "ApproveReason",
		"RejectIfKnownAnswerScoreIsLessThan", "RejectReason", "ExtendIfKnownAnswerScoreIsLessThan", "ExtendMaximumAssignments", "ExtendMinimumTimeInSeconds"})
	if err != nil {
		return nil, err
	}
	key, ok := pp.m["AnswerKey"]
	if !ok || len(key.MapEntries) == 0 {
		return nil, Errorf(ErrMissingParameter, "%s: the AnswerKey parameter (MapEntries of QuestionId → answer) is required.", p.PolicyName)
	}
	k := &KnownAnswersPolicy{AnswerKey: map[string][]string{}}
	for _, e := range key.MapEntries {
		if e.Key == "" || len(e.Values) == 0 {
			return nil, Errorf(ErrInvalidParameter, "%s: every AnswerKey entry needs a Key (a QuestionId) and at least one value.", p.PolicyName)
		}
		if _, dup := k.AnswerKey[e.Key]; dup {
			return nil, Errorf(ErrInvalidParameter, "%s: the AnswerKey names question %q twice.", p.PolicyName, e.Key)
		}
		k.AnswerKey[e.Key] = e.Values
		k.KeyOrder = append(k.KeyOrder, e.Key)
	}
	if k.ApproveIfAtLeast, err = pp.score("ApproveIfKnownAnswerScoreIsAtLeast"); err != nil {
		return nil, err
	}
	if k.RejectIfLessThan, err = pp.score("RejectIfKnownAnswerScoreIsLessThan"); err != nil {
		return nil, err
	}
	if k.ExtendIfLessThan, err = pp.score("ExtendIfKnownAnswerScoreIsLessThan"); err != nil {
		return nil, err
	}
	if k.ApproveReason, err = pp.text("ApproveReason"); err != nil {
		return nil, err
	}
	if k.RejectReason, err = pp.text("RejectReason"); err != nil {
		return nil, err
	}
	if k.ExtendMaximum, k.ExtendMinimumSec, err = pp.extendSettings(k.ExtendIfLessThan, "ExtendIfKnownAnswerScoreIsLessThan"); err != nil {
		return nil, err
	}
	if k.ApproveIfAtLeast != nil && k.RejectIfLessThan != nil && *k.RejectIfLessThan > *k.ApproveIfAtLeast {
		return nil, Errorf(ErrInvalidParameter, "%s: RejectIfKnownAnswerScoreIsLessThan (%d) is above ApproveIfKnownAnswerScoreIsAtLeast (%d), so some scores would be both approved and rejected.",
			p.PolicyName, *k.RejectIfLessThan, *k.ApproveIfAtLeast)
	}
	return k, nil
}

// ParsePluralityPolicy checks a HITReviewPolicy.
func ParsePluralityPolicy(p *ReviewPolicy) (*PluralityPolicy, error) {
	if p.PolicyName != PolicySimplePlurality {
		return nil, Errorf(ErrInvalidParameter, "HITReviewPolicy: the review policy %q is not known; the HIT-level policy is %s.", p.PolicyName, PolicySimplePlurality)
	}
	pp, err := newPolicyParams(p, "HITReviewPolicy", []string{"QuestionIds", "QuestionAgreementThreshold", "DisregardAssignmentIfRejected",
		"DisregardAssignmentIfKnownAnswerScoreIsLessThan", "ExtendIfHITAgreementScoreIsLessThan", "ExtendMaximumAssignments",
		"ExtendMinimumTimeInSeconds", "ApproveIfWorkerAgreementScoreIsAtLeast", "RejectIfWorkerAgreementScoreIsLessThan", "RejectReason"})
	if err != nil {
		return nil, err
	}
	q := &PluralityPolicy{}
	ids := pp.m["QuestionIds"].Values
	if len(ids) == 0 {
		return nil, Errorf(ErrMissingParameter, "%s: the QuestionIds parameter is required.", p.PolicyName)
	}
	if len(ids) > 15 {
		return nil, Errorf(ErrOutOfRange, "%s: at most 15 QuestionIds; %d were given.", p.PolicyName, len(ids))
	}
	for _, id := range ids {
		if id == "" || slices.Contains(q.QuestionIds, id) {
			return nil, Errorf(ErrInvalidParameter, "%s: QuestionIds must be distinct and not empty.", p.PolicyName)
		}
		q.QuestionIds = append(q.QuestionIds, id)
	}
	th, err := pp.integer("QuestionAgreementThreshold", 0, 100)
	if err != nil {
		return nil, err
	}
	if th == nil {
		return nil, Errorf(ErrMissingParameter, "%s: the QuestionAgreementThreshold parameter is required.", p.PolicyName)
	}
	q.AgreementThreshold = int(*th)
	if v, ok, err := pp.single("DisregardAssignmentIfRejected"); err != nil {
		return nil, err
	} else if ok {
		b, perr := strconv.ParseBool(strings.ToLower(strings.TrimSpace(v)))
		if perr != nil {
			return nil, Errorf(ErrInvalidParameter, "%s: the value %q of DisregardAssignmentIfRejected is not true or false.", p.PolicyName, v)
		}
		q.DisregardIfRejected = b
	}
	if q.DisregardIfKnownScoreBelow, err = pp.score("DisregardAssignmentIfKnownAnswerScoreIsLessThan"); err != nil {
		return nil, err
	}
	if q.ExtendIfHITScoreLessThan, err = pp.score("ExtendIfHITAgreementScoreIsLessThan"); err != nil {
		return nil, err
	}
	if q.ApproveIfWorkerAtLeast, err = pp.score("ApproveIfWorkerAgreementScoreIsAtLeast"); err != nil {
		return nil, err
	}
	if q.RejectIfWorkerLessThan, err = pp.score("RejectIfWorkerAgreementScoreIsLessThan"); err != nil {
		return nil, err
	}
	if q.RejectReason, err = pp.text("RejectReason"); err != nil {
		return nil, err
	}
	if q.ExtendMaximum, q.ExtendMinimumSec, err = pp.extendSettings(q.ExtendIfHITScoreLessThan, "ExtendIfHITAgreementScoreIsLessThan"); err != nil {
		return nil, err
	}
	return q, nil
}

// validateReviewPolicies checks both of a HIT's policies at CreateHIT.
func validateReviewPolicies(assignment, hit *ReviewPolicy) error {
	for _, p := range []*ReviewPolicy{assignment, hit} {
		if p != nil && p.PolicyName == "" {
			return Errorf(ErrMissingParameter, "Your request is missing required parameters. Required parameters include PolicyName.")
		}
	}
	if assignment != nil {
		if _, err := ParseKnownAnswersPolicy(assignment); err != nil {
			return err
		}
	}
	if hit != nil {
		if _, err := ParsePluralityPolicy(hit); err != nil {
			return err
		}
	}
	return nil
}

// answerValues flattens a decoded answer to the values a policy compares:
// the free text (trimmed), or the selection identifiers in order.
func answerValues(a qform.Answer) []string {
	switch {
	case a.FreeText != nil:
		return []string{strings.TrimSpace(*a.FreeText)}
	case a.OtherSelectionText != nil:
		return append(append([]string(nil), a.SelectionIdentifiers...), strings.TrimSpace(*a.OtherSelectionText))
	}
	return a.SelectionIdentifiers
}

// answersByQuestion decodes an assignment's answer XML; undecodable
// answers count as no answers.
func answersByQuestion(answerXML string) map[string][]string {
	out := map[string][]string{}
	answers, err := qform.DecodeAnswers(answerXML)
	if err != nil {
		return out
	}
	for _, a := range answers {
		if _, seen := out[a.QuestionIdentifier]; !seen {
			out[a.QuestionIdentifier] = answerValues(a)
		}
	}
	return out
}

// sameAnswer compares answer values as sets: the worker must match all
// values, and no others.
func sameAnswer(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	g, w := slices.Clone(got), slices.Clone(want)
	for i := range w {
		w[i] = strings.TrimSpace(w[i])
	}
	sort.Strings(g)
	sort.Strings(w)
	return slices.Equal(g, w)
}

// KnownAnswerScore is the percentage of the key's questions an assignment
// answered correctly (rounded down), and which ones.
func (k *KnownAnswersPolicy) Score(answerXML string) (score int, correct map[string]bool) {
	answers := answersByQuestion(answerXML)
	correct = map[string]bool{}
	right := 0
	for _, q := range k.KeyOrder {
		ok := sameAnswer(answers[q], k.AnswerKey[q])
		correct[q] = ok
		if ok {
			right++
		}
	}
	return right * 100 / len(k.KeyOrder), correct
}

// pluralityOutcome is what SimplePlurality computed for a HIT.
type pluralityOutcome struct {
	// Per question: the plurality answer (joined with "|" for multiple
	// selections), its agreement percentage, and whether it reached the
	// threshold.
	Plurality map[string]string
	Agreement map[string]int
	Agreed    map[string]bool
	HITScore  int            // percentage of questions agreed
	Worker    map[string]int // assignment ID → percentage of agreed questions the worker matched (absent: none agreed)
}

// evaluate runs SimplePlurality over the considered assignments' answers
// (assignment ID → answer XML), in assignment order.
func (p *PluralityPolicy) evaluate(order []string, answers map[string]string) pluralityOutcome {
	out := pluralityOutcome{Plurality: map[string]string{}, Agreement: map[string]int{}, Agreed: map[string]bool{}, Worker: map[string]int{}}
	given := map[string]map[string]string{} // assignment → question → joined answer
	for _, id := range order {
		given[id] = map[string]string{}
		for q, vals := range answersByQuestion(answers[id]) {
			v := slices.Clone(vals)
			sort.Strings(v)
			given[id][q] = strings.Join(v, "|")
		}
	}
	agreed := 0
	for _, q := range p.QuestionIds {
		counts := map[string]int{}
		var firstSeen []string
		total := 0
		for _, id := range order {
			a, ok := given[id][q]
			if !ok || a == "" {
				continue
			}
			if counts[a] == 0 {
				firstSeen = append(firstSeen, a)
			}
			counts[a]++
			total++
		}
		best := ""
		for _, a := range firstSeen { // ties go to the answer given first
			if counts[a] > counts[best] {
				best = a
			}
		}
		pct := 0
		if total > 0 {
			pct = counts[best] * 100 / total
		}
		out.Plurality[q], out.Agreement[q] = best, pct
		out.Agreed[q] = total > 0 && pct >= p.AgreementThreshold
		if out.Agreed[q] {
			agreed++
		}
	}
	out.HITScore = agreed * 100 / len(p.QuestionIds)
	for _, id := range order {
		match, n := 0, 0
		for _, q := range p.QuestionIds {
			if !out.Agreed[q] {
				continue
			}
			n++
			if given[id][q] == out.Plurality[q] {
				match++
			}
		}
		if n > 0 { // with no agreed question there is nothing to agree with
			out.Worker[id] = match * 100 / n
		}
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }

// Review policy levels.
const (
	PolicyLevelAssignment = "Assignment"
	PolicyLevelHIT        = "HIT"
)

// ReviewResult is one result a policy computed.
type ReviewResult struct {
	Seq         int64
	HITID       string
	Level       string
	ActionID    string
	SubjectID   string
	SubjectType string // Assignment or HIT
	QuestionID  string
	Key         string
	Value       string
}

// ReviewAction is one action a policy took (or tried).
type ReviewAction struct {
	Seq          int64
	HITID        string
	Level        string
	ActionID     string
	ActionName   string // approve, reject, extend
	TargetID     string
	TargetType   string // Assignment or HIT
	Status       string // Intended, Succeeded, Failed, Cancelled
	CompleteTime time.Time
	Result       string
	ErrorCode    string
}

// ReviewQuery selects a HIT's results or actions at one level.
type ReviewQuery struct {
	HITID    string
	Level    string
	AfterSeq int64
	Limit    int
}
