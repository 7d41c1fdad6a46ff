package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
)

// writeConfig writes a config file in a temporary directory.
func writeConfig(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "hitd.toml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfigPrecedence(t *testing.T) {
	path := writeConfig(t, `
listen = "127.0.0.1:9001"
data_dir = "/from/file"
max-connections = 50
rate-limit = 2.5
idle-timeout = "3m"
allow-http-external-urls = true
sandbox-hosts = ["a.example", "b.example"]
smtp-password = "file-secret"
`)
	t.Setenv("HITD_DATA_DIR", "/from/env")
	t.Setenv("HITD_MAX_CONNECTIONS", "60")
	t.Setenv("HITD_SMTP_PASSWORD", "")
	c, err := loadServeConfig([]string{"--config", path, "--max-connections", "70"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, got, want, source string
	}{
		{"listen", c.listen, "127.0.0.1:9001", "file"},
		{"data-dir", c.store.dataDir, "/from/env", "env HITD_DATA_DIR"},
		{"max-connections", strconv.Itoa(c.limits.maxConnections), "70", "flag"},
		{"rate-limit", strconv.FormatFloat(c.limits.rateLimit, 'g', -1, 64), "2.5", "file"},
		{"idle-timeout", c.limits.limits.IdleTimeout.String(), "3m0s", "file"},
		{"allow-http-external-urls", strconv.FormatBool(c.allowHTTP), "true", "file"},
		{"sandbox-hosts", c.sandboxHosts, "a.example,b.example", "file"},
		{"smtp-password", c.smtpPassword, "file-secret", "file"},
		{"log-format", c.logFormat, "text", "default"},
	} {
		if tc.got != tc.want || c.from.source[tc.name] != tc.source {
			t.Errorf("%s = %q from %q; want %q from %q", tc.name, tc.got, c.from.source[tc.name], tc.want, tc.source)
		}
	}

	// HITD_CONFIG names the file when --config does not.
	t.Setenv("HITD_CONFIG", path)
	c, err = loadServeConfig(nil, io.Discard)
	if err != nil || c.listen != "127.0.0.1:9001" || c.from.file != path {
		t.Fatalf("HITD_CONFIG: listen %q, file %q, %v", c.listen, c.from.file, err)
	}
}

func TestConfigErrorsNameTheirSource(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		env        map[string]string
		args       []string
		want       []string
	}{
		{"unknown key", "listn = \"x\"\n", nil, nil, []string{"unknown setting \"listn\"", "did you mean \"listen\""}},
		{"bad duration in file", "read-timeout = \"soon\"\n", nil, nil, []string{"hitd.toml: read-timeout = \"soon\"", "want a duration"}},
		{"bad number in file", "max-connections = \"many\"\n", nil, nil, []string{"max-connections", "want a whole number"}},
		{"a table", "[tls]\ncert = \"x\"\n", nil, nil, []string{"tls", "top-level keys"}},
		{"TOML syntax", "listen = \n", nil, nil, []string{"config file", "line 1"}},
		{"same key twice", "data-dir = \"a\"\ndata_dir = \"b\"\n", nil, nil, []string{"same setting"}},
		{"bad bool in env", "", map[string]string{"HITD_TLS": "yes"}, nil, []string{"HITD_TLS=\"yes\"", "want true or false"}},
		{"missing file", "", nil, []string{"--config", "/nonexistent/hitd.toml"}, []string{"/nonexistent/hitd.toml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if tc.file != "" {
				args = append([]string{"--config", writeConfig(t, tc.file)}, args...)
			}
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			_, err := loadServeConfig(args, io.Discard)
			for _, want := range tc.want {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("error %v; want one containing %q", err, want)
				}
			}
		})
	}
}

func TestConfigPrintMasksSecretsAndRoundTrips(t *testing.T) {
	path := writeConfig(t, `
listen = "127.0.0.1:9002"
db = "postgres://hitd:pg-password@db.example/hitd?sslmode=require"
root-access-key-id = "HITDROOTFROMFILE0001"
root-secret-access-key = "root-secret-value"
webhook-secret = "hook-secret-value"
`)
	t.Setenv("HITD_SMTP_PASSWORD", "smtp-secret-value")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"config", "print", "--config", path, "--log-format", "json"}, &out, io.Discard); err != nil {
		t.Fatalf("config print: %v\n%s", err, out.String())
	}
	text := out.String()
	for _, secret := range []string{"pg-password", "root-secret-value", "hook-secret-value", "smtp-secret-value"} {
		if strings.Contains(text, secret) {
			t.Errorf("config print shows secret %q:\n%s", secret, text)
		}
	}
	for _, want := range []string{
		`listen = "127.0.0.1:9002" # file`,
		`log-format = "json" # flag`,
		`smtp-password = "********" # env HITD_SMTP_PASSWORD`,
		`root-access-key-id = "********" # file`,
		`db = "postgres://hitd:REDACTED@db.example/hitd?sslmode=require" # file`,
		`max-connections = 10000 # default`,
		`read-timeout = "1m0s" # default`,
		`allow-http-external-urls = false # default`,
		`smtp-user = "" # default`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("config print lacks %q:\n%s", want, text)
		}
	}
	// The output is a config file: read back, it gives the same settings.
	var asMap map[string]any
	if _, err := toml.Decode(text, &asMap); err != nil {
		t.Fatalf("config print is not TOML: %v\n%s", err, text)
	}
	t.Setenv("HITD_SMTP_PASSWORD", "")
	again := writeConfig(t, text)
	c, err := loadServeConfig([]string{"--config", again}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.listen != "127.0.0.1:9002" || c.logFormat != "json" || c.limits.maxConnections != 10000 || c.limits.limits.ReadTimeout != time.Minute {
		t.Errorf("read back: listen %q, log-format %q, max-connections %d, read-timeout %v", c.listen, c.logFormat, c.limits.maxConnections, c.limits.limits.ReadTimeout)
	}
}

