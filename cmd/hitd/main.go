// Command hitd runs the hitd server and its admin subcommands. It parses
// flags, environment and the configuration file (config.go), opens the store, builds the Service and the HTTP
// handler, and handles signals. It holds no logic of its own.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/api/server"
	"github.com/hitd/hitd/notify"
	"github.com/hitd/hitd/scheduler"
	"github.com/hitd/hitd/web"
)

const usage = `hitd — a self-hosted Amazon Mechanical Turk Requester API server

Usage:
  hitd serve [--config hitd.toml] [--listen ADDR] [--data-dir DIR] [--db sqlite:PATH|postgres://…] [flags]
             [--worker-signup open|invite|closed] [--public-url URL]
             [--content-listen ADDR] [--content-origin URL]
             [--tls | --tls-cert FILE --tls-key FILE]
             [--sandbox-listen ADDR] [--sandbox-hosts NAMES] [--sandbox-public-url URL]
             [--test-mode]  (your test suites move the clock; loopback only; docs/testing-your-code.md)
  hitd tls init [--name HOST]... [--force] [--data-dir DIR | --dir DIR]
  hitd migrate [--status] [--data-dir DIR] [--db URL] [--sandbox-db URL]
      (--status: applied, pending and unknown migrations of each realm, changing nothing)
  hitd version
  hitd config print [--config hitd.toml] [serve's flags]
      (every setting's effective value and source, secrets masked; checked as serve would)
  hitd db copy --from sqlite:PATH --to postgres://USER@HOST/DATABASE [--force]
  hitd backup --to FILE [--sandbox] [--force] [--data-dir DIR] [--db sqlite:PATH]
  hitd restore --from FILE [--sandbox] [--force] [--data-dir DIR] [--db sqlite:PATH]
      (backup works while the server runs; stop the server before restore; docs/backup.md)
  hitd requester create --name NAME [--admin] [--data-dir DIR] [--db URL]
  hitd requester set-password --access-key-id ID [--data-dir DIR] [--db URL]
      (the console password from HITD_REQUESTER_PASSWORD or one line of standard input)
  hitd requester list [--data-dir DIR] [--db URL]
  hitd requester deposit --access-key-id ID --amount 100.00 [--reason TEXT] [--data-dir DIR] [--db URL]
  hitd requester balance --access-key-id ID [--data-dir DIR] [--db URL]
  hitd requester adjust-balance --access-key-id ID --amount +12.50|-12.50 --reason TEXT [--data-dir DIR] [--db URL]
      (the reason is recorded in the ledger; a balance never goes negative)
  hitd requester disable|enable --access-key-id ID [--data-dir DIR] [--db URL]
      (a disabled requester's keys and console sessions are refused everywhere)
  hitd requester rotate-key --access-key-id ID [--grace 24h|7d|0] [--data-dir DIR] [--db URL]
      (prints a new key once; the old one keeps working until the grace ends)
  hitd requester revoke-key --access-key-id OLDID [--data-dir DIR] [--db URL]
  hitd requester keys --access-key-id ID [--data-dir DIR] [--db URL]
  hitd requester notify-credentials --access-key-id ID --aws-access-key-id KEY [--region R] [--data-dir DIR] [--db URL]
      (the secret from --aws-secret-access-key or HITD_NOTIFY_SECRET_ACCESS_KEY)
  hitd worker create --username NAME --password PASSWORD [--data-dir DIR] [--db URL]
  hitd worker invite [--data-dir DIR] [--db URL]
  hitd worker list [--data-dir DIR] [--db URL]
  hitd worker disable|enable --worker-id ID [--data-dir DIR] [--db URL]
      (a disabled worker cannot sign in, accept or submit; their sessions end)
  hitd worker masters --grant WORKERID | --revoke WORKERID [--data-dir DIR] [--db URL]
  hitd worker simulate --hit-type ID|--hit ID --answers FILE [--workers N] [--count M] [--url URL]
      (scripted workers accept and submit on a server started with serve --test-mode)
  hitd layout create --requester ACCESS_KEY_ID --file TEMPLATE.html [--name NAME] [--data-dir DIR] [--db URL]
  hitd layout list --requester ACCESS_KEY_ID [--data-dir DIR] [--db URL]
  hitd layout show HITLAYOUTID [--data-dir DIR] [--db URL]
  hitd layout delete HITLAYOUTID [--data-dir DIR] [--db URL]
  hitd outbox list [--status Dead|Pending|Delivered] [--data-dir DIR] [--db URL]
  hitd outbox retry ID [--data-dir DIR] [--db URL]
  hitd project list [--requester ACCESS_KEY_ID|REQUESTERID] [--json]
  hitd project create --requester ACCESS_KEY_ID|REQUESTERID --name NAME --title TITLE
             --description TEXT --reward 0.05 --layout-file LAYOUT.html [--keywords K]
             [--assignments N] [--lifetime 7d] [--duration 1h] [--auto-approval 3d]
  hitd batch create --project PROJECTID --csv FILE|- [--name NAME] [--draft]
  hitd batch publish --batch BATCHID
  hitd batch list [--project PROJECTID] [--requester ACCESS_KEY_ID|REQUESTERID] [--json]
  hitd batch results --batch BATCHID [--out FILE]
  hitd batch review --csv FILE|- [--batch BATCHID]
  hitd batch cancel --batch BATCHID
  hitd batch extend --batch BATCHID --by 24h|3d
      (the project and batch commands take --data-dir and --db too; they act as
      the owning requester, or as --requester ACCESS_KEY_ID|REQUESTERID when given)

The admin commands work while the server runs. Give them --sandbox to act on
the sandbox realm (its own HITs, workers and 10000.00 balances) instead of
production.

Run "hitd <command> -h" for a command's flags.
`

