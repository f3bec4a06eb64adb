// Package engine is the source of everything the monitor sees: a seeded
// discrete-event simulation of soldiers on a battlefield, replay of recorded
// sessions, and the fan-out of frames to many viewers.
//
// # Data flow
//
// A Source (the simulation Sim, a Replay, or frames ingested from outside)
// produces one Frame per tick: one Observation per soldier, sorted by id,
// plus the ground-truth Labels active at that tick. Observations carry the
// readings (heart rate bpm, stamina 0–100, core temperature °C, SpO2 %),
// missing ones as NaN with their Missing bit set (never zero), and the known
// inputs: the squad's phase at T and at T+1, and the ambient temperature.
// Labels travel beside the observations and are never shown to a scorer.
//
//	Sim ──Step/Next──▶ Frame ──▶ Pacer (wall time × speed) ──▶ Broadcast ──▶ viewers
//	 │                   └──▶ Recorder (gzip JSON lines) ──▶ Replay (a Source, seekable)
//	 └─ PhaseAt / Schedule / Ambient: the known future inputs
//
// # Time
//
// T counts simulated seconds since the scenario start (Config.Start, a fixed
// instant, never the machine's clock); a tick lasts Config.Tick (default
// one second). The Sim's clock is a queue of scheduled events (phase
// changes, anomaly starts and ends, artefacts, ticks) popped in (time, kind,
// id) order. It steps only when asked, as fast as the CPU allows; a Pacer
// delivers any Source's frames in step with wall time at any speed factor.
//
// # Sensor world
//
// Config.World says how the sensors and the plan misbehave on top of the
// physiology: lasting motion artefacts (jumps, dips, cadence lock; labelled
// KindArtefact, a non-event), Student-t noise, device bias and drift, lost
// readings and partial dropouts (unlabelled), actual phases drifting from
// the known plan (observations keep showing the plan), soldiers already in
// an anomaly at tick 0, and errors in the profiles a scorer is given.
// CleanWorld (the zero World) is the idealised world, frame for frame what
// the engine produced before the sensor world existed; FieldWorld the
// realistic one; DefaultWorldName picks the default.
//
// # Randomness
//
// Every draw comes from math/rand/v2 PCG streams derived from Config.Seed,
// one per purpose (profiles, individual factors, each squad's schedule,
// squad effort, noise, anomalies, artefacts, and the sensor world's own
// streams, from which the clean world draws nothing), so the same seed gives
// the same frames and the same recording, byte for byte (its gzip members
// close by frame time, never by the machine's clock), and changing the
// anomaly mix or poison rate changes neither the schedule nor the
// physiology underneath.
//
// docs/engine.md documents the physiology per phase, the anomaly signatures,
// the recording format and the sources of the numbers.
package engine
