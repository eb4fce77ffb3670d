package content

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// richDefaults are the values ParseEntryInput fills in on create for the
// rich type when they are not sent.
func richDefaults() map[string]any {
	return map[string]any{
		"rating": "mid",
		"active": true,
		"meta":   map[string]any{"tags": []any{"a"}},
		"count":  int64(3),
	}
}

func withDefaults(m map[string]any) map[string]any {
	out := richDefaults()
	for k, v := range m {
		out[k] = v
	}
	return out
}

func TestParseEntryInputValues(t *testing.T) {
	ct := richType()
	tests := []struct {
		name    string
		body    string
		partial bool
		want    map[string]any
	}{
		{"defaults on create", `{"data":{"name":"ab"}}`, false, withDefaults(map[string]any{"name": "ab"})},
		{"only sent keys on update", `{"data":{"views":3}}`, true, map[string]any{"views": int64(3)}},
		{"empty update", `{"data":{}}`, true, map[string]any{}},
		{"system fields dropped", `{"data":{"id":1,"documentId":"x","createdAt":"no","updatedAt":5,"publishedAt":null,"views":1}}`, true,
			map[string]any{"views": int64(1)}},
		{"extra top-level keys ignored", `{"meta":{},"data":{"views":1}}`, true, map[string]any{"views": int64(1)}},
		{"whitespace around", " \n{\"data\" : {\"views\" : 1}}\t\n", true, map[string]any{"views": int64(1)}},
		{"every type", `{"data":{
			"name":"Ünïcødé!!!","summary":"s","body":"# b","views":1000,"rating":"high","contact":"a.b+c@example.org",
			"big":"9223372036854775807","price":99.5,"ratio":-1e-3,"active":false,"day":"2024-02-29",
			"startsAt":"2024-03-04T07:06:07.25+02:00","meta":{"a":[1,2.5,"x",null,true]},"code":"a-b_c.~9","secret":"s","count":-7}}`,
			false, map[string]any{
				"name": "Ünïcødé!!!", "summary": "s", "body": "# b", "views": int64(1000), "rating": "high",
				"contact": "a.b+c@example.org", "big": "9223372036854775807", "price": 99.5, "ratio": -0.001,
				"active": false, "day": day(2024, 2, 29),
				"startsAt": time.Date(2024, 3, 4, 5, 6, 7, 250_000_000, time.UTC),
				"meta":     map[string]any{"a": []any{json.Number("1"), json.Number("2.5"), "x", nil, true}},
				"code":     "a-b_c.~9", "secret": "s", "count": int64(-7),
			}},
		{"nulls on optional attributes", `{"data":{"summary":null,"views":null,"meta":null,"rating":null}}`, true,
			map[string]any{"summary": nil, "views": nil, "meta": nil, "rating": nil}},
		{"null overrides default on create", `{"data":{"name":"ab","rating":null}}`, false,
			withDefaults(map[string]any{"name": "ab", "rating": nil})},
		{"whole numbers as integers", `{"data":{"views":5.0,"count":1e2,"big":-5}}`, true,
			map[string]any{"views": int64(5), "count": int64(100), "big": "-5"}},
		{"biginteger as number", `{"data":{"big":9007199254740993}}`, true, map[string]any{"big": "9007199254740993"}},
		{"biginteger canonical", `{"data":{"big":"-0004"}}`, true, map[string]any{"big": "-4"}},
		{"integer as float type", `{"data":{"price":2,"ratio":7}}`, true, map[string]any{"price": 2.0, "ratio": 7.0}},
		{"json scalars", `{"data":{"meta":"text"}}`, true, map[string]any{"meta": "text"}},
		{"json big number kept exact", `{"data":{"meta":12345678901234567890}}`, true,
			map[string]any{"meta": json.Number("12345678901234567890")}},
		{"empty strings", `{"data":{"contact":"","code":"","summary":""}}`, true,
			map[string]any{"contact": "", "code": "", "summary": ""}},
		{"length counted in UTF-16 units", `{"data":{"name":"😀😀😀😀😀"}}`, true, map[string]any{"name": "😀😀😀😀😀"}},
		{"duplicate key: last wins", `{"data":{"views":1,"views":2}}`, true, map[string]any{"views": int64(2)}},
	}
	for _, tt := range tests {
		got, err := ParseEntryInput(ct, []byte(tt.body), tt.partial)
		if err != nil {
			t.Errorf("%s: got error %v, want none", tt.name, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s:\n got %#v\nwant %#v", tt.name, got, tt.want)
		}
	}
}

func TestParseEntryInputArticle(t *testing.T) {
	ct := articleType(t)
	got, err := ParseEntryInput(ct, []byte(`{"data":{"title":"Hello","slug":"hello","publishedDate":"2024-05-06"}}`), false)
	if err != nil {
		t.Fatalf("create: got error %v, want none", err)
	}
	want := map[string]any{"title": "Hello", "slug": "hello", "publishedDate": day(2024, 5, 6), "featured": false}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("create: got %#v, want %#v", got, want)
	}
	_, err = ParseEntryInput(ct, []byte(`{"data":{"slug":"x"}}`), false)
	if err == nil || err.Error() != "title must be defined." {
		t.Errorf("create without title: got %v, want title must be defined.", err)
	}
	got, err = ParseEntryInput(ct, []byte(`{"data":{"slug":"x"}}`), true)
	if err != nil || !reflect.DeepEqual(got, map[string]any{"slug": "x"}) {
		t.Errorf("update without title: got %v, %v; want map[slug:x], nil", got, err)
	}
}

