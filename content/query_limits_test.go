package content

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// wantLimit checks that err is a ValidationError whose details name the
// limit and its value.
func wantLimit(t *testing.T, name string, err error, limit string, max int) {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Errorf("%s: got %v, want a ValidationError naming %s", name, err, limit)
		return
	}
	if ve.Details["limit"] != limit || ve.Details["max"] != max || !strings.Contains(ve.Message, fmt.Sprint(max)) {
		t.Errorf("%s: got %q %v, want limit %s max %d named in the message", name, ve.Message, ve.Details, limit, max)
	}
}

func TestQueryLimitsNameTheLimit(t *testing.T) {
	ct := richType()
	repeat := func(format string, n int) url.Values {
		v := url.Values{}
		for i := range n {
			v.Set(fmt.Sprintf(format, i), fmt.Sprint(i))
		}
		return v
	}
	or := func(n int, op string) url.Values { return repeat("filters[$or][%d][name]["+op+"]", n) }
	cases := []struct {
		name     string
		ok, over url.Values
		limit    string
		max      int
	}{
		{"conditions", or(MaxFilterConditions, "$containsi"), or(MaxFilterConditions+1, "$containsi"), LimitFilterConditions, MaxFilterConditions},
		// The branch count SQLite refused with "Expression tree is too
		// large" (a 500) before there was a limit.
		{"1,000 $or branches", or(MaxFilterConditions, "$eq"), or(1000, "$eq"), LimitFilterConditions, MaxFilterConditions},
		{"$in values", repeat("filters[views][$in][%d]", MaxInValues), repeat("filters[views][$in][%d]", MaxInValues+1), LimitInValues, MaxInValues},
		{"sort fields", url.Values{"sort": {strings.Repeat("name,", MaxSortFields)}},
			url.Values{"sort": {strings.Repeat("name,", MaxSortFields+1)}}, LimitSortFields, MaxSortFields},
		{"sort fields as a list", repeat("sort[%d]", 0), func() url.Values {
			v := url.Values{}
			for i := range MaxSortFields + 1 {
				v.Set(fmt.Sprintf("sort[%d]", i), "name:asc")
			}
			return v
		}(), LimitSortFields, MaxSortFields},
		{"fields", url.Values{"fields": {strings.Repeat("name,", MaxFields)}},
			url.Values{"fields": {strings.Repeat("name,", MaxFields+1)}}, LimitFields, MaxFields},
		{"populate", repeat("populate[%d]", MaxPopulate), repeat("populate[%d]", MaxPopulate+1), LimitPopulate, MaxPopulate},
		{"page", url.Values{"pagination[page]": {fmt.Sprint(MaxPage)}}, url.Values{"pagination[page]": {fmt.Sprint(MaxPage + 1)}}, LimitPage, MaxPage},
		{"start", url.Values{"pagination[start]": {fmt.Sprint(MaxStart)}}, url.Values{"pagination[start]": {fmt.Sprint(MaxStart + 1)}}, LimitStart, MaxStart},
		{"value length", url.Values{"filters[name][$eq]": {strings.Repeat("é", MaxTextLength)}},
			url.Values{"filters[name][$eq]": {strings.Repeat("é", MaxTextLength+1)}}, LimitTextLength, MaxTextLength},
		{"key length", url.Values{"filters[name][$eq]": {"x"}},
			url.Values{"filters[" + strings.Repeat("n", MaxTextLength) + "]": {"x"}}, LimitTextLength, MaxTextLength},
		{"parameters", repeat("populate[%d]", MaxPopulate), func() url.Values {
			v := url.Values{}
			v["filters[views][$in]"] = strings.Split(strings.Repeat("1,", MaxQueryParams), ",")
			return v
		}(), LimitQueryParams, MaxQueryParams},
	}
	for _, tc := range cases {
		if _, err := ParseQuery(ct, tc.ok); err != nil {
			t.Errorf("%s: at the limit: %v", tc.name, err)
		}
		_, err := ParseQuery(ct, tc.over)
		wantLimit(t, tc.name, err, tc.limit, tc.max)
	}
}

func TestQueryTextMustBeText(t *testing.T) {
	ct := richType()
	// As url.ParseQuery decodes %FF, %00 and %C0%80 (an overlong NUL).
	for _, bad := range []string{"\xff", "a\x00b", "\xc0\x80"} {
		for _, v := range []url.Values{
			{"filters[name][$eq]": {bad}},
			{"filters[name][$in][0]": {"ok", bad}},
			{"filters[" + bad + "][$eq]": {"x"}},
			{"sort": {bad}},
			{"populate": {bad}},
		} {
			_, err := ParseQuery(ct, v)
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Details["source"] != "query" ||
				!(strings.Contains(ve.Message, "not valid UTF-8") || strings.Contains(ve.Message, "NUL")) {
				t.Errorf("%q: got %v, want a ValidationError about the text", v, err)
			}
		}
	}
}

func TestCheckBodyText(t *testing.T) {
	for _, ok := range []string{`{"data":{"title":"x"}}`, `{"a":"\\u0000"}`, `{"a":"\\\\u0000"}`, `{"a":"ü\u00e9"}`, `{"a":"u0000"}`} {
		if err := CheckBodyText([]byte(ok)); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{`{"a":"\u0000"}`, `{"a":"x\\\u0000"}`, `{"\u0000":1}`, "{\"a\":\"\xff\"}", "{\"a\":\"\xc0\x80\"}"} {
		var ve *ValidationError
		if err := CheckBodyText([]byte(bad)); !errors.As(err, &ve) || ve.Details["source"] != "body" {
			t.Errorf("%s: got %v, want a ValidationError", bad, err)
		}
	}
}

func TestCheckPathText(t *testing.T) {
	if err := CheckPathText("abc123"); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"\xff", "a\x00"} {
		var ve *ValidationError
		if err := CheckPathText(bad); !errors.As(err, &ve) || ve.Details["source"] != "path" {
			t.Errorf("%q: got %v", bad, err)
		}
	}
}
