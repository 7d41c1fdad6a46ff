package main

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
)

// TestServeTLSCertFlags serves HTTPS with "hitd serve --tls-cert FILE
// --tls-key FILE" (a certificate made outside the data directory, as one
// from your own CA would be) and calls it with the AWS SDK at MTurk's
// requester host names, which the client resolves to the server as a
// hosts-file entry would: production and the sandbox answer apart.
func TestServeTLSCertFlags(t *testing.T) {
	t.Setenv("HITD_ROOT_ACCESS_KEY_ID", nodeRootKey)
	t.Setenv("HITD_ROOT_SECRET_ACCESS_KEY", nodeRootSecret)
	certDir := filepath.Join(t.TempDir(), "certs")
	if _, err := tlsInit(t, "--dir", certDir); err != nil {
		t.Fatal(err)
	}
	dataDir := t.TempDir()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--listen", addr, "--data-dir", dataDir,
			"--tls-cert", filepath.Join(certDir, "server.pem"), "--tls-key", filepath.Join(certDir, "server-key.pem")}, stdout, stderr)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()

	// A client that trusts only the CA and reaches every host at addr.
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
		TLSClientConfig: &tls.Config{RootCAs: tlsCAPool(t, certDir)},
	}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	const live, sandbox = "https://" + tlsProductionHost, "https://" + tlsSandboxHost
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := hc.Get(live + "/healthz")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && strings.HasPrefix(string(b), "ok") {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("https://%s/healthz (as %s) did not answer: %v\n%s", addr, live, err, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The listener speaks TLS only.
	if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("plain HTTP answered 200 on the TLS listener")
		}
	}

	liveC, sandboxC := sdkClient(live, hc), sdkClient(sandbox, hc)
	sctx := context.Background()
	out, err := sandboxC.CreateHIT(sctx, &mturk.CreateHITInput{Title: aws.String("TLS pilot"), Description: aws.String("d"),
		Reward: aws.String("1.00"), MaxAssignments: aws.Int32(1), LifetimeInSeconds: aws.Int64(600), AssignmentDurationInSeconds: aws.Int64(60),
		Question: aws.String(`<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd"><ExternalURL>https://study.example.org/</ExternalURL><FrameHeight>0</FrameHeight></ExternalQuestion>`)})
	if err != nil {
		t.Fatalf("CreateHIT in the sandbox over --tls-cert: %v", err)
	}
	for _, c := range []struct {
		name    string
		client  *mturk.Client
		balance string
		hits    int32
	}{
		{"production", liveC, "10000.00", 0},
		{"sandbox", sandboxC, "9998.80", 1},
	} {
		b, err := c.client.GetAccountBalance(sctx, &mturk.GetAccountBalanceInput{})
		if err != nil {
			t.Fatalf("%s: GetAccountBalance: %v", c.name, err)
		}
		l, err := c.client.ListHITs(sctx, &mturk.ListHITsInput{})
		if err != nil {
			t.Fatalf("%s: ListHITs: %v", c.name, err)
		}
		if got := aws.ToString(b.AvailableBalance); got != c.balance || aws.ToInt32(l.NumResults) != c.hits {
			t.Errorf("%s: balance %s, %d HITs; want %s, %d (sandbox HIT %s)", c.name, got, aws.ToInt32(l.NumResults), c.balance, c.hits, aws.ToString(out.HIT.HITId))
		}
	}
}

// TestServeTLSFlagErrors: the TLS flags refuse to start a server when
// they do not name one certificate and key.
func TestServeTLSFlagErrors(t *testing.T) {
	certDir := filepath.Join(t.TempDir(), "certs")
	if _, err := tlsInit(t, "--dir", certDir); err != nil {
		t.Fatal(err)
	}
	cert, key := filepath.Join(certDir, "server.pem"), filepath.Join(certDir, "server-key.pem")
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"cert without key", []string{"--tls-cert", cert}, "--tls-cert and --tls-key go together"},
		{"key without cert", []string{"--tls-key", key}, "--tls-cert and --tls-key go together"},
		{"--tls and --tls-cert", []string{"--tls", "--tls-cert", cert, "--tls-key", key}, "not both"},
		{"--tls before tls init", []string{"--tls"}, "hitd tls init"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			args := append([]string{"serve", "--listen", freeAddr(t), "--data-dir", t.TempDir()}, c.args...)
			err := run(ctx, args, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("hitd serve %s: %v, want an error with %q", strings.Join(c.args, " "), err, c.want)
			}
		})
	}
}
