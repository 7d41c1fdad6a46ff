package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// "hitd tls init" makes a local certificate authority and a server
// certificate for the host names that tools such as psiTurk hard-code
// (https://mturk-requester.us-east-1.amazonaws.com and the sandbox's).
// Users map those names to hitd in their hosts file and trust the CA with
// AWS_CA_BUNDLE; "hitd serve --tls" serves the certificate.

const tlsUsage = "usage: hitd tls init [--dir DIR] [--data-dir DIR] [--name HOST]... [--force]"

// The files "hitd tls init" writes in its directory.
const (
	tlsCAFile        = "ca.pem"
	tlsCAKeyFile     = "ca-key.pem"
	tlsServerFile    = "server.pem"
	tlsServerKeyFile = "server-key.pem"
)

// The host names every server certificate holds: the MTurk Requester API's
// production and sandbox endpoints, and localhost.
const (
	tlsProductionHost = "mturk-requester.us-east-1.amazonaws.com"
	tlsSandboxHost    = "mturk-requester-sandbox.us-east-1.amazonaws.com"
)

const (
	tlsCAValidity     = 10 * 365 * 24 * time.Hour
	tlsServerValidity = 825 * 24 * time.Hour // the most Apple's clients accept
	tlsBackdate       = time.Hour            // NotBefore, against clock skew
)

// tlsPaths is where "hitd tls init" puts the server certificate and key by
// default.
func tlsPaths(dataDir string) (certFile, keyFile string) {
	dir := filepath.Join(dataDir, "tls")
	return filepath.Join(dir, tlsServerFile), filepath.Join(dir, tlsServerKeyFile)
}

// tlsNameFlag is the repeatable --name flag.
type tlsNameFlag []string

func (n *tlsNameFlag) String() string     { return strings.Join(*n, ",") }
func (n *tlsNameFlag) Set(v string) error { *n = append(*n, v); return nil }

// tlsCommand runs "hitd tls ARGS".
func tlsCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(tlsUsage)
	}
	if args[0] != "init" {
		return fmt.Errorf("unknown tls command %q (want init)", args[0])
	}
	fset := flag.NewFlagSet("tls init", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() {
		fmt.Fprintf(fset.Output(), `Usage: hitd tls init [--dir DIR] [--data-dir DIR] [--name HOST]... [--force]

Makes a local certificate authority (ca.pem, ca-key.pem) and a server
certificate (server.pem, server-key.pem) for %s,
%s, localhost, 127.0.0.1 and ::1.
An existing CA is reused unless --force is given, so clients that trust it
need not trust a new one when names are added.

`, tlsProductionHost, tlsSandboxHost)
		fset.PrintDefaults()
	}
	registerConfigFlag(fset)
	dataDir := fset.String("data-dir", "./hitd-data", "data directory")
	documentEnv(fset, []string{"data-dir"})
	dir := fset.String("dir", "", "directory for the certificates (default DATA-DIR/tls)")
	var extra tlsNameFlag
	fset.Var(&extra, "name", "another host name or IP address for the server certificate (repeatable)")
	force := fset.Bool("force", false, "make a new CA even if one exists (clients must then trust the new one)")
	if err := fset.Parse(args[1:]); err != nil {
		return err
	}
	if _, err := resolveSettings(fset, []string{"data-dir"}, nil, allSettingNames()); err != nil {
		return err
	}
	if fset.NArg() > 0 {
		return fmt.Errorf("tls init: unexpected argument %q", fset.Arg(0))
	}
	dnsNames, ips, err := tlsServerNames(extra)
	if err != nil {
		return fmt.Errorf("tls init: %w", err)
	}
	if *dir == "" {
		*dir = filepath.Join(*dataDir, "tls")
	}
	absDir, err := filepath.Abs(*dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(absDir, 0o700); err != nil {
		return err
	}
	path := func(name string) string { return filepath.Join(absDir, name) }

	var ca *tlsCA
	caNew := *force
	if !caNew {
		ca, err = loadTLSCA(path(tlsCAFile), path(tlsCAKeyFile))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			caNew = true
		case err != nil:
			return fmt.Errorf("tls init: %w", err)
		}
	}
	if caNew {
		if ca, err = newTLSCA(time.Now()); err != nil {
			return err
		}
	}
	certDER, key, err := ca.issueServer(dnsNames, ips, time.Now())
	if err != nil {
		return err
	}
	serverKeyPEM, err := tlsKeyPEM(key)
	if err != nil {
		return err
	}

	// Keys go before their certificates: a crash in between leaves a pair
	// that does not match, which the next run reports (or, for the server
	// pair, which a running server ignores), never a truncated file.
	if caNew {
		caKeyPEM, err := tlsKeyPEM(ca.key)
		if err != nil {
			return err
		}
		if err := writeFileAtomic(path(tlsCAKeyFile), caKeyPEM, 0o600); err != nil {
			return err
		}
		if err := writeFileAtomic(path(tlsCAFile), tlsCertPEM(ca.cert.Raw), 0o644); err != nil {
			return err
		}
	}
	if err := writeFileAtomic(path(tlsServerKeyFile), serverKeyPEM, 0o600); err != nil {
		return err
	}
	if err := writeFileAtomic(path(tlsServerFile), tlsCertPEM(certDER), 0o644); err != nil {
		return err
	}

	caState := "new"
	if !caNew {
		caState = "reused; clients that already trust it need nothing new"
	}
	names := append([]string(nil), dnsNames...)
	for _, ip := range ips {
		names = append(names, ip.String())
	}
	leaf, err := x509.ParseCertificate(certDER)
	if err != nil {
		return err
	}
	caFile := path(tlsCAFile)
	fmt.Fprintf(stdout, `CA:          %s (%s)
CA key:      %s
CA SHA-256:  %s
server cert: %s (valid until %s)
server key:  %s
names:       %s

next:
  1. map the names to this server, e.g. in /etc/hosts:  127.0.0.1 %s %s
  2. trust the CA in AWS SDKs:  export AWS_CA_BUNDLE=%s   (Node.js: NODE_EXTRA_CA_CERTS=%s)
  then: hitd serve --tls --listen 127.0.0.1:443
`, caFile, caState, path(tlsCAKeyFile), tlsFingerprint(ca.cert.Raw),
		path(tlsServerFile), leaf.NotAfter.UTC().Format(time.DateOnly), path(tlsServerKeyFile),
		strings.Join(names, " "), tlsProductionHost, tlsSandboxHost, caFile, caFile)
	return nil
}

