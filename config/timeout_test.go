package config

import (
	"strings"
	"testing"
	"time"
)

func TestRequestTimeout(t *testing.T) {
	c, err := load(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.RequestTimeout != DefaultRequestTimeout || DefaultRequestTimeout != 10*time.Second {
		t.Errorf("default: got %v, want %v", c.RequestTimeout, DefaultRequestTimeout)
	}
	c, err = load(t, nil, map[string]string{"TOKENADMIN_REQUEST_TIMEOUT": "2.5s"})
	if err != nil || c.RequestTimeout != 2500*time.Millisecond {
		t.Errorf("environment: got %v, %v", c.RequestTimeout, err)
	}
	c, err = load(t, []string{"--request-timeout=1m"}, map[string]string{"TOKENADMIN_REQUEST_TIMEOUT": "2s"})
	if err != nil || c.RequestTimeout != time.Minute {
		t.Errorf("flag: got %v, %v, want the flag to win", c.RequestTimeout, err)
	}
	for _, bad := range []string{"10", "0", "-1s", "50ms", "11m", "soon"} {
		_, err := load(t, nil, map[string]string{"TOKENADMIN_REQUEST_TIMEOUT": bad})
		if err == nil || !strings.HasPrefix(err.Error(), "TOKENADMIN_REQUEST_TIMEOUT: ") || !strings.Contains(err.Error(), `"`+bad+`"`) {
			t.Errorf("%q: got %v, want one line naming the variable and the value", bad, err)
		}
	}
	if _, err := load(t, []string{"--request-timeout=x"}, nil); err == nil || !strings.HasPrefix(err.Error(), "--request-timeout: ") {
		t.Errorf("bad flag: got %v", err)
	}
}
