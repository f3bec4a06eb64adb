package ui

// viewKey is what a pane's rendered string depends on: the frame on the
// board, the pane's size, whether it has focus, the styles (theme and
// renderer), and a revision the pane bumps for everything else it shows
// (selection, toggles, acknowledgements).
type viewKey struct {
	frames uint64
	w, h   int
	focus  bool
	styles *Styles
	rev    uint64
}

// viewCache holds a pane's last rendered string and its key, so View only
// renders when something it shows changed.
type viewCache struct {
	key viewKey
	s   string
	ok  bool
}

// lookup returns the cached string for k, if any.
func (c *viewCache) lookup(k viewKey) (string, bool) {
	if c.ok && c.key == k {
		return c.s, true
	}
	return "", false
}

// store remembers s for k and returns it.
func (c *viewCache) store(k viewKey, s string) string {
	c.key, c.s, c.ok = k, s, true
	return s
}
