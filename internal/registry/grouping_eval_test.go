package registry_test

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/registry"
	"github.com/meldpunt/meldpunt/internal/registry/deadline"
	"github.com/meldpunt/meldpunt/internal/registry/routing"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// The grouping evaluation: a labelled set of messages written for meldpunt
// (testdata/grouping, described in its README and in docs/grouping.md) is
// fed through the real registry, and the cases it made are compared with
// the expected groups.

// minGroupingScore is what precision and recall must each reach.
const minGroupingScore = 0.95

// noCase labels a message that must not open a case.
const noCase = "none"

// labelledMessage is one message of the set, as written in the TOML files.
type labelledMessage struct {
	Group        string       `toml:"group"`
	At           string       `toml:"at"`
	Channel      string       `toml:"channel"`
	Domain       string       `toml:"domain"`
	Inbox        string       `toml:"inbox"`
	Outgoing     bool         `toml:"outgoing"`
	ID           string       `toml:"id"`
	InReplyTo    string       `toml:"in_reply_to"`
	References   []string     `toml:"references"`
	Conversation string       `toml:"conversation"`
	From         labelledFrom `toml:"from"`
	Subject      string       `toml:"subject"`
	Text         string       `toml:"text"`
	Auto         string       `toml:"auto"`
	Location     string       `toml:"location"`
	Service      string       `toml:"service"`
	Close        bool         `toml:"close"`
	Related      string       `toml:"related"`
	Note         string       `toml:"note"`

	// Set while loading.
	name   string        // group#n, n counting in feed order
	offset time.Duration // since day 0 of the set
	seq    int           // position in the files, to keep ties in order
}

type labelledFrom struct {
	Name     string `toml:"name"`
	Email    string `toml:"email"`
	Phone    string `toml:"phone"`
	Facebook string `toml:"facebook"`
	Address  string `toml:"address"`
}

// loadGroupingSet reads every file of the set, in the order of the
// messages' times (ties in file order), and checks what a typo would
// silently change: unknown keys, bad times, ids used twice, groups named in
// a placeholder or relation that do not exist or come later.
func loadGroupingSet(t testing.TB, dir string) []*labelledMessage {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.toml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no labelled set in %s: %v", dir, err)
	}
	var set []*labelledMessage
	for _, f := range files {
		var doc struct {
			Message []*labelledMessage `toml:"message"`
		}
		md, err := toml.DecodeFile(f, &doc)
		if err != nil {
			t.Fatalf("read %s: %v", f, err)
		}
		if extra := md.Undecoded(); len(extra) > 0 {
			t.Fatalf("%s: unknown keys %v", f, extra)
		}
		for i, m := range doc.Message {
			var day, hour, minute int
			if n, err := fmt.Sscanf(m.At, "d%d %d:%d", &day, &hour, &minute); n != 3 || err != nil || hour > 23 || minute > 59 {
				t.Fatalf("%s, message %d: at %q is not dNN HH:MM", f, i+1, m.At)
			}
			if m.Group == "" {
				t.Fatalf("%s, message %d: no group", f, i+1)
			}
			m.offset = time.Duration(day)*24*time.Hour + time.Duration(hour)*time.Hour + time.Duration(minute)*time.Minute
			m.seq = len(set)
			set = append(set, m)
		}
	}
	slices.SortStableFunc(set, func(a, b *labelledMessage) int { return cmp.Compare(a.offset, b.offset) })
	count := map[string]int{}
	for _, m := range set {
		for _, g := range append(placeholderGroups(m.Subject+m.Text), m.Related) {
			if g != "" && count[g] == 0 {
				t.Fatalf("%s#%d names group %q, which has no earlier message", m.Group, count[m.Group]+1, g)
			}
		}
		count[m.Group]++
		m.name = fmt.Sprintf("%s#%d", m.Group, count[m.Group])
		if m.Group == noCase && m.Auto == "" {
			t.Fatalf("%s: only automatic mail can be without a case", m.name)
		}
	}
	return set
}

// placeholder is a case reference written into a message at run time:
// {{ref:G}} is the reference the registry gave the first message of
// group G; the other forms are the ways citizens mangle it.
var placeholder = regexp.MustCompile(`\{\{(ref|ref-spaced|ref-nodash|refnum):([a-z0-9-]+)\}\}`)

func placeholderGroups(s string) []string {
	var gs []string
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		gs = append(gs, m[2])
	}
	return gs
}

