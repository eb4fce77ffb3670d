package db

import (
	"strconv"
	"strings"

	"github.com/tokenadmin/tokenadmin/content"
)

// The case-insensitive operators compare lower(column) with lower(value).
// Written into each condition, the column is lowered once per row for
// every condition on it: an $or of 100 $containsi lowers every row 100
// times, and that is most of the query's cost (SQLite calls a Go function
// for it). A column folded by more than one condition is lowered once per
// row instead, in a derived table whose extra columns ("lower.1", …) the
// conditions read. A column folded once stays inline, where nothing
// changes.

func foldsCase(op content.Operator) bool {
	switch op {
	case content.OpEqi, content.OpNei, content.OpContainsi, content.OpNotContainsi,
		content.OpStartsWithi, content.OpEndsWithi:
		return true
	}
	return false
}

// where renders f as a WHERE condition, lowering each column it folds
// more than once only once per row (see from).
func (b *sqlBuilder) where(f content.Filter) (string, error) {
	b.foldCount = map[string]int{}
	b.countFolds(f)
	return b.filter(f)
}

// countFolds counts, per column expression, the conditions of f that fold
// it; a list value is a condition per element (see leaf).
func (b *sqlBuilder) countFolds(f content.Filter) {
	switch {
	case f.And != nil || f.Or != nil:
		for _, c := range append(f.And, f.Or...) {
			b.countFolds(c)
		}
	case f.Not != nil:
		b.countFolds(*f.Not)
	case foldsCase(f.Op):
		fl, err := resolveField(b.ct, f.Field)
		if err != nil {
			return // leaf reports it
		}
		n := 1
		if vs, ok := f.Value.([]any); ok {
			n = len(vs)
		}
		b.foldCount[b.textCol(fl)] += n
	}
}

// foldedCol is what a folding condition compares for the column
// expression col: lower(col) inline, or the derived column that holds it.
func (b *sqlBuilder) foldedCol(col string) string {
	if b.foldCount[col] < 2 {
		return b.lower(col)
	}
	if alias, ok := b.foldAlias[col]; ok {
		return alias
	}
	// The dot keeps the name apart from every column: attribute names are
	// plain identifiers.
	alias := `"lower.` + strconv.Itoa(len(b.folded)+1) + `"`
	if b.foldAlias == nil {
		b.foldAlias = map[string]string{}
	}
	b.foldAlias[col] = alias
	b.folded = append(b.folded, b.lower(col)+" AS "+alias)
	return alias
}

// from is what the query reads: the table qt, or, when columns are
// lowered once per row, a derived table that adds them under qt's name.
// It must not be merged into the outer query, which would copy lower()
// back into every condition: LIMIT -1 keeps SQLite from flattening it
// and OFFSET 0 keeps PostgreSQL from pulling it up.
func (b *sqlBuilder) from(qt string) string {
	if len(b.folded) == 0 {
		return qt
	}
	fence := " LIMIT -1"
	if b.dialect == Postgres {
		fence = " OFFSET 0"
	}
	return "(SELECT *, " + strings.Join(b.folded, ", ") + " FROM " + qt + fence + ") AS " + qt
}
