package validate

import (
	"slices"
	"testing"
)

func TestAddKeepsFirstMessage(t *testing.T) {
	e := Errors{}
	e.Add("name", "Name is required.")
	e.Add("name", "Name must be at most 100 characters.")
	e.Add("email", "Email is required.")
	if got, want := e["name"], "Name is required."; got != want {
		t.Errorf(`e["name"]: got %q, want %q`, got, want)
	}
	if got, want := e["email"], "Email is required."; got != want {
		t.Errorf(`e["email"]: got %q, want %q`, got, want)
	}
	if len(e) != 2 {
		t.Errorf("len: got %d, want 2", len(e))
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name    string
		checks  []bool
		want    string
		wantSet bool
	}{
		{"ok", []bool{true}, "", false},
		{"fails", []bool{false}, "msg 0", true},
		{"ok then fails", []bool{true, false}, "msg 1", true},
		{"fails twice keeps the first", []bool{false, false}, "msg 0", true},
		{"all ok", []bool{true, true, true}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := Errors{}
			for i, ok := range tt.checks {
				e.Check(ok, "f", "msg "+string(rune('0'+i)))
			}
			got, set := e["f"]
			if set != tt.wantSet || got != tt.want {
				t.Errorf(`e["f"]: got %q (set %v), want %q (set %v)`, got, set, tt.want, tt.wantSet)
			}
			if e.Valid() == tt.wantSet {
				t.Errorf("Valid: got %v, want %v", e.Valid(), !tt.wantSet)
			}
		})
	}
}

func TestValid(t *testing.T) {
	var nilErrors Errors
	if !nilErrors.Valid() {
		t.Errorf("nil Errors Valid: got false, want true")
	}
	if !(Errors{}).Valid() {
		t.Errorf("empty Errors Valid: got false, want true")
	}
	if (Errors{"x": "bad"}).Valid() {
		t.Errorf("Errors with a field Valid: got true, want false")
	}
}

func TestFieldsSorted(t *testing.T) {
	e := Errors{}
	for _, f := range []string{"password", "email", "name", "description", "permissions"} {
		e.Add(f, "bad "+f)
	}
	want := []string{"description", "email", "name", "password", "permissions"}
	// Map order is random: ask several times so a lucky order cannot pass.
	for range 20 {
		if got := e.Fields(); !slices.Equal(got, want) {
			t.Fatalf("Fields: got %v, want %v", got, want)
		}
	}
	if got := (Errors{}).Fields(); len(got) != 0 {
		t.Errorf("Fields of empty Errors: got %v, want none", got)
	}
}
