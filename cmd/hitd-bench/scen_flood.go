package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/hitd/hitd/internal/load"
)

// The flood scenario's server timeouts are shorter than serve's defaults
// (a quarter and a half of --flood-duration, at most 5s and 10s) so that
// slow clients are cut off, and replaced, within the run. Memory is
// bounded by how many connections are held, not for how long, so the
// defaults bound it the same way.
func floodTimeouts(flood time.Duration) (readHeader, read time.Duration) {
	return min(5*time.Second, flood/4), min(10*time.Second, flood/2)
}

const (
	// floodGuard is how long a flood client waits for the server to
	// answer or cut it off before counting an error.
	floodGuard = 60 * time.Second
	// floodSettle is how long after the flood RSS is read again.
	floodSettle = 3 * time.Second
)

// floodKind is one way of abusing the server. run does it once on a fresh
// connection and says what the server did ("413", "closed", …); an error
// is an outcome the limits should have prevented.
type floodKind struct {
	name string
	run  func(c net.Conn, br *bufio.Reader) (string, error)
}

var floodKinds = []floodKind{
	{"oversized body, declared (AWS JSON)", func(c net.Conn, br *bufio.Reader) (string, error) {
		// Declares 4 MiB, sends 64 KiB: refused on the headers alone.
		fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: hitd\r\nX-Amz-Target: MTurkRequesterServiceV20170117.GetAccountBalance\r\n"+
			"Content-Type: application/x-amz-json-1.1\r\nContent-Length: %d\r\n\r\n", 4<<20)
		c.Write(make([]byte, 64<<10))
		return wantStatus(br, http.StatusRequestEntityTooLarge)
	}},
	{"oversized body, chunked (REST)", func(c net.Conn, br *bufio.Reader) (string, error) {
		// 2 MiB in 64 KiB chunks, no Content-Length: refused after 1 MiB
		// (or 400 if this client, starved of CPU by the flood, is slower
		// than --read-timeout).
		io.WriteString(c, "POST /v1/get-account-balance HTTP/1.1\r\nHost: hitd\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
		go func() {
			chunk := append(fmt.Appendf(nil, "%x\r\n", 64<<10), make([]byte, 64<<10)...)
			chunk = append(chunk, "\r\n"...)
			for range 32 {
				if _, err := c.Write(chunk); err != nil {
					return
				}
			}
			io.WriteString(c, "0\r\n\r\n")
		}()
		return wantStatus(br, http.StatusRequestEntityTooLarge, http.StatusBadRequest)
	}},
	{"oversized form, declared (web site)", func(c net.Conn, br *bufio.Reader) (string, error) {
		fmt.Fprintf(c, "POST /login HTTP/1.1\r\nHost: hitd\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n", 2<<20)
		c.Write([]byte("username=x&password=" + strings.Repeat("y", 64<<10)))
		return wantStatus(br, http.StatusRequestEntityTooLarge)
	}},
	{"headers trickled (slowloris)", func(c net.Conn, br *bufio.Reader) (string, error) {
		io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: hitd\r\n")
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			t := time.NewTicker(200 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
				}
				if _, err := c.Write([]byte("X")); err != nil {
					return
				}
			}
		}()
		return wantClosed(c, br)
	}},
	{"body never finished", func(c net.Conn, br *bufio.Reader) (string, error) {
		// Declares 1 MiB and sends all but a byte: the server holds the
		// most an API request may make it buffer, until --read-timeout.
		fmt.Fprintf(c, "POST /v1/get-account-balance HTTP/1.1\r\nHost: hitd\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", 1<<20)
		c.Write(make([]byte, 1<<20-1))
		return wantClosed(c, br)
	}},
}

