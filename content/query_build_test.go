package content

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestQueryBuilderTakesTypedValues(t *testing.T) {
	ct := ContentType{SingularName: "x", PluralName: "xs", Attributes: []Attribute{
		{Name: "views", Type: TypeInteger}, {Name: "score", Type: TypeFloat}, {Name: "on", Type: TypeBoolean},
		{Name: "title", Type: TypeString},
	}}
	tests := []struct {
		field string
		v     any
		want  any
		msg   string
	}{
		{"views", 5, int64(5), ""},
		{"views", int64(-5), int64(-5), ""},
		{"views", 2.0, int64(2), ""}, // read as its text, "2", as a query string's would be
		{"views", 2.5, nil, "views must be an integer"},
		{"views", "7", int64(7), ""},
		{"score", 2, 2.0, ""},
		{"score", 1.25, 1.25, ""},
		{"on", true, true, ""},
		{"on", "false", false, ""},
		{"title", 5, "5", ""},
	}
	for _, tt := range tests {
		b := NewQueryBuilder(ct)
		ty, err := b.FilterField(tt.field)
		if err != nil {
			t.Fatal(err)
		}
		f, err := b.Condition(tt.field, ty, OpEq, tt.v)
		switch {
		case tt.msg != "":
			if err == nil || err.Error() != tt.msg {
				t.Errorf("%s %#v: %v, want %q", tt.field, tt.v, err, tt.msg)
			}
		case err != nil || !reflect.DeepEqual(f.Value, tt.want):
			t.Errorf("%s %#v: %#v %v, want %#v", tt.field, tt.v, f.Value, err, tt.want)
		}
	}
	b := NewQueryBuilder(ct)
	if _, err := b.FilterField("nope"); err == nil || err.Error() != "Invalid key nope" {
		t.Errorf("unknown field: %v", err)
	}
	if _, err := b.Condition("views", TypeInteger, "$near", 1); err == nil || err.Error() != "Invalid key $near at views" {
		t.Errorf("unknown operator: %v", err)
	}
}

// ParseEntryValues reads typed numbers as the JSON body that writes them.
func TestParseEntryValuesMatchesAJSONBody(t *testing.T) {
	ct := ContentType{SingularName: "x", PluralName: "xs", Attributes: []Attribute{
		{Name: "views", Type: TypeInteger}, {Name: "score", Type: TypeFloat}, {Name: "meta", Type: TypeJSON},
		{Name: "big", Type: TypeBigInteger},
	}}
	for _, data := range []map[string]any{
		{"views": 3, "score": 0.1, "meta": map[string]any{"a": []any{1e21, 1e-7, -0.0, 5}}},
		{"views": 1.5, "score": "x", "big": 1e30},
		{"views": int64(1) << 62, "score": -0.0, "meta": 7},
	} {
		body, _ := json.Marshal(map[string]any{"data": data})
		fromJSON, errJSON := ParseEntryInput(ct, body, true)
		keys := make([]string, 0, len(data))
		for k := range data {
			keys = append(keys, k)
		}
		typed, errTyped := ParseEntryValues(ct, keys, data, true)
		a, _ := json.Marshal([]any{fromJSON, errJSON})
		b, _ := json.Marshal([]any{typed, errTyped})
		if string(a) != string(b) {
			t.Errorf("%v:\nJSON  %s\ntyped %s", data, a, b)
		}
	}
}
