package views

import (
	"net/url"
	"strconv"
)

// TokensURL is the API tokens list; the token URLs below hang off it, so
// that ids and targets cannot drift apart.
const TokensURL = "/admin/settings/api-tokens"

// TokenURL is a token's page, with an optional suffix such as "/delete".
func TokenURL(id int64, suffix string) string {
	return TokensURL + "/" + strconv.FormatInt(id, 10) + suffix
}

// tokenRowID is the id of a token's table row, the target of its delete.
func tokenRowID(id int64) string { return "token-row-" + strconv.FormatInt(id, 10) }

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
