package postgres

import (
	"cmp"
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/internal/driverutil"
)

func (t *tx) UpsertContact(ctx context.Context, domain string, p store.Contact) (int64, error) {
	ids, err := t.UpsertContacts(ctx, []store.DomainContact{{Domain: domain, Contact: p}})
	if err != nil {
		return 0, err
	}
	return ids[0], nil
}

// contactKeys are the columns a contact is found by, in the order they are
// tried.
var contactKeys = [...]string{"email_norm", "phone_norm", "facebook_id"}

// contact is a contacts row as UpsertContacts works on it.
type contact struct {
	id     int64 // 0: to be inserted
	rank   int64 // id, or after every stored contact in the order of creation
	domain string
	store.Contact
	keys [len(contactKeys)]string // NormalizeEmail(Email), NormalizePhone(Phone), FacebookID
	// fill holds what this batch filled in on a stored contact.
	fill    store.Contact
	changed bool
}

type contactKey struct {
	domain string
	column int // index in contactKeys
	value  string
}

// UpsertContacts gives the result of UpsertContact for each contact in
// turn, in two round trips: one takes the locks and reads every stored
// contact that any of the keys finds, then the lookups and fill-ins run in
// memory, in order, and one more round trip writes the changed and the new
// contacts.
func (t *tx) UpsertContacts(ctx context.Context, cs []store.DomainContact) ([]int64, error) {
	ids := make([]int64, len(cs))
	type input struct {
		domain string
		p      store.Contact
		keys   [len(contactKeys)]string
	}
	in := make([]input, len(cs))
	var (
		locks   []int32
		lookups [len(contactKeys)]struct{ domains, values []string }
	)
	seen := map[contactKey]bool{}
	for i, c := range cs {
		domain, p := driverutil.Clean(c.Domain), driverutil.CleanContact(c.Contact)
		in[i] = input{domain: domain, p: p, keys: [...]string{store.NormalizeEmail(p.Email), store.NormalizePhone(p.Phone), p.FacebookID}}
		if p == (store.Contact{}) {
			continue
		}
		for col, value := range in[i].keys {
			k := contactKey{domain, col, value}
			if value == "" || seen[k] {
				continue
			}
			seen[k] = true
			lookups[col].domains = append(lookups[col].domains, domain)
			lookups[col].values = append(lookups[col].values, value)
			// Two registries seeing a new citizen at once would both miss
			// the lookup and insert twice. A transaction-scoped advisory
			// lock per lookup key (taken in a fixed order, so lockers cannot
			// deadlock each other) makes the second wait and then find the
			// first one's contact.
			h := fnv.New32a()
			fmt.Fprintf(h, "%s\x00%s\x00%s", domain, contactKeys[col], value)
			locks = append(locks, int32(h.Sum32()))
		}
	}
	if !slices.ContainsFunc(in, func(x input) bool { return x.p != (store.Contact{}) }) {
		return ids, nil
	}

	// The stored contacts that any key finds, and an index from each key to
	// the contact with the lowest rank (UpsertContact takes the lowest id).
	var contacts []*contact
	found := map[contactKey]*contact{}
	index := func(c *contact) {
		for col, value := range c.keys {
			k := contactKey{c.domain, col, value}
			if value != "" && (found[k] == nil || found[k].rank > c.rank) {
				found[k] = c
			}
		}
	}
	if len(locks) > 0 {
		slices.Sort(locks)
		locks = slices.Compact(locks)
		b := &pgx.Batch{}
		b.Queue(`SELECT count(pg_advisory_xact_lock($1, k)) FROM unnest($2::integer[]) AS k`, lockClassContact, locks)
		// Per key, only the contact with the lowest id can be found. One
		// lateral subquery per key keeps the plan to one index probe per
		// key, whatever the arrays hold.
		var (
			arms []string
			args []any
			read = map[int64]bool{}
		)
		for col, l := range lookups {
			args = append(args, l.domains, l.values)
			arms = append(arms, fmt.Sprintf(`
				SELECT c.* FROM unnest($%d::text[], $%d::text[]) AS k(domain, value)
				CROSS JOIN LATERAL (
					SELECT id, domain, name, email, email_norm, phone, phone_norm, facebook_id, address
					FROM contacts WHERE domain = k.domain AND %s = k.value
					ORDER BY id LIMIT 1
				) AS c`, len(args)-1, len(args), contactKeys[col]))
		}
		b.Queue(strings.Join(arms, " UNION ALL "), args...).Query(func(rows pgx.Rows) error {
			var c contact
			_, err := pgx.ForEachRow(rows, []any{&c.id, &c.domain, &c.Name, &c.Email, &c.keys[0], &c.Phone,
				&c.keys[1], &c.FacebookID, &c.Address}, func() error {
				if !read[c.id] {
					read[c.id] = true
					found := c
					found.rank, found.keys[2] = c.id, c.FacebookID
					contacts = append(contacts, &found)
				}
				return nil
			})
			return err
		})
		if err := t.tx.SendBatch(ctx, b).Close(); err != nil {
			return nil, fmt.Errorf("upsert contacts: look up: %w", err)
		}
		for _, c := range contacts {
			index(c)
		}
	}

	var created []*contact
	rankNew := int64(1) << 62
	ref := make([]*contact, len(cs))
	for i, x := range in {
		if x.p == (store.Contact{}) {
			continue
		}
		var c *contact
		for col, value := range x.keys {
			if k := (contactKey{x.domain, col, value}); value != "" && found[k] != nil {
				c = found[k]
				break
			}
		}
		if c == nil {
			c = &contact{rank: rankNew + int64(len(created)), domain: x.domain, Contact: x.p, keys: x.keys}
			created = append(created, c)
			index(c)
			ref[i] = c
			continue
		}
		// Fill in what the contact lacks; never overwrite what it has.
		fill := func(have, fill *string, value string) bool {
			if *have != "" || value == "" {
				return false
			}
			*have, *fill, c.changed = value, value, true
			return true
		}
		fill(&c.Name, &c.fill.Name, x.p.Name)
		if fill(&c.Email, &c.fill.Email, x.p.Email) {
			c.keys[0] = x.keys[0]
		}
		if fill(&c.Phone, &c.fill.Phone, x.p.Phone) {
			c.keys[1] = x.keys[1]
		}
		if fill(&c.FacebookID, &c.fill.FacebookID, x.p.FacebookID) {
			c.keys[2] = x.keys[2]
		}
		fill(&c.Address, &c.fill.Address, x.p.Address)
		index(c) // the keys filled in find c from now on
		ref[i] = c
	}

	if err := t.writeContacts(ctx, contacts, created); err != nil {
		return nil, err
	}
	for i, c := range ref {
		if c != nil {
			ids[i] = c.id
		}
	}
	return ids, nil
}

