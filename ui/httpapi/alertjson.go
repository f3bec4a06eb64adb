package httpapi

import "github.com/chakra-tui/chakra-tui/detector/monitor"

// AppendAlertEventJSON appends the data of the GET /alerts event of ev to
// b, with scorer naming the detector: the verdict that opened the alert,
// its times in unix seconds, and the alert's record. The webhook of package
// ui/alertsink posts the same bytes, so a receiver parses one format
// whichever way alerts reach it.
func AppendAlertEventJSON(b []byte, ev *monitor.AlertEvent, scorer string) []byte {
	return appendAlertEvent(b, ev, verdictExtras{scorer: scorer})
}
