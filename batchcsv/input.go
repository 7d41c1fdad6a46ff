package batchcsv

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/hitd/hitd"
)

// Default limits of ParseInput.
const (
	// DefaultMaxRows is hitd's choice of the most rows (HITs) one batch may
	// have.
	DefaultMaxRows = 100_000
	// DefaultMaxRowBytes and DefaultMaxCellBytes are the largest Question
	// hitd accepts: a row or a value larger than that can never fit in the
	// HTMLQuestion of the HIT it is for.
	DefaultMaxRowBytes  = hitd.MaxQuestionBytes
	DefaultMaxCellBytes = hitd.MaxQuestionBytes
)

// InputOptions are the limits and requirements ParseInput checks. Zero
// (or negative) limits mean the defaults.
type InputOptions struct {
	MaxRows int // rows below the header, not counting blank ones
	// MaxRowBytes bounds a row's size: its values' bytes plus one for each
	// comma between them (the length of the row written without quotes).
	// It applies to the header too.
	MaxRowBytes  int
	MaxCellBytes int // bytes of one value
	// Required are the layout's placeholder names: each must be a column.
	// Other columns are allowed. Nil means no requirement, and that every
	// column fills a placeholder (see Input.Placeholders).
	Required []string
}

func (o InputOptions) withDefaults() InputOptions {
	if o.MaxRows <= 0 {
		o.MaxRows = DefaultMaxRows
	}
	if o.MaxRowBytes <= 0 {
		o.MaxRowBytes = DefaultMaxRowBytes
	}
	if o.MaxCellBytes <= 0 {
		o.MaxCellBytes = DefaultMaxCellBytes
	}
	return o
}

// Input is a parsed input file: one HIT per row.
type Input struct {
	Columns    []string   // the header's names, trimmed, in file order
	Rows       [][]string // each has len(Columns) values, exactly as written
	RowNumbers []int      // the spreadsheet row of each of Rows, for messages
	// Placeholders are the columns Params passes to the layout:
	// InputOptions.Required (each once, in its order) or, when that was
	// nil, all of Columns.
	Placeholders []string
}

// Params returns row i's values for the layout's placeholders, in the
// order of Placeholders, ready for CreateHIT's HITLayoutParameters. Columns
// that are not placeholders are left out, because hitd (like MTurk)
// rejects a HITLayoutParameter that names no placeholder; a placeholder
// with no column (possible only if Placeholders was changed) is left out
// too, and CreateHIT will report it.
func (in *Input) Params(i int) []hitd.HITLayoutParameter {
	index := in.columnIndex()
	params := make([]hitd.HITLayoutParameter, 0, len(in.Placeholders))
	for _, name := range in.Placeholders {
		if c, ok := index[name]; ok {
			params = append(params, hitd.HITLayoutParameter{Name: name, Value: in.Rows[i][c]})
		}
	}
	return params
}

// Values returns row i as a map from column name to value: every column,
// placeholder or not, as ResultRow.Input wants it.
func (in *Input) Values(i int) map[string]string {
	m := make(map[string]string, len(in.Columns))
	for c, name := range in.Columns {
		m[name] = in.Rows[i][c]
	}
	return m
}

func (in *Input) columnIndex() map[string]int {
	index := make(map[string]int, len(in.Columns))
	for c, name := range in.Columns {
		index[name] = c
	}
	return index
}

// ParseInput reads a batch's input file. See the package documentation for
// the rules; errors are *Error, or the reader's own error if reading fails.
func ParseInput(r io.Reader, opts InputOptions) (*Input, error) {
	opts = opts.withDefaults()
	// Quoting can at most double a value and add two quotes and a comma per
	// cell; the slack covers the csv reader's read-ahead and line ends.
	budget := 3*int64(opts.MaxRowBytes) + 16<<10
	s, err := newSheet(r, budget)
	if err != nil {
		return nil, err
	}
	read := func() ([]string, int, error) {
		rec, row, err := s.next()
		if errors.Is(err, errTooLarge) {
			return nil, row, &Error{Row: row, Message: fmt.Sprintf("the row is too large: more than %d bytes of CSV text; a row may hold at most %d bytes", budget, opts.MaxRowBytes)}
		}
		return rec, row, err
	}

	var header []string
	for header == nil {
		rec, row, err := read()
		if err == io.EOF {
			return nil, &Error{Message: "the file is empty; its first row must name the columns (the layout's placeholders, such as image_url)"}
		}
		if err != nil {
			return nil, err
		}
		if blank(rec) {
			continue
		}
		if header, err = parseHeader(rec, row, opts); err != nil {
			return nil, err
		}
	}
	in := &Input{Columns: header, Placeholders: header}
	if opts.Required != nil {
		in.Placeholders = unique(opts.Required)
		if err := checkRequired(in.Columns, in.Placeholders, s.row); err != nil {
			return nil, err
		}
	}

	for {
		rec, row, err := read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if blank(rec) {
			continue
		}
		if len(in.Rows) == opts.MaxRows {
			return nil, &Error{Row: row, Message: fmt.Sprintf("the file has more than %d rows below the header; a batch may have at most %d, so split the file into several batches", opts.MaxRows, opts.MaxRows)}
		}
		if err := checkRow(rec, row, header, opts); err != nil {
			return nil, err
		}
		in.Rows = append(in.Rows, rec)
		in.RowNumbers = append(in.RowNumbers, row)
	}
	if len(in.Rows) == 0 {
		return nil, &Error{Message: "the file has no rows below the header; each row makes one HIT"}
	}
	return in, nil
}

