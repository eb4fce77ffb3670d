package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tokenadmin/tokenadmin/access"
	"github.com/tokenadmin/tokenadmin/account"
	"github.com/tokenadmin/tokenadmin/config"
)

const adminCreateUsage = `Usage: tokenadmin admin create --email E --name N --role super-admin|editor|author --password-stdin

Adds an admin account. The password is read from the first line of
standard input, so it never appears in the process list or shell history:

  printf '%s\n' "$PASSWORD" | tokenadmin admin create --email a@example.com --name Ada --role editor --password-stdin

Flags:
`

func runAdminCreate(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("admin create", adminCreateUsage, stderr)
	flags := config.Bind(fs)
	email := fs.String("email", "", "the admin's email (required)")
	name := fs.String("name", "", "the admin's name (required)")
	role := fs.String("role", "", "role slug: super-admin, editor, author, or one created in the admin (required)")
	passwordStdin := fs.Bool("password-stdin", false, "read the password from standard input (required)")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if !*passwordStdin || *role == "" {
		fmt.Fprintln(stderr, "admin create: --role and --password-stdin are required")
		fs.Usage()
		return usageError{"missing flags"}
	}
	password, err := readPasswordLine(stdin)
	if err != nil {
		return err
	}
	in, errs := account.ValidateNewAdmin(*email, *name, password)
	if !errs.Valid() {
		reportFieldErrors(stderr, errs, map[string]string{"password": "password-stdin"})
		return errors.New("admin not created")
	}
	cfg, err := flags.Load(getenv)
	if err != nil {
		return err
	}
	d, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	r, err := d.RoleBySlug(ctx, *role)
	if errors.Is(err, access.ErrRoleNotFound) {
		return fmt.Errorf("--role: no role %q (try super-admin, editor or author)", *role)
	}
	if err != nil {
		return err
	}
	// The same service as the admin pages, so the new admin is in the
	// audit log, made by "cli" and the user running it.
	admins := access.NewService(d, account.HashPassword, time.Now)
	a, err := admins.CreateAdmin(ctx, access.Actor{Actor: cliActor(getenv)}, in, r.ID)
	if errors.Is(err, access.ErrEmailTaken) {
		return fmt.Errorf("--email: an admin with email %s already exists", in.Email)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created admin %d <%s> with role %s\n", a.ID, a.Email, r.Slug)
	return nil
}

const adminResetPasswordUsage = `Usage: tokenadmin admin reset-password --email E --password-stdin

Sets the password of an admin who forgot theirs, and signs out every
browser of theirs. The audit log records it as done by "cli" and the user
running it. The password is read from the first line of standard input:

  printf '%s\n' "$PASSWORD" | tokenadmin admin reset-password --email a@example.com --password-stdin

Admins who know their password change it on their Account page.

Flags:
`

func runAdminResetPassword(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("admin reset-password", adminResetPasswordUsage, stderr)
	flags := config.Bind(fs)
	email := fs.String("email", "", "the admin's email (required)")
	passwordStdin := fs.Bool("password-stdin", false, "read the new password from standard input (required)")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if !*passwordStdin || *email == "" {
		fmt.Fprintln(stderr, "admin reset-password: --email and --password-stdin are required")
		fs.Usage()
		return usageError{"missing flags"}
	}
	password, err := readPasswordLine(stdin)
	if err != nil {
		return err
	}
	if msg := account.PasswordProblem(password); msg != "" {
		fmt.Fprintf(stderr, "--password-stdin: %s\n", msg)
		return errors.New("password not changed")
	}
	cfg, err := flags.Load(getenv)
	if err != nil {
		return err
	}
	d, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	a, _, err := d.AdminCredentials(ctx, account.NormalizeEmail(*email))
	if errors.Is(err, access.ErrAdminNotFound) {
		return fmt.Errorf("--email: no admin with email %s", account.NormalizeEmail(*email))
	}
	if err != nil {
		return err
	}
	admins := access.NewService(d, account.HashPassword, time.Now)
	_, ended, err := admins.ChangePassword(ctx, access.Actor{Actor: cliActor(getenv)}, a.ID, password, "")
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "password of admin %d <%s> reset; %d sessions signed out\n", a.ID, a.Email, ended)
	return nil
}

// readPasswordLine reads a password from the first line of stdin (never
// an argument: it would show in the process list and shell history).
func readPasswordLine(stdin io.Reader) (string, error) {
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}
