package content

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
)

// MaxJSONDepth is how deeply the value of a json attribute may nest
// objects and arrays.
const MaxJSONDepth = 32

// SyntaxError is a request body that is not JSON; the content API answers
// it with 400 SyntaxError and the parser's message.
type SyntaxError struct {
	Message string
}

// Error returns the message.
func (e *SyntaxError) Error() string { return e.Message }

// MissingData is Strapi's answer to a body without a data object.
func MissingData() *ValidationError {
	return NewValidationError(`Missing "data" payload in the request body`, nil)
}

// systemFields are the fields every entry has, which clients may send back
// as they read them; Strapi drops them from input.
var systemFields = map[string]bool{
	FieldID: true, FieldDocumentID: true, FieldCreatedAt: true,
	FieldUpdatedAt: true, FieldPublishedAt: true,
}

var (
	// UIDRE is Strapi's pattern for uid attributes.
	UIDRE = regexp.MustCompile(`^[A-Za-z0-9-_.~]*$`)
	// emailRE is the WHATWG pattern yup's email test uses.
	emailRE = regexp.MustCompile("^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$")
)

// ParseEntryInput reads the body of a create (partial false) or update
// (partial true) request, {"data":{...}}, and validates it against ct.
//
// It returns the attribute values typed as a store binds them: string for
// string, text, richtext, email, uid and enumeration; int64 for integer;
// string of digits for biginteger (as Strapi returns it); float64 for
// decimal and float; bool; time.Time in UTC for date (midnight) and
// datetime; and for json the decoded value, with numbers as json.Number. A
// null is a nil value. On create, attributes missing from data get their
// schema default when they have one; on update only the keys sent are
// returned. The system fields (id, documentId and the timestamps) are
// dropped. Uniqueness is the store's to check.
//
// Errors: *SyntaxError for malformed JSON; *ValidationError for text that
// is not text (CheckBodyText), a missing data object, a key that is not an attribute (the first one found), or
// failing attributes (all of them, one FieldError each, in schema order).
func ParseEntryInput(ct ContentType, body []byte, partial bool) (map[string]any, error) {
	body = bytes.Trim(body, " \t\r\n")
	if len(body) == 0 {
		return nil, MissingData()
	}
	if err := CheckBodyText(body); err != nil {
		return nil, err
	}
	if !json.Valid(body) {
		var raw json.RawMessage
		err := json.Unmarshal(body, &raw)
		if err == nil { // cannot happen: Valid and Unmarshal agree
			return nil, &SyntaxError{Message: "invalid JSON"}
		}
		return nil, &SyntaxError{Message: err.Error()}
	}
	if body[0] != '{' {
		return nil, MissingData()
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return nil, &SyntaxError{Message: err.Error()}
	}
	data := bytes.Trim(top["data"], " \t\r\n")
	if len(data) == 0 || data[0] != '{' {
		return nil, MissingData()
	}
	keys, raws, err := objectMembers(data)
	if err != nil {
		return nil, &SyntaxError{Message: err.Error()}
	}
	if err := checkEntryKeys(ct, keys); err != nil {
		return nil, err
	}
	// Only attributes are decoded, once the keys are known good. Their
	// text was checked with the body, and their numbers are json.Number.
	values := make(map[string]any, len(ct.Attributes))
	for _, a := range ct.Attributes {
		raw, ok := raws[a.Name]
		if !ok {
			continue
		}
		v, err := decodeValue(raw)
		if err != nil {
			return nil, &SyntaxError{Message: err.Error()}
		}
		values[a.Name] = v
	}
	return entryValues(ct, values, partial)
}

// ParseEntryValues validates the members of an entry's data already
// decoded, as ParseEntryInput does those of a JSON body: keys in the
// order sent (the first that is not an attribute is the one reported),
// values as JSON decodes them (string, bool, nil, []any, map[string]any,
// numbers as json.Number) or as typed numbers (int, int64, float64),
// which are read as the JSON number that writes them. Strings must be
// text, as CheckBodyText requires of a body.
func ParseEntryValues(ct ContentType, keys []string, values map[string]any, partial bool) (map[string]any, error) {
	if err := CheckValueText(values); err != nil {
		return nil, err
	}
	if err := checkEntryKeys(ct, keys); err != nil {
		return nil, err
	}
	typed := make(map[string]any, len(values))
	for k, v := range values {
		typed[k] = jsonNumbers(v)
	}
	return entryValues(ct, typed, partial)
}

