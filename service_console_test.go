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

// newConsoleService returns a Service on a fresh SQLite store (every Write
// run twice, as hitdtest does) with a fake clock. accounts, when set, makes
// it a mirrored realm.
func newConsoleService(t testing.TB, clock *hitd.FakeClock, file string, accounts hitd.RequesterDirectory) *hitd.Service {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), file))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return hitd.NewService(hitdtest.RetryingStore{Store: st}, clock, hitd.IDSource{},
		hitd.Config{StartingBalance: 100_00, PasswordCost: bcrypt.MinCost, Accounts: accounts})
}

func wantCode(t *testing.T, what string, err error, code hitd.Code) {
	t.Helper()
	if hitd.ErrorCode(err) != code {
		t.Errorf("%s: error %v, want code %s", what, err, code)
	}
}

func TestConsolePasswordRules(t *testing.T) {
	ctx := context.Background()
	svc := newConsoleService(t, hitd.NewFakeClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)), "hitd.db", nil)
	r, err := svc.CreateRequester(ctx, "lab")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, key, password string
		code                hitd.Code
	}{
		{"too short", r.AccessKeyID, "short", hitd.ErrInvalidParameter},
		{"seven runes", r.AccessKeyID, "ééééééé", hitd.ErrInvalidParameter},
		{"too long", r.AccessKeyID, strings.Repeat("x", hitd.MaxPasswordBytes+1), hitd.ErrInvalidParameter},
		{"unknown key", "HITDNOSUCHKEY", "long-enough-password", hitd.ErrNotAuthorized},
		{"no key", "", "long-enough-password", hitd.ErrMissingParameter},
	} {
		wantCode(t, tc.name, svc.SetConsolePassword(ctx, tc.key, tc.password), tc.code)
	}
	if err := svc.SetConsolePassword(ctx, r.AccessKeyID, "eight-ok"); err != nil {
		t.Fatalf("an 8-character password: %v", err)
	}
	all, err := svc.ListRequesters(ctx)
	if err != nil || len(all) != 1 || bcrypt.CompareHashAndPassword(all[0].ConsolePasswordHash, []byte("eight-ok")) != nil {
		t.Fatalf("stored hash: %+v, %v", all, err)
	}
	if cost, _ := bcrypt.Cost(all[0].ConsolePasswordHash); cost != bcrypt.MinCost {
		t.Errorf("bcrypt cost %d, want Config.PasswordCost %d", cost, bcrypt.MinCost)
	}
	if all[0].Balance != 100_00 || all[0].SecretAccessKey != r.SecretAccessKey {
		t.Errorf("setting the password changed the requester: %+v", all[0])
	}
}

