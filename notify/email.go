package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"os"
	"strings"
	"time"
)

// EmailSubject is the Subject of a notification e-mail. MTurk's e-mail
// notifications came from mturk-noreply@amazon.com "with a subject line
// containing Your Event Notification" (MTurkR wiki, "Notifications",
// https://github.com/cloudyr/MTurkR/wiki/Notifications); hitd keeps that
// phrase and adds the first event's type, e.g.
// "Your Event Notification: AssignmentSubmitted".
func EmailSubject(m Message) string {
	t := strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, m.firstEventType())
	if t == "" {
		return "Your Event Notification"
	}
	return "Your Event Notification: " + t
}

// sendEmail mails the document to addr through Config.SMTPAddr.
//
// The mail is text/plain; charset=utf-8 in quoted-printable, so that lines
// stay within SMTP's limit however long the JSON is; decoded, the body is
// exactly Message.Body() followed by CRLF. Headers: From (Config.SMTPFrom),
// To, Subject (EmailSubject), Date, Message-ID, MIME-Version, and
// X-Hitd-Event-Doc-Id for duplicate detection.
func (s *Sender) sendEmail(ctx context.Context, addr string, m Message, body []byte) error {
	fail := func(permanent bool, format string, args ...any) error {
		return &SendError{Transport: TransportEmail, Target: addr, Permanent: permanent, Message: fmt.Sprintf(format, args...)}
	}
	if s.cfg.SMTPAddr == "" {
		return fail(true, "no SMTP server configured (Config.SMTPAddr)")
	}
	if s.cfg.SMTPFrom == "" {
		return fail(true, "no sender configured (Config.SMTPFrom)")
	}
	from, err := mail.ParseAddress(s.cfg.SMTPFrom)
	if err != nil {
		return fail(true, "Config.SMTPFrom %q is not an address: %v", s.cfg.SMTPFrom, err)
	}
	server := s.cfg.SMTPAddr
	host, port, err := net.SplitHostPort(server)
	if err != nil {
		host, port = server, "25"
		server = net.JoinHostPort(host, port)
	}
	msg, err := buildMail(from, addr, m, body, s.now())
	if err != nil {
		return fail(true, "%v", err)
	}

	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", server)
	if err != nil {
		return netError(TransportEmail, addr, err)
	}
	if port == "465" { // implicit TLS (SMTPS)
		tc := tls.Client(conn, &tls.Config{ServerName: host})
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return netError(TransportEmail, addr, err)
		}
		conn = tc
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return s.smtpError(ctx, addr, "greeting", err)
	}
	defer c.Close()
	if err := c.Hello(helloName()); err != nil {
		return s.smtpError(ctx, addr, "EHLO", err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		if _, isTLS := c.TLSConnectionState(); !isTLS {
			if err := c.StartTLS(&tls.Config{ServerName: host}); err != nil {
				return s.smtpError(ctx, addr, "STARTTLS", err)
			}
		}
	}
	if s.cfg.SMTPUser != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return fail(true, "SMTP server %s does not offer AUTH, but Config.SMTPUser is set", server)
		}
		_, isTLS := c.TLSConnectionState()
		if !isTLS && host != "localhost" && host != "127.0.0.1" && host != "::1" {
			return fail(true, "refusing to send the SMTP password to %s over an unencrypted connection (the server does not offer STARTTLS)", server)
		}
		if err := c.Auth(smtp.PlainAuth("", s.cfg.SMTPUser, s.cfg.SMTPPassword, host)); err != nil {
			return s.smtpError(ctx, addr, "AUTH", err)
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return s.smtpError(ctx, addr, "MAIL FROM", err)
	}
	if err := c.Rcpt(addr); err != nil {
		return s.smtpError(ctx, addr, "RCPT TO", err)
	}
	w, err := c.Data()
	if err != nil {
		return s.smtpError(ctx, addr, "DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		return s.smtpError(ctx, addr, "DATA", err)
	}
	if err := w.Close(); err != nil {
		return s.smtpError(ctx, addr, "end of DATA", err)
	}
	_ = c.Quit() // the message is accepted; a failed QUIT does not matter
	return nil
}

// smtpError classifies an SMTP failure: 5xx replies are permanent, 4xx
// replies transient, certificate failures permanent, everything else
// (connection lost, timeouts) transient.
func (s *Sender) smtpError(ctx context.Context, addr, stage string, err error) error {
	var te *textproto.Error
	if errors.As(err, &te) {
		return &SendError{Transport: TransportEmail, Target: addr, StatusCode: te.Code,
			Message: stage + ": " + te.Msg, Permanent: te.Code >= 500, Err: err}
	}
	if ctx.Err() != nil {
		err = fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	e := netError(TransportEmail, addr, err)
	e.Message = stage + ": " + err.Error()
	return e
}

// helloName is the EHLO argument: the host's name when it is qualified,
// else "localhost" (net/smtp's default).
func helloName() string {
	if h, err := os.Hostname(); err == nil && strings.Contains(h, ".") && cleanHeader(h) == h && !strings.ContainsAny(h, " \t") {
		return h
	}
	return "localhost"
}

// buildMail renders the RFC 5322 message.
func buildMail(from *mail.Address, to string, m Message, body []byte, now time.Time) ([]byte, error) {
	domain := "hitd.invalid"
	if i := strings.LastIndexByte(from.Address, '@'); i >= 0 && i < len(from.Address)-1 {
		domain = strings.Trim(from.Address[i+1:], "[]")
	}
	var id [16]byte
	rand.Read(id[:])

	var b bytes.Buffer
	header := func(k, v string) {
		b.WriteString(k)
		b.WriteString(": ")
		b.WriteString(v)
		b.WriteString("\r\n")
	}
	header("From", from.String())
	header("To", (&mail.Address{Address: to}).String())
	header("Subject", mime.QEncoding.Encode("utf-8", EmailSubject(m)))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", "<"+hex.EncodeToString(id[:])+"@"+domain+">")
	if docID := cleanHeader(m.EventDocId); docID != "" {
		header("X-Hitd-Event-Doc-Id", docID)
	}
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write(body); err != nil {
		return nil, err
	}
	if _, err := qp.Write([]byte("\r\n")); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// cleanHeader keeps a value safe for a header line.
func cleanHeader(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r >= 0x7f {
			return -1
		}
		return r
	}, s)
}
