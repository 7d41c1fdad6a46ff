package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/postgres"
	"github.com/hitd/hitd/sqlite"
	"github.com/jackc/pgx/v5"
)

// bench holds what every scenario shares: the configuration, the hitd
// binary and this binary (for serve-noop).
type bench struct {
	cfg  config
	log  io.Writer // progress, on stderr
	self string    // this executable, started as `serve-noop`
	work string    // parent of data directories and baseline stores

	hitdOnce sync.Once
	hitdPath string
	hitdErr  error
	buildDir string // where hitd was built, removed by cleanup
}

func newBench(cfg config, log io.Writer) (*bench, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	b := &bench{cfg: cfg, log: log, self: self, work: cfg.workDir}
	if b.work == "" {
		b.work = os.TempDir()
	}
	if err := os.MkdirAll(b.work, 0o700); err != nil {
		return nil, err
	}
	return b, nil
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.log, "hitd-bench: "+format+"\n", args...)
}

// cleanup removes what the run left: the hitd it built.
func (b *bench) cleanup() {
	if b.buildDir != "" {
		os.RemoveAll(b.buildDir)
	}
}

// hitdBinary is --hitd, or hitd beside this binary, or hitd built with go
// build into a temporary directory (from the module this is run in).
func (b *bench) hitdBinary() (string, error) {
	b.hitdOnce.Do(func() {
		if b.cfg.hitd != "" {
			b.hitdPath, b.hitdErr = filepath.Abs(b.cfg.hitd)
			return
		}
		if p := filepath.Join(filepath.Dir(b.self), "hitd"); isExecutable(p) {
			b.hitdPath = p
			return
		}
		goCmd, err := exec.LookPath("go")
		if err != nil {
			b.hitdErr = fmt.Errorf("no --hitd, no hitd beside %s, and no go command to build one: %w", b.self, err)
			return
		}
		dir, err := os.MkdirTemp("", "hitd-bench-build-")
		if err != nil {
			b.hitdErr = err
			return
		}
		b.buildDir = dir
		out := filepath.Join(dir, "hitd")
		b.logf("building hitd (go build -o %s github.com/hitd/hitd/cmd/hitd)", out)
		cmd := exec.Command(goCmd, "build", "-o", out, "github.com/hitd/hitd/cmd/hitd")
		var buf bytes.Buffer
		cmd.Stdout, cmd.Stderr = &buf, &buf
		if err := cmd.Run(); err != nil {
			b.hitdErr = fmt.Errorf("go build of hitd failed (run from hitd's source tree, or pass --hitd): %v\n%s", err, buf.String())
			return
		}
		b.hitdPath = out
	})
	return b.hitdPath, b.hitdErr
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0
}

// proc is one server process hitd-bench started: hitd or the noop server.
type proc struct {
	name    string
	cmd     *exec.Cmd
	base    string // http://127.0.0.1:PORT
	startup time.Duration
	exited  chan struct{}
	keep    bool

	mu        sync.Mutex
	tail      []string // the last log lines
	logErrors int      // level=ERROR lines
	firstErr  string
}

const tailLines = 40

func (p *proc) pid() int { return p.cmd.Process.Pid }

// logTail is the last log lines, for error messages.
func (p *proc) logTail() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.tail, "\n")
}

func (p *proc) errorLines() (int, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logErrors, p.firstErr
}

// freeAddr returns a loopback address with a port nobody listens on now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr, nil
}

// startProc starts argv listening on addr and waits until GET /healthz
// answers 200; startup is the time from just before the process is started
// to that answer.
func (b *bench) startProc(ctx context.Context, name, addr string, argv, env []string) (*proc, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout = io.Discard
	if b.cfg.keep {
		detach(cmd)
	} else {
		setParentDeathSignal(cmd)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	p := &proc{name: name, cmd: cmd, base: "http://" + addr, exited: make(chan struct{}), keep: b.cfg.keep}
	hc := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			if len(p.tail) == tailLines {
				p.tail = p.tail[1:]
			}
			p.tail = append(p.tail, line)
			if strings.Contains(line, "level=ERROR") {
				p.logErrors++
				if p.firstErr == "" {
					p.firstErr = line
				}
			}
			p.mu.Unlock()
		}
		io.Copy(io.Discard, stderr)
		cmd.Wait()
		close(p.exited)
	}()
	deadline := t0.Add(60 * time.Second)
	for {
		resp, err := hc.Get(p.base + "/healthz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				p.startup = time.Since(t0)
				break
			}
		}
		select {
		case <-p.exited:
			return nil, fmt.Errorf("%s exited before answering /healthz:\n%s", name, p.logTail())
		case <-ctx.Done():
			p.kill()
			return nil, ctx.Err()
		default:
		}
		if time.Now().After(deadline) {
			p.kill()
			return nil, fmt.Errorf("%s did not answer /healthz within 60s:\n%s", name, p.logTail())
		}
		time.Sleep(time.Millisecond)
	}
	return p, nil
}

