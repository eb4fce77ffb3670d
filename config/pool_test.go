package config

import (
	"strings"
	"testing"
	"time"
)

func TestPoolDefaults(t *testing.T) {
	c, err := load(t, nil, nil)
	if err != nil {
		t.Fatalf("Load: got error %v, want nil", err)
	}
	want := Pool{ConnMaxLifetime: -1, ConnMaxIdleTime: -1}
	if c.Pool != want {
		t.Errorf("Pool: got %+v, want %+v (unset: the database's default)", c.Pool, want)
	}
}

func TestPoolFromEnvironmentAndFlags(t *testing.T) {
	c, err := load(t, []string{"--db-max-idle-conns=5", "--db-conn-max-idle-time=0"}, map[string]string{
		"TOKENADMIN_DB_MAX_CONNS":          "12",
		"TOKENADMIN_DB_MAX_IDLE_CONNS":     "12",
		"TOKENADMIN_DB_CONN_MAX_LIFETIME":  "1h30m",
		"TOKENADMIN_DB_CONN_MAX_IDLE_TIME": "10m",
	})
	if err != nil {
		t.Fatalf("Load: got error %v, want nil", err)
	}
	want := Pool{MaxConns: 12, MaxIdleConns: 5, ConnMaxLifetime: 90 * time.Minute, ConnMaxIdleTime: 0}
	if c.Pool != want {
		t.Errorf("Pool: got %+v, want %+v (flags beat the environment)", c.Pool, want)
	}
}

func TestPoolRejectsBadValues(t *testing.T) {
	tests := []struct {
		env       map[string]string
		args      []string
		name, bad string
	}{
		{env: map[string]string{"TOKENADMIN_DB_MAX_CONNS": "0"}, name: "TOKENADMIN_DB_MAX_CONNS", bad: `"0"`},
		{env: map[string]string{"TOKENADMIN_DB_MAX_CONNS": "-3"}, name: "TOKENADMIN_DB_MAX_CONNS", bad: `"-3"`},
		{env: map[string]string{"TOKENADMIN_DB_MAX_CONNS": "twenty"}, name: "TOKENADMIN_DB_MAX_CONNS", bad: `"twenty"`},
		{env: map[string]string{"TOKENADMIN_DB_MAX_CONNS": "100000"}, name: "TOKENADMIN_DB_MAX_CONNS", bad: `"100000"`},
		{env: map[string]string{"TOKENADMIN_DB_MAX_IDLE_CONNS": "0"}, name: "TOKENADMIN_DB_MAX_IDLE_CONNS", bad: `"0"`},
		{env: map[string]string{"TOKENADMIN_DB_MAX_CONNS": "4", "TOKENADMIN_DB_MAX_IDLE_CONNS": "8"}, name: "TOKENADMIN_DB_MAX_IDLE_CONNS", bad: `"8"`},
		{env: map[string]string{"TOKENADMIN_DB_CONN_MAX_LIFETIME": "30"}, name: "TOKENADMIN_DB_CONN_MAX_LIFETIME", bad: `"30"`},
		{env: map[string]string{"TOKENADMIN_DB_CONN_MAX_LIFETIME": "-1m"}, name: "TOKENADMIN_DB_CONN_MAX_LIFETIME", bad: `"-1m"`},
		{env: map[string]string{"TOKENADMIN_DB_CONN_MAX_IDLE_TIME": "soon"}, name: "TOKENADMIN_DB_CONN_MAX_IDLE_TIME", bad: `"soon"`},
		{args: []string{"--db-max-conns=x"}, name: "--db-max-conns", bad: `"x"`},
		{args: []string{"--db-conn-max-idle-time=x"}, name: "--db-conn-max-idle-time", bad: `"x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name+"="+tt.bad, func(t *testing.T) {
			_, err := load(t, tt.args, tt.env)
			if err == nil {
				t.Fatalf("Load(%v, %v): got nil error, want one", tt.args, tt.env)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, tt.name+": ") || !strings.Contains(msg, tt.bad) {
				t.Errorf("Load(%v, %v): got %q, want a line starting %q that quotes %s", tt.args, tt.env, msg, tt.name+": ", tt.bad)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("got a multi-line error %q, want one line", msg)
			}
		})
	}
}