func main() {
	if err := runIO(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "hitd:", err)
		}
		os.Exit(2)
	}
}

// run is runIO with nothing on standard input.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runIO(ctx, args, strings.NewReader(""), stdout, stderr)
}

// runIO runs the command args names; stdin is read only by commands that
// take a secret there (requester set-password).
func runIO(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stdout, stderr)
	case "tls":
		return tlsCommand(ctx, args[1:], stdout, stderr)
	case "migrate":
		return migrateCommand(ctx, args[1:], stdout, stderr)
	case "db":
		return dbCommand(ctx, args[1:], stdout, stderr)
	case "backup":
		return backupCommand(ctx, args[1:], stdout, stderr)
	case "restore":
		return restoreCommand(ctx, args[1:], stdout, stderr)
	case "requester", "worker", "layout", "outbox", "project", "batch":
		if args[0] == "worker" && len(args) > 1 && args[1] == "simulate" {
			return workerSimulate(ctx, args[2:], stdin, stdout, stderr) // a client of a running server (simulate.go)
		}
		sub := adminCommands[args[0]]
		names := make([]string, 0, len(sub))
		for n := range sub {
			names = append(names, n)
		}
		sort.Strings(names)
		if len(args) < 2 {
			return fmt.Errorf("usage: hitd %s %s", args[0], strings.Join(names, "|"))
		}
		cmd, ok := sub[args[1]]
		if !ok {
			return fmt.Errorf("unknown %s command %q (want %s)", args[0], args[1], strings.Join(names, ", "))
		}
		return cmd().exec(ctx, args[2:], stdin, stdout, stderr)
	case "config":
		return configCommand(args[1:], stdout, stderr)
	case "version", "--version", "-version":
		return versionCommand(args[1:], stdout)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// storeFlags are the flags every command that opens the store takes.
type storeFlags struct {
	dataDir         string
	db              string
	sandboxDB       string
	startingBalance string
	sandbox         bool       // admin commands: act on the sandbox realm
	clock           hitd.Clock // the realms' clock; nil: the system clock (serve --test-mode sets it)
}

func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

// storeSettings are the store flags' names: settings (config.go) that
// serve and every command opening the store share.
var storeSettings = []string{"data-dir", "db", "sandbox-db", "starting-balance"}

