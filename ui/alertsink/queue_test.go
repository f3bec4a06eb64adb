package alertsink

import "testing"

func TestQueueDropsOldestAndPopsWhatRemains(t *testing.T) {
	q := newQueue[int](3)
	for i := 1; i <= 5; i++ {
		old, dropped := q.push(i)
		if want := i > 3; dropped != want || (dropped && old != i-3) {
			t.Fatalf("push %d: dropped %v (%d)", i, dropped, old)
		}
	}
	items, d0 := q.peek(nil, 2)
	if len(items) != 2 || items[0] != 3 || items[1] != 4 || d0 != 2 {
		t.Fatalf("peek %v, dropped %d", items, d0)
	}
	// Two more pushed while the peeked items were in flight push out 3
	// and 4 themselves: pop removes nothing more.
	q.push(6)
	q.push(7)
	if k := q.pop(2, d0, false); k != 0 {
		t.Fatalf("popped %d after the peeked items were dropped", k)
	}
	items, d0 = q.peek(nil, 10)
	if len(items) != 3 || items[0] != 5 || items[2] != 7 {
		t.Fatalf("queue holds %v", items)
	}
	if k := q.pop(3, d0, false); k != 3 {
		t.Fatalf("popped %d of 3", k)
	}
	if n, dropped := q.len(); n != 0 || dropped != 4 {
		t.Fatalf("len %d, dropped %d", n, dropped)
	}
}

// An item pushed out of a full queue while its attempt was in flight, and
// then delivered, counts as delivered and not as dropped; one refused
// stays dropped.
func TestQueueInFlightDeliveredIsNotDropped(t *testing.T) {
	for _, delivered := range []bool{true, false} {
		q := newQueue[int](2)
		q.push(1)
		q.push(2)
		items, d0 := q.peek(nil, 1)
		if len(items) != 1 || items[0] != 1 {
			t.Fatalf("peek %v", items)
		}
		q.push(3) // pushes out 1, still on the wire
		if _, dropped := q.len(); dropped != 1 {
			t.Fatalf("dropped %d while 1 is in flight", dropped)
		}
		if k := q.pop(1, d0, delivered); k != 0 {
			t.Fatalf("popped %d items already pushed out", k)
		}
		n, dropped := q.len()
		want := uint64(1)
		if delivered {
			want = 0
		}
		if n != 2 || dropped != want {
			t.Fatalf("delivered %v: %d queued, %d dropped; want 2 queued, %d dropped", delivered, n, dropped, want)
		}
	}
}