// wantStatus reads one response and checks its status is status (or one
// of also).
func wantStatus(br *bufio.Reader, status int, also ...int) (string, error) {
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		if isTimeout(err) {
			return "", errors.New("no answer within the guard time")
		}
		return "cut off", nil // the server closed the connection under the request
	}
	resp.Body.Close()
	if resp.StatusCode != status && !slices.Contains(also, resp.StatusCode) {
		return "", fmt.Errorf("status %d, want %d", resp.StatusCode, status)
	}
	return fmt.Sprint(resp.StatusCode), nil
}

// wantClosed waits for the server to close the connection, reading (and
// discarding) any response it writes first; a 2xx is an error.
func wantClosed(c net.Conn, br *bufio.Reader) (string, error) {
	outcome := "closed"
	if resp, err := http.ReadResponse(br, nil); err == nil {
		resp.Body.Close()
		if resp.StatusCode < 300 {
			return "", fmt.Errorf("status %d to a request that never finished", resp.StatusCode)
		}
		outcome = fmt.Sprintf("%d, closed", resp.StatusCode)
	} else if isTimeout(err) {
		return "", errors.New("still connected after the guard time")
	}
	if _, err := io.Copy(io.Discard, br); isTimeout(err) {
		return "", errors.New("still connected after the guard time")
	}
	return outcome, nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// floodStats collects one kind's outcomes.
type floodStats struct {
	mu       sync.Mutex
	res      load.Result
	outcomes map[string]int
}

func (st *floodStats) add(d time.Duration, outcome string, err error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.res.Ops++
	st.res.Latencies = append(st.res.Latencies, d)
	if err != nil {
		st.res.Errors++
		if st.res.FirstError == "" {
			st.res.FirstError = err.Error()
		}
		return
	}
	st.outcomes[outcome]++
}

// scenarioFlood: --flood-clients clients abuse a server started with
// --max-connections --flood-max-connections for --flood-duration, each
// looping over one of floodKinds on fresh connections, while four SDK
// clients keep calling GetAccountBalance. The server's VmRSS is sampled
// before, during and after: it must stay bounded (the target: under 200
// MB), the abusers must each be refused or cut off, and the legitimate
// calls must all succeed.
func (b *bench) scenarioFlood(ctx context.Context) *Scenario {
	cfg := b.cfg
	s := b.newScenario("flood", "sqlite", 1, cfg.floodClients)
	s.Params["max_connections"] = cfg.floodMaxConns
	s.Params["duration_s"] = cfg.floodDuration.Seconds()
	floodReadHeaderTimeout, floodReadTimeout := floodTimeouts(cfg.floodDuration)
	s.Params["read_header_timeout_s"] = floodReadHeaderTimeout.Seconds()
	s.Params["read_timeout_s"] = floodReadTimeout.Seconds()
	if cfg.target != "" {
		s.Skipped = "starts its own server with the flood's limits; not with --target"
		return s
	}
	d := b.open(ctx, s, "sqlite", 1, false, "--max-connections", fmt.Sprint(cfg.floodMaxConns),
		"--read-header-timeout", floodReadHeaderTimeout.String(), "--read-timeout", floodReadTimeout.String())
	if d == nil {
		return s
	}
	defer d.close()
	pid := d.pids()[0]
	addr := strings.TrimPrefix(d.bases[0], "http://")

	time.Sleep(idleSettle)
	before, _ := load.ReadMem(pid)
	held := holdConnections(addr, cfg.floodMaxConns)
	time.Sleep(floodReadHeaderTimeout / 2) // they are cut off at --read-header-timeout
	holding, _ := load.ReadMem(pid)
	for _, c := range held {
		c.Close()
	}
	s.check("connections held open at the cap", int64(len(held)), int64(cfg.floodMaxConns))
	time.Sleep(500 * time.Millisecond)

	sampler := d.sample()

	fctx, stop := context.WithTimeout(ctx, cfg.floodDuration)
	defer stop()
	stats := make([]*floodStats, len(floodKinds))
	for i := range stats {
		stats[i] = &floodStats{outcomes: map[string]int{}}
	}
	var wg sync.WaitGroup
	t0 := time.Now()
	for i := range cfg.floodClients {
		k, st := floodKinds[i%len(floodKinds)], stats[i%len(floodKinds)]
		wg.Go(func() {
			for fctx.Err() == nil {
				start := time.Now()
				c, err := net.DialTimeout("tcp", addr, floodGuard)
				if err != nil {
					st.add(time.Since(start), "", err)
					continue
				}
				c.SetDeadline(start.Add(floodGuard))
				// When the flood ends, what is in flight is abandoned, not counted.
				abandon := context.AfterFunc(fctx, func() { c.SetDeadline(time.Now()) })
				outcome, err := k.run(c, bufio.NewReader(c))
				c.Close()
				if !abandon() {
					break
				}
				st.add(time.Since(start), outcome, err)
			}
		})
	}
	hc := newHTTPClient(4)
	client := sdkClient(d.bases[0], d.key, d.secret, hc)
	legit := load.Run(fctx, load.Options{Clients: 4, Duration: cfg.floodDuration}, func(ctx context.Context, _ int) error {
		// Not fctx: a call started just before the flood ends may finish.
		_, err := client.GetAccountBalance(context.WithoutCancel(ctx), &mturk.GetAccountBalanceInput{})
		return err
	})
	wg.Wait()
	wall := time.Since(t0)
	hc.CloseIdleConnections()
	maxRSS := sampler.stop()

	time.Sleep(floodSettle)
	after, _ := load.ReadMem(pid)
	healthy := int64(0)
	if resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(d.bases[0] + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			healthy = 1
		}
	}
	s.check("GET /healthz 200 after the flood", healthy, 1)

	total := 0
	for i, st := range stats {
		st.res.Wall = wall
		slices.Sort(st.res.Latencies)
		if st.res.Ops == 0 {
			continue
		}
		total += st.res.Ops
		s.addRun(floodKinds[i].name, "hitd", "refused or cut off: "+describeOutcomes(st.outcomes), st.res)
	}
	s.addRun("legitimate", "hitd", "GetAccountBalance (4 SDK clients during the flood)", legit)
	s.metric("VmRSS before the flood", "MB", mb(before.VmRSS), nil, nil)
	s.metric("VmRSS per connection waiting for its headers", "KB", float64(holding.VmRSS-before.VmRSS)/float64(cfg.floodMaxConns), nil, nil)
	s.metric("VmRSS during the flood, max", "MB", mb(maxRSS[0]), nil, &target{"<", 200})
	s.metric("VmRSS after the flood", "MB", mb(after.VmRSS), nil, nil)
	s.metric("VmRSS growth during the flood per allowed connection", "KB", float64(maxRSS[0]-before.VmRSS)/float64(cfg.floodMaxConns), nil, nil)
	s.metric("abusive requests", "count", float64(total), nil, nil)
	s.recordServers(d, maxRSS)
	s.note("%d clients over %v, each looping over one abuse on fresh connections (declared or chunked bodies over the limits, headers trickled, a 1 MiB body never finished); the server has --max-connections %d, --read-header-timeout %v, --read-timeout %v",
		cfg.floodClients, cfg.floodDuration, cfg.floodMaxConns, floodReadHeaderTimeout, floodReadTimeout)
	s.note("before the flood, --max-connections connections are opened and held, each having sent half a request line, to measure what a connection costs the server at rest")
	s.note("growth per allowed connection: (max VmRSS during − VmRSS before) / --max-connections, what one connection costs when the flood fills every slot")
	return s
}

// holdConnections opens n connections that each send half a request
// line, and returns those it could open.
func holdConnections(addr string, n int) []net.Conn {
	var out []net.Conn
	for range n {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			break
		}
		io.WriteString(c, "GET /healthz HT")
		out = append(out, c)
	}
	return out
}

// describeOutcomes lists outcome counts, most frequent first.
func describeOutcomes(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return m[b] - m[a] })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s ×%d", k, m[k])
	}
	return strings.Join(parts, ", ")
}
