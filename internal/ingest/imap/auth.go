package imap

import (
	"context"
	"errors"
	"fmt"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-sasl"
)

// authenticate logs in with the configured method.
func (c *Client) authenticate(ctx context.Context, auth Auth) error {
	var caps imap.CapSet // as announced before login
	err := c.do(ctx, "capability", func() error {
		if caps = c.cli.Caps(); caps == nil {
			return errors.New("no capabilities")
		}
		return nil
	})
	if err != nil {
		return err
	}
	method := auth.Method
	if method == "" {
		method = AuthLogin
		if caps.Has("AUTH=PLAIN") {
			method = AuthPlain
		}
	}

	switch method {
	case AuthPlain:
		err = c.do(ctx, "authenticate plain", func() error {
			return c.cli.Authenticate(sasl.NewPlainClient("", auth.Username, auth.Password))
		})
	case AuthLogin:
		if caps.Has(imap.CapLoginDisabled) {
			return fmt.Errorf("login as %q: %w: the server disables LOGIN on this connection (use tls or starttls)", auth.Username, ErrAuthFailed)
		}
		err = c.do(ctx, "login", func() error { return c.cli.Login(auth.Username, auth.Password).Wait() })
	case AuthXOAUTH2:
		return c.authenticateXOAUTH2(ctx, auth)
	}
	if err != nil {
		return authError(method, auth.Username, err, nil)
	}
	return nil
}

func (c *Client) authenticateXOAUTH2(ctx context.Context, auth Auth) error {
	token, err := auth.TokenSource.Token()
	if err != nil {
		return fmt.Errorf("xoauth2 as %q: get token: %w", auth.Username, err)
	}
	if !token.Valid() {
		return fmt.Errorf("xoauth2 as %q: get token: token source returned an invalid token", auth.Username)
	}
	if err := checkXOAUTH2(auth.Username, token.AccessToken); err != nil {
		return fmt.Errorf("xoauth2 as %q: %w", auth.Username, err)
	}
	client := &xoauth2Client{username: auth.Username, token: token.AccessToken}
	err = c.do(ctx, "authenticate xoauth2", func() error { return c.cli.Authenticate(client) })
	if err != nil {
		return authError(AuthXOAUTH2, auth.Username, err, client.serverErr)
	}
	return nil
}

// authError says which login failed and why. A refusal by the server
// (NO, or the XOAUTH2 error challenge) matches ErrAuthFailed; a lost
// connection stays a connection error, and throttling stays throttling.
func authError(method, username string, err error, detail *XOAUTH2Error) error {
	if detail != nil {
		err = fmt.Errorf("%w (%w)", err, detail)
	}
	var imapErr *imap.Error
	_, throttled := ThrottleDelay(err)
	if errors.As(err, &imapErr) && !errors.Is(err, ErrConnection) && !throttled {
		return fmt.Errorf("%s as %q: %w: %w", method, username, ErrAuthFailed, err)
	}
	return fmt.Errorf("%s as %q: %w", method, username, err)
}
