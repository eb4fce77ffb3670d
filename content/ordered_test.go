package content

import (
	"encoding/json"
	"testing"
)

func TestOrderedObjectKeepsOrder(t *testing.T) {
	o := OrderedObject{{Key: "z", Value: 1}, {Key: "a", Value: "<b>"}, {Key: "m\"", Value: nil}}
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"z":1,"a":"\u003cb\u003e","m\"":null}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if b, _ := json.Marshal(OrderedObject{}); string(b) != "{}" {
		t.Errorf("empty: %s", b)
	}
}

// AppendJSON must write what encoding/json writes, byte for byte: the
// content API's answers did not change when it took the fast path.
func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	values := []any{
		nil, "", "plain text 123", "quote\" back\\slash", "<b>&amp;</b>", "tab\tnew\nline\x01",
		"ünïcödé", "bad \xff utf-8", "line\u2028sep", "\x7f", int64(-42), 7, true, false,
		3.25, 1e21, float64(100), map[string]any{"b": 1, "a": []any{"x", nil}}, []string{"a"},
		OrderedObject{{Key: "inner<", Value: "v"}, {Key: "n", Value: nil}},
	}
	for _, v := range values {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := AppendJSONValue([]byte("prefix"), v)
		if err != nil || string(got) != "prefix"+string(want) {
			t.Errorf("AppendJSONValue(%#v): got %s (%v), want prefix%s", v, got, err, want)
		}
	}
	o := OrderedObject{{Key: "z", Value: int64(1)}, {Key: "a&", Value: "x"}, {Key: "t", Value: true}}
	got, _ := o.AppendJSON(nil)
	if string(got) != `{"z":1,"a\u0026":"x","t":true}` {
		t.Errorf("AppendJSON: got %s", got)
	}
	if _, err := AppendJSONValue(nil, func() {}); err == nil {
		t.Error("a value encoding/json refuses: got no error")
	}
}
