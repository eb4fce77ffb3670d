package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/tokenadmin/tokenadmin/config"
	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/validate"
)

// usageError means the command line was wrong and usage was printed; the
// process exits 2, as flag-parsing tools do.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

const mainUsage = `tokenadmin manages API tokens and serves the content API they guard.

Usage:
  tokenadmin [serve] [flags]      start the server (the default)
  tokenadmin migrate [flags]      apply pending database migrations and exit
  tokenadmin admin create [flags] add an admin account
  tokenadmin admin reset-password [flags]
                                  set an admin's password (a forgotten one)
  tokenadmin token create|list|regenerate|rotate|end-grace|pause|resume|delete
                                  mint and manage API tokens from scripts

Run "tokenadmin COMMAND --help" for a command's flags.
`

// run is the whole program; main only wires it to the process, so tests
// can call it with their own arguments, environment and streams.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return runServe(ctx, args, getenv, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, args, getenv, stderr)
	case "admin":
		switch {
		case len(args) > 0 && args[0] == "create":
			return runAdminCreate(ctx, args[1:], getenv, stdin, stdout, stderr)
		case len(args) > 0 && args[0] == "reset-password":
			return runAdminResetPassword(ctx, args[1:], getenv, stdin, stdout, stderr)
		}
		fmt.Fprint(stderr, "Usage: tokenadmin admin create|reset-password [flags]; tokenadmin admin create --help\n")
		return usageError{"admin: unknown subcommand"}
	case "token":
		return runToken(ctx, args, getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, mainUsage)
		return nil
	}
	fmt.Fprintf(stderr, "tokenadmin: unknown command %q\n\n%s", cmd, mainUsage)
	return usageError{"unknown command"}
}

// parseFlags parses args with fs, turning --help into a clean exit and a
// bad flag into a usage error.
func parseFlags(fs *flag.FlagSet, args []string) (help bool, err error) {
	err = fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		return true, nil
	}
	if err != nil {
		return false, usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return false, usageError{"unexpected argument"}
	}
	return false, nil
}

func newFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	return fs
}

func newLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// openDB opens and migrates the database named by the configuration.
func openDB(ctx context.Context, cfg config.Config) (*db.DB, error) {
	d, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	d.ConfigurePool(db.Pool(cfg.Pool))
	if err := d.Migrate(ctx); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

func runMigrate(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	fs := newFlagSet("migrate", "Usage: tokenadmin migrate [flags]\n\nApplies pending database migrations and exits.\n\nFlags:\n", stderr)
	flags := config.Bind(fs)
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
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
	newLogger(stderr).Info("migrations applied", "dialect", d.Dialect)
	return nil
}

// reportFieldErrors prints each field error as the flag that carries the
// field ("--name: Name is required."); flags maps fields whose flag has
// another name.
func reportFieldErrors(w io.Writer, errs validate.Errors, flags map[string]string) {
	for _, f := range errs.Fields() {
		name := f
		if n, ok := flags[f]; ok {
			name = n
		}
		fmt.Fprintf(w, "--%s: %s\n", name, errs[f])
	}
}
