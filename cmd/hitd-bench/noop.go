package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/hitd/hitd/api/sigv4"
)

// serveNoop is the hidden `hitd-bench serve-noop` mode: the noop baseline
// server. It verifies SigV4 exactly as hitd does (package api/sigv4, the
// service name mturk-requester, any region, the system clock, the one key
// pair it was given) and answers every verified AWS JSON request with {}
// under the JSON 1.1 content type; the worker API paths answer {} to any
// bearer token; GET /healthz answers 200. It keeps no state and logs
// nothing per request (hitd logs a line per request: that cost is hitd's).
func serveNoop(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve-noop", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:0", "address to listen on")
	key := fs.String("access-key-id", "", "the access key id signatures must use")
	secret := fs.String("secret-access-key", "", "its secret")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *key == "" || *secret == "" {
		return errors.New("--access-key-id and --secret-access-key are required")
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           noopHandler(*key, *secret),
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second, WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second,
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	logger.Info("noop listening", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// maxNoopBody is the request body limit, as hitd's.
const maxNoopBody = 1 << 20

func noopHandler(key, secret string) http.Handler {
	v := &sigv4.Verifier{
		Service: "mturk-requester", // api.SigningService
		Now:     time.Now,
		Lookup: func(_ context.Context, id string) (string, bool, error) {
			if id == key {
				return secret, true, nil
			}
			return "", false, nil
		},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("/api/worker/v1/", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, io.LimitReader(r.Body, maxNoopBody))
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); !ok || tok == "" {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":{"code":"NotAuthenticated","message":"no token"}}`))
			return
		}
		w.Write([]byte("{}"))
	})
	mux.HandleFunc("POST /{$}", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxNoopBody+1))
		if err != nil || len(body) > maxNoopBody {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if _, err := v.Verify(r, body); err != nil {
			status, code := http.StatusInternalServerError, "InternalFailure"
			var se *sigv4.Error
			if errors.As(err, &se) {
				status, code = se.Status, se.Code
			}
			w.WriteHeader(status)
			json.NewEncoder(w).Encode(map[string]string{"__type": code, "Message": err.Error()})
			return
		}
		if !strings.HasPrefix(r.Header.Get("X-Amz-Target"), "MTurkRequesterServiceV20170117.") {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"__type":"UnknownOperationException","Message":"unknown X-Amz-Target"}`)
			return
		}
		w.Write([]byte("{}"))
	})
	return mux
}
