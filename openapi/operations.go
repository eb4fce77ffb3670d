package openapi

import (
	"strconv"
	"strings"

	"github.com/tokenadmin/tokenadmin/content"
)

// operation describes one route of ct.
func operation(ct content.ContentType, n TypeNames, rt content.Route) *Operation {
	action := ct.UID() + "." + rt.Verb
	who := "Full-access tokens may call it"
	if rt.Verb == content.VerbFind || rt.Verb == content.VerbFindOne {
		who = "Read-only and full-access tokens may call it"
	}
	op := &Operation{
		Tags:    []string{ct.DisplayName},
		Summary: rt.Description,
		Description: "Needs the `" + action + "` permission. " + who +
			"; a custom token needs this action granted.",
		Action:    action,
		Responses: map[string]*Response{},
	}
	single := ct.Kind == content.SingleType
	singular, plural := pascal(ct.SingularName), pascal(ct.PluralName)
	ok := &Response{Description: "The entry.", Content: jsonContent(schemaRef(n.Response), nil)}
	documentID := &Parameter{
		Name: "documentId", In: "path", Required: true,
		Description: "The entry's documentId.",
		Schema:      &Schema{Type: "string"},
	}
	body := func(input string) *RequestBody {
		return &RequestBody{
			Required:    true,
			Description: `The attributes under "data", as Strapi expects them.`,
			Content: jsonContent(&Schema{
				Type:       "object",
				Required:   []string{"data"},
				Properties: Properties{{"data", schemaRef(input)}},
			}, nil),
		}
	}

	switch {
	case rt.Verb == content.VerbFind && single:
		op.OperationID = "find" + singular
		op.Responses["200"] = ok
		op.Responses["404"] = responseRef(responseNotFound)
	case rt.Verb == content.VerbFind:
		op.OperationID = "find" + plural
		op.Parameters = findParameters(ct)
		op.Responses["200"] = &Response{
			Description: "One page of entries. A page past the end is an empty list.",
			Content:     jsonContent(schemaRef(n.ListResponse), nil),
		}
		op.Responses["400"] = responseRef(responseBadRequest)
	case rt.Verb == content.VerbFindOne:
		op.OperationID = "findOne" + singular
		op.Parameters = []*Parameter{documentID, fieldsParameter(ct)}
		op.Responses["200"] = ok
		op.Responses["400"] = responseRef(responseBadRequest)
		op.Responses["404"] = responseRef(responseNotFound)
	case rt.Verb == content.VerbCreate:
		op.OperationID = "create" + singular
		op.RequestBody = body(n.Input)
		op.Responses["201"] = &Response{Description: "The created entry.", Content: jsonContent(schemaRef(n.Response), nil)}
		op.Responses["400"] = responseRef(responseBadRequest)
	case rt.Verb == content.VerbUpdate && single:
		op.OperationID = "update" + singular
		op.RequestBody = body(n.Input)
		op.Responses["200"] = &Response{Description: "The entry as stored.", Content: jsonContent(schemaRef(n.Response), nil)}
		op.Responses["400"] = responseRef(responseBadRequest)
	case rt.Verb == content.VerbUpdate:
		op.OperationID = "update" + singular
		op.Parameters = []*Parameter{documentID}
		op.RequestBody = body(n.UpdateInput)
		op.Responses["200"] = &Response{Description: "The updated entry.", Content: jsonContent(schemaRef(n.Response), nil)}
		op.Responses["400"] = responseRef(responseBadRequest)
		op.Responses["404"] = responseRef(responseNotFound)
	case rt.Verb == content.VerbDelete:
		op.OperationID = "delete" + singular
		if !single {
			op.Parameters = []*Parameter{documentID}
		}
		op.Responses["204"] = &Response{Description: "Deleted, or there was nothing to delete (as in Strapi); no body."}
	}
	op.Responses["401"] = responseRef(responseUnauthorized)
	op.Responses["403"] = responseRef(responseForbidden)
	return op
}

