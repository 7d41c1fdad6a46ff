package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestDebugListen: the profiler answers on --debug-listen's address and
// nowhere on the public one.
func TestDebugListen(t *testing.T) {
	debug := freeAddr(t)
	_, addr, stop := startServe(t, t.TempDir(), "--debug-listen", debug)
	defer stop()
	resp, err := http.Get("http://" + debug + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "goroutine") {
		t.Errorf("profiler index: %d\n%.300s", resp.StatusCode, b)
	}
	resp, err = http.Get("http://" + addr + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == 200 {
		t.Error("the public listener serves the profiler")
	}
}