// checkEntryKeys refuses the first key, in the order sent, that is
// neither an attribute nor a system field.
func checkEntryKeys(ct ContentType, keys []string) error {
	for _, k := range keys {
		if systemFields[k] {
			continue
		}
		if _, ok := ct.Attribute(k); !ok {
			return NewValidationError("Invalid key "+k, map[string]any{"key": k, "path": nil, "source": "body"})
		}
	}
	return nil
}

// entryValues validates an entry's attribute values, decoded as JSON
// decodes them (numbers as json.Number).
func entryValues(ct ContentType, values map[string]any, partial bool) (map[string]any, error) {
	out := make(map[string]any, len(ct.Attributes))
	var errs []FieldError
	for _, a := range ct.Attributes {
		v, present := values[a.Name]
		if !present {
			if partial {
				continue
			}
			if v, ok := DefaultValue(a); ok {
				out[a.Name] = v
				continue
			}
			if a.Required {
				errs = append(errs, requiredError(a))
			}
			continue
		}
		if v == nil {
			if a.Required {
				errs = append(errs, requiredError(a))
			} else {
				out[a.Name] = nil
			}
			continue
		}
		v, msg, cast := castNumber(a, v)
		if cast && msg != "" {
			// The cast value is NaN or ±Infinity, which JSON writes as null.
			errs = append(errs, FieldError{Path: []string{a.Name}, Message: a.Name + " " + msg, NullValue: true})
			continue
		}
		typed, msg := convertInput(a, v)
		if msg == "" {
			msg = checkInput(a, typed)
		}
		if msg != "" {
			errs = append(errs, FieldError{Path: []string{a.Name}, Message: a.Name + " " + msg, Value: v})
			continue
		}
		out[a.Name] = typed
	}
	if len(errs) > 0 {
		return nil, NewFieldValidationError(errs...)
	}
	return out, nil
}

// castNumber casts v for an integer, float or decimal attribute as yup's
// number() does (Strapi validates with it, casting first): a string or a
// boolean becomes a number with JavaScript's rules, so "5" and " 5 " are
// 5. cast tells whether v was cast; then the value is the number as a
// json.Number, for the usual checks, or msg says why it is not one: yup's
// typeError when the cast gives NaN (false, "abc", ""), and for
// ±Infinity, which yup lets through to fail later, the message the
// attribute's checks give a non-finite number (our store cannot hold it).
func castNumber(a Attribute, v any) (out any, msg string, cast bool) {
	info := a.Type.Info()
	if !info.YupNumber() {
		return v, "", false
	}
	notFinite := "must be a number"
	if info.Values == IntegerValues {
		notFinite = "must be an integer"
	}
	var shown string
	switch x := v.(type) {
	case string:
		if n, ok := jsStringToNumber(x); ok {
			if math.IsInf(n, 0) {
				return nil, notFinite, true
			}
			return json.Number(jsNumberString(n)), "", true
		}
		shown = `"` + x + `"`
	case bool:
		shown = strconv.FormatBool(x)
	default:
		return v, "", false
	}
	return nil, "must be a `number` type, but the final value was: `NaN` (cast from the value `" + shown + "`).", true
}