// register adds the store flags and --config to fs; admin commands also
// get --sandbox.
func (f *storeFlags) register(fs *flag.FlagSet, admin bool) {
	registerConfigFlag(fs)
	fs.StringVar(&f.dataDir, "data-dir", "./hitd-data", "data directory")
	fs.StringVar(&f.db, "db", "", "database: sqlite:PATH or postgres://USER@HOST/DATABASE (default: SQLite in the data directory)")
	fs.StringVar(&f.sandboxDB, "sandbox-db", "", "the sandbox realm's database (default: sandbox.db beside the main SQLite file, or schema \"sandbox\" of the PostgreSQL database)")
	fs.StringVar(&f.startingBalance, "starting-balance", "10000.00", "balance of each new requester, in USD (the sandbox always starts at 10000.00)")
	if admin {
		fs.BoolVar(&f.sandbox, "sandbox", false, "act on the sandbox realm instead of production")
		documentEnv(fs, storeSettings) // serve documents all its settings at once
	}
}

// resolve fills the store flags the command line left unset from their
// HITD_* variables or the configuration file (config.go), after fs.Parse.
// The file may hold serve's other settings; they are skipped.
func (f *storeFlags) resolve(fs *flag.FlagSet) error {
	_, err := resolveSettings(fs, storeSettings, nil, allSettingNames())
	return err
}

// parse parses the arguments of command cmd, which takes no positional
// ones, and resolves the store flags.
func (f *storeFlags) parse(fs *flag.FlagSet, args []string, cmd string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := f.resolve(fs); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q", cmd, fs.Arg(0))
	}
	return nil
}

