package storetest

import (
	"bytes"
	"strings"
	"testing"

	"github.com/meldpunt/meldpunt/internal/registry/store"
)

func testBlobs(t *testing.T, s store.Store) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB
	blobs := []store.Blob{
		{SHA256: sum([]byte("hello")), ContentType: "text/plain", Data: []byte("hello")},
		{SHA256: sum(big), ContentType: "application/octet-stream", Data: big},
		{SHA256: sum(nil), ContentType: "", Data: nil},
		{SHA256: sum([]byte{0, 0xff, 0}), ContentType: "application/octet-stream", Data: []byte{0, 0xff, 0}},
	}
	missing := sum([]byte("missing"))

	has, err := s.HasBlobs(ctx(t), nil)
	if err != nil || len(has) != 0 {
		t.Errorf("HasBlobs(nil) = %v, %v", has, err)
	}
	inTx(t, s, func(tx store.Tx) {
		// blobs[0] twice in one call: stored once.
		if err := tx.PutBlobs(ctx(t), append([]store.Blob{blobs[0]}, blobs...)); err != nil {
			t.Fatalf("PutBlobs: %v", err)
		}
		// Again, in the same transaction: nothing happens.
		if err := tx.PutBlobs(ctx(t), blobs[:1]); err != nil {
			t.Fatalf("PutBlobs again: %v", err)
		}
		if err := tx.PutBlobs(ctx(t), nil); err != nil {
			t.Fatalf("PutBlobs(nil): %v", err)
		}
	})
	// Again, with another content type: the first one stays.
	inTx(t, s, func(tx store.Tx) {
		b := blobs[0]
		b.ContentType = "text/html"
		if err := tx.PutBlobs(ctx(t), []store.Blob{b}); err != nil {
			t.Fatalf("PutBlobs again: %v", err)
		}
	})
	if st := stats(t, s); st.Blobs != int64(len(blobs)) {
		t.Errorf("Stats: %d blobs, want %d", st.Blobs, len(blobs))
	}

	has, err = s.HasBlobs(ctx(t), []string{blobs[0].SHA256, missing, blobs[2].SHA256})
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "HasBlobs", has, map[string]bool{blobs[0].SHA256: true, missing: false, blobs[2].SHA256: true})

	for _, want := range blobs {
		got, err := s.Blob(ctx(t), want.SHA256)
		if err != nil {
			t.Errorf("Blob(%s): %v", want.SHA256, err)
			continue
		}
		if got.SHA256 != want.SHA256 || got.ContentType != want.ContentType || !bytes.Equal(got.Data, want.Data) {
			t.Errorf("Blob(%s) = %s, %q, %d bytes; want %q, %d bytes", want.SHA256, got.SHA256, got.ContentType, len(got.Data), want.ContentType, len(want.Data))
		}
	}
	_, err = s.Blob(ctx(t), missing)
	wantNotFound(t, "Blob(missing)", err)
}

func testPutBlobsChecksSum(t *testing.T, s store.Store) {
	for _, tc := range []struct {
		name string
		b    store.Blob
	}{
		{"wrong sum", store.Blob{SHA256: sum([]byte("a")), Data: []byte("b")}},
		{"upper case", store.Blob{SHA256: strings.ToUpper(sum([]byte("a"))), Data: []byte("a")}},
		{"empty sum", store.Blob{Data: []byte("a")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tx, err := s.Begin(ctx(t))
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(ctx(t)) //nolint:errcheck
			fine := store.Blob{SHA256: sum([]byte("fine")), Data: []byte("fine")}
			if err := tx.PutBlobs(ctx(t), []store.Blob{fine, tc.b}); err == nil {
				t.Error("PutBlobs: no error")
			}
		})
	}
}