// TestParseEntryInputFreshDefault checks a json default is not shared
// between calls (or with the registry).
func TestParseEntryInputFreshDefault(t *testing.T) {
	ct := richType()
	first, err := ParseEntryInput(ct, []byte(`{"data":{"name":"ab"}}`), false)
	if err != nil {
		t.Fatal(err)
	}
	first["meta"].(map[string]any)["tags"] = "changed"
	second, err := ParseEntryInput(ct, []byte(`{"data":{"name":"ab"}}`), false)
	if err != nil {
		t.Fatal(err)
	}
	if want := (map[string]any{"tags": []any{"a"}}); !reflect.DeepEqual(second["meta"], want) {
		t.Errorf("second default: got %#v, want %#v", second["meta"], want)
	}
}

func TestParseEntryInputRequiredDefault(t *testing.T) {
	ct := ContentType{SingularName: "x", PluralName: "xs", Attributes: []Attribute{
		{Name: "level", Type: TypeInteger, Required: true, Default: float64(2)},
		{Name: "broken", Type: TypeInteger, Default: "not a number"},
	}}
	got, err := ParseEntryInput(ct, []byte(`{"data":{}}`), false)
	if err != nil || !reflect.DeepEqual(got, map[string]any{"level": int64(2)}) {
		t.Errorf("required with default: got %v, %v; want map[level:2], nil (broken default left out)", got, err)
	}
	_, err = ParseEntryInput(ct, []byte(`{"data":{"level":null}}`), false)
	if err == nil || err.Error() != "level must be defined." {
		t.Errorf("required sent as null: got %v, want level must be defined.", err)
	}
}

