package content

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// Registry is the set of content types the server serves. It is immutable
// once loaded, so one value is shared by every request without locking.
type Registry struct {
	types      []ContentType // sorted for display
	byPlural   map[string]int
	bySingular map[string]int
	byRoute    map[string]int
	actions    map[string]struct{}
	actionList []string
	warnings   []string
}

//go:embed defaults
var defaultsFS embed.FS

var defaultRegistry = sync.OnceValue(func() *Registry {
	r, err := Load(defaultsFS)
	if err != nil {
		// The embedded files ship with the binary; a test catches this first.
		panic("content: embedded default schemas: " + err.Error())
	}
	return r
})

// Default returns the registry of the built-in article and category types,
// used when no schema directory is configured. Every call returns the same
// registry.
func Default() *Registry { return defaultRegistry() }

// LoadDir loads every schema.json under dir, such as a Strapi project's
// src/api. Messages name files by their path under dir.
func LoadDir(dir string) (*Registry, error) {
	return load(os.DirFS(dir), dir, func(p string) string {
		return filepath.Join(dir, filepath.FromSlash(p))
	})
}

// Load loads every file named schema.json anywhere in fsys and ignores all
// other files, so a whole Strapi src/api tree (controllers, routes,
// services) can be handed over as is.
func Load(fsys fs.FS) (*Registry, error) {
	return load(fsys, ".", func(p string) string { return p })
}

// load walks fsys; dir and name only shape messages, so Load and LoadDir
// report paths the way their caller spelled them.
func load(fsys fs.FS, dir string, name func(string) string) (*Registry, error) {
	r := &Registry{
		byPlural:   map[string]int{},
		bySingular: map[string]int{},
		byRoute:    map[string]int{},
		actions:    map[string]struct{}{},
	}
	// owner maps each singular and plural name to the file that claimed it.
	// Both kinds of name share one space: a single type is served at
	// /api/<singular>, which must not collide with a collection's plural.
	owner := map[string]string{}

	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("%s: %w", name(p), err)
		}
		if d.IsDir() {
			// A project root handed over by mistake holds thousands of
			// unrelated schema.json files under node_modules.
			if p != "." && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) {
				return fs.SkipDir
			}
			return nil
		}
		if d.Name() != "schema.json" {
			return nil
		}
		file := name(p)
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		ct, warnings, err := parseSchema(file, data)
		if err != nil {
			return err
		}
		for _, n := range []struct{ field, value string }{
			{"info.singularName", ct.SingularName},
			{"info.pluralName", ct.PluralName},
		} {
			if other, taken := owner[n.value]; taken {
				return &SchemaError{File: file, Problem: fmt.Sprintf("%s %q is already used by %s", n.field, n.value, other)}
			}
			owner[n.value] = file
		}
		for _, t := range r.types {
			if t.CollectionName == ct.CollectionName {
				return &SchemaError{File: file, Problem: fmt.Sprintf("collectionName %q is already used by %s", ct.CollectionName, t.Source)}
			}
		}
		r.types = append(r.types, ct)
		r.warnings = append(r.warnings, warnings...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(r.types) == 0 {
		return nil, fmt.Errorf("no schema.json files found under %s", dir)
	}

	slices.SortFunc(r.types, func(a, b ContentType) int {
		if c := strings.Compare(strings.ToLower(a.DisplayName), strings.ToLower(b.DisplayName)); c != 0 {
			return c
		}
		return strings.Compare(a.SingularName, b.SingularName)
	})
	for i, ct := range r.types {
		r.byPlural[ct.PluralName] = i
		r.bySingular[ct.SingularName] = i
		r.byRoute[ct.RouteName()] = i
		for _, a := range ct.Actions() {
			r.actions[a] = struct{}{}
			r.actionList = append(r.actionList, a)
		}
	}
	slices.Sort(r.actionList)
	return r, nil
}

// Types returns every content type, sorted by display name.
func (r *Registry) Types() []ContentType { return slices.Clone(r.types) }

// ByPlural returns the type whose plural name is p.
func (r *Registry) ByPlural(p string) (ContentType, bool) { return r.lookup(r.byPlural, p) }

// BySingular returns the type whose singular name is s.
func (r *Registry) BySingular(s string) (ContentType, bool) { return r.lookup(r.bySingular, s) }

// ByRouteName returns the type served at /api/<name>: a collection type by
// its plural name, a single type by its singular name.
func (r *Registry) ByRouteName(name string) (ContentType, bool) { return r.lookup(r.byRoute, name) }

func (r *Registry) lookup(index map[string]int, key string) (ContentType, bool) {
	i, ok := index[key]
	if !ok {
		return ContentType{}, false
	}
	return r.types[i], true
}

// KnownAction reports whether a is an action of some loaded type. It is a
// map lookup because token checks call it on every API request.
func (r *Registry) KnownAction(a string) bool {
	_, ok := r.actions[a]
	return ok
}

// Actions returns every action of every type, sorted.
func (r *Registry) Actions() []string { return slices.Clone(r.actionList) }

// Warnings returns what loading left out, one line per skipped attribute
// or unenforced constraint, each naming its file; empty when nothing was.
func (r *Registry) Warnings() []string { return slices.Clone(r.warnings) }
