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

func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("token: want a subcommand: create, list or revoke")
	}
	var cfg Config
	fs := newFlagSet("token "+args[0], stderr, &cfg, false)
	switch args[0] {
	case "create":
		name := fs.String("name", "", "what the token is for, e.g. \"wire desk\" (required)")
		owner := fs.String("user", "", "email of the user the token acts as, with that user's role; without it the token has full newsroom rights")
		if err := fs.Parse(args[1:]); err != nil {
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
		if err := store.CreateToken(cliAudit(ctx, liveblog.AuditTokenCreate, t.Name), t); err != nil {
			return fmt.Errorf("token create: %w", err)
		}
		fmt.Fprintf(stderr, "Created token %d (%s). It is shown once; keep it secret:\n", t.ID, t.Name)
		fmt.Fprintln(stdout, secret)
		return nil
	case "list":
		if err := fs.Parse(args[1:]); err != nil {
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
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
		if fs.NArg() != 1 || err != nil {
			return errors.New("token revoke: want the token's ID (see token list)")
		}
		store, err := openInstance(ctx, cfg)
		if err != nil {
			return err
		}
		defer store.Close()
		return store.RevokeToken(cliAudit(ctx, liveblog.AuditTokenRevoke, "token "+strconv.FormatInt(id, 10)), id)
	}
	return fmt.Errorf("token: unknown subcommand %q", args[0])
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
