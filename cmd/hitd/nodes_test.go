package main

// Helpers for tests that run several `hitd serve` processes on one
// PostgreSQL database (multinode_test.go): the hitd binary, built once; a
// schema per test, dropped at its end; node processes whose stderr log is
// kept line by line with arrival times; SDK and worker API clients.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/hitd/hitd"
	"github.com/hitd/hitd/internal/pgtest"
	"github.com/hitd/hitd/postgres"
	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/bcrypt"
)

// Root credentials of every node the multi-node tests start.
const (
	nodeRootKey    = "HITDNODESROOT0000001"
	nodeRootSecret = "nodes-root-secret-0123456789abcdefghij"
)

// binDir holds the hitd binary built for this test run (see hitdBinary).
var binDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// hitdBinary builds this package into a temporary directory, once per test
// run, and returns the binary's path.
func hitdBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hitd-nodes-")
		if err != nil {
			buildErr = err
			return
		}
		binDir = dir
		goCmd, err := exec.LookPath("go") // go test puts GOROOT/bin first on PATH
		if err != nil {
			buildErr = err
			return
		}
		buildPath = filepath.Join(dir, "hitd")
		cmd := exec.Command(goCmd, "build", "-o", buildPath, ".")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out.String())
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildPath
}

// openPGStore opens the schema's store (migrating it) for direct setup and
// checks; it is closed when the test ends.
func openPGStore(t testing.TB, dbURL, schema string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), dbURL, postgres.Options{Schema: schema, MaxConns: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// pgConn is a direct connection working in schema, closed when the test ends.
func pgConn(t testing.TB, dbURL, schema string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), pgtest.URLWithSchema(dbURL, schema))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

type logLine struct {
	at   time.Time // when the test read it
	text string
}

// node is one `hitd serve` process.
type node struct {
	name   string
	cmd    *exec.Cmd
	addr   string // host:port
	base   string // http://host:port
	exited chan struct{}

	mu    sync.Mutex
	lines []logLine
}

// nodeLineWait is how often waitLine looks at new log lines.
const nodeLineWait = 5 * time.Millisecond

// Lines returns the log lines read so far.
func (n *node) Lines() []logLine {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]logLine(nil), n.lines...)
}

// waitLine waits up to timeout for a log line, from index from on, that
// satisfies match, and returns it with its index.
func (n *node) waitLine(from int, timeout time.Duration, match func(string) bool) (logLine, int, bool) {
	deadline := time.Now().Add(timeout)
	for {
		lines := n.Lines()
		for i := from; i < len(lines); i++ {
			if match(lines[i].text) {
				return lines[i], i, true
			}
		}
		from = max(from, len(lines))
		select {
		case <-n.exited:
			// Read what the reader appended before it saw EOF, then give up.
			lines = n.Lines()
			for i := from; i < len(lines); i++ {
				if match(lines[i].text) {
					return lines[i], i, true
				}
			}
			return logLine{}, 0, false
		default:
		}
		if time.Now().After(deadline) {
			return logLine{}, 0, false
		}
		time.Sleep(nodeLineWait)
	}
}

// kill SIGKILLs the process and waits until it is gone.
func (n *node) kill() {
	select {
	case <-n.exited:
		return
	default:
	}
	n.cmd.Process.Kill()
	<-n.exited
}

// logSummary is the node's warnings and errors and its last lines, for
// failure messages.
func (n *node) logSummary(last int) string {
	lines := n.Lines()
	var b strings.Builder
	fmt.Fprintf(&b, "---- %s (pid %d, %s): %d log lines; warnings and errors:\n", n.name, n.cmd.Process.Pid, n.addr, len(lines))
	for _, l := range lines {
		if strings.Contains(l.text, "level=WARN") || strings.Contains(l.text, "level=ERROR") {
			b.WriteString(l.text + "\n")
		}
	}
	fmt.Fprintf(&b, "---- %s: last %d lines:\n", n.name, last)
	for _, l := range lines[max(0, len(lines)-last):] {
		b.WriteString(l.text + "\n")
	}
	return b.String()
}

// errorLines returns the node's level=ERROR log lines.
func (n *node) errorLines() []string {
	var out []string
	for _, l := range n.Lines() {
		if strings.Contains(l.text, "level=ERROR") {
			out = append(out, l.text)
		}
	}
	return out
}

var listeningAddr = regexp.MustCompile(`msg="hitd listening" addr=(\S+)`)

// isLeading matches the production realm's "leading" log line (the
// sandbox realm's carries realm=sandbox).
func isLeading(line string) bool {
	return strings.Contains(line, `msg="scheduler: leading`) && !strings.Contains(line, "realm=sandbox")
}

// startNodes starts count `hitd serve` processes on the schema of dbURL,
// with extra flags, one after another: each listens before the next
// starts. They are killed when the test ends; if it failed, their logs are
// printed.
func startNodes(t testing.TB, dbURL, schema string, count int, extra ...string) []*node {
	t.Helper()
	return launchNodes(t, dbURL, schema, count, false, extra)
}

// startNodesTogether is startNodes, but launches every process at once
// and then waits for each to listen.
func startNodesTogether(t testing.TB, dbURL, schema string, count int, extra ...string) []*node {
	t.Helper()
	return launchNodes(t, dbURL, schema, count, true, extra)
}

