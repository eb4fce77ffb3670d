package content

import "testing"

// TestTypesTable: every type the registry serves has a complete row, so
// that no layer meets a type it has no answer for.
func TestTypesTable(t *testing.T) {
	all := []AttrType{TypeString, TypeText, TypeRichText, TypeEmail, TypeUID, TypeInteger, TypeBigInteger,
		TypeDecimal, TypeFloat, TypeBoolean, TypeDate, TypeDateTime, TypeEnumeration, TypeJSON}
	if len(Types) != len(all) {
		t.Errorf("Types has %d rows, want %d", len(Types), len(all))
	}
	for _, at := range all {
		info := at.Info()
		if !at.Supported() || info.Values == 0 || info.SQLite == "" || info.Postgres == "" || info.GraphQL == "" {
			t.Errorf("%s: incomplete row %+v", at, info)
		}
		if (info.GraphQLFilter == "") != (at == TypeJSON) || info.Filterable() != (at != TypeJSON) {
			t.Errorf("%s: GraphQL filter %q, filterable %v: only json has none", at, info.GraphQLFilter, info.Filterable())
		}
		if (info.OpenAPI.Type == "") != (at == TypeJSON) {
			t.Errorf("%s: OpenAPI type %q: only json's schema is empty", at, info.OpenAPI.Type)
		}
	}
	text := map[AttrType]bool{TypeString: true, TypeText: true, TypeRichText: true, TypeEmail: true, TypeUID: true, TypeEnumeration: true}
	number := map[AttrType]bool{TypeInteger: true, TypeDecimal: true, TypeFloat: true}
	for _, at := range all {
		if at.Info().Text() != text[at] || at.Info().YupNumber() != number[at] {
			t.Errorf("%s: text %v, yup number %v", at, at.Info().Text(), at.Info().YupNumber())
		}
	}
	if AttrType("relation").Supported() || AttrType("relation").Info() != (TypeInfo{}) {
		t.Error("relation is served")
	}
}

func TestBigIntegerRE(t *testing.T) {
	for s, want := range map[string]bool{"0": true, "-12": true, "+12": false, "": false, "1.0": false,
		"123456789012345678901234567890123456789": true, "1234567890123456789012345678901234567890": false} {
		if BigIntegerRE.MatchString(s) != want {
			t.Errorf("BigIntegerRE(%q) = %v, want %v", s, !want, want)
		}
	}
}
