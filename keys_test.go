package hitd_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/internal/hitdtest"
	"github.com/hitd/hitd/sqlite"
	"golang.org/x/crypto/bcrypt"
)

// keyServices is production, a second node on the same store (its own key
// cache) and a sandbox realm mirroring production, on one fake clock.
func keyServices(t *testing.T) (clock *hitd.FakeClock, prod, node2, sandbox *hitd.Service) {
	t.Helper()
	clock = hitd.NewFakeClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hitd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg := hitd.Config{StartingBalance: 100_00, PasswordCost: bcrypt.MinCost}
	prod = hitd.NewService(hitdtest.RetryingStore{Store: st}, clock, hitd.IDSource{}, cfg)
	node2 = hitd.NewService(hitdtest.RetryingStore{Store: st}, clock, hitd.IDSource{}, cfg)
	sandbox = newConsoleService(t, clock, "sandbox.db", prod)
	return clock, prod, node2, sandbox
}

// TestRotateAccessKey rotates a key with a grace period: the new key works
// at once everywhere; the old one works on every path, node and realm until
// the grace ends and is refused from that instant on, remembered lookups
// included.
func TestRotateAccessKey(t *testing.T) {
	ctx := context.Background()
	clock, prod, node2, sandbox := keyServices(t)
	r, err := prod.CreateRequester(ctx, "lab")
	if err != nil {
		t.Fatal(err)
	}
	all := []*hitd.Service{prod, node2, sandbox}
	for _, svc := range all {
		refused(t, "before", svc, r.AccessKeyID, r.SecretAccessKey, true) // also fills each key cache
	}

	const grace = time.Hour
	rotatedAt := clock.Now()
	rotated, old, err := prod.RotateAccessKey(ctx, r.AccessKeyID, grace)
	if err != nil {
		t.Fatal(err)
	}
	if rotated.ID != r.ID || rotated.AccessKeyID == r.AccessKeyID || rotated.SecretAccessKey == r.SecretAccessKey ||
		!strings.HasPrefix(rotated.AccessKeyID, "HITD") || rotated.Balance != r.Balance {
		t.Fatalf("rotated requester %+v, was %+v", rotated, r)
	}
	if old.AccessKeyID != r.AccessKeyID || old.RequesterID != r.ID || !old.RetiredAt.Equal(rotatedAt) || !old.Expires.Equal(rotatedAt.Add(grace)) {
		t.Errorf("retired key %+v", old)
	}
	for _, svc := range all {
		refused(t, "new key", svc, rotated.AccessKeyID, rotated.SecretAccessKey, true)
		refused(t, "old key within the grace", svc, r.AccessKeyID, r.SecretAccessKey, true)
	}
	// The old key signs with its own secret, not the new one, and the new
	// key not with the old secret.
	if _, ok, _ := prod.AuthenticateSecret(ctx, r.AccessKeyID, rotated.SecretAccessKey); ok {
		t.Error("the old key id with the new secret was accepted")
	}
	if _, ok, _ := prod.AuthenticateSecret(ctx, rotated.AccessKeyID, r.SecretAccessKey); ok {
		t.Error("the new key id with the old secret was accepted")
	}
	if secret, id, ok, err := sandbox.LookupSecret(ctx, r.AccessKeyID); !ok || err != nil || secret != r.SecretAccessKey || id != r.ID {
		t.Errorf("sandbox LookupSecret(old) = %q, %q, %v, %v", secret, id, ok, err)
	}
	// The sandbox's copy follows production's current key.
	if local, ok, err := sandbox.LookupRequester(ctx, r.AccessKeyID); !ok || err != nil || local.AccessKeyID != rotated.AccessKeyID {
		t.Errorf("sandbox copy after rotation: %+v %v %v", local, ok, err)
	}

	// One millisecond before the end every node still answers from its
	// cache; at the end exactly, nothing does — the cache never outlives
	// the grace.
	clock.Advance(grace - time.Millisecond)
	for _, svc := range all {
		if _, _, ok, err := svc.LookupSecret(ctx, r.AccessKeyID); !ok || err != nil {
			t.Errorf("a millisecond before the end: ok=%v err=%v", ok, err)
		}
	}
	clock.Advance(time.Millisecond)
	for _, svc := range all {
		refused(t, "old key at the end of the grace", svc, r.AccessKeyID, r.SecretAccessKey, false)
		refused(t, "new key after the grace", svc, rotated.AccessKeyID, rotated.SecretAccessKey, true)
	}

	// The keys, old and current, as `hitd requester keys` shows them; the
	// old key still names its requester there.
	owner, keys, err := prod.RequesterKeys(ctx, r.AccessKeyID)
	if err != nil || owner.ID != r.ID || owner.AccessKeyID != rotated.AccessKeyID || len(keys) != 1 || keys[0].AccessKeyID != r.AccessKeyID || keys[0].ValidAt(clock.Now()) {
		t.Errorf("RequesterKeys(old) = %+v, %+v, %v", owner, keys, err)
	}
}

