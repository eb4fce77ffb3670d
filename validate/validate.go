// Package validate holds the small vocabulary that domain packages use to
// report bad input field by field, so that every form can show each message
// beside the input it concerns.
package validate

import "sort"

// Errors maps a form field name to the message shown beside it.
type Errors map[string]string

// Add records msg for field unless the field already has a message: the
// first problem found is the one worth fixing first.
func (e Errors) Add(field, msg string) {
	if _, ok := e[field]; !ok {
		e[field] = msg
	}
}

// Check records msg for field when ok is false.
func (e Errors) Check(ok bool, field, msg string) {
	if !ok {
		e.Add(field, msg)
	}
}

// Valid reports whether no field has an error.
func (e Errors) Valid() bool { return len(e) == 0 }

// Fields returns the names of the fields that have errors, sorted, so that
// messages built from them are stable.
func (e Errors) Fields() []string {
	fields := make([]string, 0, len(e))
	for f := range e {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	return fields
}
