// Package sqlitebench exists only to choose hitd's SQLite driver. It
// benchmarks the pure-Go modernc.org/sqlite against the cgo
// github.com/mattn/go-sqlite3 on a model of hitd's write path (durable
// BEGIN IMMEDIATE transactions on a single writer connection) and on the two
// hottest reads.
//
// It is a separate Go module so that the main module never depends on the
// driver that was rejected. Run it with:
//
//	cd internal/sqlitebench && go test -bench . -benchmem -count 5
//
// The results and the decision are recorded in docs/performance.md.
package sqlitebench

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// Driver describes how to open hitd's database with one SQLite driver. This
// package does not import the drivers: the tests import both, and each
// command under cmd/ imports one, so that its binary links only that one.
type Driver struct {
	// Name is the short name used in sub-benchmark names.
	Name string
	// SQLName is the name the driver registers with database/sql.
	SQLName string
	// dsn builds a DSN for the database file at path. busyMS is the
	// busy_timeout in milliseconds; immediate selects BEGIN IMMEDIATE.
	dsn func(path string, busyMS int, immediate bool) string
}

// Drivers lists the candidates, in the order they are reported.
var Drivers = []Driver{
	{Name: "modernc", SQLName: "sqlite", dsn: moderncDSN},
	{Name: "mattn", SQLName: "sqlite3", dsn: mattnDSN},
}

// Lookup returns the driver called name.
func Lookup(name string) (Driver, bool) {
	for _, d := range Drivers {
		if d.Name == name {
			return d, true
		}
	}
	return Driver{}, false
}

// BusyTimeoutMS is hitd's busy_timeout.
const BusyTimeoutMS = 10000

func moderncDSN(path string, busyMS int, immediate bool) string {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyMS))
	q.Add("_pragma", "foreign_keys(ON)")
	if immediate {
		q.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + q.Encode()
}

func mattnDSN(path string, busyMS int, immediate bool) string {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_busy_timeout", fmt.Sprint(busyMS))
	q.Set("_foreign_keys", "on")
	if immediate {
		q.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + q.Encode()
}

// OpenWriter opens the single writer connection: every transaction begins
// with BEGIN IMMEDIATE, so writers queue on database/sql's pool rather than
// failing with SQLITE_BUSY on lock upgrade.
func (d Driver) OpenWriter(path string) (*sql.DB, error) {
	return d.open(path, BusyTimeoutMS, true, 1)
}

// OpenReaders opens a pool of n read connections (WAL lets them run
// alongside the writer).
func (d Driver) OpenReaders(path string, n int) (*sql.DB, error) {
	return d.open(path, BusyTimeoutMS, false, n)
}

// OpenWith opens a pool of n connections with an explicit busy timeout and
// transaction lock mode; tests use it to probe locking.
func (d Driver) OpenWith(path string, busyMS int, immediate bool, n int) (*sql.DB, error) {
	return d.open(path, busyMS, immediate, n)
}

func (d Driver) open(path string, busyMS int, immediate bool, n int) (*sql.DB, error) {
	db, err := sql.Open(d.SQLName, d.dsn(path, busyMS, immediate))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxLifetime(0)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", d.Name, err)
	}
	return db, nil
}

// Probe creates hitd's schema in a new database in a temporary directory,
// runs one CreateHIT and returns the SQLite version the driver embeds.
func (d Driver) Probe() (string, error) {
	dir, err := os.MkdirTemp("", "sqlitebench")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	db, err := d.OpenWriter(filepath.Join(dir, "probe.db"))
	if err != nil {
		return "", err
	}
	defer db.Close()
	if _, err := db.Exec(Schema); err != nil {
		return "", err
	}
	if _, err := CreateHIT(context.Background(), db, NewHIT("h", "r", 0), "t"); err != nil {
		return "", err
	}
	var v string
	err = db.QueryRow(`SELECT sqlite_version()`).Scan(&v)
	return v, err
}

// Schema is a trimmed copy of hitd's tables: the columns a CreateHIT writes
// and the index the ListHITs keyset page uses.
const Schema = `
CREATE TABLE IF NOT EXISTS hits (
	seq                     INTEGER PRIMARY KEY,
	id                      TEXT    NOT NULL UNIQUE,
	requester_id            TEXT    NOT NULL,
	hit_type_id             TEXT    NOT NULL,
	title                   TEXT    NOT NULL,
	description             TEXT    NOT NULL,
	keywords                TEXT    NOT NULL,
	reward_cents            INTEGER NOT NULL,
	question                TEXT    NOT NULL,
	max_assignments         INTEGER NOT NULL,
	assignment_duration     INTEGER NOT NULL,
	auto_approval_delay     INTEGER NOT NULL,
	creation_time           INTEGER NOT NULL,
	expiration              INTEGER NOT NULL,
	annotation              TEXT,
	status                  TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS hits_requester_seq ON hits(requester_id, seq);
CREATE TABLE IF NOT EXISTS request_tokens (
	requester_id TEXT    NOT NULL,
	token        TEXT    NOT NULL,
	hit_id       TEXT    NOT NULL REFERENCES hits(id),
	created_at   INTEGER NOT NULL,
	PRIMARY KEY (requester_id, token)
);
`

