package hitd

import (
	"strings"
	"testing"
)

func TestIDShapes(t *testing.T) {
	var g IDSource
	check := func(name, id string, n int, alphabet string) {
		t.Helper()
		if len(id) != n || strings.Trim(id, alphabet) != "" {
			t.Errorf("%s %q: want %d characters from %q", name, id, n, alphabet)
		}
	}
	for range 100 {
		check("HITID", g.HITID(), 30, idAlphabet)
		check("RequesterID", g.RequesterID(), 14, idAlphabet)
		// MTurk's WorkerIds: "A" and 12 to 14 more upper-case alphanumerics.
		if w := g.WorkerID(); !strings.HasPrefix(w, "A") {
			t.Errorf("WorkerID %q does not start with A", w)
		} else {
			check("WorkerID after the A", w[1:], 13, idAlphabet)
		}
		check("AccessKeyID", g.AccessKeyID(), 20, idAlphabet)
		check("SecretAccessKey", g.SecretAccessKey(), 40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
	}
	if a, b := derivedID([]byte("a"), []byte("bc")), derivedID([]byte("ab"), []byte("c")); a == b {
		t.Error("derivedID does not separate its parts")
	}
	if a, b := derivedID([]byte("x")), derivedID([]byte("x")); a != b || len(a) != IDLength {
		t.Errorf("derivedID not deterministic or wrong length: %q %q", a, b)
	}
}
