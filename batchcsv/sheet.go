package batchcsv

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hitd/hitd"
)

// Error is what is wrong with a CSV file, and where.
type Error struct {
	Row     int    // the row as a spreadsheet numbers it (header = 1); 0: the whole file
	Col     int    // the column's position (A = 1); 0: the whole row
	Column  string // the column's name, when it has a usable one
	Message string
}

func (e *Error) Error() string {
	var where []string
	if e.Row > 0 {
		where = append(where, "row "+strconv.Itoa(e.Row))
	}
	switch {
	case e.Column != "" && e.Col > 0:
		where = append(where, fmt.Sprintf("column %q (%s)", e.Column, ColumnLetter(e.Col)))
	case e.Column != "":
		where = append(where, fmt.Sprintf("column %q", e.Column))
	case e.Col > 0:
		where = append(where, "column "+ColumnLetter(e.Col))
	}
	if len(where) == 0 {
		return e.Message
	}
	return strings.Join(where, ", ") + ": " + e.Message
}

// ColumnLetter is the spreadsheet name of the col-th column (1-based):
// A … Z, AA … AZ, BA, ….
func ColumnLetter(col int) string {
	if col < 1 {
		return ""
	}
	var b []byte
	for col > 0 {
		col--
		b = append(b, byte('A'+col%26))
		col /= 26
	}
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// errTooLarge is the sentinel limitReader returns when a row's CSV text
// passes its budget.
var errTooLarge = errors.New("batchcsv: row too large")

// limitReader stops a single row from reading without bound: before each
// row, the sheet allows it budget more bytes past the end of the last row.
type limitReader struct {
	r       io.Reader
	n       int64 // bytes handed out
	limit   int64 // n may not pass this; < 0: no limit
	tripped bool
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.limit >= 0 {
		if l.n >= l.limit {
			l.tripped = true
			return 0, errTooLarge
		}
		if rest := l.limit - l.n; int64(len(p)) > rest {
			p = p[:rest]
		}
	}
	k, err := l.r.Read(p)
	l.n += int64(k)
	return k, err
}

// sheet reads CSV records and numbers them the way a spreadsheet numbers
// its rows: an empty line (which encoding/csv skips) still takes a row,
// and a quoted cell spanning several lines does not add any.
type sheet struct {
	cr      *csv.Reader
	lr      *limitReader
	budget  int64 // bytes of CSV text a row may take; < 0: no limit
	row     int   // the spreadsheet row of the last record read
	endLine int   // the file line on which the last record ended
}

// newSheet prepares r for reading. It removes a UTF-8 byte order mark and
// refuses UTF-16 (what Excel's "Unicode Text" writes), whose bytes would
// otherwise read as a stream of invalid UTF-8.
func newSheet(r io.Reader, budget int64) (*sheet, error) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(3)
	switch {
	case bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")):
		br.Discard(3)
	case bytes.HasPrefix(head, []byte("\xFF\xFE")), bytes.HasPrefix(head, []byte("\xFE\xFF")):
		return nil, &Error{Message: "the file is UTF-16 text; save it as CSV in UTF-8 (in Excel: \"CSV UTF-8 (Comma delimited)\")"}
	}
	lr := &limitReader{r: br, limit: -1}
	cr := csv.NewReader(lr)
	cr.FieldsPerRecord = -1 // callers check the count and name the row
	return &sheet{cr: cr, lr: lr, budget: budget}, nil
}

// next returns the next record and its row number, or io.EOF.
func (s *sheet) next() ([]string, int, error) {
	if s.budget >= 0 {
		s.lr.limit = s.cr.InputOffset() + s.budget
	}
	rec, err := s.cr.Read()
	if s.lr.tripped {
		return nil, s.row + 1, errTooLarge
	}
	if err == io.EOF {
		return nil, 0, io.EOF
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			row := s.row + pe.StartLine - s.endLine
			return nil, row, &Error{Row: row, Message: quoteProblem(pe)}
		}
		return nil, s.row + 1, err
	}
	start, _ := s.cr.FieldPos(0)
	s.row += start - s.endLine
	last, _ := s.cr.FieldPos(len(rec) - 1)
	s.endLine = last + strings.Count(rec[len(rec)-1], "\n")
	return rec, s.row, nil
}

// quoteProblem explains a CSV syntax error in a spreadsheet user's words.
func quoteProblem(pe *csv.ParseError) string {
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return fmt.Sprintf("a cell has a quote (\") inside it but does not start with one (file line %d); put the whole cell in quotes and double the quotes inside it (\"5\"\" screen\")", pe.Line)
	case errors.Is(pe.Err, csv.ErrQuote):
		return fmt.Sprintf("a quoted cell is not closed properly (file line %d): a cell that starts with a quote must end with one, directly before the comma or the end of the line, and quotes inside it must be doubled", pe.Line)
	}
	return pe.Error()
}

// blank reports whether every cell of a record is empty or whitespace:
// what a spreadsheet writes for an empty row.
func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// checkText reports (as the end of a sentence) why a cell's value cannot
// be used: invalid UTF-8 or a character XML 1.0 does not allow. It is the
// same rule hitd applies to HITLayoutParameter values (hitd.IsXMLChar),
// worded for a spreadsheet's user.
func checkText(s string) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8 text; save the file as CSV in UTF-8 (in Excel: \"CSV UTF-8 (Comma delimited)\")"
	}
	for _, r := range s {
		if !hitd.IsXMLChar(r) {
			return fmt.Sprintf("contains the character %U, which a HIT cannot carry (XML does not allow it)", r)
		}
	}
	return ""
}
