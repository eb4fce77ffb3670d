package content

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
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

// MarshalJSON writes the fields as one JSON object, in order. (When
// encoding/json calls it for a value nested in something it encodes
// itself, it HTML-escapes the result again; the content API therefore
// writes its answers with AppendJSON.)
func (o OrderedObject) MarshalJSON() ([]byte, error) { return o.AppendJSON(nil) }

// AppendJSON appends the object to dst as Strapi's JSON.stringify writes
// it: keys in order, strings escaped only where JSON requires (quote,
// backslash, control characters), so "&", "<", ">" and U+2028 are
// written as they are, not as encoding/json's \u0026 and friends. It is
// the content API's hot path: the common values (strings, integers,
// booleans, null, nested ordered objects) are written directly, without
// reflection, and anything else goes through encoding/json with HTML
// escaping off.
func (o OrderedObject) AppendJSON(dst []byte) ([]byte, error) {
	dst = append(dst, '{')
	for i, f := range o {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendJSONString(dst, f.Key)
		dst = append(dst, ':')
		var err error
		if dst, err = appendJSONValue(dst, f.Value); err != nil {
			return nil, err
		}
	}
	return append(dst, '}'), nil
}

// AppendJSONValue appends v as AppendJSON writes values.
func AppendJSONValue(dst []byte, v any) ([]byte, error) { return appendJSONValue(dst, v) }

func appendJSONValue(dst []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return AppendJSONString(dst, x), nil
	case int64:
		return strconv.AppendInt(dst, x, 10), nil
	case int:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case bool:
		return strconv.AppendBool(dst, x), nil
	case OrderedObject:
		return x.AppendJSON(dst)
	case []OrderedObject:
		dst = append(dst, '[')
		for i, o := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = o.AppendJSON(dst); err != nil {
				return nil, err
			}
		}
		return append(dst, ']'), nil
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return append(dst, bytes.TrimSuffix(b.Bytes(), []byte("\n"))...), nil
}

// AppendJSONString appends s quoted as JSON.stringify quotes it: '"' and
// '\\' escaped, \b \f \n \r \t short, other control characters as
// \u00xx, everything else as it is. Invalid UTF-8 becomes U+FFFD, as
// encoding/json does (JavaScript strings cannot hold it).
func AppendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, s[start:i]...)
				dst = append(dst, "\ufffd"...)
				i++
				start = i
				continue
			}
			i += size
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			const hex = "0123456789abcdef"
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