// redact hides a password in a database URL.
func redact(u string) string {
	if at := strings.LastIndex(u, "@"); at > 0 {
		if scheme := strings.Index(u, "://"); scheme > 0 && scheme < at {
			return u[:scheme+3] + "…" + u[at:]
		}
	}
	return u
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := loadServeConfig(args, stderr)
	if err != nil {
		return err
	}
	setup, err := c.check()
	if err != nil {
		return err
	}
	sf, lf, tm := &c.store, &c.limits, &c.testMode
	sf.clock = tm.realmClock()
	webOpts, sandboxWeb, tlsConfig := setup.web, setup.sandboxWeb, setup.tls
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	if c.logFormat == "json" {
		logger = slog.New(slog.NewJSONHandler(stderr, nil))
	}

	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	deliverer := notify.NewDeliverer(notify.Config{
		AWSAccessKeyID: c.notifyAccessKeyID, AWSSecretAccessKey: c.notifySecretAccessKey,
		Region: c.notifyRegion, SNSEndpoint: c.snsEndpoint, SMTPAddr: c.smtpAddr, SMTPFrom: c.smtpFrom,
		SMTPUser: c.smtpUser, SMTPPassword: c.smtpPassword, WebhookSecret: c.webhookSecret,
	})
	cfg := hitd.Config{AllowHTTPExternalURLs: c.allowHTTP, Deliverer: deliverer}
	prod, err := sf.open(ctx, cfg)
	if err != nil {
		return err
	}
	defer prod.store.Close()
	sandbox, err := sf.openSandbox(ctx, prod.svc, cfg)
	if err != nil {
		return err
	}
	defer sandbox.store.Close()
	svc := prod.svc
	// A requester's own SQS/SNS credentials, when set, sign its deliveries
	// (the sandbox shares production's requesters, so production's settings).
	deliverer.Credentials = func(ctx context.Context, requesterID string) (string, string, string, bool, error) {
		c, ok, err := svc.NotifyCredentials(ctx, requesterID)
		if !ok || err != nil {
			return "", "", "", false, err
		}
		return c.AccessKeyID, c.SecretAccessKey, c.Region, true, nil
	}

	root, created, err := svc.EnsureRootRequester(ctx, c.rootAccessKeyID, c.rootSecretAccessKey)
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintf(stdout, `
================================================================
hitd created the root requester. Its credentials are shown ONCE:

  aws_access_key_id     = %s
  aws_secret_access_key = %s

Put them in ~/.aws/credentials (or AWS_ACCESS_KEY_ID /
AWS_SECRET_ACCESS_KEY), or set HITD_ROOT_ACCESS_KEY_ID and
HITD_ROOT_SECRET_ACCESS_KEY to choose your own.
================================================================

`, root.AccessKeyID, root.SecretAccessKey)
	}

	mw, err := serveMetrics(c.metricsListen, logger, prod.svc, sandbox.svc) // metrics.go; nil when off
	if err != nil {
		return err
	}
	defer mw.stop()
	webOpts.Logger, sandboxWeb.Logger = logger, logger
	tm.start(logger, prod.svc, sandbox.svc)
	site := web.New(svc, webOpts)
	sandboxHandler := server.New(sandbox.svc, server.Options{Logger: logger, Regions: setup.regions, Observer: mw.requests("sandbox"), Web: web.New(sandbox.svc, sandboxWeb).Handler(), RateLimiter: lf.rateLimiter(), SignatureClock: hitd.SystemClock{}})
	hostRoutes := map[string]http.Handler{}
	for _, h := range strings.Split(c.sandboxHosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			hostRoutes[h] = sandboxHandler
		}
	}
	// Signatures are checked against real time, which clients sign with, whatever the realms' clock.
	servers := []*http.Server{server.NewHTTPServer(tm.mount(server.ByHost(server.New(svc, server.Options{Logger: logger, Regions: setup.regions, Observer: mw.requests("production"), Web: site.Handler(), RateLimiter: lf.rateLimiter(), SignatureClock: hitd.SystemClock{}}), hostRoutes), svc), logger, lf.limits)}
	addrs := []string{c.listen}
	if c.contentListen != "" {
		servers = append(servers, server.NewHTTPServer(server.ObserveRequests(logger, mw.requests("production"), site.ContentHandler()), logger, lf.limits))
		addrs = append(addrs, c.contentListen)
	}
	if c.sandboxListen != "" {
		servers = append(servers, server.NewHTTPServer(tm.mount(sandboxHandler, sandbox.svc), logger, lf.limits))
		addrs = append(addrs, c.sandboxListen)
	}
	if c.debugListen != "" {
		stop, err := serveDebug(c.debugListen, logger)
		if err != nil {
			return err
		}
		defer stop()
	}
	for _, srv := range servers { // forwarding headers believed from --trusted-proxies only
		srv.Handler = setup.proxies.Handler(srv.Handler)
	}
	var lns []net.Listener
	conns := server.NewConnLimit(lf.maxConnections) // one cap over all listeners
	for _, addr := range addrs {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			for _, l := range lns {
				l.Close()
			}
			return err
		}
		lns = append(lns, conns.Listener(ln))
	}
	scheme := "http"
	if tlsConfig != nil {
		scheme = "https"
	}
	commit, modified := buildCommit()
	logger.Info("hitd listening", append([]any{"addr", lns[0].Addr().String(), "scheme", scheme, "db", prod.where.String(), "root_requester", root.ID, "root_access_key_id", root.AccessKeyID,
		"worker_signup", string(webOpts.Signup), "public_url", webOpts.PublicURL, "trusted_proxies", setup.proxies.String(), "sandbox_hosts", c.sandboxHosts,
		"version", version, "commit", commit, "modified", modified}, lf.logAttrs()...)...)
	for i, addr := range addrs[1:] {
		what := "serving requester HTML"
		if addr == c.sandboxListen {
			what = "serving the sandbox realm"
		}
		logger.Info(what, "addr", lns[i+1].Addr().String())
	}

	// The scheduler runs until the servers have stopped, so work submitted
	// during the shutdown grace period is still scheduled on the next start.
	schedCtx, stopSched := context.WithCancel(context.Background())
	var scheds sync.WaitGroup
	for _, r := range []struct {
		realm
		logger *slog.Logger
	}{{prod, logger}, {sandbox, logger.With("realm", "sandbox")}} {
		// Built here, not in the goroutine: the observer's series exist
		// (at 0) before the first scrape can be answered.
		sched := scheduler.New(r.svc, r.svc.Clock(), scheduler.Options{Interval: c.schedEvery, Logger: r.logger, Elector: r.elector, Observer: mw.scheduler(r.svc)})
		scheds.Go(func() { sched.Run(schedCtx) })
	}
	defer func() { stopSched(); scheds.Wait() }()

	errc := make(chan error, len(servers))
	for i, srv := range servers {
		if tlsConfig != nil {
			srv.TLSConfig = tlsConfig // ServeTLS sets up HTTP/2 as well
			go func() { errc <- srv.ServeTLS(lns[i], "", "") }()
			continue
		}
		go func() { errc <- srv.Serve(lns[i]) }()
	}
	select {
	case err := <-errc:
		for _, srv := range servers {
			srv.Close()
		}
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down: finishing in-flight requests", "timeout", c.shutdownGrace.String())
	sctx, cancel := context.WithTimeout(context.Background(), c.shutdownGrace)
	defer cancel()
	var errs []error
	for _, srv := range servers {
		if err := srv.Shutdown(sctx); err != nil {
			errs = append(errs, fmt.Errorf("shutdown: %w", err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	logger.Info("stopped")
	return nil
}

// defaultSandboxHosts are MTurk's sandbox host names: requests addressed to
// them (by a hosts-file entry, see docs/drop-in.md) reach the sandbox realm.
const defaultSandboxHosts = "mturk-requester-sandbox.us-east-1.amazonaws.com,workersandbox.mturk.com,requestersandbox.mturk.com"

// webOptions checks the worker-site flags. With --content-listen the site
// must know both origins: --content-origin defaults to http://ADDR and
// --public-url to http://LISTEN, unless an address has no host (":8081",
// "0.0.0.0:8081"), which no browser can reach.
func webOptions(signup, publicURL, listen, contentListen, contentOrigin string) (web.Options, error) {
	o := web.Options{Signup: hitd.SignupPolicy(signup), PublicURL: strings.TrimRight(publicURL, "/")}
	switch o.Signup {
	case hitd.SignupOpen, hitd.SignupInvite, hitd.SignupClosed:
	default:
		return o, fmt.Errorf("--worker-signup %q: want open, invite or closed", signup)
	}
	if o.PublicURL != "" {
		if err := checkOrigin("--public-url", o.PublicURL, true); err != nil {
			return o, err
		}
	}
	if contentListen == "" {
		if contentOrigin != "" {
			return o, fmt.Errorf("--content-origin needs --content-listen")
		}
	} else {
		var err error
		if contentOrigin == "" {
			if contentOrigin, err = originFor("--content-listen", contentListen, "--content-origin"); err != nil {
				return o, err
			}
		}
		if err := checkOrigin("--content-origin", contentOrigin, false); err != nil {
			return o, err
		}
		o.ContentOrigin = strings.TrimRight(contentOrigin, "/")
		if o.PublicURL == "" {
			if o.PublicURL, err = originFor("--listen", listen, "--public-url"); err != nil {
				return o, err
			}
		}
		if strings.EqualFold(o.ContentOrigin, o.PublicURL) {
			return o, fmt.Errorf("--content-origin %s is the site's own origin; requester HTML must be served from another one", o.ContentOrigin)
		}
	}
	o.SecureCookies = strings.HasPrefix(o.PublicURL, "https://")
	return o, nil
}

// originFor is http://ADDR for a listen address a browser can reach.
func originFor(flagName, addr, needFlag string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("%s %q: %v", flagName, addr, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		return "", fmt.Errorf("%s %q listens on every interface; set %s to the URL browsers use", flagName, addr, needFlag)
	}
	return "http://" + net.JoinHostPort(host, port), nil
}

// checkOrigin checks that u is an http(s) URL with a host (and, unless
// pathOK, nothing after it).
func checkOrigin(flagName, u string, pathOK bool) error {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.RawQuery != "" || p.Fragment != "" || (!pathOK && p.Path != "" && p.Path != "/") {
		return fmt.Errorf("%s %q: want a URL like https://hits.example.org", flagName, u)
	}
	return nil
}

// adminCommand is one admin subcommand: the store flags plus its own,
// which of its flags are required, and what it does with the Service.
type adminCommand struct {
	name     string
	flags    func(fs *flag.FlagSet)
	required []string
	// operand, when set, receives the command's one required positional
	// argument (named operandName in messages); flags may come before or
	// after it. Commands without one take no positional arguments.
	operand     *string
	operandName string
	// check validates the flags beyond required ones, before the store is
	// opened; nil: nothing to check.
	check func(stdin io.Reader) error
	run   func(ctx context.Context, svc *hitd.Service, stdout io.Writer) error
	// runWithStderr, when set, runs instead of run, for commands that also
	// write to standard error (progress bars and notes that must stay off
	// a standard output scripts read).
	runWithStderr func(ctx context.Context, svc *hitd.Service, stdout, stderr io.Writer) error
}

func (c adminCommand) exec(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs, true)
	if c.flags != nil {
		c.flags(fs)
	}
	if c.operand != nil {
		fs.Usage = func() {
			fmt.Fprintf(fs.Output(), "Usage: hitd %s %s [flags]\n", c.name, c.operandName)
			fs.PrintDefaults()
		}
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.operand != nil {
		if fs.NArg() == 0 {
			return fmt.Errorf("%s: the %s argument is required", c.name, c.operandName)
		}
		*c.operand = fs.Arg(0)
		if err := fs.Parse(fs.Args()[1:]); err != nil { // flags after the operand
			return err
		}
	}
	if err := sf.resolve(fs); err != nil {
		return err
	}
	for _, name := range c.required {
		if fs.Lookup(name).Value.String() == "" {
			return fmt.Errorf("%s: --%s is required", c.name, name)
		}
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q", c.name, fs.Arg(0))
	}
	if c.check != nil {
		if err := c.check(stdin); err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
	}
	prod, err := sf.open(ctx, hitd.Config{})
	if err != nil {
		return err
	}
	defer prod.store.Close()
	svc := prod.svc
	if sf.sandbox {
		sandbox, err := sf.openSandbox(ctx, prod.svc, hitd.Config{})
		if err != nil {
			return err
		}
		defer sandbox.store.Close()
		svc = sandbox.svc
	}
	run := c.run
	if c.runWithStderr != nil {
		run = func(ctx context.Context, svc *hitd.Service, stdout io.Writer) error {
			return c.runWithStderr(ctx, svc, stdout, stderr)
		}
	}
	if err := run(ctx, svc, stdout); err != nil && hitd.ErrorCode(err) != hitd.ErrInternal {
		return errors.New(hitd.ErrorMessage(err)) // an operator reads it; the code adds nothing
	} else if err != nil {
		return err
	}
	return nil
}

// adminCommands are the subcommands of "hitd requester", "hitd worker",
// "hitd layout", "hitd outbox", "hitd project" and "hitd batch".
var adminCommands = map[string]map[string]func() adminCommand{
	"requester": {"create": requesterCreate, "list": requesterList, "deposit": requesterDeposit, "notify-credentials": requesterNotifyCredentials, "set-password": requesterSetPassword, "disable": requesterDisable, "enable": requesterEnable, "rotate-key": requesterRotateKey, "revoke-key": requesterRevokeKey, "keys": requesterKeys, "balance": requesterBalance, "adjust-balance": requesterAdjustBalance},
	"worker":    {"create": workerCreate, "invite": workerInvite, "list": workerList, "masters": workerMasters, "disable": workerDisable, "enable": workerEnable},
	"layout":    {"create": layoutCreate, "list": layoutList, "show": layoutShow, "delete": layoutDelete},
	"outbox":    {"list": outboxList, "retry": outboxRetry},
	"project":   {"list": projectList, "create": projectCreate},
	"batch": {"create": batchCreate, "publish": batchPublish, "list": batchList, "results": batchResults,
		"review": batchReview, "cancel": batchCancel, "extend": batchExtend},
}

func requesterCreate() adminCommand {
	var name string
	var admin bool
	return adminCommand{
		name: "requester create",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&name, "name", "", "requester name (required)")
			fs.BoolVar(&admin, "admin", false, "let the requester manage the server from the requester console")
		},
		required: []string{"name"},
		run: func(ctx context.Context, svc *hitd.Service, stdout io.Writer) error {
			create := svc.CreateRequester
			if admin {
				create = svc.CreateAdminRequester
			}
			r, err := create(ctx, name)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "RequesterId:     %s\nName:            %s\nAccessKeyId:     %s\nSecretAccessKey: %s\nBalance:         %s\n",
				r.ID, r.Name, r.AccessKeyID, r.SecretAccessKey, r.Balance)
			if r.Admin {
				fmt.Fprintln(stdout, "Admin:           yes")
			}
			return nil
		},
	}
}

func requesterList() adminCommand {
	return adminCommand{
		name: "requester list",
		run: func(ctx context.Context, svc *hitd.Service, stdout io.Writer) error {
			rs, err := svc.ListRequesters(ctx)
			if err != nil {
				return err
			}
			oldKeys, err := validRetiredKeys(ctx, svc) // requester_keys.go
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "REQUESTER ID\tNAME\tACCESS KEY ID\tBALANCE\tROOT\tADMIN\tDISABLED\tCREATED\tOLD KEYS STILL VALID")
			yes := func(b bool) string {
				if b {
					return "yes"
				}
				return ""
			}
			for _, r := range rs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Name, r.AccessKeyID, r.Balance, yes(r.Root), yes(r.Admin), yes(r.Disabled), r.CreationTime.Format(time.RFC3339),
					strings.Join(oldKeys[r.ID], ", "))
			}
			return tw.Flush()
		},
	}
}

