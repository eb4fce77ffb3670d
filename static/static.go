// Package static embeds the front-end assets the server sends to browsers:
// the built stylesheet, the vendored htmx and app.js.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
)

// FS holds built assets only: css/app.css (from `make generate`, never the
// Tailwind source input.css) and js/*.js. Paths inside are relative to this
// directory, e.g. "css/app.css".
//
//go:embed css/app.css js/*.js favicon.svg
var FS embed.FS

// Version identifies the embedded assets' content, for cache-busting URLs
// such as "/static/css/app.css?v=" + Version. It changes whenever any asset
// changes, so the assets can be served with a long-lived Cache-Control.
var Version = contentVersion(FS)

// contentVersion hashes every file's path and bytes. fs.WalkDir visits in
// lexical order, so the result is stable from build to build.
func contentVersion(fsys fs.FS) string {
	h := sha256.New()
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		// The header keeps file boundaries unambiguous: moving bytes from
		// one file to the next changes the version.
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		// Reading an embed.FS cannot fail; a panic here means the embed
		// directive and this walk disagree, which a test run shows at once.
		panic("static: hash embedded assets: " + err.Error())
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}
