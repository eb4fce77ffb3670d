package db

import "testing"

func TestRarestWord(t *testing.T) {
	for search, want := range map[string]string{
		"customer 123456":  "123456",
		"acme production":  "production",
		"key for acme":     "acme",
		"db 7":             "",
		"a b c":            "",
		"deploy ci-42 key": "ci-42",
		"ünïcödé ab":       "ünïcödé",
	} {
		if got := rarestWord(search); got != want {
			t.Errorf("rarestWord(%q): got %q, want %q", search, got, want)
		}
	}
}
