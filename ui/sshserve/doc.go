// Package sshserve serves the dashboard (package ui) to every SSH client
// with wish: one shared battlefield, many viewers.
//
// # Data flow
//
//	live.Runtime.Run (paced source → monitor.Ingest → recording tap, once per tick)
//	   │  live.Snapshot{frame, verdicts, schedule}
//	   ▼
//	fan-out ── drop-oldest buffer per viewer, recent backlog for late joiners
//	   │              │              │
//	 session 1     session 2  …  session N: ui.Model with WithFeed, its own renderer
//	 (ssh PTY)                               (colour profile), size, selection, panes
//
// One simulation (or replay) and one scoring pipeline serve everyone: the
// command runs the battlefield's live.Runtime on the server's clock, and the
// server only subscribes each session to it (package live owns the loop, the
// slow-viewer policy and the backlog). Each SSH session runs its own Bubble
// Tea program over the session (bm.MiddlewareWithProgramHandler,
// bm.MakeOptions), with styles from the session's renderer
// (bm.MakeRenderer), so selection, pane, sort, filter, truth overlay, help
// and terminal size are the viewer's own. A viewer cannot change the shared
// clock: pause freezes that viewer's screen while the battlefield runs on
// (on resume the screen jumps to the newest frames its buffer kept); + and −
// say the speed belongs to the server; a shared replay cannot be seeked.
//
// # Sessions
//
// Middleware, outermost first: logging, recover, a PTY check (a session
// without a terminal gets one line saying how to connect, instead of a
// broken screen), the session cap (over it: one line and close), the
// session's own bookkeeping (subscription, idle and duration limits, the
// farewell line), and the Bubble Tea middleware. Idle means no key, mouse or
// resize from the client for the idle timeout; the maximum duration closes a
// session however busy. Both end the program cleanly (the terminal is
// restored) and then print why. Everything a session holds — its
// subscription, its timers, its program — is released when it ends, however
// it ends (quit, limit, disconnect mid-frame, server shutdown).
//
// # Connections
//
// Before a connection authenticates it counts against a cap
// (WithMaxHandshakes, default 64): one more is closed at once, before the
// server sends anything. A connection that has not authenticated within the
// handshake timeout (WithHandshakeTimeout, default 10 s) is closed. Both
// bound what clients that never finish the handshake can hold; once
// authenticated, a connection is governed by the session limits.
//
// # Access
//
// Without authorized keys any client may connect; the command binds loopback
// by default and warns when asked to bind anything else without keys. With
// authorized keys only those public keys are accepted (no passwords), with
// the options of their authorized_keys lines honoured as sshd does: from=
// (wildcards, ! negation, CIDR; matched against the client's address, no
// DNS) and no-pty (restrict, pty), which leaves such a key without a
// dashboard. A line with any other option (command=, environment=,
// cert-authority, …) admits nobody: New logs it, and each refused login
// logs the file and line. The host key is a persisted ed25519 key
// (LoadOrCreateHostKey: created 0600 in a 0700 directory, by default in the
// user's configuration directory, never the working directory), so clients
// see the same key across restarts.
package sshserve
