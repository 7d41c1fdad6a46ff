package batchcsv

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/qform"
)

// Column names of the results file that ParseReview reads back.
const (
	ColumnAssignmentID = "AssignmentId"
	ColumnApprove      = "Approve"
	ColumnReject       = "Reject"
)

// Prefixes of the results file's per-batch columns.
const (
	InputPrefix  = "Input."
	AnswerPrefix = "Answer."
)

// hitColumns and assignmentColumns are MTurk's batch-results columns
// before the Input.* columns, in MTurk's order.
var (
	hitColumns = []string{
		"HITId", "HITTypeId", "Title", "Description", "Keywords", "Reward",
		"CreationTime", "MaxAssignments", "RequesterAnnotation",
		"AssignmentDurationInSeconds", "AutoApprovalDelayInSeconds", "Expiration",
		"NumberOfSimilarHITs", "LifetimeInSeconds",
	}
	assignmentColumns = []string{
		ColumnAssignmentID, "WorkerId", "AssignmentStatus", "AcceptTime", "SubmitTime",
		"AutoApprovalTime", "ApprovalTime", "RejectionTime", "RequesterFeedback",
		"WorkTimeInSeconds", "LifetimeApprovalRate", "Last30DaysApprovalRate",
		"Last7DaysApprovalRate",
	}
)

// TimeLayout is how the results file writes times: Java's Date.toString,
// as MTurk's download did, always in UTC.
const TimeLayout = "Mon Jan 02 15:04:05 MST 2006"

// ResultsBatch is what WriteResults writes: a batch's input columns and
// one row per assignment (or per HIT without one).
type ResultsBatch struct {
	InputColumns []string // the input file's columns, in its order
	Rows         []ResultRow
}

// ResultRow is one line of the results file.
type ResultRow struct {
	HIT     *hitd.HIT
	HITType *hitd.HITType // the HIT's current type
	// Input holds the HIT's input row by column name; a column missing
	// from it is written empty.
	Input map[string]string
	// Assignment is nil for a HIT with no assignment: its assignment and
	// answer columns are then empty. WriteResults writes whatever
	// assignment it is given; MTurk's file listed submitted, approved and
	// rejected ones.
	Assignment *hitd.Assignment
	// Answers are the assignment's answer fields. When nil, they are
	// decoded from Assignment.Answer with AnswerFields.
	Answers map[string][]string
}

// AnswerFields decodes an assignment's answer (QuestionFormAnswers XML, as
// qform.DecodeAnswers reads it) into field values: a free-text answer is
// one value (an HTMLQuestion's repeated field already holds its values
// joined by "|"), a selection answer its selection identifiers followed by
// its other-selection text, if any. An identifier that appears more than
// once collects the values of each appearance. An empty answer has no
// fields.
func AnswerFields(answerXML string) (map[string][]string, error) {
	fields := map[string][]string{}
	if answerXML == "" {
		return fields, nil
	}
	answers, err := qform.DecodeAnswers(answerXML)
	if err != nil {
		return nil, err
	}
	for _, a := range answers {
		var values []string
		switch {
		case a.FreeText != nil:
			values = []string{*a.FreeText}
		default:
			values = slices.Clone(a.SelectionIdentifiers)
			if a.OtherSelectionText != nil {
				values = append(values, *a.OtherSelectionText)
			}
		}
		fields[a.QuestionIdentifier] = append(fields[a.QuestionIdentifier], values...)
	}
	return fields, nil
}

