package handlers

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestHandlersDoNotImportTheStore: handlers reach the database only
// through the interfaces they declare and the domain's services and
// errors; importing db for its errors or rules is how business logic
// leaked into handlers before.
func TestHandlersDoNotImportTheStore(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		ast, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if path == "github.com/tokenadmin/tokenadmin/db" || strings.HasPrefix(path, "github.com/tokenadmin/tokenadmin/db/") {
				t.Errorf("%s imports %s", f, path)
			}
		}
	}
}
