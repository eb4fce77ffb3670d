//go:build !benchbypass

package handlers

import "testing"

// TestNoBenchBypass guards the shipped build: without -tags benchbypass
// the content API must always authenticate.
func TestNoBenchBypass(t *testing.T) {
	if benchBypassAuth {
		t.Fatal("benchBypassAuth is true in a build without the benchbypass tag")
	}
}
