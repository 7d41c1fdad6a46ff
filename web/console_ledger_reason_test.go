package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hitd/hitd"
)

// TestConsoleLedgerShowsReasons: an operator's adjustment (hitd requester
// adjust-balance) and a deposit with a reason show their reasons, escaped,
// on the ledger page and in its CSV.
func TestConsoleLedgerShowsReasons(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	req, _ := e.NewRequester("Lab of Ada")
	const why = `refund of <b>invoice</b> #12 & "fees"`
	if _, err := e.Service.AdjustBalance(ctx, hitd.AdjustBalanceInput{AccessKeyID: req.AccessKeyID, Amount: "-12.50", Reason: why}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Service.Deposit(ctx, hitd.DepositInput{AccessKeyID: req.AccessKeyID, Amount: "3.00", Reason: "wire transfer 7"}); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.consoleLogin(req.AccessKeyID, req.SecretAccessKey)
	body := b.get("/requester/ledger").want(t, 200).body
	wantIn(t, "the ledger", body, `<td class="kind">Adjustment</td>`, `<td class="num out">−$12.50</td>`,
		`<div class="note reason">refund of &lt;b&gt;invoice&lt;/b&gt; #12 &amp; &#34;fees&#34;</div>`,
		`<div class="note reason">wire transfer 7</div>`, `<td class="num in">+$3.00</td>`)
	if strings.Contains(body, "<b>invoice") {
		t.Error("the reason is not escaped")
	}
	recs := ledgerCSV(t, b)
	var reasons []string
	for _, rec := range recs {
		reasons = append(reasons, rec[2]+"="+rec[4]+":"+rec[8])
	}
	want := []string{"deposit=1:", "adjustment=-1:" + why, "deposit=1:wire transfer 7"}
	if strings.Join(reasons, "|") != strings.Join(want, "|") {
		t.Errorf("CSV kind=direction:reason %q, want %q", reasons, want)
	}
}

// TestConsoleAdminShowsDisabledWorker: the admin page marks a worker the
// operator disabled (hitd worker disable).
func TestConsoleAdminShowsDisabledWorker(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin, err := e.Service.CreateAdminRequester(ctx, "ops")
	if err != nil {
		t.Fatal(err)
	}
	w, err := e.Service.CreateWorker(ctx, "cyrus", "cyrus-password")
	if err != nil {
		t.Fatal(err)
	}
	other, err := e.Service.CreateWorker(ctx, "dana", "dana-password")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Service.SetWorkerDisabled(ctx, w.ID, true); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.consoleLogin(admin.AccessKeyID, admin.SecretAccessKey)
	body := b.get("/requester/admin").want(t, 200).body
	wantIn(t, "the admin page", body, `<td class="username">cyrus <span class="badge blocked">disabled</span></td>`,
		`<td class="username">dana</td>`, `<tr id="admin-worker-`+other.ID+`">`)
}
