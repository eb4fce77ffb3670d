package contentapi

import (
	"slices"
	"time"

	"github.com/tokenadmin/tokenadmin/content"
)

// EntryJSON is an entry in Strapi 5's shape: id, documentId, the
// attributes in schema order (private ones never), then the timestamps.
// With fields, only those attributes besides id and documentId.
func EntryJSON(ct content.ContentType, e content.Entry, fields []string) content.OrderedObject {
	o := make(content.OrderedObject, 0, len(ct.Attributes)+5)
	o = append(o, content.Field{Key: content.FieldID, Value: e.ID}, content.Field{Key: content.FieldDocumentID, Value: e.DocumentID})
	want := func(name string) bool { return fields == nil || slices.Contains(fields, name) }
	for _, a := range ct.Attributes {
		if a.Private || !want(a.Name) {
			continue
		}
		o = append(o, content.Field{Key: a.Name, Value: AttrJSON(a, e.Data[a.Name])})
	}
	if want(content.FieldCreatedAt) {
		o = append(o, content.Field{Key: content.FieldCreatedAt, Value: StrapiTime(e.CreatedAt)})
	}
	if want(content.FieldUpdatedAt) {
		o = append(o, content.Field{Key: content.FieldUpdatedAt, Value: StrapiTime(e.UpdatedAt)})
	}
	if want(content.FieldPublishedAt) {
		var p any
		if e.PublishedAt != nil {
			p = StrapiTime(*e.PublishedAt)
		}
		o = append(o, content.Field{Key: content.FieldPublishedAt, Value: p})
	}
	return o
}

// StrapiTime is how Strapi writes times: UTC with milliseconds.
func StrapiTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// AttrJSON is an attribute's value as the API writes it: a date as
// YYYY-MM-DD, a datetime as StrapiTime, anything else as it is.
func AttrJSON(a content.Attribute, v any) any {
	t, ok := v.(time.Time)
	if !ok {
		return v
	}
	if a.Type.Info().Values == content.DateValues {
		return t.UTC().Format(time.DateOnly)
	}
	return StrapiTime(t)
}

// Pagination is meta.pagination in Strapi's key order:
// {page, pageSize, pageCount, total} or {start, limit, total}.
func Pagination(q content.Query, total int) content.OrderedObject {
	if q.Offset {
		return content.OrderedObject{{Key: "start", Value: q.Start}, {Key: "limit", Value: q.Limit}, {Key: "total", Value: total}}
	}
	return content.OrderedObject{{Key: "page", Value: q.Page}, {Key: "pageSize", Value: q.PageSize},
		{Key: "pageCount", Value: (total + q.PageSize - 1) / q.PageSize}, {Key: "total", Value: total}}
}
