package content

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Text the content API accepts, wherever it comes from (a query string, a
// path, a JSON body), is valid UTF-8 without NUL: PostgreSQL refuses both
// in text ("invalid byte sequence for encoding UTF8"), and SQLite would
// store what no client can read back. It is checked where a request is
// decoded, so that no field needs its own rule.

// badText says what is wrong with s as text, "" when nothing is.
func badText(s string) string {
	if !utf8.ValidString(s) {
		return notUTF8
	}
	if strings.IndexByte(s, 0) >= 0 {
		return holdsNUL
	}
	return ""
}

// What badText finds.
const (
	notUTF8  = "is not valid UTF-8"
	holdsNUL = "holds a NUL character"
)

// bodyNotText is CheckBodyText's error for what badText found.
func bodyNotText(why string) *ValidationError {
	if why == holdsNUL {
		return NewValidationError(`The request body holds a NUL character (\u0000), which text may not contain`,
			map[string]any{"source": "body"})
	}
	return NewValidationError("The request body is not valid UTF-8", map[string]any{"source": "body"})
}

// CheckQueryText refuses a query-string key or value that is not text: a
// *ValidationError naming the parameter.
func CheckQueryText(key, value string) error {
	for _, s := range []string{key, value} {
		if why := badText(s); why != "" {
			what := "The value of query parameter " + strconv.Quote(key)
			if s == key {
				what = "The query parameter " + strconv.Quote(key)
			}
			return queryError(what+" "+why+textHint, "", key, nil)
		}
	}
	return nil
}

// CheckPathText refuses a path segment that is not text.
func CheckPathText(segment string) error {
	if why := badText(segment); why != "" {
		return NewValidationError("The path segment "+strconv.Quote(segment)+" "+why+textHint,
			map[string]any{"key": segment, "source": "path"})
	}
	return nil
}

// textHint names the usual culprits, percent-encoded.
const textHint = " (%00, %FF and %C0%80 encode no text)"

// CheckBodyText refuses a JSON body that holds anything but text in its
// strings: bytes that are not UTF-8 (which encoding/json would quietly
// turn into U+FFFD) or an escaped NUL (\u0000). Raw control characters
// are left to the JSON parser, which refuses them anyway.
func CheckBodyText(body []byte) error {
	if !utf8.Valid(body) {
		return bodyNotText(notUTF8)
	}
	for i := 0; ; {
		j := bytes.Index(body[i:], []byte(`u0000`))
		if j < 0 {
			return nil
		}
		j += i
		// An escape when an odd number of backslashes precede the u:
		// \u0000 is NUL, \\u0000 is a backslash and the text u0000.
		n := 0
		for k := j - 1; k >= 0 && body[k] == '\\'; k-- {
			n++
		}
		if n%2 == 1 {
			return bodyNotText(holdsNUL)
		}
		i = j + 1
	}
}

// CheckValueText refuses decoded input (an entry's values from an API
// other than a JSON body) holding anything but text in its strings, keys
// of objects included, with the errors CheckBodyText gives a body.
func CheckValueText(v any) error {
	switch x := v.(type) {
	case string:
		if why := badText(x); why != "" {
			return bodyNotText(why)
		}
	case []any:
		for _, e := range x {
			if err := CheckValueText(e); err != nil {
				return err
			}
		}
	case map[string]any:
		for k, e := range x {
			if err := CheckValueText(k); err != nil {
				return err
			}
			if err := CheckValueText(e); err != nil {
				return err
			}
		}
	}
	return nil
}