// jsStringToNumber is yup's number cast of a string: white space (as
// JavaScript's \s matches it) removed, the empty string is NaN, otherwise
// JavaScript's unary plus (decimal, exponent, unsigned 0x/0o/0b,
// Infinity). ok is false for NaN.
func jsStringToNumber(s string) (float64, bool) {
	s = strings.Map(func(r rune) rune {
		if r != '\u0085' && unicode.IsSpace(r) || r == '\ufeff' {
			return -1
		}
		return r
	}, s)
	if s == "" {
		return 0, false
	}
	switch s {
	case "Infinity", "+Infinity":
		return math.Inf(1), true
	case "-Infinity":
		return math.Inf(-1), true
	}
	if len(s) > 2 && s[0] == '0' {
		digits := ""
		switch s[1] {
		case 'x', 'X':
			digits = "0123456789abcdefABCDEF"
		case 'o', 'O':
			digits = "01234567"
		case 'b', 'B':
			digits = "01"
		}
		if digits != "" {
			if strings.ContainsFunc(s[2:], func(r rune) bool { return !strings.ContainsRune(digits, r) }) {
				return 0, false
			}
			i, _ := new(big.Int).SetString(s[2:], map[byte]int{'x': 16, 'X': 16, 'o': 8, 'O': 8, 'b': 2, 'B': 2}[s[1]])
			f, _ := new(big.Float).SetInt(i).Float64()
			return f, true
		}
	}
	if strings.ContainsFunc(s, func(r rune) bool { return !strings.ContainsRune("0123456789.eE+-", r) }) {
		return 0, false // ParseFloat also reads "inf", "nan", "1_0" and hex floats
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return f, true // ±Inf, as JavaScript rounds it
		}
		return 0, false
	}
	return f, true
}

// jsonNumbers returns v with its typed numbers (int, int64, float64),
// at any depth, turned into the json.Number encoding/json writes for
// them, so that a value decoded elsewhere reads as one from a JSON body.
func jsonNumbers(v any) any {
	switch x := v.(type) {
	case int:
		return json.Number(strconv.Itoa(x))
	case int64:
		return json.Number(strconv.FormatInt(x, 10))
	case float64:
		b, err := json.Marshal(x)
		if err != nil {
			return v // NaN or ±Inf: no JSON number; convertInput refuses it
		}
		return json.Number(b)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonNumbers(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonNumbers(e)
		}
		return out
	}
	return v
}

// jsNumberString writes a finite number as JavaScript's String(n) does,
// which is how yup's errors show it and JSON.stringify writes it.
func jsNumberString(n float64) string {
	if n == 0 {
		return "0"
	}
	if abs := math.Abs(n); abs >= 1e-6 && abs < 1e21 {
		return strconv.FormatFloat(n, 'f', -1, 64)
	}
	s := strconv.FormatFloat(n, 'e', -1, 64) // 1e-07, 1.5e+21
	mant, exp, _ := strings.Cut(s, "e")
	sign, digits := exp[:1], strings.TrimLeft(exp[1:], "0")
	return mant + "e" + sign + digits
}

func requiredError(a Attribute) FieldError {
	return FieldError{Path: []string{a.Name}, Message: a.Name + " must be defined."}
}

// objectMembers lists a JSON object's keys in the order first written and
// their values; a repeated key keeps its first place and its last value,
// as JSON.parse does.
func objectMembers(obj []byte) ([]string, map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	if _, err := dec.Token(); err != nil { // '{', checked by the caller
		return nil, nil, err
	}
	var keys []string
	vals := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		k, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, err
		}
		if _, seen := vals[k]; !seen {
			keys = append(keys, k)
		}
		vals[k] = v
	}
	return keys, vals, nil
}

// decodeValue decodes one member's value keeping numbers exact.
func decodeValue(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// DefaultValue converts a's schema default to its typed value. A default
// of the wrong type (the schema's fault, not the client's) is left out.
// Going through JSON gives every call fresh maps and slices, so a json
// default can never be shared with the registry.
func DefaultValue(a Attribute) (any, bool) {
	if a.Default == nil {
		return nil, false
	}
	raw, err := json.Marshal(a.Default)
	if err != nil {
		return nil, false
	}
	v, err := decodeValue(raw)
	if err != nil || v == nil {
		return nil, false
	}
	typed, msg := convertInput(a, v)
	if msg != "" {
		return nil, false
	}
	return typed, true
}

// convertInput checks v's JSON type against a's type and converts it. It
// returns the failure message without the attribute name.
func convertInput(a Attribute, v any) (any, string) {
	switch a.Type.Info().Values {
	case StringValues:
		s, ok := v.(string)
		if a.Type == TypeEnumeration && (!ok || !containsString(a.Enum, s)) {
			return nil, "must be one of the following values: " + strings.Join(a.Enum, ", ") + ", "
		}
		if !ok {
			return nil, "must be a string"
		}
		return s, ""
	case IntegerValues:
		n, ok := v.(json.Number)
		if !ok {
			return nil, "must be an integer"
		}
		i, ok := wholeInt64(string(n))
		if !ok {
			return nil, "must be an integer"
		}
		return i, ""
	case BigIntegerValues:
		var i int64
		ok := false
		switch x := v.(type) {
		case json.Number:
			i, ok = wholeInt64(string(x))
		case string:
			if BigIntegerRE.MatchString(x) {
				var err error
				i, err = strconv.ParseInt(x, 10, 64)
				ok = err == nil
			}
		}
		if !ok {
			return nil, "must be an integer"
		}
		return strconv.FormatInt(i, 10), ""
	case FloatValues:
		n, ok := v.(json.Number)
		if !ok {
			return nil, "must be a number"
		}
		f, err := strconv.ParseFloat(string(n), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, "must be a number"
		}
		return f, ""
	case BooleanValues:
		b, ok := v.(bool)
		if !ok {
			return nil, "must be a boolean"
		}
		return b, ""
	case DateValues:
		s, _ := v.(string)
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return nil, "must be a valid date (YYYY-MM-DD)"
		}
		return d, ""
	case DateTimeValues:
		s, _ := v.(string)
		d, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, "must be a valid datetime (RFC 3339)"
		}
		return d.UTC(), ""
	case JSONValues:
		if jsonDepth(v, 0) > MaxJSONDepth {
			return nil, "must not nest more than " + strconv.Itoa(MaxJSONDepth) + " levels"
		}
		return v, ""
	}
	return nil, "has an unsupported type"
}