func requesterDeposit() adminCommand {
	var key, amount, reason string
	return adminCommand{
		name: "requester deposit",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&key, "access-key-id", "", "the requester's access key id (required)")
			fs.StringVar(&amount, "amount", "", "USD to add to the available balance, e.g. 100.00 (required)")
			fs.StringVar(&reason, "reason", "", "why, recorded in the requester's ledger (optional)")
		},
		required: []string{"access-key-id", "amount"},
		run: func(ctx context.Context, svc *hitd.Service, stdout io.Writer) error {
			r, err := svc.Deposit(ctx, hitd.DepositInput{AccessKeyID: key, Amount: amount, Reason: reason})
			if err != nil {
				return err
			}
			fmt.Fprintln(stdout, r.Balance)
			return nil
		},
	}
}

func workerCreate() adminCommand {
	var username, password string
	return adminCommand{
		name: "worker create",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&username, "username", "", "the worker's username (required)")
			fs.StringVar(&password, "password", "", "the worker's password, at least 8 characters (required)")
		},
		required: []string{"username", "password"},
		run: func(ctx context.Context, svc *hitd.Service, stdout io.Writer) error {
			w, err := svc.CreateWorker(ctx, username, password)
			if err != nil {
				return err
			}
			fmt.Fprintln(stdout, w.ID)
			return nil
		},
	}
}

