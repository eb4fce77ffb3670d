// Package account holds the rules for admin credentials: how passwords are
// hashed and checked, and what a new admin's email, name and password must
// look like.
package account

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/tokenadmin/tokenadmin/validate"
)

// MinPasswordLength is the password policy's minimum, in characters.
const MinPasswordLength = 10

// MaxEmailLength is the longest email an address may be (RFC 5321's
// path limit); anything longer is refused before it is used.
const MaxEmailLength = 254

// maxPasswordLength bounds the work an attacker can make us do per attempt.
const maxPasswordLength = 256

// Argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes, 1
// lane), which costs tens of milliseconds here: slow for a guesser, fast
// enough for a sign-in.
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// ErrMalformedHash means a stored hash is not one this package wrote.
var ErrMalformedHash = errors.New("account: malformed password hash")

// HashPassword returns an argon2id hash in the PHC string format.
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("account: salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches hash, comparing in
// constant time. It reads the parameters from the hash so that raising them
// later keeps old hashes working.
func CheckPassword(hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, ErrMalformedHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, ErrMalformedHash
	}
	var memory, iterations uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &iterations, &threads); err != nil {
		return false, ErrMalformedHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, ErrMalformedHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, ErrMalformedHash
	}
	if len(password) > maxPasswordLength {
		return false, nil
	}
	got := argon2.IDKey([]byte(password), salt, iterations, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is checked against when no account matches an email, so that
// a wrong email takes as long as a wrong password and reveals nothing.
var dummyHash, _ = HashPassword("tokenadmin-dummy-password")

// CheckNoAccount spends the time a real password check would.
func CheckNoAccount(password string) {
	_, _ = CheckPassword(dummyHash, password)
}

// NormalizeEmail trims and lower-cases an email so that one person cannot
// hold two accounts that differ only in case.
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// NewAdmin is a new admin account as submitted by the sign-up or user
// form, after cleaning.
type NewAdmin struct {
	Email    string
	Name     string
	Password string
}

// ValidateNewAdmin cleans and checks a new admin's details.
func ValidateNewAdmin(email, name, password string) (NewAdmin, validate.Errors) {
	errs := validate.Errors{}
	in := NewAdmin{Email: NormalizeEmail(email), Name: strings.TrimSpace(name), Password: password}
	errs.Check(in.Email != "", "email", "Email is required.")
	if in.Email != "" {
		addr, err := mail.ParseAddress(in.Email)
		errs.Check(err == nil && addr.Address == in.Email && len(in.Email) <= MaxEmailLength, "email", "Enter a valid email address.")
	}
	errs.Check(in.Name != "", "name", "Name is required.")
	errs.Check(utf8.RuneCountInString(in.Name) <= 100, "name", "Name must be at most 100 characters.")
	if msg := PasswordProblem(password); msg != "" {
		errs.Add("password", msg)
	}
	return in, errs
}

// PasswordProblem returns what is wrong with a new password, or "".
func PasswordProblem(password string) string {
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLength:
		return fmt.Sprintf("Password must be at least %d characters.", MinPasswordLength)
	case len(password) > maxPasswordLength:
		return fmt.Sprintf("Password must be at most %d bytes.", maxPasswordLength)
	case strings.TrimSpace(password) == "":
		return "Password cannot be only spaces."
	}
	return ""
}

// ValidatePasswordChange checks the fields of a password change: the
// current password typed (checked against the stored hash by the caller,
// which throttles it like a sign-in), a new one the policy accepts, typed
// twice alike, and different from the current one.
func ValidatePasswordChange(current, next, confirm string) validate.Errors {
	errs := validate.Errors{}
	errs.Check(current != "", "current_password", "Enter your current password.")
	if msg := PasswordProblem(next); msg != "" {
		errs.Add("new_password", msg)
	} else if next == current {
		errs.Add("new_password", "The new password must differ from the current one.")
	}
	if _, bad := errs["new_password"]; !bad && confirm != next {
		errs.Add("confirm_password", "The two new passwords differ.")
	}
	return errs
}