// HIT is one row of the hits table.
type HIT struct {
	Seq                int64
	ID                 string
	RequesterID        string
	HITTypeID          string
	Title              string
	Description        string
	Keywords           string
	RewardCents        int64
	Question           string
	MaxAssignments     int64
	AssignmentDuration int64
	AutoApprovalDelay  int64
	CreationTime       int64
	Expiration         int64
	Annotation         sql.NullString
	Status             string
}

// Question is a ~2 KB QuestionForm document, the size of a typical HIT's
// question.
var Question = func() string {
	var b strings.Builder
	b.WriteString(`<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd">`)
	for i := 0; b.Len() < 2000; i++ {
		fmt.Fprintf(&b, `<Question><QuestionIdentifier>q%d</QuestionIdentifier><QuestionContent><Text>Is the object in the picture a cat?</Text></QuestionContent><AnswerSpecification><FreeTextAnswer/></AnswerSpecification></Question>`, i)
	}
	b.WriteString(`</QuestionForm>`)
	return b.String()
}()

// NewHIT returns a HIT for requester with the given ID, as CreateHIT would
// build it.
func NewHIT(id, requester string, now int64) HIT {
	return HIT{
		ID:                 id,
		RequesterID:        requester,
		HITTypeID:          "3HYTYPE" + requester,
		Title:              "Label the picture",
		Description:        "Say whether the picture shows a cat.",
		Keywords:           "image, label, cat",
		RewardCents:        5,
		Question:           Question,
		MaxAssignments:     3,
		AssignmentDuration: 3600,
		AutoApprovalDelay:  259200,
		CreationTime:       now,
		Expiration:         now + 86400,
		Annotation:         sql.NullString{String: "batch-42", Valid: true},
		Status:             "Assignable",
	}
}

const (
	selectToken = `SELECT hit_id FROM request_tokens WHERE requester_id = ? AND token = ?`
	insertToken = `INSERT INTO request_tokens (requester_id, token, hit_id, created_at) VALUES (?, ?, ?, ?)`
	insertHIT   = `INSERT INTO hits (id, requester_id, hit_type_id, title, description, keywords,
		reward_cents, question, max_assignments, assignment_duration, auto_approval_delay,
		creation_time, expiration, annotation, status)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	hitColumns = `seq, id, requester_id, hit_type_id, title, description, keywords,
		reward_cents, question, max_assignments, assignment_duration, auto_approval_delay,
		creation_time, expiration, annotation, status`
	selectHIT  = `SELECT ` + hitColumns + ` FROM hits WHERE id = ?`
	selectPage = `SELECT ` + hitColumns + ` FROM hits WHERE requester_id = ? AND seq > ? ORDER BY seq LIMIT ?`
)

// CreateHIT is hitd's CreateHIT transaction: look the idempotency token up,
// and if it is new insert the HIT and the token, then commit. It returns the
// ID of the HIT the token maps to (an earlier one on a retry).
//
// The HIT goes in before the token because request_tokens.hit_id references
// hits(id) and foreign_keys is ON.
func CreateHIT(ctx context.Context, db *sql.DB, h HIT, token string) (string, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()

	var existing string
	switch err := tx.QueryRowContext(ctx, selectToken, h.RequesterID, token).Scan(&existing); err {
	case nil:
		return existing, nil
	case sql.ErrNoRows:
	default:
		return "", err
	}
	if _, err := tx.ExecContext(ctx, insertHIT, h.ID, h.RequesterID, h.HITTypeID, h.Title,
		h.Description, h.Keywords, h.RewardCents, h.Question, h.MaxAssignments,
		h.AssignmentDuration, h.AutoApprovalDelay, h.CreationTime, h.Expiration,
		h.Annotation, h.Status); err != nil {
		return "", err
	}
	if _, err := tx.ExecContext(ctx, insertToken, h.RequesterID, token, h.ID, h.CreationTime); err != nil {
		return "", err
	}
	return h.ID, tx.Commit()
}

type scanner interface{ Scan(dest ...any) error }

func scanHIT(s scanner, h *HIT) error {
	return s.Scan(&h.Seq, &h.ID, &h.RequesterID, &h.HITTypeID, &h.Title, &h.Description,
		&h.Keywords, &h.RewardCents, &h.Question, &h.MaxAssignments, &h.AssignmentDuration,
		&h.AutoApprovalDelay, &h.CreationTime, &h.Expiration, &h.Annotation, &h.Status)
}

// GetHIT reads one HIT by ID.
func GetHIT(ctx context.Context, db *sql.DB, id string) (HIT, error) {
	var h HIT
	err := scanHIT(db.QueryRowContext(ctx, selectHIT, id), &h)
	return h, err
}

// ListHITs reads one keyset page: up to limit of requester's HITs with seq
// greater than after, in seq order. It appends to page and returns it.
func ListHITs(ctx context.Context, db *sql.DB, requester string, after int64, limit int, page []HIT) ([]HIT, error) {
	rows, err := db.QueryContext(ctx, selectPage, requester, after, limit)
	if err != nil {
		return page, err
	}
	defer rows.Close()
	for rows.Next() {
		var h HIT
		if err := scanHIT(rows, &h); err != nil {
			return page, err
		}
		page = append(page, h)
	}
	return page, rows.Err()
}
