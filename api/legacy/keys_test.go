package legacy_test

import (
	"context"
	"testing"
	"time"

	"github.com/hitd/hitd/internal/hitdtest"
)

// TestRotatedKeyLegacy: the legacy 2014 API takes a key rotated out
// (hitd requester rotate-key) with every signature kind until the Service's
// clock reaches the end of its grace, and from then on refuses it as an
// unknown key; the new key works throughout.
func TestRotatedKeyLegacy(t *testing.T) {
	e := hitdtest.New(t)
	lab, _ := e.NewRequester("lab")
	const grace = time.Hour
	rotated, _, err := e.Service.RotateAccessKey(context.Background(), lab.AccessKeyID, grace)
	if err != nil {
		t.Fatal(err)
	}
	kinds := []string{"rest", "1", "2"}
	old := func(kind string) *client {
		return newClient(t, e).with(func(c *client) { c.sig, c.key, c.secret = kind, lab.AccessKeyID, lab.SecretAccessKey })
	}
	current := func(kind string) *client {
		return newClient(t, e).with(func(c *client) { c.sig, c.key, c.secret = kind, rotated.AccessKeyID, rotated.SecretAccessKey })
	}
	for _, kind := range kinds {
		old(kind).do("GetAccountBalance").ok()
		current(kind).do("GetAccountBalance").ok()
	}
	e.Clock.Advance(grace - time.Millisecond)
	for _, kind := range kinds {
		old(kind).do("GetAccountBalance").ok()
	}
	e.Clock.Advance(time.Millisecond)
	for _, kind := range kinds {
		refused(old(kind).do("GetAccountBalance"), "AWS.NotAuthorized", "not authorized")
		refused(newClient(t, e).with(func(c *client) { c.sig, c.key = kind, "HITDNOSUCHKEY0000000" }).do("GetAccountBalance"), "AWS.NotAuthorized", "not authorized")
		current(kind).do("GetAccountBalance").ok()
	}
}