// stop ends the process: SIGTERM, then SIGKILL after 10s. With --keep it
// leaves it running.
func (p *proc) stop() {
	if p.keep {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		p.kill()
	}
}

func (p *proc) kill() {
	select {
	case <-p.exited:
		return
	default:
	}
	p.cmd.Process.Kill()
	<-p.exited
}

// dbLoc is where a deployment's data is, for the scenarios that set up
// rows directly: a SQLite file, or a PostgreSQL URL and schema.
type dbLoc struct {
	sqlitePath string
	pgURL      string // without search_path
	pgSchema   string
}

func (l dbLoc) kind() string {
	if l.pgURL != "" {
		return "postgres"
	}
	return "sqlite"
}

func (l dbLoc) known() bool { return l.sqlitePath != "" || l.pgURL != "" }

// open opens the store (migrating it if needed). SQLite lets a second
// process write: its transactions and the server's take turns on the
// file's lock (busy_timeout).
func (l dbLoc) open(ctx context.Context) (hitd.Store, error) {
	switch {
	case l.pgURL != "":
		return postgres.Open(ctx, l.pgURL, postgres.Options{Schema: l.pgSchema, MaxConns: 8})
	case l.sqlitePath != "":
		return sqlite.Open(ctx, l.sqlitePath)
	}
	return nil, errors.New("the server's database is unknown (give --target-db)")
}

// parseTargetDB reads --target-db.
func parseTargetDB(s string) (dbLoc, error) {
	switch {
	case s == "":
		return dbLoc{}, nil
	case strings.HasPrefix(s, "sqlite:"):
		return dbLoc{sqlitePath: strings.TrimPrefix(strings.TrimPrefix(s, "sqlite:"), "//")}, nil
	case postgres.IsURL(s):
		u, err := url.Parse(s)
		if err != nil {
			return dbLoc{}, err
		}
		return dbLoc{pgURL: s, pgSchema: u.Query().Get("search_path")}, nil
	}
	return dbLoc{}, fmt.Errorf("--target-db %q: want sqlite:PATH or postgres://…", s)
}

// withSchema adds search_path=schema to a PostgreSQL URL, the form `hitd
// serve --db` takes.
func withSchema(u, schema string) string {
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + "search_path=" + schema
}

// newSchemaName is a fresh schema name for one run.
func newSchemaName() string { return "hitd_bench_" + strings.ToLower(rand.Text()[:12]) }

