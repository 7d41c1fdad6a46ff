// Package batchcsv owns what a batch's CSV files look like on hitd's
// requester console, as on MTurk's requester site: the input file whose
// rows become HITs, the batch-results file a requester downloads, and that
// same file read back after the requester marked assignments to approve or
// reject. It is pure: bytes in, values out. It must not touch HTTP, SQL,
// the Service or the clock; the console reads and writes the store and
// calls these functions.
//
// # Rows and errors
//
// Errors are *Error values naming the row as a spreadsheet shows it (the
// header is row 1, and an empty line in the middle of the file is a row of
// its own) and, where there is one, the column by name and by spreadsheet
// letter: `row 17, column "image_url" (C): …`. Parsing stops at the first
// error.
//
// # The input file
//
// ParseInput reads UTF-8 CSV ("CSV UTF-8" in Excel; a leading byte order
// mark is removed). The first row names the columns; each name (surrounding
// whitespace trimmed) must be a layout placeholder name as
// hitd.IsLayoutPlaceholderName defines it, so that a column can fill
// ${name} in a HIT layout, and names must be unique. Every further row
// becomes one HIT and must have exactly one cell per column. Cell values
// are kept exactly as written (not trimmed); they must be valid UTF-8 and
// hold only characters XML can carry, because each becomes a
// HITLayoutParameter rendered into an HTMLQuestion. Rows whose cells are
// all empty or blank (what spreadsheets write for empty rows, wherever they
// are) are skipped, but still counted when numbering rows. Columns the
// layout does not use are allowed, as on MTurk: they are carried into the
// results file but not passed to the layout (see Input.Params).
//
// The size limits align with what hitd enforces when a HIT is made: a HIT
// made from a layout must render to an HTMLQuestion of at most
// hitd.MaxQuestionBytes (65,535) bytes, so no single value, and no row,
// can be larger than that and still make a HIT; the defaults of
// InputOptions are that figure. Passing these limits does not guarantee
// that a row's HIT fits (the layout's own HTML counts too, and values are
// HTML-escaped): CreateHIT makes the final check. The default of 100,000
// rows a batch is hitd's choice; MTurk documented none that we could find.
//
// # The results file
//
// WriteResults writes MTurk's batch-results format, column for column:
// the HIT's and its type's properties, the assignment's, the approval-rate
// columns, one Input.<column> per input column, one Answer.<field> per
// answer field, and the Approve and Reject columns the requester fills in.
// Where hitd keeps no equivalent the column is present but always empty:
// NumberOfSimilarHITs, LifetimeApprovalRate, Last30DaysApprovalRate and
// Last7DaysApprovalRate. Times are written the way MTurk's download wrote
// them, in Java's Date.toString form, but always in UTC ("Mon Nov 23
// 12:00:00 UTC 2026") where MTurk used the requester's time zone; a time
// that is not set is an empty cell. Rewards are written "$0.05". An answer
// field with several values (checkboxes sharing a name) is written with
// its values joined by "|", as MTurk did. Lines end in "\n" and the file
// has no byte order mark, like MTurk's.
//
// Cells are written as they are, as MTurk wrote them: a worker's answer
// that begins with "=", "+", "-" or "@" is a formula to a spreadsheet
// program that opens the file. Escaping it would change the data that
// scripts read; the console should say so where it offers the download.
//
// # The reviewed file
//
// ParseReview reads a results file back as a spreadsheet saved it: columns
// may be reordered, added or removed, as long as AssignmentId and at least
// one of Approve and Reject remain. Any mark in Approve approves; any text
// in Reject rejects, and that text is the feedback to the worker unless it
// is only a mark ("x" or "X").
package batchcsv
