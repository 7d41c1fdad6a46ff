package server

import (
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// Limits are the HTTP server's bounds on slow clients: how long a request's
// headers, a whole request and a response may take, how long a keep-alive
// connection may sit idle, and how large a request's headers may be.
// (Request bodies are bounded by the edges that read them: api.ReadBody,
// and the web site's per-route limits.)
type Limits struct {
	// ReadHeaderTimeout bounds the time from a connection being accepted
	// (or the previous request ending) to a request's headers having
	// arrived: a client trickling its headers (slowloris) is cut off.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds the time to read a whole request, body included:
	// a body that never finishes fails to read, and the connection closes.
	ReadTimeout time.Duration
	// WriteTimeout bounds the time from the end of a request's headers to
	// the end of its response: a client that reads slowly is cut off.
	WriteTimeout time.Duration
	// IdleTimeout is how long a keep-alive connection may wait for its
	// next request.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds a request's request line and headers (the
	// legacy API's GET requests carry their parameters in the URL).
	MaxHeaderBytes int
}

// DefaultLimits are `hitd serve`'s.
var DefaultLimits = Limits{
	ReadHeaderTimeout: 10 * time.Second,
	ReadTimeout:       60 * time.Second,
	WriteTimeout:      60 * time.Second,
	IdleTimeout:       120 * time.Second,
	MaxHeaderBytes:    1 << 20,
}

// NewHTTPServer returns the http.Server that serves h with limits l,
// logging its own errors (failed TLS handshakes, …) to logger as warnings.
func NewHTTPServer(h http.Handler, logger *slog.Logger, l Limits) *http.Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// ConnLimit caps the connections open at once across the listeners it
// wraps. At the cap, a listener stops accepting: new connections wait in
// the kernel's accept queue (and beyond it, in the clients' connect) until
// an open one closes. Idle keep-alive connections count; they close after
// Limits.IdleTimeout. It does what golang.org/x/net/netutil.LimitListener
// does, which hitd does not otherwise need x/net for, and it shares one cap
// between listeners and keeps the connection's CloseWrite, which net/http
// uses to close a connection without resetting a response the client has
// not read yet (a 413 to a client still sending its body).
type ConnLimit struct {
	slots chan struct{}
}

// NewConnLimit returns a cap of n connections; n <= 0 means no cap (nil).
func NewConnLimit(n int) *ConnLimit {
	if n <= 0 {
		return nil
	}
	return &ConnLimit{slots: make(chan struct{}, n)}
}

// Listener returns ln with the cap applied (ln itself for a nil cap).
func (c *ConnLimit) Listener(ln net.Listener) net.Listener {
	if c == nil {
		return ln
	}
	return &limitListener{Listener: ln, slots: c.slots, done: make(chan struct{})}
}

// Open is the number of connections open under the cap.
func (c *ConnLimit) Open() int {
	if c == nil {
		return 0
	}
	return len(c.slots)
}

type limitListener struct {
	net.Listener
	slots     chan struct{}
	done      chan struct{} // closed by Close
	closeOnce sync.Once
}

// Accept takes a slot, waiting for one, then accepts a connection that
// gives the slot back when it closes.
func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &limitConn{Conn: c, slots: l.slots}, nil
}

func (l *limitListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

type limitConn struct {
	net.Conn
	slots       chan struct{}
	releaseOnce sync.Once
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.releaseOnce.Do(func() { <-c.slots })
	return err
}

// CloseWrite shuts down the writing side of a TCP connection.
func (c *limitConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
