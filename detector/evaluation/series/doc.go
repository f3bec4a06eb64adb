// Package series scores univariate time series from CSV files, one row at a
// time and never from the future, and writes the scores back beside the
// original rows.
//
// Data flow:
//
//	CSV file ─► Read ─► Table (raw fields + parsed times and values)
//	        ─► Run: for each row in file order, each value column's Detector
//	           sees (time, value, ok) and returns (score in [0,1], alert)
//	        ─► Write: original rows + anomaly_score + alert
//
// ScoreFile and ScoreDir wrap the three steps for one file or a folder of
// files (in parallel, one goroutine per file, results under an output folder
// with the same relative layout).
//
// # Input rules
//
//   - The first row is a header. The time column is --time-col, else the
//     first of timestamp, time, datetime, date, ts (any case), else the first
//     column. Value columns are the named ones, else "value" if present,
//     else every other column holding at least one number.
//   - Only comma-separated files are read: a header that is one field
//     holding semicolons or tabs is ErrSeparator.
//   - Timestamps: "YYYY-MM-DD HH:MM:SS" (optional fraction; also with "T",
//     without seconds, or a bare date), RFC 3339 with a zone, or unix seconds
//     (integer or decimal; ≥ 1e11 is read as milliseconds). Times without a
//     zone are UTC. A date written with slashes or dots (01/02/2024) is
//     ErrAmbiguousDate: its day/month order is not guessed.
//   - Rows keep their file order. Repeated or backward timestamps and uneven
//     gaps are passed to the detector as they are; the detectors here do not
//     assume an even step.
//   - A missing value (empty, unparsable, NaN or ±Inf) or a row whose
//     timestamp does not parse is a missing observation: the detector is
//     told ok=false (with the last good timestamp), carries its previous
//     score, never alerts on it and does not learn from it.
//   - Table.Notes counts what was read with a guess or as missing (value
//     cells that are not numbers, unreadable timestamps, rows earlier than
//     the row before, timestamps read as unix time) and Table.Warnings words
//     each kind as one line naming the first case; a clean file has none.
//   - A row with fewer fields than the header is padded with empty fields;
//     one with more is an error naming the line. A file without a single row
//     holding both a timestamp and a value is ErrNoUsableRows, wrapped with
//     the likely cause when there is one (no timestamp parses, no value is a
//     number, a single column).
//
// # Output
//
// The header and every row as read (re-quoted by encoding/csv), followed by
// anomaly_score, written with strconv.FormatFloat(x, 'g', -1, 64), and
// alert, 0 or 1. With several value columns the row's score is the largest
// of its columns' scores and alert is 1 if any column alerts.
//
// # Detectors
//
// ZScore is the windowed-Gaussian baseline: the tail probability of each
// value under a Gaussian fitted to the previous values of a rolling window.
// Likelihood wraps any RawScorer in an anomaly-likelihood post-processor in
// the spirit of Numenta's (Ahmad et al. 2017): the tail probability of the
// short-term average raw score under the long-run distribution of such
// averages. Both report a score in [0, 1] that grows with the surprise
// −log10(p) of the tail probability p, and both alert through the same
// hysteresis (Alarm): an alert opens at the row where the score first
// reaches the opening level, and a new one cannot open until the score has
// dropped below the closing level.
//
// The TFT scorer (TFTFactory) trains a Temporal Fusion Transformer (package
// tft) on each file's leading rows, with hour of day, day of week and the
// time step as known inputs, forecasts every later row from the rows before
// it, and refits itself on recent rows at rows 2·fit, 4·fit, …; its raw
// score is the distance outside the 2–98 % forecast band in band widths.
// The "tft" detector is an Ensemble of that forecaster's likelihood, the
// z-score likelihood and a Range check under one alarm. VitalsFactory runs
// the monitor's own scorers (the embedded vitals model) on heart-rate-like
// series. docs/nab.md has the rules and the NAB results.
//
// HR detects sustained heart-rate rises in people it has never seen: a
// 20-row median level against a 300-row median baseline, the rise judged
// against the baseline's MAD (in bpm) with a minimum rise, the baseline
// frozen while an alert is open, its threshold calibrated in false alerts
// per hour. HROwn is HR with a threshold of each person's own: at least
// K, and at least the person's own past z at a high quantile (learnt as
// the stream goes). RobustZ is the rolling robust z-score both are
// compared with.
// AutoFactory, the score command's default, gives HR to a column named as
// heart rate or whose first rows look like heart rate at about 1 Hz, and
// the TFT ensemble to everything else (every NAB file). OnsetRules measure
// alerts against a 0/1 label column (onset recall, delay, false alerts per
// hour). docs/realhr.md has the rules and the results.
package series