// dropSchemas drops schema and the schemas named after it (its _sandbox).
func dropSchemas(pgURL, schema string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT nspname FROM pg_namespace WHERE nspname = $1 OR nspname LIKE $1 || '\_%'`, schema)
	if err != nil {
		return err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, n := range names {
		if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{n}.Sanitize()+` CASCADE`); err != nil {
			return err
		}
	}
	return nil
}

// deployment is the server(s) a scenario drives: hitd processes this tool
// started, or the --target.
type deployment struct {
	b      *bench
	store  string // sqlite or postgres
	nodes  []*proc
	bases  []string
	key    string
	secret string
	db     dbLoc
	target bool
	dirs   []string
	closed bool
}

// benchRootKey is the root requester's access key id in servers hitd-bench starts.
const benchRootKey = "HITDBENCHROOT0000001"

// benchBalance is the starting balance of servers hitd-bench starts: enough
// for millions of one-cent HITs.
const benchBalance = "100000000.00"

// deploy starts hitd: one node on a fresh SQLite data directory, or nodes
// on a fresh schema of cfg.postgres. extra are more `hitd serve` flags.
func (b *bench) deploy(ctx context.Context, store string, nodes int, extra ...string) (*deployment, error) {
	bin, err := b.hitdBinary()
	if err != nil {
		return nil, err
	}
	d := &deployment{b: b, store: store, key: benchRootKey, secret: rand.Text() + rand.Text()}
	var db string
	switch store {
	case "sqlite":
		if nodes != 1 {
			return nil, errors.New("SQLite has one node")
		}
	case "postgres":
		d.db = dbLoc{pgURL: b.cfg.postgres, pgSchema: newSchemaName()}
		db = withSchema(d.db.pgURL, d.db.pgSchema)
	}
	for i := range nodes {
		dir, err := os.MkdirTemp(b.work, "hitd-bench-data-")
		if err != nil {
			d.close()
			return nil, err
		}
		d.dirs = append(d.dirs, dir)
		if store == "sqlite" {
			d.db = dbLoc{sqlitePath: filepath.Join(dir, "hitd.db")}
		}
		addr, err := freeAddr()
		if err != nil {
			d.close()
			return nil, err
		}
		argv := []string{bin, "serve", "--listen", addr, "--data-dir", dir, "--starting-balance", benchBalance}
		if db != "" {
			argv = append(argv, "--db", db)
		}
		argv = append(argv, extra...)
		argv = append(argv, b.cfg.hitdArgs...)
		p, err := b.startProc(ctx, fmt.Sprintf("hitd node %d", i+1), addr, argv,
			[]string{"HITD_ROOT_ACCESS_KEY_ID=" + d.key, "HITD_ROOT_SECRET_ACCESS_KEY=" + d.secret})
		if err != nil {
			d.close()
			return nil, err
		}
		d.nodes = append(d.nodes, p)
		d.bases = append(d.bases, p.base)
	}
	return d, nil
}

// targetDeployment is the --target server.
func (b *bench) targetDeployment() (*deployment, error) {
	db, err := parseTargetDB(b.cfg.targetDB)
	if err != nil {
		return nil, err
	}
	return &deployment{b: b, store: db.kind(), bases: []string{b.cfg.target}, key: b.cfg.keyID, secret: b.cfg.secret, db: db, target: true}, nil
}

// pids are the processes whose memory the reports show.
func (d *deployment) pids() []int {
	if d.target {
		if d.b.cfg.targetPID > 0 {
			return []int{d.b.cfg.targetPID}
		}
		return nil
	}
	var out []int
	for _, n := range d.nodes {
		out = append(out, n.pid())
	}
	return out
}

// close stops the nodes and removes their data (with --keep: prints where
// they are and leaves them).
func (d *deployment) close() {
	if d.closed || d.target {
		return
	}
	d.closed = true
	if d.b.cfg.keep && len(d.nodes) > 0 {
		for _, n := range d.nodes {
			d.b.logf("kept %s: %s pid %d, access key id %s, secret %s, data %s", n.name, n.base, n.pid(), d.key, d.secret, d.where())
		}
		return
	}
	for _, n := range d.nodes {
		n.stop()
	}
	for _, dir := range d.dirs {
		os.RemoveAll(dir)
	}
	if d.db.pgURL != "" && d.db.pgSchema != "" {
		if err := dropSchemas(d.db.pgURL, d.db.pgSchema); err != nil {
			d.b.logf("drop schema %s: %v", d.db.pgSchema, err)
		}
	}
}

func (d *deployment) where() string {
	if d.db.pgURL != "" {
		return "postgres schema " + d.db.pgSchema
	}
	return d.db.sqlitePath
}

// startNoops starts n noop servers (this binary's serve-noop mode) that
// accept the deployment's key pair.
func (b *bench) startNoops(ctx context.Context, n int, key, secret string) ([]*proc, error) {
	var ps []*proc
	for i := range n {
		addr, err := freeAddr()
		if err != nil {
			stopAll(ps)
			return nil, err
		}
		p, err := b.startProc(ctx, fmt.Sprintf("noop %d", i+1), addr,
			[]string{b.self, "serve-noop", "--listen", addr, "--access-key-id", key, "--secret-access-key", secret}, nil)
		if err != nil {
			stopAll(ps)
			return nil, err
		}
		p.keep = false // --keep is for hitd
		ps = append(ps, p)
	}
	return ps, nil
}

func stopAll(ps []*proc) {
	for _, p := range ps {
		p.stop()
	}
}

func basesOf(ps []*proc) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.base)
	}
	return out
}
