package qform

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// AnswersNamespace is the namespace of QuestionFormAnswers, the only one
// MTurk ever used for it (also for 2017-11-06 QuestionForms).
const AnswersNamespace = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd"

// Answer is a worker's answer to one question.
type Answer struct {
	QuestionIdentifier   string
	FreeText             *string // nil when not a free-text answer
	SelectionIdentifiers []string
	OtherSelectionText   *string
}

// Field is one named field of an HTMLQuestion or ExternalQuestion
// submission, with all the values submitted under its name.
type Field struct {
	Name   string
	Values []string
}

// FreeTextAnswers turns the fields of an HTMLQuestion or ExternalQuestion
// submission into answers, the way MTurk did: one FreeText answer per field
// name, in order of the name's first appearance, with the values of a name
// that was submitted more than once (several checkboxes sharing a name, a
// <select multiple>) joined by "|" in submission order. Fields with an empty
// name are skipped (browsers never submit them); excluding assignmentId is
// the caller's job.
//
// Evidence for "|": no Amazon document describes repeated names. A
// requester reports in cloudyr/MTurkR issue #63 ("Answer results are lost
// for multiple Selections in SelectionAnswers", 2015-01-02) that "mTurk will
// return the results deliminted by: |. For example: A|B|C", and the
// requester website's batch-results CSV used the same "|" joining for
// same-named checkboxes. One answer per name is in any case the form every
// parser of MTurk answers expects (psiTurk-era scripts build a dict keyed
// by QuestionIdentifier from xmltodict output, where a repeated
// QuestionIdentifier would silently lose values), so joined values are the
// most compatible choice.
func FreeTextAnswers(fields []Field) []Answer {
	index := map[string]int{}
	var values [][]string
	var out []Answer
	for _, f := range fields {
		if f.Name == "" {
			continue
		}
		i, ok := index[f.Name]
		if !ok {
			i = len(out)
			index[f.Name] = i
			out = append(out, Answer{QuestionIdentifier: f.Name})
			values = append(values, nil)
		}
		values[i] = append(values[i], f.Values...)
	}
	for i := range out {
		s := strings.Join(values[i], "|")
		out[i].FreeText = &s
	}
	return out
}

