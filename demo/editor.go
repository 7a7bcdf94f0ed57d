package demo

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/argon2id"
)

// The demo's editor account, which signs in at /desk/. The address is at
// example.org, reserved for documentation, like every other in the demo.
const (
	EditorEmail = "editor@example.org"
	EditorName  = "Demo Editor"
)

// passwordAlphabet leaves out letters and digits read for one another (0 and
// o, 1 and l): the password is copied from a terminal by eye as often as by
// mouse. 32 symbols, so each carries 5 bits.
const passwordAlphabet = "abcdefghijkmnpqrstuvwxyz23456789"

// SeedEditor creates the demo editor when the store has no account with
// EditorEmail, and returns the password it was given, generated and shown
// only this once; "" when the account exists already, which keeps the
// password it has.
func SeedEditor(ctx context.Context, users liveblog.UserStore) (password string, err error) {
	if _, err := users.FindUserByEmail(ctx, EditorEmail); err == nil {
		return "", nil
	} else if liveblog.ErrorCode(err) != liveblog.ENOTFOUND {
		return "", fmt.Errorf("demo: find editor: %w", err)
	}
	password = newPassword()
	u := &liveblog.User{Email: EditorEmail, Name: EditorName, Role: liveblog.RoleEditor,
		Byline: liveblog.Contributor{Role: "Live editor"}, PasswordHash: argon2id.Hash(password)}
	if err := users.CreateUser(ctx, liveblog.Write{}, u); err != nil {
		return "", fmt.Errorf("demo: create editor: %w", err)
	}
	return password, nil
}

// newPassword returns a password of 80 random bits in four groups of four,
// "k7mq-x2pd-9hne-4rtw", easy to read out and to type.
func newPassword() string {
	b := make([]byte, 16)
	rand.Read(b)
	out := make([]byte, 0, 19)
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			out = append(out, '-')
		}
		out = append(out, passwordAlphabet[c%byte(len(passwordAlphabet))])
	}
	return string(out)
}
