package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/monitor"
	"github.com/chakra-tui/chakra-tui/featurestore"
	"github.com/chakra-tui/chakra-tui/ui/httpapi"
)

// The prototype's request, served by the API over an in-memory store and
// the fixed-threshold baseline.
func ExampleNew() {
	store, _ := featurestore.NewMemory()
	defer store.Close()
	scorer, _ := detector.NewThreshold()
	mon, _ := monitor.New(store, scorer)
	defer mon.Close()
	api, err := httpapi.New(mon)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, body := range []string{
		`{"soldier_id": 1, "heart_rate": 190, "stamina": 100, "core_temp": 37.4, "spo2": 97, "timestamp": 1234567890}`,
		`{"soldier_id": 1, "heart_rate": 193, "stamina": 100, "core_temp": 37.4, "spo2": 97, "timestamp": 1234567891}`,
		`{"soldier_id": 1, "heart_rate": 350, "stamina": 100, "timestamp": 1234567892}`,
	} {
		req := httptest.NewRequest("POST", "/predict", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, req)
		var v struct {
			Anomaly bool   `json:"anomaly"`
			State   string `json:"state"`
			Kind    string `json:"kind"`
			Error   string `json:"error"`
			Code    string `json:"code"`
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &v)
		if rec.Code != 200 {
			fmt.Println(rec.Code, v.Code, v.Error)
			continue
		}
		fmt.Println(rec.Code, v.State, v.Kind, v.Anomaly)
	}
	// Output:
	// 200 watch none false
	// 200 alert tachycardia true
	// 422 out_of_range heart_rate must be between 0 and 300 bpm (got 350)
}