func TestConfigPrintRefusesWhatServeWouldRefuse(t *testing.T) {
	for _, args := range [][]string{
		{"--tls-cert", "/x.pem"},
		{"--worker-signup", "sometimes"},
		{"--read-header-timeout", "5m"},
		{"--starting-balance", "lots"},
		{"--content-origin", "https://c.example"},
	} {
		var out bytes.Buffer
		err := run(context.Background(), append([]string{"config", "print"}, args...), &out, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "would not start") {
			t.Errorf("config print %v: %v; want it refused", args, err)
		}
		if err := run(context.Background(), append([]string{"serve", "--listen", "127.0.0.1:0", "--data-dir", t.TempDir()}, args...), io.Discard, io.Discard); err == nil {
			t.Errorf("serve %v started", args)
		}
	}
	t.Setenv("HITD_ROOT_ACCESS_KEY_ID", "HITDONLYTHEKEY000001")
	t.Setenv("HITD_ROOT_SECRET_ACCESS_KEY", "")
	if err := run(context.Background(), []string{"config", "print"}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "go together") {
		t.Errorf("a root key id without its secret: %v", err)
	}
}

// Admin commands read the store settings from serve's file and skip the rest.
func TestAdminCommandsReadTheConfigFile(t *testing.T) {
	dir := t.TempDir()
	path := writeConfig(t, "data-dir = "+tomlString(dir)+"\nlisten = \"127.0.0.1:9003\"\nstarting-balance = \"42.00\"\nsmtp-password = \"x\"\n")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"requester", "create", "--name", "from-config", "--config", path}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Balance:         42.00") {
		t.Errorf("requester create:\n%s", out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "hitd.db")); err != nil {
		t.Errorf("the file's data-dir was not used: %v", err)
	}
	out.Reset()
	t.Setenv("HITD_CONFIG", path)
	if err := run(context.Background(), []string{"requester", "list"}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "from-config") {
		t.Errorf("requester list with HITD_CONFIG: %v\n%s", err, out.String())
	}
	bad := writeConfig(t, "data-dri = \"/x\"\n")
	if err := run(context.Background(), []string{"requester", "list", "--config", bad}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "did you mean \"data-dir\"") {
		t.Errorf("a misspelt key: %v", err)
	}
}

// A whole server starts from a config file alone.
func TestServeFromConfigFile(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	path := writeConfig(t, "listen = "+tomlString(addr)+"\ndata-dir = "+tomlString(dir)+"\nroot-access-key-id = \"HITDCONFIGROOT000001\"\nroot-secret-access-key = \"config-root-secret\"\n")
	t.Setenv("HITD_ROOT_ACCESS_KEY_ID", "")
	t.Setenv("HITD_ROOT_SECRET_ACCESS_KEY", "")
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve", "--config", path}, io.Discard, stderr) }()
	waitHealthy(t, addr, stderr)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"requester", "list", "--data-dir", dir}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "HITDCONFIGROOT000001") {
		t.Errorf("root requester from the file: %v\n%s", err, out.String())
	}
}

// --sigv4-regions refuses signatures scoped to other regions, through the SDK.
func TestServeSigV4Regions(t *testing.T) {
	t.Setenv("HITD_ROOT_ACCESS_KEY_ID", nodeRootKey)
	t.Setenv("HITD_ROOT_SECRET_ACCESS_KEY", nodeRootSecret)
	_, addr, stop := startServe(t, t.TempDir(), "--sigv4-regions", "us-east-1, us-west-2")
	defer stop()
	ctx := context.Background()
	for region, ok := range map[string]bool{"us-east-1": true, "us-west-2": true, "eu-west-1": false} {
		c := sdkClient("http://"+addr, http.DefaultClient)
		_, err := c.GetAccountBalance(ctx, &mturk.GetAccountBalanceInput{}, func(o *mturk.Options) { o.Region = region })
		if ok && err != nil {
			t.Errorf("region %s: %v", region, err)
		}
		if !ok && (err == nil || !strings.Contains(err.Error(), "Credential should be scoped to a valid region, not 'eu-west-1'")) {
			t.Errorf("region %s: %v; want it refused", region, err)
		}
	}
	if err := run(ctx, []string{"config", "print", "--sigv4-regions", "us-east-1,Mars"}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), `"Mars" is not a region name`) {
		t.Errorf("a malformed region: %v", err)
	}
}
