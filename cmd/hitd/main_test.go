package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for a writer goroutine and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServe runs `hitd serve` until the returned stop is called.
func startServe(t *testing.T, dataDir string, extra ...string) (stdout *syncBuffer, addr string, stop func() error) {
	t.Helper()
	addr = freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	args := append([]string{"serve", "--listen", addr, "--data-dir", dataDir}, extra...)
	go func() { done <- run(ctx, args, stdout, stderr) }()
	if !waitHealthy(t, addr, stderr) {
		cancel()
		<-done
		t.FailNow()
	}
	return stdout, addr, func() error { cancel(); return <-done }
}

// waitHealthy waits for /healthz at addr to answer 200, failing the test
// with the server's log after 10 s.
func waitHealthy(t *testing.T, addr string, stderr *syncBuffer) bool {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Errorf("server did not become healthy: %v\n%s", err, stderr.String())
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

func TestServePrintsGeneratedRootCredentialsOnce(t *testing.T) {
	t.Setenv("HITD_ROOT_ACCESS_KEY_ID", "")
	t.Setenv("HITD_ROOT_SECRET_ACCESS_KEY", "")
	dir := t.TempDir()
	out, _, stop := startServe(t, dir)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "aws_secret_access_key") || !strings.Contains(out.String(), "aws_access_key_id     = HITD") {
		t.Fatalf("first start did not print the root credentials:\n%s", out.String())
	}
	out2, _, stop := startServe(t, dir)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out2.String(), "aws_secret_access_key") {
		t.Fatalf("second start printed credentials again:\n%s", out2.String())
	}
}

func TestRootCredentialsFromEnvAndRequesterCommands(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("HITD_ROOT_ACCESS_KEY_ID", "HITDENVROOTKEY000001")
	t.Setenv("HITD_ROOT_SECRET_ACCESS_KEY", "env-secret")
	out, _, stop := startServe(t, dir)
	defer func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}()
	if strings.Contains(out.String(), "aws_secret_access_key") {
		t.Errorf("printed credentials although they came from the environment")
	}
	// Admin commands work while the server runs.
	var created, listed bytes.Buffer
	if err := run(context.Background(), []string{"requester", "create", "--name", "lab-a", "--data-dir", dir}, &created, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"RequesterId:", "AccessKeyId:     HITD", "SecretAccessKey:", "Balance:         10000.00"} {
		if !strings.Contains(created.String(), want) {
			t.Errorf("requester create output lacks %q:\n%s", want, created.String())
		}
	}
	if err := run(context.Background(), []string{"requester", "list", "--data-dir", dir}, &listed, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(listed.String(), "lab-a") || !strings.Contains(listed.String(), "HITDENVROOTKEY000001") || strings.Contains(listed.String(), "env-secret") {
		t.Errorf("requester list:\n%s", listed.String())
	}
}

func TestStartingBalanceFlag(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"requester", "create", "--name", "x", "--data-dir", dir, "--starting-balance", "25.50"}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Balance:         25.50") {
		t.Errorf("output:\n%s", out.String())
	}
	if err := run(context.Background(), []string{"requester", "create", "--name", "x", "--data-dir", dir, "--starting-balance", "lots"}, &out, &bytes.Buffer{}); err == nil {
		t.Error("bad --starting-balance accepted")
	}
}

func TestDBFlag(t *testing.T) {
	for db, want := range map[string]location{"": {path: "d/hitd.db"}, "sqlite:/x/y.db": {path: "/x/y.db"}, "sqlite:///x/y.db": {path: "/x/y.db"},
		"postgres://u:pw@h/db": {url: "postgres://u:pw@h/db"}, "postgresql://h/db?sslmode=disable": {url: "postgresql://h/db?sslmode=disable"}} {
		if got, err := parseDB("d", db); err != nil || got != want {
			t.Errorf("parseDB(%q) = %+v, %v; want %+v", db, got, err, want)
		}
	}
	if _, err := parseDB("d", "mysql://u:pw@h/db"); err == nil || strings.Contains(err.Error(), "pw") {
		t.Errorf("unknown URL: %v (must fail and not leak the password)", err)
	}
	if got := (location{url: "postgres://u:pw@h/db", schema: "sandbox"}).String(); strings.Contains(got, "pw") || !strings.Contains(got, "sandbox") {
		t.Errorf("location.String() = %q: must name the schema and hide the password", got)
	}
}

