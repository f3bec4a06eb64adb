// Package tft is a Temporal Fusion Transformer (Lim et al. 2021, as
// pytorch-forecasting implements it) in float64: configuration, parameters,
// a training forward/backward pass on the reverse-mode tape of package
// autodiff, a fast tape-free inference path, the training loop, and a
// versioned file format. It knows nothing about vitals or soldiers: callers
// describe their variables in a Config and hand over flat float64 rows.
//
// # Data flow
//
//	static covariates ─► prescaler/embedding ─► static VSN ─► 4 static GRNs
//	                                                           │ (contexts: selection, enrichment, LSTM h₀, c₀)
//	encoder rows ─► prescalers/embeddings ─► encoder VSN ─► LSTM encoder ─┐
//	decoder known rows ─► prescalers/embeddings ─► decoder VSN ─► LSTM decoder ─┤
//	                        gated skip + LayerNorm ◄───────────────────────────┘
//	                        static enrichment GRN
//	                        interpretable multi-head attention (causal)
//	                        gated skip + LayerNorm, position-wise GRN
//	                        gated skip + LayerNorm to the LSTM output
//	                        Linear → [targets × quantiles] per decoder step
//
// Real inputs go through a learned prescaler (Linear 1→InputSize) and
// categorical ones through an embedding table; each variable then has its
// own GRN (InputSize → Hidden, with a linear skip as in Lim et al.), and a
// flattened GRN with the static context produces the softmax selection
// weights (a group with one variable skips the softmax, weight 1). The
// attention has one query/key projection per head and one value projection
// shared by all heads; the head outputs are averaged, so the mean attention
// weights explain the output exactly. Decoder step i attends to every
// encoder step and to decoder steps 0…i (itself included).
//
// The head is trained with the pinball (quantile) loss averaged over the
// observed targets, quantiles and decoder steps. At inference the
// quantiles of each (step, target) are sorted so they never cross.
//
// # How the detector uses it
//
//	cfg := tft.DefaultConfig()
//	cfg.Static = []tft.Variable{tft.Real("age"), tft.Categorical("fitness", 3), …}
//	cfg.Encoder = []tft.Variable{tft.Real("hr_norm"), …, tft.Categorical("phase", 5)}
//	cfg.Decoder = []tft.Variable{tft.Categorical("phase", 5), tft.Real("ambient")}
//	cfg.Targets = []string{"heart_rate", "stamina", "core_temp", "spo2"}
//	m, _ := tft.New(cfg, seed)
//	res, err := tft.Train(ctx, m, trainSet, valSet, tft.TrainConfig{Seed: seed}, onProgress)
//	err = tft.Save(file, m, metaJSON)        // normalisation, calibration, metrics…
//
// and at scoring time, per soldier, a Stream over the sliding window:
//
//	m, meta, err := tft.Decode(embedded)      // refuses corrupt or mismatched files
//	ws, out := m.NewWorkspace(), m.NewForecasts(len(streams))
//	s, _ := m.NewStream(static)               // once per soldier
//	s.Push(encoderRow)                        // every tick (normalised values)
//	m.ForecastStreams(ws, readyStreams, decoderRows, out) // one batch per tick
//
// Inputs are expected normalised by the caller (for vitals: per soldier,
// from the static profile, never per window). Targets are forecast in the
// same units the caller trains them in. Missing values must be imputed by
// the caller (typically with an indicator variable); only targets may be
// missing, through Example.TargetMask.
//
// # Speed
//
// Training runs on the tape, inference on a separate tape-free path; both
// fold consecutive linear maps where the algebra allows (a real variable's
// prescaler into every layer that reads its embedding, a GRN's fc2 into
// the GLU's linear layer, at inference also the attention keys into the
// queries), and test that they agree with the plain layer-by-layer graph
// to 1e-12. Inference runs the row-wise layers of up to 16 windows as
// matrix products (two rows per pass over the weights) and the LSTM gates
// as one product per step. (gonum's Dgemm was tried for the wider layers:
// fewer instructions, but slower on these small shapes.) The products and
// activations run on package autodiff's AVX2 or AVX-512 kernels where the
// processor has them (bit-identical to its Go loops), which takes a
// sliding window's forecast (BenchmarkStreamStep) from 45 µs to 16 µs on
// the development VM. A Stream caches each step's variable selection and LSTM input
// projection, twice over so that a lone stream's window is contiguous and
// is read in place, so a sliding window costs about 40% of a fresh one;
// Model.Cost counts the multiply-adds of both. A compact stream
// (NewCompactStream, for fleets of tens of thousands) keeps its ring in
// float32 and runs everything after the variable selection in float32
// (infer32.go): half the CPU a window with autodiff's AVX2 float32
// kernels, forecasts within about 1e-6 of the float64 ones.
//
// # Concurrency and allocation
//
// A Model is read-only while forecasting. Each goroutine uses its own
// Workspace; once a Workspace has served its largest batch, forecasting
// allocates nothing. Train runs data-parallel over Workers goroutines with
// a fixed reduction order, so a seed and worker count give bit-identical
// parameters.
package tft
