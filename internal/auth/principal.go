package auth

import (
	"slices"

	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// Kind tells a person from another system.
type Kind string

const (
	KindUser        Kind = "user"
	KindIntegration Kind = "integration"
)

// Principal is who makes a request, with what they may do. The zero
// Principal may do nothing.
type Principal struct {
	// Username is the user's; empty for an integration.
	Username string
	// DisplayName is the user's name, or the integration token's name.
	DisplayName string
	Kind        Kind
	// Roles are the known roles granted (see HasRole), Domains the known
	// domains whose data may be seen, both sorted.
	Roles      []Role
	Domains    []string
	Department string
	// TokenID is the API token that authenticated the request; 0 for a
	// session (or a Principal made otherwise).
	TokenID int64
}

// HasRole reports whether p has role min or a higher one: roles are ranked
// onthaal < behandelaar < beheerder, so a beheerder is also a behandelaar.
// An unknown role is held by no one.
func (p Principal) HasRole(min Role) bool {
	if !min.Valid() {
		return false
	}
	for _, r := range p.Roles {
		if r.rank() >= min.rank() {
			return true
		}
	}
	return false
}

// Role is p's highest role, or "" when p has none.
func (p Principal) Role() Role {
	var best Role
	for _, r := range p.Roles {
		if r.rank() > best.rank() {
			best = r
		}
	}
	return best
}

// CanSeeDomain reports whether p may see the data of domain d.
func (p Principal) CanSeeDomain(d string) bool { return slices.Contains(p.Domains, d) }

// DomainFilter returns the domains to pass to a store filter, and ok false
// when p may see no domain at all. Store filters read an empty list as ALL
// domains, so when ok is false the caller must answer "nothing" without
// asking the store.
func (p Principal) DomainFilter() (domains []string, ok bool) {
	if len(p.Domains) == 0 {
		return nil, false
	}
	return slices.Clone(p.Domains), true
}

// Actor is how p is named on a case timeline and in the audit log: the
// username, or "integratie:" and the token name.
func (p Principal) Actor() string {
	if p.Kind == KindIntegration {
		return "integratie:" + p.DisplayName
	}
	return p.Username
}

// UserPrincipal is the Principal of a stored user: what a session, a user
// token or an OpenID Connect sign-in (oidc.go) maps to. Unknown roles and
// domains in the store grant nothing. It does not look at Disabled: the
// callers refuse disabled users first.
func UserPrincipal(u store.User) Principal {
	return Principal{
		Username:    u.Username,
		DisplayName: u.DisplayName,
		Kind:        KindUser,
		Roles:       knownRoles(u.Roles),
		Domains:     knownDomains(u.Domains),
		Department:  u.Department,
	}
}

func knownRoles(roles []string) []Role {
	var rs []Role
	for _, r := range sortedSet(roles) {
		if Role(r).Valid() {
			rs = append(rs, Role(r))
		}
	}
	return rs
}

func knownDomains(domains []string) []string {
	var ds []string
	for _, d := range sortedSet(domains) {
		if ValidDomain(d) {
			ds = append(ds, d)
		}
	}
	return ds
}

// tokenPrincipal is the Principal of a token; u is its user (ignored for
// an integration token). A user token acts as its user, narrowed by the
// token's grants when it has them: no higher than the token's highest
// role, in the domains both have.
func tokenPrincipal(t store.Token, u store.User) Principal {
	if t.Username == "" {
		return Principal{
			DisplayName: t.Name,
			Kind:        KindIntegration,
			Roles:       knownRoles(t.Roles),
			Domains:     knownDomains(t.Domains),
			Department:  t.Department,
			TokenID:     t.ID,
		}
	}
	p := UserPrincipal(u)
	p.TokenID = t.ID
	if ceiling := maxRole(t.Roles); len(t.Roles) > 0 {
		var roles []Role
		for _, r := range p.Roles {
			if r.rank() <= ceiling.rank() {
				roles = append(roles, r)
			}
		}
		if p.Role().rank() > ceiling.rank() {
			roles = append(roles, ceiling)
		}
		p.Roles = knownRoles(rolesToStrings(roles))
	}
	if len(t.Domains) > 0 {
		p.Domains = slices.DeleteFunc(p.Domains, func(d string) bool { return !slices.Contains(t.Domains, d) })
	}
	return p
}

func rolesToStrings(rs []Role) []string {
	l := make([]string, len(rs))
	for i, r := range rs {
		l[i] = string(r)
	}
	return l
}
