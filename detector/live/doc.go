// Package live is the battlefield runtime: the one loop that steps a frame
// source, scores each frame, records it and fans it out to viewers. Every
// mode of the binary is flags → runtime → front end: the local dashboard,
// the SSH server's shared battlefield, `--headless --simulate` (whose alerts
// reach the HTTP alert stream) and the replay of a recording all run on a
// Runtime; none has a loop of its own.
//
// # Data flow
//
//	Source.Next (simulation | engine replay | session replay; paced by Run)
//	   │  engine.Frame
//	   ▼
//	score: Pipeline.Ingest (monitor: store → windows → scorer → alert stream)
//	       or the verdicts the source carries (a session replay)
//	   │  Snapshot{Frame, Verdicts, Schedule}
//	   ├──▶ recording tap: Recorder.Write(frame, verdicts)   (session.Recorder)
//	   ├──▶ fan-out: engine.Broadcast → every Subscription  (SSH sessions, …)
//	   └──▶ Step's caller                                   (the local dashboard)
//
// The store and the scorer are joined by a monitor.Monitor: give Open a
// Store and a Scorer and the runtime builds (and closes) one, or give it a
// Pipeline the caller owns, such as the HTTP API's, which counts metrics
// and shares the monitor with POST /predict. The HTTP alert stream
// subscribes to that monitor's alert openings, so alerts of the simulated
// battlefield and of ingested observations arrive on one stream. A source
// that carries its own verdicts (session.Replay: recorded, or re-scored by
// its own fresh pipeline) needs neither.
//
// # Who drives time
//
// Exactly one of two clocks steps a runtime:
//
//   - The caller's (Step). The local dashboard owns the battlefield: its
//     tagged tick loop calls Step in a command at the chosen speed, so pause
//     and speed act on the dashboard's own clock, and Seek moves a replay.
//     Step does not wait: it returns the source's next frame at once.
//   - The runtime's (Run). A battlefield shared by many viewers (SSH, the
//     headless server) is stepped by Run on Config.Clock at Config.Speed
//     simulated seconds per wall second (0: as fast as the source allows);
//     Pause, Resume and SetSpeed act on it from any goroutine. A tick late
//     by up to Config.CatchUp is stepped at once, so a slow stretch is
//     worked off; Lag reports how late each tick was published. When a
//     scored simulation is the source, Run makes each frame (and its
//     schedules) while the tick before it is scored, one frame ahead.
//
// Seek (sources that implement Seeker, such as session.Replay) repositions
// the source and returns the pre-roll before the target for the caller's
// screen; subscribers see the frames after it. A runtime that records or
// scores through a live Pipeline does not seek: the recording and the
// store only move forward in time.
//
// # Concurrency
//
// All methods are safe for concurrent use. Stepping (Step or Run) and
// seeking are serialised: one frame is read, scored, recorded and published
// at a time, in tick order, so the recording and every viewer see the same
// sequence. Publishing never blocks the loop: each subscriber has a bounded
// buffer and a slow one loses its oldest snapshots (Subscription.Dropped
// counts them); a late one first receives the last Config.Backlog
// snapshots. Snapshots are immutable values shared by every viewer: their
// slices must not be modified. The fan-out closes every subscription when
// Run returns or Close is called; the end of a source under Step does not
// close it (a replay may seek back).
//
// Errors: the end of the source is io.EOF from Step and a nil error from
// Run, as is the end of Run's context. A failed score stops the runtime
// unless Config.OnScore skips the tick; a failed recording write always
// stops it (a recording asked for is never silently incomplete).
package live
