package detector

import (
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// Scorer turns windows into verdicts. The TFT scorer and the baselines
// (fixed threshold, rolling z-score) all stand behind it. A Scorer keeps
// per-soldier alert state, so each soldier's windows must arrive in tick
// order; Score is safe for concurrent use on different soldiers.
type Scorer interface {
	// Name is a short identifier such as "tft", "threshold" or "zscore".
	Name() string
	// Score scores the last row of each window and appends one verdict per
	// window, in order, to dst.
	Score(ws []featurestore.Window, dst []Verdict) ([]Verdict, error)
}

// QuantileLevels are the forecast quantiles every scorer reports.
var QuantileLevels = [NumQuantiles]float64{0.02, 0.1, 0.5, 0.9, 0.98}

// NumQuantiles is the number of forecast quantiles.
const NumQuantiles = 5

// State is the detector's view of one soldier at one tick.
type State uint8

// States, in increasing order of concern except the last two.
const (
	StateOK        State = iota // readings inside the expected band
	StateWatch                  // out of band, not yet persistent enough to alert
	StateAlert                  // an alert is open
	StateNoData                 // no usable readings (data-quality alerts use StateAlert)
	StateWarmingUp              // window still too short to forecast
)

var stateNames = [...]string{"ok", "watch", "alert", "no_data", "warming_up"}

// String returns the state's snake_case name.
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "state(?)"
}

// Quantiles holds one forecast per level in QuantileLevels.
type Quantiles [NumQuantiles]float64

// VitalVerdict is the verdict for one vital at one tick.
type VitalVerdict struct {
	Observed float64   // the reading; NaN if missing
	Missing  bool      // no reading at this tick
	Forecast Quantiles // forecast quantiles; NaN if the scorer has none
	Out      float64   // signed band-widths outside the calibrated band (+ above, − below, 0 inside)
	// Imputed is set when the scorer fed the model its forecast median
	// instead of this reading (missing, stuck, out of band or inside an
	// open alert), so anomalous readings do not drag the forecast along.
	Imputed bool
	// Stuck is set when the reading has been frozen at one value for longer
	// than this soldier's recent variability makes plausible.
	Stuck bool
	// Suspect is set when the reading looks like a sensor glitch (a step
	// no body makes, see GlitchConfig): it is not scored, and the model is
	// fed the forecast median instead (Imputed).
	Suspect bool
	// Prior is set when the reading was judged against the population
	// prior (what is plausible for the soldier's profile and phase; the
	// band in Forecast[0] and Forecast[4]) because the scorer cannot yet
	// forecast this soldier; otherwise the basis is the scorer's forecast.
	Prior bool
	// Personal is set when the reading was judged against the soldier's
	// own baseline because its phase was guessed (heart rate only; see
	// personal.go): Forecast[0] and Forecast[4] hold the baseline ± the
	// rise its spread explains, Forecast[2] the baseline, and Out is how
	// far the level (the median of the last PersonalLevel seconds) lies
	// above that range in units of the spread.
	Personal bool
	// Drift is how far the reading has moved over the TFT's drift horizon
	// beyond the changes its forecasts expected, in the vital's unit (NaN
	// for scorers without a drift check or before it has enough history).
	Drift float64
}

// Verdict is a scorer's judgement of one soldier at one tick, with what it
// needs to explain itself.
type Verdict struct {
	Soldier   engine.SoldierID
	T         int64
	Phase     engine.Phase
	NextPhase engine.Phase
	State     State
	Kind      engine.AnomalyKind // what the open alert looks like; KindNone without one
	PhaseSeen Activity           // set when the phase check judged Phase wrong: the activity seen (phasecheck.go)
	Score     float64            // largest |Out| over the vitals
	Vitals    [engine.NumVitals]VitalVerdict
	// Channels holds the alert state per channel (ChannelHeartRate …
	// ChannelStuck); Kind and State summarise it.
	Channels [NumChannels]ChannelAlert
	// Alert is the soldier's incident: one alert, one kind and one
	// explanation from the first channel's opening until every channel
	// has closed. Kind is its kind while it is open.
	Alert       Alert
	Explanation Explanation
}

// Explanation holds the TFT's own interpretation outputs for a verdict: its
// variable-selection weights and attention. They are a debugging view, not
// the reason for an alert: on the embedded model the selection weights are
// nearly the same for every verdict (d_stamina ≈ 0.945) and the attention
// mostly marks the seconds before an event. The reason is the Alert's
// Evidence and Attribution (see Sentence). Baselines leave it empty.
type Explanation struct {
	Vital engine.Vital // the vital furthest out of its band
	// VarWeights are the encoder's variable-selection weights at the last
	// encoder step, one per name in VarNames (at most MaxVars).
	VarWeights [MaxVars]float64
	NumVars    int
	// VarNames names the variables behind VarWeights. The slice is shared
	// by every verdict of a scorer and must not be modified.
	VarNames []string
	// Attention is where the decoder looked: attention weight (mean over
	// heads) per encoder position, oldest first, summing to 1.
	Attention    [MaxEncoder]float64
	AttentionLen int
}

// Limits on the sizes an Explanation can hold.
const (
	MaxVars    = 16
	MaxEncoder = 64
)

// Channel is one alert channel of a soldier. Each vital has a physiological
// channel (its reading outside the expected band); two more channels carry
// the data-quality alerts: readings missing, and a sensor stuck at one value.
// Channels open and close independently, so an alert on one does not hide a
// later alert on another.
type Channel uint8

// The alert channels. The first NumVitals are indexed like engine.Vital.
const (
	ChannelHeartRate Channel = iota // heart rate out of band
	ChannelStamina                  // stamina out of band
	ChannelCoreTemp                 // core temperature out of band
	ChannelSpO2                     // SpO2 out of band
	ChannelDropout                  // readings missing (data quality)
	ChannelStuck                    // a reading frozen at one value (data quality)
	NumChannels      = 6
)

var channelNames = [NumChannels]string{"heart_rate", "stamina", "core_temp", "spo2", "dropout", "stuck"}

// String returns the channel's snake_case name.
func (c Channel) String() string {
	if int(c) < NumChannels {
		return channelNames[c]
	}
	return "channel(?)"
}

// VitalChannel returns the physiological channel of vital v.
func VitalChannel(v engine.Vital) Channel { return Channel(v) }

// ChannelAlert is the alert state of one channel at one tick.
type ChannelAlert struct {
	Open   bool               // an alert is open on this channel
	Opened bool               // it opened at this tick (an alert event)
	Kind   engine.AnomalyKind // what the open alert looks like; KindNone when closed
	Since  int64              // tick the open alert opened at
}

// Alerting reports whether any channel of the verdict has an open alert.
func (v *Verdict) Alerting() bool {
	for i := range v.Channels {
		if v.Channels[i].Open {
			return true
		}
	}
	return false
}

// OpenedAny reports whether an alert opened on any channel at this tick.
func (v *Verdict) OpenedAny() bool {
	for i := range v.Channels {
		if v.Channels[i].Opened {
			return true
		}
	}
	return false
}
