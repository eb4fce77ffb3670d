package contentapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/content"
)

// EntryStore is what the content API asks of the database.
type EntryStore interface {
	FindEntries(ctx context.Context, ct content.ContentType, q content.Query) ([]content.Entry, int, error)
	FindEntry(ctx context.Context, ct content.ContentType, documentID string) (content.Entry, error)
	CreateEntry(ctx context.Context, ct content.ContentType, data map[string]any) (content.Entry, error)
	UpdateEntry(ctx context.Context, ct content.ContentType, documentID string, data map[string]any) (content.Entry, error)
	DeleteEntry(ctx context.Context, ct content.ContentType, documentID string) error
	SingleEntry(ctx context.Context, ct content.ContentType) (content.Entry, error)
	PutSingleEntry(ctx context.Context, ct content.ContentType, data map[string]any) (content.Entry, bool, error)
}

// Allow checks tok against one of ct's actions (content.VerbFind…), the
// first thing every operation does: a token without it learns nothing,
// not even whether the entry exists.
func Allow(tok apitoken.Token, ct content.ContentType, verb string) error {
	if action := ct.UID() + "." + verb; !tok.Allows(action) {
		return Forbidden(action)
	}
	return nil
}

// API runs the content API's operations against a store. The callers
// check the permission (Allow) and parse their input in between, so that
// a token without the permission never has its input read; every error
// an operation returns is an *Error or an internal one.
type API struct {
	Entries EntryStore
}

// Find reads a page of ct's entries.
func (a API) Find(ctx context.Context, ct content.ContentType, q content.Query) ([]content.Entry, int, error) {
	entries, total, err := a.Entries.FindEntries(ctx, ct, q)
	if err != nil {
		return nil, 0, storeError(err, ct, nil)
	}
	return entries, total, nil
}

// FindOne reads a collection entry; NotFound when there is none.
func (a API) FindOne(ctx context.Context, ct content.ContentType, documentID string) (content.Entry, error) {
	e, err := a.Entries.FindEntry(ctx, ct, documentID)
	if err != nil {
		return e, storeError(err, ct, nil)
	}
	return e, nil
}

// Single reads a single type's entry; NotFound before it is first put.
func (a API) Single(ctx context.Context, ct content.ContentType) (content.Entry, error) {
	e, err := a.Entries.SingleEntry(ctx, ct)
	if err != nil {
		return e, storeError(err, ct, nil)
	}
	return e, nil
}

// Create adds a collection entry with data (content.ParseEntryInput's).
func (a API) Create(ctx context.Context, ct content.ContentType, data map[string]any) (content.Entry, error) {
	e, err := a.Entries.CreateEntry(ctx, ct, data)
	if err != nil {
		return e, storeError(err, ct, data)
	}
	return e, nil
}

// Update changes the keys of data in a collection entry (NotFound when
// there is none), or creates or replaces a single type's entry, whose
// documentID is ignored.
func (a API) Update(ctx context.Context, ct content.ContentType, documentID string, data map[string]any) (content.Entry, error) {
	var e content.Entry
	var err error
	if ct.Kind == content.SingleType {
		e, _, err = a.Entries.PutSingleEntry(ctx, ct, data)
	} else {
		e, err = a.Entries.UpdateEntry(ctx, ct, documentID, data)
	}
	if err != nil {
		return e, storeError(err, ct, data)
	}
	return e, nil
}

// Delete removes a collection entry, or a single type's entry, and
// returns the documentId deleted. Deleting a collection entry that is not
// there is done, as in Strapi; a single type without an entry is
// NotFound ("Document not found"), which REST answers as done anyway and
// GraphQL as Strapi's error.
func (a API) Delete(ctx context.Context, ct content.ContentType, documentID string) (string, error) {
	if ct.Kind == content.SingleType {
		e, err := a.Entries.SingleEntry(ctx, ct)
		if errors.Is(err, content.ErrNotFound) {
			return "", &Error{Status: http.StatusNotFound, Name: "NotFoundError", Message: "Document not found"}
		}
		if err != nil {
			return "", err
		}
		documentID = e.DocumentID
	}
	if err := a.Entries.DeleteEntry(ctx, ct, documentID); err != nil && !errors.Is(err, content.ErrNotFound) {
		return "", err
	}
	return documentID, nil
}