// tlsServerNames is the server certificate's DNS names and IP addresses:
// the defaults and then extra, deduplicated, DNS names lower-cased.
func tlsServerNames(extra []string) ([]string, []net.IP, error) {
	var dnsNames []string
	var ips []net.IP
	seen := map[string]bool{}
	add := func(name string) error {
		if ip := net.ParseIP(name); ip != nil {
			if !seen[ip.String()] {
				seen[ip.String()] = true
				ips = append(ips, ip)
			}
			return nil
		}
		host, err := tlsCheckHostName(name)
		if err != nil {
			return err
		}
		if !seen[host] {
			seen[host] = true
			dnsNames = append(dnsNames, host)
		}
		return nil
	}
	for _, name := range []string{tlsProductionHost, tlsSandboxHost, "localhost", "127.0.0.1", "::1"} {
		if err := add(name); err != nil {
			return nil, nil, err
		}
	}
	for _, name := range extra {
		if err := add(name); err != nil {
			return nil, nil, fmt.Errorf("--name %q: %w", name, err)
		}
	}
	return dnsNames, ips, nil
}

// tlsCheckHostName checks a DNS name for a certificate and returns it
// lower-cased, without a trailing dot. A leading "*." label is allowed.
func tlsCheckHostName(name string) (string, error) {
	switch {
	case name == "":
		return "", errors.New("empty host name")
	case strings.Contains(name, "://"):
		return "", errors.New("give a host name, not a URL (drop the scheme, e.g. https://)")
	case strings.ContainsAny(name, "/?#"):
		return "", errors.New("give a host name, not a URL (drop the path)")
	case strings.ContainsAny(name, " \t\r\n"):
		return "", errors.New("a host name has no spaces")
	case strings.Contains(name, ","):
		return "", errors.New("give one name per --name")
	case strings.HasPrefix(name, "["):
		return "", errors.New("give an IPv6 address without brackets or port")
	}
	if _, port, err := net.SplitHostPort(name); err == nil {
		return "", fmt.Errorf("certificates name hosts, not ports (drop %q)", ":"+port)
	}
	host := strings.ToLower(strings.TrimSuffix(name, "."))
	if len(host) > 253 {
		return "", errors.New("host name longer than 253 characters")
	}
	labels := strings.Split(host, ".")
	for i, l := range labels {
		if i == 0 && l == "*" && len(labels) > 2 {
			continue
		}
		if l == "" || len(l) > 63 {
			return "", errors.New("not a valid host name (empty or over-long label)")
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return "", errors.New("not a valid host name (a label starts or ends with '-')")
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return "", fmt.Errorf("not a valid host name (character %q)", c)
			}
		}
	}
	if last := labels[len(labels)-1]; strings.Trim(last, "0123456789") == "" {
		return "", errors.New("not a valid IP address or host name")
	}
	return host, nil
}

