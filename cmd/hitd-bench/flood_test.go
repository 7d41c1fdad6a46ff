package main

import "testing"

// TestFloodScenario runs the flood tiny: every abusive client is refused
// or cut off, the legitimate calls succeed, and the server's memory stays
// under the scenario's target (200 MB; a generous bound for 30
// connections, each costing at most a few MB).
func TestFloodScenario(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	bin := hitdBinary(t)
	rep := runBench(t, "--hitd", bin, "--scenario", "flood", "--flood-clients", "60", "--flood-duration", "3s", "--flood-max-connections", "30")
	s := scenario(t, rep, "flood", "sqlite", 1)
	checkWellFormed(t, s)
	if len(s.Runs) != len(floodKinds)+1 {
		t.Errorf("%d runs, want one per abuse (%d) and the legitimate one", len(s.Runs), len(floodKinds))
	}
	if m := metricOf(t, s, "VmRSS during the flood, max"); m.Value <= 0 || m.Value >= 200 {
		t.Errorf("the server's VmRSS during the flood peaked at %v MB; want under 200", m.Value)
	}
	if c := checkOf(t, s, "GET /healthz 200 after the flood"); !c.OK {
		t.Error("the server was not healthy after the flood")
	}
}
