package hitd

import (
	"testing"
	"time"
)

func TestKeyCache(t *testing.T) {
	var c keyCache
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	if _, ok, _ := c.get("K", now); ok {
		t.Fatal("empty cache answered")
	}
	_, _, gen := c.get("K", now)
	c.put("K", keyEntry{secret: "s", requesterID: "A1", until: now.Add(KeyCacheTTL)}, gen)
	if e, ok, _ := c.get("K", now.Add(KeyCacheTTL-time.Millisecond)); !ok || e.secret != "s" || e.requesterID != "A1" {
		t.Errorf("within the TTL: %+v %v", e, ok)
	}
	if _, ok, _ := c.get("K", now.Add(KeyCacheTTL)); ok {
		t.Error("answered at the end of the TTL")
	}
	// A lookup that began before forget is not remembered after it.
	_, _, gen = c.get("K", now)
	c.forget()
	c.put("K", keyEntry{secret: "stale", until: now.Add(KeyCacheTTL)}, gen)
	if _, ok, _ := c.get("K", now); ok {
		t.Error("remembered a lookup that began before forget")
	}
	// forget drops what was remembered.
	_, _, gen = c.get("K", now)
	c.put("K", keyEntry{secret: "s", until: now.Add(KeyCacheTTL)}, gen)
	c.forget()
	if _, ok, _ := c.get("K", now); ok {
		t.Error("answered after forget")
	}
	// Full: it starts over rather than growing.
	_, _, gen = c.get("x", now)
	for i := range keyCacheMax + 5 {
		c.put(string(rune(i)), keyEntry{until: now.Add(time.Hour)}, gen)
	}
	if len(c.m) > keyCacheMax {
		t.Errorf("cache holds %d entries, max %d", len(c.m), keyCacheMax)
	}
}
