package auth

import (
	"fmt"
	"slices"
	"strings"
)

// Role is what a member of staff may do. Roles are ranked: each includes
// the ones below it, so HasRole(RoleOnthaal) holds for every role.
type Role string

const (
	// RoleOnthaal registers questions at the front desk and on the phone,
	// and looks cases up.
	RoleOnthaal Role = "onthaal"
	// RoleBehandelaar handles cases: notes, assignments, answers, status.
	RoleBehandelaar Role = "behandelaar"
	// RoleBeheerder also manages users, tokens and settings.
	RoleBeheerder Role = "beheerder"
)

// Roles are the known roles, lowest first.
func Roles() []Role { return []Role{RoleOnthaal, RoleBehandelaar, RoleBeheerder} }

// rank orders the roles; 0 for an unknown role.
func (r Role) rank() int {
	switch r {
	case RoleOnthaal:
		return 1
	case RoleBehandelaar:
		return 2
	case RoleBeheerder:
		return 3
	}
	return 0
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r.rank() > 0 }

// The domains separate data that one member of staff may see and another
// may not (GDPR): the social services' ("sociaalhuis") from the rest of the
// municipality's ("gemeente").
const (
	DomainGemeente    = "gemeente"
	DomainSociaalhuis = "sociaalhuis"
)

// Domains are the known domains.
func Domains() []string { return []string{DomainGemeente, DomainSociaalhuis} }

// ValidDomain reports whether d is a known domain.
func ValidDomain(d string) bool { return slices.Contains(Domains(), d) }

// SplitList splits a comma-separated list ("gemeente, sociaalhuis"),
// trimming space and dropping empty items.
func SplitList(s string) []string {
	var l []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			l = append(l, item)
		}
	}
	return l
}

// checkRoles checks that every role is known, and returns them sorted and
// without duplicates.
func checkRoles(roles []string) ([]string, error) {
	for _, r := range roles {
		if !Role(r).Valid() {
			return nil, fmt.Errorf("%w: unknown role %q (want %s, %s or %s)", ErrInvalid, r, RoleOnthaal, RoleBehandelaar, RoleBeheerder)
		}
	}
	return sortedSet(roles), nil
}

// checkDomains checks that every domain is known, and returns them sorted
// and without duplicates.
func checkDomains(domains []string) ([]string, error) {
	for _, d := range domains {
		if !ValidDomain(d) {
			return nil, fmt.Errorf("%w: unknown domain %q (want %s or %s)", ErrInvalid, d, DomainGemeente, DomainSociaalhuis)
		}
	}
	return sortedSet(domains), nil
}

func sortedSet(l []string) []string {
	c := slices.Clone(l)
	slices.Sort(c)
	return slices.Compact(c)
}

// maxRole is the highest known role in roles, or "".
func maxRole(roles []string) Role {
	var best Role
	for _, r := range roles {
		if Role(r).rank() > best.rank() {
			best = Role(r)
		}
	}
	return best
}
