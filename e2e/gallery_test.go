package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tokenadmin/tokenadmin/handlers"
	"github.com/tokenadmin/tokenadmin/views"
)

// TestGalleryInTheBrowser: with Dev the gallery draws each state in a
// light and a dark frame that really differ (the frames set their own
// palette), and no state is wider than its frame makes room for at 1280 px
// without the page scrolling sideways.
func TestGalleryInTheBrowser(t *testing.T) {
	a := newAppWith(t, func(o *handlers.Options) { o.Dev = true })
	a.run(chromedp.EmulateViewport(1280, 900))
	a.open(views.GalleryURL, `[data-testid="gallery"]`)
	var bg []string
	a.eval(`['light', 'dark'].map(t => getComputedStyle(document.querySelector('[data-theme-frame="' + t + '"]')).backgroundColor)`, &bg)
	if len(bg) != 2 || bg[0] == bg[1] {
		t.Errorf("light and dark frames share a background: %v", bg)
	}
	var text []string
	a.eval(`['light', 'dark'].map(t => getComputedStyle(document.querySelector('[data-theme-frame="' + t + '"] h2, [data-theme-frame="' + t + '"] p, [data-theme-frame="' + t + '"] a')).color)`, &text)
	if len(text) != 2 || text[0] == text[1] {
		t.Errorf("light and dark frames share a text colour: %v", text)
	}
	if !a.isTrue(`document.documentElement.scrollWidth <= window.innerWidth`) {
		var wide []string
		a.eval(`[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth).slice(0, 5).map(e => e.tagName + '.' + e.className)`, &wide)
		t.Errorf("the gallery scrolls sideways at 1280 px; beyond the edge: %v", wide)
	}
	a.shot("gallery")
}
