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
