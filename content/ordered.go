package content

import (
	"encoding/json"
	"strconv"
)

// Field is one key and value of an OrderedObject.
type Field struct {
	Key   string
	Value any
}

// OrderedObject marshals as a JSON object that keeps its keys in order:
// entries list their attributes as schema.json declares them, as Strapi
// does, and the OpenAPI document follows the same order.
type OrderedObject []Field

// MarshalJSON writes the fields as one JSON object, in order.
func (o OrderedObject) MarshalJSON() ([]byte, error) { return o.AppendJSON(nil) }

// AppendJSON appends the object to dst exactly as encoding/json would
// write it (HTML-safe escaping included). It is the content API's hot
// path: the common values (plain strings, integers, booleans, null,
// nested ordered objects) are written directly, without reflection, and
// anything else goes through encoding/json.
func (o OrderedObject) AppendJSON(dst []byte) ([]byte, error) {
	dst = append(dst, '{')
	for i, f := range o {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = appendJSONValue(dst, f.Key); err != nil {
			return nil, err
		}
		dst = append(dst, ':')
		if dst, err = appendJSONValue(dst, f.Value); err != nil {
			return nil, err
		}
	}
	return append(dst, '}'), nil
}

// AppendJSONValue appends v as encoding/json would write it.
func AppendJSONValue(dst []byte, v any) ([]byte, error) { return appendJSONValue(dst, v) }

func appendJSONValue(dst []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		if plainJSONString(x) {
			dst = append(dst, '"')
			dst = append(dst, x...)
			return append(dst, '"'), nil
		}
	case int64:
		return strconv.AppendInt(dst, x, 10), nil
	case int:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case bool:
		return strconv.AppendBool(dst, x), nil
	case OrderedObject:
		return x.AppendJSON(dst)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(dst, b...), nil
}

// plainJSONString reports whether encoding/json writes s unchanged
// between quotes: printable ASCII without the characters it escapes.
func plainJSONString(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7f, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}
