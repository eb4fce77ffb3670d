package graphqlapi

import (
	"errors"
	"net/http"
	"sort"

	"github.com/graphql-go/graphql/language/location"

	"github.com/tokenadmin/tokenadmin/content"
)

// gqlLimitError answers a document graphqlapi refused: 400 with the code
// it chose and, for a limit, Strapi's error object naming the limit.
func gqlLimitError(err error) (Answer, error) {
	var ge *Error
	if !errors.As(err, &ge) {
		return Answer{}, err
	}
	e := gqlErrorJSON{Message: ge.Message, Extensions: map[string]any{"code": ge.Code}}
	for _, l := range ge.Locations {
		e.Locations = append(e.Locations, location.SourceLocation{Line: l.Line, Column: l.Column})
	}
	if ge.Limit != "" {
		e.Extensions["error"] = map[string]any{"name": "ValidationError", "message": ge.Message,
			"details": content.OrderedObject{{Key: "limit", Value: ge.Limit}, {Key: "max", Value: ge.Max}}}
	}
	return gqlWrite(http.StatusBadRequest, nil, false, []gqlErrorJSON{e})
}

// gqlInputError answers a body that is not text (content.CheckBodyText):
// 400 BAD_USER_INPUT with Strapi's error object.
func gqlInputError(err error) (Answer, error) {
	var ve *content.ValidationError
	if !errors.As(err, &ve) {
		return Answer{}, err
	}
	return gqlWrite(http.StatusBadRequest, nil, false, []gqlErrorJSON{{Message: ve.Message,
		Extensions: map[string]any{"code": gqlCodeBadUserInput,
			"error": map[string]any{"name": "ValidationError", "message": ve.Message, "details": ve.DetailsObject()}}}})
}

// lineIndex finds the line and column of a byte offset in a document, as
// graphql-go's location.GetLocation does when it has the source: lines
// end at \r\n, \n or \r, and columns count bytes from 1.
type lineIndex struct {
	starts []int // offset at which each line starts
}

func newLineIndex(doc string) lineIndex {
	starts := []int{0}
	for i := 0; i < len(doc); i++ {
		switch doc[i] {
		case '\r':
			if i+1 < len(doc) && doc[i+1] == '\n' {
				i++
			}
			starts = append(starts, i+1)
		case '\n':
			starts = append(starts, i+1)
		}
	}
	return lineIndex{starts: starts}
}

// relocate turns locations graphql-go computed without the source (line
// 1, column offset+1) into real lines and columns. A location already on
// line 1 comes out unchanged, so parse errors, which graphql-go locates
// with the source, may go through it too.
func (x lineIndex) relocate(locs []location.SourceLocation) []location.SourceLocation {
	if len(locs) == 0 {
		return locs
	}
	out := make([]location.SourceLocation, len(locs))
	for i, l := range locs {
		if l.Line != 1 || l.Column < 1 {
			out[i] = l
			continue
		}
		offset := l.Column - 1
		line := sort.Search(len(x.starts), func(j int) bool { return x.starts[j] > offset }) // first line after
		out[i] = location.SourceLocation{Line: line, Column: offset - x.starts[line-1] + 1}
	}
	return out
}