// tlsCA is a certificate authority: its certificate and key.
type tlsCA struct {
	cert *x509.Certificate
	key  crypto.Signer
}

func newTLSCA(now time.Time) (*tlsCA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := tlsSerial()
	if err != nil {
		return nil, err
	}
	id := make([]byte, 4)
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "hitd local CA " + hex.EncodeToString(id), Organization: []string{"hitd"}},
		NotBefore:             now.Add(-tlsBackdate),
		NotAfter:              now.Add(tlsCAValidity),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &tlsCA{cert: cert, key: key}, nil
}

// loadTLSCA reads a CA written by "hitd tls init". The error wraps
// fs.ErrNotExist only when both files are missing.
func loadTLSCA(certFile, keyFile string) (*tlsCA, error) {
	certPEM, certErr := os.ReadFile(certFile)
	keyPEM, keyErr := os.ReadFile(keyFile)
	certMissing, keyMissing := errors.Is(certErr, fs.ErrNotExist), errors.Is(keyErr, fs.ErrNotExist)
	switch {
	case certMissing && keyMissing:
		return nil, certErr
	case certMissing:
		return nil, fmt.Errorf("found the CA key %s but not its certificate %s; pass --force to make a new CA (clients must then trust the new ca.pem)", keyFile, certFile)
	case keyMissing:
		return nil, fmt.Errorf("found the CA certificate %s but not its key %s; pass --force to make a new CA (clients must then trust the new ca.pem)", certFile, keyFile)
	case certErr != nil:
		return nil, certErr
	case keyErr != nil:
		return nil, keyErr
	}
	bad := func(format string, a ...any) error {
		return fmt.Errorf(format+"; pass --force to make a new CA (clients must then trust the new ca.pem)", a...)
	}
	block, _ := pem.Decode(certPEM)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, bad("%s holds no PEM certificate", certFile)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, bad("%s: %v", certFile, err)
	}
	if !cert.IsCA || cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		return nil, bad("%s is not a CA certificate", certFile)
	}
	if now := time.Now(); now.After(cert.NotAfter) {
		return nil, bad("the CA certificate %s expired on %s", certFile, cert.NotAfter.UTC().Format(time.DateOnly))
	}
	block, _ = pem.Decode(keyPEM)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, bad("%s holds no PEM \"PRIVATE KEY\"", keyFile)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, bad("%s: %v", keyFile, err)
	}
	key, ok := k.(crypto.Signer)
	if !ok {
		return nil, bad("%s: unsupported key type %T", keyFile, k)
	}
	if pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(cert.PublicKey) {
		return nil, bad("the CA key %s does not match the certificate %s", keyFile, certFile)
	}
	return &tlsCA{cert: cert, key: key}, nil
}

// issueServer makes a server certificate for the names, signed by the CA,
// and its new key.
func (ca *tlsCA) issueServer(dnsNames []string, ips []net.IP, now time.Time) ([]byte, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := tlsSerial()
	if err != nil {
		return nil, nil, err
	}
	notAfter := now.Add(tlsServerValidity)
	if notAfter.After(ca.cert.NotAfter) {
		notAfter = ca.cert.NotAfter
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: dnsNames[0], Organization: []string{"hitd"}},
		NotBefore:             now.Add(-tlsBackdate),
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              dnsNames,
		IPAddresses:           ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		return nil, nil, err
	}
	return der, key, nil
}

func tlsSerial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
}

func tlsCertPEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func tlsKeyPEM(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// tlsFingerprint is a certificate's SHA-256 fingerprint as OpenSSL prints
// it: upper-case hex pairs joined by colons.
func tlsFingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	var b strings.Builder
	for i, c := range sum {
		if i > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%02X", c)
	}
	return b.String()
}