func TestParseEntryInputFieldErrors(t *testing.T) {
	ct := richType()
	tests := []struct {
		body    string
		partial bool
		message string
		value   any // the FieldError's value; nil for required
	}{
		{`{"data":{}}`, false, "name must be defined.", nil},
		{`{"data":{"name":null}}`, false, "name must be defined.", nil},
		{`{"data":{"name":null}}`, true, "name must be defined.", nil},
		{`{"data":{"name":"a"}}`, true, "name must be at least 2 characters", "a"},
		{`{"data":{"name":"abcdefghijk"}}`, true, "name must be at most 10 characters", "abcdefghijk"},
		{`{"data":{"name":"😀😀😀😀😀😀"}}`, true, "name must be at most 10 characters", "😀😀😀😀😀😀"},
		{`{"data":{"name":5}}`, true, "name must be a string", json.Number("5")},
		{`{"data":{"summary":["x"]}}`, true, "summary must be a string", []any{"x"}},
		{`{"data":{"body":{"a":1}}}`, true, "body must be a string", map[string]any{"a": json.Number("1")}},
		{`{"data":{"views":1.5}}`, true, "views must be an integer", json.Number("1.5")},
		{`{"data":{"views":1e30}}`, true, "views must be an integer", json.Number("1e30")},
		{`{"data":{"views":1e999999999999}}`, true, "views must be an integer", json.Number("1e999999999999")},
		{`{"data":{"views":-1}}`, true, "views must be greater than or equal to 0", json.Number("-1")},
		{`{"data":{"views":1001}}`, true, "views must be less than or equal to 1000", json.Number("1001")},
		{`{"data":{"rating":"bad"}}`, true, "rating must be one of the following values: low, mid, high, ", "bad"},
		{`{"data":{"rating":1}}`, true, "rating must be one of the following values: low, mid, high, ", json.Number("1")},
		{`{"data":{"contact":"nope"}}`, true, "contact must be a valid email", "nope"},
		{`{"data":{"contact":"a@b@c"}}`, true, "contact must be a valid email", "a@b@c"},
		{`{"data":{"big":1.5}}`, true, "big must be an integer", json.Number("1.5")},
		{`{"data":{"big":"12a"}}`, true, "big must be an integer", "12a"},
		{`{"data":{"big":"9223372036854775808"}}`, true, "big must be an integer", "9223372036854775808"},
		{`{"data":{"big":true}}`, true, "big must be an integer", true},
		{`{"data":{"big":"-6"}}`, true, "big must be greater than or equal to -5", "-6"},
		{`{"data":{"price":0.4}}`, true, "price must be greater than or equal to 0.5", json.Number("0.4")},
		{`{"data":{"price":100}}`, true, "price must be less than or equal to 99.5", json.Number("100")},
		{`{"data":{"ratio":1e400}}`, true, "ratio must be a number", json.Number("1e400")},
		{`{"data":{"active":"true"}}`, true, "active must be a boolean", "true"},
		{`{"data":{"active":1}}`, true, "active must be a boolean", json.Number("1")},
		{`{"data":{"day":"2024-02-30"}}`, true, "day must be a valid date (YYYY-MM-DD)", "2024-02-30"},
		{`{"data":{"day":"2024-02-03T00:00:00Z"}}`, true, "day must be a valid date (YYYY-MM-DD)", "2024-02-03T00:00:00Z"},
		{`{"data":{"day":20240203}}`, true, "day must be a valid date (YYYY-MM-DD)", json.Number("20240203")},
		{`{"data":{"startsAt":"2024-03-04"}}`, true, "startsAt must be a valid datetime (RFC 3339)", "2024-03-04"},
		{`{"data":{"startsAt":"2024-03-04 05:06:07"}}`, true, "startsAt must be a valid datetime (RFC 3339)", "2024-03-04 05:06:07"},
		{`{"data":{"code":"a b"}}`, true, `code must match the following: "/^[A-Za-z0-9-_.~]*$/"`, "a b"},
		{`{"data":{"code":"abcdefghi"}}`, true, "code must be at most 8 characters", "abcdefghi"},
		// yup's cast errors: a string or boolean that is NaN as a number.
		{`{"data":{"views":"abc"}}`, true, "views must be a `number` type, but the final value was: `NaN` (cast from the value `\"abc\"`).", nil},
		{`{"data":{"views":""}}`, true, "views must be a `number` type, but the final value was: `NaN` (cast from the value `\"\"`).", nil},
		{`{"data":{"views":true}}`, true, "views must be a `number` type, but the final value was: `NaN` (cast from the value `true`).", nil},
		{`{"data":{"views":"1e"}}`, true, "views must be a `number` type, but the final value was: `NaN` (cast from the value `\"1e\"`).", nil},
		{`{"data":{"views":"inf"}}`, true, "views must be a `number` type, but the final value was: `NaN` (cast from the value `\"inf\"`).", nil},
		{`{"data":{"price":"x1"}}`, true, "price must be a `number` type, but the final value was: `NaN` (cast from the value `\"x1\"`).", nil},
		{`{"data":{"ratio":false}}`, true, "ratio must be a `number` type, but the final value was: `NaN` (cast from the value `false`).", nil},
		// Strings JavaScript reads as numbers are cast, then checked; the
		// error's value is the cast number, as yup's is.
		{`{"data":{"views":"5.5"}}`, true, "views must be an integer", json.Number("5.5")},
		{`{"data":{"views":" -1 "}}`, true, "views must be greater than or equal to 0", json.Number("-1")},
		{`{"data":{"views":"1e21"}}`, true, "views must be an integer", json.Number("1e+21")},
		{`{"data":{"price":"100"}}`, true, "price must be less than or equal to 99.5", json.Number("100")},
		{`{"data":{"views":"0x-5"}}`, true, "views must be a `number` type, but the final value was: `NaN` (cast from the value `\"0x-5\"`).", nil},
		{`{"data":{"views":"-0x10"}}`, true, "views must be a `number` type, but the final value was: `NaN` (cast from the value `\"-0x10\"`).", nil},
		{`{"data":{"views":"1_0"}}`, true, "views must be a `number` type, but the final value was: `NaN` (cast from the value `\"1_0\"`).", nil},
		{`{"data":{"views":"\u00855"}}`, true, "views must be a `number` type, but the final value was: `NaN` (cast from the value `\"\u00855\"`).", nil},
		// ±Infinity passes yup's cast; an integer refuses it (its value,
		// Infinity, JSON writes as null) and so does our float, which no
		// store column holds.
		{`{"data":{"views":"-Infinity"}}`, true, "views must be an integer", nil},
		{`{"data":{"ratio":"Infinity"}}`, true, "ratio must be a number", nil},
		{`{"data":{"ratio":"1e400"}}`, true, "ratio must be a number", nil},
	}
	for _, tt := range tests {
		_, err := ParseEntryInput(ct, []byte(tt.body), tt.partial)
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("%s: got error %v (%T), want ValidationError %q", tt.body, err, err, tt.message)
			continue
		}
		if ve.Message != tt.message {
			t.Errorf("%s: got message %q, want %q", tt.body, ve.Message, tt.message)
		}
		if len(ve.Errors) != 1 {
			t.Errorf("%s: got %d field errors, want 1", tt.body, len(ve.Errors))
			continue
		}
		fe := ve.Errors[0]
		attr := strings.Fields(tt.message)[0]
		if !reflect.DeepEqual(fe.Path, []string{attr}) || fe.Message != tt.message || fe.Name != "ValidationError" {
			t.Errorf("%s: got field error %+v, want path [%s], message %q, name ValidationError", tt.body, fe, attr, tt.message)
		}
		if !reflect.DeepEqual(fe.Value, tt.value) {
			t.Errorf("%s: got value %#v, want %#v", tt.body, fe.Value, tt.value)
		}
	}
}