// checkInput applies a's constraints to a converted value.
func checkInput(a Attribute, v any) string {
	switch x := v.(type) {
	case string:
		if a.Type == TypeEnumeration {
			return ""
		}
		if a.Type.Info().Values == BigIntegerValues {
			i, _ := strconv.ParseInt(x, 10, 64)
			return checkBounds(a, new(big.Float).SetInt64(i))
		}
		n := utf16Len(x) // Strapi counts as JavaScript does
		if a.MinLength != nil && n < *a.MinLength {
			return "must be at least " + strconv.Itoa(*a.MinLength) + " characters"
		}
		if a.MaxLength != nil && n > *a.MaxLength {
			return "must be at most " + strconv.Itoa(*a.MaxLength) + " characters"
		}
		switch a.Type {
		case TypeEmail:
			if x != "" && !emailRE.MatchString(x) {
				return "must be a valid email"
			}
		case TypeUID:
			if !UIDRE.MatchString(x) {
				return `must match the following: "/` + UIDRE.String() + `/"`
			}
		}
	case int64:
		return checkBounds(a, new(big.Float).SetInt64(x))
	case float64:
		return checkBounds(a, big.NewFloat(x))
	}
	return ""
}

func checkBounds(a Attribute, v *big.Float) string {
	if a.Min != nil && v.Cmp(big.NewFloat(*a.Min)) < 0 {
		return "must be greater than or equal to " + strconv.FormatFloat(*a.Min, 'f', -1, 64)
	}
	if a.Max != nil && v.Cmp(big.NewFloat(*a.Max)) > 0 {
		return "must be less than or equal to " + strconv.FormatFloat(*a.Max, 'f', -1, 64)
	}
	return ""
}

// wholeInt64 parses a JSON number that must be whole and fit an int64;
// 5, 5.0 and 5e2 are whole, as they are to JavaScript.
func wholeInt64(s string) (int64, bool) {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i, true
	}
	f, ok := new(big.Float).SetPrec(0).SetString(s)
	if !ok || !f.IsInt() {
		return 0, false
	}
	i, acc := f.Int64()
	return i, acc == big.Exact
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// jsonDepth returns how deeply v nests, stopping once past MaxJSONDepth.
func jsonDepth(v any, depth int) int {
	if depth > MaxJSONDepth {
		return depth
	}
	best := depth
	switch x := v.(type) {
	case map[string]any:
		for _, e := range x {
			best = max(best, jsonDepth(e, depth+1))
			if best > MaxJSONDepth {
				return best
			}
		}
		if len(x) == 0 {
			best = max(best, depth+1)
		}
	case []any:
		for _, e := range x {
			best = max(best, jsonDepth(e, depth+1))
			if best > MaxJSONDepth {
				return best
			}
		}
		if len(x) == 0 {
			best = max(best, depth+1)
		}
	}
	return best
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
