package apitoken

// CountKind says how much a Count may be trusted.
type CountKind int

// A count is exact, an estimate, or a lower bound.
const (
	CountExact    CountKind = iota
	CountEstimate           // "about N"
	CountAtLeast            // "more than N"
)

// Count is how many tokens a list holds. Counting a million rows costs
// more than showing a page of them, so past a bound the store estimates.
type Count struct {
	N    int
	Kind CountKind
}

// Page is one page of the token list with what it takes to move on: the
// cursors of its first and last rows, and whether pages lie before and
// after it.
type Page struct {
	Tokens           []Token
	Total            Count
	HasPrev, HasNext bool
	First, Last      string // cursors for ListQuery.Before and After
}