func TestConsoleLogin(t *testing.T) {
	ctx := context.Background()
	clock := hitd.NewFakeClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	svc := newConsoleService(t, clock, "hitd.db", nil)
	r, err := svc.CreateRequester(ctx, "lab")
	if err != nil {
		t.Fatal(err)
	}
	other, err := svc.CreateRequester(ctx, "other")
	if err != nil {
		t.Fatal(err)
	}
	const password = "console-password-1"

	// Before a password is set, only the secret access key signs in.
	if _, _, err := svc.ConsoleLogin(ctx, r.AccessKeyID, password); err == nil {
		t.Error("signed in with a password that was never set")
	}
	if err := svc.SetConsolePassword(ctx, r.AccessKeyID, password); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct{ name, key, secret string }{
		{"wrong secret", r.AccessKeyID, "not-the-secret"},
		{"another requester's secret", r.AccessKeyID, other.SecretAccessKey},
		{"another requester's key with this password", other.AccessKeyID, password},
		{"unknown key", "HITDNOSUCHKEY0000000", r.SecretAccessKey},
		{"unknown key and password", "HITDNOSUCHKEY0000000", password},
		{"empty secret", r.AccessKeyID, ""},
		{"empty key", "", password},
	} {
		tok, got, err := svc.ConsoleLogin(ctx, tc.key, tc.secret)
		wantCode(t, tc.name, err, hitd.ErrNotAuthenticated)
		if tok != "" || got != nil {
			t.Errorf("%s: token %q, requester %+v", tc.name, tok, got)
		}
		if err != nil && !strings.Contains(hitd.ErrorMessage(err), "wrong") {
			t.Errorf("%s: message %q", tc.name, hitd.ErrorMessage(err))
		}
	}

	for _, tc := range []struct{ name, secret string }{{"secret access key", r.SecretAccessKey}, {"console password", password}} {
		t.Run(tc.name, func(t *testing.T) {
			tok, got, err := svc.ConsoleLogin(ctx, r.AccessKeyID, tc.secret)
			if err != nil || got.ID != r.ID || len(tok) < 40 {
				t.Fatalf("ConsoleLogin = %q, %+v, %v", tok, got, err)
			}
			again, err := svc.RequesterForConsoleSession(ctx, tok)
			if err != nil || again.ID != r.ID || again.Admin {
				t.Fatalf("RequesterForConsoleSession = %+v, %v", again, err)
			}
			if err := svc.ConsoleLogout(ctx, tok); err != nil {
				t.Fatal(err)
			}
			_, err = svc.RequesterForConsoleSession(ctx, tok)
			wantCode(t, "after logout", err, hitd.ErrNotAuthenticated)
			if err := svc.ConsoleLogout(ctx, tok); err != nil {
				t.Errorf("second logout: %v", err)
			}
		})
	}

	// A session lasts SessionLifetime.
	tok, _, err := svc.ConsoleLogin(ctx, r.AccessKeyID, password)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(hitd.SessionLifetime - time.Second)
	if _, err := svc.RequesterForConsoleSession(ctx, tok); err != nil {
		t.Errorf("a second before expiry: %v", err)
	}
	clock.Advance(time.Second)
	_, err = svc.RequesterForConsoleSession(ctx, tok)
	wantCode(t, "expired session", err, hitd.ErrNotAuthenticated)

	for _, bad := range []string{"", "not-a-token", tok + "x"} {
		_, err := svc.RequesterForConsoleSession(ctx, bad)
		wantCode(t, "token "+bad, err, hitd.ErrNotAuthenticated)
	}
	if err := svc.ConsoleLogout(ctx, ""); err != nil {
		t.Errorf("logout without a token: %v", err)
	}
	// Worker sessions are not console sessions.
	if _, err := svc.CreateWorker(ctx, "amara", "worker-password"); err != nil {
		t.Fatal(err)
	}
	wtok, _, err := svc.LoginWorker(ctx, "amara", "worker-password")
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.RequesterForConsoleSession(ctx, wtok)
	wantCode(t, "a worker's token", err, hitd.ErrNotAuthenticated)
}

func TestAdminRequesters(t *testing.T) {
	ctx := context.Background()
	svc := newConsoleService(t, hitd.NewFakeClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)), "hitd.db", nil)
	admin, err := svc.CreateAdminRequester(ctx, "operator")
	if err != nil || !admin.Admin || admin.Balance != 100_00 {
		t.Fatalf("CreateAdminRequester = %+v, %v", admin, err)
	}
	plain, err := svc.CreateRequester(ctx, "lab")
	if err != nil || plain.Admin {
		t.Fatalf("CreateRequester = %+v, %v", plain, err)
	}
	_, got, err := svc.ConsoleLogin(ctx, admin.AccessKeyID, admin.SecretAccessKey)
	if err != nil || !got.Admin {
		t.Errorf("admin's login: %+v, %v", got, err)
	}
	if r, err := svc.SetRequesterAdmin(ctx, plain.AccessKeyID, true); err != nil || !r.Admin {
		t.Errorf("SetRequesterAdmin(true) = %+v, %v", r, err)
	}
	if r, err := svc.SetRequesterAdmin(ctx, admin.AccessKeyID, false); err != nil || r.Admin {
		t.Errorf("SetRequesterAdmin(false) = %+v, %v", r, err)
	}
	_, err = svc.SetRequesterAdmin(ctx, "HITDNOSUCHKEY", true)
	wantCode(t, "SetRequesterAdmin of an unknown key", err, hitd.ErrNotAuthorized)
}

