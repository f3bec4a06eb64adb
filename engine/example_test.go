package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
)

func ExampleNewSim() {
	cfg := engine.DefaultConfig() // the field world (engine.DefaultWorldName)
	cfg.Soldiers, cfg.Duration = 20, 3*time.Second
	sim, err := engine.NewSim(cfg)
	if err != nil {
		panic(err)
	}
	for {
		f, err := sim.Next(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		o := f.Obs[0]
		fmt.Printf("%s t=%d: %d soldiers; soldier %d %s→%s HR %.0f bpm, core %.2f °C\n",
			f.Time.Format("15:04:05"), f.T, len(f.Obs), o.Soldier, o.Phase, o.NextPhase,
			o.Values[engine.HeartRate], o.Values[engine.CoreTemp])
	}
	fmt.Println("squad 0 phase in one hour:", sim.PhaseAt(0, 3600))
	// Output:
	// 09:00:00 t=0: 20 soldiers; soldier 1 rest→rest HR 70 bpm, core 37.21 °C
	// 09:00:01 t=1: 20 soldiers; soldier 1 rest→rest HR 73 bpm, core 37.21 °C
	// 09:00:02 t=2: 20 soldiers; soldier 1 rest→rest HR 72 bpm, core 37.18 °C
	// squad 0 phase in one hour: patrol
}

func ExampleRecorder() {
	cfg := engine.DefaultConfig()
	cfg.Soldiers, cfg.Duration = 4, 10*time.Second
	sim, _ := engine.NewSim(cfg)

	var file bytes.Buffer
	rec, _ := engine.NewRecorder(&file, "example", engine.NewHeader(sim.Profiles(), &cfg))
	var f engine.Frame
	for sim.Step(&f) == nil {
		rec.WriteFrame(&f)
		rec.WriteAux(f.T, "verdict", json.RawMessage(`{"alerts":0}`))
	}
	rec.Close()

	replay, err := engine.NewReplay(bytes.NewReader(file.Bytes()), "example")
	if err != nil {
		panic(err)
	}
	fmt.Println("frames:", replay.Len(), "seed:", replay.Header().Config.Seed)
	replay.SeekTo(7)
	g, _ := replay.Next(context.Background())
	fmt.Println("tick", g.T, "soldiers", len(g.Obs), "aux", replay.Aux()[0].Kind, string(replay.Aux()[0].Payload))
	// Output:
	// frames: 10 seed: 1
	// tick 7 soldiers 4 aux verdict {"alerts":0}
}

func ExampleParseMix() {
	mix, err := engine.ParseMix("tachycardia=2,dropout")
	if err != nil {
		panic(err)
	}
	fmt.Println(mix)
	_, err = engine.ParseMix("artefact=1")
	fmt.Println(err)
	// Output:
	// tachycardia=2,bradycardia=0,dropout=1,stuck=0,heat_strain=0,stamina_crash=0
	// invalid simulation config: artefact cannot be in the mix (artefacts have their own rate)
}