// TestRotateWithoutGrace refuses the old key at once on the node that
// rotated it, and on other nodes and in the sandbox within KeyCacheTTL.
func TestRotateWithoutGrace(t *testing.T) {
	ctx := context.Background()
	clock, prod, node2, sandbox := keyServices(t)
	r, err := prod.CreateRequester(ctx, "lab")
	if err != nil {
		t.Fatal(err)
	}
	for _, svc := range []*hitd.Service{prod, node2, sandbox} {
		refused(t, "before", svc, r.AccessKeyID, r.SecretAccessKey, true)
	}
	rotated, old, err := prod.RotateAccessKey(ctx, r.AccessKeyID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !old.Expires.Equal(old.RetiredAt) {
		t.Errorf("grace 0: %+v", old)
	}
	refused(t, "old key on the rotating node", prod, r.AccessKeyID, r.SecretAccessKey, false)
	refused(t, "new key on another node", node2, rotated.AccessKeyID, rotated.SecretAccessKey, true)
	clock.Advance(hitd.KeyCacheTTL)
	refused(t, "old key on another node after KeyCacheTTL", node2, r.AccessKeyID, r.SecretAccessKey, false)
	refused(t, "old key in the sandbox after KeyCacheTTL", sandbox, r.AccessKeyID, r.SecretAccessKey, false)
	refused(t, "new key in the sandbox", sandbox, rotated.AccessKeyID, rotated.SecretAccessKey, true)
}

// TestRotateTwice: each retired key keeps its own expiry; RevokeAccessKey
// ends one early.
func TestRotateTwice(t *testing.T) {
	ctx := context.Background()
	clock, prod, node2, _ := keyServices(t)
	first, err := prod.CreateRequester(ctx, "lab")
	if err != nil {
		t.Fatal(err)
	}
	second, _, err := prod.RotateAccessKey(ctx, first.AccessKeyID, 2*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	third, _, err := prod.RotateAccessKey(ctx, second.AccessKeyID, 3*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []*hitd.Requester{first, second, third} {
		refused(t, "three keys at once", node2, k.AccessKeyID, k.SecretAccessKey, true)
	}
	clock.Advance(time.Hour) // the first key's grace ends; the second's does not
	refused(t, "first key after its grace", node2, first.AccessKeyID, first.SecretAccessKey, false)
	refused(t, "second key within its own grace", node2, second.AccessKeyID, second.SecretAccessKey, true)

	// Revoking ends the second key's grace now, on this node at once.
	revoked, err := prod.RevokeAccessKey(ctx, second.AccessKeyID)
	if err != nil || !revoked.Expires.Equal(clock.Now()) {
		t.Fatalf("RevokeAccessKey = %+v, %v", revoked, err)
	}
	refused(t, "revoked key", prod, second.AccessKeyID, second.SecretAccessKey, false)
	clock.Advance(hitd.KeyCacheTTL)
	refused(t, "revoked key, other node", node2, second.AccessKeyID, second.SecretAccessKey, false)
	refused(t, "current key after revoking an old one", node2, third.AccessKeyID, third.SecretAccessKey, true)
	// Revoking an expired key changes nothing.
	if again, err := prod.RevokeAccessKey(ctx, first.AccessKeyID); err != nil || !again.Expires.Equal(first.CreationTime.Add(2*time.Hour)) {
		t.Errorf("revoking an expired key: %+v, %v", again, err)
	}
	_, keys, err := prod.RequesterKeys(ctx, third.AccessKeyID)
	if err != nil || len(keys) != 2 || keys[0].AccessKeyID != first.AccessKeyID || keys[1].AccessKeyID != second.AccessKeyID {
		t.Errorf("RequesterKeys = %+v, %v", keys, err)
	}

	for _, tc := range []struct {
		what string
		err  error
		code hitd.Code
		msg  string
	}{
		{"rotate a retired key", second3(prod.RotateAccessKey(ctx, first.AccessKeyID, time.Hour)), hitd.ErrInvalidParameter, "use its current key, " + third.AccessKeyID},
		{"rotate an unknown key", second3(prod.RotateAccessKey(ctx, "HITDNOSUCHKEY", time.Hour)), hitd.ErrNotAuthorized, "No requester"},
		{"rotate with a negative grace", second3(prod.RotateAccessKey(ctx, third.AccessKeyID, -time.Second)), hitd.ErrInvalidParameter, "negative"},
		{"rotate no key", second3(prod.RotateAccessKey(ctx, "", time.Hour)), hitd.ErrMissingParameter, ""},
		{"revoke the current key", second2(prod.RevokeAccessKey(ctx, third.AccessKeyID)), hitd.ErrInvalidParameter, "current key"},
		{"revoke an unknown key", second2(prod.RevokeAccessKey(ctx, "HITDNOSUCHKEY")), hitd.ErrNotAuthorized, "No requester"},
		{"keys of an unknown key", second3(prod.RequesterKeys(ctx, "HITDNOSUCHKEY")), hitd.ErrNotAuthorized, "No requester"},
	} {
		wantCode(t, tc.what, tc.err, tc.code)
		if !strings.Contains(hitd.ErrorMessage(tc.err), tc.msg) {
			t.Errorf("%s: %q, want it to mention %q", tc.what, hitd.ErrorMessage(tc.err), tc.msg)
		}
	}
}

func second2[A any](_ A, err error) error         { return err }
func second3[A, B any](_ A, _ B, err error) error { return err }

// TestRotateInSandboxAndRootKeys: keys are rotated in production only, and
// the root requester's configured keys may not name a key rotated out.
func TestRotateInSandboxAndRootKeys(t *testing.T) {
	ctx := context.Background()
	_, prod, _, sandbox := keyServices(t)
	root, _, err := prod.EnsureRootRequester(ctx, "HITDROOTKEY000000001", "root-secret")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = sandbox.RotateAccessKey(ctx, root.AccessKeyID, time.Hour)
	wantCode(t, "rotate in the sandbox", err, hitd.ErrInvalidParameter)
	_, err = sandbox.RevokeAccessKey(ctx, root.AccessKeyID)
	wantCode(t, "revoke in the sandbox", err, hitd.ErrInvalidParameter)

	rotated, _, err := prod.RotateAccessKey(ctx, root.AccessKeyID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// A restart with the old keys still configured must not revive them.
	_, _, err = prod.EnsureRootRequester(ctx, "HITDROOTKEY000000001", "root-secret")
	wantCode(t, "root keys set to a retired key", err, hitd.ErrRequesterExists)
	if !strings.Contains(hitd.ErrorMessage(err), "rotated out") {
		t.Errorf("message: %v", err)
	}
	// Configured with the current keys, the root starts as it is.
	again, _, err := prod.EnsureRootRequester(ctx, rotated.AccessKeyID, rotated.SecretAccessKey)
	if err != nil || again.ID != root.ID {
		t.Errorf("root with its current keys: %+v, %v", again, err)
	}
	// And with none, too.
	if again, _, err := prod.EnsureRootRequester(ctx, "", ""); err != nil || again.AccessKeyID != rotated.AccessKeyID {
		t.Errorf("root with no keys configured: %+v, %v", again, err)
	}
}
