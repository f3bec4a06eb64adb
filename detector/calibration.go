package detector

// Calibration records how a scorer's open levels were chosen (by
// training.Calibrate); a model file holds the TFT's and the z-score's.
type Calibration struct {
	// Alerts is the alert configuration with the calibrated Open levels.
	Alerts AlertConfig `json:"alerts"`
	// TargetFA is the target false alerts per soldier-hour over all
	// channels; the physiological channels share what the data-quality
	// channels leave of it equally.
	TargetFA float64 `json:"target_false_per_soldier_hour"`
	// Seeds, SoldierHours: the normal runs the levels were chosen on.
	Seeds        []uint64 `json:"seeds"`
	SoldierHours float64  `json:"soldier_hours"`
	// Measured is the false-alert rate per soldier-hour of each channel on
	// those runs at the chosen levels (replayed without the feedback of
	// imputation, see training.Calibrate).
	Measured [NumChannels]float64 `json:"false_per_soldier_hour"`
}
