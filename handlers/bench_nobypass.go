//go:build !benchbypass

package handlers

// benchBypassAuth is false in every normal build: the bypass branch in
// requireToken is a constant-false condition the compiler removes, so a
// shipped binary cannot reach it. See bench_bypass.go.
const benchBypassAuth = false
