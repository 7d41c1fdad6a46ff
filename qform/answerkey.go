package qform

import (
	"errors"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// AnswerKey grading follows Amazon's description of the data structure,
// "AnswerKey" in the MTurk API Reference (API version 2017-01-17),
// https://docs.aws.amazon.com/AWSMechTurk/latest/AWSMturkAPI/ApiReference_AnswerKeyDataStructureArticle.html
// (the same text as the 2008-04-01 and 2014-08-15 references). It says:
//
//   - an AnswerKey holds a Question for each graded question and an
//     optional QualificationValueMapping; all elements are in the AnswerKey
//     schema's namespace;
//   - a Question has a QuestionIdentifier, one or more AnswerOptions and an
//     optional DefaultScore; an AnswerOption has one or more
//     SelectionIdentifiers and an AnswerScore, which "may be negative";
//   - "The Worker must select all of the selections specified by the
//     SelectionIdentifier elements, and no others, to earn the score";
//   - DefaultScore "is added to the Worker's test score if none of the
//     answer options exactly match the Worker's answer for the question",
//     and defaults to 0;
//   - "If no QualificationValueMapping is specified, the sum of the scores
//     of the answers is used as the Qualification value";
//   - PercentageMapping: the sum "divided by the maximum, multiplied by 100
//     and rounded to the nearest integer";
//   - ScaleMapping: the sum "multiplied by the multiplier", given "as a
//     decimal value";
//   - RangeMapping: one or more SummedScoreRanges (InclusiveLowerBound,
//     InclusiveUpperBound, QualificationValue) and "a single
//     OutOfRangeQualificationValue"; "Ranges cannot overlap. If ranges
//     overlap, the behavior is undefined."
//
// The element types come from the AnswerKey.xsd schema as generated into Go
// by jesand/crowds (amt/gen/.../2005-10-01/AnswerKey.xsd_go): AnswerScore,
// DefaultScore, MaximumSummedScore and the range bounds are xsd:int,
// SummedScoreMultiplier is xsd:double. A Qualification's value is a 32-bit
// integer (IntegerValue is an Int in the AWS SDKs, e.g. the Kotlin SDK's
// AssociateQualificationWithWorkerRequest.integerValue).
//
// Where the documents are silent, hitd chooses, as documented on each item
// below: percentages are clamped to 0..100 and round half up; a scaled
// value rounds to the nearest integer (half away from zero); every value
// is clamped to the 32-bit range; overlapping ranges, a MaximumSummedScore
// below 1, a Question graded twice and two AnswerOptions with the same
// selections are rejected; an answer that chose the OtherSelection matches
// no AnswerOption (the key cannot name that selection, and "no others"
// rules it out).

// AnswerKeyNamespace is the namespace of the AnswerKey schema, the only one
// MTurk published for it.
const AnswerKeyNamespace = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/AnswerKey.xsd"

// AnswerKey is a parsed AnswerKey: how to grade a Qualification test. At
// most one of Percentage, Scale and Range is set; with none, the summed
// score is the Qualification value.
type AnswerKey struct {
	Questions  []KeyQuestion // in document order
	Percentage *PercentageMapping
	Scale      *ScaleMapping
	Range      *RangeMapping
}

// KeyQuestion is the grading of one question of the test.
type KeyQuestion struct {
	QuestionIdentifier string // surrounding whitespace trimmed
	Options            []AnswerOption
	DefaultScore       int // added when no option matches; 0 when absent
}

// AnswerOption is one scored combination of selections.
type AnswerOption struct {
	SelectionIdentifiers []string // as written, surrounding whitespace trimmed
	Score                int      // AnswerScore; may be negative
}

// PercentageMapping makes the value round(100 × summed / MaximumSummedScore),
// clamped to 0..100.
type PercentageMapping struct {
	MaximumSummedScore int // at least 1
}

// ScaleMapping makes the value round(summed × SummedScoreMultiplier).
type ScaleMapping struct {
	SummedScoreMultiplier float64 // finite
}

// RangeMapping makes the value that of the range holding the summed score,
// or OutOfRangeValue if none does.
type RangeMapping struct {
	Ranges          []SummedScoreRange
	OutOfRangeValue int // OutOfRangeQualificationValue
}

// SummedScoreRange is one range of a RangeMapping, bounds inclusive.
type SummedScoreRange struct {
	Lower, Upper int // InclusiveLowerBound ≤ InclusiveUpperBound
	Value        int // QualificationValue
}

// AnswerKeyError is what ParseAnswerKey and CheckAgainst return for a key
// they do not accept.
type AnswerKeyError struct {
	Line    int    // 1-based line of the element at fault; 0 when unknown
	Element string // local name of the element at fault; "" when none
	Msg     string
}

func (e *AnswerKeyError) Error() string {
	pe := ParseError{Line: e.Line, Element: e.Element, Msg: e.Msg}
	return "AnswerKey: " + strings.TrimPrefix(pe.Error(), "QuestionForm: ")
}

// keyError turns the *ParseError of a shared helper into an *AnswerKeyError.
func keyError(err error) error {
	var pe *ParseError
	if errors.As(err, &pe) {
		return &AnswerKeyError{Line: pe.Line, Element: pe.Element, Msg: pe.Msg}
	}
	return err
}

// ParseAnswerKey parses and checks an AnswerKey document. Like Parse, it
// accepts the children of an element in any order and names the element
// at fault, with its line, in an *AnswerKeyError. Beyond the schema it
// requires at least one Question, distinct QuestionIdentifiers, distinct
// selection sets among a question's AnswerOptions, a MaximumSummedScore of
// at least 1, a finite SummedScoreMultiplier, and ranges whose lower bound
// is not above the upper one and which do not overlap.
func ParseAnswerKey(keyXML string) (*AnswerKey, error) {
	k, err := parseAnswerKey(keyXML)
	if err != nil {
		return nil, keyError(err)
	}
	return k, nil
}

func parseAnswerKey(keyXML string) (*AnswerKey, error) {
	if !utf8.ValidString(keyXML) {
		return nil, &ParseError{Msg: "the document is not valid UTF-8"}
	}
	root, err := parseTree(strings.TrimLeft(strings.TrimPrefix(keyXML, "\uFEFF"), " \t\r\n"))
	if err != nil {
		var pe *ParseError
		if errors.As(err, &pe) && pe.Element == "" && strings.HasPrefix(pe.Msg, "the document has no root element") {
			return nil, &ParseError{Msg: "the document has no root element; expected <AnswerKey>"}
		}
		return nil, err
	}
	if root.name.Local != "AnswerKey" {
		return nil, root.errorf("the root element must be <AnswerKey>")
	}
	if err := checkKeyNamespaces(root); err != nil {
		return nil, err
	}
	by, err := children(root, []string{"Question", "QualificationValueMapping"}, map[string]bool{"QualificationValueMapping": true})
	if err != nil {
		return nil, err
	}
	if len(by["Question"]) == 0 {
		return nil, root.errorf("has no <Question>; an AnswerKey grades at least one question")
	}
	k := &AnswerKey{}
	seen := map[string]int{}
	for _, qn := range by["Question"] {
		q, err := parseKeyQuestion(qn)
		if err != nil {
			return nil, err
		}
		if line, dup := seen[q.QuestionIdentifier]; dup {
			return nil, qn.errorf("QuestionIdentifier %s is already graded by the <Question> on line %d", quote(q.QuestionIdentifier), line)
		}
		seen[q.QuestionIdentifier] = qn.line
		k.Questions = append(k.Questions, q)
	}
	if m := by["QualificationValueMapping"]; len(m) > 0 {
		if err := parseMapping(m[0], k); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// checkKeyNamespaces checks that every element is in AnswerKeyNamespace
// and carries no attributes (the schema defines none).
func checkKeyNamespaces(n *node) error {
	if n.name.Space != AnswerKeyNamespace {
		return n.errorf("is in %s; every element of an AnswerKey must be in namespace %q", describeNS(n.name.Space), AnswerKeyNamespace)
	}
	if err := checkAttrs(n); err != nil {
		return err
	}
	for _, c := range n.children {
		if err := checkKeyNamespaces(c); err != nil {
			return err
		}
	}
	return nil
}

func parseKeyQuestion(n *node) (KeyQuestion, error) {
	by, err := children(n, []string{"QuestionIdentifier", "AnswerOption", "DefaultScore"},
		map[string]bool{"QuestionIdentifier": true, "DefaultScore": true})
	if err != nil {
		return KeyQuestion{}, err
	}
	var q KeyQuestion
	idn, err := required(n, by, "QuestionIdentifier")
	if err != nil {
		return KeyQuestion{}, err
	}
	if q.QuestionIdentifier, err = trimmedText(idn); err != nil {
		return KeyQuestion{}, err
	}
	if q.QuestionIdentifier == "" {
		return KeyQuestion{}, idn.errorf("is empty")
	}
	if len(by["AnswerOption"]) == 0 {
		return KeyQuestion{}, n.errorf("has no <AnswerOption>; it needs at least one")
	}
	seen := map[string]int{}
	for _, on := range by["AnswerOption"] {
		o, err := parseAnswerOption(on)
		if err != nil {
			return KeyQuestion{}, err
		}
		set := selectionSetKey(o.SelectionIdentifiers)
		if line, dup := seen[set]; dup {
			return KeyQuestion{}, on.errorf("has the same selections as the <AnswerOption> on line %d", line)
		}
		seen[set] = on.line
		q.Options = append(q.Options, o)
	}
	if dn := by["DefaultScore"]; len(dn) > 0 {
		if q.DefaultScore, err = int32Text(dn[0]); err != nil {
			return KeyQuestion{}, err
		}
	}
	return q, nil
}

func parseAnswerOption(n *node) (AnswerOption, error) {
	by, err := children(n, []string{"SelectionIdentifier", "AnswerScore"}, map[string]bool{"AnswerScore": true})
	if err != nil {
		return AnswerOption{}, err
	}
	var o AnswerOption
	if len(by["SelectionIdentifier"]) == 0 {
		return AnswerOption{}, n.errorf("has no <SelectionIdentifier>; it needs at least one")
	}
	for _, sn := range by["SelectionIdentifier"] {
		s, err := trimmedText(sn)
		if err != nil {
			return AnswerOption{}, err
		}
		if s == "" {
			return AnswerOption{}, sn.errorf("is empty")
		}
		o.SelectionIdentifiers = append(o.SelectionIdentifiers, s)
	}
	sc, err := required(n, by, "AnswerScore")
	if err != nil {
		return AnswerOption{}, err
	}
	if o.Score, err = int32Text(sc); err != nil {
		return AnswerOption{}, err
	}
	return o, nil
}

var mappingNames = []string{"PercentageMapping", "ScaleMapping", "RangeMapping"}

func parseMapping(n *node, k *AnswerKey) error {
	by, err := children(n, mappingNames, nil)
	if err != nil {
		return err
	}
	if len(n.children) != 1 {
		return n.errorf("must contain exactly one of %s, but contains %d", listNames(mappingNames), len(n.children))
	}
	switch {
	case len(by["PercentageMapping"]) == 1:
		pn := by["PercentageMapping"][0]
		pby, err := children(pn, []string{"MaximumSummedScore"}, map[string]bool{"MaximumSummedScore": true})
		if err != nil {
			return err
		}
		mn, err := required(pn, pby, "MaximumSummedScore")
		if err != nil {
			return err
		}
		v, err := int32Text(mn)
		if err != nil {
			return err
		}
		if v < 1 {
			return mn.errorf("is %d; it must be at least 1", v)
		}
		k.Percentage = &PercentageMapping{MaximumSummedScore: v}
	case len(by["ScaleMapping"]) == 1:
		sn := by["ScaleMapping"][0]
		sby, err := children(sn, []string{"SummedScoreMultiplier"}, map[string]bool{"SummedScoreMultiplier": true})
		if err != nil {
			return err
		}
		mn, err := required(sn, sby, "SummedScoreMultiplier")
		if err != nil {
			return err
		}
		v, err := decimalText(mn)
		if err != nil {
			return err
		}
		k.Scale = &ScaleMapping{SummedScoreMultiplier: v}
	default:
		r, err := parseRangeMapping(by["RangeMapping"][0])
		if err != nil {
			return err
		}
		k.Range = r
	}
	return nil
}

func parseRangeMapping(n *node) (*RangeMapping, error) {
	by, err := children(n, []string{"SummedScoreRange", "OutOfRangeQualificationValue"}, map[string]bool{"OutOfRangeQualificationValue": true})
	if err != nil {
		return nil, err
	}
	if len(by["SummedScoreRange"]) == 0 {
		return nil, n.errorf("has no <SummedScoreRange>; it needs at least one")
	}
	r := &RangeMapping{}
	var lines []int
	for _, sn := range by["SummedScoreRange"] {
		once := map[string]bool{"InclusiveLowerBound": true, "InclusiveUpperBound": true, "QualificationValue": true}
		sby, err := children(sn, []string{"InclusiveLowerBound", "InclusiveUpperBound", "QualificationValue"}, once)
		if err != nil {
			return nil, err
		}
		var vals [3]int
		for i, name := range []string{"InclusiveLowerBound", "InclusiveUpperBound", "QualificationValue"} {
			c, err := required(sn, sby, name)
			if err != nil {
				return nil, err
			}
			if vals[i], err = int32Text(c); err != nil {
				return nil, err
			}
		}
		s := SummedScoreRange{Lower: vals[0], Upper: vals[1], Value: vals[2]}
		if s.Lower > s.Upper {
			return nil, sn.errorf("InclusiveLowerBound %d is greater than InclusiveUpperBound %d", s.Lower, s.Upper)
		}
		for i, o := range r.Ranges {
			if s.Lower <= o.Upper && o.Lower <= s.Upper {
				return nil, sn.errorf("range %d..%d overlaps the range %d..%d on line %d; ranges must not overlap", s.Lower, s.Upper, o.Lower, o.Upper, lines[i])
			}
		}
		r.Ranges = append(r.Ranges, s)
		lines = append(lines, sn.line)
	}
	on, err := required(n, by, "OutOfRangeQualificationValue")
	if err != nil {
		return nil, err
	}
	if r.OutOfRangeValue, err = int32Text(on); err != nil {
		return nil, err
	}
	return r, nil
}

// int32Text reads an xsd:int element.
func int32Text(n *node) (int, error) {
	s, err := trimmedText(n)
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return 0, n.errorf("is %s; it must be from %d to %d", quote(s), math.MinInt32, math.MaxInt32)
		}
		return 0, n.errorf("is %s; it must be an integer", quote(s))
	}
	return int(v), nil
}

var decimalRe = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$`)

// decimalText reads a finite decimal number (xsd:double without INF and NaN).
func decimalText(n *node) (float64, error) {
	s, err := trimmedText(n)
	if err != nil {
		return 0, err
	}
	if !decimalRe.MatchString(s) {
		return 0, n.errorf("is %s; it must be a decimal number", quote(s))
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) {
		return 0, n.errorf("is %s; it is out of range", quote(s))
	}
	return v, nil
}

// selectionSetKey is a canonical form of a set of SelectionIdentifiers.
func selectionSetKey(ids []string) string {
	set := map[string]bool{}
	for _, id := range ids {
		set[id] = true
	}
	keys := make([]string, 0, len(set))
	for id := range set {
		keys = append(keys, strconv.Quote(id))
	}
	slices.Sort(keys)
	return strings.Join(keys, ",")
}

// CheckAgainst checks the key against its test: every graded
// QuestionIdentifier must be a selection question of the form (free-text
// and file-upload answers cannot be graded: an AnswerOption can only name
// selections), and every SelectionIdentifier must be one that question
// offers. Questions of the test that the key leaves out are not graded;
// that is allowed. The error is an *AnswerKeyError.
func (k *AnswerKey) CheckAgainst(test *Form) error {
	if test == nil {
		return &AnswerKeyError{Msg: "there is no test to check the key against"}
	}
	qs := map[string]*Question{}
	for _, q := range test.Questions() {
		qs[q.Identifier] = q
	}
	for _, kq := range k.Questions {
		q := qs[kq.QuestionIdentifier]
		switch {
		case q == nil:
			return &AnswerKeyError{Element: "Question", Msg: "grades QuestionIdentifier " + quote(kq.QuestionIdentifier) + ", which the test has no question for"}
		case q.Selection == nil:
			kind := "a free-text"
			if q.FileUpload != nil {
				kind = "a file-upload"
			}
			return &AnswerKeyError{Element: "Question", Msg: "grades " + quote(kq.QuestionIdentifier) + ", which is " + kind + " question; only selection questions can be graded"}
		}
		for _, o := range kq.Options {
			for _, s := range o.SelectionIdentifiers {
				if !q.Selection.has(s) {
					return &AnswerKeyError{Element: "SelectionIdentifier", Msg: quote(s) + " is not a selection of question " + quote(kq.QuestionIdentifier)}
				}
			}
		}
	}
	return nil
}

// Score grades a worker's answers, as returned by Form.Validate. Each
// question of the key earns the Score of the AnswerOption whose set of
// SelectionIdentifiers equals the set the worker chose (order and
// repetition do not matter), or its DefaultScore when none does: when the
// worker chose other selections too, chose none, chose the OtherSelection,
// gave a free-text answer, or has no answer for the question at all.
// Answers for questions the key does not grade are ignored; if several
// answers name one question, the first counts.
//
// summed is the total. value is the Qualification value: summed itself
// without a mapping (as MTurk documents), round(100 × summed / maximum)
// rounding halves up and clamped to 0..100 for a PercentageMapping,
// summed × multiplier rounded to the nearest integer (halves away from
// zero) for a ScaleMapping, and the matching range's value or the
// out-of-range value for a RangeMapping (the first matching range, should a
// hand-built key have overlapping ones). value is always clamped to the
// 32-bit range of a Qualification's IntegerValue. If a hand-built key sets
// several mappings, the first of Percentage, Scale, Range is used; a
// MaximumSummedScore below 1 gives 0.
func (k *AnswerKey) Score(answers []Answer) (summed int, value int) {
	byID := map[string]*Answer{}
	for i := range answers {
		if _, dup := byID[answers[i].QuestionIdentifier]; !dup {
			byID[answers[i].QuestionIdentifier] = &answers[i]
		}
	}
	var sum int64
	for _, kq := range k.Questions {
		sum += int64(questionScore(kq, byID[kq.QuestionIdentifier]))
	}
	sum = min(max(sum, math.MinInt), math.MaxInt) // a no-op on 64-bit platforms
	summed = int(sum)
	switch {
	case k.Percentage != nil:
		m := int64(k.Percentage.MaximumSummedScore)
		if m < 1 {
			return summed, 0
		}
		s := min(max(sum, 0), m)
		return summed, int((s*200 + m) / (2 * m)) // round half up
	case k.Scale != nil:
		return summed, clamp32(math.Round(float64(sum) * k.Scale.SummedScoreMultiplier))
	case k.Range != nil:
		for _, r := range k.Range.Ranges {
			if int64(r.Lower) <= sum && sum <= int64(r.Upper) {
				return summed, clamp32(float64(r.Value))
			}
		}
		return summed, clamp32(float64(k.Range.OutOfRangeValue))
	}
	return summed, clamp32(float64(sum))
}

func questionScore(kq KeyQuestion, a *Answer) int {
	if a == nil || a.FreeText != nil || a.OtherSelectionText != nil || len(a.SelectionIdentifiers) == 0 {
		return kq.DefaultScore
	}
	chosen := selectionSetKey(a.SelectionIdentifiers)
	for _, o := range kq.Options {
		if selectionSetKey(o.SelectionIdentifiers) == chosen {
			return o.Score
		}
	}
	return kq.DefaultScore
}

// clamp32 clamps v (an integer or ±Inf, never NaN) to the int32 range.
func clamp32(v float64) int {
	switch {
	case v >= math.MaxInt32:
		return math.MaxInt32
	case v <= math.MinInt32:
		return math.MinInt32
	}
	return int(v)
}
