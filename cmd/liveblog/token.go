package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/liveblog/liveblog"
)

const tokenUsage = `liveblog token manages the API tokens that publish through the JSON API.

  token create --name NAME [--user EMAIL]   print a new token (shown once)
  token list
  token revoke ID

Each takes --data DIR or --database URL; "liveblog token create -h" shows the flags.
`

func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || isHelp(args[0]) {
		return groupUsage(tokenUsage, args, stdout, stderr)
	}
	var cfg Config
	fs := newFlagSet("token "+args[0], stderr, &cfg, false)
	switch args[0] {
	case "create":
		setUsage(fs, "liveblog token create --name NAME [--user EMAIL] [flags]",
			"Creates an API token and prints it once on standard output. The data directory is created when it does not exist.")
		name := fs.String("name", "", "what the token is for, e.g. \"wire desk\" (required)")
		owner := fs.String("user", "", "email of the user the token acts as, with that user's role; without it the token has full newsroom rights")
		if err := parseFlags(fs, args[1:], stdout); err != nil {
			return err
		}
		if *name == "" {
			return errors.New("token create: --name is required")
		}
		store, err := createInstance(ctx, cfg)
		if err != nil {
			return err
		}
		defer store.Close()
		secret, hash := liveblog.NewTokenSecret()
		t := &liveblog.Token{Name: *name, Hash: hash}
		if *owner != "" {
			u, err := store.FindUserByEmail(ctx, *owner)
			if err != nil {
				return fmt.Errorf("token create: --user: %s", describe(err))
			}
			t.UserID = u.ID
		}
		if err := store.CreateToken(ctx, cliWrite(liveblog.AuditTokenCreate, t.Name), t); err != nil {
			return fmt.Errorf("token create: %w", err)
		}
		fmt.Fprintf(stderr, "Created token %d (%s). It is shown once; keep it secret:\n", t.ID, t.Name)
		fmt.Fprintln(stdout, secret)
		return nil
	case "list":
		setUsage(fs, "liveblog token list [flags]", "Lists the API tokens, revoked ones too.")
		if err := parseFlags(fs, args[1:], stdout); err != nil {
			return err
		}
		store, err := openInstance(ctx, cfg)
		if err != nil {
			return err
		}
		defer store.Close()
		tokens, err := store.FindTokens(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tUSER\tCREATED\tLAST USED\tREVOKED")
		for _, t := range tokens {
			user := "-"
			if t.UserID != 0 {
				user = strconv.FormatInt(t.UserID, 10)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, user, stamp(t.CreatedAt), stamp(t.LastUsedAt), stamp(t.RevokedAt))
		}
		return tw.Flush()
	case "revoke":
		setUsage(fs, "liveblog token revoke ID [flags]", "Revokes a token at once; see token list for the IDs.")
		arg, err := parseWithArg(fs, args[1:], stdout)
		if err != nil {
			return err
		}
		id, err := strconv.ParseInt(arg, 10, 64)
		if err != nil {
			return errors.New("token revoke: want the token's ID (see token list)")
		}
		store, err := openInstance(ctx, cfg)
		if err != nil {
			return err
		}
		defer store.Close()
		return store.RevokeToken(ctx, cliWrite(liveblog.AuditTokenRevoke, "token "+strconv.FormatInt(id, 10)), id)
	}
	return groupUsage(tokenUsage, args, stdout, stderr)
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
