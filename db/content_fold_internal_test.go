package db

import (
	"strings"
	"testing"

	"github.com/tokenadmin/tokenadmin/content"
)

// TestFoldedColumnIsLoweredOnce pins the shape that makes many
// case-insensitive conditions cheap: one lower() per folded column, in
// the derived table, however many conditions read it; a column folded
// once stays inline and the table is read as it is.
func TestFoldedColumnIsLoweredOnce(t *testing.T) {
	ct := content.ContentType{SingularName: "post", PluralName: "posts", CollectionName: "posts",
		Attributes: []content.Attribute{{Name: "title", Type: content.TypeString}, {Name: "views", Type: content.TypeInteger}}}
	many := content.Filter{}
	for range 50 {
		many.Or = append(many.Or, content.Filter{Field: "title", Op: content.OpContainsi, Value: "x"},
			content.Filter{Field: "views", Op: content.OpStartsWithi, Value: "1"})
	}
	one := content.Filter{And: []content.Filter{{Field: "title", Op: content.OpContainsi, Value: "x"},
		{Field: "views", Op: content.OpEq, Value: int64(1)}}}
	for _, d := range []Dialect{SQLite, Postgres} {
		lower := "lower("
		if d == SQLite {
			lower = sqliteLower + "("
		}
		b := &sqlBuilder{dialect: d, ct: ct}
		where, err := b.where(many)
		if err != nil {
			t.Fatal(err)
		}
		from := b.from(`"ct_posts"`)
		// 100 conditions: two columns lowered once each, plus the values.
		if n := strings.Count(from, lower); n != 2 {
			t.Errorf("%s: %d lower() in %s, want one per column", d, n, from)
		}
		if n := strings.Count(where, lower+`"title"`) + strings.Count(where, lower+`CAST("views"`); n != 0 {
			t.Errorf("%s: the conditions lower a column themselves %d times", d, n)
		}
		if !strings.HasSuffix(from, `) AS "ct_posts"`) {
			t.Errorf("%s: from %s", d, from)
		}

		b = &sqlBuilder{dialect: d, ct: ct}
		if where, err = b.where(one); err != nil {
			t.Fatal(err)
		}
		if from := b.from(`"ct_posts"`); from != `"ct_posts"` || strings.Count(where, lower+`"title"`) != 1 {
			t.Errorf("%s: one folding condition: from %s where %s", d, from, where)
		}
	}
}
