package content

import (
	"bytes"
	"encoding/json"
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
func (o OrderedObject) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(f.Key)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(f.Value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
