package batchcsv

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hitd/hitd"
)

func TestParseReview(t *testing.T) {
	src := "\uFEFFReject,Other,AssignmentId , Approve\n" +
		",note,A1,x\n" +
		"x,,A2,\n" +
		"\n" +
		"\"Did not follow\nthe instructions\",,A3,\n" +
		",,A4,\n" + // no mark: no decision
		"X,,,\n" + // no assignment: skipped
		"  ,,A5,  \n" + // blanks are no mark
		"\" x \",,A6\n" + // a short row
		"yes,,A7,\n"
	got, err := ParseReview(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	want := []Decision{
		{Row: 2, AssignmentID: "A1", Approve: true},
		{Row: 3, AssignmentID: "A2"},
		{Row: 5, AssignmentID: "A3", Feedback: "Did not follow\nthe instructions"},
		{Row: 9, AssignmentID: "A6"},
		{Row: 10, AssignmentID: "A7", Feedback: "yes"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseReview =\n%+v\nwant\n%+v", got, want)
	}

	// Only one of Approve and Reject is enough.
	got, err = ParseReview(strings.NewReader("AssignmentId,Approve\nA1,x\nA2,\n"))
	if err != nil || !reflect.DeepEqual(got, []Decision{{Row: 2, AssignmentID: "A1", Approve: true}}) {
		t.Fatalf("Approve only: %+v, %v", got, err)
	}
	got, err = ParseReview(strings.NewReader("Reject,AssignmentId\nbad,A1\n"))
	if err != nil || !reflect.DeepEqual(got, []Decision{{Row: 2, AssignmentID: "A1", Feedback: "bad"}}) {
		t.Fatalf("Reject only: %+v, %v", got, err)
	}
	// Nothing marked: no decisions, no error.
	got, err = ParseReview(strings.NewReader("AssignmentId,Approve,Reject\nA1,,\n"))
	if err != nil || len(got) != 0 {
		t.Fatalf("nothing marked: %+v, %v", got, err)
	}
}

func TestParseReviewErrors(t *testing.T) {
	long := strings.Repeat("é", hitd.MaxFeedbackRunes+1)
	tests := []struct {
		name   string
		src    string
		row    int
		col    int
		column string
		want   string
	}{
		{"empty", "\n\n", 0, 0, "", "the file is empty"},
		{"UTF-16", "\xFF\xFEA\x00", 0, 0, "", "UTF-16"},
		{"no AssignmentId", "HITId,Approve,Reject\nH,x,\n", 1, 0, "", `no column named "AssignmentId"`},
		{"no Approve or Reject", "AssignmentId,HITId\nA,H\n", 1, 0, "", `no column named "Approve" or "Reject"`},
		{"neither", "HITId\nH\n", 1, 0, "", `no column named "AssignmentId" and no column named "Approve" or "Reject"`},
		{"two Approve columns", "AssignmentId,Approve,Reject,Approve\nA,x,,\n", 1, 4, "Approve", "column B has the same name"},
		{"two AssignmentId columns", "AssignmentId,Approve,AssignmentId\n", 1, 3, "AssignmentId", "column A has the same name"},
		{"both marked", "AssignmentId,Approve,Reject\nA1,x,\n\nA2,x,bad work\n", 4, 0, "", "assignment A2 is marked both to approve and to reject"},
		{"duplicate assignment", "AssignmentId,Approve,Reject\nA1,,\nA2,x,\nA1,,\n", 4, 1, "AssignmentId", "assignment A1 is also on row 2"},
		{"feedback too long", "AssignmentId,Reject\nA1," + long + "\n", 2, 2, "Reject", "at most 1024"},
		{"bad UTF-8 mark", "AssignmentId,Reject\nA1,caf\xE9\n", 2, 2, "Reject", "not valid UTF-8"},
		{"broken quote", "AssignmentId,Reject\nA1,\"open\n", 2, 0, "", "not closed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseReview(strings.NewReader(tt.src))
			if err == nil {
				t.Fatalf("ParseReview = %+v, want an error", got)
			}
			checkError(t, err, tt.row, tt.col, tt.column, tt.want)
		})
	}
}

// TestReviewRoundTrip writes a results file, edits it as a requester
// would in a spreadsheet (columns moved, a column added, one removed,
// marks made, saved with a byte order mark and CRLF line ends) and reads
// back exactly the decisions made.
func TestReviewRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteResults(&buf, sampleBatch(t)); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header := recs[0]
	col := func(name string) int {
		i := slices.Index(header, name)
		if i < 0 {
			t.Fatalf("no column %q in %v", name, header)
		}
		return i
	}
	approve, reject, id := col("Approve"), col("Reject"), col("AssignmentId")

	// Rows: 1 header, 2 = ASG1 (already approved), 3 = ASG2, 4 = the HIT
	// without an assignment, 5 = ASG3.
	recs[2][reject] = "Picked \"other\" without reading, sorry"
	recs[1][approve] = "x"
	recs[4][approve] = "X" // an assignment already rejected: the Service decides what that means
	recs[3][approve] = "x" // no assignment: ignored

	// The spreadsheet: move AssignmentId, Approve and Reject to the front
	// in another order, drop Description, add a column of notes.
	order := []int{reject, id, approve}
	for i := range header {
		if i != reject && i != id && i != approve && header[i] != "Description" {
			order = append(order, i)
		}
	}
	var out bytes.Buffer
	out.WriteString("\uFEFF")
	w := csv.NewWriter(&out)
	w.UseCRLF = true
	for r, rec := range recs {
		edited := make([]string, 0, len(order)+1)
		for _, i := range order {
			edited = append(edited, rec[i])
		}
		note := "my note"
		if r == 0 {
			note = "Notes"
		}
		edited = append(edited, note)
		if err := w.Write(edited); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()

	got, err := ParseReview(&out)
	if err != nil {
		t.Fatal(err)
	}
	want := []Decision{
		{Row: 2, AssignmentID: "3ASG1AAAAAAAAAAAAAAAAAAAAAAAAA", Approve: true},
		{Row: 3, AssignmentID: "3ASG2AAAAAAAAAAAAAAAAAAAAAAAAA", Feedback: `Picked "other" without reading, sorry`},
		{Row: 5, AssignmentID: "3ASG3AAAAAAAAAAAAAAAAAAAAAAAAA", Approve: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decisions =\n%+v\nwant\n%+v", got, want)
	}
}