// In the sandbox realm, console sign-in checks production's credentials and
// the session lives in the sandbox's store.
func TestConsoleLoginMirroredRealm(t *testing.T) {
	ctx := context.Background()
	clock := hitd.NewFakeClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	prod := newConsoleService(t, clock, "hitd.db", nil)
	sandbox := newConsoleService(t, clock, "sandbox.db", prod)
	admin, err := prod.CreateAdminRequester(ctx, "operator")
	if err != nil {
		t.Fatal(err)
	}
	const password = "console-password-1"
	if err := prod.SetConsolePassword(ctx, admin.AccessKeyID, password); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "SetConsolePassword in the sandbox", sandbox.SetConsolePassword(ctx, admin.AccessKeyID, "another-password"), hitd.ErrInvalidParameter)
	_, err = sandbox.SetRequesterAdmin(ctx, admin.AccessKeyID, false)
	wantCode(t, "SetRequesterAdmin in the sandbox", err, hitd.ErrInvalidParameter)
	_, err = sandbox.CreateAdminRequester(ctx, "x")
	wantCode(t, "CreateAdminRequester in the sandbox", err, hitd.ErrInvalidParameter)

	_, _, err = sandbox.ConsoleLogin(ctx, admin.AccessKeyID, "wrong-password")
	wantCode(t, "wrong password in the sandbox", err, hitd.ErrNotAuthenticated)
	_, _, err = sandbox.ConsoleLogin(ctx, "HITDNOSUCHKEY0000000", password)
	wantCode(t, "unknown key in the sandbox", err, hitd.ErrNotAuthenticated)

	// First contact: the sign-in mirrors the requester, with Admin and
	// without its password hash, and a sandbox balance.
	tok, r, err := sandbox.ConsoleLogin(ctx, admin.AccessKeyID, password)
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != admin.ID || !r.Admin || r.ConsolePasswordHash != nil || r.Balance != 100_00 {
		t.Errorf("sandbox requester after login: %+v", r)
	}
	if _, _, err := sandbox.ConsoleLogin(ctx, admin.AccessKeyID, admin.SecretAccessKey); err != nil {
		t.Errorf("secret access key in the sandbox: %v", err)
	}
	// The session is the sandbox's, not production's.
	if _, err := prod.RequesterForConsoleSession(ctx, tok); hitd.ErrorCode(err) != hitd.ErrNotAuthenticated {
		t.Errorf("sandbox session accepted by production: %v", err)
	}
	if got, err := sandbox.RequesterForConsoleSession(ctx, tok); err != nil || got.ID != admin.ID || !got.Admin {
		t.Errorf("sandbox session: %+v, %v", got, err)
	}

	// Production's changes reach the sandbox console at once.
	if _, err := prod.SetRequesterAdmin(ctx, admin.AccessKeyID, false); err != nil {
		t.Fatal(err)
	}
	if got, err := sandbox.RequesterForConsoleSession(ctx, tok); err != nil || got.Admin {
		t.Errorf("after production revoked admin: %+v, %v", got, err)
	}
	if err := prod.SetConsolePassword(ctx, admin.AccessKeyID, "a-new-password"); err != nil {
		t.Fatal(err)
	}
	_, _, err = sandbox.ConsoleLogin(ctx, admin.AccessKeyID, password)
	wantCode(t, "old password in the sandbox", err, hitd.ErrNotAuthenticated)
	if _, _, err := sandbox.ConsoleLogin(ctx, admin.AccessKeyID, "a-new-password"); err != nil {
		t.Errorf("new password in the sandbox: %v", err)
	}

	if err := sandbox.ConsoleLogout(ctx, tok); err != nil {
		t.Fatal(err)
	}
	_, err = sandbox.RequesterForConsoleSession(ctx, tok)
	wantCode(t, "after logout in the sandbox", err, hitd.ErrNotAuthenticated)
}
