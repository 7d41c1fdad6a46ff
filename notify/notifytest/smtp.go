package notifytest

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// SMTP is a minimal SMTP server on 127.0.0.1: EHLO/HELO, optional AUTH
// PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT. It records every mail it
// accepts.
type SMTP struct {
	t  testing.TB
	ln net.Listener
	wg sync.WaitGroup

	mu       sync.Mutex
	changed  chan struct{}
	mails    []Mail
	user     string // AUTH PLAIN required when set
	pass     string
	fail     []int // reply codes for the next RCPT commands
	conns    map[net.Conn]bool
	sessions int
}

// Mail is one accepted message.
type Mail struct {
	From   string      // envelope sender (MAIL FROM)
	To     []string    // envelope recipients (RCPT TO)
	Data   []byte      // the message as received, CRLF line ends, dots unstuffed
	Header mail.Header // parsed headers
	Body   []byte      // body, quoted-printable decoded when so encoded
	Auth   string      // the user that authenticated, if any
}

// NewSMTP starts a server that stops when the test ends.
func NewSMTP(t testing.TB) *SMTP {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("notifytest smtp: listen: %v", err)
	}
	s := &SMTP{t: t, ln: ln, changed: make(chan struct{}), conns: map[net.Conn]bool{}}
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(s.close)
	return s
}

// Addr is the server's host:port, for notify.Config.SMTPAddr.
func (s *SMTP) Addr() string { return s.ln.Addr().String() }

// RequireAuth makes the server offer AUTH PLAIN and refuse MAIL until a
// client authenticates as user/pass.
func (s *SMTP) RequireAuth(user, pass string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.user, s.pass = user, pass
}

// FailNext makes the next n RCPT TO commands fail with reply code (e.g. 450
// for a transient failure, 550 for a permanent one).
func (s *SMTP) FailNext(n, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.fail = append(s.fail, code)
	}
}

// Mails returns the accepted mails in order.
func (s *SMTP) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mails...)
}

// Messages returns the decoded bodies of the accepted mails, trailing line
// break removed.
func (s *SMTP) Messages() []string {
	var out []string
	for _, m := range s.Mails() {
		out = append(out, strings.TrimRight(string(m.Body), "\r\n"))
	}
	return out
}

// Wait blocks until at least n mails were accepted and returns them, or
// fails the test after timeout.
func (s *SMTP) Wait(n int, timeout time.Duration) []Mail {
	s.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		got, ch, sessions := len(s.mails), s.changed, s.sessions
		s.mu.Unlock()
		if got >= n {
			return s.Mails()
		}
		select {
		case <-ch:
		case <-deadline.C:
			s.t.Fatalf("notifytest smtp: waited %s for %d mails, got %d (%d sessions)", timeout, n, got, sessions)
			return nil
		}
	}
}

func (s *SMTP) close() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *SMTP) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[c] = true
		s.sessions++
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
				c.Close()
			}()
			c.SetDeadline(time.Now().Add(time.Minute))
			s.session(c)
		}()
	}
}

// session runs one SMTP conversation.
func (s *SMTP) session(c net.Conn) {
	r := textproto.NewReader(bufio.NewReader(c))
	w := bufio.NewWriter(c)
	reply := func(format string, args ...any) {
		fmt.Fprintf(w, format+"\r\n", args...)
		w.Flush()
	}
	s.mu.Lock()
	user, pass := s.user, s.pass
	s.mu.Unlock()

	var (
		authed   string
		from     string
		to       []string
		haveMail bool
	)
	reset := func() { from, to, haveMail = "", nil, false }
	reply("220 notifytest ESMTP ready")
	for {
		line, err := r.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			if user != "" {
				reply("250-notifytest greets %s", arg)
				reply("250-8BITMIME")
				reply("250 AUTH PLAIN")
			} else {
				reply("250-notifytest greets %s", arg)
				reply("250 8BITMIME")
			}
			reset()
		case "HELO":
			reply("250 notifytest")
			reset()
		case "AUTH":
			mech, initial, _ := strings.Cut(arg, " ")
			if user == "" || !strings.EqualFold(mech, "PLAIN") {
				reply("504 5.5.4 unrecognised authentication type")
				continue
			}
			if initial == "" {
				reply("334 ")
				if initial, err = r.ReadLine(); err != nil {
					return
				}
			}
			raw, err := base64.StdEncoding.DecodeString(initial)
			fields := strings.Split(string(raw), "\x00")
			if err != nil || len(fields) != 3 || fields[1] != user || fields[2] != pass {
				reply("535 5.7.8 authentication credentials invalid")
				continue
			}
			authed = user
			reply("235 2.7.0 authentication successful")
		case "MAIL":
			if user != "" && authed == "" {
				reply("530 5.7.0 authentication required")
				continue
			}
			addr, ok := pathArg(arg, "FROM:")
			if !ok {
				reply("501 5.5.4 syntax: MAIL FROM:<address>")
				continue
			}
			reset()
			from, haveMail = addr, true
			reply("250 2.1.0 ok")
		case "RCPT":
			if !haveMail {
				reply("503 5.5.1 MAIL first")
				continue
			}
			addr, ok := pathArg(arg, "TO:")
			if !ok || addr == "" {
				reply("501 5.5.4 syntax: RCPT TO:<address>")
				continue
			}
			s.mu.Lock()
			code := 0
			if len(s.fail) > 0 {
				code, s.fail = s.fail[0], s.fail[1:]
			}
			s.mu.Unlock()
			if code != 0 {
				reply("%d injected failure for <%s>", code, addr)
				continue
			}
			to = append(to, addr)
			reply("250 2.1.5 ok")
		case "DATA":
			if !haveMail || len(to) == 0 {
				reply("503 5.5.1 RCPT first")
				continue
			}
			reply("354 end data with <CR><LF>.<CR><LF>")
			data, err := r.ReadDotBytes()
			if err != nil {
				return
			}
			data = bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n"))
			m := Mail{From: from, To: to, Data: data, Auth: authed}
			if parsed, err := mail.ReadMessage(bytes.NewReader(data)); err == nil {
				m.Header = parsed.Header
				var body io.Reader = parsed.Body
				if strings.EqualFold(parsed.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
					body = quotedprintable.NewReader(body)
				}
				m.Body, _ = io.ReadAll(body)
			}
			s.mu.Lock()
			s.mails = append(s.mails, m)
			close(s.changed)
			s.changed = make(chan struct{})
			s.mu.Unlock()
			reset()
			reply("250 2.0.0 queued")
		case "RSET":
			reset()
			reply("250 2.0.0 ok")
		case "NOOP":
			reply("250 2.0.0 ok")
		case "QUIT":
			reply("221 2.0.0 bye")
			return
		default:
			reply("502 5.5.2 command not implemented")
		}
	}
}

// pathArg parses "FROM:<addr> [params]" / "TO:<addr> [params]".
func pathArg(arg, prefix string) (string, bool) {
	if len(arg) < len(prefix) || !strings.EqualFold(arg[:len(prefix)], prefix) {
		return "", false
	}
	rest := strings.TrimSpace(arg[len(prefix):])
	if !strings.HasPrefix(rest, "<") {
		return "", false
	}
	end := strings.IndexByte(rest, '>')
	if end < 0 {
		return "", false
	}
	return rest[1:end], true
}
