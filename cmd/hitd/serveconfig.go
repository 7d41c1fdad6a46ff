package main

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/api/server"
	"github.com/hitd/hitd/web"
)

// serveConfig is every setting of "hitd serve" (config.go says where
// each value comes from).
type serveConfig struct {
	store            storeFlags
	listen           string
	allowHTTP        bool
	logFormat        string
	shutdownGrace    time.Duration
	signup           string
	publicURL        string
	contentListen    string
	contentOrigin    string
	schedEvery       time.Duration
	notifyRegion     string
	snsEndpoint      string
	smtpAddr         string
	smtpFrom         string
	debugListen      string
	metricsListen    string
	sandboxListen    string
	sandboxHosts     string
	sandboxPublicURL string
	sigv4Regions     string
	useTLS           bool
	tlsCert, tlsKey  string
	limits           limitFlags
	proxies          proxyFlags
	testMode         testMode

	// Secrets: environment or configuration file only.
	rootAccessKeyID, rootSecretAccessKey     string
	notifyAccessKeyID, notifySecretAccessKey string
	smtpUser, smtpPassword                   string
	webhookSecret                            string

	fs      *flag.FlagSet // serve's flags
	secrets *flag.FlagSet // the secrets, never parsed from a command line
	names   []string      // the settings of fs, in order (not --config)
	from    *resolved
}

// newServeConfig registers serve's flags and secrets with their defaults.
func newServeConfig(stderr io.Writer) *serveConfig {
	c := &serveConfig{fs: flag.NewFlagSet("serve", flag.ContinueOnError), secrets: flag.NewFlagSet("secrets", flag.ContinueOnError)}
	fs := c.fs
	fs.SetOutput(stderr)
	c.store.register(fs, false)
	fs.StringVar(&c.listen, "listen", "127.0.0.1:8080", "address to listen on")
	fs.BoolVar(&c.allowHTTP, "allow-http-external-urls", false, "accept http:// ExternalQuestion URLs for any host")
	fs.StringVar(&c.logFormat, "log-format", "text", "log format: text or json")
	fs.DurationVar(&c.shutdownGrace, "shutdown-timeout", 30*time.Second, "how long in-flight requests may take to finish on SIGTERM/SIGINT")
	fs.StringVar(&c.signup, "worker-signup", "open", "who may sign up as a worker on the web site: open, invite or closed")
	fs.StringVar(&c.publicURL, "public-url", "", "the site's base URL as browsers reach it, e.g. https://hits.example.org (default: from each request)")
	fs.StringVar(&c.contentListen, "content-listen", "", "serve requester HTML on a second address, a separate origin")
	fs.DurationVar(&c.schedEvery, "scheduler-interval", time.Second, "how often due work (abandonment, auto-approval, expiry refunds, review policies, notifications) is applied")
	fs.StringVar(&c.notifyRegion, "notify-region", "us-east-1", "region for signing SQS/SNS notifications when the destination names none")
	fs.StringVar(&c.snsEndpoint, "sns-endpoint", "", "SNS-compatible endpoint for SNS notifications (default AWS's)")
	fs.StringVar(&c.smtpAddr, "smtp-addr", "", "SMTP server host:port for Email notifications (user and password: the smtp-user and smtp-password secrets)")
	fs.StringVar(&c.smtpFrom, "smtp-from", "hitd <hitd@localhost>", "From address of Email notifications")
	fs.StringVar(&c.contentOrigin, "content-origin", "", "the origin browsers reach --content-listen at (default http://ADDR)")
	fs.StringVar(&c.debugListen, "debug-listen", "", "serve Go's profiler (net/http/pprof, /debug/pprof/) on this address, e.g. 127.0.0.1:6060; never a public one")
	fs.StringVar(&c.metricsListen, "metrics-listen", "", "serve Prometheus metrics at /metrics on this address, e.g. 127.0.0.1:9464; never the public port (default off)")
	fs.StringVar(&c.sandboxListen, "sandbox-listen", "", "also serve the sandbox realm (API and worker site) on this address")
	fs.StringVar(&c.sandboxHosts, "sandbox-hosts", defaultSandboxHosts, "comma-separated host names whose requests go to the sandbox realm on every listener (\"\" for none)")
	fs.StringVar(&c.sandboxPublicURL, "sandbox-public-url", "", "the sandbox worker site's base URL as browsers reach it (default: from each request)")
	fs.StringVar(&c.sigv4Regions, "sigv4-regions", "", "comma-separated regions a SigV4 signature may be scoped to, e.g. us-east-1; others are refused (default: any region)")
	fs.BoolVar(&c.useTLS, "tls", false, "serve HTTPS with the certificate \"hitd tls init\" made in the data directory")
	fs.StringVar(&c.tlsCert, "tls-cert", "", "serve HTTPS with this PEM certificate (chain) file")
	fs.StringVar(&c.tlsKey, "tls-key", "", "the PEM private key of --tls-cert")
	c.limits.register(fs)
	c.proxies.register(fs)
	c.testMode.register(fs)
	fs.VisitAll(func(f *flag.Flag) {
		if f.Name != configFlag {
			c.names = append(c.names, f.Name)
		}
	})
	documentEnv(fs, c.names)

	s := c.secrets
	s.StringVar(&c.rootAccessKeyID, "root-access-key-id", "", "the root requester's access key id (with root-secret-access-key: created or updated at start)")
	s.StringVar(&c.rootSecretAccessKey, "root-secret-access-key", "", "the root requester's secret access key")
	s.StringVar(&c.notifyAccessKeyID, "notify-aws-access-key-id", "", "AWS access key id signing SQS/SNS notifications of requesters that set none")
	s.StringVar(&c.notifySecretAccessKey, "notify-aws-secret-access-key", "", "its secret")
	s.StringVar(&c.smtpUser, "smtp-user", "", "SMTP user name")
	s.StringVar(&c.smtpPassword, "smtp-password", "", "SMTP password")
	s.StringVar(&c.webhookSecret, "webhook-secret", "", "key signing webhook notifications")
	return c
}

