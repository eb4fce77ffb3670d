package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/config"
	"github.com/tokenadmin/tokenadmin/db"
)

const tokenUsage = `Usage:
  tokenadmin token create --name N [--description D] --type read-only|full-access|custom
                          --duration 7d|30d|90d|unlimited [--permission ACTION]...
                          [--allow-ip CIDR]... [--rate N/s|N/m] [--quota N [--refill daily|monthly]] [--json]
  tokenadmin token update ID [--name N] [--description D] [--allow-ip CIDR]... [--rate N/s|N/m]
                          [--quota N] [--refill never|daily|monthly] [--json]
  tokenadmin token list [--expiring 7d] [--json]
  tokenadmin token regenerate ID [--json]
  tokenadmin token rotate ID --grace 0|1h|24h|7d [--json]
  tokenadmin token end-grace ID [--json]
  tokenadmin token pause ID [--json]
  tokenadmin token resume ID [--json]
  tokenadmin token delete ID [--json]

create, regenerate and rotate print the new key alone on stdout, so that
TOKEN=$(tokenadmin token create ...) works; it is never shown again.
update changes only what is given: --allow-ip replaces the whole list
(--allow-ip '' empties it), --rate '' and --quota '' remove the limit.
rotate keeps the old key working for the grace (0: it stops at once, as
regenerate); end-grace stops it now. A paused token's key gets 401 "Token
disabled" until resume, which brings back the same key. --json prints the
token as JSON (with "accessKey" once, after create, regenerate and rotate).
`

func runToken(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, tokenUsage)
		return usageError{"token: missing subcommand"}
	}
	switch args[0] {
	case "create":
		return runTokenCreate(ctx, args[1:], getenv, stdout, stderr)
	case "list":
		return runTokenList(ctx, args[1:], getenv, stdout, stderr)
	case "update":
		return runTokenUpdate(ctx, args[1:], getenv, stdout, stderr)
	case "regenerate", "rotate", "end-grace", "pause", "resume", "delete":
		return runTokenByID(ctx, args[0], args[1:], getenv, stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, tokenUsage)
		return nil
	}
	fmt.Fprintf(stderr, "token: unknown subcommand %q\n\n%s", args[0], tokenUsage)
	return usageError{"token: unknown subcommand"}
}

// repeated collects a flag given several times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

// tokenEnv is what every token subcommand needs: the database and the
// service keyed with the deployment secret.
type tokenEnv struct {
	db      *db.DB
	service *apitoken.Service
}

