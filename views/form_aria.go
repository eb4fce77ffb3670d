package views

import (
	"strings"

	"github.com/a-h/templ"
)

// controlAria is a form control's aria-invalid and aria-describedby: while
// field has an error, the control is invalid and described by the message
// (FieldError's id), which replaces its hint, since the message already
// says the rule and a reader should meet it once; otherwise by its hint
// (an element id, or ""). Lines that describe the chosen value, such as a
// preview, are named either way.
func controlAria(field, errMsg, hintID string, valueIDs ...string) templ.Attributes {
	a := templ.Attributes{}
	var ids []string
	switch {
	case errMsg != "":
		a["aria-invalid"] = "true"
		ids = append(ids, "error-"+field)
	case hintID != "":
		ids = append(ids, hintID)
	}
	ids = append(ids, valueIDs...)
	if len(ids) > 0 {
		a["aria-describedby"] = strings.Join(ids, " ")
	}
	return a
}

// hintID is the id TextFieldWithHint gives its hint line, "" without one.
func hintID(field, hint string) string {
	if hint == "" {
		return ""
	}
	return "hint-" + field
}