// TestParseEntryInputNumericStrings: a string for an integer, float or
// decimal attribute is cast as yup's number() casts it (Strapi validates
// with casting on): all white space removed, then JavaScript's unary plus.
func TestParseEntryInputNumericStrings(t *testing.T) {
	ct := richType()
	tests := []struct {
		body string
		want map[string]any
	}{
		{`{"data":{"views":"5"}}`, map[string]any{"views": int64(5)}},
		{`{"data":{"views":" 4 2\t\n"}}`, map[string]any{"views": int64(42)}},
		{`{"data":{"views":"\u00a0\ufeff7\u3000"}}`, map[string]any{"views": int64(7)}},
		{`{"data":{"views":"+5"}}`, map[string]any{"views": int64(5)}},
		{`{"data":{"views":"5.0"}}`, map[string]any{"views": int64(5)}},
		{`{"data":{"views":"5."}}`, map[string]any{"views": int64(5)}},
		{`{"data":{"views":"1e2"}}`, map[string]any{"views": int64(100)}},
		{`{"data":{"views":"0x10"}}`, map[string]any{"views": int64(16)}},
		{`{"data":{"views":"0o17"}}`, map[string]any{"views": int64(15)}},
		{`{"data":{"views":"0B101"}}`, map[string]any{"views": int64(5)}},
		{`{"data":{"views":"-0"}}`, map[string]any{"views": int64(0)}},
		{`{"data":{"ratio":".5"}}`, map[string]any{"ratio": 0.5}},
		{`{"data":{"ratio":"-2.5e-3"}}`, map[string]any{"ratio": -0.0025}},
		{`{"data":{"price":"12.25"}}`, map[string]any{"price": 12.25}},
	}
	for _, tt := range tests {
		got, err := ParseEntryInput(ct, []byte(tt.body), true)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %#v, %v; want %#v", tt.body, got, err, tt.want)
		}
	}
}