// queryFields lists the fields sort, fields and filters accept: the
// system fields and every attribute that is not private.
func queryFields(ct content.ContentType) []string {
	out := []string{content.FieldID, content.FieldDocumentID}
	for _, a := range ct.Attributes {
		if !a.Private {
			out = append(out, a.Name)
		}
	}
	return append(out, content.FieldCreatedAt, content.FieldUpdatedAt, content.FieldPublishedAt)
}

func fieldsParameter(ct content.ContentType) *Parameter {
	fields := queryFields(ct)
	enum := make([]any, len(fields))
	for i, f := range fields {
		enum[i] = f
	}
	no := false
	return &Parameter{
		Name: "fields", In: "query", Style: "form", Explode: &no,
		Description: "Only these fields besides id and documentId, comma-separated " +
			"(fields[0]=title&fields[1]=slug also works).",
		Schema: &Schema{Type: "array", Items: &Schema{Type: "string", Enum: enum}},
	}
}

func findParameters(ct content.ContentType) []*Parameter {
	integer := func(min, max, def int) *Schema {
		s := &Schema{Type: "integer", Default: def}
		lo := float64(min)
		s.Minimum = &lo
		if max > 0 {
			hi := float64(max)
			s.Maximum = &hi
		}
		return s
	}
	fields := strings.Join(queryFields(ct), ", ")
	ops := make([]string, len(openAPIOperators))
	for i, op := range openAPIOperators {
		ops[i] = string(op)
	}
	no, yes := false, true
	limits := "Page mode and offset mode cannot be mixed."
	return []*Parameter{
		{
			Name: "pagination[page]", In: "query", Schema: integer(1, content.MaxPage, 1),
			Description: "Page number, from 1. " + limits,
		},
		{
			Name: "pagination[pageSize]", In: "query", Schema: integer(1, content.MaxPageSize, content.DefaultPageSize),
			Description: "Entries per page; values are clamped to 1…" + strconv.Itoa(content.MaxPageSize) + ". " + limits,
		},
		{
			Name: "pagination[start]", In: "query", Schema: integer(0, content.MaxStart, 0),
			Description: "Offset mode: how many entries to skip. meta.pagination is then {start, limit, total}. " + limits,
		},
		{
			Name: "pagination[limit]", In: "query", Schema: integer(-1, content.MaxPageSize, content.DefaultPageSize),
			Description: "Offset mode: how many entries to return, clamped to 1…" + strconv.Itoa(content.MaxPageSize) +
				"; -1 means as many as allowed. " + limits,
		},
		{
			Name: "sort", In: "query", Style: "form", Explode: &no,
			Description: "Sort keys, comma-separated, each `field` or `field:asc` / `field:desc` " +
				"(sort[0]=title:asc also works), at most " + strconv.Itoa(content.MaxSortFields) + ". Fields: " + fields + ".",
			Schema:  &Schema{Type: "array", Items: &Schema{Type: "string"}},
			Example: []string{"title:asc", "createdAt:desc"},
		},
		fieldsParameter(ct),
		{
			Name: "filters", In: "query", Style: "deepObject", Explode: &yes,
			Description: "Strapi filters: filters[<field>][<operator>]=<value>, e.g. filters[title][$containsi]=go. " +
				"Fields: " + fields + ". Operators: " + strings.Join(ops, ", ") + ". " +
				"$in, $notIn and $between take a list (filters[id][$in][0]=1&filters[id][$in][1]=2); " +
				"$null and $notNull take true or false. Conditions combine with $and, $or " +
				"(filters[$or][0][title][$eq]=a&filters[$or][1][title][$eq]=b) and $not. " +
				"An unknown field or operator is a 400 ValidationError, and so is a filter of more than " +
				strconv.Itoa(content.MaxFilterConditions) + " conditions, " + strconv.Itoa(content.MaxInValues) + " values in one list or " +
				strconv.Itoa(content.MaxFilterValues) + " values in all.",
			Schema:  &Schema{Type: "object", AdditionalProperties: true},
			Example: map[string]any{"title": map[string]any{"$containsi": "go"}},
		},
	}
}
