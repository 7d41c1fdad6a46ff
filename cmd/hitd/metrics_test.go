package main

import (
	"bufio"
	"context"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
)

// TestMetricsListen: after real SDK traffic, --metrics-listen's /metrics
// counts the requests by protocol, operation and outcome, and reports
// the open HITs and the money they hold as the API reports them; the
// public listener does not serve it.
func TestMetricsListen(t *testing.T) {
	t.Setenv("HITD_ROOT_ACCESS_KEY_ID", nodeRootKey)
	t.Setenv("HITD_ROOT_SECRET_ACCESS_KEY", nodeRootSecret)
	metricsAddr := freeAddr(t)
	_, addr, stop := startServe(t, t.TempDir(), "--metrics-listen", metricsAddr)
	defer stop()
	ctx := context.Background()
	client := sdkClient("http://"+addr, http.DefaultClient)

	before := scrapeMetrics(t, metricsAddr)
	for _, want := range []string{
		`hitd_stats_up{realm="production"}`, `hitd_stats_up{realm="sandbox"}`,
		`hitd_open_hits{realm="production",status="Assignable"}`, `hitd_money_reserved_dollars{realm="production"}`,
		`hitd_scheduler_lag_seconds{realm="production"}`, `hitd_outbox_items{realm="production",status="Dead"}`,
		`hitd_scheduler_passes_total{outcome="ok",realm="production"}`, "go_goroutines", "process_resident_memory_bytes",
	} {
		if _, ok := before[want]; !ok {
			t.Errorf("no series %s", want)
		}
	}
	if before[`hitd_stats_up{realm="production"}`] != 1 || before[`hitd_stats_up{realm="sandbox"}`] != 1 {
		t.Errorf("stats not up: %v %v", before[`hitd_stats_up{realm="production"}`], before[`hitd_stats_up{realm="sandbox"}`])
	}

	const hits, slots = 2, 3
	for range hits {
		if _, err := client.CreateHIT(ctx, &mturk.CreateHITInput{
			Title: aws.String("Metrics"), Description: aws.String("d"), Reward: aws.String("0.50"),
			AssignmentDurationInSeconds: aws.Int64(600), LifetimeInSeconds: aws.Int64(3600), MaxAssignments: aws.Int32(slots),
			Question: aws.String(nodesQuestion),
		}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := client.GetHIT(ctx, &mturk.GetHITInput{HITId: aws.String("NOSUCHHIT")}); err == nil {
		t.Fatal("GetHIT of no HIT succeeded")
	}
	bal, err := client.GetAccountBalance(ctx, &mturk.GetAccountBalanceInput{})
	if err != nil {
		t.Fatal(err)
	}
	after := scrapeMetrics(t, metricsAddr)

	series := func(op, outcome string) string {
		return `hitd_requests_total{operation="` + op + `",outcome="` + outcome + `",protocol="awsjson",realm="production"}`
	}
	for _, c := range []struct {
		name string
		want float64
	}{
		{series("CreateHIT", "ok"), hits},
		{series("GetHIT", "client_error"), 1},
		{series("GetAccountBalance", "ok"), 1},
		{`hitd_request_duration_seconds_count{operation="CreateHIT",protocol="awsjson",realm="production"}`, hits},
		{`hitd_open_hits{realm="production",status="Assignable"}`, hits},
		{`hitd_active_assignments{realm="production",status="Accepted"}`, 0},
	} {
		if got := after[c.name] - before[c.name]; got != c.want {
			t.Errorf("%s went up by %v, want %v", c.name, got, c.want)
		}
	}
	available, err := strconv.ParseFloat(aws.ToString(bal.AvailableBalance), 64)
	if err != nil {
		t.Fatal(err)
	}
	if got := after[`hitd_money_available_dollars{realm="production"}`]; got != available {
		t.Errorf("money available %v, want the balance %v", got, available)
	}
	// The root requester is the only one: what it no longer has is held.
	if got, want := after[`hitd_money_reserved_dollars{realm="production"}`], 10000-available; math.Round(got*100) != math.Round(want*100) || got == 0 {
		t.Errorf("money reserved %v, want %v", got, want)
	}
	if got := after[`hitd_open_hits{realm="sandbox",status="Assignable"}`]; got != 0 {
		t.Errorf("sandbox open HITs %v, want 0", got)
	}

	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode == 200 || strings.Contains(string(b), "hitd_requests_total") {
		t.Errorf("the public listener serves metrics: %d", resp.StatusCode)
	}
}

// scrapeMetrics reads /metrics at addr into a map from each series, as
// the text format writes it (name{labels sorted by name}), to its value.
func scrapeMetrics(t *testing.T, addr string) map[string]float64 {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("scrape: %d", resp.StatusCode)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("scrape: %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
