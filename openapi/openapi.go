package openapi

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/tokenadmin/tokenadmin/content"
)

// openAPIUIDPattern is uidRE written for ECMA-262, the dialect OpenAPI
// patterns use: there, with the u flag, "9-_" in a class is an error.
const openAPIUIDPattern = `^[A-Za-z0-9_.~-]*$`

// openAPIOperators is every filter operator in the order the filters
// parameter documents them; a test keeps it in step with the parser.
var openAPIOperators = []content.Operator{
	content.OpEq, content.OpEqi, content.OpNe, content.OpNei, content.OpLt, content.OpLte, content.OpGt, content.OpGte, content.OpIn, content.OpNotIn,
	content.OpContains, content.OpNotContains, content.OpContainsi, content.OpNotContainsi,
	content.OpStartsWith, content.OpStartsWithi, content.OpEndsWith, content.OpEndsWithi,
	content.OpNull, content.OpNotNull, content.OpBetween,
}

// New describes the content API r's types are served under as an
// OpenAPI 3.0.3 document. serverURL is where the API lives,
// ending in /api (a relative "/api" is allowed); paths are relative to it.
// An empty serverURL leaves servers out.
//
// Every operation carries x-tokenadmin-action, the action a token must be
// granted to call it. Private attributes are never described as returned
// or queryable; they appear, write-only, only in the input schemas, since
// the API accepts them there.
func New(r *content.Registry, serverURL string) *Document {
	doc := &Document{
		OpenAPI: Version,
		Info: Info{
			Title: "tokenadmin content API",
			Description: "The content API served by tokenadmin, following Strapi v5's REST conventions " +
				"(paths, bodies, query syntax and error shape). Every request needs an API token: " +
				"`Authorization: Bearer <token>`. Each operation's `x-tokenadmin-action` names the " +
				"permission it needs: read-only tokens may call find and findOne, full-access tokens " +
				"everything, custom tokens exactly the actions they were granted.",
			Version: "1",
		},
		Security: []map[string][]string{{openAPISecurityScheme: {}}},
		Paths:    map[string]*PathItem{},
		Components: Components{
			Schemas:   sharedSchemas(),
			Responses: sharedResponses(),
			SecuritySchemes: map[string]*SecurityScheme{
				openAPISecurityScheme: {
					Type:         "http",
					Scheme:       "bearer",
					BearerFormat: "tka_ API token",
					Description:  "An API token created in the admin under Settings › API Tokens.",
				},
			},
		},
	}
	if serverURL != "" {
		doc.Servers = []Server{{URL: serverURL}}
	}

	names := Names(r)
	operationIDs := map[string]bool{}
	tagged := map[string]bool{}
	for _, ct := range r.Types() {
		n := names[ct.UID()]
		if !tagged[ct.DisplayName] {
			tagged[ct.DisplayName] = true
			doc.Tags = append(doc.Tags, Tag{Name: ct.DisplayName, Description: ct.Description})
		}
		doc.Components.Schemas[n.Entry] = entrySchema(ct)
		doc.Components.Schemas[n.Input] = inputSchema(ct, false)
		if ct.Kind == content.CollectionType {
			doc.Components.Schemas[n.UpdateInput] = inputSchema(ct, true)
		}
		doc.Components.Schemas[n.Response] = &Schema{
			Type:     "object",
			Required: []string{"data", "meta"},
			Properties: Properties{
				{"data", schemaRef(n.Entry)},
				{"meta", &Schema{Type: "object"}},
			},
		}
		if ct.Kind == content.CollectionType {
			doc.Components.Schemas[n.ListResponse] = &Schema{
				Type:     "object",
				Required: []string{"data", "meta"},
				Properties: Properties{
					{"data", &Schema{Type: "array", Items: schemaRef(n.Entry)}},
					{"meta", &Schema{
						Type:       "object",
						Required:   []string{"pagination"},
						Properties: Properties{{"pagination", schemaRef(schemaPagination)}},
					}},
				},
			}
		}

		base := "/" + ct.RouteName()
		for _, rt := range ct.Routes() {
			path := base + strings.ReplaceAll(rt.Path, "/:documentId", "/{documentId}")
			op := operation(ct, n, rt)
			op.OperationID = uniqueName(operationIDs, op.OperationID)
			item := doc.Paths[path]
			if item == nil {
				item = &PathItem{}
				doc.Paths[path] = item
			}
			item.set(rt.Method, op)
		}
	}
	return doc
}

// Names returns, for each type's UID, the component schema names
// New describes it under: from the display name in
// PascalCase ("Blog post" → "BlogPost"), or from the singular name when
// that would clash with another type's or a shared component's names.
func Names(r *content.Registry) map[string]TypeNames {
	taken := map[string]bool{schemaError: true, schemaPagination: true}
	out := make(map[string]TypeNames, len(r.Types()))
	for _, ct := range r.Types() {
		candidates := []string{pascal(ct.DisplayName), pascal(ct.SingularName), ct.SingularName}
		var n TypeNames
		for i := 0; ; i++ {
			var base string
			if i < len(candidates) {
				base = candidates[i]
			} else {
				base = ct.SingularName + "_" + strconv.Itoa(i-len(candidates)+2)
			}
			if base == "" {
				continue
			}
			n = TypeNames{
				Entry: base, Input: base + "Input", UpdateInput: base + "UpdateInput",
				Response: base + "Response", ListResponse: base + "ListResponse",
			}
			if !taken[n.Entry] && !taken[n.Input] && !taken[n.UpdateInput] && !taken[n.Response] && !taken[n.ListResponse] {
				break
			}
		}
		for _, name := range []string{n.Entry, n.Input, n.UpdateInput, n.Response, n.ListResponse} {
			taken[name] = true
		}
		out[ct.UID()] = n
	}
	return out
}

// pascal turns a display or machine name into a component name: words
// (runs of ASCII letters and digits) with their first letter upper-cased,
// joined. Component names may only hold [A-Za-z0-9._-].
func pascal(s string) string {
	var b strings.Builder
	upper := true
	for _, c := range s {
		if c < unicode.MaxASCII && (unicode.IsLetter(c) || unicode.IsDigit(c)) {
			if upper {
				c = unicode.ToUpper(c)
			}
			b.WriteRune(c)
			upper = false
			continue
		}
		upper = true
	}
	return b.String()
}

// uniqueName returns name, or name with a number appended if it is taken,
// and marks the result taken.
func uniqueName(taken map[string]bool, name string) string {
	out := name
	for i := 2; taken[out]; i++ {
		out = name + strconv.Itoa(i)
	}
	taken[out] = true
	return out
}
