package content

import (
	"encoding/json"
	"testing"
)

func TestOrderedObjectKeepsOrder(t *testing.T) {
	o := OrderedObject{{Key: "z", Value: 1}, {Key: "a", Value: "<b>"}, {Key: "m\"", Value: nil}}
	b, err := o.AppendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"z":1,"a":"<b>","m\"":null}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if b, _ := json.Marshal(OrderedObject{}); string(b) != "{}" {
		t.Errorf("empty: %s", b)
	}
}

// AppendJSON writes what Strapi's JSON.stringify writes, byte for byte:
// no HTML escaping, short escapes for \b \f \n \r \t, \u00xx for the
// other control characters, invalid UTF-8 as U+FFFD.
func TestAppendJSONWritesLikeJSONStringify(t *testing.T) {
	tests := []struct {
		v    any
		want string
	}{
		{nil, `null`},
		{"", `""`},
		{"plain text 123", `"plain text 123"`},
		{"quote\" back\\slash", `"quote\" back\\slash"`},
		{"<b>&amp;</b>", `"<b>&amp;</b>"`},
		{"tab\tnew\nline\rcr\bbs\fff\x01\x1f", `"tab\tnew\nline\rcr\bbs\fff\u0001\u001f"`},
		{"ünïcödé", `"ünïcödé"`},
		{"bad \xff utf-8", "\"bad \ufffd utf-8\""},
		{"line\u2028sep", "\"line\u2028sep\""},
		{"\x7f", "\"\x7f\""},
		{int64(-42), `-42`},
		{7, `7`},
		{true, `true`},
		{false, `false`},
		{3.25, `3.25`},
		{1e21, `1e+21`},
		{float64(100), `100`},
		{map[string]any{"b": 1, "a": []any{"x&", nil}}, `{"a":["x&",null],"b":1}`},
		{[]string{"<a>"}, `["<a>"]`},
		{OrderedObject{{Key: "inner<", Value: "v"}, {Key: "n", Value: nil}}, `{"inner<":"v","n":null}`},
		{[]OrderedObject{{{Key: "a", Value: 1}}, {}}, `[{"a":1},{}]`},
		{[]FieldError{{Path: []string{"t"}, Message: "a & b", Name: "ValidationError", Value: "<x>"}},
			`[{"path":["t"],"message":"a & b","name":"ValidationError","value":"<x>"}]`},
	}
	for _, tt := range tests {
		got, err := AppendJSONValue([]byte("prefix"), tt.v)
		if err != nil || string(got) != "prefix"+tt.want {
			t.Errorf("AppendJSONValue(%#v): got %s (%v), want prefix%s", tt.v, got, err, tt.want)
		}
		if !json.Valid(got[len("prefix"):]) {
			t.Errorf("AppendJSONValue(%#v) is not JSON", tt.v)
		}
	}
	o := OrderedObject{{Key: "z", Value: int64(1)}, {Key: "a&", Value: "x"}, {Key: "t", Value: true}}
	got, _ := o.AppendJSON(nil)
	if string(got) != `{"z":1,"a&":"x","t":true}` {
		t.Errorf("AppendJSON: got %s", got)
	}
	if _, err := AppendJSONValue(nil, func() {}); err == nil {
		t.Error("a value encoding/json refuses: got no error")
	}
}
