package handlers

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/tokenadmin/tokenadmin/apitoken"
)

// TestAPISelfGolden pins the exact bytes of GET /api/token: the keys in
// the order of spec §9 (id, name, type, permissions, expiresAt,
// lastUsedAt, paused, graceEndsAt while in a grace, allowedIps,
// rateLimit, quota), strings as JSON.stringify writes them, and the
// content API's Content-Type.
func TestAPISelfGolden(t *testing.T) {
	app := newTestApp(t)
	tok, _, errs, err := app.tokens.Create(context.Background(), testActor, apitoken.Input{
		Name: "a <b> & c", Type: "custom", Duration: "30", Permissions: []string{"api::category.category.find"},
		GuardInput: apitoken.GuardInput{AllowedIPs: []string{"127.0.0.0/8", "::1"}, RateLimit: "100/m", Quota: "50", QuotaRefill: "daily"}})
	if err != nil || !errs.Valid() {
		t.Fatalf("mint: %v %v", err, errs)
	}
	id := strconv.FormatInt(tok.ID, 10)
	expires := tok.ExpiresAt.UTC().Format(time.RFC3339)
	_, newKey, err := app.tokens.Rotate(context.Background(), testActor, tok.ID, apitoken.Grace1h)
	if err != nil {
		t.Fatal(err)
	}
	grace := app.now().Add(time.Hour).UTC().Format(time.RFC3339)
	r := app.api("GET", "/api/token", "Bearer "+newKey, "")
	want := `{"data":{"id":` + id + `,"name":"a <b> & c","type":"custom","permissions":["api::category.category.find"],` +
		`"expiresAt":"` + expires + `","lastUsedAt":null,"paused":false,"graceEndsAt":"` + grace + `",` +
		`"allowedIps":["127.0.0.0/8","::1/128"],"rateLimit":{"limit":100,"window":"minute","value":"100/m"},` +
		`"quota":{"limit":50,"remaining":49,"refill":"daily"}}}` + "\n"
	if r.status != 200 || r.raw != want {
		t.Errorf("GET /api/token: %d\n got %s\nwant %s", r.status, r.raw, want)
	}
	if ct := r.header.Get("Content-Type"); ct != mimeJSON {
		t.Errorf("Content-Type %q, want %q", ct, mimeJSON)
	}
}
