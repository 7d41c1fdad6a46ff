// Package qform owns MTurk's QuestionForm on the worker side of hitd: it
// parses a QuestionForm document (both the 2017-11-06 and the older
// 2005-10-01 schema), renders it as a plain HTML form that works without
// JavaScript, validates what a worker submits against the form's
// constraints, and reads and writes the worker's answer as MTurk's
// QuestionFormAnswers XML, byte for byte in the layout MTurk returned from
// GetAssignment and ListAssignmentsForHIT. It also turns the fields of an
// HTMLQuestion or ExternalQuestion submission into the same answer format,
// and sanitizes requester-supplied FormattedContent so that it can be shown
// on the worker site's own origin.
//
// The package is a leaf: it uses only the standard library and must not
// import the hitd domain (github.com/hitd/hitd) or any of hitd's protocol
// or storage packages; the domain imports it, not the other way round.
//
// # Field names
//
// Render names each form field after its question's QuestionIdentifier, and
// Validate reads the same names:
//
//   - a free-text question submits one value under its identifier;
//   - a selection question submits the chosen SelectionIdentifiers under its
//     identifier (several values for checkboxes or a multiple <select>);
//   - when a selection question has an OtherSelection, choosing "other"
//     submits SelectionAnswer.OtherValue (normally "__other__", see
//     OtherValue) under the identifier, and the typed text is submitted
//     under the identifier followed by OtherSuffix (".other").
//
// Values are read from a map[string][]string, so url.Values from
// http.Request.PostForm can be passed directly.
package qform