// writeContacts stores the fill-ins of stored contacts and inserts the new
// ones, setting their ids, in one round trip.
func (t *tx) writeContacts(ctx context.Context, stored, created []*contact) error {
	now := at(time.Time{})
	b := &pgx.Batch{}
	var upd struct {
		id                                                 []int64
		name, email, emailNorm, phone, phoneNorm, fb, addr []string
	}
	slices.SortFunc(stored, func(a, b *contact) int { return cmp.Compare(a.id, b.id) }) // lock rows in one order
	for _, c := range stored {
		if !c.changed {
			continue
		}
		f := c.fill
		upd.id = append(upd.id, c.id)
		upd.name, upd.email, upd.phone = append(upd.name, f.Name), append(upd.email, f.Email), append(upd.phone, f.Phone)
		upd.emailNorm, upd.phoneNorm = append(upd.emailNorm, store.NormalizeEmail(f.Email)), append(upd.phoneNorm, store.NormalizePhone(f.Phone))
		upd.fb, upd.addr = append(upd.fb, f.FacebookID), append(upd.addr, f.Address)
	}
	if len(upd.id) > 0 {
		// The fill-ins are applied to the row as it is now, in case
		// another transaction filled a field since it was read.
		b.Queue(`
			UPDATE contacts AS c SET
				name = CASE WHEN c.name = '' THEN u.name ELSE c.name END,
				name_key = CASE WHEN c.name = '' THEN u.name_key ELSE c.name_key END,
				email_norm = CASE WHEN c.email = '' THEN u.email_norm ELSE c.email_norm END,
				email = CASE WHEN c.email = '' THEN u.email ELSE c.email END,
				phone_norm = CASE WHEN c.phone = '' THEN u.phone_norm ELSE c.phone_norm END,
				phone = CASE WHEN c.phone = '' THEN u.phone ELSE c.phone END,
				facebook_id = CASE WHEN c.facebook_id = '' THEN u.facebook_id ELSE c.facebook_id END,
				address = CASE WHEN c.address = '' THEN u.address ELSE c.address END,
				updated_at = $9
			FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $10::text[])
				AS u(id, name, email, email_norm, phone, phone_norm, facebook_id, address, name_key)
			WHERE c.id = u.id`,
			upd.id, upd.name, upd.email, upd.emailNorm, upd.phone, upd.phoneNorm, upd.fb, upd.addr, now, nameKeys(upd.name))
	}
	if len(created) > 0 {
		n := len(created)
		domains, names, emails, emailNorms := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		phones, phoneNorms, fbs, addrs := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		for i, c := range created {
			domains[i], names[i], emails[i], emailNorms[i] = c.domain, c.Name, c.Email, c.keys[0]
			phones[i], phoneNorms[i], fbs[i], addrs[i] = c.Phone, c.keys[1], c.FacebookID, c.Address
		}
		var ids []int64
		b.Queue(`
			INSERT INTO contacts (domain, name, email, email_norm, phone, phone_norm, facebook_id, address, name_key, created_at, updated_at)
			SELECT domain, name, email, email_norm, phone, phone_norm, facebook_id, address, name_key, $9, $9
			FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $10::text[])
				WITH ORDINALITY AS u(domain, name, email, email_norm, phone, phone_norm, facebook_id, address, name_key, n)
			ORDER BY n
			RETURNING id`,
			domains, names, emails, emailNorms, phones, phoneNorms, fbs, addrs, now, nameKeys(names)).Query(func(rows pgx.Rows) error {
			var err error
			if ids, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
				return err
			}
			if len(ids) != n {
				return fmt.Errorf("inserted %d contacts, want %d", len(ids), n)
			}
			// Identity values are drawn row by row in insertion order, so
			// the ascending ids are the contacts in order.
			slices.Sort(ids)
			for i, c := range created {
				c.id = ids[i]
			}
			return nil
		})
	}
	if b.Len() == 0 {
		return nil
	}
	if err := t.tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("upsert contacts: write: %w", err)
	}
	return nil
}

// nameKeys are the store.NameKey of names.
func nameKeys(names []string) []string {
	keys := make([]string, len(names))
	for i, n := range names {
		keys[i] = store.NameKey(n)
	}
	return keys
}
