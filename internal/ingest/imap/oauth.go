package imap

import (
	"context"
	"net/url"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// MicrosoftIMAPScope is the scope of a client-credentials token for IMAP
// in Exchange Online.
const MicrosoftIMAPScope = "https://outlook.office365.com/.default"

// TokenExpiryDelta is how long before its expiry a token is replaced, so
// that a connection never authenticates with a token about to lapse.
const TokenExpiryDelta = 5 * time.Minute

// MicrosoftTokenSource gets app-only tokens for Exchange Online IMAP with
// the OAuth 2.0 client-credentials grant (RFC 6749 section 4.4) from the
// Microsoft identity platform of tenant. ctx is used for every token
// request, so it must live as long as the source.
func MicrosoftTokenSource(ctx context.Context, tenant, clientID, clientSecret string) oauth2.TokenSource {
	return ClientCredentialsTokenSource(ctx, MicrosoftTokenURL(tenant), clientID, clientSecret, MicrosoftIMAPScope)
}

// MicrosoftTokenURL is the v2.0 token endpoint of a tenant (its id or
// domain).
func MicrosoftTokenURL(tenant string) string {
	return "https://login.microsoftonline.com/" + url.PathEscape(tenant) + "/oauth2/v2.0/token"
}

// ClientCredentialsTokenSource gets tokens from tokenURL with the
// client-credentials grant, sending the client id and secret in the
// request body as Microsoft documents. A token is reused until
// TokenExpiryDelta before it expires.
func ClientCredentialsTokenSource(ctx context.Context, tokenURL, clientID, clientSecret string, scopes ...string) oauth2.TokenSource {
	cfg := &clientcredentials.Config{
		ClientID:     clientID,
		ClientSecret: clientSecret,
		TokenURL:     tokenURL,
		Scopes:       scopes,
		AuthStyle:    oauth2.AuthStyleInParams,
	}
	return oauth2.ReuseTokenSourceWithExpiry(nil, cfg.TokenSource(ctx), TokenExpiryDelta)
}