func openTokenEnv(ctx context.Context, flags *config.Flags, getenv func(string) string, stderr io.Writer) (*tokenEnv, error) {
	cfg, err := flags.Load(getenv)
	if err != nil {
		return nil, err
	}
	// The CLI must hash keys exactly as the server does, so it reads the
	// same secret. A secret generated here is the one a server started in
	// this folder will read; anywhere else its keys would not work.
	secret, generated, err := cfg.Secret(config.DefaultSecretFile)
	if err != nil {
		return nil, err
	}
	if generated {
		fmt.Fprintf(stderr, "warning: TOKENADMIN_SECRET is unset: generated %s; the server must use the same secret for these keys to work\n", config.DefaultSecretFile)
	}
	registry, err := loadRegistry(cfg)
	if err != nil {
		return nil, err
	}
	d, err := openDB(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &tokenEnv{db: d, service: newTokenService(d, secret, registry, cfg.TokenLifetime)}, nil
}

// tokenJSON is a token as the CLI prints it: never a key, except once,
// right after create.
type tokenJSON struct {
	ID          int64      `json:"id"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Type        string     `json:"type"`
	Permissions []string   `json:"permissions"`
	ExpiresAt   *time.Time `json:"expiresAt"`
	LastUsedAt  *time.Time `json:"lastUsedAt"`
	CreatedAt   time.Time  `json:"createdAt"`
	UpdatedAt   time.Time  `json:"updatedAt"`
	AllowedIPs  []string   `json:"allowedIps"`
	RateLimit   *string    `json:"rateLimit"` // "10/s"
	Quota       *quotaJSON `json:"quota"`
	Paused      bool       `json:"paused"`
	// GraceEndsAt is set while a rotated-out key still works.
	GraceEndsAt *time.Time `json:"graceEndsAt,omitempty"`
	AccessKey   string     `json:"accessKey,omitempty"`
}

// quotaJSON is a quota as the CLI prints it: used as last written (each
// server adds what it counted since its last batch).
type quotaJSON struct {
	Limit  int64   `json:"limit"`
	Used   int64   `json:"used"`
	Refill *string `json:"refill"`
}

func toJSON(t apitoken.Token) tokenJSON {
	perms := t.Permissions
	if perms == nil {
		perms = []string{}
	}
	j := tokenJSON{ID: t.ID, Name: t.Name, Description: t.Description, Type: string(t.Type), Permissions: perms,
		ExpiresAt: t.ExpiresAt, LastUsedAt: t.LastUsedAt, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt,
		AllowedIPs: t.AllowedIPs.Strings(), Paused: t.Paused, GraceEndsAt: t.GraceEndsAt(time.Now())}
	if t.RateLimit != nil {
		r := t.RateLimit.String()
		j.RateLimit = &r
	}
	if q := t.Quota; q != nil {
		j.Quota = &quotaJSON{Limit: q.Limit, Used: t.QuotaUse.UsedAt(q.Refill, time.Now())}
		if q.Refill != "" {
			r := string(q.Refill)
			j.Quota.Refill = &r
		}
	}
	return j
}

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// guardFlags are the guardrail flags of create and update.
type guardFlags struct {
	allowIPs            repeated
	rate, quota, refill *string
}

func bindGuardFlags(fs *flag.FlagSet) *guardFlags {
	g := &guardFlags{}
	fs.Var(&g.allowIPs, "allow-ip", "a CIDR or address the key may be used from (repeatable; none: anywhere)")
	g.rate = fs.String("rate", "", "rate limit, N/s or N/m (a burst of N)")
	g.quota = fs.String("quota", "", "number of requests the key may make")
	g.refill = fs.String("refill", "", "when the quota starts again: daily or monthly (default never)")
	return g
}

// guardFieldFlags names the flags of the guardrails' form fields.
var guardFieldFlags = map[string]string{"permissions": "permission", "allowed_ips": "allow-ip", "rate_limit": "rate", "quota_refill": "refill"}

// cliDuration maps the CLI's 7d/30d/90d/unlimited onto the form's values.
func cliDuration(s string) string {
	if n := strings.TrimSuffix(s, "d"); n != s {
		if _, err := strconv.Atoi(n); err == nil {
			return n
		}
	}
	return s
}

func runTokenCreate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("token create", tokenUsage+"\nFlags:\n", stderr)
	flags := config.Bind(fs)
	name := fs.String("name", "", "token name (required, unique)")
	description := fs.String("description", "", "what the token is for")
	typ := fs.String("type", "", "read-only, full-access or custom (required)")
	duration := fs.String("duration", "", "7d, 30d, 90d or unlimited (required)")
	var perms repeated
	fs.Var(&perms, "permission", "an action such as api::article.article.find (custom tokens; repeatable)")
	guard := bindGuardFlags(fs)
	asJSON := fs.Bool("json", false, "print the token as JSON, with its key")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	env, err := openTokenEnv(ctx, flags, getenv, stderr)
	if err != nil {
		return err
	}
	defer env.db.Close()
	tok, key, errs, err := env.service.Create(ctx, cliActor(getenv), apitoken.Input{
		Name: *name, Description: *description, Type: *typ, Duration: cliDuration(*duration), Permissions: perms,
		GuardInput: apitoken.GuardInput{AllowedIPs: guard.allowIPs, RateLimit: *guard.rate, Quota: *guard.quota, QuotaRefill: *guard.refill},
	})
	if err != nil {
		return err
	}
	if !errs.Valid() {
		reportFieldErrors(stderr, errs, guardFieldFlags)
		return errors.New("token not created")
	}
	if *asJSON {
		j := toJSON(tok)
		j.AccessKey = key
		return json.NewEncoder(stdout).Encode(j)
	}
	_, err = fmt.Fprintln(stdout, key)
	return err
}

func runTokenList(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("token list", tokenUsage+"\nFlags:\n", stderr)
	flags := config.Bind(fs)
	asJSON := fs.Bool("json", false, "print a JSON array")
	expiring := fs.String("expiring", "", "only tokens that have not expired and expire within this many days, e.g. 7d")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	var filter apitoken.ListFilter
	if *expiring != "" {
		n, err := strconv.Atoi(strings.TrimSuffix(*expiring, "d"))
		if err != nil || !strings.HasSuffix(*expiring, "d") || n < 1 || n > 36500 {
			fmt.Fprintf(stderr, "token list: --expiring: %q is not a number of days such as 7d\n", *expiring)
			fs.Usage()
			return usageError{"bad --expiring"}
		}
		filter = apitoken.ExpiringWithin(time.Now(), time.Duration(n)*24*time.Hour)
	}
	env, err := openTokenEnv(ctx, flags, getenv, stderr)
	if err != nil {
		return err
	}
	defer env.db.Close()
	// Page by cursor: each page is one index range scan, however many
	// tokens there are.
	var all []apitoken.Token
	q := apitoken.ListQuery{Sort: apitoken.SortName, Limit: 500, Filter: filter}
	for {
		page, err := env.db.TokenPage(ctx, q)
		if err != nil {
			return err
		}
		all = append(all, page.Tokens...)
		if !page.HasNext {
			break
		}
		q.After = page.Last
	}
	if *asJSON {
		out := make([]tokenJSON, 0, len(all))
		for _, t := range all {
			out = append(out, toJSON(t))
		}
		return printJSON(stdout, out)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tTYPE\tKEY\tEXPIRES\tLAST USED\tSTATE")
	for _, t := range all {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Type, t.KeyHint, timeOr(t.ExpiresAt, "never"), timeOr(t.LastUsedAt, "never"), state(t))
	}
	return tw.Flush()
}

// state is a token's lifecycle state in the list's table.
func state(t apitoken.Token) string {
	switch {
	case t.Paused:
		return "paused"
	case t.Expired(time.Now()):
		return "expired"
	case t.InGrace(time.Now()):
		return "old key until " + t.OldKey.GraceEndsAt.UTC().Format(time.RFC3339)
	}
	return "active"
}

func timeOr(t *time.Time, none string) string {
	if t == nil {
		return none
	}
	return t.UTC().Format(time.RFC3339)
}

// byIDUsage is each ID subcommand's usage line.
var byIDUsage = map[string]string{
	"regenerate": "Usage: tokenadmin token regenerate ID [--json]\n\nA new key replaces the current one, which stops working at once.\n",
	"rotate":     "Usage: tokenadmin token rotate ID --grace 0|1h|24h|7d [--json]\n\nA new key replaces the current one, which keeps working for the grace.\n",
	"end-grace":  "Usage: tokenadmin token end-grace ID [--json]\n\nThe old key of the last rotation stops working now.\n",
	"pause":      "Usage: tokenadmin token pause ID [--json]\n\nThe key gets 401 \"Token disabled\" until resume.\n",
	"resume":     "Usage: tokenadmin token resume ID [--json]\n\nThe same key works again.\n",
	"delete":     "Usage: tokenadmin token delete ID [--json]\n\nThe token is removed for good; its key fails at once.\n",
}

func runTokenByID(ctx context.Context, verb string, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("token "+verb, byIDUsage[verb]+"\nFlags:\n", stderr)
	flags := config.Bind(fs)
	asJSON := fs.Bool("json", false, "print the token as JSON")
	var grace *string
	if verb == "rotate" {
		grace = fs.String("grace", "", "how long the old key keeps working: 0, 1h, 24h or 7d (required)")
	}
	// The ID may come before or after the flags.
	var idArg string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		idArg, args = args[0], args[1:]
	}
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil
			}
			return usageError{err.Error()}
		}
		if fs.NArg() == 0 {
			break
		}
		if idArg != "" {
			fs.Usage()
			return usageError{"token " + verb + ": one ID"}
		}
		// The ID between flags: the flags after it are parsed too.
		idArg, args = fs.Arg(0), fs.Args()[1:]
	}
	id, err := strconv.ParseInt(idArg, 10, 64)
	if err != nil || id <= 0 {
		fmt.Fprintf(stderr, "token %s: %q is not a token ID (see tokenadmin token list)\n", verb, idArg)
		fs.Usage()
		return usageError{"bad ID"}
	}
	g := apitoken.GraceNone
	if grace != nil {
		if *grace == "" {
			fmt.Fprintln(stderr, "token rotate: --grace is required (0, 1h, 24h or 7d)")
			fs.Usage()
			return usageError{"missing --grace"}
		}
		if g, err = apitoken.ParseGrace(*grace); err != nil {
			fmt.Fprintf(stderr, "token rotate: --grace: %v\n", err)
			fs.Usage()
			return usageError{"bad --grace"}
		}
	}
	env, err := openTokenEnv(ctx, flags, getenv, stderr)
	if err != nil {
		return err
	}
	defer env.db.Close()
	by, svc := cliActor(getenv), env.service
	var tok apitoken.Token
	var key, done string
	switch verb {
	case "regenerate", "rotate":
		tok, key, err = svc.Rotate(ctx, by, id, g)
	case "end-grace":
		tok, err = svc.EndGrace(ctx, by, id)
		done = "the old key of token %d no longer works"
	case "pause":
		tok, err = svc.Pause(ctx, by, id)
		done = "paused token %d"
	case "resume":
		tok, err = svc.Resume(ctx, by, id)
		done = "resumed token %d"
	default:
		tok, err = svc.Delete(ctx, by, id)
		done = "deleted token %d"
	}
	switch {
	case errors.Is(err, apitoken.ErrNotFound):
		return fmt.Errorf("no token with ID %d", id)
	case errors.Is(err, apitoken.ErrNoGrace):
		return fmt.Errorf("token %d has no old key that still works", id)
	case err != nil:
		return err
	}
	if *asJSON {
		j := toJSON(tok)
		j.AccessKey = key
		return printJSON(stdout, j)
	}
	if key != "" {
		_, err = fmt.Fprintln(stdout, key)
		return err
	}
	fmt.Fprintf(stderr, done+"\n", id)
	return nil
}

// runTokenUpdate changes what its flags give and keeps the rest.
func runTokenUpdate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("token update", tokenUsage+"\nFlags:\n", stderr)
	flags := config.Bind(fs)
	name := fs.String("name", "", "new name")
	description := fs.String("description", "", "new description")
	guard := bindGuardFlags(fs)
	asJSON := fs.Bool("json", false, "print the token as JSON (never its key)")
	var idArg string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		idArg, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError{err.Error()}
	}
	if idArg == "" && fs.NArg() == 1 {
		idArg = fs.Arg(0)
	} else if fs.NArg() > 0 {
		fs.Usage()
		return usageError{"token update: one ID"}
	}
	id, err := strconv.ParseInt(idArg, 10, 64)
	if err != nil || id <= 0 {
		fmt.Fprintf(stderr, "token update: %q is not a token ID (see tokenadmin token list)\n", idArg)
		fs.Usage()
		return usageError{"bad ID"}
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	env, err := openTokenEnv(ctx, flags, getenv, stderr)
	if err != nil {
		return err
	}
	defer env.db.Close()
	cur, err := env.db.TokenByID(ctx, id)
	if errors.Is(err, apitoken.ErrNotFound) {
		return fmt.Errorf("no token with ID %d", id)
	}
	if err != nil {
		return err
	}
	in := apitoken.Input{Name: cur.Name, Description: cur.Description, Type: string(cur.Type),
		Permissions: cur.Permissions, GuardInput: cur.Guardrails.Input()}
	if given["name"] {
		in.Name = *name
	}
	if given["description"] {
		in.Description = *description
	}
	if given["allow-ip"] {
		in.AllowedIPs = guard.allowIPs
	}
	if given["rate"] {
		in.RateLimit = *guard.rate
	}
	if given["quota"] {
		in.Quota = *guard.quota
		if *guard.quota == "" && !given["refill"] {
			in.QuotaRefill = ""
		}
	}
	if given["refill"] {
		in.QuotaRefill = *guard.refill // "never" is the domain's to read
	}
	tok, errs, err := env.service.Update(ctx, cliActor(getenv), id, in)
	if errors.Is(err, apitoken.ErrNotFound) {
		return fmt.Errorf("no token with ID %d", id)
	}
	if err != nil {
		return err
	}
	if !errs.Valid() {
		reportFieldErrors(stderr, errs, guardFieldFlags)
		return errors.New("token not updated")
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(toJSON(tok))
	}
	fmt.Fprintf(stderr, "updated token %d\n", id)
	return nil
}