// EncodeAnswers renders answers as MTurk's QuestionFormAnswers XML, in the
// exact layout of the Answer strings MTurk's API returned (for instance to
// boto3), e.g.
//
//	<?xml version="1.0" encoding="ASCII"?><QuestionFormAnswers xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd"><Answer><QuestionIdentifier>plausibility</QuestionIdentifier><FreeText>4</FreeText></Answer></QuestionFormAnswers>
//
// (copied from an Answer returned by list_assignments_for_hit, quoted in a
// public boto3 script): an ASCII XML declaration, no whitespace between
// elements, no trailing newline. Because the declaration says ASCII, every
// character above U+007E is written as a decimal character reference
// (&#233;); &, < and > are written as &amp; &lt; &gt;, and a carriage return
// as &#13; so that it survives XML line-end normalization. Characters XML
// 1.0 cannot carry (control characters other than tab, newline and carriage
// return, U+FFFE, U+FFFF, invalid UTF-8) become U+FFFD.
//
// An answer with a non-nil FreeText is written as a FreeText answer (its
// SelectionIdentifiers and OtherSelectionText are then ignored); any other
// answer is written as a selection answer, with one SelectionIdentifier per
// selection (possibly none, as MTurk did for an unanswered selection) and an
// OtherSelectionText when that is non-nil.
func EncodeAnswers(answers []Answer) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="ASCII"?><QuestionFormAnswers xmlns="` + AnswersNamespace + `">`)
	for _, a := range answers {
		b.WriteString("<Answer>")
		element(&b, "QuestionIdentifier", a.QuestionIdentifier)
		if a.FreeText != nil {
			element(&b, "FreeText", *a.FreeText)
		} else {
			for _, s := range a.SelectionIdentifiers {
				element(&b, "SelectionIdentifier", s)
			}
			if a.OtherSelectionText != nil {
				element(&b, "OtherSelectionText", *a.OtherSelectionText)
			}
		}
		b.WriteString("</Answer>")
	}
	b.WriteString("</QuestionFormAnswers>")
	return b.String()
}

func element(b *strings.Builder, name, text string) {
	b.WriteString("<" + name + ">")
	writeASCIIText(b, text)
	b.WriteString("</" + name + ">")
}

// writeASCIIText writes s as XML character data using ASCII only.
func writeASCIIText(b *strings.Builder, s string) {
	for _, r := range s { // invalid UTF-8 yields utf8.RuneError, i.e. U+FFFD
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '\t' || r == '\n':
			b.WriteRune(r)
		case r == '\r':
			b.WriteString("&#13;")
		case r < 0x20 || r == 0xFFFE || r == 0xFFFF:
			b.WriteString("&#65533;")
		case r < 0x7F:
			b.WriteRune(r)
		default:
			b.WriteString("&#" + strconv.Itoa(int(r)) + ";")
		}
	}
}

// DecodeAnswers parses QuestionFormAnswers XML, as written by EncodeAnswers
// or returned by MTurk. It accepts the QuestionFormAnswers namespace or
// none, any whitespace between elements, and an ASCII or UTF-8 declaration.
// Text is kept exactly as written (only XML's own line-end normalization
// applies). An Answer with neither FreeText nor selections comes back as a
// selection answer with no selections. File-upload answers
// (UploadedFileKey) are rejected: hitd never produces them.
func DecodeAnswers(answerXML string) ([]Answer, error) {
	if !utf8.ValidString(answerXML) {
		return nil, fmt.Errorf("QuestionFormAnswers: not valid UTF-8")
	}
	root, err := parseTree(strings.TrimLeft(strings.TrimPrefix(answerXML, "\uFEFF"), " \t\r\n"))
	if err != nil {
		return nil, answersError(err)
	}
	if root.name.Local != "QuestionFormAnswers" || (root.name.Space != AnswersNamespace && root.name.Space != "") {
		return nil, fmt.Errorf("QuestionFormAnswers: the root element is <%s> in %s; expected <QuestionFormAnswers> in namespace %q", root.name.Local, describeNS(root.name.Space), AnswersNamespace)
	}
	if err := checkNamespaces(root, root.name.Space); err != nil {
		return nil, answersError(err)
	}
	if err := onlyElements(root); err != nil {
		return nil, answersError(err)
	}
	var out []Answer
	for _, an := range root.children {
		if an.name.Local != "Answer" {
			return nil, answersError(unexpected(an, root, "<Answer>"))
		}
		a, err := decodeAnswer(an)
		if err != nil {
			return nil, answersError(err)
		}
		out = append(out, a)
	}
	return out, nil
}

func answersError(err error) error {
	if pe, ok := err.(*ParseError); ok {
		msg := strings.TrimPrefix(pe.Error(), "QuestionForm: ")
		return fmt.Errorf("QuestionFormAnswers: %s", msg)
	}
	return err
}

func decodeAnswer(n *node) (Answer, error) {
	by, err := children(n, []string{"QuestionIdentifier", "FreeText", "SelectionIdentifier", "OtherSelectionText", "UploadedFileSizeInBytes", "UploadedFileKey"},
		map[string]bool{"QuestionIdentifier": true, "FreeText": true, "OtherSelectionText": true})
	if err != nil {
		return Answer{}, err
	}
	var a Answer
	idn, err := required(n, by, "QuestionIdentifier")
	if err != nil {
		return Answer{}, err
	}
	if a.QuestionIdentifier, err = textOf(idn); err != nil {
		return Answer{}, err
	}
	if up := append(by["UploadedFileKey"], by["UploadedFileSizeInBytes"]...); len(up) > 0 {
		return Answer{}, up[0].errorf("file-upload answers are not supported")
	}
	if ft := by["FreeText"]; len(ft) > 0 {
		if len(by["SelectionIdentifier"])+len(by["OtherSelectionText"]) > 0 {
			return Answer{}, n.errorf("has both <FreeText> and selections; an answer has one or the other")
		}
		s, err := textOf(ft[0])
		if err != nil {
			return Answer{}, err
		}
		a.FreeText = &s
		return a, nil
	}
	for _, sn := range by["SelectionIdentifier"] {
		s, err := textOf(sn)
		if err != nil {
			return Answer{}, err
		}
		a.SelectionIdentifiers = append(a.SelectionIdentifiers, s)
	}
	if ot := by["OtherSelectionText"]; len(ot) > 0 {
		s, err := textOf(ot[0])
		if err != nil {
			return Answer{}, err
		}
		a.OtherSelectionText = &s
	}
	return a, nil
}
