package contentapi

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/content"
)

// fakeStore holds one collection entry ("doc1") and, once put, a single
// type's entry; calls records what was asked.
type fakeStore struct {
	single *content.Entry
	calls  []string
	err    error // returned by writes when set
}

func (f *fakeStore) FindEntries(context.Context, content.ContentType, content.Query) ([]content.Entry, int, error) {
	f.calls = append(f.calls, "find")
	return []content.Entry{{DocumentID: "doc1"}}, 1, nil
}

func (f *fakeStore) FindEntry(_ context.Context, _ content.ContentType, id string) (content.Entry, error) {
	f.calls = append(f.calls, "findOne "+id)
	if id != "doc1" {
		return content.Entry{}, content.ErrNotFound
	}
	return content.Entry{DocumentID: id}, nil
}

func (f *fakeStore) CreateEntry(context.Context, content.ContentType, map[string]any) (content.Entry, error) {
	f.calls = append(f.calls, "create")
	return content.Entry{DocumentID: "new"}, f.err
}

func (f *fakeStore) UpdateEntry(_ context.Context, _ content.ContentType, id string, _ map[string]any) (content.Entry, error) {
	f.calls = append(f.calls, "update "+id)
	if id != "doc1" {
		return content.Entry{}, content.ErrNotFound
	}
	return content.Entry{DocumentID: id}, f.err
}

func (f *fakeStore) DeleteEntry(_ context.Context, _ content.ContentType, id string) error {
	f.calls = append(f.calls, "delete "+id)
	if id != "doc1" && (f.single == nil || id != f.single.DocumentID) {
		return content.ErrNotFound
	}
	return nil
}

func (f *fakeStore) SingleEntry(context.Context, content.ContentType) (content.Entry, error) {
	f.calls = append(f.calls, "single")
	if f.single == nil {
		return content.Entry{}, content.ErrNotFound
	}
	return *f.single, nil
}

func (f *fakeStore) PutSingleEntry(context.Context, content.ContentType, map[string]any) (content.Entry, bool, error) {
	f.calls = append(f.calls, "put")
	f.single = &content.Entry{DocumentID: "home"}
	return *f.single, true, nil
}

var (
	articles = content.ContentType{Kind: content.CollectionType, SingularName: "article", PluralName: "articles",
		Attributes: []content.Attribute{{Name: "title", Type: content.TypeString}, {Name: "day", Type: content.TypeDate},
			{Name: "secret", Type: content.TypeString, Private: true}}}
	homepage = content.ContentType{Kind: content.SingleType, SingularName: "homepage", PluralName: "homepages"}
)

func TestAllow(t *testing.T) {
	ro := apitoken.Token{Type: apitoken.ReadOnly}
	if err := Allow(ro, articles, content.VerbFind); err != nil {
		t.Errorf("read-only find: %v", err)
	}
	err := Allow(ro, articles, content.VerbDelete)
	var e *Error
	if !errors.As(err, &e) || e.Status != http.StatusForbidden || e.Name != "ForbiddenError" || e.Message != "Forbidden" ||
		e.Scope != "api::article.article.delete" {
		t.Errorf("read-only delete: %#v", err)
	}
}

func TestOperationsNotFound(t *testing.T) {
	ctx := context.Background()
	api := API{Entries: &fakeStore{}}
	if _, err := api.FindOne(ctx, articles, "nope"); !IsNotFound(err) {
		t.Errorf("findOne missing: %v", err)
	}
	if _, err := api.Update(ctx, articles, "nope", nil); !IsNotFound(err) {
		t.Errorf("update missing: %v", err)
	}
	if _, err := api.Single(ctx, homepage); !IsNotFound(err) {
		t.Errorf("single before put: %v", err)
	}
	// Deleting a collection entry that is not there is done; a single
	// type without an entry is Strapi's "Document not found".
	if id, err := api.Delete(ctx, articles, "nope"); err != nil || id != "nope" {
		t.Errorf("delete missing: %q %v", id, err)
	}
	var e *Error
	if _, err := api.Delete(ctx, homepage, ""); !errors.As(err, &e) || e.Status != 404 || e.Message != "Document not found" {
		t.Errorf("delete missing single: %v", err)
	}
}

func TestOperationsSingleType(t *testing.T) {
	ctx := context.Background()
	store := &fakeStore{}
	api := API{Entries: store}
	if e, err := api.Update(ctx, homepage, "ignored", map[string]any{}); err != nil || e.DocumentID != "home" {
		t.Errorf("update single: %v %v", e, err)
	}
	if id, err := api.Delete(ctx, homepage, "ignored"); err != nil || id != "home" {
		t.Errorf("delete single: %q %v", id, err)
	}
	if want := []string{"put", "single", "delete home"}; !reflect.DeepEqual(store.calls, want) {
		t.Errorf("calls %q, want %q", store.calls, want)
	}
}

func TestUniqueViolationNamesValue(t *testing.T) {
	api := API{Entries: &fakeStore{err: &content.UniqueViolation{Fields: []string{"title"}}}}
	_, err := api.Create(context.Background(), articles, map[string]any{"title": "Hello"})
	var e *Error
	if !errors.As(err, &e) || e.Status != 400 || e.Name != "ValidationError" || e.Message != "This attribute must be unique" {
		t.Fatalf("unique violation: %#v", err)
	}
	b, _ := content.OrderedObject{{Key: "d", Value: e.Details}}.AppendJSON(nil)
	if want := `{"d":{"errors":[{"path":["title"],"message":"This attribute must be unique","name":"ValidationError","value":"Hello"}]}}`; string(b) != want {
		t.Errorf("details %s, want %s", b, want)
	}
}

func TestInvalidInput(t *testing.T) {
	for _, tt := range []struct {
		err  error
		name string
	}{
		{content.NewValidationError("bad", nil), "ValidationError"},
		{&content.PaginationError{Message: "both"}, "PaginationError"},
		{&content.SyntaxError{Message: "json"}, "SyntaxError"},
	} {
		var e *Error
		if !errors.As(InvalidInput(tt.err), &e) || e.Status != 400 || e.Name != tt.name {
			t.Errorf("%T: %#v", tt.err, InvalidInput(tt.err))
		}
	}
	other := errors.New("disk on fire")
	if InvalidInput(other) != other || InvalidInput(nil) != nil {
		t.Error("other errors must pass through")
	}
}

func TestEntryJSON(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.FixedZone("x", 3600))
	e := content.Entry{ID: 7, DocumentID: "d", CreatedAt: at, UpdatedAt: at,
		Data: map[string]any{"title": "T", "day": time.Date(2026, 5, 6, 0, 0, 0, 0, time.UTC), "secret": "s"}}
	b, _ := EntryJSON(articles, e, nil).AppendJSON(nil)
	if want := `{"id":7,"documentId":"d","title":"T","day":"2026-05-06","createdAt":"2026-01-02T02:04:05.006Z","updatedAt":"2026-01-02T02:04:05.006Z","publishedAt":null}`; string(b) != want {
		t.Errorf("entry %s, want %s", b, want)
	}
	b, _ = EntryJSON(articles, e, []string{"day"}).AppendJSON(nil)
	if want := `{"id":7,"documentId":"d","day":"2026-05-06"}`; string(b) != want {
		t.Errorf("fields [day]: %s, want %s", b, want)
	}
}
