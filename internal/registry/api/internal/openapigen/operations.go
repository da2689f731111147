package openapigen

import (
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/intake/frontdesk"
	"github.com/meldpunt/meldpunt/internal/registry/api"
	"github.com/meldpunt/meldpunt/internal/registry/casework"
	"github.com/meldpunt/meldpunt/internal/registry/privacy"
	"github.com/meldpunt/meldpunt/internal/registry/report"
	"github.com/meldpunt/meldpunt/internal/registry/routing"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// The enumerations, from the packages that own them.

func domains() []string { return auth.Domains() }

func channels() []string { return strs(caseevent.Channels()) }

func intakeChannels() []string { return strs(frontdesk.Channels()) }

func directions() []string {
	return strs([]caseevent.Direction{caseevent.DirectionIncoming, caseevent.DirectionOutgoing})
}

// statuses are every status a case may have: those staff give it and
// samengevoegd (merged), which only a merge gives.
func statuses() []string { return append(casework.Statuses(), store.StatusMerged) }

func accessActions() []string {
	return []string{store.AccessViewCase, store.AccessViewCitizen, store.AccessSearch, store.AccessExport, store.AccessErase,
		store.AccessPurge, store.AccessViewAccessLog, store.AccessViewQuarantine}
}

func sourceStatuses() []string {
	return []string{api.SourceNeedsPerson, api.SourceSilent, api.SourceStopped, api.SourceFailing, api.SourceWaiting, api.SourceOK}
}

func strs[S ~string](l []S) []string {
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = string(s)
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// componentNames names the components whose Go name is unexported or
// taken by another type.
func componentNames() map[reflect.Type]string {
	return map[reflect.Type]string{
		reflect.TypeFor[casework.Assignment]():    "AssignRequest",
		reflect.TypeFor[casework.Admissibility](): "AdmissibilityRequest",
		reflect.TypeFor[casework.Forward]():       "ForwardRequest",
		reflect.TypeFor[report.Complaints]():      "ComplaintsReport",
		reflect.TypeFor[report.Row]():             "ComplaintsReportRow",
		reflect.TypeFor[store.ErasureResult]():    "ErasureResult",
		reflect.TypeFor[noteIn]():                 "NoteRequest",
		reflect.TypeFor[statusIn]():               "StatusRequest",
		reflect.TypeFor[typeIn]():                 "TypeRequest",
		reflect.TypeFor[detailIn]():               "DetailRequest",
		reflect.TypeFor[answerIn]():               "ForwardAnswerRequest",
		reflect.TypeFor[mergeIn]():                "MergeRequest",
		reflect.TypeFor[splitIn]():                "SplitRequest",
		reflect.TypeFor[emptyIn]():                "EmptyRequest",
		reflect.TypeFor[quarantineNoteIn]():       "QuarantineNoteRequest",
		reflect.TypeFor[intakePending]():          "IntakePending",
	}
}

// intakePending is the 404 answer of GET /api/v1/intake/{id}.
type intakePending struct {
	api.Problem
	Status string `json:"status"`
}

func typeDocs() map[string]string {
	return map[string]string{
		"api.Problem":                 "An error: what is wrong, in words to act on.",
		"api.Case":                    "A case (dossier) as lists show it.",
		"api.CaseDetail":              "A case with its messages, timeline, forwards and merges/splits.",
		"api.CaseList":                "A page of cases, newest first.",
		"api.Message":                 "A stored message (bericht).",
		"api.MessageList":             "A list of messages.",
		"api.Sender":                  "Who wrote a message.",
		"api.Attachment":              "A file of a message (bijlage).",
		"api.TimelineItem":            "One entry of a case's timeline (tijdlijn).",
		"api.Forward":                 "A case forwarded to an outside organisation (doorverwijzing).",
		"api.Move":                    "A merge or split of the case; undo it with POST /api/v1/cases/{ref}/moves/{id}/undo.",
		"report.Complaints":           "The yearly complaints report for the council (klachtenrapport).",
		"report.Row":                  "The complaints of one department and channel, or the total.",
		"api.IntakeRequest":           "A front-desk registration (registratie) of a visit, phone call or letter.",
		"api.IntakeCitizen":           "Who came, called or wrote.",
		"api.IntakeFile":              "An attachment sent in JSON.",
		"api.IntakeStatus":            "Where a registration is.",
		"api.InputProblem":            "A registration that is wrong: every problem.",
		"openapigen.intakePending":    "Not registered (yet): ask again in a moment.",
		"api.QuarantineItem":          "A quarantined event: what and why, never the payload itself (download it from payload.url).",
		"api.QuarantinePayload":       "The payload of a quarantined event.",
		"api.QuarantineList":          "A page of quarantined items, newest first.",
		"api.Source":                  "A connector's source: a mailbox folder, Facebook page or e-loket form.",
		"api.SourceList":              "Every source, by connector and source.",
		"api.SearchResult":            "A page of messages found.",
		"api.SearchHit":               "A message found, with the part that matched.",
		"api.HitCase":                 "The case of a message found.",
		"api.TextPart":                "A piece of a snippet or subject; match marks what matched. Plain text: escape it.",
		"api.Citizen":                 "A citizen (burger) as known in one domain.",
		"api.CitizenList":             "Citizens found, most recently in contact first.",
		"api.CitizenDetail":           "A citizen with all their cases, across channels.",
		"api.AccessEntry":             "An entry of the access log (toegangslog).",
		"api.AccessLog":               "A page of the access log, newest first.",
		"api.EraseRequest":            "Why the citizen is erased.",
		"store.ErasureResult":         "What an erasure removed.",
		"casework.Assignment":         "Give the case to a department and/or a person.",
		"casework.Admissibility":      "Whether a complaint is admissible (ontvankelijk) and why not.",
		"casework.Forward":            "Forward the case to an outside organisation.",
		"openapigen.noteIn":           "A note (notitie) on the case.",
		"openapigen.statusIn":         "The case's new status.",
		"openapigen.typeIn":           "The case's new type; its deadlines follow it.",
		"openapigen.detailIn":         "An optional explanation.",
		"openapigen.answerIn":         "The organisation's answer.",
		"openapigen.mergeIn":          "The case to merge this one into.",
		"openapigen.splitIn":          "The messages to split off into a new case.",
		"openapigen.emptyIn":          "Nothing (an empty body or {}).",
		"openapigen.quarantineNoteIn": "A note on what was done with the item.",
	}
}

// fieldNotes are what the Go types do not say: enumerations, formats,
// which request fields are required, and descriptions.
func fieldNotes() map[string]note {
	detail := note{description: "An explanation, on the timeline.", maxLength: casework.MaxText}
	return map[string]note{
		"api.Case.ref":                 {description: "The reference staff and citizens quote.", example: "MP-2026-000123"},
		"api.Case.domain":              {enum: domains()},
		"api.Case.type":                {enum: routing.Types(), description: "vraag (question), melding (report) or klacht (complaint); absent: not known yet."},
		"api.Case.status":              {enum: statuses()},
		"api.Case.priority":            {enum: routing.Priorities()},
		"api.Case.channel":             {enum: channels(), description: "The channel of the case's first message."},
		"api.Case.ack_due":             {description: "When the receipt must be acknowledged."},
		"api.Case.answer_due":          {description: "When the case must be answered."},
		"api.Case.repeat_count":        {description: "How often the citizen asked again (burger vraagt opnieuw)."},
		"api.Case.suggestion":          {enum: routing.Types(), description: "What the registry suggests the case is (e.g. klacht), until staff settle it."},
		"api.Case.admissible":          {description: "For a complaint: whether it is admissible; absent: not decided."},
		"api.Case.inadmissible_reason": {description: "Why not: one of " + strings.Join(casework.InadmissibleReasons(), ", ") + ", with the explanation after a colon."},
		"api.CaseDetail.merged_into":   {description: "The reference of the case this one was merged into."},
		"api.CaseList.next":            {description: "The URL of the next page, when there may be one."},
		"api.Message.channel":          {enum: channels()},
		"api.Message.direction":        {enum: directions()},
		"api.Message.auto_submitted":   {description: "What an automatic message is (auto-replied, bounce, ...); absent for a person's."},
		"api.Message.raw_sha256":       {description: "The SHA-256 of the raw original (legal proof)."},
		"api.TimelineItem.kind": {description: "message, note, status, assign, forward, forward-answer, merge, split, unmerge, unsplit, " +
			"repeat, routing, suggestion, admissibility, ..."},
		"api.Move.kind":                     {enum: []string{"merge", "split"}},
		"api.Move.from":                     {description: "The reference of the case the messages left."},
		"api.Move.to":                       {description: "The reference of the case the messages went to."},
		"report.Row.median_handling_days":   {description: "The median days from opening to answer; null without answered complaints."},
		"report.Complaints.rows":            {nullable: true, description: "Per department and channel; null without complaints."},
		"api.IntakeRequest.channel":         {enum: intakeChannels(), required: true, description: "counter (a visit to the desk), phone or letter."},
		"api.IntakeRequest.direction":       {enum: directions(), description: "incoming (default) or outgoing (staff called or wrote)."},
		"api.IntakeRequest.domain":          {enum: domains(), description: "May be left out by staff who see one domain only."},
		"api.IntakeRequest.inbox":           {description: "The desk; default onthaal, telefoon or brieven."},
		"api.IntakeRequest.case_ref":        {description: "The case the citizen came about."},
		"api.IntakeRequest.idempotency_key": {description: "Stands in for the Idempotency-Key header.", maxLength: frontdesk.MaxKeyLength},
		"api.IntakeRequest.attachments":     {description: "Scans (PDF or images), their bytes in base64."},
		"api.IntakeStatus.status": {enum: []string{api.IntakeAccepted, api.IntakeRegistered, api.IntakeQuarantined},
			description: "accepted (on the intake stream, not stored yet), registered (stored; case_ref is its case) or quarantined (a beheerder must look)."},
		"api.IntakeStatus.duplicate":        {description: "The registration was posted before; nothing new was registered."},
		"api.IntakeStatus.domain":           {enum: domains()},
		"api.IntakeStatus.status_url":       {description: "Where to ask again."},
		"openapigen.intakePending.status":   {enum: []string{"pending"}},
		"api.QuarantineItem.subject":        {description: "The NATS subject it came on (meldpunt.intake.<channel>.<inbox>)."},
		"api.QuarantineItem.reason":         {description: "Why the registry could not take it."},
		"api.QuarantineItem.status":         {enum: []string{api.QuarantineOpen, store.ResolutionRetried, store.ResolutionResolved}, description: "open, retried (sent to the registry again) or resolved."},
		"api.QuarantinePayload.sha256":      {description: "Set on a single item, not in lists."},
		"api.QuarantineList.restricted":     {description: "The caller may not see the quarantine: it needs every domain."},
		"api.Source.connector":              {description: "mail, facebook or eloket."},
		"api.Source.channel":                {enum: channels()},
		"api.Source.source":                 {description: "The mailbox folder (inbox/folder), page (inbox/page id) or form (inbox)."},
		"api.Source.status":                 {enum: sourceStatuses(), description: "Sums the rest up, worst first: needs_person (fails until a person acts), silent (no report for a while), stopped, failing (keeps trying), waiting (not synced yet) or ok."},
		"api.Source.last_report":            {description: "When the connector last reported."},
		"api.SearchResult.total":            {description: "The matches, counted up to 1000."},
		"api.SearchResult.total_capped":     {description: "There are more than 1000 matches; only the newest 1000 are ranked and paged: narrow the search."},
		"api.SearchResult.next":             {description: "The URL of the next page, when there is one."},
		"api.SearchResult.pending":          {description: "Stored changes that are not searchable yet; normally 0."},
		"api.SearchHit.domain":              {enum: domains()},
		"api.SearchHit.message":             {description: "The message without its text: the snippet is the part that matched."},
		"api.SearchHit.case":                {description: "null: the message has no case."},
		"api.SearchHit.rank":                {description: "Orders the hits (higher first); 0 when listing without q."},
		"api.HitCase.status":                {enum: statuses()},
		"api.HitCase.type":                  {enum: routing.Types()},
		"api.Citizen.domain":                {enum: domains()},
		"api.AccessEntry.action":            {enum: accessActions()},
		"api.AccessEntry.domain":            {enum: domains()},
		"api.AccessLog.next":                {description: "The URL of the next page, when there may be one."},
		"api.EraseRequest.reason":           {description: "Why (required here or in the " + api.ReasonHeader + " header).", maxLength: privacy.MaxReason},
		"store.ErasureResult.domain":        {enum: domains()},
		"casework.Assignment.department":    {description: "A department code; a department, an assignee or clear_assignee is required."},
		"casework.Assignment.assignee":      {description: "The person (their user name), at most 200 characters."},
		"casework.Assignment.detail":        detail,
		"casework.Admissibility.admissible": {required: true, description: "true or false."},
		"casework.Admissibility.reason": {enum: casework.InadmissibleReasons(),
			description: "When not admissible: why (andere needs a detail)."},
		"casework.Admissibility.detail":      detail,
		"casework.Forward.organisation":      {required: true, maxLength: 200},
		"casework.Forward.question":          {required: true, maxLength: casework.MaxText, description: "What the organisation is asked."},
		"casework.Forward.expected_by":       {format: "date", description: "The day an answer is expected (2026-12-31); not in the past."},
		"openapigen.noteIn.text":             {required: true, maxLength: casework.MaxText},
		"openapigen.statusIn.status":         {required: true, enum: casework.Statuses()},
		"openapigen.statusIn.detail":         detail,
		"openapigen.typeIn.type":             {required: true, enum: routing.Types()},
		"openapigen.typeIn.detail":           detail,
		"openapigen.detailIn.detail":         detail,
		"openapigen.answerIn.answer":         {required: true, maxLength: casework.MaxText},
		"openapigen.mergeIn.into":            {required: true, description: "The reference of the case to merge into, in the same domain."},
		"openapigen.mergeIn.detail":          detail,
		"openapigen.splitIn.message_ids":     {required: true, description: "The ids of the messages to move into a new case."},
		"openapigen.splitIn.subject":         {description: "The new case's subject; default this case's."},
		"openapigen.splitIn.detail":          detail,
		"openapigen.quarantineNoteIn.note":   {description: "Required to resolve; optional to retry."},
		"api.Attachment.sha256":              {description: "The SHA-256 of the content."},
		"api.Forward.expected_by":            {description: "When an answer is expected (the end of that day)."},
		"api.QuarantineItem.deliveries":      {description: "How often the registry tried."},
		"api.CitizenDetail.cases":            {description: "Every case of the citizen, newest first."},
		"api.Citizen.case_count":             {description: "How many cases the citizen has."},
		"api.AccessEntry.citizen_id":         {description: "The citizen accessed, if one."},
		"api.IntakeRequest.received_at":      {description: "When the citizen came, called or wrote; default now."},
		"api.IntakeCitizen.email":            {format: "email"},
		"api.Message.stored_at":              {description: "When the registry stored it."},
		"api.SourceList.checked_at":          {description: "When the statuses were summed up."},
		"api.QuarantineItem.resolved_by":     {description: "Who resolved or retried it."},
		"report.Row.department":              {description: "A department code, onbekend (none) or totaal (the total)."},
		"report.Row.channel":                 {description: "A channel, onbekend or alle (the total)."},
		"api.SearchHit.snippet":              {description: "The part of the text that matched."},
		"api.Case.message_count":             {description: "How many messages the case has."},
		"api.Move.message_ids":               {description: "The messages moved."},
		"api.Case.opened_at":                 {description: "When the case was opened."},
		"api.Message.external_id":            {description: "Message-ID, Facebook message or comment id, e-loket submission id."},
		"api.Case.department":                {description: "The department (dienst) code."},
		"api.Case.assignee":                  {description: "Who handles it."},
		"api.AccessEntry.reason":             {description: "Why, as given."},
		"api.QuarantineItem.stream_seq":      {description: "Its sequence number on the intake stream."},
		"api.IntakeStatus.message_id":        {description: "The stored message, once registered."},
		"api.IntakeStatus.case_ref":          {description: "The case, once registered."},
		"api.IntakeStatus.registered_at":     {description: "When the registry stored it."},
		"api.TimelineItem.actor":             {description: "Who did it (a user name, token:<name> or registry)."},
		"api.QuarantineList.next":            {description: "The URL of the next page, when there may be one."},
		"api.Source.needs_person":            {description: "It fails until a person acts (a wrong password, an expired Facebook token)."},
		"api.Source.silent":                  {description: "The connector has not reported for a while; it may have crashed or lost NATS."},
		"api.Source.consecutive_failures":    {description: "Failed attempts since the last success."},
		"api.Citizen.last_contact_at":        {description: "When the citizen last wrote, came or called."},
		"api.Forward.answered_at":            {description: "When the answer was recorded; absent: still waiting."},
		"api.Move.undone_at":                 {description: "When it was undone; absent: in force."},
		"store.ErasureResult.mentions":       {description: "Texts elsewhere in which the citizen's details were replaced."},
		"store.ErasureResult.blobs":          {description: "Raw originals and attachment contents deleted."},
		"api.IntakeFile.data":                {description: "The file's bytes."},
		"api.QuarantinePayload.url":          {description: "Where to download it."},
		"api.SearchHit.subject":              {description: "The subject, in parts; match marks what matched."},
		"api.TextPart.match":                 {description: "This part matched; mark it (<mark>)."},
		"report.Complaints.total":            {description: "All complaints of the year."},
		"api.Message.parse_error":            {description: "What could not be read of the original, if anything."},
		"api.CaseDetail.timeline":            {description: "Everything that happened, oldest first."},
		"api.QuarantineItem.note":            {description: "What was done with it."},
		"api.AccessEntry.detail":             {description: "What was accessed or asked."},
		"api.Source.last_error":              {description: "The last error, as the connector saw it."},
		"report.Row.answered_in_time":        {description: "Answered by the deadline."},
		"api.IntakeRequest.sent_at":          {description: "When an outgoing letter was sent."},
		"api.SearchResult.page":              {description: "The page number, from 1."},
		"api.SearchResult.limit":             {description: "Hits per page."},
		"api.Sender.facebook_id":             {description: "The sender's Facebook id (page-scoped)."},
		"api.Attachment.size":                {description: "In bytes."},
		"api.QuarantinePayload.size":         {description: "In bytes."},
		"api.QuarantineItem.event_id":        {description: "The event's id, when it had one."},
		"api.Message.event_id":               {description: "The id of the case event it came in."},
		"api.Message.inbox":                  {description: "The mailbox, page, form or desk it came in."},
		"api.CaseDetail.forwards":            {description: "Forwards to outside organisations."},
		"api.CaseDetail.moves":               {description: "Merges and splits the case took part in."},
		"api.Case.closed_at":                 {description: "When the case was closed."},
		"api.Case.updated_at":                {description: "When anything last changed."},
		"api.InputProblem.problems":          {description: "Every problem, one per field."},
		"api.Forward.at":                     {description: "When it was forwarded."},
		"api.Forward.actor":                  {description: "Who forwarded it."},
		"api.Move.actor":                     {description: "Who merged or split."},
		"api.Move.undone_by":                 {description: "Who undid it."},
		"api.AccessEntry.actor":              {description: "Who accessed it."},
		"api.Source.last_success":            {description: "The last successful poll."},
		"api.Source.last_error_at":           {description: "When the last error was."},
		"api.Source.stopped":                 {description: "The connector was stopped."},
		"api.Message.received_at":            {description: "When the channel received it."},
		"api.Message.sent_at":                {description: "When the sender sent it."},
		"api.IntakeRequest.citizen":          {description: "Who came, called or wrote."},
		"api.Citizen.created_at":             {description: "When the registry first knew the citizen."},
		"report.Row.answered_late":           {description: "Answered after the deadline."},
		"report.Row.not_answered":            {description: "Not answered (yet)."},
		"report.Row.undecided":               {description: "Admissibility not decided."},
		"api.QuarantineItem.quarantined_at":  {description: "When it was quarantined."},
		"api.QuarantineItem.resolved_at":     {description: "When it was resolved or retried."},
		"api.SearchResult.hits":              {description: "The messages found, best first (newest first without q)."},
		"api.TimelineItem.detail":            {description: "What happened, in words."},
		"api.Problem.error":                  {description: "What is wrong."},
		"casework.Assignment.clear_assignee": {description: "Take the case from its assignee (not with assignee)."},
		"api.IntakeRequest.subject":          {description: "Subject, text or attachments: at least one."},
	}
}

// operations describes every route, keyed by "METHOD PATH".
func operations() map[string]operation {
	problems := []int{http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusRequestEntityTooLarge,
		http.StatusUnprocessableEntity}
	caseAnswer := []answer{{status: http.StatusOK, description: "The case as it is after the action.", body: api.CaseDetail{}}}
	action := func(id, summary, description string, body, example any) operation {
		return operation{id: id, tag: "case actions", summary: summary, description: description, body: body,
			bodyRequired: true, example: example, answers: caseAnswer, errors: problems}
	}
	domain := param{name: "domain", in: "query", repeat: true, schema: enum(domains()),
		description: "Only these domains (repeatable); default: every domain the caller may see. Others are ignored."}
	limit := func(def, max int) param {
		return param{name: "limit", in: "query", description: "At most this many (default " + strconv.Itoa(def) + ").",
			schema: map[string]any{"type": "integer", "minimum": 1, "maximum": max, "default": def}}
	}
	before := func(what string) param {
		return param{name: "before", in: "query", description: "Paging: only " + what + " with a smaller id (the answer's next has it).",
			schema: map[string]any{"type": "integer", "format": "int64", "minimum": 1}}
	}
	str := func(name, desc string) param {
		return param{name: name, in: "query", description: desc, schema: map[string]any{"type": "string"}}
	}
	period := func(name, desc string) param {
		return param{name: name, in: "query", schema: map[string]any{"type": "string", "examples": []any{"2026-12-04", "2026-12-04T10:15:00+01:00"}},
			description: desc + ": a date (2026-12-04, in the registry's time zone) or an RFC 3339 time."}
	}
	jsonOK := func(desc string, body any) []answer {
		return []answer{{status: http.StatusOK, description: desc, body: body}}
	}
	binary := map[string]any{"type": "string", "format": "binary"}
	disposition := map[string]any{"Content-Disposition": map[string]any{
		"description": "attachment, with a file name", "schema": map[string]any{"type": "string"}}}

	return map[string]operation{
		"GET /api/v1/cases": {
			id: "listCases", tag: "cases", summary: "List cases (dossiers)",
			description: "Cases the caller may see, newest first, a page at a time: follow `next`.",
			params: []param{
				{name: "status", in: "query", schema: enum(statuses()), description: "Only cases with this status."},
				domain,
				str("department", "Only cases of this department (dienst) code."),
				{name: "due", in: "query", schema: enum([]string{"overdue", "soon"}),
					description: "Only open cases whose answer is overdue, or due within 72 hours (soon, overdue included)."},
				limit(50, 500),
				before("cases"),
			},
			answers: jsonOK("A page of cases.", api.CaseList{}),
			errors:  []int{http.StatusBadRequest},
		},
		"GET /api/v1/cases/{ref}": {
			id: "getCase", tag: "cases", summary: "Get a case with its messages and timeline",
			description: "The view is in the access log; a case of the sociaalhuis domain needs a reason.",
			reason:      true,
			answers:     jsonOK("The case.", api.CaseDetail{}),
			errors:      []int{http.StatusBadRequest, http.StatusNotFound},
		},
		"GET /api/v1/messages/unassigned": {
			id: "listUnassignedMessages", tag: "messages", summary: "List messages without a case (geen dossier)",
			description: "Automatic mail that refers to nothing known, newest first.",
			params:      []param{domain, limit(100, 500)},
			answers:     jsonOK("The messages.", api.MessageList{}),
			errors:      []int{http.StatusBadRequest},
		},
		"GET /api/v1/reports/complaints": {
			id: "complaintsReport", tag: "cases", summary: "The yearly complaints report (klachtenrapport)",
			description: "For the council: per department and channel, admissible or not, answered in time or late, " +
				"median handling time; of the domains the caller may see.",
			params: []param{
				{name: "year", in: "query", required: true, schema: map[string]any{"type": "integer", "minimum": 2000, "maximum": 2200}},
				{name: "format", in: "query", schema: map[string]any{"type": "string", "enum": []string{"json", "csv"}, "default": "json"},
					description: "csv: a spreadsheet (semicolons, as a Belgian spreadsheet expects)."},
			},
			answers: []answer{{status: http.StatusOK, description: "The report.", body: report.Complaints{},
				content: map[string]any{"text/csv": map[string]any{"type": "string"}}, headers: disposition}},
			errors: []int{http.StatusBadRequest},
		},

		"POST /api/v1/cases/{ref}/notes": action("addNote", "Add a note (notitie)",
			"Front-desk staff (onthaal) may add notes too.", noteIn{}, map[string]any{"text": "Burger belde: de lamp brandt nog altijd niet."}),
		"POST /api/v1/cases/{ref}/assign": action("assignCase", "Assign the case to a department and/or a person",
			"", casework.Assignment{}, map[string]any{"department": "openbare-werken", "assignee": "jan"}),
		"POST /api/v1/cases/{ref}/status": action("setCaseStatus", "Change the case's status",
			"409 when the case has that status already or is merged.", statusIn{}, map[string]any{"status": "beantwoord", "detail": "telefonisch beantwoord"}),
		"POST /api/v1/cases/{ref}/type": action("setCaseType", "Change the case's type",
			"A question that turns out to be a complaint: the deadlines follow the new type, counted from the opening; "+
				"a suggestion of that type is settled.", typeIn{}, map[string]any{"type": "klacht"}),
		"POST /api/v1/cases/{ref}/suggestion/dismiss": action("dismissSuggestion", "Dismiss the registry's suggestion",
			"409 when the case has no suggestion.", detailIn{}, map[string]any{"detail": "gewone vraag"}),
		"POST /api/v1/cases/{ref}/admissibility": action("setAdmissibility", "Decide whether a complaint is admissible (ontvankelijk)",
			"Only for a complaint (type klacht); 409 otherwise.", casework.Admissibility{},
			map[string]any{"admissible": false, "reason": "feiten ouder dan een jaar"}),
		"POST /api/v1/cases/{ref}/forwards": action("forwardCase", "Forward the case to an outside organisation (doorverwijzen)",
			"A new or handled case then waits for the answer (wacht op derde).", casework.Forward{},
			map[string]any{"organisation": "De Lijn", "question": "Wanneer wordt de bushalte hersteld?", "expected_by": "2026-12-31"}),
		"POST /api/v1/cases/{ref}/forwards/{id}/answer": action("answerForward", "Record an organisation's answer",
			"A case that waited for no other answer goes back to in behandeling.", answerIn{}, map[string]any{"answer": "Volgende week hersteld."}),
		"POST /api/v1/cases/{ref}/merge": action("mergeCase", "Merge the case into another (samenvoegen)",
			"Every message moves into the other case, of the same domain (422 across domains); the case is samengevoegd until the merge is undone.",
			mergeIn{}, map[string]any{"into": "MP-2026-000122"}),
		"POST /api/v1/cases/{ref}/split": action("splitCase", "Split messages off into a new case (splitsen)",
			"The new case has the same domain, type and department, and its own deadlines.", splitIn{},
			map[string]any{"message_ids": []int{42}, "subject": "Tweede vraag"}),
		"POST /api/v1/cases/{ref}/moves/{id}/undo": func() operation {
			op := action("undoMove", "Undo a merge or split",
				"The messages go back; the move stays on the timeline as undone.", emptyIn{}, nil)
			op.bodyRequired = false
			return op
		}(),

		"POST /api/v1/intake": {
			id: "registerIntake", tag: "intake", summary: "Register a visit, phone call or letter",
			description: "JSON, or multipart/form-data with the fields (or a `registration` part holding the JSON) and the scans " +
				"as file parts (PDF or images; 10 files, 25 MiB each, 50 MiB together). The same idempotency key from the same " +
				"member of staff is one registration, however often it is posted. It goes the connectors' way (objects, then the " +
				"event on the stream): 202 with the event id, then ask `status_url` until it is registered.",
			params: []param{{name: api.IdempotencyKeyHeader, in: "header", schema: map[string]any{"type": "string", "maxLength": frontdesk.MaxKeyLength},
				description: "Makes posting twice register once; required here or as idempotency_key."}},
			body: api.IntakeRequest{}, bodyRequired: true,
			example: map[string]any{"channel": "phone", "domain": "gemeente", "citizen": map[string]any{"name": "An Peeters", "phone": "0477 12 34 56"},
				"subject": "Kapotte straatlamp", "text": "Lamp in de Kerkstraat brandt niet."},
			multipart: intakeMultipart(), multipartEncoding: map[string]any{"registration": map[string]any{"contentType": "application/json"}},
			answers: []answer{
				{status: http.StatusAccepted, description: "Accepted: on the intake stream, not stored yet.", body: api.IntakeStatus{}},
				{status: http.StatusOK, description: "Posted before and stored already (duplicate): nothing new was registered.", body: api.IntakeStatus{}},
				{status: http.StatusBadRequest, description: "The body cannot be read (Problem) or the registration is wrong (InputProblem: every problem).",
					oneOf: []any{api.Problem{}, api.InputProblem{}}},
			},
			errors: []int{http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusInternalServerError},
		},
		"GET /api/v1/intake/{id}": {
			id: "getIntake", tag: "intake", summary: "Where a registration is",
			description: "registered with the case once the registry stored it, or quarantined; 404 (pending) until then, " +
				"and for another domain's.",
			answers: []answer{
				{status: http.StatusOK, description: "Registered or quarantined.", body: api.IntakeStatus{}},
				{status: http.StatusNotFound, description: "Not registered (yet).", body: intakePending{}},
			},
		},

		"GET /api/v1/quarantine": {
			id: "listQuarantine", tag: "quarantine", summary: "List quarantined events",
			description: "Why, deliveries, when and the payload's size, never the payload. A payload may hold any domain's data: " +
				"only a beheerder who may see every domain sees the quarantine (others get an empty, restricted list).",
			params: []param{
				{name: "status", in: "query", schema: map[string]any{"type": "string", "enum": []string{"open", "resolved", "all"}, "default": "open"}},
				limit(50, 500),
				before("items"),
			},
			answers: jsonOK("A page of items.", api.QuarantineList{}),
			errors:  []int{http.StatusBadRequest},
		},
		"GET /api/v1/quarantine/{id}": {
			id: "getQuarantineItem", tag: "quarantine", summary: "Get a quarantined item",
			answers: jsonOK("The item, with its payload's SHA-256.", api.QuarantineItem{}),
			errors:  []int{http.StatusNotFound},
		},
		"GET /api/v1/quarantine/{id}/payload": {
			id: "getQuarantinePayload", tag: "quarantine", summary: "Download a quarantined payload",
			description: "The bytes as the registry received them, as a download (never for a browser to render). " +
				"The download is in the access log.",
			reason: true,
			answers: []answer{{status: http.StatusOK, description: "The payload.",
				content: map[string]any{"application/octet-stream": binary}, headers: disposition}},
			errors: []int{http.StatusBadRequest, http.StatusNotFound},
		},
		"POST /api/v1/quarantine/{id}/retry": {
			id: "retryQuarantineItem", tag: "quarantine", summary: "Send a quarantined payload to the registry again",
			description: "It is published on the intake stream again (without Nats-Msg-Id, so the stream's duplicate window " +
				"does not drop it; the registry still stores an event once) and the item is marked retried. Failing again, " +
				"it is quarantined again as a new item.",
			body: quarantineNoteIn{}, example: map[string]any{"note": "schema hersteld"},
			answers: jsonOK("The item, retried.", api.QuarantineItem{}),
			errors:  []int{http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
		},
		"POST /api/v1/quarantine/{id}/resolve": {
			id: "resolveQuarantineItem", tag: "quarantine", summary: "Resolve a quarantined item without a retry",
			body: quarantineNoteIn{}, bodyRequired: true, example: map[string]any{"note": "testbericht, niets te doen"},
			answers: jsonOK("The item, resolved.", api.QuarantineItem{}),
			errors:  []int{http.StatusBadRequest, http.StatusNotFound, http.StatusConflict},
		},

		"GET /api/v1/sources": {
			id: "listSources", tag: "sources", summary: "The connectors' sources and their health",
			description: "Every mailbox folder, Facebook page and e-loket form: last success, last error and when, " +
				"consecutive failures, whether it needs a person or went silent.",
			answers: jsonOK("The sources.", api.SourceList{}),
		},

		"GET /api/v1/citizens/{id}/export": {
			id: "exportCitizen", tag: "privacy", summary: "Export everything stored about a citizen (GDPR)",
			description: "A zip file: the citizen, their cases, messages, raw originals and attachments. Always needs a reason; " +
				"the export is in the access log.",
			reason: true,
			answers: []answer{{status: http.StatusOK, description: "The zip file.",
				content: map[string]any{"application/zip": binary}, headers: disposition}},
			errors: []int{http.StatusBadRequest, http.StatusNotFound},
		},
		"POST /api/v1/citizens/{id}/erase": {
			id: "eraseCitizen", tag: "privacy", summary: "Erase a citizen's personal data (GDPR)",
			description: "Their messages lose sender, subject, text and originals; their cases' subjects and timeline details are " +
				"replaced; mentions elsewhere too. The erasure is in the access log. Needs a reason (in the body or the header).",
			reason: true,
			body:   api.EraseRequest{}, bodyRequired: true, example: map[string]any{"reason": "verzoek tot wissing van 2026-12-04"},
			answers: jsonOK("What was removed.", store.ErasureResult{}),
			errors:  []int{http.StatusBadRequest, http.StatusNotFound},
		},
		"GET /api/v1/access-log": {
			id: "listAccessLog", tag: "privacy", summary: "Read the access log (toegangslog)",
			description: "Who looked at which personal data, when and why, newest first: entries of the domains the caller " +
				"may see and of no domain. Reading it is logged too.",
			reason: true,
			params: []param{
				str("actor", "Only entries of this actor."),
				{name: "action", in: "query", schema: enum(accessActions()), description: "Only entries of this action."},
				str("case", "Only entries about this case reference."),
				{name: "citizen", in: "query", schema: map[string]any{"type": "integer", "format": "int64", "minimum": 1},
					description: "Only entries about this citizen id."},
				period("from", "From"),
				period("to", "To (a date: that day included)"),
				domain,
				limit(100, 1000),
				before("entries"),
			},
			answers: jsonOK("A page of entries.", api.AccessLog{}),
			errors:  []int{http.StatusBadRequest},
		},

		"GET /api/v1/search": {
			id: "searchMessages", tag: "search", summary: "Search messages (zoeken)",
			description: "`q` in web-search syntax: words, \"a phrase\", -word, or. Without q, the messages that pass the " +
				"filters, newest first. The search is in the access log; results of the sociaalhuis domain need a reason.",
			reason: true,
			params: []param{
				{name: "q", in: "query", schema: map[string]any{"type": "string", "maxLength": 200}, description: "What to find."},
				{name: "channel", in: "query", schema: enum(channels())},
				{name: "status", in: "query", schema: enum(statuses()), description: "Of the message's case."},
				str("department", "Of the message's case."),
				{name: "type", in: "query", schema: enum(routing.Types()), description: "Of the message's case."},
				domain,
				period("from", "From"),
				period("to", "To (a date: that day included; a time: excluded)"),
				{name: "limit", in: "query", schema: map[string]any{"type": "integer", "minimum": 1, "maximum": store.SearchMaxLimit,
					"default": store.SearchDefaultLimit}},
				{name: "page", in: "query", schema: map[string]any{"type": "integer", "minimum": 1, "maximum": store.SearchMaxMatches, "default": 1}},
			},
			answers: jsonOK("A page of messages found.", api.SearchResult{}),
			errors:  []int{http.StatusBadRequest},
		},
		"GET /api/v1/citizens": {
			id: "listCitizens", tag: "search", summary: "Look citizens up (burgers)",
			description: "By a name or part of one (every word begins a word of the name; accents and case ignored), an e-mail " +
				"address, a phone number or a Facebook id. Without q, nobody. The lookup is in the access log.",
			reason: true,
			params: []param{
				{name: "q", in: "query", schema: map[string]any{"type": "string", "maxLength": 200}},
				domain,
				{name: "limit", in: "query", schema: map[string]any{"type": "integer", "minimum": 1, "maximum": store.ContactMaxLimit,
					"default": store.ContactDefaultLimit}},
			},
			answers: jsonOK("The citizens found.", api.CitizenList{}),
			errors:  []int{http.StatusBadRequest},
		},
		"GET /api/v1/citizens/{id}": {
			id: "getCitizen", tag: "search", summary: "Get a citizen with all their cases",
			description: "The view is in the access log; a citizen of the sociaalhuis domain needs a reason.",
			reason:      true,
			answers:     jsonOK("The citizen.", api.CitizenDetail{}),
			errors:      []int{http.StatusBadRequest, http.StatusNotFound},
		},

		"GET " + api.OpenAPIPath: {
			id: "getOpenAPI", tag: "meta", summary: "This OpenAPI document",
			answers: []answer{
				{status: http.StatusOK, description: "The document (OpenAPI 3.1).", content: map[string]any{"application/json": map[string]any{"type": "object"}},
					headers: map[string]any{"ETag": map[string]any{"schema": map[string]any{"type": "string"}}}},
				{status: http.StatusNotModified, description: "Unchanged since the ETag in If-None-Match."},
			},
		},
	}
}

func enum(values []string) map[string]any {
	return map[string]any{"type": "string", "enum": slices.Clone(values)}
}

// intakeMultipart is the multipart/form-data form of a registration: the
// fields one by one, or the part registration with the JSON; every part
// with a file name is an attachment.
func intakeMultipart() map[string]any {
	text := func(desc string) map[string]any {
		if desc == "" {
			return map[string]any{"type": "string"}
		}
		return map[string]any{"type": "string", "description": desc}
	}
	t := map[string]any{"type": "string", "format": "date-time"}
	return map[string]any{
		"type":        "object",
		"description": "Every part with a file name is an attachment, whatever its name; other parts are the fields below.",
		"properties": map[string]any{
			"registration":    map[string]any{"type": "string", "description": "The registration as JSON (IntakeRequest), instead of the fields one by one."},
			"channel":         map[string]any{"type": "string", "enum": intakeChannels()},
			"direction":       map[string]any{"type": "string", "enum": directions()},
			"domain":          map[string]any{"type": "string", "enum": domains()},
			"inbox":           text("The desk."),
			"subject":         text(""),
			"text":            text(""),
			"case_ref":        text("The case the citizen came about."),
			"received_at":     t,
			"sent_at":         t,
			"citizen_name":    text(""),
			"citizen_email":   text(""),
			"citizen_phone":   text(""),
			"citizen_address": text(""),
			"idempotency_key": text("Stands in for the Idempotency-Key header."),
			"file":            map[string]any{"type": "array", "items": map[string]any{"type": "string", "format": "binary"}, "description": "Scans: PDF or images."},
		},
	}
}