func workerInvite() adminCommand {
	return adminCommand{
		name: "worker invite",
		run: func(ctx context.Context, svc *hitd.Service, stdout io.Writer) error {
			code, err := svc.CreateWorkerInvite(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintln(stdout, code)
			return nil
		},
	}
}

func workerList() adminCommand {
	return adminCommand{
		name: "worker list",
		run: func(ctx context.Context, svc *hitd.Service, stdout io.Writer) error {
			ws, err := svc.ListWorkers(ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "WORKER ID\tUSERNAME\tLOCATION\tEARNINGS\tSUBMITTED\tAPPROVED\tREJECTED\tCREATED\tDISABLED")
			for _, w := range ws {
				loc := w.Country
				if w.Subdivision != "" {
					loc += "-" + w.Subdivision
				}
				disabled := ""
				if w.Disabled {
					disabled = "yes"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\n", w.ID, w.Username, loc, w.Earnings, w.Submitted, w.Approved, w.Rejected, w.CreationTime.Format(time.RFC3339), disabled)
			}
			return tw.Flush()
		},
	}
}

// workerMasters grants or revokes the Masters qualification (MTurk's
// production and sandbox Masters IDs both).
func workerMasters() adminCommand {
	var grant, revoke string
	return adminCommand{
		name: "worker masters",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&grant, "grant", "", "the WorkerId to grant Masters to")
			fs.StringVar(&revoke, "revoke", "", "the WorkerId to revoke Masters from")
		},
		check: func(io.Reader) error {
			if (grant == "") == (revoke == "") {
				return errors.New("give one of --grant WORKERID or --revoke WORKERID")
			}
			return nil
		},
		run: func(ctx context.Context, svc *hitd.Service, stdout io.Writer) error {
			id, masters := grant, true
			if revoke != "" {
				id, masters = revoke, false
			}
			w, err := svc.SetWorkerMasters(ctx, strings.TrimSpace(id), masters)
			if err != nil {
				return err
			}
			state := "revoked"
			if w.Masters {
				state = "granted"
			}
			fmt.Fprintf(stdout, "%s (%s): Masters %s\n", w.ID, w.Username, state)
			return nil
		},
	}
}
