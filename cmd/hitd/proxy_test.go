package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestServeTrustedProxies: hitd serve believes X-Forwarded-Host (here, a
// sandbox host name, which routes the request to the sandbox realm) and
// X-Forwarded-Proto only from --trusted-proxies (or HITD_TRUSTED_PROXIES)
// and with the configured family of headers; bad values stop it.
func TestServeTrustedProxies(t *testing.T) {
	t.Setenv("HITD_ROOT_ACCESS_KEY_ID", "HITDENVROOTKEY000009")
	t.Setenv("HITD_ROOT_SECRET_ACCESS_KEY", "env-secret")
	page := func(addr string) string {
		t.Helper()
		r, _ := http.NewRequest("GET", "http://"+addr+"/", nil)
		r.Header.Set("X-Forwarded-For", "198.51.100.7")
		r.Header.Set("X-Forwarded-Host", "workersandbox.mturk.com")
		r.Header.Set("X-Forwarded-Proto", "https")
		res, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	for _, tc := range []struct {
		name    string
		env     string
		args    []string
		sandbox bool
	}{
		{name: "no trusted proxies: headers ignored"},
		{name: "another range trusted: headers ignored", args: []string{"--trusted-proxies", "10.0.0.0/8"}},
		{name: "--trusted-proxies", args: []string{"--trusted-proxies", "10.0.0.0/8,127.0.0.1"}, sandbox: true},
		{name: "HITD_TRUSTED_PROXIES", env: "127.0.0.0/8", sandbox: true},
		{name: "trusted, but Forwarded headers configured", args: []string{"--trusted-proxies", "127.0.0.1", "--proxy-headers", "forwarded"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("HITD_TRUSTED_PROXIES", tc.env)
			_, addr, stop := startServe(t, t.TempDir(), tc.args...)
			body := page(addr)
			if err := stop(); err != nil {
				t.Error(err)
			}
			if got := strings.Contains(body, "sandbox-banner"); got != tc.sandbox {
				t.Errorf("X-Forwarded-Host of a sandbox name reached the sandbox: %v, want %v", got, tc.sandbox)
			}
		})
	}

	for _, bad := range [][]string{{"--trusted-proxies", "proxy.example.org"}, {"--trusted-proxies", "127.0.0.1", "--proxy-headers", "x-real-ip"}} {
		err := run(t.Context(), append([]string{"serve", "--listen", freeAddr(t), "--data-dir", t.TempDir()}, bad...), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "want") {
			t.Errorf("serve %v: %v", bad, err)
		}
	}
}
