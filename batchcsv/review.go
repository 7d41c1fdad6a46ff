package batchcsv

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/hitd/hitd"
)

// Decision is one assignment a requester marked in a reviewed results
// file.
type Decision struct {
	Row          int // the spreadsheet row it was marked on
	AssignmentID string
	Approve      bool   // false: reject
	Feedback     string // the Reject cell's text, when it is more than a mark
}

// ParseReview reads a results file as a requester edited it in a
// spreadsheet and returns the decisions in file order. The header must
// have an AssignmentId column and an Approve or a Reject column (or both);
// other columns may be anywhere, or missing, and are ignored. For each row:
//
//   - no AssignmentId (a HIT nobody worked on): skipped, marks and all;
//   - anything but blanks in Approve: approve;
//   - anything but blanks in Reject: reject, with the cell's text
//     (trimmed) as the feedback to the worker, unless it is only "x" or
//     "X", a bare mark; the feedback may be at most hitd.MaxFeedbackRunes
//     characters, as RejectAssignment requires;
//   - both: an error naming the row;
//   - neither: no decision.
//
// An AssignmentId on two rows is an error, marked or not. Short rows read
// as if the missing cells were empty. Errors are *Error, or the reader's
// own error if reading fails. ParseReview sets no size limit: the caller
// bounds what it reads (http.MaxBytesReader).
func ParseReview(r io.Reader) ([]Decision, error) {
	s, err := newSheet(r, -1)
	if err != nil {
		return nil, err
	}
	var header []string
	var headerRow int
	for header == nil {
		rec, row, err := s.next()
		if err == io.EOF {
			return nil, &Error{Message: "the file is empty; upload the results file with its header row"}
		}
		if err != nil {
			return nil, err
		}
		if !blank(rec) {
			header, headerRow = rec, row
		}
	}
	idCol, approveCol, rejectCol := -1, -1, -1
	for i, cell := range header {
		var target *int
		switch strings.TrimSpace(cell) {
		case ColumnAssignmentID:
			target = &idCol
		case ColumnApprove:
			target = &approveCol
		case ColumnReject:
			target = &rejectCol
		default:
			continue
		}
		if *target >= 0 {
			return nil, &Error{Row: headerRow, Col: i + 1, Column: strings.TrimSpace(cell), Message: fmt.Sprintf("column %s has the same name; keep only one", ColumnLetter(*target+1))}
		}
		*target = i
	}
	if idCol < 0 || (approveCol < 0 && rejectCol < 0) {
		var missing []string
		if idCol < 0 {
			missing = append(missing, `"`+ColumnAssignmentID+`"`)
		}
		if approveCol < 0 && rejectCol < 0 {
			missing = append(missing, `"`+ColumnApprove+`" or "`+ColumnReject+`"`)
		}
		return nil, &Error{Row: headerRow, Message: "the header has no column named " + strings.Join(missing, " and no column named ") + "; is this the batch's results file?"}
	}

	var decisions []Decision
	seen := map[string]int{} // assignment ID → row
	for {
		rec, row, err := s.next()
		if err == io.EOF {
			return decisions, nil
		}
		if err != nil {
			return nil, err
		}
		cell := func(col int) string {
			if col < 0 || col >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[col])
		}
		id := cell(idCol)
		if id == "" {
			continue
		}
		if first, ok := seen[id]; ok {
			return nil, &Error{Row: row, Col: idCol + 1, Column: ColumnAssignmentID, Message: fmt.Sprintf("assignment %s is also on row %d; each assignment may be on one row only", id, first)}
		}
		seen[id] = row
		approve, reject := cell(approveCol), cell(rejectCol)
		for _, c := range []int{approveCol, rejectCol} {
			if c >= 0 && !utf8.ValidString(cell(c)) {
				return nil, &Error{Row: row, Col: c + 1, Column: strings.TrimSpace(header[c]), Message: "the cell is not valid UTF-8 text; save the file as CSV in UTF-8"}
			}
		}
		switch {
		case approve != "" && reject != "":
			return nil, &Error{Row: row, Message: fmt.Sprintf("assignment %s is marked both to approve and to reject; clear one of the two cells", id)}
		case approve != "":
			decisions = append(decisions, Decision{Row: row, AssignmentID: id, Approve: true})
		case reject != "":
			feedback := reject
			if feedback == "x" || feedback == "X" {
				feedback = ""
			}
			if n := utf8.RuneCountInString(feedback); n > hitd.MaxFeedbackRunes {
				return nil, &Error{Row: row, Col: rejectCol + 1, Column: ColumnReject, Message: fmt.Sprintf("the reason is %d characters; the feedback to a worker may be at most %d", n, hitd.MaxFeedbackRunes)}
			}
			decisions = append(decisions, Decision{Row: row, AssignmentID: id, Feedback: feedback})
		}
	}
}