// fillRefs replaces the placeholders in s; ref returns the reference of a
// group.
func fillRefs(s string, ref func(group string) string) string {
	return placeholder.ReplaceAllStringFunc(s, func(p string) string {
		m := placeholder.FindStringSubmatch(p)
		r := ref(m[2])
		switch m[1] {
		case "ref-spaced":
			return strings.ToLower(strings.ReplaceAll(r, "-", " - "))
		case "ref-nodash":
			return strings.ReplaceAll(r, "-", "")
		case "refnum":
			_, num, _ := strings.Cut(r, "-")
			return strings.Replace(num, "-", "/", 1)
		}
		return r
	})
}

// Where the town's own messages come from, by channel and domain.
var (
	townMail     = map[caseevent.Domain]caseevent.Party{caseevent.DomainGemeente: {Name: "Gemeente Meldegem", Email: "info@meldegem.be"}, caseevent.DomainSociaalhuis: {Name: "Sociaal Huis Meldegem", Email: "sociaalhuis@meldegem.be"}}
	townFacebook = map[caseevent.Domain]caseevent.Party{caseevent.DomainGemeente: {Name: "Gemeente Meldegem", FacebookID: "104000000000001"}, caseevent.DomainSociaalhuis: {Name: "Sociaal Huis Meldegem", FacebookID: "104000000000002"}}
	defaultInbox = map[caseevent.Channel]string{caseevent.ChannelEmail: "info", caseevent.ChannelFacebook: "facebook", caseevent.ChannelEloket: "eloket",
		caseevent.ChannelPhone: "telefoon", caseevent.ChannelCounter: "onthaal"}
)

// event builds the case event of m, day 0 of the set being base.
func (m *labelledMessage) event(base time.Time, ref func(group string) string) (caseevent.Event, error) {
	ch := caseevent.Channel(cmp.Or(m.Channel, string(caseevent.ChannelEmail)))
	domain := caseevent.Domain(cmp.Or(m.Domain, string(caseevent.DomainGemeente)))
	inbox := m.Inbox
	if inbox == "" {
		inbox = defaultInbox[ch]
		if domain == caseevent.DomainSociaalhuis {
			inbox = map[caseevent.Channel]string{caseevent.ChannelEmail: "sociaalhuis"}[ch]
			if inbox == "" {
				inbox = defaultInbox[ch] + "-sociaalhuis"
			}
		}
	}
	id := m.ID
	if id == "" {
		id = fmt.Sprintf("gen-%03d", m.seq)
		if ch == caseevent.ChannelEmail {
			id = fmt.Sprintf("<gen-%03d@grouping.test>", m.seq)
		}
	}
	at := base.Add(m.offset)
	msg := caseevent.Message{
		Channel:    ch,
		Direction:  caseevent.DirectionIncoming,
		Inbox:      inbox,
		Domain:     domain,
		ExternalID: id,
		Thread:     caseevent.Thread{InReplyTo: m.InReplyTo, References: m.References, ConversationID: m.Conversation},
		Sender: caseevent.Party{Name: m.From.Name, Email: m.From.Email, Phone: m.From.Phone,
			FacebookID: m.From.Facebook, Address: m.From.Address},
		Subject:       fillRefs(m.Subject, ref),
		Text:          fillRefs(m.Text, ref),
		SentAt:        &at,
		ReceivedAt:    &at,
		AutoSubmitted: m.Auto,
	}
	if m.Outgoing {
		msg.Direction = caseevent.DirectionOutgoing
		if msg.Sender == (caseevent.Party{}) {
			msg.Sender = townMail[domain]
			if ch == caseevent.ChannelFacebook {
				msg.Sender = townFacebook[domain]
			}
		}
	}
	if m.Location != "" {
		msg.Location = &caseevent.Location{Lat: 50.95, Lon: 3.75, Address: m.Location}
	}
	if m.Service != "" {
		msg.Form = &caseevent.Form{ServiceCode: m.Service}
	}
	ev := caseevent.NewEvent(caseevent.NewID(ch, inbox, id), "meldpunt/test/grouping", at, msg)
	if err := ev.Validate(); err != nil {
		return ev, fmt.Errorf("message %s: %w", m.name, err)
	}
	return ev, nil
}

// groupingScore counts links: two messages in one case, or a message
// without a case. A link the labels have and the registry made is a true
// positive; one only the registry made a false positive; one only the
// labels have a false negative.
type groupingScore struct {
	truePos, falsePos, falseNeg int
}

