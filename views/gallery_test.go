package views

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"
)

var templDecl = regexp.MustCompile(`(?m)^templ ([A-Za-z]\w*)\(`)

// Every component of the package is in the gallery, or excluded with a
// reason; an exclusion of a component that no longer exists is stale.
// A new component without a fixture fails here.
func TestGalleryShowsEveryComponent(t *testing.T) {
	files, err := filepath.Glob("*.templ")
	if err != nil || len(files) == 0 {
		t.Fatalf("no .templ files: %v", err)
	}
	declared := map[string]bool{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range templDecl.FindAllSubmatch(src, -1) {
			declared[string(m[1])] = true
		}
	}
	shown := map[string]bool{"GallerySectionView": true, "GalleryFrame": true, "galleryTable": true}
	for _, s := range GallerySections(time.Now()) {
		shown[s.Name] = true
		if len(s.States) == 0 {
			t.Errorf("%s: a section without a state", s.Name)
		}
		for _, st := range s.States {
			for _, n := range st.Shows {
				shown[n] = true
			}
		}
	}
	var missing []string
	for name := range declared {
		if !shown[name] && GalleryExcluded[name] == "" {
			missing = append(missing, name)
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("components in no gallery section (add a fixture in gallery_fixtures.go): %v", missing)
	}
	for name := range GalleryExcluded {
		if !declared[name] {
			t.Errorf("GalleryExcluded names %s, which is no component", name)
		}
	}
	for name := range shown {
		if !declared[name] {
			t.Errorf("the gallery claims to show %s, which is no component", name)
		}
	}
}

// Every state renders, and the page draws each in a light and a dark
// frame.
func TestGalleryRendersEveryState(t *testing.T) {
	sections := GallerySections(time.Now())
	states := 0
	for _, s := range sections {
		for _, st := range s.States {
			var buf bytes.Buffer
			if err := st.View.Render(context.Background(), &buf); err != nil || buf.Len() == 0 {
				t.Errorf("%s / %s: %v (%d bytes)", s.Name, st.Label, err, buf.Len())
			}
			states++
		}
	}
	var page bytes.Buffer
	if err := GalleryPage(sections).Render(context.Background(), &page); err != nil {
		t.Fatal(err)
	}
	for theme, want := range map[string]int{`data-theme-frame="light"`: states, `data-theme-frame="dark"`: states} {
		if got := bytes.Count(page.Bytes(), []byte(theme)); got != want {
			t.Errorf("%s frames: %d, want one per state (%d)", theme, got, want)
		}
	}
}
