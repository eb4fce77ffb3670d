package handlers

import (
	"net/http"
	"testing"

	"github.com/tokenadmin/tokenadmin/db/dbtest"
	"github.com/tokenadmin/tokenadmin/views"
)

// The gallery exists only with Dev (TOKENADMIN_DEV=1): without it the
// path is a 404 like any unknown page, even for a super admin.
func TestGalleryOnlyInDev(t *testing.T) {
	prod := newTestApp(t)
	prod.seedAdmin("ada@example.com", "super-admin")
	c := prod.login("ada@example.com")
	wantStatus(t, c.get(views.GalleryURL), http.StatusNotFound)
	anon := prod.newClient()
	if got, unknown := anon.get(views.GalleryURL).StatusCode, anon.get("/admin/no-such-page").StatusCode; got != unknown {
		t.Errorf("signed out: the gallery answers %d, an unknown page %d", got, unknown)
	}

	dev := newTestAppWith(t, dbtest.SQLite(t), func(o *Options) { o.Dev = true })
	res := dev.newClient().get(views.GalleryURL)
	wantStatus(t, res, http.StatusOK)
	doc := res.doc(t)
	sections := views.GallerySections(dev.now())
	if got := doc.Find(`[data-testid="gallery-section"]`).Length(); got != len(sections) {
		t.Errorf("sections: %d, want %d", got, len(sections))
	}
	for _, s := range sections {
		sec := doc.Find(`[data-testid="gallery-section"][data-component="` + s.Name + `"]`)
		if got := sec.Find(`[data-testid="gallery-frame"]`).Length(); got != 2*len(s.States) {
			t.Errorf("%s: %d frames, want a light and a dark one for each of %d states", s.Name, got, len(s.States))
		}
	}
}
