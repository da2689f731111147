package imap

import (
	"slices"
	"testing"
)

func TestPlanBatches(t *testing.T) {
	const mb = 1 << 20
	seq := func(from, to uint32) []uint32 {
		var s []uint32
		for uid := from; uid <= to; uid++ {
			s = append(s, uid)
		}
		return s
	}
	sizesOf := func(uids []uint32, size int64) map[uint32]int64 {
		m := map[uint32]int64{}
		for _, uid := range uids {
			m[uid] = size
		}
		return m
	}
	for _, tc := range []struct {
		name    string
		uids    []uint32
		sizes   map[uint32]int64
		maxSize int64
		want    []batch
	}{
		{"empty", nil, nil, 0, nil},
		{"expunged are skipped", []uint32{1, 2, 3}, map[uint32]int64{1: 10, 3: 10}, 0, []batch{{uids: []uint32{1, 3}, full: true}}},
		{"count bound", seq(1, 250), sizesOf(seq(1, 250), 100), 0, []batch{
			{uids: seq(1, 100), full: true}, {uids: seq(101, 200), full: true}, {uids: seq(201, 250), full: true}}},
		{"byte bound", seq(1, 5), sizesOf(seq(1, 5), 3*mb), 50 * mb, []batch{
			{uids: seq(1, 2), full: true}, {uids: seq(3, 4), full: true}, {uids: []uint32{5}, full: true}}},
		{"one large message alone", []uint32{1, 2, 3}, map[uint32]int64{1: 10, 2: 20 * mb, 3: 10}, 50 * mb, []batch{
			{uids: []uint32{1}, full: true}, {uids: []uint32{2}, full: true}, {uids: []uint32{3}, full: true}}},
		{"too large: header only, in order", []uint32{1, 2, 3, 4}, map[uint32]int64{1: 10, 2: 60 * mb, 3: 70 * mb, 4: 10}, 50 * mb, []batch{
			{uids: []uint32{1}, full: true}, {uids: []uint32{2, 3}, full: false}, {uids: []uint32{4}, full: true}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := planBatches(tc.uids, tc.sizes, tc.maxSize)
			if !slices.EqualFunc(got, tc.want, func(a, b batch) bool { return a.full == b.full && slices.Equal(a.uids, b.uids) }) {
				t.Fatalf("got %v\nwant %v", got, tc.want)
			}
		})
	}
}