// WriteResults writes batch as MTurk's batch-results CSV: the columns
// named in the package documentation, then Input.<column> for each input
// column in input order, Answer.<field> for each answer field of any row
// (sorted by name), and empty Approve and Reject columns. Rows are written
// in the order given.
func WriteResults(w io.Writer, batch ResultsBatch) error {
	if dup := firstRepeat(batch.InputColumns); dup != "" {
		return fmt.Errorf("batchcsv: input column %q is listed twice", dup)
	}
	answers := make([]map[string][]string, len(batch.Rows))
	fieldSet := map[string]bool{}
	for i, r := range batch.Rows {
		if r.HIT == nil || r.HITType == nil {
			return fmt.Errorf("batchcsv: results row %d has no HIT or no HIT type", i)
		}
		a := r.Answers
		if a == nil && r.Assignment != nil {
			var err error
			if a, err = AnswerFields(r.Assignment.Answer); err != nil {
				return fmt.Errorf("batchcsv: the answer of assignment %s: %w", r.Assignment.ID, err)
			}
		}
		answers[i] = a
		for name := range a {
			fieldSet[name] = true
		}
	}
	fields := make([]string, 0, len(fieldSet))
	for name := range fieldSet {
		fields = append(fields, name)
	}
	slices.Sort(fields)

	header := slices.Concat(hitColumns, assignmentColumns)
	for _, c := range batch.InputColumns {
		header = append(header, InputPrefix+c)
	}
	for _, f := range fields {
		header = append(header, AnswerPrefix+f)
	}
	header = append(header, ColumnApprove, ColumnReject)

	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	rec := make([]string, 0, len(header))
	for i, r := range batch.Rows {
		rec = appendHIT(rec[:0], r.HIT, r.HITType)
		rec = appendAssignment(rec, r.Assignment)
		for _, c := range batch.InputColumns {
			rec = append(rec, r.Input[c])
		}
		for _, f := range fields {
			rec = append(rec, strings.Join(answers[i][f], "|"))
		}
		rec = append(rec, "", "") // Approve, Reject
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func appendHIT(rec []string, h *hitd.HIT, t *hitd.HITType) []string {
	return append(rec,
		h.ID,
		t.ID,
		t.Title,
		t.Description,
		t.Keywords,
		"$"+t.Reward.String(),
		formatTime(h.CreationTime),
		strconv.Itoa(h.MaxAssignments),
		h.RequesterAnnotation,
		strconv.FormatInt(t.AssignmentDurationInSeconds, 10),
		strconv.FormatInt(t.AutoApprovalDelayInSeconds, 10),
		formatTime(h.Expiration),
		"", // NumberOfSimilarHITs: hitd keeps no such count
		strconv.FormatInt(h.LifetimeInSeconds, 10),
	)
}

func appendAssignment(rec []string, a *hitd.Assignment) []string {
	if a == nil {
		for range assignmentColumns {
			rec = append(rec, "")
		}
		return rec
	}
	workTime := ""
	if !a.SubmitTime.IsZero() && !a.AcceptTime.IsZero() {
		workTime = strconv.FormatInt(int64(a.SubmitTime.Sub(a.AcceptTime)/time.Second), 10)
	}
	return append(rec,
		a.ID,
		a.WorkerID,
		string(a.Status),
		formatTime(a.AcceptTime),
		formatTime(a.SubmitTime),
		formatTime(a.AutoApprovalTime),
		formatTime(a.ApprovalTime),
		formatTime(a.RejectionTime),
		a.RequesterFeedback,
		workTime,
		"", "", "", // approval rates: hitd keeps none
	)
}

// formatTime writes t in TimeLayout in UTC, and a zero time as "".
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(TimeLayout)
}

// firstRepeat returns the first name that appears twice, or "".
func firstRepeat(names []string) string {
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		if seen[n] {
			return n
		}
		seen[n] = true
	}
	return ""
}

// FromBatch turns a batch's results (hitd.Service.BatchResults) into what
// WriteResults writes.
func FromBatch(b *hitd.Batch, results []hitd.BatchResult) ResultsBatch {
	out := ResultsBatch{InputColumns: b.Columns, Rows: make([]ResultRow, len(results))}
	for i, r := range results {
		out.Rows[i] = ResultRow{HIT: r.HIT, HITType: r.HITType, Input: r.Row.Input(b.Columns), Assignment: r.Assignment}
	}
	return out
}

// ReviewDecisions turns a reviewed results file's decisions (ParseReview)
// into the Service's, keeping each one's row for messages.
func ReviewDecisions(ds []Decision) []hitd.ReviewDecision {
	out := make([]hitd.ReviewDecision, len(ds))
	for i, d := range ds {
		out[i] = hitd.ReviewDecision{AssignmentID: d.AssignmentID, Approve: d.Approve, Feedback: d.Feedback, Line: d.Row}
	}
	return out
}
