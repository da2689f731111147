package bus_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/testutil/natstest"
)

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func TestObjects(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := natstest.Connect(t, natstest.Start(t))
	objects, err := b.JetStream().ObjectStore(ctx, bus.ObjectBucket)
	if err != nil {
		t.Fatal(err)
	}

	data := []byte("From: a@example.org\r\nSubject: put\r\n\r\nEr zit een put in de straat.\r\n")
	ref, err := b.PutObject(ctx, data, "message/rfc822")
	if err != nil {
		t.Fatal(err)
	}
	want := sha256Hex(data)
	if ref.Object != want || ref.SHA256 != want || ref.Size != int64(len(data)) || ref.ContentType != "message/rfc822" {
		t.Errorf("PutObject = %+v, want object and sha256 %s, size %d", ref, want, len(data))
	}
	got, err := b.GetObject(ctx, ref.Object)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("GetObject = %q, %v; want %q", got, err, data)
	}

	t.Run("dedup", func(t *testing.T) {
		before, err := objects.GetInfo(ctx, ref.Object)
		if err != nil {
			t.Fatal(err)
		}
		again, err := b.PutObject(ctx, data, "message/rfc822")
		if err != nil || again != ref {
			t.Fatalf("second PutObject = %+v, %v; want %+v", again, err, ref)
		}
		after, err := objects.GetInfo(ctx, ref.Object)
		if err != nil {
			t.Fatal(err)
		}
		if after.NUID != before.NUID {
			t.Error("second PutObject uploaded the object again")
		}
	})

	t.Run("not found", func(t *testing.T) {
		_, err := b.GetObject(ctx, sha256Hex([]byte("never stored")))
		if !errors.Is(err, bus.ErrObjectNotFound) {
			t.Errorf("GetObject of an absent object = %v, want ErrObjectNotFound", err)
		}
	})

	t.Run("sha mismatch", func(t *testing.T) {
		name := sha256Hex([]byte("the original"))
		if _, err := objects.PutBytes(ctx, name, []byte("something else")); err != nil {
			t.Fatal(err)
		}
		_, err := b.GetObject(ctx, name)
		if !errors.Is(err, bus.ErrObjectCorrupt) {
			t.Errorf("GetObject of tampered content = %v, want ErrObjectCorrupt", err)
		}
	})

	t.Run("empty", func(t *testing.T) {
		ref, err := b.PutObject(ctx, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		got, err := b.GetObject(ctx, ref.Object)
		if err != nil || len(got) != 0 {
			t.Errorf("GetObject of the empty object = %q, %v", got, err)
		}
	})
}

func TestPutObjectFile(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := natstest.Connect(t, natstest.Start(t))

	data := make([]byte, 5<<20+123) // several chunks and not a round number
	if _, err := rand.Read(data); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "bijlage.pdf")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	ref, err := b.PutObjectFile(ctx, path, "application/pdf")
	if err != nil {
		t.Fatal(err)
	}
	if want := sha256Hex(data); ref.Object != want || ref.SHA256 != want || ref.Size != int64(len(data)) || ref.ContentType != "application/pdf" {
		t.Errorf("PutObjectFile = %+v, want sha256 %s and size %d", ref, want, len(data))
	}
	got, err := b.GetObject(ctx, ref.Object)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Errorf("GetObject returned %d bytes that differ from the %d put", len(got), len(data))
	}
	// The same content from memory is recognised as already there.
	if again, err := b.PutObject(ctx, data, "application/pdf"); err != nil || again != ref {
		t.Errorf("PutObject of the same content = %+v, %v; want %+v", again, err, ref)
	}
	if _, err := b.PutObjectFile(ctx, filepath.Join(t.TempDir(), "missing"), ""); err == nil {
		t.Error("PutObjectFile of a missing file succeeded")
	}
}