// loadServeConfig parses serve's command line and resolves every setting.
func loadServeConfig(args []string, stderr io.Writer) (*serveConfig, error) {
	c := newServeConfig(stderr)
	c.fs.Usage = func() {
		fmt.Fprintln(c.fs.Output(), "Usage: hitd serve [--config FILE] [flags]")
		fmt.Fprintln(c.fs.Output(), "Every flag is also the variable HITD_<FLAG> and the config file's key <flag>;")
		fmt.Fprintln(c.fs.Output(), "secrets (root-access-key-id, root-secret-access-key, smtp-user, smtp-password,")
		fmt.Fprintln(c.fs.Output(), "notify-aws-access-key-id, notify-aws-secret-access-key, webhook-secret) are")
		fmt.Fprintln(c.fs.Output(), "variables or keys only. hitd config print shows the effective settings.")
		c.fs.PrintDefaults()
	}
	if err := c.fs.Parse(args); err != nil {
		return nil, err
	}
	if c.fs.NArg() > 0 {
		return nil, fmt.Errorf("serve: unexpected argument %q", c.fs.Arg(0))
	}
	var err error
	if c.from, err = resolveSettings(c.fs, c.names, c.secrets, nil); err != nil {
		return nil, err
	}
	return c, nil
}

// serveSetup is what check derives from the settings.
type serveSetup struct {
	web, sandboxWeb web.Options
	tls             *tls.Config            // nil: plain HTTP
	regions         []string               // SigV4 regions accepted; empty: any
	proxies         *server.TrustedProxies // nil: forwarding headers ignored
}

// check validates the settings together and derives the worker sites'
// options and the TLS configuration (reading the certificate).
func (c *serveConfig) check() (*serveSetup, error) {
	if err := c.limits.check(); err != nil {
		return nil, err
	}
	switch c.logFormat {
	case "text", "json":
	default:
		return nil, fmt.Errorf("--log-format %q: want text or json", c.logFormat)
	}
	if c.schedEvery <= 0 || c.shutdownGrace < 0 {
		return nil, errors.New("--scheduler-interval must be positive and --shutdown-timeout not negative")
	}
	if _, ok := hitd.ParseCents(c.store.startingBalance); !ok {
		return nil, fmt.Errorf("--starting-balance %q is not a USD amount like 10000.00", c.store.startingBalance)
	}
	if (c.rootAccessKeyID == "") != (c.rootSecretAccessKey == "") {
		return nil, errors.New("root-access-key-id and root-secret-access-key (HITD_ROOT_ACCESS_KEY_ID, HITD_ROOT_SECRET_ACCESS_KEY) go together")
	}
	if err := c.testMode.check(map[string]string{"--listen": c.listen, "--content-listen": c.contentListen, "--sandbox-listen": c.sandboxListen,
		"--debug-listen": c.debugListen}); err != nil {
		return nil, err
	}
	proxies, err := c.proxies.parse()
	if err != nil {
		return nil, err
	}
	webOpts, err := webOptions(c.signup, c.publicURL, c.listen, c.contentListen, c.contentOrigin)
	if err != nil {
		return nil, err
	}
	s := &serveSetup{proxies: proxies, web: webOpts, sandboxWeb: web.Options{Signup: webOpts.Signup, PublicURL: strings.TrimRight(c.sandboxPublicURL, "/"), Sandbox: true}}
	for _, r := range strings.Split(c.sigv4Regions, ",") {
		if r = strings.TrimSpace(r); r == "" {
			continue
		}
		if !validRegion(r) {
			return nil, fmt.Errorf("--sigv4-regions: %q is not a region name like us-east-1", r)
		}
		s.regions = append(s.regions, r)
	}
	if s.sandboxWeb.PublicURL != "" {
		if err := checkOrigin("--sandbox-public-url", s.sandboxWeb.PublicURL, true); err != nil {
			return nil, err
		}
	}
	certFile, keyFile := c.tlsCert, c.tlsKey
	switch {
	case (certFile == "") != (keyFile == ""):
		return nil, errors.New("--tls-cert and --tls-key go together")
	case certFile != "" && c.useTLS:
		return nil, errors.New("--tls uses the certificate \"hitd tls init\" made; give it or --tls-cert/--tls-key, not both")
	case c.useTLS:
		certFile, keyFile = tlsPaths(c.store.dataDir)
	}
	if certFile != "" {
		if s.tls, err = loadServerTLS(certFile, keyFile); err != nil {
			return nil, err
		}
		s.web.SecureCookies = s.web.PublicURL == "" || strings.HasPrefix(s.web.PublicURL, "https://")
		s.sandboxWeb.SecureCookies = s.sandboxWeb.PublicURL == "" || strings.HasPrefix(s.sandboxWeb.PublicURL, "https://")
	} else {
		s.sandboxWeb.SecureCookies = strings.HasPrefix(s.sandboxWeb.PublicURL, "https://")
	}
	return s, nil
}

// validRegion reports whether r looks like an AWS region name: lower-case
// letters, digits and dashes (us-east-1, eu-central-2, us-gov-west-1).
func validRegion(r string) bool {
	if len(r) > 64 || strings.Trim(r, "-") != r {
		return false
	}
	for _, ch := range r {
		if (ch < 'a' || ch > 'z') && (ch < '0' || ch > '9') && ch != '-' {
			return false
		}
	}
	return true
}
