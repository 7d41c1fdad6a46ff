package hitd

import (
	"sync"
	"time"
)

// KeyCacheTTL is how long a successful access-key lookup is remembered.
// Every signed request looks its key up before the signature can be
// checked; remembering the answer for a second takes a store read off
// every request (about a tenth of the server's work on a create) while a
// key changed on another node sharing the database is honoured within a
// second. This node forgets everything it remembered as soon as it changes
// a requester's keys (RotateAccessKey, RevokeAccessKey) or disables it
// itself (SetRequesterDisabled). Unknown keys and disabled requesters are
// never remembered, so a requester made or enabled on another node can
// sign at once, and one disabled elsewhere (on another node, or in
// production when this is the sandbox realm) is refused within KeyCacheTTL.
//
// A key rotated out (RotateAccessKey) is remembered no later than its
// expiry. So a grace period of KeyCacheTTL or more ends exactly at its
// expiry by the Service's clock, on this node and every other; a shorter
// one (or none) ends on other nodes and in the sandbox within KeyCacheTTL of
// the rotation, as a disabled requester's access does.
const KeyCacheTTL = time.Second

// keyCacheMax bounds the cache; when full it starts over.
const keyCacheMax = 10_000

// keyCache remembers recent successful access-key lookups.
type keyCache struct {
	mu  sync.Mutex
	m   map[string]keyEntry
	gen uint64 // bumped by forget: a lookup that began before it is not remembered
}

type keyEntry struct {
	secret, requesterID string
	until               time.Time
}

// get returns the remembered answer for key at now, and the generation to
// pass to put after reading the store.
func (c *keyCache) get(key string, now time.Time) (e keyEntry, ok bool, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok = c.m[key]
	if ok && !now.Before(e.until) {
		delete(c.m, key)
		ok = false
	}
	return e, ok, c.gen
}

// put remembers an answer read from the store, unless forget ran since the
// read began (gen).
func (c *keyCache) put(key string, e keyEntry, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.m == nil || len(c.m) >= keyCacheMax {
		c.m = map[string]keyEntry{}
	}
	c.m[key] = e
}

// forget drops every remembered answer.
func (c *keyCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.m = nil
}
