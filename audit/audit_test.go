package audit

import (
	"reflect"
	"testing"
	"time"
)

func TestDiff(t *testing.T) {
	before := map[string]any{"name": "Blog", "description": "old", "type": "custom", "permissions": []string{"a", "b"}}
	after := map[string]any{"name": "Blog", "description": "new", "type": "custom", "permissions": []string{"a"}, "expiresAt": "never"}
	got := Diff(before, after)
	want := []Change{
		{Field: "description", Before: "old", After: "new"},
		{Field: "expiresAt", Before: nil, After: "never"},
		{Field: "permissions", Before: []string{"a", "b"}, After: []string{"a"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Diff: got %#v, want %#v", got, want)
	}
	if got := Diff(before, before); len(got) != 0 {
		t.Errorf("Diff of equal maps: got %#v, want nothing", got)
	}
	created := Diff(nil, map[string]any{"b": 2, "a": 1})
	if len(created) != 2 || created[0].Field != "a" || created[0].Before != nil || created[1].After != 2 {
		t.Errorf("Diff(nil, after): got %#v, want a and b from nil", created)
	}
	deleted := Diff(map[string]any{"name": "x"}, nil)
	if len(deleted) != 1 || deleted[0].Before != "x" || deleted[0].After != nil {
		t.Errorf("Diff(before, nil): got %#v, want name to nil", deleted)
	}
}

func TestCleanDropsKeyMaterial(t *testing.T) {
	key := "tka_0123456789abcdefghijABCDEFGHIJ0123456789ab"
	in := []Change{
		{Field: "name", Before: "a", After: "b"},
		{Field: "accessKeyHash", After: "deadbeef"},
		{Field: "key", After: "whatever"},
		{Field: "keyHint", After: "tka_…abcd"},
		{Field: "password", After: "hunter2"},
		{Field: "Client_Secret", After: "s"},
		{Field: "token_value", After: "v"},
		{Field: "note", After: key},
		{Field: "description", Before: "my key is " + key, After: "gone"},
		{Field: "permissions", Before: []string{"a"}, After: []any{"a", key}},
		{Field: "nested", After: map[string]any{"x": &key}},
		{Field: "active", Before: true, After: false},
		{Field: "expiresAt", After: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	got := Clean(in)
	var fields []string
	for _, c := range got {
		fields = append(fields, c.Field)
	}
	want := []string{"name", "active", "expiresAt"}
	if !reflect.DeepEqual(fields, want) {
		t.Errorf("Clean kept %q, want %q", fields, want)
	}
	if got := Clean(nil); len(got) != 0 {
		t.Errorf("Clean(nil): got %v", got)
	}
}

func TestActionsListed(t *testing.T) {
	seen := map[string]bool{}
	for _, a := range Actions {
		if seen[a] || a == "" {
			t.Errorf("Actions: %q empty or twice", a)
		}
		seen[a] = true
	}
	for _, a := range []string{SignIn, SignInFailed, SignOut, TokenCreate, TokenUpdate, TokenRegenerate, TokenDelete,
		RoleCreate, RoleUpdate, UserCreate, UserRoleChange, UserDeactivate, UserActivate, SessionsRevoke} {
		if !seen[a] {
			t.Errorf("Actions lacks %q", a)
		}
	}
}

func TestActorEvent(t *testing.T) {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	id := int64(7)
	ev := Actor{ID: &id, Name: "ada@example.com", IP: "203.0.113.7", UserAgent: "UA"}.Event(TokenCreate, at)
	if ev.ActorID == nil || *ev.ActorID != 7 || ev.ActorEmail != "ada@example.com" || ev.Action != TokenCreate || !ev.At.Equal(at) || ev.IP != "203.0.113.7" || ev.UserAgent != "UA" {
		t.Errorf("Event: got %+v", ev)
	}
	if got := CLI("alice").Event(TokenDelete, at); got.ActorID != nil || got.ActorEmail != "cli:alice" {
		t.Errorf("CLI(alice): got %+v", got)
	}
	if got := CLI("").Name; got != "cli" {
		t.Errorf("CLI(\"\"): got %q, want cli", got)
	}
}

// Every action the log can hold reads as words, each different, and an
// unknown code is shown as it is.
func TestEveryActionHasALabel(t *testing.T) {
	seen := map[string]string{}
	for _, a := range Actions {
		l := Label(a)
		if l == a || l == "" {
			t.Errorf("action %q has no label", a)
		}
		if other, dup := seen[l]; dup {
			t.Errorf("actions %q and %q share the label %q", a, other, l)
		}
		seen[l] = a
	}
	if got := Label("future.thing"); got != "future.thing" {
		t.Errorf("unknown action shown as %q", got)
	}
}