func TestJSNumberString(t *testing.T) {
	for f, want := range map[float64]string{0: "0", 5: "5", -1.5: "-1.5", 1e20: "100000000000000000000",
		1e21: "1e+21", 1.5e-7: "1.5e-7", 0.000001: "0.000001", -1e300: "-1e+300"} {
		if got := jsNumberString(f); got != want {
			t.Errorf("jsNumberString(%v) = %q, want %q", f, got, want)
		}
	}
}

func TestParseEntryInputJSONDepth(t *testing.T) {
	ct := richType()
	nest := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	body := `{"data":{"meta":` + nest(MaxJSONDepth) + `}}`
	if _, err := ParseEntryInput(ct, []byte(body), true); err != nil {
		t.Errorf("%d levels: got error %v, want none", MaxJSONDepth, err)
	}
	body = `{"data":{"meta":{"a":` + nest(MaxJSONDepth) + `}}}`
	_, err := ParseEntryInput(ct, []byte(body), true)
	if want := "meta must not nest more than 32 levels"; err == nil || err.Error() != want {
		t.Errorf("%d levels: got error %v, want %q", MaxJSONDepth+1, err, want)
	}
	// Far deeper than the limit, as deep as encoding/json allows.
	body = `{"data":{"meta":` + nest(9000) + `}}`
	if _, err := ParseEntryInput(ct, []byte(body), true); err == nil {
		t.Error("9000 levels: got no error, want one")
	}
}

func TestParseEntryInputAggregate(t *testing.T) {
	ct := richType()
	body := `{"data":{"code":"a b","views":1.5,"rating":"bad"}}`
	_, err := ParseEntryInput(ct, []byte(body), false)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v, want a ValidationError", err)
	}
	if want := "4 errors occurred"; ve.Message != want {
		t.Errorf("message: got %q, want %q", ve.Message, want)
	}
	// In schema order, whatever the order of the body.
	got, _ := json.Marshal(ve.DetailsObject())
	want := `{"errors":[` +
		`{"path":["name"],"message":"name must be defined.","name":"ValidationError"},` +
		`{"path":["views"],"message":"views must be an integer","name":"ValidationError","value":1.5},` +
		`{"path":["rating"],"message":"rating must be one of the following values: low, mid, high, ","name":"ValidationError","value":"bad"},` +
		`{"path":["code"],"message":"code must match the following: \"/^[A-Za-z0-9-_.~]*$/\"","name":"ValidationError","value":"a b"}]}`
	if string(got) != want {
		t.Errorf("details:\n got %s\nwant %s", got, want)
	}
}

