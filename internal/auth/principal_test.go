package auth_test

import (
	"reflect"
	"testing"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

func TestHasRole(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		roles []auth.Role
		min   auth.Role
		want  bool
	}{
		{nil, auth.RoleOnthaal, false},
		{[]auth.Role{auth.RoleOnthaal}, auth.RoleOnthaal, true},
		{[]auth.Role{auth.RoleOnthaal}, auth.RoleBehandelaar, false},
		{[]auth.Role{auth.RoleBehandelaar}, auth.RoleOnthaal, true},
		{[]auth.Role{auth.RoleBehandelaar}, auth.RoleBeheerder, false},
		{[]auth.Role{auth.RoleBeheerder}, auth.RoleOnthaal, true},
		{[]auth.Role{auth.RoleBeheerder}, auth.RoleBehandelaar, true},
		{[]auth.Role{auth.RoleOnthaal, auth.RoleBeheerder}, auth.RoleBeheerder, true},
		{[]auth.Role{"root"}, auth.RoleOnthaal, false},
		{[]auth.Role{auth.RoleBeheerder}, "root", false},
		{[]auth.Role{auth.RoleBeheerder}, "", false},
	} {
		p := auth.Principal{Roles: tc.roles}
		if got := p.HasRole(tc.min); got != tc.want {
			t.Errorf("%v.HasRole(%q) = %v, want %v", tc.roles, tc.min, got, tc.want)
		}
	}
}

func TestDomains(t *testing.T) {
	t.Parallel()
	p := auth.UserPrincipal(store.User{Username: "an", Roles: []string{"behandelaar", "koning"}, Domains: []string{"sociaalhuis", "ocmw"}})
	if !reflect.DeepEqual(p.Roles, []auth.Role{auth.RoleBehandelaar}) || !reflect.DeepEqual(p.Domains, []string{"sociaalhuis"}) {
		t.Errorf("UserPrincipal kept unknown grants: %+v", p)
	}
	if !p.CanSeeDomain(auth.DomainSociaalhuis) || p.CanSeeDomain(auth.DomainGemeente) || p.CanSeeDomain("") {
		t.Errorf("CanSeeDomain wrong for %v", p.Domains)
	}
	if d, ok := p.DomainFilter(); !ok || !reflect.DeepEqual(d, []string{"sociaalhuis"}) {
		t.Errorf("DomainFilter = %v, %v", d, ok)
	}
	// No domains must never become "all domains".
	if d, ok := (auth.Principal{}).DomainFilter(); ok || d != nil {
		t.Errorf("DomainFilter without domains = %v, %v; want nil, false", d, ok)
	}
}

func TestSplitList(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"gemeente,sociaalhuis", []string{"gemeente", "sociaalhuis"}},
		{" gemeente , ,sociaalhuis ", []string{"gemeente", "sociaalhuis"}},
		{"", nil},
	} {
		if got := auth.SplitList(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("SplitList(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
