package qform

import (
	"fmt"
	"regexp"
)

// QuestionForm schema namespaces. All elements of a QuestionForm are in one
// of them (the root element's).
const (
	Namespace     = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd"
	Namespace2005 = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionForm.xsd"
)

// OtherSuffix is appended to a QuestionIdentifier to name the text field of
// the question's OtherSelection.
const OtherSuffix = ".other"

// Form is a parsed QuestionForm.
type Form struct {
	Namespace string // the namespace of the document (Namespace or Namespace2005)
	Items     []Item // Overview or Question, in document order
}

// Item is one child of the QuestionForm: exactly one of Overview and
// Question is set.
type Item struct {
	Overview *Overview
	Question *Question
}

// Overview is instructions or information shown between questions.
type Overview struct {
	Content []Content
}

// ContentKind names an element of a QuestionContent or Overview.
type ContentKind string

// The content kinds of the QuestionForm schema.
const (
	ContentTitle          ContentKind = "Title"
	ContentText           ContentKind = "Text"
	ContentList           ContentKind = "List"
	ContentFormatted      ContentKind = "FormattedContent"
	ContentBinary         ContentKind = "Binary"
	ContentApplication    ContentKind = "Application"    // JavaApplet or Flash: parsed, never run
	ContentEmbeddedBinary ContentKind = "EmbeddedBinary" // plug-in content: parsed, shown as a link
)

// Content is one element of a QuestionContent, an Overview or a Selection.
type Content struct {
	Kind        ContentKind
	Text        string   // Title, Text; FormattedContent: the requester's XHTML, unsanitized
	ListItems   []string // List
	Binary      *Binary  // Binary, EmbeddedBinary
	Application string   // Application: "JavaApplet" or "Flash"
}

// Binary is a Binary (or EmbeddedBinary) content element.
type Binary struct {
	MimeType    string // image, audio, video (EmbeddedBinary: any)
	MimeSubType string // optional, e.g. "png"
	DataURL     string // as written; Render only links http(s) URLs
	AltText     string
}

// Question is one question of the form.
type Question struct {
	Identifier  string // QuestionIdentifier, surrounding whitespace trimmed
	DisplayName string
	IsRequired  bool
	Content     []Content // QuestionContent

	// Exactly one of the answer specifications is set.
	FreeText   *FreeTextAnswer
	Selection  *SelectionAnswer
	FileUpload *FileUploadAnswer
}

// FreeTextAnswer is a FreeTextAnswer specification (also used for an
// OtherSelection).
type FreeTextAnswer struct {
	IsNumeric               bool
	MinValue, MaxValue      *int64 // IsNumeric bounds, inclusive; nil when absent
	MinLength, MaxLength    *int   // Length bounds in characters (runes), inclusive; nil when absent
	Regexes                 []AnswerFormatRegex
	DefaultText             *string
	NumberOfLinesSuggestion int // 0 when absent
}

// AnswerFormatRegex is one AnswerFormatRegex constraint. The answer must
// contain a match of the expression somewhere (MTurk's own example of the
// constraint is regex="\S" with errorText "The content cannot be blank.",
// which only works as a search); use ^ and $ to require a whole match.
type AnswerFormatRegex struct {
	Regex     string // as written by the requester
	ErrorText string
	Flags     string
	re        *regexp.Regexp
}

// SelectionAnswer is a SelectionAnswer specification.
type SelectionAnswer struct {
	// MinSelectionCount and MaxSelectionCount default to 1, as on MTurk. A
	// question that is not required may be left unanswered (no selection at
	// all) unless its MinSelectionCount was given explicitly and is above 0.
	MinSelectionCount int
	MaxSelectionCount int
	// StyleSuggestion as written (radiobutton, checkbox, list, dropdown,
	// combobox, multichooser), or "" when absent.
	StyleSuggestion string
	Selections      []Selection
	// Other is the OtherSelection, or nil.
	Other *FreeTextAnswer
	// OtherValue is the form value that chooses the OtherSelection:
	// "__other__", with underscores appended if a SelectionIdentifier of the
	// question already uses that value.
	OtherValue string

	minGiven bool
}

// Selection is one choice of a SelectionAnswer.
type Selection struct {
	Identifier string  // SelectionIdentifier, surrounding whitespace trimmed
	Content    Content // Text, FormattedContent or Binary
}

// FileUploadAnswer is a FileUploadAnswer specification. hitd does not accept
// uploads: Render shows a note and Validate only complains if the question
// is required.
type FileUploadAnswer struct {
	MinFileSizeInBytes int64
	MaxFileSizeInBytes int64
}

// ParseError is what Parse returns for a document it does not accept.
type ParseError struct {
	Line    int    // 1-based line of the element at fault; 0 when unknown
	Element string // local name of the element at fault; "" when none
	Msg     string
}

func (e *ParseError) Error() string {
	switch {
	case e.Element != "" && e.Line > 0:
		return fmt.Sprintf("QuestionForm: <%s> (line %d): %s", e.Element, e.Line, e.Msg)
	case e.Element != "":
		return fmt.Sprintf("QuestionForm: <%s>: %s", e.Element, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("QuestionForm: line %d: %s", e.Line, e.Msg)
	}
	return "QuestionForm: " + e.Msg
}

// Questions returns the form's questions in document order.
func (f *Form) Questions() []*Question {
	var qs []*Question
	for _, it := range f.Items {
		if it.Question != nil {
			qs = append(qs, it.Question)
		}
	}
	return qs
}

// OtherFieldName is the name of the form field holding the text of the
// question's OtherSelection.
func (q *Question) OtherFieldName() string { return q.Identifier + OtherSuffix }
