package content

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// SchemaError is a schema.json that cannot be loaded. Loading stops at the
// first one, because serving a partial set of types would silently drop
// routes and permissions that tokens were granted.
type SchemaError struct {
	File    string // the schema.json, as its directory was given
	Problem string // what is wrong, e.g. "info.singularName is required"
}

// Error returns "<file>: <problem>".
func (e *SchemaError) Error() string { return e.File + ": " + e.Problem }

var (
	typeNameRE       = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)
	attrNameRE       = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	collectionNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// reservedAttrs are the fields every entry carries already; an attribute
// with one of these names would be shadowed in responses and filters.
var reservedAttrs = map[string]bool{
	"id": true, "documentId": true, "createdAt": true, "updatedAt": true,
	"publishedAt": true, "locale": true,
}

type rawSchema struct {
	Kind           string          `json:"kind"`
	CollectionName string          `json:"collectionName"`
	Info           rawInfo         `json:"info"`
	Attributes     json.RawMessage `json:"attributes"`
}

type rawInfo struct {
	SingularName string `json:"singularName"`
	PluralName   string `json:"pluralName"`
	DisplayName  string `json:"displayName"`
	Description  string `json:"description"`
}

// rawAttribute takes min and max raw because Strapi writes them as strings
// for biginteger attributes.
type rawAttribute struct {
	Type        string          `json:"type"`
	Required    bool            `json:"required"`
	Unique      bool            `json:"unique"`
	Private     bool            `json:"private"`
	MinLength   *int            `json:"minLength"`
	MaxLength   *int            `json:"maxLength"`
	Min         json.RawMessage `json:"min"`
	Max         json.RawMessage `json:"max"`
	Enum        []string        `json:"enum"`
	Default     any             `json:"default"`
	TargetField string          `json:"targetField"`
	Regex       string          `json:"regex"`
}

// parseSchema turns one schema.json into a content type plus warnings for
// what it had to leave out. file is used only in messages.
func parseSchema(file string, data []byte) (ContentType, []string, error) {
	fail := func(format string, args ...any) (ContentType, []string, error) {
		return ContentType{}, nil, &SchemaError{File: file, Problem: fmt.Sprintf(format, args...)}
	}

	var raw rawSchema
	if err := json.Unmarshal(data, &raw); err != nil {
		return fail("%s", describeJSONError(err, data))
	}

	kind := Kind(raw.Kind)
	switch {
	case raw.Kind == "":
		return fail("kind is required")
	case kind != CollectionType && kind != SingleType:
		return fail("unknown kind %q (want %q or %q)", raw.Kind, CollectionType, SingleType)
	}

	info := raw.Info
	for _, f := range []struct{ field, value string }{
		{"info.singularName", info.SingularName},
		{"info.pluralName", info.PluralName},
	} {
		if f.value == "" {
			return fail("%s is required", f.field)
		}
		if !typeNameRE.MatchString(f.value) {
			return fail("%s %q must match %s", f.field, f.value, typeNameRE)
		}
	}
	if info.SingularName == info.PluralName {
		return fail("info.singularName and info.pluralName are both %q; they must differ", info.SingularName)
	}

	ct := ContentType{
		Kind:           kind,
		SingularName:   info.SingularName,
		PluralName:     info.PluralName,
		DisplayName:    info.DisplayName,
		Description:    info.Description,
		CollectionName: raw.CollectionName,
		Source:         file,
	}
	if ct.DisplayName == "" {
		ct.DisplayName = ct.SingularName
	}
	if ct.CollectionName == "" {
		// Strapi derives the table name from the plural name the same way.
		ct.CollectionName = strings.ReplaceAll(ct.PluralName, "-", "_")
	} else if !collectionNameRE.MatchString(ct.CollectionName) {
		// The stores use it as a table name, so hold it to identifier shape.
		return fail("collectionName %q must match %s", ct.CollectionName, collectionNameRE)
	}

	attrs, warnings, err := parseAttributes(file, raw.Attributes)
	if err != nil {
		return ContentType{}, nil, err
	}
	ct.Attributes = attrs
	return ct, warnings, nil
}

// parseAttributes walks the attributes object token by token because a map
// would lose the order the author wrote, which is the order forms and
// tables show.
func parseAttributes(file string, data json.RawMessage) ([]Attribute, []string, error) {
	fail := func(format string, args ...any) ([]Attribute, []string, error) {
		return nil, nil, &SchemaError{File: file, Problem: fmt.Sprintf(format, args...)}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fail("attributes must be an object")
	}

	var (
		attrs    []Attribute
		warnings []string
		seen     = map[string]bool{}
	)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fail("attributes: %v", err)
		}
		name, _ := tok.(string) // object keys are always strings
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return fail("attribute %q: %v", name, err)
		}

		switch {
		case !attrNameRE.MatchString(name):
			return fail("attribute name %q must match %s", name, attrNameRE)
		case reservedAttrs[name]:
			return fail("attribute name %q is reserved", name)
		case seen[name]:
			return fail("attribute %q is declared twice", name)
		}
		seen[name] = true

		a, skip, warns, err := parseAttribute(name, value)
		if err != nil {
			return fail("attribute %q: %v", name, err)
		}
		for _, w := range warns {
			warnings = append(warnings, fmt.Sprintf("%s: attribute %q: %s", file, name, w))
		}
		if !skip {
			attrs = append(attrs, a)
		}
	}

	// targetField can name a later attribute, so check once all are read.
	for _, a := range attrs {
		if a.Type != TypeUID || a.TargetField == "" {
			continue
		}
		if !slices.ContainsFunc(attrs, func(b Attribute) bool { return b.Name == a.TargetField && b.Name != a.Name }) {
			return fail("attribute %q: targetField %q is not another attribute of this type", a.Name, a.TargetField)
		}
	}
	return attrs, warnings, nil
}

