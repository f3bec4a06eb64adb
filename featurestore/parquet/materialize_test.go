package parquet

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
	"github.com/chakra-tui/chakra-tui/featurestore/redis"
	"github.com/chakra-tui/chakra-tui/featurestore/redis/redistest"
	"github.com/chakra-tui/chakra-tui/featurestore/storetest"
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
	prefixes := 0
	stores := map[string]func() featurestore.Online{
		"memory": func() featurestore.Online { s, _ := featurestore.NewMemory(featurestore.WithTTL(0)); return s },
		"redis": func() featurestore.Online {
			prefixes++ // a fresh store each time
			s, err := redis.New(srv.URL(), featurestore.WithPrefix(fmt.Sprintf("materialize%d:", prefixes)), featurestore.WithTTL(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
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
			storetest.CheckRows(t, w, want)

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
			storetest.CheckRows(t, w, want)
			// A store that already has later rows refuses.
			if err := Materialize(ctx, s, r, 5); err != nil {
				t.Fatalf("materialize later rows on top: %v", err)
			}
			if err := MaterializeAsOf(ctx, s, r, 5, 50); !errors.Is(err, featurestore.ErrOutOfOrder) {
				t.Fatalf("materialize older rows on top: %v; want ErrOutOfOrder", err)
			}
		})
	}
}