func (s groupingScore) precision() float64 { return ratio(s.truePos, s.truePos+s.falsePos) }
func (s groupingScore) recall() float64    { return ratio(s.truePos, s.truePos+s.falseNeg) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// scoreGrouping compares expected groups (noCase: no case) with the cases
// the messages are in ("": none).
func scoreGrouping(expected, actual []string) groupingScore {
	var s groupingScore
	count := func(want, got bool) {
		switch {
		case want && got:
			s.truePos++
		case got:
			s.falsePos++
		case want:
			s.falseNeg++
		}
	}
	for i := range expected {
		count(expected[i] == noCase, actual[i] == "")
		for j := i + 1; j < len(expected); j++ {
			count(expected[i] != noCase && expected[i] == expected[j], actual[i] != "" && actual[i] == actual[j])
		}
	}
	return s
}

func TestGroupingScore(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		expected, actual []string
		want             groupingScore
	}{
		{"perfect", []string{"a", "a", "b", noCase}, []string{"1", "1", "2", ""}, groupingScore{truePos: 2}},
		{"same labels, other names", []string{"a", "b"}, []string{"9", "7"}, groupingScore{}},
		{"two groups merged", []string{"a", "a", "b"}, []string{"1", "1", "1"}, groupingScore{truePos: 1, falsePos: 2}},
		{"group split", []string{"a", "a", "a"}, []string{"1", "1", "2"}, groupingScore{truePos: 1, falseNeg: 2}},
		{"automatic mail opened a case", []string{"a", noCase}, []string{"1", "2"}, groupingScore{falseNeg: 1}},
		{"message left without a case", []string{"a", "a"}, []string{"1", ""}, groupingScore{falseNeg: 1, falsePos: 1}},
		{"two messages without a case are not a pair", []string{noCase, noCase}, []string{"", ""}, groupingScore{truePos: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := scoreGrouping(tt.expected, tt.actual); got != tt.want {
				t.Errorf("scoreGrouping = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestGroupingQuality feeds the labelled set through the registry on every
// store, one message at a time as a live mailbox delivers them, and fails
// when the pairwise precision or recall of the grouping is below
// minGroupingScore. Run with -v to see the figures and every misgrouped
// message.
func TestGroupingQuality(t *testing.T) {
	set := loadGroupingSet(t, filepath.Join("testdata", "grouping"))
	rules, err := routing.Load("../../configs/routing.toml")
	if err != nil {
		t.Fatal(err)
	}
	brussels, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		t.Fatal(err)
	}
	// Day 0 is after today: the registry stamps what it stores with its own
	// clock, which must not run ahead of the messages.
	base := time.Now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, kind)
			h.run(registry.Config{CasePrefix: "MP", Routing: rules, Deadlines: deadline.DefaultPolicy(), Location: brussels})
			actual, related := feedGroupingSet(t, h, set, base)
			reportGrouping(t, kind, set, actual, related)
		})
	}
}

// feedGroupingSet publishes the set in order, waiting for each message to
// be stored, and returns the case each message is in ("" for none) and, per
// message that expects a related case, whether it got it.
func feedGroupingSet(t *testing.T, h *harness, set []*labelledMessage, base time.Time) ([]string, map[string]bool) {
	ctx := context.Background()
	firstEvent := map[string]string{} // group -> event id of its first message
	refs := map[string]string{}       // group -> case reference of its first message
	refOf := func(group string) string {
		if refs[group] == "" {
			refs[group] = caseOf(t, h.store, firstEvent[group])
		}
		return refs[group]
	}
	eventIDs := make([]string, len(set))
	seen := map[string]string{}
	for i, m := range set {
		ev, err := m.event(base, refOf)
		if err != nil {
			t.Fatal(err)
		}
		if other, ok := seen[ev.ID]; ok {
			t.Fatalf("%s has the event id of %s: give it another id", m.name, other)
		}
		seen[ev.ID] = m.name
		if _, err := h.bus.PublishEvent(ctx, ev); err != nil {
			t.Fatalf("publish %s: %v", m.name, err)
		}
		s := h.waitFor(m.name+" stored", func(s store.Stats) bool { return s.Messages > int64(i) || s.Quarantined > 0 })
		if s.Quarantined > 0 {
			items, _ := h.store.ListQuarantine(ctx, 1)
			t.Fatalf("%s was quarantined: %+v", m.name, items)
		}
		eventIDs[i] = ev.ID
		if _, ok := firstEvent[m.Group]; !ok {
			firstEvent[m.Group] = ev.ID
		}
		if m.Close {
			closeCase(t, h.store, caseOf(t, h.store, ev.ID), ev.Time.Add(time.Minute))
		}
	}

	byEvent, caseIDs := casesByEvent(t, h.store)
	actual := make([]string, len(set))
	related := map[string]bool{}
	for i, m := range set {
		actual[i] = byEvent[eventIDs[i]]
		if m.Related != "" {
			got, want := caseIDs[actual[i]], caseIDs[byEvent[firstEvent[m.Related]]]
			related[m.name] = got.RelatedCaseID != 0 && got.RelatedCaseID == want.ID
		}
	}
	return actual, related
}

// closeCase closes a case as staff would once it is answered.
func closeCase(t *testing.T, st store.Store, ref string, at time.Time) {
	t.Helper()
	ctx := context.Background()
	c, err := st.GetCase(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if err := tx.SetStatuses(ctx, []store.StatusChange{{CaseID: c.ID, Status: store.StatusClosed, Actor: "onthaal", At: at}}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

// casesByEvent reads every case back: the case reference of each stored
// event, and the cases by reference.
func casesByEvent(t *testing.T, st store.Store) (map[string]string, map[string]store.Case) {
	t.Helper()
	ctx := context.Background()
	byEvent, byRef := map[string]string{}, map[string]store.Case{}
	f := store.CaseFilter{Limit: 200}
	for {
		cases, err := st.ListCases(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			d, err := st.GetCase(ctx, c.Ref)
			if err != nil {
				t.Fatal(err)
			}
			byRef[c.Ref] = d.Case
			for _, m := range d.Messages {
				byEvent[m.EventID] = c.Ref
			}
			f.BeforeID = c.ID
		}
		if len(cases) < f.Limit {
			return byEvent, byRef
		}
	}
}

// reportGrouping logs the figures and every misgrouped message, and fails
// the test when precision or recall is too low.
func reportGrouping(t *testing.T, kind string, set []*labelledMessage, actual []string, related map[string]bool) {
	expected := make([]string, len(set))
	groups, cases := map[string][]int{}, map[string][]int{}
	for i, m := range set {
		expected[i] = m.Group
		groups[m.Group] = append(groups[m.Group], i)
		if actual[i] != "" {
			cases[actual[i]] = append(cases[actual[i]], i)
		}
	}
	s := scoreGrouping(expected, actual)
	exact := 0
	for g, members := range groups {
		if g != noCase && actual[members[0]] != "" && slices.Equal(members, cases[actual[members[0]]]) {
			exact++
		}
	}
	relatedFound := 0
	for _, ok := range related {
		if ok {
			relatedFound++
		}
	}
	nGroups := len(groups)
	if _, ok := groups[noCase]; ok {
		nGroups--
	}
	t.Logf("%s: %d messages, %d expected groups (+%d without a case), %d cases made", kind, len(set), nGroups, len(groups[noCase]), len(cases))
	t.Logf("%s: precision %.3f, recall %.3f (links: %d right, %d wrong, %d missed); %d of %d groups recovered exactly; %d of %d related cases linked",
		kind, s.precision(), s.recall(), s.truePos, s.falsePos, s.falseNeg, exact, nGroups, relatedFound, len(related))

	names := func(idx []int) string {
		var ns []string
		for _, i := range idx {
			ns = append(ns, set[i].name)
		}
		return strings.Join(ns, ", ")
	}
	for i, m := range set {
		var joined, apart []int
		for j := range set {
			if j == i {
				continue
			}
			sameCase := actual[i] != "" && actual[i] == actual[j]
			sameGroup := m.Group != noCase && m.Group == set[j].Group
			if sameCase && !sameGroup {
				joined = append(joined, j)
			}
			if sameGroup && !sameCase {
				apart = append(apart, j)
			}
		}
		var problems []string
		switch {
		case m.Group == noCase && actual[i] != "":
			problems = append(problems, "opened or joined a case, want none")
		case m.Group != noCase && actual[i] == "":
			problems = append(problems, "left without a case")
		}
		if len(joined) > 0 {
			problems = append(problems, "in one case with "+names(joined))
		}
		if len(apart) > 0 {
			problems = append(problems, "apart from "+names(apart))
		}
		if len(problems) > 0 {
			note := ""
			if m.Note != "" {
				note = " [" + m.Note + "]"
			}
			t.Logf("%s: misgrouped %s (%s, %s, case %q): %s%s", kind, m.name, cmp.Or(m.Channel, "email"), m.At, actual[i], strings.Join(problems, "; "), note)
		}
	}
	for _, m := range set {
		if ok, want := related[m.name]; want && !ok {
			t.Logf("%s: %s is not related to the case of %s", kind, m.name, m.Related)
		}
	}
	if s.precision() < minGroupingScore || s.recall() < minGroupingScore {
		t.Errorf("%s: grouping precision %.3f and recall %.3f; each must be at least %.2f", kind, s.precision(), s.recall(), minGroupingScore)
	}
}