func parseHeader(rec []string, row int, opts InputOptions) ([]string, error) {
	if n := rowBytes(rec); n > opts.MaxRowBytes {
		return nil, &Error{Row: row, Message: fmt.Sprintf("the header is %d bytes; a row may hold at most %d bytes", n, opts.MaxRowBytes)}
	}
	names := make([]string, len(rec))
	seen := make(map[string]int, len(rec))
	for i, cell := range rec {
		col := i + 1
		if problem := checkText(cell); problem != "" {
			return nil, &Error{Row: row, Col: col, Message: "the column's name " + problem}
		}
		name := strings.TrimSpace(cell)
		switch {
		case name == "":
			return nil, &Error{Row: row, Col: col, Message: "the column has no name; the first row must name every column after a placeholder of the layout (such as image_url); delete columns you do not use"}
		case strings.ContainsRune(name, '\r'):
			return nil, &Error{Row: row, Col: col, Message: "the column's name contains a carriage return: the file's lines end in a bare CR (old Mac style); save it again as CSV UTF-8"}
		case !hitd.IsLayoutPlaceholderName(name):
			return nil, &Error{Row: row, Col: col, Message: fmt.Sprintf("%s is not a placeholder name: a name is a letter followed by letters, digits and underscores (A–Z, a–z, 0–9, _), like image_url, as in ${image_url}", strconv.Quote(name))}
		}
		if first, ok := seen[name]; ok {
			return nil, &Error{Row: row, Col: col, Column: name, Message: fmt.Sprintf("column %s is also named %q; each column needs its own name", ColumnLetter(first), name)}
		}
		seen[name] = col
		names[i] = name
	}
	return names, nil
}

func checkRequired(columns, required []string, row int) error {
	have := make(map[string]bool, len(columns))
	for _, c := range columns {
		have[c] = true
	}
	var missing []string
	for _, name := range required {
		if !have[name] {
			missing = append(missing, strconv.Quote(name))
		}
	}
	switch len(missing) {
	case 0:
		return nil
	case 1:
		return &Error{Row: row, Message: fmt.Sprintf("the layout's placeholder %s has no column; the header must name a column after each placeholder", missing[0])}
	}
	return &Error{Row: row, Message: fmt.Sprintf("the layout's placeholders %s have no column; the header must name a column after each placeholder", strings.Join(missing, ", "))}
}

func checkRow(rec []string, row int, header []string, opts InputOptions) error {
	if len(rec) != len(header) {
		return &Error{Row: row, Message: fmt.Sprintf("the row has %d cells, but the header names %d columns; every row needs one cell per column (an empty cell is fine, a missing or extra one is not — check for unquoted commas)", len(rec), len(header))}
	}
	for i, v := range rec {
		if problem := checkText(v); problem != "" {
			return &Error{Row: row, Col: i + 1, Column: header[i], Message: "the value " + problem}
		}
		if len(v) > opts.MaxCellBytes {
			return &Error{Row: row, Col: i + 1, Column: header[i], Message: fmt.Sprintf("the value is %d bytes; a value may be at most %d bytes", len(v), opts.MaxCellBytes)}
		}
	}
	if n := rowBytes(rec); n > opts.MaxRowBytes {
		return &Error{Row: row, Message: fmt.Sprintf("the row is %d bytes; a row may hold at most %d bytes", n, opts.MaxRowBytes)}
	}
	return nil
}

// rowBytes is the length of a row written without quotes.
func rowBytes(rec []string) int {
	n := len(rec) - 1
	for _, v := range rec {
		n += len(v)
	}
	return n
}

// unique returns names without repeats, in order of first appearance.
func unique(names []string) []string {
	out := make([]string, 0, len(names))
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}
