package graphqlapi

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"sync/atomic"

	"github.com/graphql-go/graphql"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/content"
	"github.com/tokenadmin/tokenadmin/contentapi"
)

type gqlCallKey struct{}

// gqlCall is what the resolvers of one request share.
type gqlCall struct {
	token     apitoken.Token
	api       contentapi.API
	log       *slog.Logger
	requestID string
	ops       atomic.Int32
}

// gqlBegin counts the operation and checks the token's permission for
// the action, before the arguments are read or the store is touched.
func gqlBegin(p graphql.ResolveParams, ct content.ContentType, verb string) (*gqlCall, error) {
	r, ok := p.Context.Value(gqlCallKey{}).(*gqlCall)
	if !ok {
		return nil, errors.New("graphql: resolver called without a request")
	}
	if r.ops.Add(1) > maxGraphQLOperations {
		return nil, newGQLError("A request may run at most "+strconv.Itoa(maxGraphQLOperations)+" queries and mutations",
			gqlCodeBadUserInput, nil)
	}
	if err := contentapi.Allow(r.token, ct, verb); err != nil {
		return nil, r.fail(p.Context, err)
	}
	return r, nil
}

// gqlEntry is an entry as its GraphQL object type reads it: the REST
// entry's fields by name.
func gqlEntry(ct content.ContentType, e content.Entry) map[string]any {
	o := contentapi.EntryJSON(ct, e, nil)
	m := make(map[string]any, len(o))
	for _, f := range o {
		m[f.Key] = f.Value
	}
	return m
}

// gqlFind reads a page of entries: the list of <plural>, or with
// connection the nodes and pageInfo of <plural>_connection.
func gqlFind(ct content.ContentType, connection bool) graphql.FieldResolveFn {
	return func(p graphql.ResolveParams) (any, error) {
		r, err := gqlBegin(p, ct, content.VerbFind)
		if err != nil {
			return nil, err
		}
		q, err := gqlQuery(ct, p.Args)
		if err != nil {
			return nil, r.fail(p.Context, contentapi.InvalidInput(err))
		}
		entries, total, err := r.api.Find(p.Context, ct, q)
		if err != nil {
			return nil, r.fail(p.Context, err)
		}
		out := make([]any, len(entries))
		for i, e := range entries {
			out[i] = gqlEntry(ct, e)
		}
		if !connection {
			return out, nil
		}
		return map[string]any{"nodes": out, "pageInfo": gqlPageInfo(q, total)}, nil
	}
}

// gqlPageInfo is Strapi's Pagination object, computed from the start and
// limit read as its plugin does: page floor(start/limit)+1, pageSize the
// limit, pageCount ceil(total/limit).
func gqlPageInfo(q content.Query, total int) map[string]any {
	limit := max(q.Limit, 1)
	return map[string]any{"total": total, "page": q.Start/limit + 1, "pageSize": limit, "pageCount": (total + limit - 1) / limit}
}

// gqlFindOne reads one entry; a missing one is null without an error, as
// Strapi answers.
func gqlFindOne(ct content.ContentType) graphql.FieldResolveFn {
	return func(p graphql.ResolveParams) (any, error) {
		r, err := gqlBegin(p, ct, content.VerbFindOne)
		if err != nil {
			return nil, err
		}
		id, _ := p.Args["documentId"].(string)
		return r.entry(p.Context, ct)(r.api.FindOne(p.Context, ct, id))
	}
}

// gqlSingle reads a single type's entry, null when there is none yet.
func gqlSingle(ct content.ContentType) graphql.FieldResolveFn {
	return func(p graphql.ResolveParams) (any, error) {
		r, err := gqlBegin(p, ct, content.VerbFind)
		if err != nil {
			return nil, err
		}
		return r.entry(p.Context, ct)(r.api.Single(p.Context, ct))
	}
}

// entry answers an operation's entry: null for a missing one, without an
// error, as Strapi's resolvers answer.
func (r *gqlCall) entry(ctx context.Context, ct content.ContentType) func(content.Entry, error) (any, error) {
	return func(e content.Entry, err error) (any, error) {
		switch {
		case contentapi.IsNotFound(err):
			return nil, nil
		case err != nil:
			return nil, r.fail(ctx, err)
		}
		return gqlEntry(ct, e), nil
	}
}

// gqlEntryInput validates the data argument's values, as graphql-go has
// coerced them to the <Name>Input type, under the rules a REST body's
// {"data": …} is held to.
func gqlEntryInput(ct content.ContentType, args map[string]any, partial bool) (map[string]any, error) {
	data, ok := args["data"].(map[string]any)
	if !ok && args["data"] != nil {
		// A type without attributes types data as a String: a value that
		// is not an object is no data, as in a REST body.
		return nil, contentapi.InvalidInput(content.MissingData())
	}
	out, err := content.ParseEntryValues(ct, slices.Sorted(maps.Keys(data)), data, partial)
	return out, contentapi.InvalidInput(err)
}

func gqlCreate(ct content.ContentType) graphql.FieldResolveFn {
	return func(p graphql.ResolveParams) (any, error) {
		r, err := gqlBegin(p, ct, content.VerbCreate)
		if err != nil {
			return nil, err
		}
		data, err := gqlEntryInput(ct, p.Args, false)
		if err != nil {
			return nil, r.fail(p.Context, err)
		}
		return r.entry(p.Context, ct)(r.api.Create(p.Context, ct, data))
	}
}

// gqlUpdate changes a collection entry (the keys sent; null when there is
// none, as Strapi answers) or creates or replaces a single type's entry,
// as PUT does in REST.
func gqlUpdate(ct content.ContentType) graphql.FieldResolveFn {
	return func(p graphql.ResolveParams) (any, error) {
		r, err := gqlBegin(p, ct, content.VerbUpdate)
		if err != nil {
			return nil, err
		}
		data, err := gqlEntryInput(ct, p.Args, ct.Kind != content.SingleType)
		if err != nil {
			return nil, r.fail(p.Context, err)
		}
		id, _ := p.Args["documentId"].(string)
		return r.entry(p.Context, ct)(r.api.Update(p.Context, ct, id, data))
	}
}

// gqlDelete answers the documentId deleted; deleting a collection entry
// that is not there answers the one asked for, without an error, and a
// single type without an entry is Strapi's "Document not found".
func gqlDelete(ct content.ContentType) graphql.FieldResolveFn {
	return func(p graphql.ResolveParams) (any, error) {
		r, err := gqlBegin(p, ct, content.VerbDelete)
		if err != nil {
			return nil, err
		}
		id, _ := p.Args["documentId"].(string)
		id, err = r.api.Delete(p.Context, ct, id)
		if err != nil {
			return nil, r.fail(p.Context, err)
		}
		return map[string]any{"documentId": id}, nil
	}
}