func launchNodes(t testing.TB, dbURL, schema string, count int, together bool, extra []string) []*node {
	t.Helper()
	bin := hitdBinary(t)
	db := pgtest.URLWithSchema(dbURL, schema)
	var nodes []*node
	t.Cleanup(func() {
		for _, n := range nodes {
			n.kill()
		}
		if t.Failed() {
			for _, n := range nodes {
				t.Log("\n" + n.logSummary(8))
			}
		}
	})
	waitListening := func(n *node) {
		t.Helper()
		l, _, ok := n.waitLine(0, 30*time.Second, func(s string) bool { return listeningAddr.MatchString(s) })
		if !ok {
			t.Fatalf("%s did not start listening\n%s", n.name, n.logSummary(40))
		}
		n.addr = listeningAddr.FindStringSubmatch(l.text)[1]
		n.base = "http://" + n.addr
	}
	for i := range count {
		args := append([]string{"serve", "--db", db, "--listen", "127.0.0.1:0", "--data-dir", t.TempDir()}, extra...)
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "HITD_ROOT_ACCESS_KEY_ID="+nodeRootKey, "HITD_ROOT_SECRET_ACCESS_KEY="+nodeRootSecret)
		cmd.Stdout = io.Discard
		setParentDeathSignal(cmd)
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		n := &node{name: fmt.Sprintf("node%d", i+1), cmd: cmd, exited: make(chan struct{})}
		nodes = append(nodes, n)
		go func() {
			sc := bufio.NewScanner(stderr)
			sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
			for sc.Scan() {
				l := logLine{at: time.Now(), text: sc.Text()}
				n.mu.Lock()
				n.lines = append(n.lines, l)
				n.mu.Unlock()
			}
			io.Copy(io.Discard, stderr)
			cmd.Wait()
			close(n.exited)
		}()
		if !together {
			waitListening(n)
		}
	}
	if together {
		for _, n := range nodes {
			waitListening(n)
		}
	}
	return nodes
}

// setParentDeathSignal asks Linux to SIGKILL the node if the test process
// dies without its cleanups (a test timeout's panic), so no node outlives
// the run. SysProcAttr.Pdeathsig exists only on Linux; elsewhere this does
// nothing (and the cleanups still kill the nodes on a normal end).
func setParentDeathSignal(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	if f := reflect.ValueOf(cmd.SysProcAttr).Elem().FieldByName("Pdeathsig"); f.IsValid() && f.CanSet() {
		f.Set(reflect.ValueOf(syscall.SIGKILL).Convert(f.Type()))
	}
}

// newHTTPClient is a client for many concurrent requests to a few hosts.
func newHTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 2048
	tr.MaxIdleConnsPerHost = 1024
	return &http.Client{Transport: tr, Timeout: 2 * time.Minute}
}

// sdkClient is an MTurk client for the node at base, signed as the root
// requester, without retries.
func sdkClient(base string, hc *http.Client) *mturk.Client {
	cfg := aws.Config{
		Region: "us-east-1",
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: nodeRootKey, SecretAccessKey: nodeRootSecret}, nil
		}),
		Retryer:    func() aws.Retryer { return aws.NopRetryer{} },
		HTTPClient: hc,
	}
	return mturk.NewFromConfig(cfg, func(o *mturk.Options) { o.BaseEndpoint = aws.String(base) })
}

// testWorker is a worker account with an open session.
type testWorker struct {
	ID, Username, Token string
}

// makeWorkers creates count workers named prefix0000… with password, each
// with a session, directly in the store: one bcrypt hash (MinCost) for
// all and one transaction, instead of count slow logins.
func makeWorkers(t testing.TB, store hitd.Store, prefix string, count int, password string) []testWorker {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	ws := make([]testWorker, count)
	rows := make([]*hitd.Worker, count)
	sessions := make([]*hitd.Session, count)
	for i := range ws {
		ws[i] = testWorker{ID: hitd.IDSource{}.WorkerID(), Username: fmt.Sprintf("%s%04d", prefix, i), Token: rand.Text() + rand.Text()}
		rows[i] = &hitd.Worker{ID: ws[i].ID, Username: ws[i].Username, PasswordHash: hash, CreationTime: now}
		h := hashToken(ws[i].Token)
		sessions[i] = &hitd.Session{TokenHash: h, WorkerID: ws[i].ID, CreationTime: now, Expiration: now.Add(hitd.SessionLifetime)}
	}
	err = store.Write(context.Background(), func(tx hitd.Tx) error {
		for i := range rows {
			if err := tx.InsertWorker(context.Background(), rows[i]); err != nil {
				return err
			}
			if err := tx.InsertSession(context.Background(), sessions[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("create %d workers: %v", count, err)
	}
	return ws
}

// hashToken is how the Service stores a session token: its SHA-256.
func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// apiResult is one worker API answer.
type apiResult struct {
	status int
	code   string         // error.code of an error answer
	body   map[string]any // the decoded JSON answer
	err    error          // transport error
}

func (r apiResult) String() string {
	if r.err != nil {
		return "transport error: " + r.err.Error()
	}
	b, _ := json.Marshal(r.body)
	return fmt.Sprintf("%d %s", r.status, b)
}

// workerAPI calls the worker API at base (method, path under
// /api/worker/v1) with a bearer token ("" for none) and a JSON body (nil
// for none).
func workerAPI(hc *http.Client, base, method, path, token string, body any) apiResult {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return apiResult{err: err}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+"/api/worker/v1"+path, rd)
	if err != nil {
		return apiResult{err: err}
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return apiResult{err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	res := apiResult{status: resp.StatusCode, err: err}
	if len(data) > 0 {
		if err := json.Unmarshal(data, &res.body); err != nil {
			res.body = map[string]any{"raw": string(data)}
		}
	}
	if e, ok := res.body["error"].(map[string]any); ok {
		res.code, _ = e["code"].(string)
	}
	return res
}

// str is a string member of a worker API answer.
func (r apiResult) str(key string) string {
	s, _ := r.body[key].(string)
	return s
}