// parseAttribute reads one attribute. skip reports a known Strapi type we
// leave out; warns explains what was left out or not enforced.
func parseAttribute(name string, data json.RawMessage) (a Attribute, skip bool, warns []string, err error) {
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return a, false, nil, errors.New(describeJSONError(err, nil))
	}
	switch {
	case head.Type == "":
		return a, false, nil, errors.New("type is required")
	case skippedTypes[head.Type]:
		// Decoded no further: these types carry fields of their own shapes.
		return a, true, []string{fmt.Sprintf("skipped: %s attributes are not supported", head.Type)}, nil
	case !AttrType(head.Type).Supported():
		return a, false, nil, fmt.Errorf("unknown type %q", head.Type)
	}

	var raw rawAttribute
	if err := json.Unmarshal(data, &raw); err != nil {
		return a, false, nil, errors.New(describeJSONError(err, nil))
	}
	a = Attribute{
		Name:        name,
		Type:        AttrType(raw.Type),
		Required:    raw.Required,
		Unique:      raw.Unique,
		Private:     raw.Private,
		MinLength:   raw.MinLength,
		MaxLength:   raw.MaxLength,
		Enum:        raw.Enum,
		Default:     raw.Default,
		TargetField: raw.TargetField,
	}
	if a.Min, err = parseBound("min", raw.Min); err != nil {
		return a, false, nil, err
	}
	if a.Max, err = parseBound("max", raw.Max); err != nil {
		return a, false, nil, err
	}

	switch {
	case a.MinLength != nil && *a.MinLength < 0:
		return a, false, nil, fmt.Errorf("minLength %d must not be negative", *a.MinLength)
	case a.MaxLength != nil && *a.MaxLength < 0:
		return a, false, nil, fmt.Errorf("maxLength %d must not be negative", *a.MaxLength)
	case a.MinLength != nil && a.MaxLength != nil && *a.MinLength > *a.MaxLength:
		return a, false, nil, fmt.Errorf("minLength %d is greater than maxLength %d", *a.MinLength, *a.MaxLength)
	case a.Min != nil && a.Max != nil && *a.Min > *a.Max:
		return a, false, nil, fmt.Errorf("min %v is greater than max %v", *a.Min, *a.Max)
	}

	switch a.Type {
	case TypeEnumeration:
		if len(a.Enum) == 0 {
			return a, false, nil, errors.New("an enumeration needs a non-empty enum")
		}
		for i, v := range a.Enum {
			if v == "" {
				return a, false, nil, errors.New("enum values must not be empty")
			}
			if slices.Contains(a.Enum[:i], v) {
				return a, false, nil, fmt.Errorf("enum value %q is listed twice", v)
			}
		}
		if a.Default != nil {
			if s, ok := a.Default.(string); !ok || !slices.Contains(a.Enum, s) {
				return a, false, nil, fmt.Errorf("default %v is not one of enum", a.Default)
			}
		}
	case TypeBoolean:
		if _, ok := a.Default.(bool); a.Default != nil && !ok {
			return a, false, nil, fmt.Errorf("default %v is not true or false", a.Default)
		}
	}

	if raw.Regex != "" {
		warns = append(warns, "regex is not enforced")
	}
	return a, false, warns, nil
}

// parseBound reads min or max, which Strapi writes as a number, or as a
// string for biginteger so that large bounds survive JavaScript.
func parseBound(field string, data json.RawMessage) (*float64, error) {
	if len(data) == 0 || string(data) == "null" {
		return nil, nil
	}
	text := string(data)
	if data[0] == '"' {
		if err := json.Unmarshal(data, &text); err != nil {
			return nil, fmt.Errorf("%s: %v", field, err)
		}
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("%s %s is not a finite number", field, data)
	}
	return &f, nil
}

// describeJSONError rephrases encoding/json's errors in schema terms. data
// is the whole file, to say where the problem is, or nil when the error
// came from decoding one attribute, whose message already names it.
func describeJSONError(err error, data []byte) string {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syn):
		return "invalid JSON" + position(data, syn.Offset, true) + ": " + syn.Error()
	case errors.As(err, &typ):
		what := "must be a JSON object, not " + typ.Value
		if typ.Field != "" {
			what = fmt.Sprintf("%s must be %s, not %s", typ.Field, describeGoType(typ.Type.String()), typ.Value)
		}
		if data == nil {
			return what
		}
		return "invalid schema" + position(data, typ.Offset, false) + ": " + what
	default:
		return "invalid JSON: " + err.Error()
	}
}

func describeGoType(t string) string {
	switch t {
	case "string":
		return "a string"
	case "int":
		return "an integer"
	case "bool":
		return "true or false"
	case "[]string":
		return "a list of strings"
	default:
		return "an object"
	}
}

// position renders " at line L" (and ", column C" when the offset is
// exact) for a byte offset into data, or nothing when it is not into data.
// encoding/json's offsets point just past the offending byte; a type
// error's points past the whole value, so only its line is trustworthy.
func position(data []byte, offset int64, withColumn bool) string {
	if data == nil || offset <= 0 || offset > int64(len(data)) {
		return ""
	}
	before := data[:offset-1]
	line := bytes.Count(before, []byte("\n")) + 1
	if !withColumn {
		return fmt.Sprintf(" at line %d", line)
	}
	col := len(before) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf(" at line %d, column %d", line, col)
}
