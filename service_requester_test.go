package hitd_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/internal/hitdtest"
	"github.com/hitd/hitd/sqlite"
	"golang.org/x/crypto/bcrypt"
)

// refused checks that every authentication path of svc refuses (or, with
// want, accepts) the access key and secret.
func refused(t *testing.T, what string, svc *hitd.Service, key, secret string, want bool) {
	t.Helper()
	ctx := context.Background()
	if _, _, ok, err := svc.LookupSecret(ctx, key); err != nil || ok != want {
		t.Errorf("%s: LookupSecret ok=%v err=%v, want ok=%v", what, ok, err, want)
	}
	if _, ok, err := svc.LookupRequester(ctx, key); err != nil || ok != want {
		t.Errorf("%s: LookupRequester ok=%v err=%v, want ok=%v", what, ok, err, want)
	}
	if _, ok, err := svc.AuthenticateSecret(ctx, key, secret); err != nil || ok != want {
		t.Errorf("%s: AuthenticateSecret ok=%v err=%v, want ok=%v", what, ok, err, want)
	}
	_, _, err := svc.ConsoleLogin(ctx, key, secret)
	if want && err != nil {
		t.Errorf("%s: ConsoleLogin: %v", what, err)
	} else if !want {
		wantCode(t, what+": ConsoleLogin", err, hitd.ErrNotAuthenticated)
	}
}

func TestDisabledRequesterIsRefused(t *testing.T) {
	ctx := context.Background()
	clock := hitd.NewFakeClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hitd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg := hitd.Config{StartingBalance: 100_00, PasswordCost: bcrypt.MinCost}
	prod := hitd.NewService(hitdtest.RetryingStore{Store: st}, clock, hitd.IDSource{}, cfg)
	// Another node sharing the database, with its own key cache.
	node2 := hitd.NewService(hitdtest.RetryingStore{Store: st}, clock, hitd.IDSource{}, cfg)
	sandbox := newConsoleService(t, clock, "sandbox.db", prod)

	r, err := prod.CreateRequester(ctx, "lab")
	if err != nil {
		t.Fatal(err)
	}
	other, err := prod.CreateRequester(ctx, "other")
	if err != nil {
		t.Fatal(err)
	}
	if err := prod.SetConsolePassword(ctx, r.AccessKeyID, "console-password"); err != nil {
		t.Fatal(err)
	}
	for _, svc := range []*hitd.Service{prod, node2, sandbox} {
		refused(t, "before", svc, r.AccessKeyID, r.SecretAccessKey, true) // also fills each key cache
	}
	token, _, err := prod.ConsoleLogin(ctx, r.AccessKeyID, "console-password")
	if err != nil {
		t.Fatal(err)
	}
	sandboxToken, _, err := sandbox.ConsoleLogin(ctx, r.AccessKeyID, r.SecretAccessKey)
	if err != nil {
		t.Fatal(err)
	}

	got, err := prod.SetRequesterDisabled(ctx, r.AccessKeyID, true)
	if err != nil || !got.Disabled || got.ID != r.ID {
		t.Fatalf("SetRequesterDisabled = %+v, %v", got, err)
	}
	// This node refuses at once, on every path, with the password too.
	refused(t, "disabled", prod, r.AccessKeyID, r.SecretAccessKey, false)
	if _, _, err := prod.ConsoleLogin(ctx, r.AccessKeyID, "console-password"); hitd.ErrorCode(err) != hitd.ErrNotAuthenticated {
		t.Errorf("console password of a disabled requester: %v", err)
	}
	if _, err := prod.RequesterForConsoleSession(ctx, token); hitd.ErrorCode(err) != hitd.ErrNotAuthenticated {
		t.Errorf("console session of a disabled requester: %v", err)
	}
	if _, err := sandbox.RequesterForConsoleSession(ctx, sandboxToken); hitd.ErrorCode(err) != hitd.ErrNotAuthenticated {
		t.Errorf("sandbox console session of a disabled requester: %v", err)
	}
	// The sandbox asks production on every uncached lookup.
	if _, ok, err := sandbox.LookupRequester(ctx, r.AccessKeyID); ok || err != nil {
		t.Errorf("sandbox LookupRequester of a disabled requester: %v %v", ok, err)
	}
	// Other nodes' and the sandbox's remembered secrets last at most KeyCacheTTL.
	clock.Advance(hitd.KeyCacheTTL)
	refused(t, "disabled, other node", node2, r.AccessKeyID, r.SecretAccessKey, false)
	refused(t, "disabled, sandbox", sandbox, r.AccessKeyID, r.SecretAccessKey, false)
	// Other requesters are untouched.
	refused(t, "other requester", prod, other.AccessKeyID, other.SecretAccessKey, true)
	refused(t, "other requester, sandbox", sandbox, other.AccessKeyID, other.SecretAccessKey, true)
	// Disabling twice is no error; the sandbox and unknown keys are refused.
	if _, err := prod.SetRequesterDisabled(ctx, r.AccessKeyID, true); err != nil {
		t.Errorf("disabling twice: %v", err)
	}
	_, err = sandbox.SetRequesterDisabled(ctx, r.AccessKeyID, false)
	wantCode(t, "enable in the sandbox", err, hitd.ErrInvalidParameter)
	_, err = prod.SetRequesterDisabled(ctx, "HITDNOSUCHKEY", true)
	wantCode(t, "unknown key", err, hitd.ErrNotAuthorized)
	_, err = prod.SetRequesterDisabled(ctx, "", true)
	wantCode(t, "no key", err, hitd.ErrMissingParameter)
	// Nothing else about the requester changed.
	all, err := prod.ListRequesters(ctx)
	if err != nil || len(all) != 2 {
		t.Fatalf("requesters after disabling: %d, %v", len(all), err)
	}
	for _, x := range all {
		if x.Disabled != (x.ID == r.ID) || x.Balance != 100_00 || x.SecretAccessKey == "" {
			t.Errorf("after disabling %s: %+v", r.ID, *x)
		}
	}

	if _, err := prod.SetRequesterDisabled(ctx, r.AccessKeyID, false); err != nil {
		t.Fatal(err)
	}
	for _, svc := range []*hitd.Service{prod, node2, sandbox} {
		refused(t, "enabled again", svc, r.AccessKeyID, r.SecretAccessKey, true)
	}
	// Sessions of before the disabling stay ended.
	if _, err := prod.RequesterForConsoleSession(ctx, token); hitd.ErrorCode(err) != hitd.ErrNotAuthenticated {
		t.Errorf("a session of before the disabling came back: %v", err)
	}
	if _, _, err := prod.ConsoleLogin(ctx, r.AccessKeyID, "console-password"); err != nil {
		t.Errorf("console password after enabling: %v", err)
	}
}
