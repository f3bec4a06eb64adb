package featurestore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore/redis/redistest"
)

func TestMaterialize(t *testing.T) {
	dir, profiles, frames, _ := testRun(t, 4, 200, WithRowGroupRows(128))
	r, err := OpenRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	srv := redistest.Start(t)
	ctx := context.Background()
	stores := map[string]func() Online{
		"memory": func() Online { s, _ := NewMemory(WithTTL(0)); return s },
		"redis": func() Online {
			return openRedis(t, srv.URL(), WithPrefix(newPrefix()), WithTTL(time.Hour))
		},
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			s := open()
			if err := Materialize(ctx, s, r, 31); err != nil {
				t.Fatal(err)
			}
			for _, p := range profiles {
				if got, ok, err := s.Profile(ctx, p.ID); !ok || err != nil || got != p {
					t.Fatalf("profile %d = %+v, %v, %v", p.ID, got, ok, err)
				}
			}
			w, err := s.Window(ctx, 3, 100, nil)
			if err != nil {
				t.Fatal(err)
			}
			var want []engine.Observation
			for _, f := range frames[200-31:] {
				want = append(want, f.Obs[2])
			}
			checkRows(t, w, want)

			// Point in time: a fresh store as of tick 99.
			s = open()
			if err := MaterializeAsOf(ctx, s, r, 10, 99); err != nil {
				t.Fatal(err)
			}
			w, _ = s.Window(ctx, 1, 100, nil)
			want = want[:0]
			for _, f := range frames[90:100] {
				want = append(want, f.Obs[0])
			}
			checkRows(t, w, want)
			// A store that already has later rows refuses.
			if err := Materialize(ctx, s, r, 5); err != nil {
				t.Fatalf("materialize later rows on top: %v", err)
			}
			if err := MaterializeAsOf(ctx, s, r, 5, 50); !errors.Is(err, ErrOutOfOrder) {
				t.Fatalf("materialize older rows on top: %v; want ErrOutOfOrder", err)
			}
		})
	}
}