func TestParseEntryInputPayloadErrors(t *testing.T) {
	ct := richType()
	const missing = `Missing "data" payload in the request body`
	tests := []struct {
		body    string
		syntax  bool // want a SyntaxError rather than a ValidationError
		message string
		details map[string]any
	}{
		{``, false, missing, map[string]any{}},
		{"  \n", false, missing, map[string]any{}},
		{`{}`, false, missing, map[string]any{}},
		{`{"data":null}`, false, missing, map[string]any{}},
		{`{"data":[]}`, false, missing, map[string]any{}},
		{`{"data":[{"name":"ab"}]}`, false, missing, map[string]any{}},
		{`{"data":"x"}`, false, missing, map[string]any{}},
		{`{"data":5}`, false, missing, map[string]any{}},
		{`{"Data":{}}`, false, missing, map[string]any{}},
		{`[]`, false, missing, map[string]any{}},
		{`[{"data":{}}]`, false, missing, map[string]any{}},
		{`null`, false, missing, map[string]any{}},
		{`"data"`, false, missing, map[string]any{}},
		{`{"data":{"nope":1,"name":"ab"}}`, false, "Invalid key nope",
			map[string]any{"key": "nope", "path": nil, "source": "body"}},
		{`{"data":{"zz":1,"aa":2}}`, false, "Invalid key zz",
			map[string]any{"key": "zz", "path": nil, "source": "body"}},
		{`{"data":{"views":"x","locale":"en"}}`, false, "Invalid key locale",
			map[string]any{"key": "locale", "path": nil, "source": "body"}},
		{`{"data":`, true, "unexpected end of JSON input", nil},
		{`{"data":{}} x`, true, "invalid character 'x' after top-level value", nil},
		{`{"data":{"name":'a'}}`, true, "invalid character '\\'' looking for beginning of value", nil},
		{`{data:{}}`, true, "invalid character 'd' looking for beginning of object key string", nil},
	}
	for _, tt := range tests {
		_, err := ParseEntryInput(ct, []byte(tt.body), false)
		if tt.syntax {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Message != tt.message || se.Error() != tt.message {
				t.Errorf("%q: got %v (%T), want SyntaxError %q", tt.body, err, err, tt.message)
			}
			continue
		}
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("%q: got %v (%T), want ValidationError %q", tt.body, err, err, tt.message)
			continue
		}
		if ve.Message != tt.message || !reflect.DeepEqual(ve.Details, tt.details) || len(ve.Errors) != 0 {
			t.Errorf("%q: got %q %v %v, want %q %v and no field errors", tt.body, ve.Message, ve.Details, ve.Errors, tt.message, tt.details)
		}
		if got, _ := json.Marshal(ve.DetailsObject()); tt.message == missing && string(got) != "{}" {
			t.Errorf("%q: details JSON got %s, want {}", tt.body, got)
		}
	}
}

func TestNewFieldValidationError(t *testing.T) {
	one := NewFieldValidationError(FieldError{Path: []string{"slug"}, Message: "This attribute must be unique", Value: "x"})
	if one.Message != "This attribute must be unique" || one.Errors[0].Name != "ValidationError" {
		t.Errorf("one error: got %+v, want its message and name ValidationError", one)
	}
	two := NewFieldValidationError(FieldError{Message: "a"}, FieldError{Message: "b"})
	if two.Message != "2 errors occurred" {
		t.Errorf("two errors: got %q, want 2 errors occurred", two.Message)
	}
	if got, _ := json.Marshal(NewValidationError("x", nil).DetailsObject()); string(got) != "{}" {
		t.Errorf("NewValidationError(nil details): got details %s, want {}", got)
	}
}

