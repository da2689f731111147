package bus

import (
	"fmt"

	"github.com/meldpunt/meldpunt/internal/caseevent"
)

// Role is a kind of meldpunt process. In production each role has its own
// NATS user, allowed only the subjects that role uses (Role.Permissions).
type Role string

// The roles. A connector's role is the name of its binary.
const (
	// RoleRegistry creates the stream and buckets, consumes case events and
	// reads objects. It publishes what staff register at the front desk and
	// quarantined events sent again, and touches no checkpoint.
	RoleRegistry Role = "registry"
	// The connectors publish the events of their own channel, write objects
	// and keep their own checkpoints. They create nothing.
	RoleIngestMail     Role = "ingest-mail"
	RoleIngestFacebook Role = "ingest-facebook"
	RoleIngestEloket   Role = "ingest-eloket"
)

// Roles returns every role, the registry first.
func Roles() []Role {
	return []Role{RoleRegistry, RoleIngestMail, RoleIngestFacebook, RoleIngestEloket}
}

// Grant allows one subject (wildcards allowed), with the reason it is needed.
type Grant struct {
	Subject string
	Reason  string
}

// Permissions are what one NATS user may publish to and subscribe to;
// everything else is denied.
type Permissions struct {
	Publish   []Grant
	Subscribe []Grant
}

// InboxPrefix is the prefix of the role's reply subjects: the only subjects
// its user may subscribe to. Pass it as Config.InboxPrefix. With the usual
// shared "_INBOX.>" any user could read the replies meant for another, and
// the registry's replies are the case events it fetches.
func (r Role) InboxPrefix() string { return "_INBOX_" + string(r) }

// connectorScope is a connector's channel, on whose subjects it publishes,
// and the first part of its checkpoint keys (see CheckpointKey): "mail",
// "facebook" or "eloket", as the connectors in internal/ingest name them.
func connectorScope(r Role) (channel caseevent.Channel, checkpointPrefix string, ok bool) {
	switch r {
	case RoleIngestMail:
		return caseevent.ChannelEmail, "mail", true
	case RoleIngestFacebook:
		return caseevent.ChannelFacebook, "facebook", true
	case RoleIngestEloket:
		return caseevent.ChannelEloket, "eloket", true
	}
	return "", "", false
}

// Streams behind the buckets, and the subjects JetStream stores them on.
const (
	jsAPI             = "$JS.API."
	objectStream      = "OBJ_" + ObjectBucket
	checkpointStream  = "KV_" + CheckpointBucket
	objectChunks      = "$O." + ObjectBucket + ".C.>"
	objectMeta        = "$O." + ObjectBucket + ".M.>"
	checkpointSubject = "$KV." + CheckpointBucket + "."

	// The connectors' source reports (sources.go) live in the KV bucket
	// meldpunt_sources, under the same per-connector prefixes as the
	// checkpoints.
	sourceStream  = "KV_meldpunt_sources"
	sourceSubject = "$KV.meldpunt_sources."
)

// Permissions returns what the role's NATS user needs with the nats.go
// JetStream client this package uses, and nothing more. No role may delete
// or purge a stream, delete a message, or read another connector's
// checkpoint: a direct get names the key in its subject, so it can be
// limited to a prefix, while the stream's MSG.GET request cannot and is not
// allowed.
//
// It fails for a role it does not know.
func (r Role) Permissions() (Permissions, error) {
	inbox := []Grant{{r.InboxPrefix() + ".>", "replies: publish acks, API responses, fetched messages"}}
	if r == RoleRegistry {
		pub := []Grant{{jsAPI + "INFO", "account info, read before the checkpoint bucket is created or updated"}}
		for _, s := range []string{StreamName, objectStream, checkpointStream, sourceStream} {
			pub = append(pub,
				Grant{jsAPI + "STREAM.INFO." + s, "look up " + s},
				Grant{jsAPI + "STREAM.CREATE." + s, "create " + s + " at the first start"},
				Grant{jsAPI + "STREAM.UPDATE." + s, "bring the settings of " + s + " in line (replicas, retention)"},
			)
		}
		pub = append(pub,
			Grant{jsAPI + "CONSUMER.CREATE." + StreamName + ".>", "create or update the durable pull consumer"},
			Grant{jsAPI + "CONSUMER.INFO." + StreamName + ".*", "backlog of the consumer"},
			Grant{jsAPI + "CONSUMER.MSG.NEXT." + StreamName + ".*", "fetch case events"},
			Grant{"$JS.ACK." + StreamName + ".>", "acknowledge a case event after the commit"},
			Grant{jsAPI + "DIRECT.GET." + objectStream + "." + objectMeta, "read an object's description"},
			Grant{jsAPI + "CONSUMER.CREATE." + objectStream + ".>", "read an object's chunks (ordered consumer)"},
			Grant{jsAPI + "CONSUMER.DELETE." + objectStream + ".>", "remove that consumer when the object is read"},
			Grant{"$JS.FC." + objectStream + ".>", "flow control of that consumer"},
			Grant{caseevent.SubjectPrefix + ".>", "publish front-desk, phone and letter registrations; send a quarantined event again on its subject"},
			Grant{objectChunks, "store the files of a front-desk registration"},
			Grant{objectMeta, "store their descriptions"},
			Grant{jsAPI + "CONSUMER.CREATE." + sourceStream + ".>", "read the connectors' source reports (ordered consumer)"},
			Grant{jsAPI + "CONSUMER.DELETE." + sourceStream + ".>", "remove that consumer when the reports are read"},
			Grant{"$JS.FC." + sourceStream + ".>", "flow control of that consumer"},
		)
		return Permissions{Publish: pub, Subscribe: inbox}, nil
	}

	channel, prefix, ok := connectorScope(r)
	if !ok {
		return Permissions{}, fmt.Errorf("nats permissions: unknown role %q", r)
	}
	checkpoints := checkpointSubject + prefix + ".>"
	return Permissions{
		Publish: []Grant{
			{caseevent.SubjectPrefix + "." + string(channel) + ".*", "publish " + string(channel) + " case events"},
			{jsAPI + "STREAM.INFO." + StreamName, "check that the registry created the stream"},
			{jsAPI + "STREAM.INFO." + checkpointStream, "look up the checkpoint bucket"},
			{checkpoints, "write its own checkpoints"},
			{jsAPI + "DIRECT.GET." + checkpointStream + "." + checkpoints, "read its own checkpoints"},
			{jsAPI + "STREAM.INFO." + objectStream, "look up the object store"},
			{jsAPI + "DIRECT.GET." + objectStream + "." + objectMeta, "ask whether an object is already stored"},
			{objectChunks, "store an object's chunks"},
			{objectMeta, "store an object's description"},
			{jsAPI + "STREAM.INFO." + sourceStream, "look up the bucket of source reports"},
			{sourceSubject + prefix + ".>", "report on its own sources"},
		},
		Subscribe: inbox,
	}, nil
}
