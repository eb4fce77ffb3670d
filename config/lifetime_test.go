package config

import (
	"strings"
	"testing"
	"time"
)

func TestLifetime(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want Lifetime
	}{
		{nil, nil, Lifetime{}},
		{map[string]string{"TOKENADMIN_TOKEN_MAX_LIFETIME": "30d"}, nil, Lifetime{Max: 30 * 24 * time.Hour, NoUnlimited: true}},
		{map[string]string{"TOKENADMIN_TOKEN_MAX_LIFETIME": "unlimited"}, nil, Lifetime{}},
		{map[string]string{"TOKENADMIN_TOKEN_ALLOW_UNLIMITED": "false"}, nil, Lifetime{NoUnlimited: true}},
		{map[string]string{"TOKENADMIN_TOKEN_MAX_LIFETIME": "30d"}, []string{"--token-max-lifetime", "90d"}, Lifetime{Max: 90 * 24 * time.Hour, NoUnlimited: true}},
	} {
		c, err := load(t, tc.args, tc.env)
		if err != nil || c.TokenLifetime != tc.want {
			t.Errorf("%v %v: got %+v, %v, want %+v", tc.env, tc.args, c.TokenLifetime, err, tc.want)
		}
	}
	for _, tc := range []struct {
		env      map[string]string
		mentions string
	}{
		{map[string]string{"TOKENADMIN_TOKEN_MAX_LIFETIME": "30"}, "TOKENADMIN_TOKEN_MAX_LIFETIME"},
		{map[string]string{"TOKENADMIN_TOKEN_MAX_LIFETIME": "3d"}, "from 7d"},
		{map[string]string{"TOKENADMIN_TOKEN_MAX_LIFETIME": "99999d"}, "TOKENADMIN_TOKEN_MAX_LIFETIME"},
		{map[string]string{"TOKENADMIN_TOKEN_MAX_LIFETIME": "-7d"}, "TOKENADMIN_TOKEN_MAX_LIFETIME"},
		{map[string]string{"TOKENADMIN_TOKEN_ALLOW_UNLIMITED": "perhaps"}, "TOKENADMIN_TOKEN_ALLOW_UNLIMITED"},
		{map[string]string{"TOKENADMIN_TOKEN_MAX_LIFETIME": "30d", "TOKENADMIN_TOKEN_ALLOW_UNLIMITED": "true"}, "contradicts"},
	} {
		if _, err := load(t, nil, tc.env); err == nil || !strings.Contains(err.Error(), tc.mentions) {
			t.Errorf("%v: got %v, want an error mentioning %s", tc.env, err, tc.mentions)
		}
	}
}