// checkEntry reports a value ParseEntryInput should never return.
func checkEntry(ct ContentType, m map[string]any, partial bool) string {
	for k, v := range m {
		a, ok := ct.Attribute(k)
		if !ok {
			return "unknown key " + k
		}
		if v == nil {
			if a.Required {
				return "required " + k + " is nil"
			}
			continue
		}
		ok = false
		switch a.Type {
		case TypeString, TypeText, TypeRichText, TypeEmail, TypeUID:
			var s string
			s, ok = v.(string)
			ok = ok && (a.MaxLength == nil || utf16Len(s) <= *a.MaxLength) && (a.MinLength == nil || utf16Len(s) >= *a.MinLength)
		case TypeEnumeration:
			var s string
			s, ok = v.(string)
			ok = ok && containsString(a.Enum, s)
		case TypeInteger:
			var i int64
			i, ok = v.(int64)
			ok = ok && (a.Min == nil || float64(i) >= *a.Min) && (a.Max == nil || float64(i) <= *a.Max)
		case TypeBigInteger:
			var s string
			s, ok = v.(string)
			ok = ok && BigIntegerRE.MatchString(s)
		case TypeDecimal, TypeFloat:
			var f float64
			f, ok = v.(float64)
			ok = ok && !math.IsNaN(f) && !math.IsInf(f, 0)
		case TypeBoolean:
			_, ok = v.(bool)
		case TypeDate, TypeDateTime:
			var tm time.Time
			tm, ok = v.(time.Time)
			ok = ok && tm.Location() == time.UTC
		case TypeJSON:
			ok = jsonDepth(v, 0) <= MaxJSONDepth
		}
		if !ok {
			return "bad value for " + k
		}
	}
	if !partial {
		for _, a := range ct.Attributes {
			if _, ok := m[a.Name]; a.Required && !ok {
				return "required " + a.Name + " missing"
			}
		}
	}
	return ""
}

func FuzzParseEntryInput(f *testing.F) {
	for _, seed := range []string{
		``,
		`{"data":{"name":"ab"}}`,
		`{"data":{"name":"ab","views":5,"big":"12","price":1.5,"active":true,"day":"2024-01-02","startsAt":"2024-01-02T03:04:05Z"}}`,
		`{"data":{"meta":{"a":[1,{"b":null}]},"rating":"low","contact":"a@b.co","code":"x-y"}}`,
		`{"data":{"views":1e400,"big":-9223372036854775808,"count":5.000}}`,
		`{"data":null}`,
		`{"data":{"nope":1}}`,
		`{"data":[`,
		`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
	} {
		f.Add([]byte(seed))
	}
	ct := richType()
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, partial := range []bool{false, true} {
			m, err := ParseEntryInput(ct, body, partial)
			if err != nil {
				var (
					ve *ValidationError
					se *SyntaxError
				)
				switch {
				case errors.As(err, &se):
					if json.Valid(body) {
						t.Fatalf("ParseEntryInput(%q): got SyntaxError %v for valid JSON", body, err)
					}
				case errors.As(err, &ve):
					if ve.Message == "" {
						t.Fatalf("ParseEntryInput(%q): got a ValidationError without a message", body)
					}
					for _, fe := range ve.Errors {
						if len(fe.Path) != 1 || fe.Name != "ValidationError" || !strings.HasPrefix(fe.Message, fe.Path[0]+" ") {
							t.Fatalf("ParseEntryInput(%q): got malformed field error %+v", body, fe)
						}
					}
					if _, err := json.Marshal(ve.DetailsObject()); err != nil {
						t.Fatalf("ParseEntryInput(%q): details do not encode: %v", body, err)
					}
				default:
					t.Fatalf("ParseEntryInput(%q): got error %v (%T), want SyntaxError or ValidationError", body, err, err)
				}
				continue
			}
			if problem := checkEntry(ct, m, partial); problem != "" {
				t.Fatalf("ParseEntryInput(%q, partial %v): %s in %#v", body, partial, problem, m)
			}
			if _, err := json.Marshal(m); err != nil {
				t.Fatalf("ParseEntryInput(%q): result does not encode: %v", body, err)
			}
		}
	})
}

// TestParseEntryInputCastErrorJSON: a cast error's entry carries
// "value":null, as Strapi's does (yup's NaN written by JSON.stringify).
func TestParseEntryInputCastErrorJSON(t *testing.T) {
	_, err := ParseEntryInput(richType(), []byte(`{"data":{"views":"abc"}}`), true)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v, want a ValidationError", err)
	}
	got, _ := json.Marshal(ve.DetailsObject())
	want := `{"errors":[{"path":["views"],"message":"views must be a ` + "`number`" +
		` type, but the final value was: ` + "`NaN`" + ` (cast from the value ` + "`" + `\"abc\"` + "`" +
		`).","name":"ValidationError","value":null}]}`
	if string(got) != want {
		t.Errorf("details:\n got %s\nwant %s", got, want)
	}
}
