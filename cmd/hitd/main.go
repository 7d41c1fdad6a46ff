// Command hitd runs the hitd server and its admin subcommands. It parses
// flags and environment, opens the store, builds the Service and the HTTP
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
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/api/server"
	"github.com/hitd/hitd/sqlite"
)

const usage = `hitd — a self-hosted Amazon Mechanical Turk Requester API server

Usage:
  hitd serve [--listen ADDR] [--data-dir DIR] [--db URL] [flags]
  hitd requester create --name NAME [--data-dir DIR] [--db URL]
  hitd requester list [--data-dir DIR] [--db URL]

Run "hitd <command> -h" for a command's flags.
`

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "hitd:", err)
		}
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stdout, stderr)
	case "requester":
		if len(args) < 2 {
			return fmt.Errorf("usage: hitd requester create|list")
		}
		switch args[1] {
		case "create":
			return requesterCreate(ctx, args[2:], stdout, stderr)
		case "list":
			return requesterList(ctx, args[2:], stdout, stderr)
		}
		return fmt.Errorf("unknown requester command %q (want create or list)", args[1])
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
	startingBalance string
}

func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func (f *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.dataDir, "data-dir", envOr("HITD_DATA_DIR", "./hitd-data"), "data directory (env HITD_DATA_DIR)")
	fs.StringVar(&f.db, "db", envOr("HITD_DB", ""), "database URL: sqlite:PATH (default: SQLite in the data directory) (env HITD_DB)")
	fs.StringVar(&f.startingBalance, "starting-balance", envOr("HITD_STARTING_BALANCE", "10000.00"), "balance of each new requester, in USD (env HITD_STARTING_BALANCE)")
}

// open opens the store named by the flags and builds the Service.
func (f *storeFlags) open(ctx context.Context, cfg hitd.Config) (*hitd.Service, hitd.Store, error) {
	bal, ok := hitd.ParseCents(f.startingBalance)
	if !ok {
		return nil, nil, fmt.Errorf("--starting-balance %q is not a USD amount like 10000.00", f.startingBalance)
	}
	cfg.StartingBalance = bal
	path, err := sqlitePath(f.dataDir, f.db)
	if err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, nil, err
	}
	store, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, nil, err
	}
	return hitd.NewService(store, hitd.SystemClock{}, hitd.IDSource{}, cfg), store, nil
}

func sqlitePath(dataDir, db string) (string, error) {
	switch {
	case db == "":
		return filepath.Join(dataDir, "hitd.db"), nil
	case strings.HasPrefix(db, "sqlite:"):
		p := strings.TrimPrefix(strings.TrimPrefix(db, "sqlite:"), "//")
		if p == "" {
			return "", fmt.Errorf("--db %q names no file", db)
		}
		return p, nil
	case strings.HasPrefix(db, "postgres://"), strings.HasPrefix(db, "postgresql://"):
		return "", fmt.Errorf("--db %q: the PostgreSQL store is not available in this build yet; use SQLite", redact(db))
	}
	return "", fmt.Errorf("--db %q: want sqlite:PATH", redact(db))
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
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs)
	listen := fs.String("listen", envOr("HITD_LISTEN", "127.0.0.1:8080"), "address to listen on (env HITD_LISTEN)")
	allowHTTP := fs.Bool("allow-http-external-urls", envOr("HITD_ALLOW_HTTP_EXTERNAL_URLS", "") == "true", "accept http:// ExternalQuestion URLs for any host (env HITD_ALLOW_HTTP_EXTERNAL_URLS=true)")
	logFormat := fs.String("log-format", envOr("HITD_LOG_FORMAT", "text"), "log format: text or json (env HITD_LOG_FORMAT)")
	shutdownGrace := fs.Duration("shutdown-timeout", 30*time.Second, "how long in-flight requests may take to finish on SIGTERM/SIGINT")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var logger *slog.Logger
	switch *logFormat {
	case "json":
		logger = slog.New(slog.NewJSONHandler(stderr, nil))
	case "text":
		logger = slog.New(slog.NewTextHandler(stderr, nil))
	default:
		return fmt.Errorf("--log-format %q: want text or json", *logFormat)
	}

	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	svc, store, err := sf.open(ctx, hitd.Config{AllowHTTPExternalURLs: *allowHTTP})
	if err != nil {
		return err
	}
	defer store.Close()

	root, created, err := svc.EnsureRootRequester(ctx, os.Getenv("HITD_ROOT_ACCESS_KEY_ID"), os.Getenv("HITD_ROOT_SECRET_ACCESS_KEY"))
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

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           server.New(svc, server.Options{Logger: logger}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	logger.Info("hitd listening", "addr", ln.Addr().String(), "data_dir", sf.dataDir, "root_requester", root.ID, "root_access_key_id", root.AccessKeyID)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down: finishing in-flight requests", "timeout", shutdownGrace.String())
	sctx, cancel := context.WithTimeout(context.Background(), *shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	logger.Info("stopped")
	return nil
}

func requesterCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("requester create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs)
	name := fs.String("name", "", "requester name (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *name == "" {
		return fmt.Errorf("requester create: --name is required")
	}
	svc, store, err := sf.open(ctx, hitd.Config{})
	if err != nil {
		return err
	}
	defer store.Close()
	r, err := svc.CreateRequester(ctx, *name)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "RequesterId:     %s\nName:            %s\nAccessKeyId:     %s\nSecretAccessKey: %s\nBalance:         %s\n",
		r.ID, r.Name, r.AccessKeyID, r.SecretAccessKey, r.Balance)
	return nil
}

func requesterList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("requester list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	svc, store, err := sf.open(ctx, hitd.Config{})
	if err != nil {
		return err
	}
	defer store.Close()
	rs, err := svc.ListRequesters(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REQUESTER ID\tNAME\tACCESS KEY ID\tBALANCE\tROOT\tCREATED")
	for _, r := range rs {
		root := ""
		if r.Root {
			root = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Name, r.AccessKeyID, r.Balance, root, r.CreationTime.Format(time.RFC3339))
	}
	return tw.Flush()
}