// runCmd runs an admin command and returns its standard output.
func runCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, &out, &errOut)
	return out.String(), err
}

func TestWorkerAndDepositCommands(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("HITD_ROOT_ACCESS_KEY_ID", "HITDENVROOTKEY000002")
	t.Setenv("HITD_ROOT_SECRET_ACCESS_KEY", "env-secret")
	_, addr, stop := startServe(t, dir)
	defer func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}()

	// While the server runs: create a worker, who can then log in on the site.
	out, err := runCmd(t, "worker", "create", "--username", "amara", "--password", "long-password", "--data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	id := strings.TrimSpace(out)
	if !regexp.MustCompile(`^A[0-9A-Z]{13}$`).MatchString(id) {
		t.Errorf("worker create printed %q, want a WorkerId", out)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noRedirect.PostForm("http://"+addr+"/login", url.Values{"username": {"amara"}, "password": {"long-password"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || len(res.Cookies()) == 0 {
		t.Errorf("login of the created worker: %d %v", res.StatusCode, res.Cookies())
	}

	for _, tc := range []struct {
		name string
		args []string
		want string // in the error
	}{
		{"duplicate username", []string{"worker", "create", "--username", "AMARA", "--password", "long-password"}, "taken"},
		{"short password", []string{"worker", "create", "--username", "bo-b", "--password", "short"}, "at least 8"},
		{"missing flags", []string{"worker", "create", "--username", "x"}, "required"},
		{"unknown key", []string{"requester", "deposit", "--access-key-id", "HITDNOSUCHKEY", "--amount", "1.00"}, "No requester"},
		{"bad amount", []string{"requester", "deposit", "--access-key-id", "HITDENVROOTKEY000002", "--amount", "-5"}, "invalid"},
		{"unknown worker command", []string{"worker", "delete"}, "unknown worker command"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runCmd(t, append(tc.args, "--data-dir", dir)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}

	code1, err := runCmd(t, "worker", "invite", "--data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	code2, _ := runCmd(t, "worker", "invite", "--data-dir", dir)
	if len(strings.TrimSpace(code1)) < 20 || code1 == code2 {
		t.Errorf("invite codes %q, %q", code1, code2)
	}

	list, err := runCmd(t, "worker", "list", "--data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(list, "WORKER ID") || !strings.Contains(list, id) || !strings.Contains(list, "amara") || strings.Contains(list, "long-password") {
		t.Errorf("worker list:\n%s", list)
	}

	bal, err := runCmd(t, "requester", "deposit", "--access-key-id", "HITDENVROOTKEY000002", "--amount", "100.00", "--data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(bal) != "10100.00" {
		t.Errorf("deposit printed %q, want 10100.00", bal)
	}

	t.Setenv("HITD_NOTIFY_SECRET_ACCESS_KEY", "queue-secret")
	out, err = runCmd(t, "requester", "notify-credentials", "--access-key-id", "HITDENVROOTKEY000002", "--aws-access-key-id", "AKIDQUEUE", "--data-dir", dir)
	if err != nil || !strings.Contains(out, "AKIDQUEUE") {
		t.Fatalf("notify-credentials: %q %v", out, err)
	}
	if _, err := runCmd(t, "requester", "notify-credentials", "--access-key-id", "HITDNOSUCHKEY", "--aws-access-key-id", "A", "--data-dir", dir); err == nil ||
		!strings.Contains(err.Error(), "No requester") {
		t.Errorf("unknown requester: %v", err)
	}
	dead, err := runCmd(t, "outbox", "list", "--data-dir", dir)
	if err != nil || !strings.HasPrefix(dead, "ID") {
		t.Errorf("outbox list: %q %v", dead, err)
	}
	if _, err := runCmd(t, "outbox", "list", "--status", "Lost", "--data-dir", dir); err == nil {
		t.Error("outbox list accepted a bad status")
	}
}

func TestServeWorkerSiteFlags(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("HITD_ROOT_ACCESS_KEY_ID", "HITDENVROOTKEY000003")
	t.Setenv("HITD_ROOT_SECRET_ACCESS_KEY", "env-secret")
	contentAddr := freeAddr(t)
	_, addr, stop := startServe(t, dir, "--worker-signup", "invite", "--content-listen", contentAddr)
	defer func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}()
	get := func(u string) (*http.Response, string) {
		t.Helper()
		res, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	res, body := get("http://" + addr + "/signup")
	if res.StatusCode != 200 || !strings.Contains(body, `name="invite"`) {
		t.Errorf("sign-up page under --worker-signup invite: %d", res.StatusCode)
	}
	if res, body := get("http://" + addr + "/"); res.StatusCode != 200 || !strings.Contains(body, "Available HITs") {
		t.Errorf("GET / is not the worker site: %d", res.StatusCode)
	}
	// The content origin serves requester HTML (none here) under its sandbox policy.
	res, _ = get("http://" + contentAddr + "/content/preview-NOSUCHHIT")
	if res.StatusCode != 404 || !strings.HasPrefix(res.Header.Get("Content-Security-Policy"), "sandbox ") ||
		!strings.Contains(res.Header.Get("Content-Security-Policy"), "frame-ancestors http://"+addr) {
		t.Errorf("content origin: %d %q", res.StatusCode, res.Header.Get("Content-Security-Policy"))
	}
	// …and the site no longer does.
	if res, _ := get("http://" + addr + "/content/preview-NOSUCHHIT"); res.StatusCode != 404 || strings.HasPrefix(res.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("the site serves /content/ beside a content origin")
	}
}

func TestWebOptionsFlags(t *testing.T) {
	for _, tc := range []struct {
		name                                            string
		signup, public, listen, contentListen, contentO string
		wantErr                                         string
		wantPublic, wantContent                         string
		wantSecure                                      bool
	}{
		{name: "defaults", signup: "open", listen: "127.0.0.1:8080"},
		{name: "bad signup", signup: "sometimes", listen: "127.0.0.1:8080", wantErr: "--worker-signup"},
		{name: "https public", signup: "open", public: "https://hits.example.org/", listen: ":8080", wantPublic: "https://hits.example.org", wantSecure: true},
		{name: "bad public", signup: "open", public: "hits.example.org", listen: ":8080", wantErr: "--public-url"},
		{name: "content defaults", signup: "open", listen: "127.0.0.1:8080", contentListen: "127.0.0.1:8081", wantPublic: "http://127.0.0.1:8080", wantContent: "http://127.0.0.1:8081"},
		{name: "content on all interfaces", signup: "open", listen: "127.0.0.1:8080", contentListen: ":8081", wantErr: "--content-origin"},
		{name: "site on all interfaces", signup: "open", listen: "0.0.0.0:8080", contentListen: "127.0.0.1:8081", wantErr: "--public-url"},
		{name: "explicit origins", signup: "invite", public: "https://hits.example.org", listen: ":8080", contentListen: ":8081", contentO: "https://content.example.net",
			wantPublic: "https://hits.example.org", wantContent: "https://content.example.net", wantSecure: true},
		{name: "content origin is the site", signup: "open", public: "http://127.0.0.1:8080", listen: ":8080", contentListen: ":8081", contentO: "http://127.0.0.1:8080", wantErr: "another one"},
		{name: "origin without listener", signup: "open", listen: ":8080", contentO: "https://content.example.net", wantErr: "--content-listen"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := webOptions(tc.signup, tc.public, tc.listen, tc.contentListen, tc.contentO)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("error %v, want one mentioning %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if o.PublicURL != tc.wantPublic || o.ContentOrigin != tc.wantContent || o.SecureCookies != tc.wantSecure {
				t.Errorf("got public %q content %q secure %v", o.PublicURL, o.ContentOrigin, o.SecureCookies)
			}
		})
	}
}

func TestWorkerMastersCommand(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("HITD_ROOT_ACCESS_KEY_ID", "HITDENVROOTKEY000004")
	t.Setenv("HITD_ROOT_SECRET_ACCESS_KEY", "env-secret")
	_, addr, stop := startServe(t, dir)
	defer func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}()
	out, err := runCmd(t, "worker", "create", "--username", "mira", "--password", "long-password", "--data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	id := strings.TrimSpace(out)

	// The running server sees the change at once: GET /api/worker/v1/me.
	res, err := http.Post("http://"+addr+"/api/worker/v1/login", "application/json", strings.NewReader(`{"username":"mira","password":"long-password"}`))
	if err != nil {
		t.Fatal(err)
	}
	var login struct{ Token string }
	if err := json.NewDecoder(res.Body).Decode(&login); err != nil || login.Token == "" {
		t.Fatalf("login: %v %+v", err, login)
	}
	res.Body.Close()
	masters := func() bool {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://"+addr+"/api/worker/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+login.Token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var me struct {
			WorkerID string `json:"workerId"`
			Masters  *bool  `json:"masters"`
		}
		if err := json.NewDecoder(res.Body).Decode(&me); err != nil || me.WorkerID != id || me.Masters == nil {
			t.Fatalf("GET /me: %v %+v", err, me)
		}
		return *me.Masters
	}
	if masters() {
		t.Fatal("a new worker is Masters")
	}

	out, err = runCmd(t, "worker", "masters", "--grant", id, "--data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := id + " (mira): Masters granted"; strings.TrimSpace(out) != want {
		t.Errorf("--grant printed %q, want %q", out, want)
	}
	if !masters() {
		t.Error("--grant did not grant Masters")
	}
	out, err = runCmd(t, "worker", "masters", "--revoke", id, "--data-dir", dir)
	if err != nil || strings.TrimSpace(out) != id+" (mira): Masters revoked" {
		t.Errorf("--revoke: %q %v", out, err)
	}
	if masters() {
		t.Error("--revoke did not revoke Masters")
	}

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"neither flag", []string{}, "one of --grant"},
		{"both flags", []string{"--grant", id, "--revoke", id}, "one of --grant"},
		{"unknown worker", []string{"--grant", "ANOSUCHWORKER0"}, "does not exist"},
		{"stray argument", []string{"--grant", id, "extra"}, "unexpected argument"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runCmd(t, append(append([]string{"worker", "masters"}, tc.args...), "--data-dir", dir)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func TestLayoutCommands(t *testing.T) {
	dir := t.TempDir()
	const key, secret = "HITDENVROOTKEY000005", "env-secret"
	t.Setenv("HITD_ROOT_ACCESS_KEY_ID", key)
	t.Setenv("HITD_ROOT_SECRET_ACCESS_KEY", secret)
	_, addr, stop := startServe(t, dir)
	defer func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}()
	tmpl := filepath.Join(t.TempDir(), "label.html")
	if err := os.WriteFile(tmpl, []byte("<p>Is ${image} a ${label}?</p>\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	// While the server runs: create, list and show a layout.
	out, err := runCmd(t, "layout", "create", "--requester", key, "--file", tmpl, "--name", "labels", "--data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	id := strings.TrimSpace(out)
	if !regexp.MustCompile(`^[0-9A-Z]{30}$`).MatchString(id) {
		t.Fatalf("layout create printed %q, want a HITLayoutId", out)
	}
	out, err = runCmd(t, "layout", "create", "--requester", key, "--file", tmpl, "--data-dir", dir) // default name: the file's
	if err != nil {
		t.Fatal(err)
	}
	second := strings.TrimSpace(out)
	list, err := runCmd(t, "layout", "list", "--requester", key, "--data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(list, "HIT LAYOUT ID") || !regexp.MustCompile(id+`\s+labels\s+image, label`).MatchString(list) ||
		!regexp.MustCompile(second+`\s+label\.html`).MatchString(list) {
		t.Errorf("layout list:\n%s", list)
	}
	show, err := runCmd(t, "layout", "show", id, "--data-dir", dir) // flags may follow the ID
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(show, "HITLayoutId:  "+id) || !strings.Contains(show, "Placeholders: image, label") ||
		!strings.HasSuffix(show, "\n\n<p>Is ${image} a ${label}?</p>\n") {
		t.Errorf("layout show:\n%s", show)
	}

	// The running server makes HITs from it (REST edge, HTTP Basic).
	call := func(op, body string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest("POST", "http://"+addr+"/v1/"+op, strings.NewReader(body))
		req.SetBasicAuth(key, secret)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var m map[string]any
		if err := json.NewDecoder(res.Body).Decode(&m); err != nil {
			t.Fatal(err)
		}
		return res.StatusCode, m
	}
	createHIT := `{"Title":"t","Description":"d","Reward":"0.05","AssignmentDurationInSeconds":600,"LifetimeInSeconds":3600,
		"HITLayoutId":"` + id + `","HITLayoutParameters":[{"Name":"image","Value":"<b>"},{"Name":"label","Value":"cat"}]}`
	status, m := call("create-hit", createHIT)
	hit, _ := m["HIT"].(map[string]any)
	if status != 200 || hit["HITLayoutId"] != id || !strings.Contains(hit["Question"].(string), "<p>Is &lt;b&gt; a cat?</p>") {
		t.Fatalf("create-hit with the layout: %d %v", status, m)
	}

	if out, err := runCmd(t, "layout", "delete", "--data-dir", dir, id); err != nil || !strings.Contains(out, id) {
		t.Fatalf("layout delete: %q %v", out, err)
	}
	if status, m := call("create-hit", createHIT); status != 404 || m["TurkErrorCode"] != "AWS.MechanicalTurk.HITLayoutDoesNotExist" {
		t.Errorf("create-hit with the deleted layout: %d %v", status, m)
	}
	if status, m := call("get-hit", `{"HITId":"`+hit["HITId"].(string)+`"}`); status != 200 || m["HIT"].(map[string]any)["Question"] != hit["Question"] {
		t.Errorf("get-hit after the layout was deleted: %d %v", status, m)
	}
	list, _ = runCmd(t, "layout", "list", "--requester", key, "--data-dir", dir)
	if strings.Contains(list, id) || !strings.Contains(list, second) {
		t.Errorf("layout list after delete:\n%s", list)
	}

	empty := filepath.Join(t.TempDir(), "empty.html")
	os.WriteFile(empty, nil, 0o600)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"show deleted", []string{"layout", "show", id}, "does not exist"},
		{"delete twice", []string{"layout", "delete", id}, "does not exist"},
		{"show without ID", []string{"layout", "show"}, "HITLAYOUTID argument is required"},
		{"two IDs", []string{"layout", "show", second, "extra"}, "unexpected argument"},
		{"create without file", []string{"layout", "create", "--requester", key}, "--file is required"},
		{"missing file", []string{"layout", "create", "--requester", key, "--file", filepath.Join(dir, "nope.html")}, "nope.html"},
		{"empty file", []string{"layout", "create", "--requester", key, "--file", empty}, "empty"},
		{"unknown requester", []string{"layout", "create", "--requester", "HITDNOSUCHKEY", "--file", tmpl}, "No requester"},
		{"list without requester", []string{"layout", "list"}, "--requester is required"},
		{"unknown layout command", []string{"layout", "edit"}, "unknown layout command"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runCmd(t, append(tc.args, "--data-dir", dir)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}
