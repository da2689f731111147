package bus

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

var (
	// ErrObjectNotFound is returned by GetObject for a name the object
	// store does not hold.
	ErrObjectNotFound = errors.New("object not found")
	// ErrObjectCorrupt is returned by GetObject when the bytes read do not
	// hash to the object's sha-256 name.
	ErrObjectCorrupt = errors.New("object content does not match its sha-256 name")
)

// PutObject stores data in the object store under its lower-case hex
// SHA-256. When an object of that name and size is already there, nothing is
// uploaded: content-addressed objects never change.
func (b *Bus) PutObject(ctx context.Context, data []byte, contentType string) (caseevent.ObjectRef, error) {
	sum := sha256.Sum256(data)
	ref := newObjectRef(sum[:], int64(len(data)), contentType)
	err := b.putObject(ctx, ref, func() (io.Reader, error) { return bytes.NewReader(data), nil })
	if err != nil {
		return caseevent.ObjectRef{}, err
	}
	return ref, nil
}

// PutObjectFile is PutObject for a file too large to hold in memory: it reads
// the file once to hash it and once more to upload it.
func (b *Bus) PutObjectFile(ctx context.Context, path string, contentType string) (caseevent.ObjectRef, error) {
	f, err := os.Open(path)
	if err != nil {
		return caseevent.ObjectRef{}, fmt.Errorf("put object from file: %w", err)
	}
	defer f.Close()

	h := sha256.New()
	size, err := io.Copy(h, contextReader{ctx, f})
	if err != nil {
		return caseevent.ObjectRef{}, fmt.Errorf("hash %s: %w", path, err)
	}
	ref := newObjectRef(h.Sum(nil), size, contentType)
	err = b.putObject(ctx, ref, func() (io.Reader, error) {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, fmt.Errorf("rewind %s: %w", path, err)
		}
		return f, nil
	})
	if err != nil {
		return caseevent.ObjectRef{}, err
	}
	return ref, nil
}

func newObjectRef(sum []byte, size int64, contentType string) caseevent.ObjectRef {
	name := hex.EncodeToString(sum)
	return caseevent.ObjectRef{ContentType: contentType, Size: size, SHA256: name, Object: name}
}

// putObject uploads what open returns under ref.Object unless the object is
// already there, and checks that what was uploaded is what was hashed.
func (b *Bus) putObject(ctx context.Context, ref caseevent.ObjectRef, open func() (io.Reader, error)) error {
	objects, err := b.objectStore(ctx)
	if err != nil {
		return fmt.Errorf("put object %s: %w", ref.Object, err)
	}
	info, err := objects.GetInfo(ctx, ref.Object)
	switch {
	case err == nil && info.Size == uint64(ref.Size):
		return nil
	case err != nil && !errors.Is(err, jetstream.ErrObjectNotFound):
		return fmt.Errorf("put object %s: look up: %w", ref.Object, err)
	}

	r, err := open()
	if err != nil {
		return fmt.Errorf("put object %s: %w", ref.Object, err)
	}
	meta := jetstream.ObjectMeta{Name: ref.Object}
	if ref.ContentType != "" {
		meta.Headers = nats.Header{"Content-Type": []string{ref.ContentType}}
	}
	info, err = objects.Put(ctx, meta, r)
	if err != nil {
		return fmt.Errorf("put object %s: %w", ref.Object, err)
	}
	// A file that changed between hashing and uploading must not end up
	// under the wrong name.
	sum, _ := hex.DecodeString(ref.SHA256)
	if want := "SHA-256=" + base64.URLEncoding.EncodeToString(sum); info.Size != uint64(ref.Size) || info.Digest != want {
		if err := objects.Delete(ctx, ref.Object); err != nil {
			b.log.Warn("delete mismatched object", "error", err)
		}
		return fmt.Errorf("put object %s: content changed while uploading (%d bytes uploaded, %d hashed)", ref.Object, info.Size, ref.Size)
	}
	return nil
}

// GetObject reads a whole object. For a name that is a sha-256 it checks that
// the content hashes to it.
func (b *Bus) GetObject(ctx context.Context, name string) ([]byte, error) {
	objects, err := b.objectStore(ctx)
	if err != nil {
		return nil, fmt.Errorf("get object %s: %w", name, err)
	}
	data, err := objects.GetBytes(ctx, name)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil, fmt.Errorf("get object %s: %w", name, ErrObjectNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get object %s: %w", name, err)
	}
	if isSHA256Hex(name) {
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != name {
			return nil, fmt.Errorf("get object %s: read %d bytes with sha-256 %s: %w", name, len(data), got, ErrObjectCorrupt)
		}
	}
	return data, nil
}

func isSHA256Hex(s string) bool {
	if len(s) != sha256.Size*2 {
		return false
	}
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// contextReader stops a long read when ctx ends.
type contextReader struct {
	ctx context.Context
	r   io.Reader
}

func (r contextReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}
