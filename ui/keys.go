package ui

import (
	"github.com/charmbracelet/bubbles/key"
)

// keyMap is every key binding of the dashboard; it is also the help view's
// help.KeyMap.
type keyMap struct {
	Up, Down, Left, Right   key.Binding
	PageUp, PageDown        key.Binding
	First, Last             key.Binding
	Find                    key.Binding
	Detail, Close           key.Binding
	Pause                   key.Binding
	Faster, Slower          key.Binding
	Ack                     key.Binding
	Truth                   key.Binding
	Debug                   key.Binding
	Sort, Filter            key.Binding
	Log                     key.Binding
	Overview                key.Binding
	SeekBack, SeekFwd       key.Binding
	SeekBackFar, SeekFwdFar key.Binding
	Help                    key.Binding
	Quit                    key.Binding
}

// newKeyMap returns the bindings; seek is enabled only for replays.
func newKeyMap(seek bool) keyMap {
	k := keyMap{
		Up:          key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:        key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Left:        key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "left")),
		Right:       key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "right")),
		PageUp:      key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		PageDown:    key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down")),
		First:       key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g/home", "first")),
		Last:        key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G/end", "last")),
		Find:        key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "find")),
		Detail:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "detail")),
		Close:       key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close")),
		Pause:       key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "pause")),
		Faster:      key.NewBinding(key.WithKeys("+", "="), key.WithHelp("+", "faster")),
		Slower:      key.NewBinding(key.WithKeys("-", "_"), key.WithHelp("-", "slower")),
		Ack:         key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "acknowledge")),
		Truth:       key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "truth overlay")),
		Debug:       key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "model internals")),
		Sort:        key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort by severity")),
		Filter:      key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "only alerting")),
		Log:         key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "alert log")),
		Overview:    key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "squads")),
		SeekBack:    key.NewBinding(key.WithKeys("[", "shift+left"), key.WithHelp("[", "seek −1 min")),
		SeekFwd:     key.NewBinding(key.WithKeys("]", "shift+right"), key.WithHelp("]", "seek +1 min")),
		SeekBackFar: key.NewBinding(key.WithKeys("{"), key.WithHelp("{", "seek −10 min")),
		SeekFwdFar:  key.NewBinding(key.WithKeys("}"), key.WithHelp("}", "seek +10 min")),
		Help:        key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "more")),
		Quit:        key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
	k.SeekBack.SetEnabled(seek)
	k.SeekFwd.SetEnabled(seek)
	k.SeekBackFar.SetEnabled(seek)
	k.SeekFwdFar.SetEnabled(seek)
	return k
}

// ShortHelp is the footer's help without "? more" and "q quit", which the
// footer always adds after it: most useful first, since the footer drops
// bindings from the end to fit.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Find, k.Detail, k.Pause, k.SeekBack, k.SeekFwd, k.Faster, k.Slower, k.Ack, k.Truth, k.Log}
}

// FullHelp is the help view's columns.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.Left, k.Right, k.PageUp, k.PageDown, k.First, k.Last},
		{k.Detail, k.Close, k.Log, k.Overview, k.Ack, withHelp(k.Help, "?", "close help"), k.Quit},
		{k.Pause, k.Faster, k.Slower, k.SeekBack, k.SeekFwd, k.SeekBackFar, k.SeekFwdFar},
		{withHelp(k.Find, "/", "find: 62 or s07"), k.Truth, k.Sort, k.Filter, k.Debug},
	}
}

// withHelp is b as the full help names it.
func withHelp(b key.Binding, keys, desc string) key.Binding {
	b.SetHelp(keys, desc)
	return b
}