// writeFileAtomic writes a file with the given permissions through a
// temporary file in the same directory and a rename, so readers see the
// old file or the new one, never part of one.
func writeFileAtomic(name string, data []byte, perm os.FileMode) (err error) {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := f.Chmod(perm); err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), name); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(name)); err == nil { // make the rename durable where the OS allows
		d.Sync()
		d.Close()
	}
	return nil
}

// loadServerTLS loads the server certificate and key for "hitd serve
// --tls". The config serves HTTP/2 and HTTP/1.1 over TLS 1.2 and later,
// and picks up a new certificate (e.g. from "hitd tls init --name X")
// within a few seconds, without a restart. Use it as http.Server.TLSConfig
// with ServeTLS(ln, "", "").
func loadServerTLS(certFile, keyFile string) (*tls.Config, error) {
	r, err := newCertReloader(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	return r.tlsConfig(), nil
}

// certReloader serves a certificate and key pair from files, reloading it
// when the files change. A failed reload keeps the last good pair (and is
// retried at the next check).
type certReloader struct {
	certFile, keyFile string
	// interval is the least time between looks at the files; 0 looks at
	// every handshake.
	interval time.Duration

	mu                sync.Mutex
	cert              *tls.Certificate
	certStat, keyStat os.FileInfo // of the files cert came from
	checked           time.Time
}

func newCertReloader(certFile, keyFile string) (*certReloader, error) {
	r := &certReloader{certFile: certFile, keyFile: keyFile, interval: 5 * time.Second}
	certStat, keyStat, err := r.stat()
	if err == nil {
		r.cert, err = loadKeyPair(certFile, keyFile)
	}
	if err != nil {
		return nil, r.explain(err)
	}
	r.certStat, r.keyStat, r.checked = certStat, keyStat, time.Now()
	return r, nil
}

func (r *certReloader) tlsConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"h2", "http/1.1"},
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return r.certificate(), nil
		},
	}
}

// certificate is the current pair, reloaded first if the files changed
// and the last look was at least interval ago.
func (r *certReloader) certificate() *tls.Certificate {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now := time.Now(); now.Sub(r.checked) >= r.interval {
		r.checked = now
		certStat, keyStat, err := r.stat()
		if err == nil && (tlsFileChanged(r.certStat, certStat) || tlsFileChanged(r.keyStat, keyStat)) {
			if cert, err := loadKeyPair(r.certFile, r.keyFile); err == nil {
				r.cert, r.certStat, r.keyStat = cert, certStat, keyStat
			}
		}
	}
	return r.cert
}

func (r *certReloader) stat() (certStat, keyStat os.FileInfo, err error) {
	if certStat, err = os.Stat(r.certFile); err != nil {
		return nil, nil, err
	}
	if keyStat, err = os.Stat(r.keyFile); err != nil {
		return nil, nil, err
	}
	return certStat, keyStat, nil
}

// explain adds what to do to an error loading the pair.
func (r *certReloader) explain(err error) error {
	if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("TLS certificate %s, key %s: %w", r.certFile, r.keyFile, err)
	}
	how := `"hitd tls init"`
	if dir := filepath.Dir(r.certFile); filepath.Base(r.certFile) == tlsServerFile &&
		filepath.Base(r.keyFile) == tlsServerKeyFile && filepath.Dir(r.keyFile) == dir {
		how = fmt.Sprintf(`"hitd tls init --dir %s"`, dir)
	}
	return fmt.Errorf("TLS certificate %s, key %s: %w; create them with %s", r.certFile, r.keyFile, err, how)
}

func tlsFileChanged(old, cur os.FileInfo) bool {
	return !os.SameFile(old, cur) || !old.ModTime().Equal(cur.ModTime()) || old.Size() != cur.Size()
}

// loadKeyPair loads a certificate chain and its key, refusing an expired
// or not yet valid leaf.
func loadKeyPair(certFile, keyFile string) (*tls.Certificate, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	leaf := cert.Leaf
	if leaf == nil {
		if leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return nil, err
		}
		cert.Leaf = leaf
	}
	if now := time.Now(); now.After(leaf.NotAfter) || now.Before(leaf.NotBefore) {
		return nil, fmt.Errorf("the certificate is valid only from %s to %s; make a new one with \"hitd tls init\"",
			leaf.NotBefore.UTC().Format(time.RFC3339), leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	return &cert, nil
}
